// The product drawings of the demo catalogue (see demo_images.cpp): each a
// few filled shapes on the canvas, in the product's accent colour.
#include "shop/commands/demo_drawings.hpp"

#include <array>
#include <cmath>

namespace shop::commands::demo {
namespace {

const Rgb kBlack = gray(0.12), kDark = gray(0.22), kSilver = gray(0.80), kWhite = gray(0.96);
const Rgb kGlass = {0.20, 0.35, 0.55};

// A lens seen from the front: barrel, glass and a highlight.
void lens(Canvas& c, double x, double y, double r) {
  c.fill(circle(x, y, r), kDark);
  c.fill(circle(x, y, r * 0.78), kBlack);
  c.fill(circle(x, y, r * 0.5), shade(kGlass, 1.1), shade(kGlass, 0.6), y - r * 0.5, y + r * 0.5);
  c.fill(circle(x - r * 0.18, y - r * 0.18, r * 0.14), kWhite, 0.7);
}

// A screen with a soft wallpaper in the accent colour.
void display(Canvas& c, const Sdf& area, double y0, double y1, const Rgb& accent) {
  c.fill(area, shade(accent, 1.35), shade(accent, 0.55), y0, y1);
  c.fill(inter(area, circle(0.62, y0 + (y1 - y0) * 0.3, (y1 - y0) * 0.55)), shade(accent, 1.6),
         0.35);
}

void laptop(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.72, 0.42, 0.03);
  c.fill(box(0.5, 0.40, 0.30, 0.21, 0.02), kDark);
  display(c, box(0.5, 0.40, 0.275, 0.185, 0.006), 0.22, 0.58, a);
  c.lit(poly({{0.15, 0.615}, {0.85, 0.615}, {0.94, 0.70}, {0.06, 0.70}}), kSilver, 0.61, 0.70);
  c.fill(box(0.5, 0.705, 0.44, 0.008, 0.006), shade(kSilver, 0.7));
  c.fill(box(0.5, 0.625, 0.06, 0.006, 0.004), shade(kSilver, 0.75));
}

void console(Canvas& c, const Rgb& a, bool tower) {
  c.shadow(0.5, 0.82, 0.26, 0.03);
  if (tower) {  // a black block with a vented top
    c.lit(box(0.5, 0.49, 0.16, 0.32, 0.02), kBlack, 0.17, 0.81);
    c.fill(ellipse(0.5, 0.20, 0.12, 0.025), gray(0.05));
    c.fill(ring(ellipse(0.5, 0.20, 0.12, 0.025), 0.003), a);
    c.fill(circle(0.40, 0.30, 0.012), kWhite, 0.8);
    return;
  }
  // A black core between two white curved panels, and a blue light.
  c.fill(box(0.5, 0.48, 0.06, 0.30, 0.03), kBlack);
  for (const auto& panel : {poly({{0.30, 0.14}, {0.45, 0.18}, {0.45, 0.79}, {0.33, 0.81}}),
                            poly({{0.55, 0.18}, {0.70, 0.14}, {0.67, 0.81}, {0.55, 0.79}})}) {
    c.lit(panel, kWhite, 0.1, 0.8);
    c.fill(ring(panel, 0.003), gray(0.72));  // white on a pale background needs an edge
  }
  c.fill(seg(0.455, 0.20, 0.455, 0.77, 0.004), a);
  c.fill(seg(0.545, 0.20, 0.545, 0.77, 0.004), a);
}

void headphones(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.80, 0.30, 0.03);
  c.fill(inter(ring(circle(0.5, 0.48, 0.26), 0.022), above(0.50)), kDark);
  c.fill(inter(ring(circle(0.5, 0.48, 0.25), 0.018), above(0.34)), a);
  for (double x : {0.24, 0.76}) {
    const double s = x < 0.5 ? 1 : -1;
    c.fill(seg(x, 0.48, x, 0.56, 0.012), kSilver);
    c.lit(box(x, 0.64, 0.075, 0.13, 0.065), a, 0.51, 0.77);
    c.fill(box(x + s * 0.045, 0.64, 0.035, 0.11, 0.035), shade(a, 0.55));
  }
}

void chair(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.86, 0.27, 0.03);
  for (double x : {0.26, 0.74}) c.fill(seg(0.5, 0.79, x, 0.835, 0.014), kDark);
  c.fill(seg(0.5, 0.79, 0.5, 0.85, 0.014), kDark);
  for (double x : {0.26, 0.5, 0.74}) c.fill(circle(x, 0.855, 0.022), kBlack);
  c.fill(box(0.5, 0.70, 0.02, 0.09, 0.006), kSilver);
  c.lit(box(0.5, 0.31, 0.16, 0.19, 0.08), a, 0.12, 0.50);
  c.fill(box(0.5, 0.26, 0.10, 0.10, 0.05), shade(a, 1.15), 0.5);
  for (double x : {0.30, 0.70}) {
    c.fill(seg(x, 0.50, x, 0.58, 0.012), kDark);
    c.fill(seg(x - 0.03, 0.50, x + 0.03, 0.50, 0.014), kDark);
  }
  c.lit(box(0.5, 0.59, 0.20, 0.05, 0.045), a, 0.54, 0.64);
}

void watch(Canvas& c, const Rgb& a, bool band) {
  c.shadow(0.5, 0.92, 0.16, 0.02);
  const double hw = band ? 0.09 : 0.15, hh = band ? 0.16 : 0.18;
  c.fill(box(0.5, 0.5, band ? 0.07 : 0.095, 0.42, 0.04), a);
  c.lit(box(0.5, 0.5, hw, hh, band ? 0.05 : 0.055), kDark, 0.3, 0.7);
  c.fill(box(0.5, 0.5, hw - 0.02, hh - 0.02, band ? 0.035 : 0.04), gray(0.03));
  if (band) {
    c.fill(box(0.5, 0.44, 0.035, 0.016, 0.006), kWhite);
    c.fill(box(0.5, 0.50, 0.05, 0.012, 0.006), a);
    c.fill(box(0.49, 0.55, 0.025, 0.008, 0.004), gray(0.6));
    return;
  }
  const Rgb rings[] = {{0.98, 0.18, 0.33}, {0.55, 0.95, 0.25}, {0.25, 0.85, 0.95}};
  for (int i = 0; i < 3; ++i) {
    const double r = 0.085 - i * 0.024;
    c.fill(ring(circle(0.5, 0.5, r), 0.009), shade(rings[i], 0.35));
    c.fill(inter(ring(circle(0.5, 0.5, r), 0.009),
                 poly({{0.5, 0.3}, {0.7, 0.3}, {0.7, 0.7}, {0.3, 0.7}, {0.3, 0.5}, {0.5, 0.5}})),
           rings[i]);
  }
  c.fill(box(0.66, 0.45, 0.012, 0.03, 0.008), kSilver);
}

void game_box(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.84, 0.25, 0.025);
  c.lit(box(0.5, 0.5, 0.23, 0.31, 0.012), {0.08, 0.25, 0.65}, 0.19, 0.81);
  c.fill(box(0.5, 0.225, 0.21, 0.025, 0.004), kWhite);
  c.fill(box(0.34, 0.225, 0.035, 0.012, 0.003), {0.08, 0.25, 0.65});
  const auto art = box(0.5, 0.54, 0.21, 0.245, 0.004);
  c.fill(art, shade(a, 1.3), hsv(0.75, 0.6, 0.35), 0.30, 0.78);
  c.fill(inter(art, circle(0.62, 0.46, 0.06)), {1.0, 0.85, 0.55});
  c.fill(inter(art, poly({{0.29, 0.72}, {0.42, 0.50}, {0.55, 0.72}})), gray(0.15));
  c.fill(inter(art, poly({{0.42, 0.78}, {0.60, 0.56}, {0.74, 0.78}})), gray(0.08));
  c.fill(inter(art, box(0.5, 0.74, 0.3, 0.04)), gray(0.05));
  c.fill(box(0.5, 0.36, 0.15, 0.018, 0.004), kWhite, 0.9);
}

enum class Slate { phone, tablet, reader, handheld };
void slate(Canvas& c, const Rgb& a, Slate kind) {
  switch (kind) {
    case Slate::phone:
      c.shadow(0.5, 0.84, 0.16, 0.02);
      c.lit(box(0.5, 0.5, 0.145, 0.305, 0.045), kBlack, 0.2, 0.8);
      display(c, box(0.5, 0.5, 0.13, 0.29, 0.035), 0.21, 0.79, a);
      c.fill(circle(0.5, 0.235, 0.008), gray(0.02));
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 5; ++j)
          c.fill(box(0.42 + i * 0.053, 0.30 + j * 0.065, 0.016, 0.016, 0.006), kWhite, 0.55);
      return;
    case Slate::tablet:
      c.shadow(0.5, 0.86, 0.26, 0.02);
      c.lit(box(0.5, 0.5, 0.26, 0.34, 0.035), kSilver, 0.16, 0.84);
      c.fill(box(0.5, 0.5, 0.245, 0.325, 0.028), kBlack);
      display(c, box(0.5, 0.5, 0.23, 0.31, 0.012), 0.19, 0.81, a);
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 6; ++j)
          c.fill(box(0.34 + i * 0.08, 0.27 + j * 0.075, 0.023, 0.023, 0.008), kWhite, 0.5);
      return;
    case Slate::reader: {
      c.shadow(0.5, 0.85, 0.23, 0.02);
      c.lit(box(0.5, 0.5, 0.225, 0.32, 0.028), kBlack, 0.18, 0.82);
      c.fill(box(0.5, 0.47, 0.19, 0.26, 0.004), {0.93, 0.92, 0.88});
      // Lines of text of varying length, a paragraph break every few lines.
      for (int i = 0; i < 13; ++i) {
        if (i % 5 == 4) continue;
        const double len = 0.26 + 0.06 * std::sin(i * 1.7 + a.r * 3);
        c.fill(seg(0.34, 0.26 + i * 0.033, 0.34 + len, 0.26 + i * 0.033, 0.006), gray(0.35));
      }
      c.fill(box(0.5, 0.775, 0.03, 0.006, 0.004), gray(0.3));
      return;
    }
    case Slate::handheld: {
      c.shadow(0.5, 0.72, 0.36, 0.025);
      c.fill(box(0.5, 0.5, 0.22, 0.16, 0.012), kBlack);
      display(c, box(0.5, 0.5, 0.19, 0.13, 0.004), 0.37, 0.63, a);
      const Rgb blue{0.0, 0.68, 0.86}, red{1.0, 0.33, 0.32};
      c.lit(inter(box(0.235, 0.5, 0.075, 0.16, 0.06), left_of(0.28)), blue, 0.34, 0.66);
      c.lit(cut(box(0.765, 0.5, 0.075, 0.16, 0.06), left_of(0.72)), red, 0.34, 0.66);
      c.fill(circle(0.245, 0.44, 0.022), kBlack);
      c.fill(circle(0.755, 0.56, 0.022), kBlack);
      for (int i = 0; i < 4; ++i) {
        const double ang = i * 1.5707963;
        c.fill(circle(0.245 + 0.022 * std::cos(ang), 0.57 + 0.022 * std::sin(ang), 0.008), kBlack);
        c.fill(circle(0.755 + 0.022 * std::cos(ang), 0.43 + 0.022 * std::sin(ang), 0.008), kBlack);
      }
      return;
    }
  }
}

void dslr(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.76, 0.33, 0.03);
  c.lit(poly({{0.40, 0.31}, {0.60, 0.31}, {0.65, 0.40}, {0.35, 0.40}}), kDark, 0.3, 0.4);
  c.lit(box(0.5, 0.55, 0.31, 0.17, 0.04), kDark, 0.38, 0.72);
  c.fill(box(0.245, 0.56, 0.07, 0.16, 0.05), kBlack);
  c.fill(box(0.29, 0.37, 0.04, 0.012, 0.006), kBlack);
  lens(c, 0.55, 0.57, 0.15);
  c.fill(circle(0.73, 0.44, 0.012), {0.9, 0.15, 0.15});
  c.fill(box(0.5, 0.345, 0.05, 0.014, 0.004), a);
}

void action_cam(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.72, 0.24, 0.025);
  c.lit(box(0.5, 0.52, 0.21, 0.16, 0.035), kBlack, 0.36, 0.68);
  c.fill(box(0.39, 0.52, 0.085, 0.085, 0.02), kDark);
  lens(c, 0.39, 0.52, 0.06);
  c.fill(box(0.62, 0.47, 0.06, 0.055, 0.008), mix(a, gray(0.2), 0.6));
  c.fill(box(0.62, 0.60, 0.06, 0.012, 0.004), gray(0.35));
  c.fill(box(0.62, 0.355, 0.04, 0.008, 0.004), a);
}

void monitor(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.82, 0.2, 0.02);
  c.fill(box(0.5, 0.80, 0.13, 0.014, 0.012), kSilver);
  c.lit(box(0.5, 0.70, 0.03, 0.10, 0.006), kSilver, 0.6, 0.8);
  c.fill(box(0.5, 0.40, 0.38, 0.23, 0.012), kBlack);
  display(c, box(0.5, 0.395, 0.365, 0.215, 0.004), 0.18, 0.61, a);
  c.fill(box(0.5, 0.615, 0.38, 0.015, 0.006), kDark);
}

void keyboard(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.70, 0.42, 0.03);
  c.lit(box(0.5, 0.55, 0.41, 0.15, 0.02), kDark, 0.4, 0.7);
  const double kw = 0.75 / 14;
  for (int row = 0; row < 5; ++row) {
    const double y = 0.44 + row * 0.055;
    if (row == 4) {
      c.fill(box(0.5, y, 0.17, 0.022, 0.006), gray(0.88));
      continue;
    }
    for (int k = 0; k < 14; ++k) {
      const Rgb key = (row == 0 && k == 0) ? a : gray(0.88);
      c.fill(box(0.5 - 0.375 + kw * (k + 0.5), y, kw / 2 - 0.005, 0.022, 0.006), key);
    }
  }
}

void smart_speaker(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.70, 0.30, 0.03);
  c.fill(box(0.5, 0.56, 0.25, 0.07, 0.0), shade(kDark, 1.2), kBlack, 0.5, 0.66);
  c.fill(ellipse(0.5, 0.63, 0.25, 0.07), kBlack);
  c.fill(box(0.5, 0.56, 0.25, 0.07, 0.0), shade(kDark, 1.2), kBlack, 0.5, 0.66);
  c.fill(ellipse(0.5, 0.49, 0.25, 0.07), gray(0.32));
  c.fill(ring(ellipse(0.5, 0.49, 0.235, 0.062), 0.005), a);
  for (int i = 0; i < 4; ++i)
    c.fill(circle(0.5 + 0.1 * std::cos(i * 1.5708 + 0.785),
                  0.49 + 0.035 * std::sin(i * 1.5708 + 0.785), 0.012),
           kBlack);
}

void tube_speaker(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.72, 0.34, 0.03);
  const auto body = seg(0.25, 0.53, 0.75, 0.53, 0.14);
  c.lit(body, a, 0.39, 0.67);
  for (int i = 0; i < 30; ++i)
    c.fill(inter(body, seg(0.17 + i * 0.022, 0.3, 0.17 + i * 0.022, 0.8, 0.002)), gray(0), 0.12);
  c.fill(ellipse(0.17, 0.53, 0.03, 0.12), shade(a, 0.6));
  c.fill(ellipse(0.83, 0.53, 0.03, 0.12), shade(a, 0.6));
  c.fill(box(0.5, 0.53, 0.07, 0.03, 0.01), kWhite);
  c.fill(box(0.5, 0.53, 0.055, 0.016, 0.006), {0.95, 0.4, 0.1});
}

void drive(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.82, 0.22, 0.025);
  c.lit(box(0.5, 0.5, 0.2, 0.29, 0.03), kDark, 0.21, 0.79);
  c.fill(box(0.5, 0.5, 0.19, 0.28, 0.024), gray(0.25), gray(0.16), 0.21, 0.79);
  c.fill(box(0.5, 0.73, 0.19, 0.006), a, 0.8);
  c.fill(circle(0.62, 0.76, 0.008), kWhite);
  c.fill(seg(0.5, 0.79, 0.5, 0.9, 0.01), kBlack);
}

void usb_stick(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.80, 0.12, 0.02);
  c.lit(box(0.5, 0.24, 0.05, 0.07, 0.004), kSilver, 0.17, 0.31);
  c.fill(box(0.48, 0.21, 0.012, 0.012), kDark);
  c.fill(box(0.52, 0.21, 0.012, 0.012), kDark);
  c.lit(cut(box(0.5, 0.52, 0.075, 0.22, 0.025), circle(0.5, 0.70, 0.018)), a, 0.3, 0.74);
  c.fill(box(0.5, 0.46, 0.05, 0.09, 0.01), kBlack, 0.85);
}

void mouse(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.80, 0.18, 0.025);
  c.lit(box(0.5, 0.52, 0.15, 0.25, 0.15), kBlack, 0.27, 0.77);
  c.fill(seg(0.5, 0.27, 0.5, 0.45, 0.003), gray(0.35));
  c.fill(box(0.5, 0.36, 0.013, 0.035, 0.013), a);
  c.fill(inter(box(0.5, 0.52, 0.15, 0.25, 0.15), box(0.5, 0.63, 0.2, 0.006)), a);
}

void power_bank(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.82, 0.2, 0.025);
  c.lit(box(0.5, 0.5, 0.17, 0.30, 0.045), kDark, 0.2, 0.8);
  for (int i = 0; i < 4; ++i) c.fill(circle(0.44 + i * 0.04, 0.72, 0.009), i < 3 ? a : gray(0.4));
  c.fill(box(0.45, 0.215, 0.025, 0.008, 0.004), kBlack);
  c.fill(box(0.55, 0.215, 0.018, 0.008, 0.004), kBlack);
  c.fill(box(0.5, 0.45, 0.08, 0.012, 0.006), gray(0.38));
}

void router(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.72, 0.36, 0.03);
  for (const auto& ant : std::array<std::array<double, 4>, 4>{{{0.22, 0.60, 0.16, 0.24},
                                                               {0.38, 0.58, 0.36, 0.20},
                                                               {0.62, 0.58, 0.64, 0.20},
                                                               {0.78, 0.60, 0.84, 0.24}}})
    c.fill(seg(ant[0], ant[1], ant[2], ant[3], 0.018), kBlack);
  c.lit(box(0.5, 0.64, 0.34, 0.07, 0.03), kDark, 0.57, 0.71);
  c.fill(box(0.5, 0.60, 0.30, 0.004), a, 0.9);
  for (int i = 0; i < 6; ++i) c.fill(circle(0.33 + i * 0.068, 0.665, 0.008), {0.3, 0.95, 0.4});
}

void bulb(Canvas& c, double x, double s, const Rgb& glow) {
  c.fill(circle(x, 0.42, 0.24 * s), glow, glow, 0, 1, 0.35, 40 * s);
  c.fill(circle(x, 0.40, 0.17 * s), shade(glow, 1.7), shade(glow, 1.1), 0.40 - 0.17 * s,
         0.40 + 0.17 * s);
  c.fill(
      poly(
          {{x - 0.1 * s, 0.50}, {x + 0.1 * s, 0.50}, {x + 0.065 * s, 0.61}, {x - 0.065 * s, 0.61}}),
      shade(glow, 1.5));
  c.lit(box(x, 0.61 + 0.055 * s, 0.065 * s, 0.055 * s, 0.01 * s), kSilver, 0.61, 0.61 + 0.11 * s);
  for (int i = 1; i < 4; ++i)
    c.fill(seg(x - 0.065 * s, 0.61 + i * 0.027 * s, x + 0.065 * s, 0.61 + i * 0.027 * s, 0.003 * s),
           gray(0.55));
  c.fill(box(x, 0.61 + 0.125 * s, 0.03 * s, 0.016 * s, 0.012 * s), kBlack);
}

void bulbs(Canvas& c, const Rgb& a, bool kit) {
  if (!kit) {
    c.shadow(0.5, 0.82, 0.1, 0.015);
    bulb(c, 0.5, 1.0, a);
    return;
  }
  c.shadow(0.5, 0.78, 0.4, 0.02);
  bulb(c, 0.25, 0.7, {1.0, 0.55, 0.2});
  bulb(c, 0.5, 0.7, {0.85, 0.3, 0.9});
  bulb(c, 0.75, 0.7, {0.25, 0.75, 1.0});
}

void desk(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.82, 0.40, 0.025);
  for (double x : {0.22, 0.78}) {
    c.lit(box(x, 0.62, 0.022, 0.18, 0.006), kDark, 0.44, 0.8);
    c.fill(box(x, 0.80, 0.07, 0.012, 0.008), kBlack);
  }
  c.fill(box(0.5, 0.46, 0.30, 0.012), kDark);
  c.lit(box(0.5, 0.43, 0.39, 0.025, 0.008), {0.78, 0.6, 0.42}, 0.40, 0.46);
  c.fill(box(0.8, 0.46, 0.03, 0.01, 0.004), kBlack);
  c.fill(box(0.33, 0.30, 0.10, 0.07, 0.006), kBlack);  // a screen on the desk
  c.fill(box(0.33, 0.30, 0.09, 0.06, 0.003), shade(a, 1.2), shade(a, 0.7), 0.24, 0.36);
  c.fill(box(0.33, 0.385, 0.008, 0.02), kDark);
  c.fill(box(0.70, 0.37, 0.035, 0.035, 0.006), {0.85, 0.5, 0.35});  // a plant
  for (const auto& l : std::array<std::array<double, 3>, 4>{
           {{0.68, 0.29, 0.03}, {0.72, 0.27, 0.032}, {0.70, 0.23, 0.028}, {0.74, 0.31, 0.026}}})
    c.fill(circle(l[0], l[1], l[2]), {0.25, 0.6, 0.3});
}

void webcam(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.68, 0.18, 0.02);
  c.fill(poly({{0.45, 0.48}, {0.55, 0.48}, {0.59, 0.66}, {0.41, 0.66}}), kDark);
  c.lit(seg(0.33, 0.42, 0.67, 0.42, 0.10), kBlack, 0.32, 0.52);
  lens(c, 0.5, 0.42, 0.065);
  c.fill(circle(0.38, 0.42, 0.008), gray(0.35));
  c.fill(circle(0.62, 0.42, 0.008), gray(0.35));
  c.fill(circle(0.59, 0.36, 0.006), a);
}

void led_strip(Canvas& c, Rgb) {
  c.shadow(0.5, 0.78, 0.42, 0.02);
  const int n = 40;
  auto pt = [](int i, double& x, double& y) {
    x = 0.12 + i * 0.0195;
    y = 0.5 + 0.13 * std::sin(i * 0.33);
  };
  for (int i = 0; i + 1 < n; ++i) {
    double x0, y0, x1, y1;
    pt(i, x0, y0);
    pt(i + 1, x1, y1);
    c.fill(seg(x0, y0, x1, y1, 0.026), kWhite);
  }
  for (int i = 0; i < n; i += 2) {
    double x, y;
    pt(i, x, y);
    const Rgb led = hsv(i / double(n), 0.85, 1.0);
    c.fill(circle(x, y, 0.045), led, led, 0, 1, 0.3, 14);
    c.fill(box(x, y, 0.012, 0.012, 0.003), shade(led, 1.3));
  }
}

void ssd(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.64, 0.40, 0.02);
  c.fill(cut(box(0.5, 0.5, 0.39, 0.09, 0.01), circle(0.89, 0.5, 0.02)), gray(0.1));
  for (int i = 0; i < 18; ++i) {
    if (i == 5) continue;
    c.fill(box(0.135 + i * 0.013, 0.5, 0.004, 0.08), {0.85, 0.7, 0.3});
  }
  c.fill(box(0.6, 0.5, 0.24, 0.07, 0.004), gray(0.16));
  c.fill(box(0.6, 0.5, 0.24, 0.012), a);
  c.fill(box(0.45, 0.45, 0.06, 0.01, 0.002), kWhite, 0.8);
}

void projector(Canvas& c, const Rgb& a) {
  c.fill(poly({{0.35, 0.55}, {0.02, 0.10}, {0.30, 0.02}, {0.41, 0.55}}), shade(a, 1.5), 0.25);
  c.shadow(0.5, 0.72, 0.3, 0.025);
  c.lit(box(0.5, 0.56, 0.28, 0.13, 0.045), kWhite, 0.43, 0.69);
  lens(c, 0.38, 0.56, 0.085);
  for (int i = 0; i < 6; ++i)
    c.fill(seg(0.58 + i * 0.028, 0.5, 0.58 + i * 0.028, 0.62, 0.005), gray(0.7));
  c.fill(box(0.26, 0.70, 0.02, 0.01, 0.004), kDark);
  c.fill(box(0.74, 0.70, 0.02, 0.01, 0.004), kDark);
}

void kettle(Canvas& c, const Rgb& a) {
  c.shadow(0.48, 0.83, 0.24, 0.025);
  c.fill(box(0.48, 0.80, 0.21, 0.025, 0.02), kBlack);
  c.fill(cut(box(0.70, 0.53, 0.085, 0.16, 0.07), box(0.70, 0.53, 0.045, 0.12, 0.04)), kBlack);
  c.lit(poly({{0.33, 0.42}, {0.22, 0.34}, {0.20, 0.37}, {0.33, 0.53}}), kSilver, 0.34, 0.5);
  c.fill(box(0.48, 0.57, 0.17, 0.21, 0.06), gray(0.93), gray(0.6), 0.36, 0.78);
  c.fill(box(0.40, 0.57, 0.02, 0.17, 0.02), kWhite, 0.5);
  c.fill(box(0.58, 0.59, 0.016, 0.11, 0.012), shade(a, 1.2), 0.85);
  c.fill(box(0.48, 0.36, 0.15, 0.014, 0.012), kBlack);
  c.fill(box(0.48, 0.34, 0.035, 0.012, 0.01), kBlack);
}

void earbuds(Canvas& c, const Rgb& a) {
  c.shadow(0.5, 0.76, 0.22, 0.02);
  c.lit(box(0.5, 0.63, 0.18, 0.12, 0.11), kWhite, 0.51, 0.75);
  c.fill(seg(0.33, 0.59, 0.67, 0.59, 0.002), gray(0.7));
  c.fill(circle(0.5, 0.66, 0.007), a);
  for (double x : {0.37, 0.63}) {
    const double s = x < 0.5 ? 1 : -1;
    c.fill(seg(x, 0.32, x + s * 0.02, 0.47, 0.026), gray(0.94));
    c.lit(circle(x, 0.31, 0.065), kWhite, 0.25, 0.37);
    c.fill(circle(x - s * 0.03, 0.30, 0.03), gray(0.3));
  }
}

}  // namespace

void draw(Canvas& c, Kind k, const Rgb& a) {
  switch (k) {
    case Kind::laptop:
      return laptop(c, a);
    case Kind::console_curved:
      return console(c, a, false);
    case Kind::console_tower:
      return console(c, {0.3, 0.85, 0.3}, true);
    case Kind::headphones:
      return headphones(c, a);
    case Kind::chair:
      return chair(c, a);
    case Kind::watch:
      return watch(c, a, false);
    case Kind::fitness_band:
      return watch(c, a, true);
    case Kind::game:
      return game_box(c, a);
    case Kind::phone:
      return slate(c, a, Slate::phone);
    case Kind::tablet:
      return slate(c, a, Slate::tablet);
    case Kind::reader:
      return slate(c, a, Slate::reader);
    case Kind::handheld:
      return slate(c, a, Slate::handheld);
    case Kind::dslr:
      return dslr(c, a);
    case Kind::action_cam:
      return action_cam(c, a);
    case Kind::monitor:
      return monitor(c, a);
    case Kind::keyboard:
      return keyboard(c, a);
    case Kind::smart_speaker:
      return smart_speaker(c, {0.3, 0.8, 1.0});
    case Kind::tube_speaker:
      return tube_speaker(c, a);
    case Kind::drive:
      return drive(c, a);
    case Kind::usb_stick:
      return usb_stick(c, {0.85, 0.15, 0.18});
    case Kind::mouse:
      return mouse(c, a);
    case Kind::power_bank:
      return power_bank(c, {0.3, 0.6, 1.0});
    case Kind::router:
      return router(c, a);
    case Kind::bulb_kit:
      return bulbs(c, a, true);
    case Kind::bulb:
      return bulbs(c, a, false);
    case Kind::desk:
      return desk(c, a);
    case Kind::webcam:
      return webcam(c, a);
    case Kind::led_strip:
      return led_strip(c, a);
    case Kind::ssd:
      return ssd(c, {0.95, 0.45, 0.1});
    case Kind::projector:
      return projector(c, a);
    case Kind::kettle:
      return kettle(c, {0.4, 0.7, 1.0});
    case Kind::earbuds:
      return earbuds(c, a);
  }
}

}  // namespace shop::commands::demo
