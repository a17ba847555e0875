#pragma once
// Outbound translation through a configured HTTP service (LibreTranslate's
// or Microsoft's API). Returns the translated text, or nullopt on failure.
#include <optional>
#include <string>

#include "microblog/app.hpp"

namespace microblog {
std::optional<std::string> translate(const TranslatorSettings& s, const std::string& text,
                                     const std::string& source, const std::string& dest);
}
