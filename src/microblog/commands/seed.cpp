// microblog seed --users U --posts P --follows F [--seed S] [--password PW]:
// a deterministic generated data set for benchmarks (bench/scale.sh): users
// user1 … userU (user<i>@seed.example.com, one shared password stored as one
// argon2id hash), P posts spread over the users and over the two years before
// 2024-06-30, and F follows, the same number per user. Row i is a function of
// (seed, i) only, so the same options give the same data on SQLite and
// PostgreSQL. Everything is written by ts::db::BulkWriter in multi-row INSERTs,
// one transaction per batch; a second run adds only what is missing.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "microblog/commands/commands.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/storage/tables.hpp"
#include "platform/auth/password.hpp"
#include "platform/core/splitmix.hpp"
#include "platform/db/connection.hpp"
#include "platform/db/pool.hpp"
#include "platform/db/table.hpp"
#include "platform/service/command_line.hpp"

namespace microblog::commands {
namespace {

namespace rows = storage::rows;
constexpr const char* kSeedEmail = "%@seed.example.com";

struct Options {
  std::int64_t users = 0, posts = 0, follows = 0;
  std::uint64_t seed = 1;
  std::int64_t batch = 20000;  // rows per transaction
  std::string password = "seed-password";
};

using Rng = ts::core::SplitMix64;

// 64 words: a word is in about one post in eight, so a search's matches grow
// with the posts as they would on a real site.
constexpr std::array<const char*, 64> kWords = {
    "morning",  "coffee", "release", "weekend", "garden",  "music",   "river",   "train",
    "window",   "summer", "winter",  "project", "friends", "dinner",  "running", "photo",
    "travel",   "market", "library", "sunset",  "bridge",  "cinema",  "recipe",  "bicycle",
    "mountain", "ocean",  "forest",  "city",    "evening", "lunch",   "meeting", "idea",
    "python",   "flask",  "server",  "deploy",  "coding",  "review",  "testing", "database",
    "letter",   "paint",  "guitar",  "dance",   "story",   "chapter", "poem",    "snow",
    "rain",     "cloud",  "storm",   "light",   "shadow",  "street",  "corner",  "station",
    "harbor",   "island", "valley",  "meadow",  "village", "castle",  "tower",   "lantern"};

std::int64_t base_time_us() {
  using namespace std::chrono;
  const auto t = sys_days(year(2024) / June / 30) + hours(12);
  return duration_cast<microseconds>(t.time_since_epoch()).count();
}

rows::Post make_post(std::uint64_t seed, std::int64_t i, const std::vector<std::int64_t>& ids) {
  Rng r(seed, static_cast<std::uint64_t>(i));
  rows::Post p;
  p.user_id = ids[r.below(ids.size())];
  const auto words = 4 + r.below(10);
  for (std::uint64_t w = 0; w < words; ++w) {
    if (w) p.body += ' ';
    p.body += kWords[r.below(kWords.size())];
  }
  p.body += '.';
  p.timestamp = base_time_us() - static_cast<std::int64_t>(r.below(730ULL * 24 * 3600)) * 1000000 -
                static_cast<std::int64_t>(r.below(1000000));
  p.language = "en";
  return p;
}

std::vector<std::int64_t> seed_user_ids(ts::db::Pool& db) {
  std::vector<std::int64_t> ids;
  for (const auto& r : db.query("SELECT id FROM mb_users WHERE email LIKE $1 ORDER BY id",
                                {std::string(kSeedEmail)}))
    ids.push_back(r.get<std::int64_t>(0));
  return ids;
}

// Runs `write(conn, from, to)` over [have, want) in transactions of `batch` rows.
template <class F>
void in_batches(ts::db::Pool& db, const char* what, std::int64_t have, std::int64_t want,
                std::int64_t batch, F write) {
  for (std::int64_t start = have; start < want; start += batch) {
    const auto end = std::min(want, start + batch);
    auto lease = db.acquire();
    ts::db::Transaction tx(*lease);
    write(tx.connection(), start, end);
    tx.commit();
    std::printf("microblog seed: %s %lld/%lld\n", what, static_cast<long long>(end),
                static_cast<long long>(want));
    std::fflush(stdout);
  }
}

void add_users(ts::db::Pool& db, const Options& o, std::int64_t have) {
  if (have >= o.users) return;
  const auto hash = ts::auth::hash_password(o.password);
  const auto joined = base_time_us() - 800LL * 24 * 3600 * 1000000;
  in_batches(db, "users", have, o.users, o.batch,
             [&](ts::db::Connection& c, std::int64_t from, std::int64_t to) {
               ts::db::BulkWriter<rows::User> w(c, rows::users_table().without({"id"}));
               for (auto i = from; i < to; ++i) {
                 rows::User u;
                 u.username = "user" + std::to_string(i + 1);
                 u.email = u.username + "@seed.example.com";
                 u.password_hash = hash;
                 u.about_me = "Generated user number " + std::to_string(i + 1) + ".";
                 u.last_seen = joined;
                 w.add(u);
               }
               w.flush();
             });
}

void add_posts(ts::db::Pool& db, const Options& o, const std::vector<std::int64_t>& ids) {
  const auto have = db.query(
                          "SELECT count(*) FROM mb_posts WHERE user_id IN (SELECT id FROM "
                          "mb_users WHERE email LIKE $1)",
                          {std::string(kSeedEmail)})
                        .scalar<std::int64_t>();
  in_batches(db, "posts", have, o.posts, o.batch,
             [&](ts::db::Connection& c, std::int64_t from, std::int64_t to) {
               ts::db::BulkWriter<rows::Post> w(c, rows::posts_table().without({"id"}));
               for (auto i = from; i < to; ++i) w.add(make_post(o.seed, i, ids));
               w.flush();
             });
}

// Follow j: user j % U follows the (j / U + 1)-th user after it, stepping
// evenly through the others, so every user follows about F / U distinct users.
void add_follows(ts::db::Pool& db, const Options& o, const std::vector<std::int64_t>& ids) {
  const auto n = static_cast<std::int64_t>(ids.size());
  const auto want = std::min(o.follows, n * (n - 1));
  const auto have = db.query(
                          "SELECT count(*) FROM mb_followers WHERE follower_id IN (SELECT id "
                          "FROM mb_users WHERE email LIKE $1)",
                          {std::string(kSeedEmail)})
                        .scalar<std::int64_t>();
  if (have > 0 || want <= 0) return;
  const auto per_user = (want + n - 1) / n;
  const auto step = std::max<std::int64_t>(1, (n - 1) / per_user);
  in_batches(db, "follows", 0, want, o.batch,
             [&](ts::db::Connection& c, std::int64_t from, std::int64_t to) {
               ts::db::BulkWriter<rows::Follower> w(c, rows::followers_table());
               for (auto j = from; j < to; ++j) {
                 const auto a = j % n, k = j / n;
                 w.add({ids[a], ids[(a + 1 + k * step) % n]});
               }
               w.flush();
             });
}

}  // namespace

int seed(ts::service::Context& ctx) {
  CLI::App cli(
      "Add a deterministic generated data set for benchmarks: users user1..userN "
      "(user<i>@seed.example.com, one shared password), posts spread over them and over two "
      "years, and follows, the same number per user. Running it again adds only what is missing.",
      "microblog seed");
  Options o;
  ts::service::add_count_option(cli, "--users", o.users, "generated users in total", 10'000'000);
  ts::service::add_count_option(cli, "--posts", o.posts, "generated posts in total", 100'000'000);
  ts::service::add_count_option(cli, "--follows", o.follows, "generated follows in total",
                                100'000'000);
  ts::service::add_generator_options(cli, o.seed, o.batch, o.password);
  if (const auto status = ts::service::parse_command_line(cli, ctx.args)) return *status;
  const auto started = std::chrono::steady_clock::now();
  auto& db = *ctx.db;
  add_users(db, o, static_cast<std::int64_t>(seed_user_ids(db).size()));
  const auto ids = seed_user_ids(db);
  if ((o.posts > 0 || o.follows > 0) && ids.empty()) {
    std::fprintf(stderr, "microblog seed: posts and follows need generated users (--users N)\n");
    return 1;
  }
  if (o.posts > 0) add_posts(db, o, ids);
  if (o.follows > 0) add_follows(db, o, ids);
  storage::bump_content_version(db);  // running instances drop their rendered lists
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("microblog seed: %zu generated users, done in %.1f s\n", ids.size(), secs);
  return 0;
}

}  // namespace microblog::commands
