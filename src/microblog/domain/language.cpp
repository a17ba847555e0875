#include "microblog/domain/language.hpp"

#include <cld2/public/compact_lang_det.h>

#include <cstring>

namespace CLD2 {
const char* LanguageCode(Language lang);
}

namespace microblog::domain {

std::string detect_language(std::string_view text) {
  bool reliable = false;
  const auto lang =
      CLD2::DetectLanguage(text.data(), static_cast<int>(text.size()), true, &reliable);
  if (lang == CLD2::UNKNOWN_LANGUAGE || !reliable) return "";
  std::string code = CLD2::LanguageCode(lang);
  if (code == "un" || code == "xxx") return "";
  if (code.size() > 5) code.resize(5);
  for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code;
}

}  // namespace microblog::domain
