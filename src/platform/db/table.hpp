#pragma once
// A table's columns written once, as a list of (column name, struct member),
// and what is made from that list: the SELECT list, the INSERT column list
// with its $n placeholders (one row or many; the same text for SQLite and
// PostgreSQL), a struct's parameters for an INSERT, and a row decoded into the
// struct. BulkWriter batches structs into multi-row INSERTs inside the
// caller's transaction. A read view (the columns a page needs, or a join) is
// a Table of its own struct: its SELECT list and its decoder come from the
// one list, so a column's position is never written by hand. A stored row
// that adds columns to a read view derives from the view's struct, and its
// Table is the view's columns followed by the added ones: each name once.
//
//   struct Tag { std::int64_t id = 0; std::string name; bool pinned = false; };
//   const ts::db::Table<Tag> tags("tags", {{"id", &Tag::id}, {"name", &Tag::name},
//                                          {"pinned", &Tag::pinned}});
//   conn.query("SELECT " + tags.select_list() + " FROM tags WHERE id = $1", {id});
//   ts::db::BulkWriter<Tag> w(tx.connection(), tags.without({"id"}));
//   w.add(tag);  ...  w.flush();
//
//   struct StoredTag : Tag { std::string created_at; };
//   const ts::db::Table<StoredTag> stored(tags, {{"created_at", &StoredTag::created_at}});
//
// bool members are written as 0/1: the schemas keep flags in INTEGER columns
// with CHECK (x IN (0, 1)), in both dialects.
#include "platform/db/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ts::db {

// "($1,$2),($3,$4)" for `rows` rows of `cols` parameters, numbered from 1.
std::string values_placeholders(std::size_t rows, std::size_t cols);
// "INSERT INTO <table> (<c1>, <c2>) VALUES (<placeholders>)[ RETURNING <returning>]".
std::string insert_sql(std::string_view table, const std::vector<std::string>& columns,
                       std::size_t rows, std::string_view returning = {});
// After rows were written with their ids kept (an import): PostgreSQL's
// identity sequence of the table's "id" moves past them, so new rows do not
// collide; SQLite needs nothing. `table` is a name from code, never input.
void move_identity_past_ids(Connection& conn, std::string_view table);
// "c1, c2" or, with an alias, "a.c1, a.c2".
std::string select_list(const std::vector<std::string>& columns, std::string_view alias = {});

template <class T>
class Table {
 public:
  struct Column {
    template <class M>
    Column(std::string_view column_name, M T::*member)
        : name(column_name),
          encode([member](const T& t) { return to_value(t.*member); }),
          decode([member](const Row& r, std::size_t i, T& t) { t.*member = r.get<M>(i); }) {}
    // A member of a member (Address::fields.city): the struct keeps a
    // domain part whole and the table still names each column once.
    template <class S, class M>
    Column(std::string_view column_name, S T::*outer, M S::*inner)
        : name(column_name),
          encode([outer, inner](const T& t) { return to_value(t.*outer.*inner); }),
          decode([outer, inner](const Row& r, std::size_t i, T& t) {
            t.*outer.*inner = r.get<M>(i);
          }) {}
    // A column of a base struct B, read and written through T's B part.
    template <class B>
    Column(const typename Table<B>::Column& base, std::type_identity<B> /*base*/)
        : name(base.name),
          encode([e = base.encode](const T& t) { return e(t); }),
          decode([d = base.decode](const Row& r, std::size_t i, T& t) { d(r, i, t); }) {}
    std::string name;
    std::function<Value(const T&)> encode;
    std::function<void(const Row&, std::size_t, T&)> decode;
  };

  Table(std::string name, std::vector<Column> columns)
      : name_(std::move(name)), columns_(std::move(columns)) {
    for (const auto& c : columns_) names_.push_back(c.name);
    list_ = db::select_list(names_);
    select_ = "SELECT " + list_ + " FROM " + name_ + " ";
  }
  // A T that derives from B: the base table's columns (its name too), then
  // `extra`, the columns of T's own members.
  template <class B>
  Table(const Table<B>& base, std::vector<Column> extra)
      : Table(base.name(), with_base(base, std::move(extra))) {
    static_assert(std::is_base_of_v<B, T> && !std::is_same_v<B, T>,
                  "a derived row's table extends the table of one of its bases");
  }

  const std::string& name() const noexcept { return name_; }
  const std::vector<std::string>& column_names() const noexcept { return names_; }
  std::size_t size() const noexcept { return columns_.size(); }

  // The same table without some columns (typically "id", which the database
  // assigns when the rows are new).
  Table without(std::initializer_list<std::string_view> drop) const {
    std::vector<Column> kept;
    for (const auto& c : columns_) {
      bool dropped = false;
      for (auto d : drop) dropped = dropped || c.name == d;
      if (!dropped) kept.push_back(c);
    }
    return Table(name_, std::move(kept));
  }

  std::string select_list(std::string_view alias = {}) const {
    return alias.empty() ? list_ : db::select_list(names_, alias);
  }
  // "SELECT <columns> FROM <name> ", for a WHERE or ORDER BY to follow. The
  // name may be a join ("t p JOIN u ON …") when the columns carry aliases.
  const std::string& select_sql() const noexcept { return select_; }
  std::string insert_sql(std::size_t rows = 1, std::string_view returning = {}) const {
    return db::insert_sql(name_, names_, rows, returning);
  }
  // Appends the struct's values in column order.
  void encode(const T& t, Params& out) const {
    for (const auto& c : columns_) out.push_back(c.encode(t));
  }
  // Reads the struct from a row whose cells from `first` on are this table's
  // columns in order (a SELECT of select_list()).
  T decode(const Row& row, std::size_t first = 0) const {
    T t{};
    for (std::size_t i = 0; i < columns_.size(); ++i) columns_[i].decode(row, first + i, t);
    return t;
  }

 private:
  template <class>
  friend class Table;

  template <class B>
  static std::vector<Column> with_base(const Table<B>& base, std::vector<Column> extra) {
    std::vector<Column> all;
    all.reserve(base.columns_.size() + extra.size());
    for (const auto& c : base.columns_) all.push_back(Column(c, std::type_identity<B>{}));
    for (auto& c : extra) all.push_back(std::move(c));
    return all;
  }

  static Value to_value(bool b) { return b ? 1 : 0; }
  template <class M>
  static Value to_value(const M& m) {
    return Value(m);
  }

  std::string name_;
  std::vector<Column> columns_;
  std::vector<std::string> names_;
  std::string list_, select_;
};

// One new row at a time (a sign-up, a saved card, an order), the database
// assigning its "id", which insert() returns: the table without "id" and its
// INSERT … RETURNING id are built once, for a Pool or a Connection.
template <class T>
class RowInserter {
 public:
  explicit RowInserter(const Table<T>& table)
      : table_(table.without({"id"})), sql_(table_.insert_sql(1, "id")) {}

  template <class Db>
  std::int64_t insert(Db& db, const T& row) const {
    Params params;
    params.reserve(table_.size());
    table_.encode(row, params);
    return db.query(sql_, params).template scalar<std::int64_t>();
  }

 private:
  Table<T> table_;
  std::string sql_;
};

// Rows of one table written as multi-row INSERTs of up to `rows_per_statement`
// rows (the statement text repeats, so each connection prepares it once),
// on the caller's connection, inside the caller's transaction: one statement
// per batch instead of one per row. flush() writes what is pending; call it
// before committing. With `returning`, each statement's RETURNING rows go to
// the sink (the engines do not promise their order: match them by a column).
template <class T>
class BulkWriter {
 public:
  using Sink = std::function<void(const Result&)>;

  BulkWriter(Connection& conn, Table<T> table, std::size_t rows_per_statement = 0,
             std::string returning = {}, Sink sink = {})
      : conn_(conn),
        table_(std::move(table)),
        batch_(rows_per_statement ? rows_per_statement : default_batch(table_.size())),
        returning_(std::move(returning)),
        sink_(std::move(sink)) {
    params_.reserve(batch_ * table_.size());
  }

  void add(const T& row) {
    table_.encode(row, params_);
    if (++pending_ == batch_) flush();
  }
  void flush() {
    if (pending_ == 0) return;
    // The full-batch text is built once; only a last, shorter batch differs.
    if (full_sql_.empty()) full_sql_ = table_.insert_sql(batch_, returning_);
    const auto r = conn_.query(
        pending_ == batch_ ? full_sql_ : table_.insert_sql(pending_, returning_), params_);
    written_ += pending_;
    pending_ = 0;
    params_.clear();
    if (sink_) sink_(r);
  }
  std::size_t written() const noexcept { return written_; }

 private:
  // Enough rows to make the round trips rare (a hundredth of one a row), few
  // enough parameters to prepare quickly: SQLite looks "$n" names up in a list
  // while parsing, quadratic in the parameters of one statement.
  static std::size_t default_batch(std::size_t cols) {
    const std::size_t by_params = cols ? 1000 / cols : 1;
    return by_params < 1 ? 1 : (by_params > 100 ? 100 : by_params);
  }

  Connection& conn_;
  Table<T> table_;
  std::size_t batch_;
  std::string returning_;
  Sink sink_;
  std::string full_sql_;
  Params params_;
  std::size_t pending_ = 0, written_ = 0;
};

}  // namespace ts::db
