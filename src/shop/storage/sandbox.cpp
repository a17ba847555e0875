#include "shop/storage/sandbox.hpp"

#include "shop/domain/timestamps.hpp"

namespace shop::storage {
namespace {

using domain::GatewayError;
using domain::SandboxCard;
using domain::SandboxChargeRecord;

constexpr const char* kCardColumns =
    "id, customer_id, behaviour, brand, last4, exp_month, exp_year, name, address_city, "
    "address_country, address_state, address_zip";

constexpr const char* kChargeColumns =
    "id, idempotency_key, customer_id, requested_card_id, amount_minor, currency, description, "
    "status, card_id, brand, last4, created, error_kind, error_code, error_message, error_param";

// A customer's row joined with their cards (none: one row of NULLs); the
// caller adds to the join's condition, then "WHERE c.id = $1".
constexpr const char* kCustomerWithCards =
    "SELECT k.id, k.customer_id, k.behaviour, k.brand, k.last4, k.exp_month, k.exp_year, k.name, "
    "k.address_city, k.address_country, k.address_state, k.address_zip FROM "
    "shop_sandbox_customers c LEFT JOIN shop_sandbox_cards k ON k.customer_id = c.id ";

std::string now_text() {
  return domain::format_db_timestamp(domain::now_timestamp());
}

SandboxCard card_from_row(const ts::db::Row& r) {
  SandboxCard c;
  c.card.id = r.get<std::string>(0);
  c.card.customer_id = r.get<std::optional<std::string>>(1).value_or("");
  c.behaviour = domain::behaviour_from_code(r.get<std::string>(2))
                    .value_or(domain::SandboxBehaviour::succeed);
  c.card.brand = domain::brand_from_code(r.get<std::string>(3));
  c.card.last4 = r.get<std::string>(4);
  c.card.exp_month = r.get<int>(5);
  c.card.exp_year = r.get<int>(6);
  c.card.name = r.get<std::string>(7);
  c.card.address = {r.get<std::string>(8), r.get<std::string>(9), r.get<std::string>(10),
                    r.get<std::string>(11)};
  return c;
}

constexpr std::pair<GatewayError::Kind, std::string_view> kKinds[] = {
    {GatewayError::Kind::card, "card"},
    {GatewayError::Kind::invalid_request, "invalid_request"},
    {GatewayError::Kind::not_found, "not_found"},
    {GatewayError::Kind::idempotency, "idempotency"},
    {GatewayError::Kind::unavailable, "unavailable"},
};

std::string_view kind_code(GatewayError::Kind k) {
  for (const auto& [kind, code] : kKinds)
    if (kind == k) return code;
  return "invalid_request";
}

GatewayError::Kind kind_from_code(std::string_view code) {
  for (const auto& [kind, text] : kKinds)
    if (text == code) return kind;
  return GatewayError::Kind::invalid_request;
}

SandboxChargeRecord charge_from_row(const ts::db::Row& r) {
  domain::ChargeRequest req;
  req.idempotency_key = r.get<std::optional<std::string>>(1).value_or("");
  req.customer_id = r.get<std::string>(2);
  req.card_id = r.get<std::string>(3);
  req.amount_minor = r.get<std::int64_t>(4);
  req.currency = r.get<std::string>(5);
  req.description = r.get<std::string>(6);
  const auto id = r.get<std::string>(0);
  if (r.get<std::string>(7) == "succeeded") {
    domain::Charge c{id,
                     req.amount_minor,
                     req.currency,
                     req.customer_id,
                     r.get<std::optional<std::string>>(8).value_or(""),
                     domain::brand_from_code(r.get<std::optional<std::string>>(9).value_or("")),
                     r.get<std::optional<std::string>>(10).value_or(""),
                     r.get<std::optional<std::int64_t>>(11).value_or(0)};
    return {id, std::move(req), std::move(c)};
  }
  GatewayError e{kind_from_code(r.get<std::optional<std::string>>(12).value_or("")),
                 r.get<std::optional<std::string>>(13).value_or(""),
                 r.get<std::optional<std::string>>(14).value_or(""),
                 r.get<std::optional<std::string>>(15).value_or("")};
  return {id, std::move(req), domain::failure(std::move(e))};
}

class DbSandboxStore final : public domain::SandboxStore {
 public:
  explicit DbSandboxStore(std::shared_ptr<ts::db::Pool> db) : db_(std::move(db)) {}

  void add_customer(const domain::Customer& customer) override {
    db_->query("INSERT INTO shop_sandbox_customers (id, email, created_at) VALUES ($1, $2, $3)",
               {customer.id, customer.email, now_text()});
  }

  std::optional<std::vector<SandboxCard>> customer_cards(std::string_view customer_id) override {
    // One statement: the customer's row with each card (or none).
    static const std::string sql =
        std::string(kCustomerWithCards) + "WHERE c.id = $1 ORDER BY k.attached_at, k.id";
    const auto r = db_->query(sql, {customer_id});
    if (r.empty()) return std::nullopt;
    std::vector<SandboxCard> cards;
    for (const auto& row : r)
      if (!row.is_null(0)) cards.push_back(card_from_row(row));
    return cards;
  }

  CardLookup customer_card(std::string_view customer_id, std::string_view card_id) override {
    // One row by the card's key; a customer without that card still gives one.
    static const std::string sql =
        std::string(kCustomerWithCards) + "AND k.id = $2 WHERE c.id = $1";
    const auto r = db_->query(sql, {customer_id, card_id});
    if (r.empty()) return {};
    if (r[0].is_null(0)) return {true, std::nullopt};
    return {true, card_from_row(r[0])};
  }

  bool remove_customer(std::string_view customer_id) override {
    auto lease = db_->acquire();
    ts::db::Transaction tx(*lease);
    tx.query("DELETE FROM shop_sandbox_cards WHERE customer_id = $1", {customer_id});
    const auto r = tx.query("DELETE FROM shop_sandbox_customers WHERE id = $1", {customer_id});
    tx.commit();
    return r.affected_rows() > 0;
  }

  void add_token(const std::string& token_id, const SandboxCard& c) override {
    const auto& k = c.card;
    db_->query(
        "INSERT INTO shop_sandbox_cards (id, token_id, customer_id, behaviour, brand, last4, "
        "exp_month, exp_year, name, address_city, address_country, address_state, address_zip, "
        "created_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        {k.id, token_id, domain::behaviour_code(c.behaviour), domain::brand_code(k.brand), k.last4,
         k.exp_month, k.exp_year, k.name, k.address.city, k.address.country, k.address.state,
         k.address.zip, now_text()});
  }

  std::optional<SandboxCard> attach_token(std::string_view customer_id,
                                          std::string_view token_id) override {
    // Single use across instances: only one UPDATE finds the token.
    const auto r = db_->query(
        "UPDATE shop_sandbox_cards SET customer_id = $1, token_id = NULL, attached_at = $2 "
        "WHERE token_id = $3 AND EXISTS (SELECT 1 FROM shop_sandbox_customers WHERE id = $1) "
        "RETURNING " +
            std::string(kCardColumns),
        {customer_id, now_text(), token_id});
    if (r.empty()) return std::nullopt;
    return card_from_row(r[0]);
  }

  bool update_card(const SandboxCard& c) override {
    const auto& k = c.card;
    const auto r = db_->query(
        "UPDATE shop_sandbox_cards SET exp_month = $1, exp_year = $2, name = $3, address_city = "
        "$4, address_country = $5, address_state = $6, address_zip = $7 WHERE id = $8 AND "
        "customer_id = $9",
        {k.exp_month, k.exp_year, k.name, k.address.city, k.address.country, k.address.state,
         k.address.zip, k.id, k.customer_id});
    return r.affected_rows() > 0;
  }

  bool remove_card(std::string_view customer_id, std::string_view card_id) override {
    const auto r = db_->query("DELETE FROM shop_sandbox_cards WHERE id = $1 AND customer_id = $2",
                              {card_id, customer_id});
    return r.affected_rows() > 0;
  }

  std::optional<SandboxChargeRecord> find_charge(std::string_view key) override {
    const auto r = db_->query("SELECT " + std::string(kChargeColumns) +
                                  " FROM shop_sandbox_charges WHERE idempotency_key = $1",
                              {key});
    if (r.empty()) return std::nullopt;
    return charge_from_row(r[0]);
  }

  SandboxChargeRecord record_charge(const SandboxChargeRecord& record) override {
    const auto& q = record.request;
    const std::optional<std::string> key =
        q.idempotency_key.empty() ? std::nullopt : std::optional(q.idempotency_key);
    ts::db::Params params{record.id,      key,        q.customer_id, q.card_id,
                          q.amount_minor, q.currency, q.description};
    if (record.result.ok()) {
      const auto& c = record.result.value();
      params.insert(params.end(), {"succeeded", c.card_id, domain::brand_code(c.brand), c.last4,
                                   c.created, nullptr, nullptr, nullptr, nullptr});
    } else {
      const auto& e = record.result.error();
      params.insert(params.end(), {"failed", nullptr, nullptr, nullptr, nullptr, kind_code(e.kind),
                                   e.code, e.message, e.param});
    }
    params.push_back(now_text());
    try {
      db_->query("INSERT INTO shop_sandbox_charges (" + std::string(kChargeColumns) +
                     ", recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                     "$13, $14, $15, $16, $17)",
                 params);
      return record;
    } catch (const ts::db::UniqueViolation&) {
      // Another attempt with this key (on any instance) was recorded first.
      if (!key) throw;
      if (auto first = find_charge(*key)) return *first;
      throw;
    }
  }

  std::vector<domain::Charge> charges() override {
    std::vector<domain::Charge> out;
    for (const auto& row : db_->query(
             "SELECT " + std::string(kChargeColumns) +
             " FROM shop_sandbox_charges WHERE status = 'succeeded' ORDER BY recorded_at, id"))
      out.push_back(charge_from_row(row).result.value());
    return out;
  }

 private:
  std::shared_ptr<ts::db::Pool> db_;
};

}  // namespace

std::shared_ptr<domain::SandboxStore> make_sandbox_store(std::shared_ptr<ts::db::Pool> db) {
  return std::make_shared<DbSandboxStore>(std::move(db));
}

}  // namespace shop::storage
