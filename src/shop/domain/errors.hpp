#pragma once
// The refusals a rule or a flow (src/shop/service) ends with. They say what
// went wrong in the store's terms; src/shop/api/errors.cpp is the one place
// that turns them into HTTP statuses and bodies.
#include <stdexcept>
#include <string>
#include <utility>

#include "shop/domain/field_errors.hpp"
#include "shop/domain/payment_gateway.hpp"

namespace shop::domain {

// A request the store will not act on, with a message for the user and, when
// the client may branch on it, a stable code.
struct Refusal : std::runtime_error {
  enum class Kind {
    invalid,      // the request is wrong (400)
    not_found,    // no such object, or not the caller's (404 "Not found.")
    in_progress,  // the same idempotent request is still running (409)
    reused_key,   // an idempotency key sent again with another request (422)
    too_large,    // an upload above the configured limit (413)
  };
  Refusal(Kind k, std::string message, std::string c = {})
      : std::runtime_error(message), kind(k), text(std::move(message)), code(std::move(c)) {}
  Kind kind;
  std::string text;
  std::string code;
};

// Field-by-field validation errors ({"field": ["message", …]}).
struct InvalidFields : std::runtime_error {
  explicit InvalidFields(FieldErrors e)
      : std::runtime_error("invalid fields"), errors(std::move(e)) {}
  InvalidFields(std::string_view field, std::string message) : InvalidFields(FieldErrors{}) {
    errors.add(field, std::move(message));
  }
  FieldErrors errors;
};

// A product's fields and image refused (the product views answer them
// under "detail": {"detail": {"field": ["message", …]}}).
struct InvalidProduct : InvalidFields {
  explicit InvalidProduct(FieldErrors e) : InvalidFields(std::move(e)) {}
};

// The payment processor said no. `paying`: it happened while paying for an
// order, where a refused card is "payment required" rather than a bad request.
struct GatewayFailure : std::runtime_error {
  GatewayFailure(GatewayError e, bool pay)
      : std::runtime_error(e.message), error(std::move(e)), paying(pay) {}
  GatewayError error;
  bool paying;
};

}  // namespace shop::domain
