#pragma once
// The demo catalogue's products, each drawn as a flat illustration.
#include "shop/commands/demo_canvas.hpp"

namespace shop::commands::demo {

enum class Kind {
  laptop,
  console_curved,
  console_tower,
  headphones,
  chair,
  watch,
  fitness_band,
  game,
  phone,
  tablet,
  reader,
  handheld,
  dslr,
  action_cam,
  monitor,
  keyboard,
  smart_speaker,
  tube_speaker,
  drive,
  usb_stick,
  mouse,
  power_bank,
  router,
  bulb_kit,
  bulb,
  desk,
  webcam,
  led_strip,
  ssd,
  projector,
  kettle,
  earbuds
};

// Draws a product of kind k, in accent colour a where the product has one.
void draw(Canvas& c, Kind k, const Rgb& a);

}  // namespace shop::commands::demo
