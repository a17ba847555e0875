#include "shop/service/products.hpp"

#include <filesystem>
#include <optional>

#include "shop/domain/errors.hpp"
#include "shop/domain/money.hpp"
#include "shop/domain/validation.hpp"
#include "shop/media/image.hpp"
#include "shop/media/store.hpp"

namespace shop::service {

using domain::Refusal;

namespace {

namespace msg {
constexpr std::string_view kNotAFile =
    "The submitted data was not a file. Check the encoding type on the form.";
constexpr std::string_view kInvalidImage =
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image.";
constexpr std::string_view kEmptyFile = "The submitted file is empty.";
}  // namespace msg

// Verifies an uploaded file; returns its format or adds the field error.
std::optional<media::ImageFormat> check_image_file(const ImageInput& image,
                                                   const Settings& settings,
                                                   domain::FieldErrors& errors) {
  if (image.bytes.empty()) {
    errors.add("image", std::string(msg::kEmptyFile));
    return std::nullopt;
  }
  if (image.bytes.size() > settings.max_image_bytes)
    throw Refusal(Refusal::Kind::too_large, "The image is larger than the limit of " +
                                                std::to_string(settings.max_image_bytes) +
                                                " bytes.");
  const auto header = media::read_header(image.bytes);
  if (!header) {
    errors.add("image", std::string(msg::kInvalidImage));
    return std::nullopt;
  }
  // From the header alone: decoding a few hundred kilobytes of a huge image
  // would allocate width × height × channels bytes first.
  const auto pixels = static_cast<std::int64_t>(header->width) * header->height;
  if (pixels > settings.max_image_pixels) {
    errors.add("image", "The image is " + std::to_string(header->width) + "x" +
                            std::to_string(header->height) + " pixels; at most " +
                            std::to_string(settings.max_image_pixels) +
                            " pixels (width times height) are accepted.");
    return std::nullopt;
  }
  if (!media::decodes(image.bytes, *header)) {
    errors.add("image", std::string(msg::kInvalidImage));
    return std::nullopt;
  }
  return header->format;
}

// The image of a create (`creating`) or an update: its format when a file is
// to be stored, nullopt when none is (or an error was added).
std::optional<media::ImageFormat> check_image(const ImageInput& image, const Settings& settings,
                                              bool creating, domain::FieldErrors& errors) {
  switch (image.kind) {
    case ImageInput::missing:
      errors.add("image", std::string(domain::msg::kRequired));
      break;
    case ImageInput::file:
      return check_image_file(image, settings, errors);
    case ImageInput::empty_file:
      break;  // a file input left empty: no image (create), the current one (update)
    case ImageInput::value:
      // A create takes null (no image); an update any falsy value (keep the image).
      if (creating ? !image.json.is_null() : !domain::is_falsy(image.json))
        errors.add("image", std::string(msg::kNotAFile));
      break;
  }
  return std::nullopt;
}

void apply(storage::Product& p, const domain::ProductFields& f) {
  p.name = f.name;
  p.description = f.description;
  p.price_cents = f.price.cents();
  p.stock = f.stock;
}

void remove_quietly(const std::string& dir, const std::string& name) {
  std::error_code ec;
  std::filesystem::remove(dir + "/" + name, ec);
}

// Removes a file we generated once no product refers to it any more (the
// original never deleted files; names we did not generate are left alone).
void drop_unused_image(Shop& shop, const std::optional<std::string>& name) {
  if (!name || !media::is_generated_name(*name)) return;
  if (!storage::image_in_use(*shop.db, *name)) remove_quietly(shop.settings.media_dir, *name);
}

}  // namespace

storage::Product create_product(Shop& shop, const ProductForm& form, const Committed& committed) {
  domain::FieldErrors errors;
  auto fields = domain::validate_product(form.fields);
  if (!fields) errors = fields.error();
  const auto format = check_image(form.image, shop.settings, true, errors);
  if (!errors.empty()) throw domain::InvalidProduct(std::move(errors));

  storage::Product p;
  apply(p, fields.value());
  if (format) p.image = media::save_image(shop.settings.media_dir, form.image.bytes, *format);
  try {
    p.id = storage::insert_product(*shop.db, p);
  } catch (...) {
    if (p.image) remove_quietly(shop.settings.media_dir, *p.image);
    throw;
  }
  committed();
  return p;
}

storage::Product update_product(Shop& shop, const storage::Product& current,
                                const ProductForm& form, const Committed& committed) {
  domain::FieldErrors errors;
  const domain::ProductFields now{current.name, current.description,
                                  domain::Money::from_cents(current.price_cents), current.stock};
  auto fields = domain::validate_product_update(form.fields, now);
  if (!fields) errors = fields.error();
  const auto format = check_image(form.image, shop.settings, false, errors);
  if (!errors.empty()) throw domain::InvalidProduct(std::move(errors));

  storage::Product p = current;
  apply(p, fields.value());
  if (format) p.image = media::save_image(shop.settings.media_dir, form.image.bytes, *format);
  bool updated = false;
  try {
    updated = storage::update_product(*shop.db, p);
  } catch (...) {
    if (format) remove_quietly(shop.settings.media_dir, *p.image);
    throw;
  }
  if (!updated) {  // deleted meanwhile
    if (format) remove_quietly(shop.settings.media_dir, *p.image);
    throw Refusal(Refusal::Kind::not_found, "Not found.");
  }
  committed();
  if (format && current.image != p.image) drop_unused_image(shop, current.image);
  return p;
}

void delete_product(Shop& shop, std::int64_t id, const Committed& committed) {
  auto current = storage::find_product(*shop.db, id);
  if (!current || !storage::delete_product(*shop.db, id))
    throw Refusal(Refusal::Kind::not_found, "Not found.");
  committed();
  drop_unused_image(shop, current->image);
}

}  // namespace shop::service
