// Card number, brand, expiry and CVC rules.
#include "shop/domain/cards.hpp"

#include <gtest/gtest.h>

namespace shop::domain {
namespace {

TEST(Luhn, KnownNumbers) {
  for (const char* ok : {"4242424242424242", "4000000000000002", "4000000000009995",
                         "5555555555554444", "378282246310005", "6011111111111117", "0"})
    EXPECT_TRUE(luhn_valid(ok)) << ok;
  for (const char* bad : {"4242424242424241", "1234123412341234", "", "42a2"})
    EXPECT_FALSE(luhn_valid(bad)) << bad;
}

TEST(CardNumber, Normalization) {
  EXPECT_EQ(normalize_card_number("4242 4242 4242 4242"), "4242424242424242");
  EXPECT_EQ(normalize_card_number("4242-4242-4242-4242"), "4242424242424242");
  EXPECT_EQ(normalize_card_number("4242.4242"), std::nullopt);
  EXPECT_EQ(normalize_card_number("4242x"), std::nullopt);
}

TEST(CardNumber, Checks) {
  EXPECT_EQ(check_card_number("4242424242424242"), std::nullopt);
  EXPECT_EQ(check_card_number("4242424242424241")->code, "incorrect_number");
  EXPECT_EQ(check_card_number("4242424242424241")->message, "Your card number is incorrect.");
  EXPECT_EQ(check_card_number("42424242424")->code, "invalid_number");           // 11 digits
  EXPECT_EQ(check_card_number("42424242424242424242")->code, "invalid_number");  // 20
  EXPECT_EQ(check_card_number("")->code, "invalid_number");
}

TEST(Brand, Detection) {
  EXPECT_EQ(detect_brand("4242424242424242"), CardBrand::visa);
  EXPECT_EQ(detect_brand("4222222222222"), CardBrand::visa);  // 13 digits
  EXPECT_EQ(detect_brand("5555555555554444"), CardBrand::mastercard);
  EXPECT_EQ(detect_brand("2223003122003222"), CardBrand::mastercard);
  EXPECT_EQ(detect_brand("2720990000000007"), CardBrand::mastercard);
  EXPECT_EQ(detect_brand("2721000000000000"), CardBrand::other);
  EXPECT_EQ(detect_brand("378282246310005"), CardBrand::amex);
  EXPECT_EQ(detect_brand("371449635398431"), CardBrand::amex);
  EXPECT_EQ(detect_brand("3782822463100050"), CardBrand::other);  // amex prefix, 16 digits
  EXPECT_EQ(detect_brand("6011111111111117"), CardBrand::discover);
  EXPECT_EQ(detect_brand("6445644564456445"), CardBrand::discover);
  EXPECT_EQ(detect_brand("6221260000000000"), CardBrand::discover);
  EXPECT_EQ(detect_brand("3056930009020004"), CardBrand::other);  // Diners
  EXPECT_EQ(detect_brand("1234123412341234"), CardBrand::other);
}

TEST(Brand, Names) {
  EXPECT_EQ(brand_code(CardBrand::amex), "amex");
  EXPECT_EQ(brand_display_name(CardBrand::amex), "American Express");
  EXPECT_EQ(brand_display_name(CardBrand::mastercard), "MasterCard");
  EXPECT_EQ(brand_display_name(CardBrand::other), "Unknown");
  for (auto b : {CardBrand::visa, CardBrand::mastercard, CardBrand::amex, CardBrand::discover,
                 CardBrand::other})
    EXPECT_EQ(brand_from_code(brand_code(b)), b);
  EXPECT_EQ(brand_from_code("jcb"), CardBrand::other);
}

TEST(LastFour, TakesTheEnd) {
  EXPECT_EQ(last_four("4242424242424242"), "4242");
  EXPECT_EQ(last_four("4000000000009995"), "9995");
  EXPECT_EQ(last_four("4000056655665556123"), "6123");  // 19 digits: not number[12:16]
  EXPECT_EQ(last_four("12"), "12");
}

TEST(Expiry, MonthYearAndPast) {
  const YearMonth today{2025, 6};
  EXPECT_EQ(check_expiry(6, 2025, today), std::nullopt);  // valid through June
  EXPECT_EQ(check_expiry(12, 2030, today), std::nullopt);
  EXPECT_EQ(check_expiry(5, 2025, today)->code, "expired_card");
  EXPECT_EQ(check_expiry(5, 2025, today)->message, "Your card has expired.");
  EXPECT_EQ(check_expiry(12, 2024, today)->code, "expired_card");
  EXPECT_EQ(check_expiry(0, 2030, today)->code, "invalid_expiry_month");
  EXPECT_EQ(check_expiry(13, 2030, today)->message, "Your card's expiration month is invalid.");
  EXPECT_EQ(check_expiry(1, 28, today)->code, "invalid_expiry_year");  // 2-digit year
  EXPECT_EQ(check_expiry(1, 2076, today)->code, "invalid_expiry_year");
  EXPECT_EQ(check_expiry(1, 2075, today), std::nullopt);
}

TEST(Cvc, ThreeOrFourDigits) {
  EXPECT_EQ(check_cvc("123", CardBrand::visa), std::nullopt);
  EXPECT_EQ(check_cvc("1234", CardBrand::amex), std::nullopt);
  EXPECT_EQ(check_cvc("123", CardBrand::amex)->code, "invalid_cvc");
  EXPECT_EQ(check_cvc("1234", CardBrand::mastercard)->code, "invalid_cvc");
  EXPECT_EQ(check_cvc("12a", CardBrand::visa)->message, "Your card's security code is invalid.");
  EXPECT_EQ(check_cvc("", CardBrand::other)->code, "invalid_cvc");
}

TEST(CardInt, Parsing) {
  EXPECT_EQ(parse_card_int("8"), 8);
  EXPECT_EQ(parse_card_int("08"), 8);
  EXPECT_EQ(parse_card_int("2028"), 2028);
  EXPECT_EQ(parse_card_int(""), std::nullopt);
  EXPECT_EQ(parse_card_int("-1"), std::nullopt);
  EXPECT_EQ(parse_card_int("20281"), std::nullopt);
}

}  // namespace
}  // namespace shop::domain
