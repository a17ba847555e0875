#pragma once
// The media directory: product images stored under names the server makes
// up, and served back at /images/<name> without ever letting a request name
// a file outside the directory.
#include <optional>
#include <string>
#include <string_view>

#include "platform/http/message.hpp"
#include "shop/media/image.hpp"

namespace shop::media {

// 32 lowercase hex characters (128 random bits) + "." + the format's extension.
std::string generate_name(ImageFormat f);
bool is_generated_name(std::string_view name);
// A name that may be served: a generated one, or a plain file name as the
// original store kept them ("laptop_W0rdEyw.jpg"): 1–100 characters of
// [A-Za-z0-9._-], not starting with a dot, no "..", ending in .jpg, .jpeg,
// .png, .gif or .webp. No separators, so never a path.
bool is_safe_name(std::string_view name);

// Writes bytes to <dir>/<generated name> (directory created if missing;
// written to a temporary file in the same directory, flushed, then renamed,
// so a reader never sees half a file). Returns the name.
std::string save_image(const std::string& dir, std::string_view bytes, ImageFormat f);
// Same, under a name the caller chose (seed data); the name must be safe.
void save_image_as(const std::string& dir, const std::string& name, std::string_view bytes);

// GET /images/{name}: the file's bytes with the Content-Type of its real
// format and a long Cache-Control for generated (immutable) names; an
// HttpError 404 {"detail":"Not found."} for anything else.
ts::http::Response serve_image(const std::string& dir, std::string_view name);

}  // namespace shop::media
