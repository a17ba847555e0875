#pragma once
// Avatars and the site icon. By default every avatar is an identicon this
// server draws (/avatar/<id>/<size>.svg), so pages load on a network without
// the internet and tell no third party who is reading; MICROBLOG_AVATARS=gravatar
// brings back the original's gravatar.com pictures.
#include <cstdint>
#include <string>
#include <string_view>

#include "microblog/app.hpp"
#include "platform/http/router.hpp"

namespace microblog::web {

// The picture of a user at `size` pixels, as the settings choose.
std::string avatar_url(const Settings& s, std::int64_t user_id, std::string_view email, int size);

// The img-src of the pages' Content-Security-Policy: our own origin (and
// data: URLs, which Bootstrap's stylesheet uses for its icons), plus
// gravatar.com only when its avatars are chosen.
std::string_view img_src(const Settings& s);

// GET /avatar/{id}/{size}.svg and GET /favicon.ico.
void register_avatars(Microblog& app, ts::http::Router& r);

}  // namespace microblog::web
