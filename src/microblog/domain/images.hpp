#pragma once
// Pictures the microblog draws itself, so that pages need nothing from other
// hosts: identicon avatars and the favicon.
#include <cstdint>
#include <string>

namespace microblog::domain {

// The picture algorithm's version: part of every avatar URL, which is cached
// as immutable. Changing the drawing means changing this.
inline constexpr int kIdenticonVersion = 1;

// A deterministic identicon for a user id: a horizontally symmetric 5×5 grid
// of cells in one colour on a light background, both chosen from a SHA-256 of
// the id. SVG with presentation attributes only (no style), `size` pixels
// square.
std::string identicon_svg(std::int64_t user_id, int size);

// The site icon: a 32×32 32-bit ICO (an "M" on a rounded blue square), the
// format every browser asks /favicon.ico for.
const std::string& favicon_ico();

}  // namespace microblog::domain
