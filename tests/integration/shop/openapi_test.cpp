// docs/api/shop.yaml against the implementation, both ways:
//  * every documented path and method exists in a running shop: a request
//    with a method nobody registers (PATCH) must get the router's 405 whose
//    Allow header lists exactly the documented methods — an unknown path
//    gets 404 instead;
//  * every route registered in src/shop/api/*.cpp (router.get/post/put/del/
//    patch("...")) is documented.
// The YAML is read line by line: this file's own layout (paths at two spaces,
// methods at four) is all it needs to understand.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "shop_fixture.hpp"

namespace {

using Routes = std::map<std::string, std::set<std::string>>;  // path -> methods (upper case)

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Routes documented_routes(const std::string& yaml) {
  Routes out;
  std::istringstream in(yaml);
  std::string line, current;
  bool in_paths = false;
  static const std::set<std::string> kMethods = {"get", "post", "put", "patch", "delete"};
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != ' ') {  // a top-level key
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths) continue;
    const auto indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) continue;
    auto key = line.substr(indent);
    if (key.empty() || key.back() != ':') continue;
    key.pop_back();
    if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"'))
      key = key.substr(1, key.size() - 2);
    if (indent == 2 && key.starts_with("/")) {
      current = key;
      out[current];
    } else if (indent == 4 && !current.empty() && kMethods.count(key)) {
      out[current].insert(upper(key));
    }
  }
  return out;
}

Routes source_routes(const std::filesystem::path& dir) {
  Routes out;
  const std::regex route(R"(router\s*\.\s*(get|post|put|patch|del)\s*\(\s*\"([^\"]+)\")");
  const std::regex typed(R"(\{([A-Za-z_][A-Za-z0-9_]*):[A-Za-z]+\})");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".cpp") continue;
    const auto text = read(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), route), end; it != end; ++it) {
      std::string method = (*it)[1];
      method = method == "del" ? "DELETE" : upper(method);
      const std::string path = std::regex_replace(std::string((*it)[2]), typed, "{$1}");
      out[path].insert(method);
    }
  }
  return out;
}

std::string concrete(const std::string& path) {
  static const std::regex param(R"(\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::string out;
  auto begin = path.cbegin();
  for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it) {
    out.append(begin, path.cbegin() + it->position());
    out += (*it)[1] == "name" ? "probe.png" : "1";
    begin = path.cbegin() + it->position() + it->length();
  }
  out.append(begin, path.cend());
  return out;
}

std::set<std::string> allow_methods(const std::string& allow) {
  std::set<std::string> out;
  std::stringstream ss(allow);
  std::string m;
  while (std::getline(ss, m, ',')) {
    m.erase(0, m.find_first_not_of(' '));
    m.erase(m.find_last_not_of(' ') + 1);
    if (!m.empty() && m != "HEAD" && m != "OPTIONS") out.insert(m);
  }
  return out;
}

// Served by the platform server itself, not through the router.
const std::set<std::string> kBuiltin = {"/healthz", "/readyz"};

const std::filesystem::path kSource(TS_SOURCE_DIR);

}  // namespace

TEST(OpenApi, DocumentParsesAndCoversTheApiAreas) {
  const auto doc = documented_routes(read(kSource / "docs/api/shop.yaml"));
  ASSERT_GE(doc.size(), 20u);
  for (const auto& [path, methods] : doc) {
    EXPECT_FALSE(methods.empty()) << path << " documents no method";
    if (!kBuiltin.count(path)) {
      EXPECT_TRUE(path.ends_with("/") || path.starts_with("/images/")) << path;
    }
  }
  for (const char* p :
       {"/api/products/", "/api/product/{pk}/", "/api/product-create/", "/images/{name}"})
    EXPECT_TRUE(doc.count(p)) << p;
}

TEST(OpenApi, EveryRouteInTheSourceIsDocumented) {
  const auto doc = documented_routes(read(kSource / "docs/api/shop.yaml"));
  const auto src = source_routes(kSource / "src/shop/api");
  ASSERT_FALSE(src.empty());
  for (const auto& [path, methods] : src) {
    auto it = doc.find(path);
    if (it == doc.end()) {
      ADD_FAILURE() << "route " << path << " is not in docs/api/shop.yaml";
      continue;
    }
    for (const auto& m : methods)
      EXPECT_TRUE(it->second.count(m)) << m << " " << path << " is not in docs/api/shop.yaml";
  }
}

TEST(OpenApi, EveryDocumentedRouteExistsInARunningShop) {
  const auto doc = documented_routes(read(kSource / "docs/api/shop.yaml"));
  shop_test::ShopServer srv("sqlite");
  // The router's answer for a path it does not know, as the reference.
  const auto unknown = srv.send("PATCH", "/no/such/path/", "", {});
  ASSERT_EQ(unknown.status, 404);
  for (const auto& [path, methods] : doc) {
    const auto target = concrete(path);
    if (kBuiltin.count(path)) {
      EXPECT_EQ(srv.get(target).status, 200) << path;
      continue;
    }
    // PATCH is registered nowhere, so an existing path answers 405 with its methods.
    ASSERT_FALSE(methods.count("PATCH")) << "the probe needs a method no route uses";
    const auto r = srv.send("PATCH", target, "", {});
    ASSERT_EQ(r.status, 405) << path << " (" << target
                             << ") is documented but not routed: " << r.status << " " << r.body;
    EXPECT_EQ(allow_methods(r.header("allow")), methods)
        << path << ": Allow \"" << r.header("allow") << "\" differs from the document";
  }
}
