#pragma once
// The microblog's tables as stored, each column written once (tables.cpp),
// for the commands that load many rows (`microblog import-flask`, `microblog
// seed`) through ts::db::BulkWriter. A stored user is the account the pages
// read (storage.hpp's UserRow, whose columns are user_view()) and its API
// token.
#include <cstdint>
#include <optional>
#include <string>

#include "microblog/storage/storage.hpp"
#include "platform/db/table.hpp"

namespace microblog::storage {
// An account as the pages and the API use it (its API token is looked up by
// hash, never read back).
const ts::db::Table<UserRow>& user_view();
}  // namespace microblog::storage

namespace microblog::storage::rows {

struct User : UserRow {
  std::optional<std::string> token_hash;
  std::optional<std::int64_t> token_expiration;
};

struct Post {
  std::int64_t id = 0;
  std::string body;
  std::int64_t timestamp = 0, user_id = 0;
  std::string language;
};

struct Follower {
  std::int64_t follower_id = 0, followed_id = 0;
};

struct Message {
  std::int64_t id = 0, sender_id = 0, recipient_id = 0;
  std::string body;
  std::int64_t timestamp = 0;
};

struct Notification {
  std::int64_t id = 0;
  std::string name;
  std::int64_t user_id = 0;
  double timestamp = 0;
  std::string payload_json;
};

const ts::db::Table<User>& users_table();
const ts::db::Table<Post>& posts_table();
const ts::db::Table<Follower>& followers_table();
const ts::db::Table<Message>& messages_table();
const ts::db::Table<Notification>& notifications_table();

}  // namespace microblog::storage::rows
