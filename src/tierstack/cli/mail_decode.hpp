#pragma once
// Owns: reading an e-mail message (RFC 5322 with MIME) into what an operator
// reads — the decoded headers and the plain text — for `tierstack mail`.
// Pure functions of the message's bytes: base64 and quoted-printable bodies,
// RFC 2047 encoded words in headers (B and Q, UTF-8, US-ASCII and
// ISO-8859-1), multipart/alternative (the text/plain part), multipart/mixed
// (the text and the attachments' names). Malformed input never throws: what
// cannot be decoded is shown as it is.
#include <string>
#include <string_view>
#include <vector>

namespace tierstack {

struct MailMessage {
  std::string from, to, date, subject;   // decoded header values ("" when absent)
  std::string text;                      // the plain text (LF line ends), or the HTML
  bool html_only = false;                // text is the text/html part: no plain one
  std::vector<std::string> attachments;  // "name (type, N bytes)"
};

MailMessage decode_mail(std::string_view raw);

// One header value with its encoded words (=?charset?B|Q?…?=) decoded.
std::string decode_header_value(std::string_view value);
// Content-Transfer-Encoding bodies.
std::string decode_base64_lenient(std::string_view text);  // skips what is not base64
std::string decode_quoted_printable(std::string_view text);

}  // namespace tierstack
