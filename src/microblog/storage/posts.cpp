#include <cctype>

#include "microblog/storage/storage.hpp"
#include "microblog/storage/tables.hpp"
#include "platform/core/paginate.hpp"
#include "platform/db/table.hpp"

namespace microblog::storage {
namespace {

// A post with its author's name and avatar address: the join every list of
// posts reads. A post imported without a language reads as "".
const ts::db::Table<PostRow>& columns() {
  static const ts::db::Table<PostRow> t("mb_posts p JOIN mb_users u ON u.id = p.user_id",
                                        {{"p.id", &PostRow::id},
                                         {"p.body", &PostRow::body},
                                         {"p.timestamp", &PostRow::timestamp},
                                         {"COALESCE(p.language, '')", &PostRow::language},
                                         {"u.id", &PostRow::author_id},
                                         {"u.username", &PostRow::username},
                                         {"u.email", &PostRow::email}});
  return t;
}

// Fetches one row more than a page to learn whether an older page exists.
PostPage paged(Pool& db, const std::string& sql, ts::db::Params p, int page, int per_page) {
  const auto n = p.size();
  const ts::core::Page pg{page, per_page};
  p.emplace_back(pg.lookahead_limit());
  p.emplace_back(pg.offset());
  auto r =
      db.query(sql + " LIMIT $" + std::to_string(n + 1) + " OFFSET $" + std::to_string(n + 2), p);
  PostPage out;
  for (const auto& row : r) out.items.push_back(columns().decode(row));
  out.has_more = ts::core::drop_lookahead(out.items, pg);
  return out;
}

// FTS5 query text: every word quoted (so operators in user input are plain
// words), all words required — what plainto_tsquery does on PostgreSQL.
std::string fts5_query(const std::string& q) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += '"' + word + '"';
    word.clear();
  };
  for (char c : q) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80)
      word += c;
    else
      flush();
  }
  flush();
  return out;
}

}  // namespace

std::int64_t create_post(Pool& db, std::int64_t uid, const std::string& body,
                         const std::string& language, std::int64_t now) {
  static const ts::db::RowInserter<rows::Post> posts(rows::posts_table());
  const auto id = posts.insert(db, {0, body, now, uid, language});
  bump_content_version(db);
  return id;
}

namespace {
// A page of posts, newest first: the page's ids are chosen from the indexes
// alone ((timestamp), (user_id, timestamp, id)), and only its rows are read
// and joined with their authors.
PostPage newest_posts(Pool& db, const std::string& where, ts::db::Params p, int page,
                      int per_page) {
  const auto n = p.size();
  const ts::core::Page pg{page, per_page};
  p.emplace_back(pg.lookahead_limit());
  p.emplace_back(pg.offset());
  static const std::string head =
      "SELECT " + columns().select_list() + " FROM (SELECT id, timestamp FROM mb_posts ";
  const std::string sql = head + where + " ORDER BY timestamp DESC, id DESC LIMIT $" +
                          std::to_string(n + 1) + " OFFSET $" + std::to_string(n + 2) +
                          ") k JOIN mb_posts p ON p.id = k.id JOIN mb_users u ON u.id = p.user_id "
                          "ORDER BY k.timestamp DESC, k.id DESC";
  PostPage out;
  for (const auto& row : db.query(sql, p)) out.items.push_back(columns().decode(row));
  out.has_more = ts::core::drop_lookahead(out.items, pg);
  return out;
}
}  // namespace

// The home feed: the posts of the user and of everyone they follow. Its
// cost is bounded by the number of people followed, not by their posts:
// if the page ends at the k-th newest post overall, each of those people's
// own k-th newest post is no newer than it, so the newest of those k-th
// posts is a lower bound on the page's timestamps. Each person's index
// range above that bound (ix_mb_posts_user_timestamp) holds at most k
// entries; without the bound a feed read every post of everyone followed,
// which grew without limit for someone who follows many active users.
PostPage feed(Pool& db, std::int64_t uid, int page, int per_page) {
  static const std::string people =
      "(SELECT followed_id AS uid FROM mb_followers WHERE follower_id = $1 "
      "UNION SELECT CAST($1 AS BIGINT))";
  static const std::string where =
      "WHERE user_id IN " + people +
      " AND timestamp >= COALESCE((SELECT max(t) FROM (SELECT (SELECT q.timestamp FROM mb_posts q "
      "WHERE q.user_id = f.uid ORDER BY q.timestamp DESC, q.id DESC LIMIT 1 OFFSET $2) AS t "
      "FROM " +
      people + " f) kth), -9223372036854775807)";
  const ts::core::Page pg{page, per_page};
  const std::int64_t kth = pg.offset() + pg.lookahead_limit() - 1;
  return newest_posts(db, where, {uid, kth}, page, per_page);
}

PostPage explore(Pool& db, int page, int per_page) {
  return newest_posts(db, "", {}, page, per_page);
}

PostPage user_posts(Pool& db, std::int64_t uid, int page, int per_page) {
  return newest_posts(db, "WHERE user_id = $1", {uid}, page, per_page);
}

PostPage search_posts(Pool& db, const std::string& query, int page, int per_page) {
  PostPage out;
  out.total = 0;
  if (db.dialect() == ts::db::Dialect::sqlite) {
    const auto match = fts5_query(query);
    if (match.empty()) return out;
    out.total = db.query("SELECT count(*) FROM mb_posts_fts WHERE mb_posts_fts MATCH $1", {match})
                    .scalar<std::int64_t>();
    static const std::string select = "SELECT " + columns().select_list() + " ";
    auto r = paged(db,
                   select +
                       "FROM mb_posts_fts f JOIN mb_posts p ON p.id = f.rowid "
                       "JOIN mb_users u ON u.id = p.user_id WHERE mb_posts_fts MATCH $1 "
                       "ORDER BY f.rank, p.id DESC",
                   {match}, page, per_page);
    r.total = out.total;
    return r;
  }
  const std::string where = "WHERE to_tsvector('simple', p.body) @@ plainto_tsquery('simple', $1) ";
  out.total = db.query("SELECT count(*) FROM mb_posts p " + where, {query}).scalar<std::int64_t>();
  if (out.total == 0) return out;
  auto r = paged(db,
                 columns().select_sql() + where +
                     "ORDER BY ts_rank(to_tsvector('simple', p.body), "
                     "plainto_tsquery('simple', $1)) DESC, p.id DESC",
                 {query}, page, per_page);
  r.total = out.total;
  return r;
}

std::vector<PostRow> posts_oldest_first(Pool& db, std::int64_t uid) {
  std::vector<PostRow> out;
  for (const auto& row :
       db.query(columns().select_sql() + "WHERE p.user_id = $1 ORDER BY p.timestamp, p.id", {uid}))
    out.push_back(columns().decode(row));
  return out;
}

}  // namespace microblog::storage
