#include "microblog/domain/images.hpp"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace microblog::domain {
namespace {

std::array<unsigned char, 32> sha256(const std::string& data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    throw std::runtime_error("identicon: OpenSSL digest failed");
  return out;
}

// #rrggbb of an HSL colour (h in degrees, s and l in 0..1).
std::string hsl_hex(double h, double s, double l) {
  const double c = (1 - std::fabs(2 * l - 1)) * s;
  const double hp = h / 60.0;
  const double x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  if (hp < 1) {
    r = c, g = x;
  } else if (hp < 2) {
    r = x, g = c;
  } else if (hp < 3) {
    g = c, b = x;
  } else if (hp < 4) {
    g = x, b = c;
  } else if (hp < 5) {
    r = x, b = c;
  } else {
    r = c, b = x;
  }
  const double m = l - c / 2;
  auto byte = [m](double v) { return static_cast<int>(std::lround((v + m) * 255)); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buf;
}

void put16(std::string& out, unsigned v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

std::string make_favicon() {
  constexpr int n = 32;
  // The letter, 12×12 cells drawn 2 pixels each in the middle 24×24.
  static const char* const glyph[12] = {"XX........XX", "XXX......XXX", "XXXX....XXXX",
                                        "XX.XX..XX.XX", "XX..XXXX..XX", "XX...XX...XX",
                                        "XX........XX", "XX........XX", "XX........XX",
                                        "XX........XX", "XX........XX", "XX........XX"};
  auto inside_rounded = [](int x, int y) {
    constexpr int r = 6;  // corner radius
    const int cx = x < r ? r : (x >= n - r ? n - r - 1 : x);
    const int cy = y < r ? r : (y >= n - r ? n - r - 1 : y);
    const int dx = x - cx, dy = y - cy;
    return dx * dx + dy * dy <= r * r;
  };
  std::string out;
  // ICONDIR and its one ICONDIRENTRY.
  constexpr std::uint32_t image_bytes = 40 + n * n * 4 + n * 4;
  put16(out, 0);
  put16(out, 1);  // type: icon
  put16(out, 1);  // one image
  out += static_cast<char>(n);
  out += static_cast<char>(n);
  out += '\0';  // no palette
  out += '\0';
  put16(out, 1);   // planes
  put16(out, 32);  // bits per pixel
  put32(out, image_bytes);
  put32(out, 22);  // the image follows the 6 + 16 header bytes
  // BITMAPINFOHEADER: the height counts the colour rows and the mask rows.
  put32(out, 40);
  put32(out, n);
  put32(out, 2 * n);
  put16(out, 1);
  put16(out, 32);
  for (int i = 0; i < 6; ++i) put32(out, 0);  // BI_RGB, sizes and palette unused
  // Pixels bottom-up, BGRA; the alpha channel does the shape, so the AND
  // mask after them stays all zero.
  for (int y = n - 1; y >= 0; --y) {
    for (int x = 0; x < n; ++x) {
      // Cells of the glyph; negative or past 11 outside it.
      const int gx = x < 4 ? -1 : (x - 4) / 2, gy = y < 4 ? -1 : (y - 4) / 2;
      const bool letter = gx >= 0 && gy >= 0 && gx < 12 && gy < 12 && glyph[gy][gx] == 'X';
      if (!inside_rounded(x, y)) {
        put32(out, 0);
      } else if (letter) {
        put32(out, 0xffffffffu);
      } else {
        put32(out, 0xff0d6efdu);  // Bootstrap's primary blue, as ARGB
      }
    }
  }
  out.append(static_cast<std::size_t>(n) * 4, '\0');
  return out;
}

}  // namespace

std::string identicon_svg(std::int64_t user_id, int size) {
  // A fixed prefix so the pictures do not follow from a bare hash of a number.
  const auto h = sha256("microblog-identicon:" + std::to_string(user_id));
  const double hue = static_cast<double>((h[0] << 8 | h[1]) % 360);
  const double sat = 0.45 + (h[2] % 30) / 100.0;
  const double light = 0.40 + (h[3] % 20) / 100.0;
  const std::string colour = hsl_hex(hue, sat, light);
  bool cell[5][5] = {};
  bool any = false;
  for (int row = 0; row < 5; ++row)
    for (int col = 0; col < 3; ++col) {
      const bool on = (h[4 + row * 3 + col] & 1) != 0;
      cell[row][col] = cell[row][4 - col] = on;
      any = any || on;
    }
  if (!any) cell[2][2] = true;  // never an empty picture
  const std::string s = std::to_string(size);
  std::string out;
  out.reserve(900);
  out += R"(<svg xmlns="http://www.w3.org/2000/svg" width=")" + s + R"(" height=")" + s +
         R"(" viewBox="-1 -1 7 7" shape-rendering="crispEdges">)";
  out += R"(<rect x="-1" y="-1" width="7" height="7" fill="#f0f0f0"/><path fill=")" + colour +
         R"(" d=")";
  for (int row = 0; row < 5; ++row)
    for (int col = 0; col < 5; ++col)
      if (cell[row][col]) out += "M" + std::to_string(col) + " " + std::to_string(row) + "h1v1h-1z";
  out += R"("/></svg>)";
  out += '\n';
  return out;
}

const std::string& favicon_ico() {
  static const std::string ico = make_favicon();
  return ico;
}

}  // namespace microblog::domain
