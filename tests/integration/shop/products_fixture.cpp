#include "products_fixture.hpp"

#include <chrono>

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

}  // namespace prod_test
