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

bool sides_ok(const ImageInfo& info) {
  return info.width > 0 && info.height > 0 && info.width <= kMaxSide && info.height <= kMaxSide;
}

const stbi_uc* stb_data(std::string_view bytes) {
  return reinterpret_cast<const stbi_uc*>(bytes.data());
}

const std::uint8_t* webp_data(std::string_view bytes) {
  return reinterpret_cast<const std::uint8_t*>(bytes.data());
}

}  // namespace

std::optional<ImageInfo> read_header(std::string_view bytes) {
  // The magic number picks the decoder; only its header parser runs here.
  // stb would also read BMP/PSD/TGA…, which the decoders compiled in exclude.
  const auto f = sniff(bytes);
  if (!f || bytes.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;
  int w = 0, h = 0;
  if (*f == ImageFormat::webp) {
    if (!WebPGetInfo(webp_data(bytes), bytes.size(), &w, &h)) return std::nullopt;
  } else {
    int channels = 0;
    if (!stbi_info_from_memory(stb_data(bytes), static_cast<int>(bytes.size()), &w, &h, &channels))
      return std::nullopt;
  }
  return ImageInfo{*f, w, h};
}

bool decodes(std::string_view bytes, const ImageInfo& header) {
  if (!sides_ok(header) || bytes.size() > static_cast<std::size_t>(INT32_MAX)) return false;
  int w = 0, h = 0;
  if (header.format == ImageFormat::webp) {
    std::uint8_t* pixels = WebPDecodeRGBA(webp_data(bytes), bytes.size(), &w, &h);
    if (!pixels) return false;
    WebPFree(pixels);
  } else {
    int channels = 0;
    stbi_uc* pixels = stbi_load_from_memory(stb_data(bytes), static_cast<int>(bytes.size()), &w, &h,
                                            &channels, 0);
    if (!pixels) return false;
    stbi_image_free(pixels);
  }
  // The decoder read the same header; anything else is a file that lies.
  return w == header.width && h == header.height;
}

}  // namespace shop::media
