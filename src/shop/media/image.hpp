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

// Neither side may exceed this (the decoders' own bound).
inline constexpr int kMaxSide = 16'384;

// The format and the dimensions the header declares (PNG IHDR, JPEG SOF, GIF
// logical screen, WebP VP8/VP8L/VP8X), read without decoding a pixel: what a
// caller checks against its pixel limit before decode() may allocate
// width × height × channels. nullopt when the bytes are none of the four
// formats or the header is unreadable.
std::optional<ImageInfo> read_header(std::string_view bytes);

// Decodes the whole image (first frame of a GIF; a still WebP) whose header
// read_header() returned: false when the bytes are not a complete, decodable
// image of that format, or a side exceeds kMaxSide.
bool decodes(std::string_view bytes, const ImageInfo& header);

}  // namespace shop::media
