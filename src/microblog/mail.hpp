#pragma once
// Outgoing e-mail: SMTP through libcurl when MICROBLOG_MAIL_SERVER is set,
// otherwise each message is written as an .eml file to the outbox directory.
#include <string>

#include "microblog/app.hpp"

namespace microblog {

struct Mail {
  std::string to;
  std::string subject;
  std::string text;
  std::string html;             // optional alternative
  std::string attachment_name;  // optional
  std::string attachment_type = "application/json";
  std::string attachment;
};

// The RFC 5322 message (headers and MIME body).
std::string build_message(const MailSettings& s, const Mail& m);
// Throws std::runtime_error when delivery fails.
void send_mail(const MailSettings& s, const Mail& m);

}  // namespace microblog
