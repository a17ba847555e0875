#pragma once
// Writing the catalogue: a product created or updated with its image (checked
// from its header, decoded once, stored under a generated name) and deleted,
// with the files no product uses any more removed. The api parses the
// request into a ProductForm and keeps the in-memory catalogue current
// through `committed`, called right after each write.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "shop/app.hpp"
#include "shop/storage/products.hpp"

namespace shop::service {

// What the client sent for "image".
struct ImageInput {
  enum Kind {
    missing,     // no such key
    file,        // a file part (bytes below)
    empty_file,  // a file input left empty: filename="" and no bytes
    value,       // a plain value (JSON or form text), never a file
  } kind = missing;
  std::string bytes;
  boost::json::value json;
};

struct ProductForm {
  boost::json::object fields;  // everything but the image, as the validators take it
  ImageInput image;
};

using Committed = std::function<void()>;

// Throws domain::InvalidProduct, or a Refusal (too_large) for an image above
// settings.max_image_bytes.
storage::Product create_product(Shop& shop, const ProductForm& form, const Committed& committed);
// `current` as read before the request body; Refusal not_found when it was
// deleted meanwhile.
storage::Product update_product(Shop& shop, const storage::Product& current,
                                const ProductForm& form, const Committed& committed);
// Refusal not_found when there is no such product.
void delete_product(Shop& shop, std::int64_t id, const Committed& committed);

}  // namespace shop::service
