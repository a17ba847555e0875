// The demo catalogue's pictures: a flat, vector-style illustration of what
// each product is (a laptop, a chair, headphones …), drawn here from signed
// distance functions and encoded as PNG. Nothing is random and nothing is
// read from outside: the bytes are a function of the product's index only,
// so every seed of every host writes the same files.
#include <array>
#include <cmath>
#include <string>

#include "shop/commands/demo_drawings.hpp"
#include "shop/commands/seed_data.hpp"

namespace shop::commands {
namespace {

using demo::Kind;

// What each of the 33 demo products is, in catalogue order.
constexpr std::array<Kind, 33> kKinds = {
    Kind::laptop,    Kind::console_curved, Kind::headphones,   Kind::chair,        Kind::watch,
    Kind::game,      Kind::headphones,     Kind::reader,       Kind::phone,        Kind::tablet,
    Kind::handheld,  Kind::console_tower,  Kind::dslr,         Kind::action_cam,   Kind::monitor,
    Kind::keyboard,  Kind::smart_speaker,  Kind::fitness_band, Kind::tube_speaker, Kind::drive,
    Kind::usb_stick, Kind::mouse,          Kind::power_bank,   Kind::router,       Kind::bulb_kit,
    Kind::desk,      Kind::webcam,         Kind::led_strip,    Kind::ssd,          Kind::projector,
    Kind::kettle,    Kind::bulb,           Kind::earbuds};

}  // namespace

std::string demo_image_png(std::size_t index) {
  // The accent and the background tint walk round the colour wheel by the
  // golden angle, so neighbouring products never share a colour.
  const double hue = std::fmod(0.58 + static_cast<double>(index) * 0.61803398875, 1.0);
  const demo::Rgb accent = demo::hsv(hue, 0.62, 0.88);
  demo::Canvas c;
  c.background(demo::hsv(hue, 0.06, 0.99), demo::hsv(hue, 0.14, 0.93));
  demo::draw(c, kKinds[index % kKinds.size()], accent);
  return c.png();
}

}  // namespace shop::commands