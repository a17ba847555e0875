#pragma once
// SQL for saved cards (shop_cards, the original's account_stripemodel minus
// the card number): gateway ids, brand, last four, expiry, billing address.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/db/pool.hpp"

namespace shop::storage {

struct SavedCard {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::optional<std::string> email;
  std::optional<std::string> name_on_card;
  std::optional<std::string> customer_id;  // cus_…
  std::optional<std::string> card_id;      // card_…
  std::string brand = "other";             // domain::brand_code
  std::optional<std::string> last4;
  std::optional<int> exp_month;
  std::optional<int> exp_year;
  std::optional<std::string> address_city, address_country, address_state, address_zip;
};

std::vector<SavedCard> list_cards(ts::db::Pool& db, std::int64_t user_id);
std::optional<SavedCard> find_card(ts::db::Pool& db, std::int64_t id);
// The user's card with this gateway card id.
std::optional<SavedCard> find_card_by_gateway_id(ts::db::Pool& db, std::int64_t user_id,
                                                 const std::string& card_id);
// The user's most recently saved card ending in last4.
std::optional<SavedCard> find_card_by_last4(ts::db::Pool& db, std::int64_t user_id,
                                            const std::string& last4);
std::int64_t insert_card(ts::db::Connection& db, const SavedCard& c);
void update_card(ts::db::Pool& db, const SavedCard& c);
void delete_card(ts::db::Pool& db, std::int64_t id);
// How many saved cards (of anyone) use this gateway customer.
std::int64_t count_cards_of_customer(ts::db::Pool& db, const std::string& customer_id);

}  // namespace shop::storage
