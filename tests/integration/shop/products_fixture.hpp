#pragma once
// Helpers for the product, media and seed tests: accounts made straight in
// the database with a minted access token (so these tests do not depend on
// the login endpoints), multipart bodies, and real image bytes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/db/pool.hpp"
#include "shop_fixture.hpp"

namespace prod_test {

using shop_test::ShopServer;

struct Account {
  std::int64_t id = 0;
  std::string token;
};

std::shared_ptr<ts::db::Pool> open_pool(const std::string& url);
// A user row (staff or not) and a 15-minute access token for it.
Account make_account(ts::db::Pool& db, const std::string& username, bool staff);
std::int64_t insert_product(ts::db::Pool& db, const std::string& name,
                            const std::string& description, std::int64_t cents, bool stock,
                            const std::string& image = "");

struct Part {
  std::string name;
  std::string value;
  std::string filename;  // non-empty: a file part
  std::string content_type = "application/octet-stream";
  bool file = false;
};
inline Part field(std::string name, std::string value) {
  return {std::move(name), std::move(value)};
}
inline Part file(std::string name, std::string filename, std::string bytes,
                 std::string type = "application/octet-stream") {
  return {std::move(name), std::move(bytes), std::move(filename), std::move(type), true};
}

inline const char* kBoundary = "----tierstackTestBoundary7MA4YWxkTrZu0gW";
std::string multipart(const std::vector<Part>& parts);
// A multipart request; returns the response.
ts::test::HttpResponse send_form(ShopServer& srv, const std::string& method,
                                 const std::string& target, const std::vector<Part>& parts,
                                 const std::string& token);

// Encoded test images (stb_image_write; a fixed 1×1 GIF).
std::string png_bytes(int w, int h, unsigned seed = 1);
std::string jpeg_bytes(int w, int h);
std::string gif_bytes();
// A complete RGB PNG of w×h black pixels, small however large w×h is
// (zlib-compressed runs of zeros): what a decompression bomb looks like.
std::string black_png(int w, int h);
// Only the signature, IHDR (w×h, RGB) and IEND: a header that no pixels follow.
std::string png_header_only(int w, int h);

}  // namespace prod_test
