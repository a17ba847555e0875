#include "flask_fixture.hpp"

#include "platform/db/connection.hpp"

namespace mb_import_test {

namespace {

// What the original's Alembic chain (e517276bb1c2 … 834b1a697901) emits, one
// migration after the other, with SQLAlchemy 2's type names per dialect.
std::string flask_ddl(bool pg) {
  const std::string id = pg ? "SERIAL NOT NULL" : "INTEGER NOT NULL";
  const std::string dt = pg ? "TIMESTAMP WITHOUT TIME ZONE" : "DATETIME";
  return R"sql(
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE "user" (id )sql" +
         id +
         R"sql(, username VARCHAR(64) NOT NULL, email VARCHAR(120) NOT NULL, password_hash VARCHAR(256), PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_user_email ON "user" (email);
CREATE UNIQUE INDEX ix_user_username ON "user" (username);
CREATE TABLE post (id )sql" +
         id + R"sql(, body VARCHAR(140) NOT NULL, timestamp )sql" + dt +
         R"sql( NOT NULL, user_id INTEGER NOT NULL, FOREIGN KEY(user_id) REFERENCES "user" (id), PRIMARY KEY (id));
CREATE INDEX ix_post_timestamp ON post (timestamp);
CREATE INDEX ix_post_user_id ON post (user_id);
ALTER TABLE "user" ADD COLUMN about_me VARCHAR(140);
ALTER TABLE "user" ADD COLUMN last_seen )sql" +
         dt + R"sql(;
CREATE TABLE followers (follower_id INTEGER NOT NULL, followed_id INTEGER NOT NULL, FOREIGN KEY(followed_id) REFERENCES "user" (id), FOREIGN KEY(follower_id) REFERENCES "user" (id), PRIMARY KEY (follower_id, followed_id));
ALTER TABLE post ADD COLUMN language VARCHAR(5);
CREATE TABLE message (id )sql" +
         id +
         R"sql(, sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL, body VARCHAR(140) NOT NULL, timestamp )sql" +
         dt +
         R"sql( NOT NULL, FOREIGN KEY(recipient_id) REFERENCES "user" (id), FOREIGN KEY(sender_id) REFERENCES "user" (id), PRIMARY KEY (id));
CREATE INDEX ix_message_recipient_id ON message (recipient_id);
CREATE INDEX ix_message_sender_id ON message (sender_id);
CREATE INDEX ix_message_timestamp ON message (timestamp);
ALTER TABLE "user" ADD COLUMN last_message_read_time )sql" +
         dt + R"sql(;
CREATE TABLE notification (id )sql" +
         id +
         R"sql(, name VARCHAR(128) NOT NULL, user_id INTEGER NOT NULL, timestamp FLOAT NOT NULL, payload_json TEXT NOT NULL, FOREIGN KEY(user_id) REFERENCES "user" (id), PRIMARY KEY (id));
CREATE INDEX ix_notification_name ON notification (name);
CREATE INDEX ix_notification_timestamp ON notification (timestamp);
CREATE INDEX ix_notification_user_id ON notification (user_id);
CREATE TABLE task (id VARCHAR(36) NOT NULL, name VARCHAR(128) NOT NULL, description VARCHAR(128), user_id INTEGER NOT NULL, complete BOOLEAN NOT NULL, FOREIGN KEY(user_id) REFERENCES "user" (id), PRIMARY KEY (id));
CREATE INDEX ix_task_name ON task (name);
ALTER TABLE "user" ADD COLUMN token VARCHAR(32);
ALTER TABLE "user" ADD COLUMN token_expiration )sql" +
         dt + R"sql(;
CREATE UNIQUE INDEX ix_user_token ON "user" (token);
)sql";
}

}  // namespace

void build_flask_db(const std::string& url, const std::string& revision) {
  auto conn = ts::db::connect(url);
  const bool pg = conn->dialect() == ts::db::Dialect::postgres;
  // SQLAlchemy leaves SQLite's foreign keys unenforced, so the original's
  // SQLite files can hold rows naming deleted users; ours enforces them.
  if (!pg) conn->execute_script("PRAGMA foreign_keys=OFF");
  conn->execute_script(flask_ddl(pg));
  conn->query("INSERT INTO alembic_version (version_num) VALUES ($1)", {revision});

  // DATETIMEs as SQLAlchemy writes them on SQLite (always six fraction
  // digits); PostgreSQL parses the same text into timestamp.
  const char* user_sql =
      "INSERT INTO \"user\" (id, username, email, password_hash, about_me, last_seen, "
      "last_message_read_time, token, token_expiration) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  conn->query(user_sql, {1, "john", "john@example.com", kPbkdf2Hash, "I am John",
                         "2024-09-26 04:57:00.123456", "2024-09-20 10:00:00.000000", kJohnToken,
                         "2099-01-01 00:00:00.000000"});
  conn->query(user_sql,
              {2, "susan", "susan@example.com", kScryptHash, nullptr, "2024-09-25 12:00:00.000000",
               nullptr, kSusanToken, "2020-01-01 00:00:00.000000"});
  conn->query(user_sql, {3, "John", "john.smith@example.com", kScryptHash, nullptr,
                         "2024-09-24 12:00:00.000000", nullptr, nullptr, nullptr});
  conn->query(user_sql, {4, "mary jane", "Susan@Example.com", nullptr, "Hi, I'm Mary Jane", nullptr,
                         nullptr, nullptr, nullptr});
  conn->query(user_sql, {5, "david", "david@example.com", "plaintext-secret", nullptr,
                         "2024-09-23 12:00:00.000000", nullptr, nullptr, nullptr});
  conn->query(user_sql, {10, "olduser", "old@example.com",
                         "sha1$k2Jd8s$3f786850e387550fdab836ed7e6dc881de23001b", nullptr,
                         "2019-01-01 00:00:00.000000", nullptr, nullptr, nullptr});

  const char* post_sql =
      "INSERT INTO post (id, body, timestamp, user_id, language) VALUES ($1, $2, $3, $4, $5)";
  conn->query(post_sql,
              {1, "Hello from John, my first post here", "2024-09-01 08:00:00.500000", 1, "en"});
  conn->query(post_sql, {2, "Hola, este es mi primer artículo en el microblog",
                         "2024-09-02 08:00:00.000000", 2, "es"});
  conn->query(post_sql, {3, "今天天气很好", "2024-09-03 08:00:00.000000", 2, "zh-cn"});
  conn->query(post_sql, {4,
                         "The quick brown fox jumps over the lazy dog while the farmer watches "
                         "from his porch and drinks his morning coffee",
                         "2024-09-04 08:00:00.000000", 1, ""});
  conn->query(post_sql, {5, "ok", "2024-09-05 08:00:00.000000", 5, nullptr});
  conn->query(post_sql, {42, "Watching the zeppelin parade downtown today",
                         "2024-09-06 08:00:00.250000", 2, "en"});
  if (!pg) {  // PostgreSQL enforces the foreign key and varchar(140)
    conn->query(post_sql, {6, "a post whose author was deleted by hand",
                           "2024-09-07 08:00:00.000000", 99, "en"});
    conn->query(post_sql, {7, std::string(150, 'x'), "2024-09-08 08:00:00.000000", 3, ""});
  }

  const char* follow_sql = "INSERT INTO followers (follower_id, followed_id) VALUES ($1, $2)";
  conn->query(follow_sql, {1, 2});
  conn->query(follow_sql, {2, 1});
  conn->query(follow_sql, {3, 1});
  conn->query(follow_sql, {1, 1});
  if (!pg) conn->query(follow_sql, {2, 99});

  const char* message_sql =
      "INSERT INTO message (id, sender_id, recipient_id, body, timestamp) "
      "VALUES ($1, $2, $3, $4, $5)";
  conn->query(message_sql, {1, 1, 2, "Hi Susan", "2024-09-21 09:00:00.000000"});
  conn->query(message_sql, {2, 2, 1, "Hi John", "2024-09-22 09:00:00.000000"});
  conn->query(message_sql, {3, 4, 4, "A note to myself", "2024-09-23 09:00:00.000000"});
  if (!pg) conn->query(message_sql, {4, 1, 99, "Anyone there?", "2024-09-24 09:00:00.000000"});

  const char* notification_sql =
      "INSERT INTO notification (id, name, user_id, timestamp, payload_json) "
      "VALUES ($1, $2, $3, $4, $5)";
  conn->query(notification_sql, {1, "unread_message_count", 1, 1727000000.25, "1"});
  conn->query(notification_sql, {2, "unread_message_count", 1, 1726000000.0, "3"});
  conn->query(notification_sql,
              {3, "task_progress", 2, 1727000100.5,
               R"({"task_id": "6b1f1c8e-0000-4000-8000-000000000001", "progress": 50})"});
  conn->query(notification_sql, {4, "unread_message_count", 4, 1727000200.0, "not json{"});
  if (!pg) conn->query(notification_sql, {5, "unread_message_count", 99, 1727000300.0, "2"});

  const char* task_sql =
      "INSERT INTO task (id, name, description, user_id, complete) VALUES ($1, $2, $3, $4, $5)";
  conn->query(task_sql, {"6b1f1c8e-0000-4000-8000-000000000001", "export_posts",
                         "Exporting posts...", 2, false});
  conn->query(task_sql, {"6b1f1c8e-0000-4000-8000-000000000002", "export_posts",
                         "Exporting posts...", 2, true});
  // A server whose DateStyle is not ISO (later connections get "26/09/2024
  // 04:57:00.123456" from CAST(timestamp AS TEXT) unless they set their own).
  if (pg)
    conn->execute_script(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET DateStyle = %L', "
        "current_database(), 'SQL, DMY'); END $$");
}

}  // namespace mb_import_test
