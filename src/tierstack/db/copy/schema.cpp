// The apps' tables as each engine describes them, in copy order, read in
// primary-key order (copy_internal.hpp).
#include <algorithm>

#include "tierstack/db/copy/copy_internal.hpp"
#include "tierstack/db/sql_quote.hpp"

namespace tierstack::copy_detail {

using ts::db::Connection;
using ts::db::Dialect;
using ts::db::Params;
using ts::db::Result;
using ts::db::Row;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

using Wanted = std::function<bool(const std::string&)>;

Schema read_sqlite_schema(Connection& c, const Wanted& wanted) {
  Schema s;
  std::vector<std::string> virtuals, names;
  for (const Row& r : c.query("SELECT name, COALESCE(sql, '') FROM sqlite_master "
                              "WHERE type = 'table' ORDER BY name")) {
    auto name = r.get<std::string>(0);
    if (name.starts_with("sqlite_")) continue;
    (upper(r.get<std::string>(1)).starts_with("CREATE VIRTUAL TABLE") ? virtuals : names)
        .push_back(name);
  }
  for (const auto& v : virtuals)
    if (wanted(v)) s.derived.push_back(v);
  for (const auto& n : names) {
    if (!wanted(n)) continue;
    // An FTS table's shadow tables (<name>_data, _idx, ...) belong to it.
    if (std::any_of(virtuals.begin(), virtuals.end(),
                    [&](const std::string& v) { return n.starts_with(v + "_"); })) {
      s.derived.push_back(n);
      continue;
    }
    Table t;
    t.name = n;
    std::vector<std::pair<std::int64_t, std::size_t>> pk;
    for (const Row& r : c.query("SELECT name, upper(type), pk FROM pragma_table_info($1) "
                                "ORDER BY cid",
                                {n})) {
      const auto type = r.get<std::string>(1);
      Column col{r.get<std::string>(0), type.find("CHAR") != std::string::npos ||
                                            type.find("TEXT") != std::string::npos ||
                                            type.find("CLOB") != std::string::npos};
      if (const auto k = r.get<std::int64_t>(2); k > 0) pk.emplace_back(k, t.columns.size());
      t.columns.push_back(std::move(col));
    }
    std::sort(pk.begin(), pk.end());
    for (const auto& [_, i] : pk) t.key.push_back(i);
    for (const Row& r : c.query("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)", {n}))
      t.refs.insert(r.get<std::string>(0));
    s.tables.emplace(n, std::move(t));
  }
  return s;
}

Schema read_postgres_schema(Connection& c, const Wanted& wanted) {
  Schema s;
  const std::string in_schema =
      " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() ";
  for (const Row& r : c.query("SELECT c.relname FROM pg_class c" + in_schema +
                              "AND c.relkind IN ('r', 'p') ORDER BY 1")) {
    const auto name = r.get<std::string>(0);
    if (!wanted(name)) continue;
    Table t;
    t.name = name;
    std::map<std::string, std::size_t> pos;
    for (const Row& col :
         c.query("SELECT a.attname, t.typcategory = 'S', "
                 "pg_get_serial_sequence(quote_ident(c.relname), a.attname::text) IS NOT NULL "
                 "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                 "JOIN pg_type t ON t.oid = a.atttypid" +
                     in_schema +
                     "AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped "
                     "AND a.attgenerated = '' ORDER BY a.attnum",
                 {name})) {
      pos[col.get<std::string>(0)] = t.columns.size();
      t.columns.push_back({col.get<std::string>(0), col.get<bool>(1)});
      if (col.get<bool>(2)) t.sequence_columns.push_back(col.get<std::string>(0));
    }
    for (const Row& k :
         c.query("SELECT a.attname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                 "CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, pos) "
                 "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum" +
                     in_schema + "AND c.relname = $1 AND k.contype = 'p' ORDER BY u.pos",
                 {name}))
      t.key.push_back(pos.at(k.get<std::string>(0)));
    for (const Row& f : c.query("SELECT DISTINCT r.relname FROM pg_constraint k "
                                "JOIN pg_class c ON c.oid = k.conrelid "
                                "JOIN pg_class r ON r.oid = k.confrelid" +
                                    in_schema + "AND c.relname = $1 AND k.contype = 'f'",
                                {name}))
      t.refs.insert(f.get<std::string>(0));
    s.tables.emplace(name, std::move(t));
  }
  return s;
}

}  // namespace

Schema read_schema(Connection& c, const std::vector<std::string>& prefixes) {
  auto wanted = [&](const std::string& n) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const std::string& p) { return n.starts_with(p); });
  };
  return c.dialect() == Dialect::sqlite ? read_sqlite_schema(c, wanted)
                                        : read_postgres_schema(c, wanted);
}

std::vector<std::string> foreign_key_order(const std::map<std::string, Table>& tables) {
  std::vector<std::string> order;
  std::set<std::string> done;
  while (order.size() < tables.size()) {
    bool progressed = false;
    for (const auto& entry : tables) {
      const std::string& name = entry.first;
      const Table& t = entry.second;
      if (done.count(name)) continue;
      const bool ready = std::all_of(t.refs.begin(), t.refs.end(), [&](const std::string& r) {
        return r == name || done.count(r) || !tables.count(r);
      });
      if (!ready) continue;
      order.push_back(name);
      done.insert(name);
      progressed = true;
      break;
    }
    if (!progressed)
      throw Failure("the tables' foreign keys form a cycle; cannot choose a copy order");
  }
  return order;
}

Table align(const Table& src, const Table& dst) {
  Table out = src;
  out.columns.clear();
  out.key.clear();
  std::set<std::string> seen;
  for (const auto& dc : dst.columns) {
    auto it = std::find_if(src.columns.begin(), src.columns.end(),
                           [&](const Column& c) { return c.name == dc.name; });
    if (it == src.columns.end())
      throw Failure("the source's table " + src.name + " has no column " + dc.name +
                    " although both schemas are at the same version");
    out.columns.push_back(*it);
    seen.insert(dc.name);
  }
  for (const auto& c : src.columns)
    if (!seen.count(c.name))
      throw Failure("the source's table " + src.name + " has a column " + c.name +
                    " that the target's schema lacks");
  for (std::size_t k : src.key) {
    const auto& name = src.columns[k].name;
    for (std::size_t i = 0; i < out.columns.size(); ++i)
      if (out.columns[i].name == name) out.key.push_back(i);
  }
  auto key_names = [](const Table& t) {
    std::vector<std::string> v;
    for (auto k : t.key) v.push_back(t.columns[k].name);
    return v;
  };
  if (key_names(out) != key_names(dst))
    throw Failure("the table " + src.name + " has a different primary key in source and target");
  return out;
}

void scan(Connection& c, const Table& t, std::size_t batch,
          const std::function<void(const Result&)>& fn) {
  if (t.key.empty())
    throw Failure("table " + t.name + " has no primary key; it cannot be copied in key order");
  const bool pg = c.dialect() == Dialect::postgres;
  std::string cols, keys, marks;
  for (const auto& col : t.columns) cols += (cols.empty() ? "" : ", ") + quote_ident(col.name);
  for (std::size_t i = 0; i < t.key.size(); ++i) {
    const auto& col = t.columns[t.key[i]];
    keys += (i ? ", " : "") + quote_ident(col.name) + (pg && col.text ? " COLLATE \"C\"" : "");
    marks += (i ? ", $" : "$") + std::to_string(i + 1);
  }
  const std::string head = "SELECT " + cols + " FROM " + quote_ident(t.name);
  const std::string order = " ORDER BY " + keys + " LIMIT $";
  const std::string after = t.key.size() == 1 ? " WHERE " + keys + " > " + marks
                                              : " WHERE (" + keys + ") > (" + marks + ")";
  const std::string first_sql = head + order + "1";
  const std::string next_sql = head + after + order + std::to_string(t.key.size() + 1);
  Params params;
  params.emplace_back(static_cast<std::int64_t>(batch));
  bool first = true;
  for (;;) {
    const Result r = c.query(first ? first_sql : next_sql, params);
    if (r.empty()) return;
    fn(r);
    if (r.size() < batch) return;
    first = false;
    params.clear();
    for (std::size_t k : t.key) params.push_back(r.rows().back().at(k));
    params.emplace_back(static_cast<std::int64_t>(batch));
  }
}

}  // namespace tierstack::copy_detail
