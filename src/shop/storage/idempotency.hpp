#pragma once
// SQL for shop_idempotency_keys: the checkout's Idempotency-Key rows (claim,
// take over, note progress, complete with the answer to replay, release) and
// the pending cards the original client's two-step payment leaves between
// its calls. The flow around them is src/shop/service/checkout.cpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "platform/db/pool.hpp"

namespace shop::storage {

// ---- idempotency keys ----
struct StoredResponse {
  int status = 0;
  std::string body;
};
struct KeyClaim {
  enum class Outcome {
    claimed,      // first use: this request does the work, then completes or releases the key
    replay,       // same key, same request, finished before: answer `response`
    in_progress,  // same key, same request, still running elsewhere
    mismatch,     // same key, different request
  };
  Outcome outcome = Outcome::claimed;
  std::optional<StoredResponse> response;
  // Claimed by taking over an abandoned key: what the attempt that died had
  // noted with note_idempotency_progress, if anything.
  std::optional<std::string> progress;
};
// Inserts (user, key) as 'started'; the primary key settles concurrent duplicates.
// A 'started' row of the same request untouched for longer than `stale_after`
// was left by a process that died mid-request: it is taken over (claimed
// again, one taker wins) instead of answering in_progress forever.
KeyClaim claim_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key,
                               const std::string& request_hash, std::chrono::seconds stale_after);
// Marks the key completed with the response to replay (inside the order's transaction).
void complete_idempotency_key(ts::db::Connection& db, std::int64_t user_id, const std::string& key,
                              const StoredResponse& response, std::optional<std::int64_t> order_id);
// Notes, on a claimed key, what a retry taking it over must reuse (e.g. the
// gateway card set up for the charge, so that it charges the same card with
// the same gateway idempotency key). Ids only, never a card number.
void note_idempotency_progress(ts::db::Pool& db, std::int64_t user_id, const std::string& key,
                               const std::string& note);
// Forgets a claimed key whose request failed before any charge (the client may fix and retry).
void release_idempotency_key(ts::db::Pool& db, std::int64_t user_id, const std::string& key);

// A card set up by /payments/create-card/ without save_card, kept until the
// /payments/charge-customer/ call that follows it (the original client sends
// only the email and the last four digits there). Stored in
// shop_idempotency_keys under the key "pending-card:<last4>" so that every
// instance behind the load balancer sees it; holds ids only.
struct PendingCard {
  std::string email;
  std::string customer_id;
  std::string card_id;
  std::string last4;
};
void remember_pending_card(ts::db::Pool& db, std::int64_t user_id, const PendingCard& card);
std::optional<PendingCard> find_pending_card(ts::db::Pool& db, std::int64_t user_id,
                                             const std::string& last4);
void forget_pending_card(ts::db::Pool& db, std::int64_t user_id, const std::string& last4);

}  // namespace shop::storage
