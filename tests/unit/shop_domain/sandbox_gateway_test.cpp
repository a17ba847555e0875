// The sandbox processor: test cards, ids, idempotency, saved-card lifecycle.
#include "shop/domain/sandbox_gateway.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace shop::domain {
namespace {

class Sandbox : public ::testing::Test {
 protected:
  SandboxGateway gw{{.today =
                         [] {
                           return YearMonth{2025, 6};
                         },
                     .now_seconds = [] { return std::int64_t{1750000000}; },
                     .seed = 42}};

  CardInput card(std::string number, std::optional<std::string> cvc = "123") {
    return {std::move(number),
            8,
            2028,
            std::move(cvc),
            "Yash Marmat",
            {"New Delhi", "INDIA", "Delhi", "111111"}};
  }

  // Tokenizes and attaches a card to a new customer: {customer id, card id}.
  std::pair<std::string, std::string> saved(const std::string& number) {
    auto token = gw.create_card_token(card(number));
    EXPECT_TRUE(token) << number;
    auto customer = gw.create_customer("yash@example.com");
    EXPECT_TRUE(customer);
    auto attached = gw.attach_card(customer->id, token->id);
    EXPECT_TRUE(attached);
    return {customer->id, attached->id};
  }

  GatewayResult<Charge> pay(const std::pair<std::string, std::string>& ids, std::int64_t amount,
                            std::string key = "") {
    return gw.charge({ids.first, ids.second, amount, "inr", "order", std::move(key)});
  }
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

TEST_F(Sandbox, TokenKeepsOnlyBrandLastFourAndExpiry) {
  auto token = gw.create_card_token(card("4242 4242 4242 4242"));
  ASSERT_TRUE(token);
  EXPECT_TRUE(starts_with(token->id, "tok_"));
  EXPECT_TRUE(starts_with(token->card.id, "card_"));
  EXPECT_EQ(token->card.id.size(), 5u + 24u);
  EXPECT_EQ(token->card.brand, CardBrand::visa);
  EXPECT_EQ(token->card.last4, "4242");
  EXPECT_EQ(token->card.exp_month, 8);
  EXPECT_EQ(token->card.exp_year, 2028);
  EXPECT_EQ(token->card.name, "Yash Marmat");
  EXPECT_EQ(token->card.address.country, "INDIA");
  EXPECT_EQ(token->card.customer_id, "");
}

TEST_F(Sandbox, TokenRefusesBadCards) {
  auto code = [&](CardInput c) {
    auto t = gw.create_card_token(c);
    EXPECT_FALSE(t);
    return t ? std::string() : t.error().code;
  };
  EXPECT_EQ(code(card("4242424242424241")), "incorrect_number");
  EXPECT_EQ(code(card("4242")), "invalid_number");
  EXPECT_EQ(code(card("4242x424242424242")), "invalid_number");
  auto expired = card("4242424242424242");
  expired.exp_year = 2025;
  expired.exp_month = 5;
  EXPECT_EQ(code(expired), "expired_card");
  auto bad_month = card("4242424242424242");
  bad_month.exp_month = 13;
  EXPECT_EQ(code(bad_month), "invalid_expiry_month");
  EXPECT_EQ(code(card("4242424242424242", "12")), "invalid_cvc");
  EXPECT_EQ(code(card("378282246310005", "123")), "invalid_cvc");
  auto t = gw.create_card_token(card("4242424242424241"));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, GatewayError::Kind::card);
  EXPECT_EQ(t.error().message, "Your card number is incorrect.");
  EXPECT_EQ(t.error().param, "number");
  // No CVC at all is allowed (paying with a saved card sends none).
  EXPECT_TRUE(gw.create_card_token(card("378282246310005", std::nullopt)));
  EXPECT_TRUE(gw.create_card_token(card("378282246310005", "1234")));
}

TEST_F(Sandbox, SucceedingCardIsCharged) {
  const auto ids = saved("4242424242424242");
  EXPECT_TRUE(starts_with(ids.first, "cus_"));
  EXPECT_EQ(ids.first.size(), 4u + 14u);
  auto charge = pay(ids, 120099);
  ASSERT_TRUE(charge);
  EXPECT_TRUE(starts_with(charge->id, "ch_"));
  EXPECT_EQ(charge->amount_minor, 120099);
  EXPECT_EQ(charge->currency, "inr");
  EXPECT_EQ(charge->customer_id, ids.first);
  EXPECT_EQ(charge->card_id, ids.second);
  EXPECT_EQ(charge->last4, "4242");
  EXPECT_EQ(charge->created, 1750000000);
  EXPECT_EQ(gw.charges().size(), 1u);
}

TEST_F(Sandbox, DeclinedCard) {
  auto charge = pay(saved("4000 0000 0000 0002"), 5000);
  ASSERT_FALSE(charge);
  EXPECT_EQ(charge.error().kind, GatewayError::Kind::card);
  EXPECT_EQ(charge.error().code, "card_declined");
  EXPECT_EQ(charge.error().message, "Your card was declined.");
  EXPECT_TRUE(gw.charges().empty());
}

TEST_F(Sandbox, InsufficientFunds) {
  auto charge = pay(saved("4000 0000 0000 9995"), 5000);
  ASSERT_FALSE(charge);
  EXPECT_EQ(charge.error().code, "insufficient_funds");
  EXPECT_EQ(charge.error().message, "Your card has insufficient funds.");
  EXPECT_TRUE(gw.charges().empty());
}

TEST_F(Sandbox, OtherTestCards) {
  EXPECT_EQ(pay(saved("4000000000000069"), 100).error().code, "expired_card");
  EXPECT_EQ(pay(saved("4000000000000127"), 100).error().code, "incorrect_cvc");
  auto e = pay(saved("4000000000000119"), 100);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, GatewayError::Kind::unavailable);
  EXPECT_TRUE(pay(saved("5555555555554444"), 100));
}

TEST_F(Sandbox, SameIdempotencyKeyChargesOnce) {
  const auto ids = saved("4242424242424242");
  auto first = pay(ids, 3000000, "order-1");
  auto second = pay(ids, 3000000, "order-1");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first.value(), second.value());
  EXPECT_EQ(gw.charges().size(), 1u);
  auto other = pay(ids, 3000000, "order-2");
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, first->id);
  EXPECT_EQ(gw.charges().size(), 2u);
  auto no_key_a = pay(ids, 100), no_key_b = pay(ids, 100);
  EXPECT_NE(no_key_a->id, no_key_b->id);
  EXPECT_EQ(gw.charges().size(), 4u);
}

TEST_F(Sandbox, IdempotencyKeyReplaysDeclinesAndRefusesOtherParameters) {
  const auto declined = saved("4000000000000002");
  EXPECT_EQ(pay(declined, 500, "k").error().code, "card_declined");
  EXPECT_EQ(pay(declined, 500, "k").error().code, "card_declined");
  auto conflict = pay(declined, 600, "k");
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().kind, GatewayError::Kind::idempotency);
  EXPECT_TRUE(gw.charges().empty());
}

TEST_F(Sandbox, ConcurrentRetriesChargeOnce) {
  const auto ids = saved("4242424242424242");
  std::vector<std::thread> threads;
  std::vector<std::string> charge_ids(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto c = pay(ids, 999, "same-key");
      if (c) charge_ids[static_cast<std::size_t>(i)] = c->id;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(gw.charges().size(), 1u);
  for (const auto& id : charge_ids) EXPECT_EQ(id, charge_ids[0]);
}

TEST_F(Sandbox, ChargeErrors) {
  const auto ids = saved("4242424242424242");
  EXPECT_EQ(pay(ids, 0).error().kind, GatewayError::Kind::invalid_request);
  EXPECT_EQ(pay({"cus_nope", ids.second}, 100).error().kind, GatewayError::Kind::not_found);
  EXPECT_EQ(pay({ids.first, "card_nope"}, 100).error().kind, GatewayError::Kind::not_found);
  // The default card is used when none is named.
  auto c = pay({ids.first, ""}, 100);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->card_id, ids.second);
  auto empty = gw.create_customer("e@example.com");
  EXPECT_EQ(pay({empty->id, ""}, 100).error().kind, GatewayError::Kind::invalid_request);
}

TEST_F(Sandbox, TokensAreSingleUse) {
  auto token = gw.create_card_token(card("4242424242424242"));
  auto customer = gw.create_customer("a@example.com");
  EXPECT_TRUE(gw.attach_card(customer->id, token->id));
  EXPECT_EQ(gw.attach_card(customer->id, token->id).error().kind, GatewayError::Kind::not_found);
  EXPECT_EQ(gw.attach_card("cus_nope", token->id).error().kind, GatewayError::Kind::not_found);
}

TEST_F(Sandbox, RetrieveUpdateDeleteCard) {
  const auto ids = saved("4242424242424242");
  auto got = gw.retrieve_card(ids.first, ids.second);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->last4, "4242");
  EXPECT_EQ(got->customer_id, ids.first);

  CardUpdate update;
  update.exp_month = 12;
  update.exp_year = 2030;
  update.name = "Y M";
  update.address_zip = "110012";
  auto updated = gw.update_card(ids.first, ids.second, update);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->exp_month, 12);
  EXPECT_EQ(updated->exp_year, 2030);
  EXPECT_EQ(updated->name, "Y M");
  EXPECT_EQ(updated->address.zip, "110012");
  EXPECT_EQ(updated->address.city, "New Delhi");
  EXPECT_EQ(gw.retrieve_card(ids.first, ids.second).value(), updated.value());

  CardUpdate past;
  past.exp_year = 2024;
  EXPECT_EQ(gw.update_card(ids.first, ids.second, past).error().code, "expired_card");

  EXPECT_TRUE(gw.delete_card(ids.first, ids.second));
  EXPECT_EQ(gw.retrieve_card(ids.first, ids.second).error().kind, GatewayError::Kind::not_found);
  EXPECT_FALSE(gw.delete_card(ids.first, ids.second));
  EXPECT_TRUE(gw.delete_customer(ids.first));
  EXPECT_EQ(gw.delete_customer(ids.first).error().code, "resource_missing");
}

TEST(SandboxIds, RandomWithoutSeed) {
  SandboxGateway a, b;
  EXPECT_NE(a.create_customer("x@example.com")->id, b.create_customer("x@example.com")->id);
}

}  // namespace
}  // namespace shop::domain
