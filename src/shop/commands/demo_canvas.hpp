#pragma once
// Drawing for the demo catalogue's pictures (demo_images.cpp): colours,
// shapes as signed distance functions in a unit square, and a canvas that
// fills them with antialiased edges and encodes the result as PNG.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace shop::commands::demo {

constexpr int kSize = 400;  // pixels; shapes are drawn in a unit square

struct Rgb {
  double r, g, b;
};
Rgb mix(const Rgb& a, const Rgb& b, double t);
Rgb shade(const Rgb& c, double k);  // k < 1 darker, k > 1 towards white
Rgb gray(double v);
Rgb hsv(double h, double s, double v);

// A distance field: negative inside the shape, in unit-square coordinates.
using Sdf = std::function<double(double, double)>;

Sdf circle(double cx, double cy, double r);
// Axis-aligned box centred at (cx, cy) with half sizes (hw, hh), corner radius r.
Sdf box(double cx, double cy, double hw, double hh, double r = 0);
// A capsule: the segment a–b thickened by r.
Sdf seg(double ax, double ay, double bx, double by, double r);
// An ellipse (approximate distance; exact enough for a one-pixel edge).
Sdf ellipse(double cx, double cy, double rx, double ry);
// A convex polygon, corners in clockwise order on screen (y down).
Sdf poly(std::vector<std::array<double, 2>> pts);
Sdf ring(Sdf s, double half_width);
Sdf inter(Sdf a, Sdf b);
Sdf cut(Sdf a, Sdf b);
Sdf above(double y0);  // the half plane y < y0
Sdf left_of(double x0);

class Canvas {
 public:
  Canvas() : px_(static_cast<std::size_t>(kSize) * kSize) {}

  // Vertical gradient from top to bottom over the whole picture.
  void background(const Rgb& top, const Rgb& bottom) {
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) px_[idx(x, y)] = mix(top, bottom, y / double(kSize - 1));
  }
  // Fills a shape with a colour that runs from `top` at y0 to `bottom` at y1;
  // `soft` widens the edge (in pixels) for shadows and glows.
  void fill(const Sdf& s, const Rgb& top, const Rgb& bottom, double y0, double y1, double alpha = 1,
            double soft = 1) {
    for (int y = 0; y < kSize; ++y) {
      const double v = (y + 0.5) / kSize;
      const Rgb c = mix(top, bottom, std::clamp((v - y0) / std::max(y1 - y0, 1e-6), 0.0, 1.0));
      for (int x = 0; x < kSize; ++x) {
        const double d = s((x + 0.5) / kSize, v) * kSize;
        const double cover = std::clamp(0.5 - d / soft, 0.0, 1.0) * alpha;
        if (cover <= 0) continue;
        auto& p = px_[idx(x, y)];
        p = mix(p, c, cover);
      }
    }
  }
  void fill(const Sdf& s, const Rgb& c, double alpha = 1) { fill(s, c, c, 0, 1, alpha); }
  // Lighter at the top, darker at the bottom between y0 and y1: a hint of light.
  void lit(const Sdf& s, const Rgb& c, double y0, double y1) {
    fill(s, shade(c, 1.12), shade(c, 0.86), y0, y1);
  }
  void shadow(double cx, double cy, double rx, double ry) {
    fill(ellipse(cx, cy, rx, ry), gray(0), gray(0), 0, 1, 0.16, 18);
  }

  std::string png() const;

 private:
  static std::size_t idx(int x, int y) { return static_cast<std::size_t>(y) * kSize + x; }
  static unsigned char to8(double v) {
    return static_cast<unsigned char>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
  }
  std::vector<Rgb> px_;
};

}  // namespace shop::commands::demo
