#include "shop/storage/cards.hpp"

#include "shop/domain/timestamps.hpp"
#include "shop/storage/tables.hpp"

namespace shop::storage {
namespace {

std::optional<SavedCard> first(const ts::db::Result& r) {
  if (r.empty()) return std::nullopt;
  return card_view().decode(r[0]);
}
}  // namespace

std::vector<SavedCard> list_cards(ts::db::Pool& db, std::int64_t user_id) {
  const auto result =
      db.query(card_view().select_sql() + "WHERE user_id = $1 ORDER BY id", {user_id});
  std::vector<SavedCard> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(card_view().decode(row));
  return out;
}

std::optional<SavedCard> find_card(ts::db::Pool& db, std::int64_t id) {
  return first(db.query(card_view().select_sql() + "WHERE id = $1", {id}));
}

std::optional<SavedCard> find_card_by_gateway_id(ts::db::Pool& db, std::int64_t user_id,
                                                 const std::string& card_id) {
  return first(db.query(card_view().select_sql() + "WHERE user_id = $1 AND card_id = $2",
                        {user_id, card_id}));
}

std::optional<SavedCard> find_card_by_last4(ts::db::Pool& db, std::int64_t user_id,
                                            const std::string& last4) {
  return first(db.query(
      card_view().select_sql() + "WHERE user_id = $1 AND last4 = $2 ORDER BY id DESC LIMIT 1",
      {user_id, last4}));
}

std::int64_t insert_card(ts::db::Connection& db, const SavedCard& c) {
  static const ts::db::RowInserter<CardRow> cards(cards_table());
  return cards.insert(db, {c, domain::format_db_timestamp(domain::now_timestamp())});
}

void update_card(ts::db::Pool& db, const SavedCard& c) {
  db.query(
      "UPDATE shop_cards SET name_on_card = $1, exp_month = $2, exp_year = $3, address_city = $4, "
      "address_country = $5, address_state = $6, address_zip = $7 WHERE id = $8",
      {c.name_on_card, c.exp_month, c.exp_year, c.address_city, c.address_country, c.address_state,
       c.address_zip, c.id});
}

void delete_card(ts::db::Pool& db, std::int64_t id) {
  db.query("DELETE FROM shop_cards WHERE id = $1", {id});
}

std::int64_t count_cards_of_customer(ts::db::Pool& db, const std::string& customer_id) {
  return db.query("SELECT COUNT(*) FROM shop_cards WHERE customer_id = $1", {customer_id})
      .scalar<std::int64_t>();
}

}  // namespace shop::storage
