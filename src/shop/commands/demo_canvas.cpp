#include "shop/commands/demo_canvas.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace shop::commands::demo {

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}
Rgb shade(const Rgb& c, double k) {  // k < 1 darker, k > 1 towards white
  if (k <= 1) return {c.r * k, c.g * k, c.b * k};
  return mix(c, {1, 1, 1}, k - 1);
}
Rgb gray(double v) {
  return {v, v, v};
}
Rgb hsv(double h, double s, double v) {
  h = std::fmod(h, 1.0) * 6.0;
  const int i = static_cast<int>(h) % 6;
  const double f = h - std::floor(h), p = v * (1 - s), q = v * (1 - s * f),
               t = v * (1 - s * (1 - f));
  switch (i) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}

// A distance field: negative inside the shape, in unit-square coordinates.
using Sdf = std::function<double(double, double)>;

Sdf circle(double cx, double cy, double r) {
  return [=](double x, double y) { return std::hypot(x - cx, y - cy) - r; };
}
// Axis-aligned box centred at (cx, cy) with half sizes (hw, hh), corner radius r.
Sdf box(double cx, double cy, double hw, double hh, double r) {
  return [=](double x, double y) {
    const double qx = std::abs(x - cx) - hw + r, qy = std::abs(y - cy) - hh + r;
    return std::hypot(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0) - r;
  };
}
// A capsule: the segment a–b thickened by r.
Sdf seg(double ax, double ay, double bx, double by, double r) {
  return [=](double x, double y) {
    const double px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
    const double t = std::clamp((px * dx + py * dy) / (dx * dx + dy * dy), 0.0, 1.0);
    return std::hypot(px - dx * t, py - dy * t) - r;
  };
}
// An ellipse (approximate distance; exact enough for a one-pixel edge).
Sdf ellipse(double cx, double cy, double rx, double ry) {
  return [=](double x, double y) {
    return (std::hypot((x - cx) / rx, (y - cy) / ry) - 1) * std::min(rx, ry);
  };
}
// A convex polygon, corners in clockwise order on screen (y down).
Sdf poly(std::vector<std::array<double, 2>> pts) {
  return [pts = std::move(pts)](double x, double y) {
    double d = -1e9;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const auto& a = pts[i];
      const auto& b = pts[(i + 1) % pts.size()];
      const double ex = b[0] - a[0], ey = b[1] - a[1], len = std::hypot(ex, ey);
      d = std::max(d, ((x - a[0]) * ey - (y - a[1]) * ex) / len);
    }
    return d;
  };
}
Sdf ring(Sdf s, double half_width) {
  return
      [s = std::move(s), half_width](double x, double y) { return std::abs(s(x, y)) - half_width; };
}
Sdf inter(Sdf a, Sdf b) {
  return [a = std::move(a), b = std::move(b)](double x, double y) {
    return std::max(a(x, y), b(x, y));
  };
}
Sdf cut(Sdf a, Sdf b) {
  return [a = std::move(a), b = std::move(b)](double x, double y) {
    return std::max(a(x, y), -b(x, y));
  };
}
Sdf above(double y0) {  // the half plane y < y0
  return [=](double, double y) { return y - y0; };
}
Sdf left_of(double x0) {
  return [=](double x, double) { return x - x0; };
}

std::string Canvas::png() const {
  std::vector<unsigned char> bytes(px_.size() * 3);
  for (std::size_t i = 0; i < px_.size(); ++i) {
    bytes[i * 3] = to8(px_[i].r);
    bytes[i * 3 + 1] = to8(px_[i].g);
    bytes[i * 3 + 2] = to8(px_[i].b);
  }
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                           static_cast<std::size_t>(size));
  };
  if (!stbi_write_png_to_func(sink, &out, kSize, kSize, 3, bytes.data(), kSize * 3))
    throw std::runtime_error("PNG encoding failed");
  return out;
}

}  // namespace shop::commands::demo
