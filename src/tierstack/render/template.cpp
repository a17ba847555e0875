#include "tierstack/render/template.hpp"

#include <stdexcept>

namespace tierstack {

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                   const std::string& what) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const auto close = tmpl.find("}}", open);
    if (close == std::string::npos) break;
    out.append(tmpl, pos, open - pos);
    const std::string name = tmpl.substr(open + 2, close - open - 2);
    const auto it = vars.find(name);
    if (it == vars.end()) {
      std::string why = what;
      why += ": unknown template variable {{" + name + "}}";
      throw std::runtime_error(why);
    }
    out += it->second;
    pos = close + 2;
  }
  out.append(tmpl, pos);
  return out;
}

}  // namespace tierstack
