// The typed Idempotency-Key: which keys are taken, and the names derived from
// one (key table row and order column, gateway key) — the wire forms the
// checkout has always used, so existing rows and gateway keys stay valid.
#include "shop/domain/idempotency.hpp"

#include <gtest/gtest.h>

#include <string>

#include "shop/domain/card_object.hpp"
#include "shop/domain/checkout.hpp"

namespace shop::domain {
namespace {

TEST(IdempotencyKey, TakesOneTo255Characters) {
  EXPECT_FALSE(IdempotencyKey::parse("checkout", ""));
  EXPECT_TRUE(IdempotencyKey::parse("checkout", "a"));
  EXPECT_TRUE(IdempotencyKey::parse("checkout", std::string(255, 'k')));
  EXPECT_FALSE(IdempotencyKey::parse("checkout", std::string(256, 'k')));
}

TEST(IdempotencyKey, DerivedNames) {
  const auto key = IdempotencyKey::parse("checkout", "order-7f3a");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->client(), "order-7f3a");
  EXPECT_EQ(key->scope(), "checkout");
  EXPECT_EQ(key->stored(), "checkout:order-7f3a");
  EXPECT_EQ(key->gateway(42), "checkout:42:order-7f3a");
  EXPECT_EQ(IdempotencyKey::parse("charge", "k1")->gateway(3), "charge:3:k1");
}

TEST(IdempotencyKeyOf, AbsentHeaderIsNoKey) {
  EXPECT_FALSE(idempotency_key_of("charge", std::nullopt));
}

TEST(IdempotencyKeyOf, BadHeaderIsRefused) {
  try {
    idempotency_key_of("charge", std::string_view(""));
    FAIL() << "an empty key was taken";
  } catch (const Refusal& e) {
    EXPECT_EQ(e.kind, Refusal::Kind::invalid);
    EXPECT_EQ(e.code, "idempotency_key_invalid");
    EXPECT_EQ(e.text, "The Idempotency-Key header must be 1 to 255 characters.");
  }
  EXPECT_EQ(idempotency_key_of("charge", std::string_view("k"))->stored(), "charge:k");
}

TEST(CardNote, RoundTripsTheGatewayCard) {
  GatewayCard c;
  c.id = "card_1";
  c.customer_id = "cus_1";
  c.brand = brand_from_code("visa");
  c.last4 = "4242";
  c.exp_month = 8;
  c.exp_year = 2031;
  c.name = "A. Buyer";
  c.address = {"Pune", "IN", "MH", "411001"};
  const auto note = card_note_object(c);
  EXPECT_EQ(note.at("brand").as_string(), "visa");
  EXPECT_FALSE(note.contains("number"));
  EXPECT_EQ(card_of_note_object(note), c);
  // The answer's form shows the brand's display name instead.
  EXPECT_EQ(card_object(c).at("brand").as_string(), brand_display_name(c.brand));
}

TEST(CardNote, NeedsIdsToResume) {
  GatewayCard c;
  c.id = "card_1";
  EXPECT_FALSE(card_of_note_object(card_note_object(c)));
}

// The original client's flattened address text, as charge-customer matches it.
TEST(SquashWhitespace, CollapsesRunsAndTrims) {
  EXPECT_EQ(squash_whitespace("141, near Andrew Court, Briannamouth, \n        Alabama, 710803"),
            "141, near Andrew Court, Briannamouth, Alabama, 710803");
  EXPECT_EQ(squash_whitespace("  a\t\tb \r\n"), "a b");
  EXPECT_EQ(squash_whitespace(""), "");
}

}  // namespace
}  // namespace shop::domain
