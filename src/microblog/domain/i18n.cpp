#include "microblog/domain/i18n.hpp"

#include <cstdlib>
#include <unordered_map>

#include "microblog/domain/text.hpp"
#include "platform/core/text.hpp"

namespace microblog::domain {
namespace {

// The Spanish catalogue: one table, clearer whole than split.
// NOLINTNEXTLINE(readability-function-size): a table of translations, not logic
const std::unordered_map<std::string_view, std::string_view>& spanish() {
  static const std::unordered_map<std::string_view, std::string_view> m = {
      {"Please log in to access this page.", "Por favor ingrese para acceder a esta página."},
      {"Error: the translation service is not configured.",
       "Error: el servicio de traducciones no está configurado."},
      {"Error: the translation service failed.", "Error el servicio de traducciones ha fallado."},
      {"[Microblog] Reset Your Password", "[Microblog] Nueva Contraseña"},
      {"Username", "Nombre de usuario"},
      {"Password", "Contraseña"},
      {"Remember Me", "Recordarme"},
      {"Sign In", "Ingresar"},
      {"Email", "Email"},
      {"Repeat Password", "Repetir Contraseña"},
      {"Register", "Registrarse"},
      {"Please use a different username.", "Por favor use un nombre de usuario diferente."},
      {"Please use a different email address.", "Por favor use una dirección de email diferente."},
      {"Request Password Reset", "Pedir una nueva contraseña"},
      {"Invalid username or password", "Nombre de usuario o contraseña inválidos"},
      {"Congratulations, you are now a registered user!",
       "¡Felicitaciones, ya eres un usuario registrado!"},
      {"Check your email for the instructions to reset your password",
       "Busca en tu email las instrucciones para crear una nueva contraseña"},
      {"Your password has been reset.", "Tu contraseña ha sido cambiada."},
      {"About me", "Acerca de mí"},
      {"Submit", "Enviar"},
      {"Say something", "Dí algo"},
      {"Search", "Buscar"},
      {"Message", "Mensaje"},
      {"Your post is now live!", "¡Tu artículo ha sido publicado!"},
      {"Your changes have been saved.", "Tus cambios han sido salvados."},
      {"Edit Profile", "Editar Perfil"},
      {"User %(username)s not found.", "El usuario %(username)s no ha sido encontrado."},
      {"You cannot follow yourself!", "¡No te puedes seguir a tí mismo!"},
      {"You are following %(username)s!", "¡Ahora estás siguiendo a %(username)s!"},
      {"You cannot unfollow yourself!", "¡No te puedes dejar de seguir a tí mismo!"},
      {"You are not following %(username)s.", "No estás siguiendo a %(username)s."},
      {"Your message has been sent.", "Tu mensaje ha sido enviado."},
      {"Send Message", "Enviar Mensaje"},
      {"An export task is currently in progress", "Una tarea de exportación esta en progreso"},
      {"Exporting posts...", "Exportando artículos..."},
      {"%(username)s said %(when)s", "%(username)s dijo %(when)s"},
      {"Translate", "Traducir"},
      {"Welcome to Microblog", "Bienvenido a Microblog"},
      {"Home", "Inicio"},
      {"Explore", "Explorar"},
      {"Login", "Ingresar"},
      {"Messages", "Mensajes"},
      {"Profile", "Perfil"},
      {"Logout", "Salir"},
      {"Error: Could not contact server.", "Error: el servidor no pudo ser contactado."},
      {"Hi, %(username)s!", "¡Hola, %(username)s!"},
      {"Newer posts", "Artículos siguientes"},
      {"Older posts", "Artículos previos"},
      {"Newer messages", "Mensajes siguientes"},
      {"Older messages", "Mensajes previos"},
      {"Send Message to %(recipient)s", "Enviar Mensaje a %(recipient)s"},
      {"User", "Usuario"},
      {"Last seen on", "Última visita"},
      {"%(count)d followers", "%(count)d seguidores"},
      {"%(count)d following", "siguiendo a %(count)d"},
      {"Edit your profile", "Editar tu perfil"},
      {"Export your posts", "Exportar tus artículos"},
      {"Follow", "Seguir"},
      {"Unfollow", "Dejar de seguir"},
      {"Send private message", "Enviar mensaje privado"},
      {"New User?", "¿Usuario Nuevo?"},
      {"Click to Register!", "¡Haz click aquí para registrarte!"},
      {"Forgot Your Password?", "¿Te olvidaste tu contraseña?"},
      {"Click to Reset It", "Haz click aquí para pedir una nueva"},
      {"Reset Your Password", "Nueva Contraseña"},
      {"Reset Password", "Nueva Contraseña"},
      {"Not Found", "Página No Encontrada"},
      {"Back", "Atrás"},
      {"An unexpected error has occurred", "Ha ocurrido un error inesperado"},
      {"The administrator has been notified. Sorry for the inconvenience!",
       "El administrador ha sido notificado. ¡Lamentamos la inconveniencia!"},
      // Form-library messages (WTForms' own Spanish catalog in the original).
      {"This field is required.", "Este campo es obligatorio."},
      {"Invalid email address.", "Dirección de correo electrónico inválida."},
      {"Field must be equal to %(other_name)s.", "El campo debe ser igual a %(other_name)s."},
      {"Field must be between %(min)d and %(max)d characters long.",
       "El campo debe tener entre %(min)d y %(max)d caracteres."},
      {"The CSRF token is missing.", "El token CSRF no está presente."},
      {"The CSRF token is invalid.", "El token CSRF no es válido."},
      // Strings this implementation adds.
      {"Too many attempts. Please wait a minute and try again.",
       "Demasiados intentos. Espere un minuto y vuelva a intentarlo."},
      {"The server is busy. Please try again in a moment.",
       "El servidor está ocupado. Vuelva a intentarlo en un momento."},
      {"You have exported your posts recently. Please try again in a few minutes.",
       "Ya exportaste tus artículos hace poco. Vuelve a intentarlo en unos minutos."},
      {"The confirmation link is invalid or has expired.",
       "El enlace de confirmación no es válido o ha caducado."},
      {"Your email address has been changed.", "Tu dirección de email ha sido cambiada."},
      {"[Microblog] Confirm Your Email Address", "[Microblog] Confirma tu dirección de email"},
      {"Usernames may only use letters, digits, '.', '_' and '-' (at most 64).",
       "Los nombres de usuario sólo pueden usar letras, dígitos, '.', '_' y '-' (máximo 64)."},
      {"Search Results", "Resultados de la búsqueda"},
      {"Edit", "Editar"},
      {"No posts found for \"%(query)s\".", "No se encontraron artículos para \"%(query)s\"."},
      {"done", "hecho"},
  };
  return m;
}

}  // namespace

std::string best_locale(std::string_view header) {
  double best_q = 0.0;
  std::string best = "en";
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    double q = 1.0;
    if (auto semi = item.find(';'); semi != std::string_view::npos) {
      const std::string params(ts::core::trim(item.substr(semi + 1)));
      item = item.substr(0, semi);
      if (params.rfind("q=", 0) == 0) q = std::strtod(params.c_str() + 2, nullptr);
    }
    std::string tag = ts::core::to_lower(ts::core::trim(item));
    std::string primary = tag.substr(0, tag.find('-'));
    if ((primary == "en" || primary == "es") && q > best_q) {
      best_q = q;
      best = primary;
    }
  }
  return best;
}

std::string tr(std::string_view locale, std::string_view msgid) {
  if (locale == "es") {
    const auto& m = spanish();
    if (auto it = m.find(msgid); it != m.end()) return std::string(it->second);
  }
  return std::string(msgid);
}

std::string format(std::string text,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> args) {
  // One pass over the message: a substituted value is never scanned again, so
  // user text that contains "%(name)d" or another placeholder stays literal.
  // Found by tests/fuzz/fuzz_accept_language (corpus/accept_language/placeholder-in-value).
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find("%(", i);
    if (open == std::string::npos) break;
    out.append(text, i, open - i);
    const auto close = text.find(')', open + 2);
    const std::string_view name = close == std::string::npos
                                      ? std::string_view{}
                                      : std::string_view(text).substr(open + 2, close - open - 2);
    const bool typed = close != std::string::npos && close + 1 < text.size() &&
                       (text[close + 1] == 's' || text[close + 1] == 'd');
    const std::string_view* value = nullptr;
    if (typed)
      for (const auto& a : args)
        if (a.first == name) {
          value = &a.second;
          break;
        }
    if (value) {
      out += *value;
      i = close + 2;
    } else {
      out += "%(";
      i = open + 2;
    }
  }
  out.append(text, std::min(i, text.size()));
  return out;
}

std::string trf(std::string_view locale, std::string_view msgid,
                std::initializer_list<std::pair<std::string_view, std::string_view>> args) {
  return format(tr(locale, msgid), args);
}

}  // namespace microblog::domain
