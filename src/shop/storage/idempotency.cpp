#include "shop/storage/idempotency.hpp"

#include <boost/json.hpp>

#include "platform/db/error.hpp"
#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {
std::string pending_key(const std::string& last4) {
  return "pending-card:" + last4;
}
}  // namespace

KeyClaim claim_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key,
                               const std::string& request_hash, std::chrono::seconds stale_after) {
  const auto now_ts = domain::now_timestamp();
  const auto now = domain::format_db_timestamp(now_ts);
  try {
    db.query(
        "INSERT INTO shop_idempotency_keys (user_id, idempotency_key, request_hash, state, "
        "created_at, updated_at) VALUES ($1, $2, $3, 'started', $4, $4)",
        {user_id, key, request_hash, now});
    return {KeyClaim::Outcome::claimed, std::nullopt};
  } catch (const ts::db::UniqueViolation&) {
  }
  const auto r = db.query(
      "SELECT request_hash, state, response_status, response_body, updated_at FROM "
      "shop_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2",
      {user_id, key});
  // Released between our insert and this read: the caller may simply retry.
  if (r.empty()) return {KeyClaim::Outcome::in_progress, std::nullopt};
  const auto& row = r[0];
  if (row.get<std::string>(0) != request_hash) return {KeyClaim::Outcome::mismatch, std::nullopt};
  if (row.get<std::string>(1) != "completed") {
    const auto touched_text = row.get<std::string>(4);
    const auto touched = domain::parse_db_timestamp(touched_text);
    // Unreadable timestamps count as stale: nothing else could ever free the key.
    const bool stale = !touched || now_ts - *touched > stale_after;
    if (!stale) return {KeyClaim::Outcome::in_progress, std::nullopt};
    // Compare-and-set on updated_at: of several takers, one wins.
    const auto taken = db.query(
        "UPDATE shop_idempotency_keys SET updated_at = $1 WHERE user_id = $2 AND "
        "idempotency_key = $3 AND state = 'started' AND updated_at = $4",
        {now, user_id, key, touched_text});
    if (taken.affected_rows() == 1)
      return {KeyClaim::Outcome::claimed, std::nullopt, row.get<std::optional<std::string>>(3)};
    return {KeyClaim::Outcome::in_progress, std::nullopt};
  }
  return {KeyClaim::Outcome::replay,
          StoredResponse{row.get<int>(2), row.get<std::optional<std::string>>(3).value_or("")}};
}

void complete_idempotency_key(ts::db::Connection& db, std::int64_t user_id, const std::string& key,
                              const StoredResponse& response,
                              std::optional<std::int64_t> order_id) {
  db.query(
      "UPDATE shop_idempotency_keys SET state = 'completed', response_status = $1, "
      "response_body = $2, order_id = $3, updated_at = $4 WHERE user_id = $5 AND "
      "idempotency_key = $6",
      {response.status, response.body, order_id,
       domain::format_db_timestamp(domain::now_timestamp()), user_id, key});
}

void note_idempotency_progress(ts::db::Pool& db, std::int64_t user_id, const std::string& key,
                               const std::string& note) {
  db.query(
      "UPDATE shop_idempotency_keys SET response_body = $1 WHERE user_id = $2 AND "
      "idempotency_key = $3 AND state = 'started'",
      {note, user_id, key});
}

void release_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key) {
  db.query(
      "DELETE FROM shop_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2 AND state = "
      "'started'",
      {user_id, key});
}

void remember_pending_card(ts::db::Pool& db, std::int64_t user_id, const PendingCard& card) {
  const auto now = domain::format_db_timestamp(domain::now_timestamp());
  const auto body = boost::json::serialize(boost::json::object{{"email", card.email},
                                                               {"customer_id", card.customer_id},
                                                               {"card_id", card.card_id},
                                                               {"last4", card.last4}});
  db.query(
      "INSERT INTO shop_idempotency_keys (user_id, idempotency_key, request_hash, state, "
      "response_status, response_body, created_at, updated_at) VALUES ($1, $2, 'pending-card', "
      "'completed', 200, $3, $4, $4) ON CONFLICT (user_id, idempotency_key) DO UPDATE SET "
      "response_body = excluded.response_body, updated_at = excluded.updated_at",
      {user_id, pending_key(card.last4), body, now});
}

std::optional<PendingCard> find_pending_card(ts::db::Pool& db, std::int64_t user_id,
                                             const std::string& last4) {
  const auto r = db.query(
      "SELECT response_body FROM shop_idempotency_keys WHERE user_id = $1 AND idempotency_key = "
      "$2",
      {user_id, pending_key(last4)});
  if (r.empty()) return std::nullopt;
  boost::system::error_code ec;
  const auto v = boost::json::parse(r[0].get<std::string>(0), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto text = [&](const char* k) {
    const auto* p = o.if_contains(k);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
  };
  return PendingCard{text("email"), text("customer_id"), text("card_id"), text("last4")};
}

void forget_pending_card(ts::db::Pool& db, std::int64_t user_id, const std::string& last4) {
  db.query("DELETE FROM shop_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2",
           {user_id, pending_key(last4)});
}

}  // namespace shop::storage
