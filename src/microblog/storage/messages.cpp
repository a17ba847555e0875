#include <string>

#include "microblog/storage/storage.hpp"
#include "microblog/storage/tables.hpp"
#include "platform/core/paginate.hpp"

namespace microblog::storage {

void add_notification(Connection& c, std::int64_t uid, const std::string& name,
                      const std::string& payload, double ts) {
  c.query("DELETE FROM mb_notifications WHERE user_id = $1 AND name = $2", {uid, name});
  static const ts::db::RowInserter<rows::Notification> notifications(rows::notifications_table());
  notifications.insert(c, {0, name, uid, ts, payload});
}

std::vector<NotificationRow> notifications_since(Pool& db, std::int64_t uid, double since) {
  std::vector<NotificationRow> out;
  for (const auto& r : db.query("SELECT name, payload_json, timestamp FROM mb_notifications "
                                "WHERE user_id = $1 AND timestamp > $2 ORDER BY timestamp, id",
                                {uid, since}))
    out.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<double>(2)});
  return out;
}

namespace {
std::int64_t unread(Connection& c, std::int64_t uid) {
  return c
      .query(
          "SELECT count(*) FROM mb_messages m JOIN mb_users u ON u.id = m.recipient_id "
          "WHERE m.recipient_id = $1 AND m.timestamp > COALESCE(u.last_message_read_time, 0)",
          {uid})
      .scalar<std::int64_t>();
}
}  // namespace

void send_message(Pool& db, std::int64_t sender, std::int64_t recipient, const std::string& body,
                  std::int64_t now) {
  auto lease = db.acquire();
  ts::db::Transaction tx(*lease);
  static const ts::db::RowInserter<rows::Message> messages(rows::messages_table());
  messages.insert(tx.connection(), {0, sender, recipient, body, now});
  add_notification(*lease, recipient, "unread_message_count",
                   std::to_string(unread(*lease, recipient)), static_cast<double>(now) / 1e6);
  tx.commit();
}

PostPage received_messages(Pool& db, std::int64_t uid, int page, int per_page) {
  const ts::core::Page pg{page, per_page};
  auto r = db.query(
      "SELECT m.id, m.body, m.timestamp, u.id, u.username, u.email FROM mb_messages m "
      "JOIN mb_users u ON u.id = m.sender_id WHERE m.recipient_id = $1 "
      "ORDER BY m.timestamp DESC, m.id DESC LIMIT $2 OFFSET $3",
      {uid, pg.lookahead_limit(), pg.offset()});
  PostPage out;
  for (const auto& row : r)
    out.items.push_back({row.get<std::int64_t>(0), row.get<std::string>(1),
                         row.get<std::int64_t>(2), "", row.get<std::int64_t>(3),
                         row.get<std::string>(4), row.get<std::string>(5)});
  out.has_more = ts::core::drop_lookahead(out.items, pg);
  return out;
}

std::int64_t unread_message_count(Pool& db, std::int64_t uid) {
  auto lease = db.acquire();
  return unread(*lease, uid);
}

void mark_messages_read(Pool& db, std::int64_t uid, std::int64_t now) {
  auto lease = db.acquire();
  ts::db::Transaction tx(*lease);
  tx.query("UPDATE mb_users SET last_message_read_time = $1 WHERE id = $2", {now, uid});
  add_notification(*lease, uid, "unread_message_count", "0", static_cast<double>(now) / 1e6);
  tx.commit();
}

}  // namespace microblog::storage
