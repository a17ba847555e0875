#include "shop/media/image.hpp"

#include <webp/decode.h>

#include <cstdint>
#include <cstring>

// stb_image for the three formats we accept, from memory only. Its own
// dimension guard backs up the pixel check below.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_GIF
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS 16384
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace shop::media {

std::string_view extension(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg:
      return "jpg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::gif:
      return "gif";
    case ImageFormat::webp:
      return "webp";
  }
  return "bin";
}

std::string_view content_type(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg:
      return "image/jpeg";
    case ImageFormat::png:
      return "image/png";
    case ImageFormat::gif:
      return "image/gif";
    case ImageFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::optional<ImageFormat> sniff(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return ImageFormat::jpeg;
  if (starts(std::string_view("\x89PNG\r\n\x1A\n", 8))) return ImageFormat::png;
  if (starts("GIF87a") || starts("GIF89a")) return ImageFormat::gif;
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::webp;
  return std::nullopt;
}

namespace {

bool pixels_ok(int w, int h) {
  return w > 0 && h > 0 && w <= kMaxSide && h <= kMaxSide &&
         static_cast<long long>(w) * h <= kMaxPixels;
}

std::optional<ImageInfo> verify_stb(std::string_view bytes, ImageFormat f) {
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &channels) || !pixels_ok(w, h)) return std::nullopt;
  stbi_uc* pixels = stbi_load_from_memory(data, len, &w, &h, &channels, 0);
  if (!pixels) return std::nullopt;
  stbi_image_free(pixels);
  return ImageInfo{f, w, h};
}

std::optional<ImageInfo> verify_webp(std::string_view bytes) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  int w = 0, h = 0;
  if (!WebPGetInfo(data, bytes.size(), &w, &h) || !pixels_ok(w, h)) return std::nullopt;
  std::uint8_t* pixels = WebPDecodeRGBA(data, bytes.size(), &w, &h);
  if (!pixels) return std::nullopt;
  WebPFree(pixels);
  return ImageInfo{ImageFormat::webp, w, h};
}

}  // namespace

std::optional<ImageInfo> verify_image(std::string_view bytes) {
  // The magic number picks the decoder; the decoder decides. stb would also
  // read BMP/PSD/TGA…, which the whitelist of decoders compiled in excludes.
  const auto f = sniff(bytes);
  if (!f) return std::nullopt;
  if (*f == ImageFormat::webp) return verify_webp(bytes);
  return verify_stb(bytes, *f);
}

}  // namespace shop::media
