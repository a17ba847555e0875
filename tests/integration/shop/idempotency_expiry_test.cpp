// Idempotency keys left 'started' by a process that died mid-request: a
// retry within the staleness window still gets 409 (the first request may
// be alive), after it the retry takes the key over and completes once; a
// stale key of a different request stays a 422.
#include <gtest/gtest.h>

#include "pay_fixture.hpp"
#include "platform/auth/crypto.hpp"

namespace {

using namespace shop_test;

constexpr const char* kLongAgo = "2024-01-02T03:04:05.000000Z";

class IdempotencyExpiry : public ::testing::TestWithParam<std::string> {
 protected:
  IdempotencyExpiry()
      : server(GetParam()),
        db(open_db(server)),
        user(add_user(*db, "crashuser")),
        chair(add_product(*db, "Computer Chairs", 599999)) {}

  std::string body(std::int64_t address) const {
    return boost::json::serialize(boost::json::object{
        {"product_id", chair},
        {"address_id", address},
        {"card", {{"number", "4242424242424242"}, {"exp_month", 12}, {"exp_year", 2040}}}});
  }
  // The row a crashed /api/checkout/ would leave: the server's keyed hash of
  // the body, state 'started', last touched at `touched`.
  void leave_started(const std::string& key, const std::string& body_text,
                     const std::string& touched) {
    const auto hash =
        ts::auth::hex_encode(ts::auth::hmac_sha256(kSecret, std::string("checkout\n") + body_text));
    db->query(
        "INSERT INTO shop_idempotency_keys (user_id, idempotency_key, request_hash, state, "
        "created_at, updated_at) VALUES ($1, $2, $3, 'started', $4, $4)",
        {user.id, "checkout:" + key, hash, touched});
  }
  HttpResponse checkout(const std::string& body_text, const std::string& key) {
    return server.send("POST", "/api/checkout/", body_text,
                       {{"Content-Type", "application/json"}, {"Idempotency-Key", key}},
                       user.token);
  }
  int orders() { return count(*db, "SELECT COUNT(*) FROM shop_orders"); }

  ShopServer server;
  std::shared_ptr<ts::db::Pool> db;
  TestUser user;
  std::int64_t chair;
};

TEST_P(IdempotencyExpiry, FreshStartedKeyIsStillInUse) {
  const auto text = body(add_address(server, user));
  leave_started("fresh-key", text, "2999-01-01T00:00:00.000000Z");  // touched "now or later"
  auto r = checkout(text, "fresh-key");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("idempotency_key_in_use"), std::string::npos) << r.body;
  EXPECT_EQ(orders(), 0);
}

TEST_P(IdempotencyExpiry, StaleStartedKeyIsTakenOverOnce) {
  const auto text = body(add_address(server, user));
  leave_started("crashed-key", text, kLongAgo);
  auto first = checkout(text, "crashed-key");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(orders(), 1);
  EXPECT_EQ(count(*db,
                  "SELECT COUNT(*) FROM shop_idempotency_keys WHERE idempotency_key = "
                  "'checkout:crashed-key' AND state = 'completed'"),
            1);
  // From now on an ordinary completed key: replayed, never charged again.
  auto again = checkout(text, "crashed-key");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(orders(), 1);
}

// The process died after the processor charged the typed card but before the
// order was committed (as a kill -9 can leave it): the retry that takes the
// key over charges the card that process set up, under the same gateway key,
// so the processor answers its first charge again — no second charge, and no
// "key reused with other parameters" refusal for a newly set-up card.
TEST_P(IdempotencyExpiry, TakeoverAfterTheChargeChargesNothingMore) {
  const auto text = body(add_address(server, user));
  auto first = checkout(text, "charged-key");
  ASSERT_EQ(first.status, 201) << first.body;
  const auto charge = db->query(
      "SELECT id, customer_id, card_id FROM shop_sandbox_charges WHERE status = 'succeeded'");
  ASSERT_EQ(charge.size(), 1u);
  const auto charge_id = charge[0].get<std::string>(0);
  // Back to the state the dead process left: charged, key 'started' with the
  // card it set up noted, no order.
  const auto note =
      boost::json::serialize(boost::json::object{{"set_up_card",
                                                  {{"id", charge[0].get<std::string>(2)},
                                                   {"customer", charge[0].get<std::string>(1)},
                                                   {"brand", "visa"},
                                                   {"last4", "4242"},
                                                   {"exp_month", 12},
                                                   {"exp_year", 2040}}}});
  db->query("DELETE FROM shop_orders");
  db->query(
      "UPDATE shop_idempotency_keys SET state = 'started', response_status = NULL, "
      "response_body = $1, order_id = NULL, updated_at = $2 WHERE user_id = $3",
      {note, kLongAgo, user.id});

  auto retried = checkout(text, "charged-key");
  ASSERT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(orders(), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_orders WHERE charge_id = '" + charge_id + "'"),
            1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_sandbox_charges"), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM shop_sandbox_cards"), 1);  // none set up again
}

TEST_P(IdempotencyExpiry, StaleKeyOfAnotherRequestIsStillRefused) {
  const auto address = add_address(server, user);
  leave_started("other-body", body(address) + " ", kLongAgo);  // a different body's hash
  auto r = checkout(body(address), "other-body");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(orders(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, IdempotencyExpiry, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
