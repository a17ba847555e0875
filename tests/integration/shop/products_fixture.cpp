#include "products_fixture.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "platform/auth/jwt.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace prod_test {

std::shared_ptr<ts::db::Pool> open_pool(const std::string& url) {
  return ts::db::Pool::open(url, {.max_size = 2});
}

Account make_account(ts::db::Pool& db, const std::string& username, bool staff) {
  Account a;
  a.id = db.query(
               "INSERT INTO shop_users (username, email, password_hash, is_staff, is_active, "
               "is_superuser, date_joined) VALUES ($1, $2, '', $3, 1, 0, "
               "'2024-01-01T00:00:00.000000Z') RETURNING id",
               {username, username + "@example.com", staff ? 1 : 0})
             .scalar<std::int64_t>();
  a.token = ts::auth::TokenSigner(shop_test::kSecret)
                .issue("access", {{"user_id", a.id}}, std::chrono::minutes(15));
  return a;
}

std::int64_t insert_product(ts::db::Pool& db, const std::string& name,
                            const std::string& description, std::int64_t cents, bool stock,
                            const std::string& image) {
  return db
      .query(
          "INSERT INTO shop_products (name, description, price_cents, stock, image, created_at) "
          "VALUES ($1, $2, $3, $4, $5, '2024-01-01T00:00:00.000000Z') RETURNING id",
          {name, description, cents, stock ? 1 : 0,
           image.empty() ? ts::db::Value() : ts::db::Value(image)})
      .scalar<std::int64_t>();
}

std::string multipart(const std::vector<Part>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += "--" + std::string(kBoundary) + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + p.name + "\"";
    if (p.file) {
      out += "; filename=\"" + p.filename + "\"\r\nContent-Type: " + p.content_type;
    }
    out += "\r\n\r\n" + p.value + "\r\n";
  }
  out += "--" + std::string(kBoundary) + "--\r\n";
  return out;
}

ts::test::HttpResponse send_form(ShopServer& srv, const std::string& method,
                                 const std::string& target, const std::vector<Part>& parts,
                                 const std::string& token) {
  return srv.send(method, target, multipart(parts),
                  {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}},
                  token);
}

namespace {
void append(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                         static_cast<std::size_t>(size));
}
std::vector<unsigned char> pixels(int w, int h, unsigned seed) {
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  // xorshift noise: incompressible, so byte sizes are predictable.
  std::uint32_t x = 2463534242u ^ seed;
  for (auto& b : px) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<unsigned char>(x >> 24);
  }
  return px;
}
}  // namespace

std::string png_bytes(int w, int h, unsigned seed) {
  std::string out;
  const auto px = pixels(w, h, seed);
  stbi_write_png_to_func(append, &out, w, h, 3, px.data(), w * 3);
  return out;
}

std::string jpeg_bytes(int w, int h) {
  std::string out;
  const auto px = pixels(w, h, 3);
  stbi_write_jpg_to_func(append, &out, w, h, 3, px.data(), 90);
  return out;
}

std::string gif_bytes() {
  // The classic 1×1 GIF89a (white pixel, transparent colour index).
  static const unsigned char gif[] = {
      'G',  'I',  'F',  '8',  '9',  'a',  0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF,
      0xFF, 0x00, 0x00, 0x00, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B};
  return std::string(reinterpret_cast<const char*>(gif), sizeof gif);
}

namespace {

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void chunk(std::string& png, std::string_view type, std::string_view data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  std::string typed(type);
  typed += data;
  png += typed;
  put32(png, crc32(typed));
}

std::string png_start(int w, int h) {
  std::string png("\x89PNG\r\n\x1A\n", 8);
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(w));
  put32(ihdr, static_cast<std::uint32_t>(h));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace
  chunk(png, "IHDR", ihdr);
  return png;
}

// Deflate's bit order: fields LSB first, Huffman codes MSB first (RFC 1951).
class Bits {
 public:
  void field(std::uint32_t value, int count) {
    for (int i = 0; i < count; ++i) put((value >> i) & 1u);
  }
  void code(std::uint32_t value, int length) {
    for (int i = length - 1; i >= 0; --i) put((value >> i) & 1u);
  }
  std::string finish() {
    if (used_ > 0) out_.push_back(static_cast<char>(acc_));
    return std::move(out_);
  }

 private:
  void put(std::uint32_t bit) {
    acc_ |= bit << used_;
    if (++used_ == 8) {
      out_.push_back(static_cast<char>(acc_));
      acc_ = 0;
      used_ = 0;
    }
  }
  std::string out_;
  std::uint32_t acc_ = 0;
  int used_ = 0;
};

}  // namespace

std::string black_png(int w, int h) {
  // Every scanline is filter byte 0 and 3w zero bytes: the whole stream is
  // zeros. One fixed-Huffman block: a literal 0, then copies of 258 bytes at
  // distance 1 (13 bits each), literal zeros for the rest.
  const std::uint64_t total =
      static_cast<std::uint64_t>(h) * (1 + 3 * static_cast<std::uint64_t>(w));
  Bits bits;
  bits.field(1, 1);  // BFINAL
  bits.field(1, 2);  // BTYPE 01: fixed Huffman codes
  std::uint64_t left = total;
  bits.code(0x30, 8);  // literal 0
  --left;
  for (; left >= 258; left -= 258) {
    bits.code(0xC5, 8);  // length symbol 285: 258 bytes
    bits.code(0, 5);     // distance code 0: distance 1
  }
  for (; left > 0; --left) bits.code(0x30, 8);
  bits.code(0, 7);  // end of block (256)
  std::string zlib("\x78\x01", 2);
  zlib += bits.finish();
  // Adler-32 of zeros: a stays 1, b adds 1 per byte.
  put32(zlib, static_cast<std::uint32_t>((total % 65521) << 16 | 1));

  auto png = png_start(w, h);
  chunk(png, "IDAT", zlib);
  chunk(png, "IEND", "");
  return png;
}

std::string png_header_only(int w, int h) {
  auto png = png_start(w, h);
  chunk(png, "IEND", "");
  return png;
}

}  // namespace prod_test
