#include "shop/payments/stripe_gateway.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "platform/auth/crypto.hpp"
#include "platform/core/text.hpp"

namespace shop::payments {
namespace {

using domain::GatewayError;
using Kind = GatewayError::Kind;
using Form = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  long status = 0;  // 0: no response (network)
  std::string body;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string encode(const Form& form) {
  std::string out;
  for (const auto& [k, v] : form) {
    if (!out.empty()) out.push_back('&');
    out += ts::core::percent_encode(k);
    out.push_back('=');
    out += ts::core::percent_encode(v);
  }
  return out;
}

std::string text(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t number(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_string()) {
    const auto n = domain::parse_card_int(v->get_string());
    return n ? *n : 0;
  }
  return 0;
}

domain::CardBrand brand_of(std::string name) {
  for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (name == "visa") return domain::CardBrand::visa;
  if (name == "mastercard") return domain::CardBrand::mastercard;
  if (name == "american express" || name == "amex") return domain::CardBrand::amex;
  if (name == "discover") return domain::CardBrand::discover;
  return domain::CardBrand::other;
}

domain::GatewayCard card_of(const boost::json::object& o) {
  domain::GatewayCard c;
  c.id = text(o, "id");
  c.customer_id = text(o, "customer");
  c.brand = brand_of(text(o, "brand"));
  c.last4 = text(o, "last4");
  c.exp_month = static_cast<int>(number(o, "exp_month"));
  c.exp_year = static_cast<int>(number(o, "exp_year"));
  c.name = text(o, "name");
  c.address = {text(o, "address_city"), text(o, "address_country"), text(o, "address_state"),
               text(o, "address_zip")};
  return c;
}

GatewayError unavailable(std::string code = "api_connection_error") {
  // The original's message for an unreachable processor.
  return {Kind::unavailable, std::move(code),
          "Network error, Failed to establish a new connection.", ""};
}

GatewayError error_of(const HttpResult& r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.body, ec);
  const boost::json::object* err = nullptr;
  if (!ec && v.is_object())
    if (const auto* e = v.as_object().if_contains("error"); e && e->is_object())
      err = &e->as_object();
  if (!err || r.status == 429 || r.status >= 500) return unavailable("api_error");
  const auto type = text(*err, "type");
  GatewayError out;
  out.code = text(*err, "code");
  out.message = text(*err, "message");
  out.param = text(*err, "param");
  if (type == "card_error" || r.status == 402) {
    out.kind = Kind::card;
    // Stripe says card_declined and puts the reason in decline_code.
    const auto decline = text(*err, "decline_code");
    if (out.code == "card_declined" && !decline.empty() && decline != "generic_decline")
      out.code = decline;
  } else if (type == "idempotency_error" || r.status == 409) {
    out.kind = Kind::idempotency;
  } else if (out.code == "resource_missing" || r.status == 404) {
    out.kind = Kind::not_found;
  } else if (r.status == 401 || r.status == 403) {
    // Our key is wrong: nothing the user can fix, and Stripe's text names the key.
    return {Kind::unavailable, "authentication_error", "The payment processor is unavailable.", ""};
  } else {
    out.kind = Kind::invalid_request;
  }
  if (out.message.empty()) out.message = "The payment processor refused the request.";
  if (out.code.empty()) out.code = type.empty() ? "invalid_request_error" : type;
  return out;
}

void add_optional(Form& form, const char* key, const std::optional<std::string>& v) {
  if (v && !v->empty()) form.emplace_back(key, *v);
}

class StripeGateway final : public domain::PaymentGateway {
 public:
  explicit StripeGateway(StripeOptions options) : options_(std::move(options)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    while (!options_.api_base.empty() && options_.api_base.back() == '/')
      options_.api_base.pop_back();
    if (options_.attempts < 1) options_.attempts = 1;
  }

  domain::GatewayResult<domain::CardToken> create_card_token(
      const domain::CardInput& card) override {
    Form form{{"card[number]", card.number},
              {"card[exp_month]", std::to_string(card.exp_month)},
              {"card[exp_year]", std::to_string(card.exp_year)}};
    if (card.cvc) form.emplace_back("card[cvc]", *card.cvc);
    if (!card.name.empty()) form.emplace_back("card[name]", card.name);
    add_optional(form, "card[address_city]", card.address.city);
    add_optional(form, "card[address_country]", card.address.country);
    add_optional(form, "card[address_state]", card.address.state);
    add_optional(form, "card[address_zip]", card.address.zip);
    auto r = call("POST", "/v1/tokens", form, "");
    if (!r) return domain::failure(r.error());
    const auto& o = r.value();
    const auto* c = o.if_contains("card");
    domain::CardToken token{text(o, "id"),
                            c && c->is_object() ? card_of(c->as_object()) : domain::GatewayCard{}};
    return token;
  }

  domain::GatewayResult<domain::Customer> create_customer(std::string_view email) override {
    auto r = call("POST", "/v1/customers",
                  {{"email", std::string(email)}, {"description", "tierstack shop customer"}}, "");
    if (!r) return domain::failure(r.error());
    return domain::Customer{text(r.value(), "id"), text(r.value(), "email")};
  }

  domain::GatewayResult<domain::GatewayCard> attach_card(std::string_view customer_id,
                                                         std::string_view token_id) override {
    auto r = call("POST", "/v1/customers/" + ts::core::percent_encode(customer_id) + "/sources",
                  {{"source", std::string(token_id)}}, "");
    if (!r) return domain::failure(r.error());
    return card_of(r.value());
  }

  domain::GatewayResult<domain::Charge> charge(const domain::ChargeRequest& req) override {
    Form form{{"amount", std::to_string(req.amount_minor)},
              {"currency", req.currency},
              {"customer", req.customer_id}};
    if (!req.card_id.empty()) form.emplace_back("source", req.card_id);
    if (!req.description.empty()) form.emplace_back("description", req.description);
    auto r = call("POST", "/v1/charges", form, req.idempotency_key);
    if (!r) return domain::failure(r.error());
    const auto& o = r.value();
    domain::Charge c;
    c.id = text(o, "id");
    c.amount_minor = number(o, "amount");
    c.currency = text(o, "currency");
    c.customer_id = text(o, "customer");
    c.created = number(o, "created");
    if (const auto* s = o.if_contains("source"); s && s->is_object()) {
      const auto card = card_of(s->as_object());
      c.card_id = card.id;
      c.brand = card.brand;
      c.last4 = card.last4;
    }
    if (c.card_id.empty()) c.card_id = req.card_id;
    return c;
  }

  domain::GatewayResult<domain::GatewayCard> retrieve_card(std::string_view customer_id,
                                                           std::string_view card_id) override {
    auto r = call("GET", source_path(customer_id, card_id), {}, "");
    if (!r) return domain::failure(r.error());
    return card_of(r.value());
  }

  domain::GatewayResult<domain::GatewayCard> update_card(std::string_view customer_id,
                                                         std::string_view card_id,
                                                         const domain::CardUpdate& u) override {
    Form form;
    if (u.exp_month) form.emplace_back("exp_month", std::to_string(*u.exp_month));
    if (u.exp_year) form.emplace_back("exp_year", std::to_string(*u.exp_year));
    add_optional(form, "name", u.name);
    add_optional(form, "address_city", u.address_city);
    add_optional(form, "address_country", u.address_country);
    add_optional(form, "address_state", u.address_state);
    add_optional(form, "address_zip", u.address_zip);
    auto r = call("POST", source_path(customer_id, card_id), form, "");
    if (!r) return domain::failure(r.error());
    return card_of(r.value());
  }

  domain::GatewayResult<domain::Done> delete_card(std::string_view customer_id,
                                                  std::string_view card_id) override {
    auto r = call("DELETE", source_path(customer_id, card_id), {}, "");
    if (!r) return domain::failure(r.error());
    return domain::Done{};
  }

  domain::GatewayResult<domain::Done> delete_customer(std::string_view customer_id) override {
    auto r = call("DELETE", "/v1/customers/" + ts::core::percent_encode(customer_id), {}, "");
    if (!r) return domain::failure(r.error());
    return domain::Done{};
  }

 private:
  static std::string source_path(std::string_view customer_id, std::string_view card_id) {
    return "/v1/customers/" + ts::core::percent_encode(customer_id) + "/sources/" +
           ts::core::percent_encode(card_id);
  }

  // One API call; POSTs always carry an Idempotency-Key (the caller's, or a
  // fresh one) so that the retry after a network failure is safe.
  domain::GatewayResult<boost::json::object> call(const std::string& method,
                                                  const std::string& path, const Form& form,
                                                  std::string idempotency_key) {
    if (method == "POST" && idempotency_key.empty())
      idempotency_key = "ts-" + ts::auth::random_hex(16);
    HttpResult r;
    for (int attempt = 0; attempt < options_.attempts; ++attempt) {
      r = perform(method, path, form, idempotency_key);
      if (r.status != 0 && r.status != 429 && r.status < 500) break;
    }
    if (r.status == 0) return domain::failure(unavailable());
    if (r.status < 200 || r.status >= 300) return domain::failure(error_of(r));
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) return domain::failure(unavailable("api_error"));
    // The object is a part of v, which a return without std::move would copy.
    // cppcheck-suppress returnStdMoveLocal
    return std::move(v.as_object());
  }

  HttpResult perform(const std::string& method, const std::string& path, const Form& form,
                     const std::string& idempotency_key) {
    HttpResult out;
    CURL* curl = curl_easy_init();
    if (!curl) return out;
    std::string url = options_.api_base + path;
    std::string body = encode(form);
    if (method != "POST" && !body.empty()) url += "?" + body;
    curl_slist* headers = nullptr;
    const std::string auth = "Authorization: Bearer " + options_.secret_key;
    headers = curl_slist_append(headers, auth.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    std::string key_header;
    if (method == "POST") {
      headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
      key_header = "Idempotency-Key: " + idempotency_key;
      headers = curl_slist_append(headers, key_header.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tierstack-shop/1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
    if (method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    } else if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (curl_easy_perform(curl) == CURLE_OK)
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    else
      out.status = 0;
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    // The form held the card number: do not leave it in freed memory longer than needed.
    std::fill(body.begin(), body.end(), '\0');
    return out;
  }

  StripeOptions options_;
};

}  // namespace

std::unique_ptr<domain::PaymentGateway> make_stripe_gateway(StripeOptions options) {
  if (options.secret_key.empty())
    throw std::invalid_argument("Stripe gateway: a secret key is required");
  return std::make_unique<StripeGateway>(std::move(options));
}

}  // namespace shop::payments
