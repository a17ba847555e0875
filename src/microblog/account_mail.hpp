#pragma once
// Mail that carries a link into the account: the password reset and the
// confirmation of a new e-mail address. Links are built only from
// MICROBLOG_PUBLIC_URL (Settings::public_url), never from the request's Host
// header: the client chooses that header, and a reset link pointing at the
// client's host would hand it a valid token.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "microblog/app.hpp"
#include "microblog/mail.hpp"
#include "microblog/storage/storage.hpp"

namespace microblog {

// How long an e-mail confirmation link stays valid.
inline constexpr auto kEmailChangeLifetime = std::chrono::hours(1);

// The base for links in mail, or nullopt (logged at error level, naming
// MICROBLOG_PUBLIC_URL) when the setting is unset and `what` is not sent.
std::optional<std::string> mail_link_base(const Microblog& app, const char* what);

// Delivers off the request thread: the answer (and its timing) does not
// depend on the mail server, nor reveal whether an address has an account.
void send_mail_in_background(const Microblog& app, Mail m, const char* what);

// Mails a confirmation link for `new_email` to that address. The link changes
// the address of `u` when opened, within kEmailChangeLifetime and only while
// u's address is still the one it was issued under.
void send_email_change(Microblog& app, const storage::UserRow& u, const std::string& new_email,
                       const std::string& locale);

// The account a signed link names and the rest of its payload
// ("<id>:<rest>", signed for `purpose`), when the token is genuine, unexpired
// and the account still exists. The caller checks the rest.
std::optional<std::pair<storage::UserRow, std::string>> signed_account(Microblog& app,
                                                                       std::string_view purpose,
                                                                       const std::string& token);

// The user and the address a confirmation token asks for, when the token is
// genuine, unexpired and the user's address has not changed since.
std::optional<std::pair<storage::UserRow, std::string>> verify_email_change(
    Microblog& app, const std::string& token);

}  // namespace microblog
