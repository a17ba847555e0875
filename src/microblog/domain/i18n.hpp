#pragma once
// English and Spanish UI strings. Message ids are the English text, as in the
// original's gettext catalog; placeholders are %(name)s.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace microblog::domain {

// Best of {en, es} for an Accept-Language header; "en" when nothing matches.
std::string best_locale(std::string_view accept_language);

// The translation of msgid for locale, or msgid itself.
std::string tr(std::string_view locale, std::string_view msgid);

// Replaces %(name)s / %(name)d placeholders.
std::string format(std::string text,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> args);

// tr + format in one step.
std::string trf(std::string_view locale, std::string_view msgid,
                std::initializer_list<std::pair<std::string_view, std::string_view>> args);

}  // namespace microblog::domain
