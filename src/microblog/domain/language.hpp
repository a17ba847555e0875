#pragma once
#include <string>
#include <string_view>

namespace microblog::domain {
// ISO code of the text's language ("en", "es", "zh" …) by CLD2, or "" when
// the detector is not reasonably sure (short or mixed text). Deterministic.
std::string detect_language(std::string_view text);
}  // namespace microblog::domain
