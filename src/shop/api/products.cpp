// Product endpoints (spec shop.md §2.3) and the media route /images/{name}.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "platform/core/log.hpp"
#include "platform/core/paginate.hpp"
#include "platform/core/text.hpp"
#include "platform/http/multipart.hpp"
#include "shop/api/access.hpp"
#include "shop/api/errors.hpp"
#include "shop/api/routes.hpp"
#include "shop/domain/money.hpp"
#include "shop/media/store.hpp"
#include "shop/service/products.hpp"
#include "shop/storage/products.hpp"

namespace shop::api {
namespace {

using ts::http::Request;
using ts::http::Response;

namespace msg {
constexpr std::string_view kInvalidPage = "Invalid page.";
}  // namespace msg

constexpr std::int64_t kDefaultPageSize = 20;
constexpr std::int64_t kMaxPageSize = 100;

boost::json::object to_json(const storage::Product& p) {
  // Key order is the original serializer's.
  boost::json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["description"] = p.description;
  o["price"] = domain::Money::from_cents(p.price_cents).to_string();
  o["stock"] = p.stock;
  o["image"] = p.image ? boost::json::value("/images/" + *p.image) : boost::json::value(nullptr);
  return o;
}

Response json_text(std::string body) {
  return Response(200, std::move(body), "application/json");
}

// ---- the catalogue cache ----------------------------------------------------
// GET /api/products/ and /api/product/<id>/ are answered from serialized JSON
// held in memory, on the network threads (no worker hop, no database). The
// snapshot is rebuilt by every write through this instance right after its
// commit, and by a background thread every SHOP_CATALOGUE_CACHE_MS (default
// 1000), which is how writes through another instance sharing the database
// show up. A refresh interval rather than a per-request change-counter query:
// one database round trip per request is what the cache exists to avoid, and
// the catalogue changes rarely. 0 disables the cache: every request then reads
// the database on a worker thread.
struct CachedProduct {
  storage::Product product;
  std::string json;
  std::string folded_name, folded_description;  // ASCII lower case, for ?q=
};

struct Snapshot {
  std::vector<CachedProduct> products;  // id order
  std::unordered_map<std::int64_t, std::size_t> by_id;
  std::string list;  // the whole list, serialized
};

class Catalogue {
 public:
  Catalogue(std::shared_ptr<ts::db::Pool> db, std::chrono::milliseconds interval)
      : db_(std::move(db)), interval_(interval) {}
  ~Catalogue() {
    refresher_.request_stop();
    wake_.notify_all();
  }

  // Loads once now (failures are logged; the refresher retries), then keeps refreshing.
  void start() {
    try {
      reload();
    } catch (const std::exception& e) {
      ts::log::warn("product catalogue not loaded yet", {{"error", e.what()}});
    }
    refresher_ = std::jthread([this](const std::stop_token& stop) {
      // A stoppable sleep: nothing is shared under m (wait_for needs a lock),
      // and a stop request wakes the wait through the stop token.
      std::mutex m;
      // cppcheck-suppress localMutex
      std::unique_lock lock(m);
      while (!stop.stop_requested()) {
        wake_.wait_for(lock, stop, interval_, [] { return false; });
        if (stop.stop_requested()) break;
        try {
          reload();
        } catch (const std::exception& e) {
          ts::log::warn("product catalogue refresh failed; serving the last one",
                        {{"error", e.what()}});
        }
      }
    });
  }

  // Null until the first load succeeded.
  std::shared_ptr<const Snapshot> get() const {
    std::lock_guard lock(current_mutex_);
    return current_;
  }

  // Rebuilds from the database. Serialized, so a reload that started after a
  // commit is also stored after every reload that started before it.
  void reload() {
    std::lock_guard lock(reload_);
    auto next = std::make_shared<Snapshot>();
    boost::json::array all;
    for (auto& p : storage::list_products(*db_)) {
      auto o = to_json(p);
      CachedProduct c{std::move(p), boost::json::serialize(o), {}, {}};
      c.folded_name = ts::core::to_lower(c.product.name);
      c.folded_description = ts::core::to_lower(c.product.description);
      next->by_id.emplace(c.product.id, next->products.size());
      next->products.push_back(std::move(c));
      all.push_back(std::move(o));
    }
    next->list = boost::json::serialize(all);
    std::shared_ptr<const Snapshot> old;  // released outside current_mutex_
    std::lock_guard publish(current_mutex_);
    old = std::exchange(current_, std::move(next));
  }

  // After a write: the writer's own next read must see it.
  void changed() {
    try {
      reload();
    } catch (const std::exception& e) {
      ts::log::warn("product catalogue reload after a write failed; the refresher retries",
                    {{"error", e.what()}});
    }
  }

 private:
  std::shared_ptr<ts::db::Pool> db_;
  std::chrono::milliseconds interval_;
  // A mutex, not std::atomic<std::shared_ptr>: libstdc++ 12's load() drops
  // its internal lock with a relaxed fetch_sub, so the pointer it read is not
  // ordered before the next store's write of it, and ThreadSanitizer reports
  // that race (google/sanitizers#1558). The critical section is one
  // reference-count increment.
  mutable std::mutex current_mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::mutex reload_;
  std::condition_variable_any wake_;
  std::jthread refresher_;  // last: stops before the members it uses go
};

// The public catalogue routes run on the network threads without the
// database-backed authenticator. As the original, a token that is sent must
// still be a valid access token (401 otherwise, with the same bodies as
// shop::authenticate); revocation and the account's state are not looked up
// for public data.
void check_public_token(const Shop& shop, const Request& req) {
  (void)verify_bearer(shop, req);
}

// ---- request bodies -------------------------------------------------------------

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;  // continuation bytes
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xE) {
      n = 2;
    } else if ((c >> 3) == 0x1E) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    std::uint32_t cp = c & (0x3F >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

using service::ImageInput;

service::ProductForm read_input(const Request& req, std::size_t max_image_bytes) {
  service::ProductForm in;
  const auto content_type = req.header("Content-Type").value_or("");
  const auto media = content_type.substr(0, content_type.find(';'));
  auto is = [&](std::string_view t) {
    auto m = media;
    while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
    return ts::http::iequals(m, t);
  };

  if (ts::http::is_multipart_form(content_type)) {
    ts::http::MultipartLimits limits;
    limits.max_parts = 16;
    limits.max_part_bytes = max_image_bytes;
    limits.max_field_bytes = 256 << 10;
    const auto form = ts::http::parse_multipart_form(req, limits);
    for (const auto& part : form.parts) {
      if (part.name == "image") {
        if (part.filename) {
          in.image.kind = (part.filename->empty() && part.body.empty()) ? ImageInput::empty_file
                                                                        : ImageInput::file;
          in.image.bytes = part.body;
        } else {
          in.image.kind = ImageInput::value;
          in.image.json = boost::json::string(part.body);
        }
        continue;
      }
      // As the original's QueryDict: the last value of a repeated key wins.
      if (!valid_utf8(part.body))
        throw HttpError(400,
                        boost::json::value{{"detail", {{part.name, {"Not a valid string."}}}}});
      in.fields[part.name] = part.body;
    }
    return in;
  }
  if (is("application/x-www-form-urlencoded")) {
    std::string_view rest(req.body);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const auto pair = rest.substr(0, amp);
      rest.remove_prefix(amp == std::string_view::npos ? rest.size() : amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      auto key = ts::http::form_decode(pair.substr(0, eq));
      auto val = ts::http::form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      if (!key || !val || !valid_utf8(*key) || !valid_utf8(*val))
        throw HttpError::bad_request("Form parse error - malformed percent-encoding");
      if (*key == "image") {
        in.image.kind = ImageInput::value;
        in.image.json = boost::json::string(*val);
      } else {
        in.fields[*key] = *val;
      }
    }
    return in;
  }
  if (!media.empty() && !is("application/json"))
    throw HttpError(415, "Unsupported media type \"" + std::string(media) + "\" in request.");
  auto body = req.json();
  if (!body.is_object())
    throw HttpError(400, boost::json::value{
                             {"detail",
                              {{"non_field_errors",
                                {"Invalid data. Expected a dictionary, but got " +
                                 std::string(body.is_array() ? "list" : "another type") + "."}}}}});
  in.fields = std::move(body.as_object());
  if (auto it = in.fields.find("image"); it != in.fields.end()) {
    in.image.kind = ImageInput::value;
    in.image.json = it->value();
    in.fields.erase(it);
  }
  return in;
}

std::int64_t product_id(const Request& req) {
  // The original took <str:pk> and crashed (500) on anything not found;
  // a non-numeric or unknown id is a 404 here.
  try {
    return req.param_int("pk");
  } catch (const HttpError&) {
    throw HttpError::not_found();
  }
}

// ---- pagination ----------------------------------------------------------------

std::optional<std::int64_t> positive_int(const std::optional<std::string>& s) {
  if (!s || s->empty() || s->size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (char c : *s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return std::nullopt;
  return v;
}

// ?q=, ?page= ("last" allowed), ?page_size= as DRF's PageNumberPagination
// reads them: a bad page is 404 "Invalid page.", a bad page_size falls back to
// the default, a large one is capped.
struct PageRequest {
  std::string q;
  std::int64_t page = 1;
  std::int64_t size = kDefaultPageSize;
  bool last = false;
};

bool wants_page(const Request& req) {
  return !req.query.empty() &&
         (req.query_param("q") || req.query_param("page") || req.query_param("page_size"));
}

PageRequest page_request(const Request& req) {
  PageRequest pr;
  pr.q = req.query_param("q").value_or("");
  const auto page = req.query_param("page");
  if (page && *page == "last") {
    pr.last = true;
  } else if (page && !page->empty()) {
    auto p = positive_int(page);
    if (!p) throw HttpError::not_found(std::string(msg::kInvalidPage));
    pr.page = *p;
  }
  pr.size =
      std::min(positive_int(req.query_param("page_size")).value_or(kDefaultPageSize), kMaxPageSize);
  if (pr.page > INT64_MAX / pr.size) throw HttpError::not_found(std::string(msg::kInvalidPage));
  return pr;
}

// As DRF's paginator: an empty list is one (empty) page.
std::int64_t page_count(std::int64_t count, std::int64_t size) {
  return std::max<std::int64_t>(1, ts::core::page_count(count, size));
}

// {"count","next","previous","results"} from already serialized products.
Response page_response(const PageRequest& pr, std::int64_t page, std::int64_t count,
                       const std::vector<std::string_view>& items) {
  const ts::core::Page pg{page, pr.size};
  auto link = [&](std::int64_t p) {
    std::string url =
        "/api/products/?page=" + std::to_string(p) + "&page_size=" + std::to_string(pr.size);
    if (!pr.q.empty()) url += "&q=" + ts::core::percent_encode(pr.q);
    return boost::json::serialize(boost::json::value(url));
  };
  std::string out = "{\"count\":" + std::to_string(count) + ",\"next\":";
  out += pg.has_next(count) ? link(page + 1) : "null";
  out += ",\"previous\":";
  out += pg.has_previous() ? link(page - 1) : "null";
  out += ",\"results\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    out.append(items[i]);
  }
  out += "]}";
  return json_text(std::move(out));
}

// The search on the cached catalogue: q is a plain substring (no wildcards),
// matched with ASCII case folding in name or description.
Response page_from_snapshot(const Snapshot& snap, const Request& req) {
  const auto pr = page_request(req);
  const auto needle = ts::core::to_lower(pr.q);
  std::vector<const CachedProduct*> hits;
  for (const auto& c : snap.products) {
    if (needle.empty() || c.folded_name.find(needle) != std::string::npos ||
        c.folded_description.find(needle) != std::string::npos)
      hits.push_back(&c);
  }
  const auto count = static_cast<std::int64_t>(hits.size());
  const auto page = pr.last ? page_count(count, pr.size) : pr.page;
  if (page > page_count(count, pr.size)) throw HttpError::not_found(std::string(msg::kInvalidPage));
  std::vector<std::string_view> items;
  const ts::core::Page pg{page, pr.size};
  for (std::int64_t i = pg.offset(); i < std::min(count, pg.end()); ++i)
    items.push_back(hits[static_cast<std::size_t>(i)]->json);
  return page_response(pr, page, count, items);
}

// The same in SQL (cache disabled): LIKE with the wildcards escaped.
Response page_from_database(ts::db::Pool& db, const Request& req) {
  const auto pr = page_request(req);
  std::int64_t page = pr.page;
  auto result = storage::search_products(db, pr.q, ts::core::Page{page, pr.size}.offset(), pr.size);
  if (pr.last) {
    page = page_count(result.count, pr.size);
    result = storage::search_products(db, pr.q, ts::core::Page{page, pr.size}.offset(), pr.size);
  }
  if (page > page_count(result.count, pr.size))
    throw HttpError::not_found(std::string(msg::kInvalidPage));
  std::vector<std::string> json;
  for (const auto& p : result.items) json.push_back(boost::json::serialize(to_json(p)));
  return page_response(pr, page, result.count, {json.begin(), json.end()});
}

// GET /api/products/ and /api/product/<id>/: from the in-memory catalogue
// (returned, for the writes to refresh) or, with the cache disabled, the database.
std::shared_ptr<Catalogue> register_reads(Shop& shop, ts::http::Router& router) {
  auto db = shop.db;
  Shop* s = &shop;
  const auto interval = shop.settings.catalogue_cache;
  if (interval.count() <= 0) {
    router.get("/api/products/", [db](Request& req) {
      if (wants_page(req)) return page_from_database(*db, req);
      boost::json::array out;
      for (const auto& p : storage::list_products(*db)) out.push_back(to_json(p));
      return Response::json(out);
    });
    router.get("/api/product/{pk}/", [db](Request& req) {
      auto p = storage::find_product(*db, product_id(req));
      if (!p) throw HttpError::not_found();
      return Response::json(to_json(*p));
    });
    return nullptr;
  }
  auto catalogue = std::make_shared<Catalogue>(db, interval);
  catalogue->start();
  // Memory only: no database, no worker hop (see Catalogue).
  const ts::http::RouteOptions fast{.blocking = false, .authenticate = false};
  auto snapshot = [catalogue] {
    auto snap = catalogue->get();
    if (!snap) throw HttpError::unavailable("The catalogue is not loaded yet; try again.");
    return snap;
  };
  router.get(
      "/api/products/",
      [s, snapshot](Request& req) {
        check_public_token(*s, req);
        const auto snap = snapshot();
        // The original's unpaginated list unless the client asks for a search or a page.
        if (wants_page(req)) return page_from_snapshot(*snap, req);
        return json_text(snap->list);
      },
      fast);
  router.get(
      "/api/product/{pk}/",
      [s, snapshot](Request& req) {
        check_public_token(*s, req);
        const auto id = product_id(req);
        const auto snap = snapshot();
        auto it = snap->by_id.find(id);
        if (it == snap->by_id.end()) throw HttpError::not_found();
        return json_text(snap->products[it->second].json);
      },
      fast);
  return catalogue;
}

}  // namespace

void register_products(Shop& shop, ts::http::Router& router) {
  Shop* s = &shop;
  const std::size_t max_image = shop.settings.max_image_bytes;
  ts::http::RouteOptions upload;
  upload.body_limit = max_image + (64 << 10);
  // Staff only: checked on the header, so an anonymous upload is refused
  // before any of its megabytes are read.
  upload.access = ts::http::Access::staff;

  const auto catalogue = register_reads(shop, router);
  auto changed = [catalogue] {
    if (catalogue) catalogue->changed();
  };

  router.post(
      "/api/product-create/",
      [s, changed, max_image](Request& req) {
        return mapped([&] {
          const auto form = read_input(req, max_image);
          return Response::json(to_json(service::create_product(*s, form, changed)));
        });
      },
      upload);

  router.put(
      "/api/product-update/{pk}/",
      [s, changed, max_image](Request& req) {
        return mapped([&] {
          auto current = storage::find_product(*s->db, product_id(req));
          if (!current) throw HttpError::not_found();
          const auto form = read_input(req, max_image);
          return Response::json(to_json(service::update_product(*s, *current, form, changed)));
        });
      },
      upload);

  router.del("/api/product-delete/{pk}/", kStaff, [s, changed](Request& req) {
    return mapped([&] {
      service::delete_product(*s, product_id(req), changed);
      return Response::json(boost::json::object{{"detail", "Product successfully deleted."}}, 204);
    });
  });

  ts::http::RouteOptions media_options;
  media_options.authenticate = false;  // public files; a stale token must not hide them
  media_options.blocking = true;       // file I/O
  router.get(
      "/images/{name}",
      [s](Request& req) { return media::serve_image(s->settings.media_dir, req.param("name")); },
      media_options);
}

}  // namespace shop::api
