#pragma once
// Uploaded images: what a file really is, decided by decoding it (stb_image
// for JPEG, PNG and GIF; libwebp for WebP), never by its name or the
// Content-Type the client claimed.
#include <optional>
#include <string_view>

namespace shop::media {

enum class ImageFormat { jpeg, png, gif, webp };

std::string_view extension(ImageFormat f);     // "jpg", "png", "gif", "webp"
std::string_view content_type(ImageFormat f);  // "image/jpeg", …

// The format the leading bytes announce (magic numbers only, no decoding):
// enough to label a file we stored ourselves; never enough to accept an upload.
std::optional<ImageFormat> sniff(std::string_view bytes);

struct ImageInfo {
  ImageFormat format;
  int width = 0;
  int height = 0;
};

// Images larger than this many pixels are refused before decoding: a small
// compressed file can otherwise ask for gigabytes of memory.
inline constexpr long long kMaxPixels = 40'000'000;
inline constexpr int kMaxSide = 16'384;

// Decodes the whole image (first frame of a GIF; a still WebP). nullopt when
// the bytes are not a complete, decodable JPEG, PNG, GIF or WebP within the
// pixel limits.
std::optional<ImageInfo> verify_image(std::string_view bytes);

}  // namespace shop::media
