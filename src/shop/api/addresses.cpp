// Saved addresses: /account/all-address-details/, address-details/<pk>/,
// create-address/, update-address/<pk>/, delete-address/<pk>/.
#include <boost/json.hpp>

#include "shop/api/access.hpp"
#include "shop/api/body.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/storage/addresses.hpp"

namespace shop::api {

namespace {

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto pos = content_type.find("boundary=");
  if (pos == std::string_view::npos) return std::nullopt;
  auto b = content_type.substr(pos + 9);
  if (const auto semi = b.find(';'); semi != std::string_view::npos) b = b.substr(0, semi);
  if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
  if (b.empty()) return std::nullopt;
  return std::string(b);
}

// The text fields of a multipart/form-data body (files are skipped: none of
// these endpoints takes one).
boost::json::object parse_multipart(std::string_view body, const std::string& boundary) {
  boost::json::object out;
  const std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;
    const auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) break;
    const auto head = body.substr(pos, head_end - pos);
    const auto next = body.find("\r\n" + delimiter, head_end + 4);
    if (next == std::string_view::npos) break;
    const auto value = body.substr(head_end + 4, next - head_end - 4);
    const auto name_at = head.find("name=\"");
    if (name_at != std::string_view::npos && head.find("filename=") == std::string_view::npos) {
      const auto start = name_at + 6;
      const auto end = head.find('"', start);
      if (end != std::string_view::npos)
        out[std::string(head.substr(start, end - start))] = std::string(value);
    }
    pos = next + 2;
  }
  return out;
}

boost::json::object parse_form(std::string_view body) {
  boost::json::object out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    auto key = ts::http::form_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : ts::http::form_decode(pair.substr(eq + 1));
    if (!key || !value) throw HttpError::bad_request("Malformed form data.");
    if (!key->empty()) out[*key] = *value;
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

boost::json::object address_json(const storage::Address& a) {
  // Key order is the original serializer's.
  return {{"id", a.id},
          {"name", a.fields.name},
          {"phone_number", a.fields.phone_number},
          {"pin_code", a.fields.pin_code},
          {"house_no", a.fields.house_no},
          {"landmark", a.fields.landmark},
          {"city", a.fields.city},
          {"state", a.fields.state},
          {"user", a.user_id}};
}

std::int64_t path_id(const ts::http::Request& req) {
  return req.param_int("pk");
}

}  // namespace

// The body as an object whatever the encoding the original accepted (JSON,
// form-urlencoded, multipart); used by every handler of this area.
boost::json::object read_body_object(const ts::http::Request& req) {
  const auto type = req.header("Content-Type").value_or("");
  if (type.find("application/x-www-form-urlencoded") != std::string_view::npos)
    return parse_form(req.body);
  if (type.find("multipart/form-data") != std::string_view::npos) {
    if (auto boundary = multipart_boundary(type)) return parse_multipart(req.body, *boundary);
    throw HttpError::bad_request(
        "Multipart form parse error - Invalid boundary in multipart: None");
  }
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  auto v = req.json();
  if (!v.is_object())
    throw HttpError(
        400,
        boost::json::value(boost::json::object{
            {"non_field_errors", boost::json::array{"Invalid data. Expected a dictionary."}}}));
  return std::move(v.as_object());
}

void register_addresses(Shop& shop, ts::http::Router& router) {
  auto db = shop.db;

  // The original had no permission class here and crashed (500) for anonymous callers.
  router.get("/account/all-address-details/", kSignedIn, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    boost::json::array out;
    for (const auto& a : storage::list_addresses(*db, user.id)) out.push_back(address_json(a));
    return ts::http::Response::json(out);
  });

  // The original served any address to anyone (IDOR); here the owner or an
  // admin, and 404 for everyone else so ids do not reveal anything.
  router.get("/account/address-details/{pk:int}/", kSignedIn, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    auto a = storage::find_address(*db, path_id(req));
    if (!a || (a->user_id != user.id && !user.is_staff)) throw HttpError::not_found();
    return ts::http::Response::json(address_json(*a));
  });

  router.post("/account/create-address/", kSignedIn, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    auto fields = domain::validate_address(read_body_object(req));
    if (!fields) throw field_errors(fields.error());
    storage::Address a{0, user.id, std::move(fields.value())};
    a.id = storage::insert_address(*db, user.id, a.fields);
    return ts::http::Response::json(address_json(a));  // 200, as the original
  });

  router.put("/account/update-address/{pk:int}/", kSignedIn, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    auto a = storage::find_address(*db, path_id(req));
    if (!a) throw details(404, "Not found.");
    if (a->user_id != user.id) throw details(403, "Permission denied.");
    auto fields = domain::validate_address_update(read_body_object(req), a->fields);
    if (!fields) throw field_errors(fields.error());
    a->fields = std::move(fields.value());
    storage::update_address(*db, a->id, a->fields);
    return ts::http::Response::json(address_json(*a));
  });

  // The original answered anonymous callers 403 (no permission class); 401
  // here like every other endpoint that needs a login.
  router.del("/account/delete-address/{pk:int}/", kSignedIn, [db](ts::http::Request& req) {
    const auto& user = caller(req);
    auto a = storage::find_address(*db, path_id(req));
    if (!a) throw details(404, "Not found.");
    if (a->user_id != user.id) throw details(403, "Permission denied.");
    storage::delete_address(*db, a->id);
    return ts::http::Response::json(
        boost::json::object{{"details", "Address successfully deleted."}}, 204);
  });
}

}  // namespace shop::api
