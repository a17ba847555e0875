// `tierstack mail`'s decoder: messages from the microblog's own mail writer
// (src/microblog/mail.cpp, compiled into this test) and hand-written MIME
// samples for what that writer does not produce (quoted-printable, Q
// encoded words, Latin-1, a message without MIME).
#include <gtest/gtest.h>

#include "microblog/mail.hpp"
#include "tierstack/cli/mail_decode.hpp"

using tierstack::decode_base64_lenient;
using tierstack::decode_header_value;
using tierstack::decode_mail;
using tierstack::decode_quoted_printable;

namespace {

const std::string kLink =
    "http://127.0.0.1:8081/auth/reset_password/eyJ1IjoxfQ.AbC-dEf_gH1234567890abcdefghijklmnopq";

microblog::Mail reset_mail() {
  microblog::Mail m;
  m.to = "susan@example.com";
  m.subject = "[Microblog] Reset Your Password";
  m.text = "Dear susan,\n\nTo reset your password click on the following link:\n\n" + kLink +
           "\n\nSincerely,\n\nThe Microblog Team\n";
  m.html = "<p>Dear susan,</p>\n<p><a href=\"" + kLink + "\">click here</a></p>\n";
  return m;
}

}  // namespace

TEST(TierstackMailDecode, TheMicroblogsResetMailShowsItsTextPartWithTheLinkIntact) {
  const microblog::MailSettings settings;
  const auto raw = microblog::build_message(settings, reset_mail());
  ASSERT_EQ(raw.find(kLink), std::string::npos) << "the writer no longer encodes its bodies";
  const auto m = decode_mail(raw);
  EXPECT_EQ(m.from, "no-reply@microblog.local");
  EXPECT_EQ(m.to, "susan@example.com");
  EXPECT_EQ(m.subject, "[Microblog] Reset Your Password");
  EXPECT_NE(m.date.find("+0000"), std::string::npos) << m.date;
  EXPECT_FALSE(m.html_only);
  EXPECT_EQ(m.text, reset_mail().text);  // the plain part, not the HTML one
  EXPECT_TRUE(m.attachments.empty());
}

TEST(TierstackMailDecode, NonAsciiSubjectsAndBodiesFromTheWriterComeBackAsUtf8) {
  microblog::Mail mail;
  mail.to = "ana@example.com";
  mail.subject = "[Microblog] Restablece tu contraseña — ñandú";
  mail.text = std::string(300, 'x') + " año ünïcödé €\n";  // base64 over several lines
  const auto m = decode_mail(microblog::build_message({}, mail));
  EXPECT_EQ(m.subject, mail.subject);
  EXPECT_EQ(m.text, mail.text);
  EXPECT_FALSE(m.html_only);
}

TEST(TierstackMailDecode, AnExportListsItsAttachmentBesideTheText) {
  microblog::Mail mail = reset_mail();
  mail.subject = "[Microblog] Your blog posts";
  mail.attachment_name = "posts.json";
  mail.attachment = R"({"posts": [{"body": "hello"}]})";
  const auto m = decode_mail(microblog::build_message({}, mail));
  EXPECT_EQ(m.text, mail.text);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0],
            "posts.json (application/json, " + std::to_string(mail.attachment.size()) + " bytes)");
}

TEST(TierstackMailDecode, QuotedPrintableAndQEncodedWords) {
  const std::string raw =
      "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\r\n"
      "To: bob@example.org\r\n"
      "Subject: =?utf-8?q?caf=C3=A9_au?=\r\n =?utf-8?b?IGxhaXQ=?= tonight\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=\"utf-8\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Open http://example.org/a?x=3D1&y=3D2 to con=\r\n"
      "firm =E2=82=AC 5.\r\n"
      "A lone = stays.\r\n";
  const auto m = decode_mail(raw);
  EXPECT_EQ(m.from, "Andr\xC3\xA9 <andre@example.org>");
  EXPECT_EQ(m.subject, "caf\xC3\xA9 au lait tonight");  // blanks between encoded words dropped
  EXPECT_EQ(m.text,
            "Open http://example.org/a?x=1&y=2 to confirm \xE2\x82\xAC 5.\nA lone = stays.\n");
}

TEST(TierstackMailDecode, AlternativeWithoutAPlainPartShowsTheHtml) {
  const std::string raw =
      "To: x@example.org\nSubject: hi\nContent-Type: multipart/alternative; boundary=b1\n\n"
      "preamble\n--b1\nContent-Type: text/html; charset=iso-8859-1\n\n<p>caf\xE9</p>\n--b1--\n";
  const auto m = decode_mail(raw);
  EXPECT_TRUE(m.html_only);
  EXPECT_EQ(m.text, "<p>caf\xC3\xA9</p>");
}

TEST(TierstackMailDecode, APlainMessageAndMalformedInputDecodeAsWritten) {
  auto m = decode_mail("Subject: plain\r\n\r\nJust text.\r\n");
  EXPECT_EQ(m.subject, "plain");
  EXPECT_EQ(m.text, "Just text.\n");
  // Broken encoded words, an unclosed multipart and no body never throw.
  EXPECT_EQ(decode_header_value("=?utf-8?X?abc"), "=?utf-8?X?abc");
  EXPECT_EQ(decode_header_value("no words here"), "no words here");
  m = decode_mail("Content-Type: multipart/mixed; boundary=\"z\"\n\n--z\n\nunclosed part");
  EXPECT_EQ(m.text, "unclosed part");
  m = decode_mail("");
  EXPECT_EQ(m.text, "");
  EXPECT_EQ(m.subject, "");
}

TEST(TierstackMailDecode, BodyCodecs) {
  EXPECT_EQ(decode_base64_lenient("aGVs\r\nbG8="), "hello");
  EXPECT_EQ(decode_base64_lenient("aGVsbG8"), "hello");  // padding missing
  EXPECT_EQ(decode_quoted_printable("a=3Db=\nc"), "a=bc");
  EXPECT_EQ(decode_quoted_printable("end="), "end");
  EXPECT_EQ(decode_quoted_printable("=ZZ"), "=ZZ");
}
