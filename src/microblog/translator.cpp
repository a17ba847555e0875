#include "microblog/translator.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>

namespace microblog {
namespace {
size_t collect(char* p, size_t size, size_t n, void* userp) {
  static_cast<std::string*>(userp)->append(p, size * n);
  return size * n;
}
}  // namespace

std::optional<std::string> translate(const TranslatorSettings& s, const std::string& text,
                                     const std::string& source, const std::string& dest) {
  namespace json = boost::json;
  std::string url, body;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (s.kind == "microsoft") {
    url = s.url + "/translate?api-version=3.0&from=" + source + "&to=" + dest;
    body = json::serialize(json::array{json::object{{"Text", text}}});
    headers = curl_slist_append(headers, ("Ocp-Apim-Subscription-Key: " + s.key).c_str());
    headers = curl_slist_append(headers, ("Ocp-Apim-Subscription-Region: " + s.region).c_str());
  } else {
    url = s.url + "/translate";
    json::object o{{"q", text}, {"source", source}, {"target", dest}, {"format", "text"}};
    if (!s.key.empty()) o["api_key"] = s.key;
    body = json::serialize(o);
  }
  CURL* curl = curl_easy_init();
  if (!curl) {
    curl_slist_free_all(headers);
    return std::nullopt;
  }
  std::string out;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const auto rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK || status != 200) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(out, ec);
  if (ec) return std::nullopt;
  try {
    if (s.kind == "microsoft")
      return std::string(v.as_array()
                             .at(0)
                             .as_object()
                             .at("translations")
                             .as_array()
                             .at(0)
                             .at("text")
                             .as_string());
    return std::string(v.as_object().at("translatedText").as_string());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace microblog
