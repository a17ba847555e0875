// PostgreSQL engine over libpq: named prepared statements cached by SQL text,
// text-format parameters (the server infers their types), results converted
// by column type, and dead-connection detection so the pool can replace it.
// On a fiber (fiber.hpp) a statement is sent on the non-blocking socket and
// the fiber sleeps until the answer arrives, so the network thread that runs
// it keeps serving; elsewhere libpq's blocking calls wait as usual.
#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <unordered_map>

#include "platform/core/log.hpp"
#include "platform/db/engines.hpp"
#include "platform/db/fiber.hpp"
#include "platform/db/statement_cache.hpp"

namespace ts::db::detail {
namespace {

// Type OIDs from pg_type.h (stable across server versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
              kFloat8 = 701;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool connection_sqlstate(std::string_view state) {
  // Class 08: connection exception; 57P01-57P03: admin shutdown, crash
  // shutdown, cannot connect now.
  // 08P01 (protocol violation) also reports a bad bind message on a live connection.
  return (state.substr(0, 2) == "08" && state != "08P01") || state == "57P01" || state == "57P02" ||
         state == "57P03";
}

void notice_processor(void*, const char* message) {
  std::string msg = trim(message ? message : "");
  if (msg.rfind("NOTICE:", 0) == 0 || msg.rfind("DEBUG:", 0) == 0 || msg.rfind("INFO:", 0) == 0)
    ts::log::debug("postgres notice", {{"message", msg}});
  else
    ts::log::warn("postgres notice", {{"message", msg}});
}

class PgConnection final : public Connection {
 public:
  PgConnection(PGconn* conn, const ConnectOptions& options)
      : conn_(conn),
        cache_cap_(options.statement_cache_size ? options.statement_cache_size : 1),
        wants_primary_(asks_for_primary(conn)) {
    PQsetNoticeProcessor(conn_, notice_processor, nullptr);
  }
  ~PgConnection() override { PQfinish(conn_); }

  Dialect dialect() const noexcept override { return Dialect::postgres; }

  Result query(std::string_view sql, const Params& params) override {
    const bool idle = PQtransactionStatus(conn_) == PQTRANS_IDLE;
    try {
      return run(sql, params);
    } catch (const Error& e) {
      // "cached plan must not change result type": the table changed under a
      // cached statement. Re-prepare; retry only when no transaction was
      // open, since the failure aborted any transaction.
      if (e.sqlstate() != "0A000" || !forget(sql) || !idle) throw;
    }
    return run(sql, params);  // outside the handler: a fiber may sleep in it
  }

  void execute_script(std::string_view sql) override {
    check_alive();
    use_blocking();
    const std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()), &PQclear);
    check(res.get(), {});
  }

  bool in_transaction() const noexcept override {
    const auto s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
  }
  bool transaction_failed() const noexcept override {
    return PQtransactionStatus(conn_) == PQTRANS_INERROR;
  }

  bool healthy() noexcept override {
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
    // An idle connection has nothing to read unless the server sent something
    // on its own: typically the FATAL message and EOF of a server shutdown.
    for (int i = 0; i < 4; ++i) {
      pollfd pfd{PQsocket(conn_), POLLIN, 0};
      if (pfd.fd < 0) return mark_broken();
      const int n = ::poll(&pfd, 1, 0);
      if (n == 0) return true;
      if (n < 0) return true;  // EINTR and the like: decide on the next use
      if (pfd.revents & (POLLERR | POLLNVAL)) return mark_broken();
      if (PQconsumeInput(conn_) == 0) return mark_broken();
      PQisBusy(conn_);  // parses what arrived (notices, errors)
      while (PGnotify* note = PQnotifies(conn_)) PQfreemem(note);
      if (PQstatus(conn_) != CONNECTION_OK) return mark_broken();
    }
    if (wants_primary_ && server_read_only()) return mark_broken();
    return PQstatus(conn_) == CONNECTION_OK;
  }

 private:
  struct Entry {
    std::string name;
    int nparams;
    std::uint64_t last_use;
  };

  // A multi-host URL with target_session_attrs=read-write (or primary) names
  // the cluster's primary, wherever it is now. libpq checks that when it
  // connects; a server that turns read-only later (a hot standby, or
  // default_transaction_read_only switched on) reports it through
  // ParameterStatus, and such a connection must not stay in the pool: a new
  // one finds the current primary.
  static bool asks_for_primary(PGconn* conn) {
    bool yes = false;
    if (PQconninfoOption* opts = PQconninfo(conn)) {
      for (auto* o = opts; o->keyword; ++o)
        if (std::string_view(o->keyword) == "target_session_attrs" && o->val)
          yes = std::string_view(o->val) == "read-write" || std::string_view(o->val) == "primary";
      PQconninfoFree(opts);
    }
    return yes;
  }

  bool server_read_only() const noexcept {
    auto on = [this](const char* name) {
      const char* v = PQparameterStatus(conn_, name);
      return v && std::string_view(v) == "on";
    };
    return on("in_hot_standby") || on("default_transaction_read_only");
  }

  bool mark_broken() noexcept {
    broken_ = true;
    cache_.clear();
    return false;
  }

  void check_alive() {
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
      mark_broken();
      throw ConnectionLost("postgres: connection lost");
    }
  }

  Result run(std::string_view sql, const Params& params) {
    check_alive();
    if (!fiber::active()) use_blocking();
    const Entry& entry = prepare(sql);
    if (entry.nparams != static_cast<int>(params.size()))
      throw Error("postgres: statement takes " + std::to_string(entry.nparams) + " parameters, " +
                  std::to_string(params.size()) + " given");
    const std::string& name = entry.name;
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (params[i].is_null()) continue;
      texts[i] = param_text(params[i]);
      if (texts[i].find('\0') != std::string::npos)
        throw Error("postgres: text parameter $" + std::to_string(i + 1) + " contains a NUL byte");
      values[i] = texts[i].c_str();
    }
    const int n = static_cast<int>(params.size());
    ResultPtr res = fiber::active() ? exec_async([&] {
      return PQsendQueryPrepared(conn_, name.c_str(), n, values.data(), nullptr, nullptr, 0);
    })
                                    : blocking(PQexecPrepared(conn_, name.c_str(), n, values.data(),
                                                              nullptr, nullptr, 0));
    check(res.get(), params);
    return convert(res.get());
  }

  const Entry& prepare(std::string_view sql) {
    const std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
      it->second.last_use = ++tick_;
      return it->second;
    }
    std::string name = "ts_" + std::to_string(++next_id_);
    const bool async = fiber::active();
    ResultPtr res = async ? exec_async([&] {
      return PQsendPrepare(conn_, name.c_str(), key.c_str(), 0, nullptr);
    })
                          : blocking(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr));
    check(res.get(), {});
    // One extra round trip per new statement buys a clear parameter-count error.
    ResultPtr desc = async ? exec_async([&] { return PQsendDescribePrepared(conn_, name.c_str()); })
                           : blocking(PQdescribePrepared(conn_, name.c_str()));
    check(desc.get(), {});
    const int nparams = PQnparams(desc.get());
    if (cache_.size() >= cache_cap_) evict_oldest();
    return cache_.emplace(key, Entry{std::move(name), nparams, ++tick_}).first->second;
  }

  // libpq's blocking calls need the connection in blocking mode (a fiber
  // may have left it non-blocking).
  void use_blocking() {
    if (PQisnonblocking(conn_)) PQsetnonblocking(conn_, 0);
  }
  static ResultPtr blocking(PGresult* res) { return ResultPtr(res, &PQclear); }

  // Sends with `send` on the non-blocking socket, sleeping the fiber while the
  // socket is not ready, and returns the statement's result (the first error
  // when there are several results). Null when the connection broke.
  template <class Send>
  ResultPtr exec_async(Send send) {
    if (!PQisnonblocking(conn_) && PQsetnonblocking(conn_, 1) != 0)
      return ResultPtr(nullptr, &PQclear);
    if (!send()) return ResultPtr(nullptr, &PQclear);
    for (int pending = PQflush(conn_); pending != 0; pending = PQflush(conn_)) {
      if (pending < 0 || !wait_socket(true) || !PQconsumeInput(conn_))
        return ResultPtr(nullptr, &PQclear);
    }
    ResultPtr kept(nullptr, &PQclear);
    for (;;) {
      while (PQisBusy(conn_))
        if (!wait_socket(false) || !PQconsumeInput(conn_)) return ResultPtr(nullptr, &PQclear);
      PGresult* next = PQgetResult(conn_);
      if (!next) break;
      if (!kept || (is_failure(next) && !is_failure(kept.get())))
        kept.reset(next);
      else
        PQclear(next);
    }
    return kept;
  }

  static bool is_failure(PGresult* res) {
    const auto st = PQresultStatus(res);
    return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY;
  }

  // The fiber sleeps until the socket is ready; false when there is no socket.
  bool wait_socket(bool writable) {
    const int fd = PQsocket(conn_);
    if (fd < 0) return false;
    return fiber::wait(fd, writable);
  }

  void evict_oldest() {
    const auto oldest = least_recently_used(cache_);
    if (oldest == cache_.end()) return;
    deallocate(oldest->second.name);
    cache_.erase(oldest);
  }

  // Drops a cached statement; false when it was not cached.
  bool forget(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it == cache_.end()) return false;
    if (!transaction_failed()) deallocate(it->second.name);
    cache_.erase(it);
    return true;
  }

  void deallocate(const std::string& name) {
    // Failure only leaks a server-side statement until the connection closes.
    if (!fiber::active()) use_blocking();
    const std::string text = "DEALLOCATE " + name;
    ResultPtr res = fiber::active() ? exec_async([&] { return PQsendQuery(conn_, text.c_str()); })
                                    : blocking(PQexec(conn_, text.c_str()));
    (void)res;
  }

  void check(PGresult* res, const Params& params) {
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
      return;
    const char* state_p = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const std::string state = state_p ? state_p : "";
    // The primary message never contains DETAIL, where PostgreSQL echoes key values.
    std::string text = trim(primary ? primary : PQerrorMessage(conn_));
    text = scrub_params(std::move(text), params);
    // 25006 (read-only transaction) on a connection meant for the primary: the
    // server is no longer the primary; the pool replaces the connection.
    const bool demoted = state == "25006" && wants_primary_ && server_read_only();
    if (PQstatus(conn_) == CONNECTION_BAD || connection_sqlstate(state) || demoted) {
      mark_broken();
      throw ConnectionLost(
          "postgres: connection lost: " + text + (state.empty() ? "" : " (SQLSTATE " + state + ")"),
          state);
    }
    const std::string msg = "postgres: " + text + " (SQLSTATE " + state + ")";
    if (state == "23505") throw UniqueViolation(msg, state);
    if (state == "23503") throw ForeignKeyViolation(msg, state);
    throw Error(msg, state);
  }

  static Result convert(PGresult* res) {
    const int ncol = PQnfields(res);
    const int nrow = PQntuples(res);
    auto columns = std::make_shared<std::vector<std::string>>();
    columns->reserve(ncol);
    std::vector<Oid> types(ncol);
    for (int c = 0; c < ncol; ++c) {
      columns->emplace_back(PQfname(res, c));
      types[c] = PQftype(res, c);
    }
    std::vector<Row> rows;
    rows.reserve(nrow);
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> cells;
      cells.reserve(ncol);
      for (int c = 0; c < ncol; ++c) {
        if (PQgetisnull(res, r, c)) {
          cells.emplace_back(nullptr);
          continue;
        }
        std::string_view text(PQgetvalue(res, r, c), PQgetlength(res, r, c));
        switch (types[c]) {
          case kBool:
            cells.emplace_back(text == "t");
            break;
          case kInt2:
          case kInt4:
          case kInt8:
          case kOid: {
            std::int64_t i = 0;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
            if (ec == std::errc() && p == text.data() + text.size())
              cells.emplace_back(i);
            else
              cells.emplace_back(std::string(text));
            break;
          }
          case kFloat4:
          case kFloat8: {
            // as_double parses, including Infinity and NaN.
            Value v{std::string(text)};
            cells.emplace_back(detail::as_double(v, (*columns)[c]));
            break;
          }
          default:
            cells.emplace_back(std::string(text));
        }
      }
      rows.emplace_back(columns, std::move(cells));
    }
    std::int64_t affected = 0;
    const std::string_view tag = PQcmdStatus(res);
    if (tag.rfind("INSERT", 0) == 0 || tag.rfind("UPDATE", 0) == 0 || tag.rfind("DELETE", 0) == 0 ||
        tag.rfind("MERGE", 0) == 0) {
      const std::string_view n = PQcmdTuples(res);
      std::from_chars(n.data(), n.data() + n.size(), affected);
    }
    return Result(std::move(columns), std::move(rows), affected);
  }

  PGconn* conn_;
  std::size_t cache_cap_;
  std::unordered_map<std::string, Entry> cache_;
  std::uint64_t tick_ = 0;
  std::uint64_t next_id_ = 0;
  bool broken_ = false;
  bool wants_primary_ = false;
};

}  // namespace

std::unique_ptr<Connection> connect_postgres(const std::string& url,
                                             const ConnectOptions& options) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (!parsed) {
    std::string msg = parse_error ? trim(parse_error) : "out of memory";
    PQfreemem(parse_error);
    throw Error("postgres: invalid connection URL: " + msg);
  }
  PQconninfoFree(parsed);

  // Defaults first: the URL's own settings (expanded from dbname) override them.
  const std::string timeout = std::to_string(options.connect_timeout.count());
  const char* keys[] = {"connect_timeout", "client_encoding", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "UTF8", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) throw ConnectionLost("postgres: cannot connect: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = trim(PQerrorMessage(conn));
    PQfinish(conn);
    throw ConnectionLost("postgres: cannot connect: " + msg);
  }
  return std::make_unique<PgConnection>(conn, options);
}

}  // namespace ts::db::detail
