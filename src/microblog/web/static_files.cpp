// /static/<file>: the app's own assets, plus Bootstrap from npm
// (web/microblog/node_modules, installed by scripts/deps.d/microblog.sh).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "microblog/web/page.hpp"
#include "platform/http/error.hpp"

namespace microblog::web {
namespace {

std::string content_type(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".gif") return "image/gif";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".map") return "application/json";
  return "application/octet-stream";
}

}  // namespace

void register_static(Microblog& app, ts::http::Router& r) {
  r.get("/static/{name}",
        [&app](Request& req) -> Response {
          const std::string name(req.param("name"));
          if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos ||
              name.find('\\') != std::string::npos)
            throw ts::http::HttpError::not_found();
          const std::filesystem::path web(app.settings.web_dir);
          std::vector<std::filesystem::path> candidates = {web / "static" / name};
          if (name.rfind("bootstrap", 0) == 0) {
            candidates.push_back(web / "node_modules/bootstrap/dist/css" / name);
            candidates.push_back(web / "node_modules/bootstrap/dist/js" / name);
          }
          for (const auto& path : candidates) {
            std::ifstream in(path, std::ios::binary);
            if (!in) continue;
            std::stringstream ss;
            ss << in.rdbuf();
            Response res(200, ss.str(), content_type(path));
            res.headers.set("Cache-Control", "public, max-age=3600");
            return res;
          }
          return error_response(app, req, 404);
        },
        {.authenticate = false});
}

}  // namespace microblog::web
