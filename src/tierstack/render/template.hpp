#pragma once
// Owns: the one template syntax tierstack's rendered files use: {{name}}.
#include <map>
#include <string>

namespace tierstack {

// Replaces {{name}} with vars[name]; unknown names are an error naming `what`.
std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                   const std::string& what);

}  // namespace tierstack
