#include "microblog/mail.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "platform/auth/crypto.hpp"

namespace microblog {
namespace {

bool ascii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string header_text(const std::string& s) {
  if (ascii(s)) return s;
  return "=?utf-8?B?" + ts::auth::base64_encode(s) + "?=";
}

std::string wrap76(const std::string& b64) {
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string part(const std::string& type, const std::string& body) {
  return "Content-Type: " + type + "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
         wrap76(ts::auth::base64_encode(body));
}

struct Upload {
  const std::string* data;
  std::size_t pos = 0;
};

size_t read_cb(char* ptr, size_t size, size_t nmemb, void* userp) {
  auto* u = static_cast<Upload*>(userp);
  const size_t n = std::min(size * nmemb, u->data->size() - u->pos);
  std::copy_n(u->data->data() + u->pos, n, ptr);
  u->pos += n;
  return n;
}

}  // namespace

std::string build_message(const MailSettings& s, const Mail& m) {
  char date[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string msg = "From: " + s.sender + "\r\nTo: " + m.to +
                    "\r\nSubject: " + header_text(m.subject) + "\r\nDate: " + date +
                    "\r\nMessage-ID: <" + ts::auth::random_hex(12) +
                    "@microblog>\r\nMIME-Version: 1.0\r\n";
  const std::string alt = "alt-" + ts::auth::random_hex(8);
  std::string body_part;
  if (m.html.empty()) {
    body_part = part("text/plain", m.text);
  } else {
    body_part = "Content-Type: multipart/alternative; boundary=\"" + alt + "\"\r\n\r\n--" + alt +
                "\r\n" + part("text/plain", m.text) + "--" + alt + "\r\n" +
                part("text/html", m.html) + "--" + alt + "--\r\n";
  }
  if (m.attachment_name.empty()) return msg + body_part;
  const std::string mix = "mix-" + ts::auth::random_hex(8);
  return msg + "Content-Type: multipart/mixed; boundary=\"" + mix + "\"\r\n\r\n--" + mix + "\r\n" +
         body_part + "--" + mix + "\r\nContent-Type: " + m.attachment_type +
         "\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"" +
         m.attachment_name + "\"\r\n\r\n" + wrap76(ts::auth::base64_encode(m.attachment)) + "--" +
         mix + "--\r\n";
}

void send_mail(const MailSettings& s, const Mail& m) {
  const std::string message = build_message(s, m);
  if (s.server.empty()) {
    static std::atomic<unsigned> seq{0};
    std::filesystem::create_directories(s.outbox_dir);
    const auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const auto name = std::to_string(stamp) + "-" + std::to_string(seq++) + ".eml";
    const auto tmp = std::filesystem::path(s.outbox_dir) / (name + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary);
      out << message;
      if (!out) throw std::runtime_error("cannot write to the outbox " + s.outbox_dir);
    }
    std::filesystem::rename(tmp, std::filesystem::path(s.outbox_dir) / name);
    return;
  }
  CURL* curl = curl_easy_init();
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  const std::string url =
      std::string(s.use_ssl ? "smtps://" : "smtp://") + s.server + ":" + std::to_string(s.port);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (s.use_tls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!s.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
  }
  const std::string from = "<" + s.sender + ">";
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  Upload up{&message};
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK)
    throw std::runtime_error(std::string("SMTP delivery failed: ") + curl_easy_strerror(rc));
}

}  // namespace microblog
