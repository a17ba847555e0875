#include "microblog/storage/tables.hpp"

namespace microblog::storage {

const ts::db::Table<UserRow>& user_view() {
  static const ts::db::Table<UserRow> t(
      "mb_users", {{"id", &UserRow::id},
                   {"username", &UserRow::username},
                   {"email", &UserRow::email},
                   {"password_hash", &UserRow::password_hash},
                   {"about_me", &UserRow::about_me},
                   {"last_seen", &UserRow::last_seen},
                   {"last_message_read_time", &UserRow::last_message_read_time},
                   {"session_generation", &UserRow::session_generation}});
  return t;
}

}  // namespace microblog::storage

namespace microblog::storage::rows {

const ts::db::Table<User>& users_table() {
  static const ts::db::Table<User> t(user_view(), {{"token_hash", &User::token_hash},
                                                   {"token_expiration", &User::token_expiration}});
  return t;
}

const ts::db::Table<Post>& posts_table() {
  static const ts::db::Table<Post> t("mb_posts", {{"id", &Post::id},
                                                  {"body", &Post::body},
                                                  {"timestamp", &Post::timestamp},
                                                  {"user_id", &Post::user_id},
                                                  {"language", &Post::language}});
  return t;
}

const ts::db::Table<Follower>& followers_table() {
  static const ts::db::Table<Follower> t("mb_followers", {{"follower_id", &Follower::follower_id},
                                                          {"followed_id", &Follower::followed_id}});
  return t;
}

const ts::db::Table<Message>& messages_table() {
  static const ts::db::Table<Message> t("mb_messages", {{"id", &Message::id},
                                                        {"sender_id", &Message::sender_id},
                                                        {"recipient_id", &Message::recipient_id},
                                                        {"body", &Message::body},
                                                        {"timestamp", &Message::timestamp}});
  return t;
}

const ts::db::Table<Notification>& notifications_table() {
  static const ts::db::Table<Notification> t("mb_notifications",
                                             {{"id", &Notification::id},
                                              {"name", &Notification::name},
                                              {"user_id", &Notification::user_id},
                                              {"timestamp", &Notification::timestamp},
                                              {"payload_json", &Notification::payload_json}});
  return t;
}

}  // namespace microblog::storage::rows
