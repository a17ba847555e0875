#include "microblog/web/avatar.hpp"

#include <charconv>

#include "microblog/domain/images.hpp"
#include "microblog/domain/text.hpp"
#include "microblog/storage/storage.hpp"
#include "microblog/web/page.hpp"

namespace microblog::web {
namespace {

constexpr int kMinSize = 16;
constexpr int kMaxSize = 512;

// "<size>.svg" → size, when it is a whole number of pixels we draw.
std::optional<int> parse_size(std::string_view file) {
  if (!file.ends_with(".svg")) return std::nullopt;
  file.remove_suffix(4);
  int size = 0;
  const auto [end, ec] = std::from_chars(file.data(), file.data() + file.size(), size);
  if (ec != std::errc() || end != file.data() + file.size() || file.empty() || file[0] == '+' ||
      size < kMinSize || size > kMaxSize)
    return std::nullopt;
  return size;
}

}  // namespace

std::string avatar_url(const Settings& s, std::int64_t user_id, std::string_view email, int size) {
  if (s.avatars == "gravatar") return domain::avatar_url(email, size);
  // The version of the drawing makes the URL safe to cache forever.
  return "/avatar/" + std::to_string(user_id) + "/" + std::to_string(size) +
         ".svg?v=" + std::to_string(domain::kIdenticonVersion);
}

std::string_view img_src(const Settings& s) {
  return s.avatars == "gravatar" ? "img-src 'self' https://www.gravatar.com data:"
                                 : "img-src 'self' data:";
}

void register_avatars(Microblog& app, ts::http::Router& r) {
  r.get("/avatar/{id:int}/{file}",
        [&app](Request& req) -> Response {
          const auto size = parse_size(req.param("file"));
          std::int64_t id = 0;
          const auto digits = req.param("id");
          const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
          if (!size || ec != std::errc() || end != digits.data() + digits.size() ||
              !storage::user_by_id(*app.db, id))
            return error_response(app, req, 404);
          Response res(200, domain::identicon_svg(id, *size), "image/svg+xml");
          // The picture is a function of the id, the size and the drawing's
          // version: a URL naming the current version never changes. Without
          // it (or with an old one) the answer is the current drawing, kept a day.
          const bool versioned = req.query_param("v") == std::to_string(domain::kIdenticonVersion);
          res.headers.set("Cache-Control", versioned ? "public, max-age=31536000, immutable"
                                                     : "public, max-age=86400");
          // An SVG opened on its own is a document: it may run nothing.
          res.headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
          return res;
        },
        {.authenticate = false});
  r.get("/favicon.ico",
        [](Request&) -> Response {
          Response res(200, domain::favicon_ico(), "image/x-icon");
          res.headers.set("Cache-Control", "public, max-age=86400");
          return res;
        },
        {.blocking = false, .authenticate = false});
}

}  // namespace microblog::web
