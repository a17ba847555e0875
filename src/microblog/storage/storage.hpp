#pragma once
// The microblog's SQL, one function per statement group; same text on SQLite
// and PostgreSQL except where noted. Times are UTC microseconds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth/login.hpp"
#include "platform/db/pool.hpp"

namespace microblog::storage {

using ts::db::Connection;
using ts::db::Pool;

struct UserRow {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::optional<std::string> password_hash;
  std::optional<std::string> about_me;
  std::optional<std::int64_t> last_seen;
  std::optional<std::int64_t> last_message_read_time;
  std::int64_t session_generation = 0;
};

std::optional<UserRow> user_by_id(Pool& db, std::int64_t id);
// The signed-in user with what every page's navigation bar shows, in one
// query: the unread message count and the number of unfinished tasks; and
// the content version the cached lists of posts are checked against.
struct SessionUser {
  UserRow user;
  std::int64_t unread_messages = 0;
  std::int64_t open_tasks = 0;
  std::int64_t content_version = 0;
};
std::optional<SessionUser> session_user(Pool& db, std::int64_t id);
// Called after every write that changes what a list of posts shows
// (migrations/microblog/0002_content_version.sql).
void bump_content_version(Pool& db);
std::optional<UserRow> user_by_username(Pool& db, const std::string& username);
std::optional<UserRow> user_by_email(Pool& db, const std::string& email);  // case-insensitive
// Case-insensitive; except_id is the user who may keep their own name.
bool username_taken(Pool& db, const std::string& username, std::int64_t except_id = 0);
bool email_taken(Pool& db, const std::string& email, std::int64_t except_id = 0);
// Throws ts::db::UniqueViolation when the name or address is taken.
std::int64_t create_user(Pool& db, const std::string& username, const std::string& email,
                         const std::string& password_hash,
                         const std::optional<std::string>& about_me = std::nullopt);
void update_user(Pool& db, std::int64_t id, const std::string& username, const std::string& email,
                 const std::optional<std::string>& about_me);
// Stores a new hash; with end_sessions, every existing session cookie and the
// API token die (a reset; a rehash at login keeps them).
void set_password_hash(Pool& db, std::int64_t id, const std::string& hash, bool end_sessions);
void end_sessions(Pool& db, std::int64_t id);
// What the platform's login needs of a user found by name (none: no such
// user): the stored hash, and where a rehashed legacy hash goes (sessions
// kept: a rehash is no password change).
ts::auth::PasswordLogin::Account login_account(Pool& db, const std::optional<UserRow>& user);
void touch_last_seen(Pool& db, std::int64_t id, std::int64_t now);

struct Counts {
  std::int64_t posts = 0, followers = 0, following = 0;
};
Counts counts(Pool& db, std::int64_t user_id);
bool is_following(Pool& db, std::int64_t follower, std::int64_t followed);
void follow(Pool& db, std::int64_t follower, std::int64_t followed);
void unfollow(Pool& db, std::int64_t follower, std::int64_t followed);

struct PostRow {
  std::int64_t id = 0;
  std::string body;
  std::int64_t timestamp = 0;
  std::string language;
  std::int64_t author_id = 0;
  std::string username;
  std::string email;
};
struct PostPage {
  std::vector<PostRow> items;
  bool has_more = false;
  std::int64_t total = -1;  // only search counts
};

std::int64_t create_post(Pool& db, std::int64_t user_id, const std::string& body,
                         const std::string& language, std::int64_t now);
PostPage feed(Pool& db, std::int64_t user_id, int page, int per_page);
PostPage explore(Pool& db, int page, int per_page);
PostPage user_posts(Pool& db, std::int64_t user_id, int page, int per_page);
PostPage search_posts(Pool& db, const std::string& query, int page, int per_page);
std::vector<PostRow> posts_oldest_first(Pool& db, std::int64_t user_id);

// Messages (rendered as PostRow: the author is the sender).
void send_message(Pool& db, std::int64_t sender, std::int64_t recipient, const std::string& body,
                  std::int64_t now);
PostPage received_messages(Pool& db, std::int64_t user_id, int page, int per_page);
std::int64_t unread_message_count(Pool& db, std::int64_t user_id);
void mark_messages_read(Pool& db, std::int64_t user_id, std::int64_t now);

// Notifications: one row per (user, name); adding replaces.
void add_notification(Connection& c, std::int64_t user_id, const std::string& name,
                      const std::string& payload_json, double timestamp);
struct NotificationRow {
  std::string name;
  std::string payload_json;
  double timestamp = 0;
};
std::vector<NotificationRow> notifications_since(Pool& db, std::int64_t user_id, double since);

// Tasks and the durable job queue.
struct TaskRow {
  std::string id;
  std::string name;
  std::string description;
  std::int64_t user_id = 0;
  int progress = 0;
  int attempts = 0;
};
std::vector<TaskRow> tasks_in_progress(Pool& db, std::int64_t user_id);
bool task_in_progress(Pool& db, std::int64_t user_id, const std::string& name);
// Whether the user has a task of that name open, and when the newest one
// (open or finished) was created (0: never), in one query.
struct TaskHistory {
  bool open = false;
  std::int64_t last_created = 0;
};
TaskHistory task_history(Pool& db, std::int64_t user_id, const std::string& name);
// Inserts a queued task; false when the user already has one of that name open.
bool enqueue_task(Pool& db, const std::string& id, const std::string& name,
                  const std::string& description, std::int64_t user_id, std::int64_t now);
// Claims the oldest open task whose lease expired, leasing it until lease_until.
std::optional<TaskRow> claim_task(Pool& db, std::int64_t now, std::int64_t lease_until);
// Records progress (and the task_progress notification); complete at 100.
void set_task_progress(Pool& db, const TaskRow& task, int progress, double now_seconds,
                       const std::optional<std::string>& error = std::nullopt);

// API tokens: only a hash of the token is stored; the nonce lets the server
// hand the same token out again while it is valid.
struct TokenState {
  std::optional<std::string> nonce;
  std::optional<std::int64_t> expiration;
};
TokenState token_state(Pool& db, std::int64_t user_id);
void store_token(Pool& db, std::int64_t user_id, const std::string& nonce,
                 const std::string& token_hash, std::int64_t expiration);
void revoke_token(Pool& db, std::int64_t user_id, std::int64_t now);
std::optional<UserRow> user_by_token_hash(Pool& db, const std::string& token_hash,
                                          std::int64_t now);

struct UserPage {
  std::vector<UserRow> items;
  std::vector<Counts> counts;  // of each item, read in the same query
  std::int64_t total = 0;
};
// A user and their counts behind a bearer token's check, in one query:
// nullopt when no user holds the token unexpired; an empty inner optional when
// the token is good but there is no user `id`.
std::optional<std::optional<std::pair<UserRow, Counts>>> user_with_counts_for_token(
    Pool& db, const std::string& token_hash, std::int64_t now, std::int64_t id);
// kind: "all", "followers" (of user_id) or "following" (by user_id).
UserPage list_users(Pool& db, const std::string& kind, std::int64_t user_id, int page,
                    int per_page);

}  // namespace microblog::storage
