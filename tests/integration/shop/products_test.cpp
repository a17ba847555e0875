// Product endpoints, image uploads and /images/, search and pagination, the
// catalogue cache, and `shop seed` — black-box against the real binary on
// SQLite and PostgreSQL. The original's product tests (spec §5, 29–41) come
// first, with their real expectations where the original's were broken.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "products_fixture.hpp"

using namespace std::chrono_literals;
using namespace prod_test;
using shop_test::json;
using shop_test::ShopServer;

namespace {

const char* kInvalidImage =
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image.";
const char* kNotAFile = "The submitted data was not a file. Check the encoding type on the form.";

class Products : public ::testing::TestWithParam<std::string> {
 protected:
  explicit Products(std::map<std::string, std::string> env = {})
      : srv(GetParam(), with_defaults(std::move(env))), db(open_pool(srv.db_url())) {
    admin = make_account(*db, "admin", true);
    user = make_account(*db, "testuser", false);
  }
  std::string media_dir() { return srv.env().at("SHOP_MEDIA_DIR"); }
  static std::map<std::string, std::string> with_defaults(std::map<std::string, std::string> env) {
    env.emplace("SHOP_CATALOGUE_CACHE_MS", "100");  // rows inserted straight into the db show soon
    return env;
  }

  std::vector<Part> product_form(const std::string& name, const std::string& image_bytes,
                                 const std::string& filename = "phone.png") {
    return {field("name", name), field("description", "great phone"), field("price", "400.99"),
            field("stock", "True"), file("image", filename, image_bytes, "image/png")};
  }

  ShopServer srv;
  std::shared_ptr<ts::db::Pool> db;
  Account admin, user;
};

std::string image_name(const boost::json::value& product) {
  const auto& img = product.at("image").as_string();
  EXPECT_EQ(img.subview().substr(0, 8), "/images/");
  return std::string(img.subview().substr(8));
}

// Rows written straight into the database reach the catalogue cache at its next refresh.
void settle() {
  std::this_thread::sleep_for(300ms);
}

}  // namespace

// ---- the original's tests -----------------------------------------------------------

TEST_P(Products, HomePageListsTheCatalogue) {  // original 29 and 32
  insert_product(*db, "Apple Watch", "Great Watch", 39999, true, "apple.png");
  settle();
  auto r = srv.get("/api/products/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Apple Watch"), std::string::npos);
  EXPECT_NE(r.body.find("399.99"), std::string::npos);
  EXPECT_NE(r.body.find("apple.png"), std::string::npos);
  EXPECT_EQ(r.header("content-type"), "application/json");
  const auto all = json(r);
  const auto& p = all.as_array().at(0).as_object();
  EXPECT_EQ(p.at("image"), "/images/apple.png");
  EXPECT_EQ(p.at("stock"), true);
}

TEST_P(Products, DetailPage) {  // original 33
  const auto id = insert_product(*db, "Apple Watch", "Great Watch", 39999, true, "apple.png");
  settle();
  auto r = srv.get("/api/product/" + std::to_string(id) + "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r), (boost::json::value{{"id", id},
                                         {"name", "Apple Watch"},
                                         {"description", "Great Watch"},
                                         {"price", "399.99"},
                                         {"stock", true},
                                         {"image", "/images/apple.png"}}));
  EXPECT_EQ(srv.get("/api/product/424242/").status, 404);
  EXPECT_EQ(srv.get("/api/product/abc/").status, 404);
  EXPECT_EQ(json(srv.get("/api/product/abc/")), (boost::json::value{{"detail", "Not found."}}));
}

TEST_P(Products, CreateRequiresAnAdmin) {  // original 36, with the real expectation
  const auto form = product_form("smart phone", png_bytes(8, 8));
  EXPECT_EQ(send_form(srv, "POST", "/api/product-create/", form, user.token).status, 403);
  auto anon = send_form(srv, "POST", "/api/product-create/", form, "");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(json(anon).at("detail"), "Authentication credentials were not provided.");
  EXPECT_EQ(json(srv.get("/api/products/")).as_array().size(), 0u);
}

TEST_P(Products, AdminCreatesWithARealPngAndItIsServed) {  // original 37
  const auto png = png_bytes(16, 12);
  auto r =
      send_form(srv, "POST", "/api/product-create/", product_form("smart phone", png), admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json(r);
  std::vector<std::string> keys;
  for (const auto& kv : body.as_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"id", "name", "description", "price", "stock", "image"}));
  EXPECT_EQ(body.at("name"), "smart phone");
  EXPECT_EQ(body.at("price"), "400.99");
  EXPECT_EQ(body.at("stock"), true);
  const auto name = image_name(body);
  EXPECT_TRUE(std::regex_match(name, std::regex("[0-9a-f]{32}\\.png"))) << name;
  EXPECT_TRUE(std::filesystem::exists(media_dir() + "/" + name));

  auto img = srv.get("/images/" + name);
  ASSERT_EQ(img.status, 200);
  EXPECT_EQ(img.body, png);
  EXPECT_EQ(img.header("content-type"), "image/png");
  EXPECT_NE(img.header("cache-control").find("max-age"), std::string::npos);
  // The list shows it at once (the cache is invalidated by the write).
  auto list = json(srv.get("/api/products/")).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], body);
  // As the original, a bad token on the public list is a 401; a good one is fine.
  EXPECT_EQ(srv.get("/api/products/", "not-a-token").status, 401);
  EXPECT_EQ(srv.get("/api/products/", user.token).status, 200);
  // A stale or bad token does not hide public images.
  EXPECT_EQ(srv.get("/images/" + name, "not-a-token").status, 200);
}

TEST_P(Products, JpegAndGifAreAcceptedByContentNotName) {
  auto jpg = send_form(srv, "POST", "/api/product-create/",
                       product_form("camera", jpeg_bytes(20, 10), "camera.png"), admin.token);
  ASSERT_EQ(jpg.status, 200) << jpg.body;
  const auto jname = image_name(json(jpg));
  EXPECT_TRUE(jname.ends_with(".jpg")) << "extension from the detected format: " << jname;
  EXPECT_EQ(srv.get("/images/" + jname).header("content-type"), "image/jpeg");

  auto gif = send_form(srv, "POST", "/api/product-create/",
                       product_form("gif", gif_bytes(), "x.bin"), admin.token);
  ASSERT_EQ(gif.status, 200) << gif.body;
  EXPECT_TRUE(image_name(json(gif)).ends_with(".gif"));
}

TEST_P(Products, EditByAdminKeepsBlanks) {  // original 38 (JSON body, blanks keep values)
  const auto id = insert_product(*db, "Ghost Recon Wildlands", "Great game", 122499, true,
                                 "no_preview_image.png");
  auto r = srv.put(
      "/api/product-update/" + std::to_string(id) + "/",
      {{"name", ""}, {"description", ""}, {"price", "400.99"}, {"stock", "True"}, {"image", ""}},
      admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r), (boost::json::value{{"id", id},
                                         {"name", "Ghost Recon Wildlands"},
                                         {"description", "Great game"},
                                         {"price", "400.99"},
                                         {"stock", true},
                                         {"image", "/images/no_preview_image.png"}}));
  // stock is always taken from the body
  r = srv.put(
      "/api/product-update/" + std::to_string(id) + "/",
      {{"name", "GRW"}, {"description", ""}, {"price", ""}, {"stock", "false"}, {"image", nullptr}},
      admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("stock"), false);
  EXPECT_EQ(json(r).at("name"), "GRW");
  EXPECT_EQ(json(r).at("price"), "400.99");
  EXPECT_EQ(json(srv.get("/api/product/" + std::to_string(id) + "/")).at("name"), "GRW");
}

TEST_P(Products, EditWithoutAdmin) {  // original 39
  const auto id = insert_product(*db, "Ghost Recon Wildlands", "Great game", 122499, true);
  const boost::json::value body = {
      {"name", "x"}, {"description", ""}, {"price", "1"}, {"stock", "True"}, {"image", ""}};
  EXPECT_EQ(srv.put("/api/product-update/" + std::to_string(id) + "/", body, user.token).status,
            403);
  EXPECT_EQ(srv.put("/api/product-update/" + std::to_string(id) + "/", body).status, 401);
}

TEST_P(Products, DeleteByAdmin) {  // original 40
  const auto id = insert_product(*db, "Ghost Recon Wildlands", "Great game", 122499, true);
  const auto path = "/api/product-delete/" + std::to_string(id) + "/";
  EXPECT_EQ(srv.del(path, user.token).status, 403);  // original 41
  EXPECT_EQ(srv.del(path).status, 401);
  auto r = srv.del(path, admin.token);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(srv.get("/api/product/" + std::to_string(id) + "/").status, 404);
  auto again = srv.del(path, admin.token);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(json(again), (boost::json::value{{"detail", "Not found."}}));
  EXPECT_EQ(srv.del("/api/product-delete/abc/", admin.token).status, 404);
  EXPECT_EQ(json(srv.get("/api/products/")).as_array().size(), 0u);
}

// ---- uploads: refusals ---------------------------------------------------------------

TEST_P(Products, TextFileNamedJpgIsRefused) {
  auto r =
      send_form(srv, "POST", "/api/product-create/",
                product_form("fake", "this is not an image at all\n", "photo.jpg"), admin.token);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json(r), (boost::json::value{{"detail", {{"image", {kInvalidImage}}}}}));
  // A truncated PNG (right magic number, not decodable) is refused too.
  const auto png = png_bytes(32, 32);
  r = send_form(srv, "POST", "/api/product-create/",
                product_form("cut", png.substr(0, png.size() / 2)), admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(srv.get("/api/products/")).as_array().size(), 0u);
  // Nothing was left in the media directory.
  if (std::filesystem::exists(media_dir())) {
    EXPECT_TRUE(std::filesystem::is_empty(media_dir()));
  }
}

TEST_P(Products, ValidationErrorsNameTheFields) {
  // Missing keys: 400 naming each one (the original: 500).
  auto r = send_form(srv, "POST", "/api/product-create/", {field("name", "x")}, admin.token);
  ASSERT_EQ(r.status, 400) << r.body;
  const auto missing = json(r);
  const auto& d = missing.at("detail").as_object();
  for (const char* f : {"description", "price", "stock", "image"}) {
    ASSERT_TRUE(d.contains(f)) << f << " in " << r.body;
    EXPECT_EQ(d.at(f), (boost::json::array{"This field is required."}));
  }
  EXPECT_FALSE(d.contains("name"));

  r = send_form(srv, "POST", "/api/product-create/",
                {field("name", ""), field("description", ""), field("price", "12.345"),
                 field("stock", "maybe"), field("image", "")},
                admin.token);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(
      json(r),
      (boost::json::value{{"detail",
                           {{"name", {"This field may not be blank."}},
                            {"price", {"Ensure that there are no more than 2 decimal places."}},
                            {"stock", {"Must be a valid boolean."}},
                            {"image", {kNotAFile}}}}}));

  // JSON without a file: "image": null is a product without an image.
  r = srv.post("/api/product-create/",
               {{"name", "no picture"},
                {"description", ""},
                {"price", 30000},
                {"stock", false},
                {"image", nullptr}},
               admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("image"), nullptr);
  EXPECT_EQ(json(r).at("price"), "30000.00");
  r = srv.post(
      "/api/product-create/",
      {{"name", "x"}, {"description", ""}, {"price", "1"}, {"stock", "true"}, {"image", "null"}},
      admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r).at("detail").at("image"), (boost::json::array{kNotAFile}));
  // Other media types are refused; broken multipart is a 400.
  EXPECT_EQ(srv.send("POST", "/api/product-create/", "name=x", {{"Content-Type", "text/plain"}},
                     admin.token)
                .status,
            415);
  EXPECT_EQ(srv.send("POST", "/api/product-create/", "--zz\r\nbroken",
                     {{"Content-Type", "multipart/form-data; boundary=zz"}}, admin.token)
                .status,
            400);
  // An empty file input (no file chosen) is a product without an image.
  r = send_form(srv, "POST", "/api/product-create/",
                {field("name", "empty input"), field("description", "d"), field("price", "5"),
                 field("stock", "false"), file("image", "", "")},
                admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r).at("image"), nullptr);
}

class SmallUploads : public Products {
 protected:
  SmallUploads() : Products({{"SHOP_MAX_IMAGE_BYTES", "4096"}}) {}
};

TEST_P(SmallUploads, OversizedImagesAre413) {
  const auto big = png_bytes(64, 64, 7);  // noisy pixels: well over 4 KiB
  ASSERT_GT(big.size(), 4096u);
  auto r = send_form(srv, "POST", "/api/product-create/", product_form("big", big), admin.token);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(json(r).at("detail").as_string().find("4096"), std::string::npos) << r.body;
  // Far beyond the route's body limit (image limit + 64 KiB): refused before parsing.
  const std::string huge(200 * 1024, 'x');
  r = send_form(srv, "POST", "/api/product-create/", product_form("huge", huge), admin.token);
  EXPECT_EQ(r.status, 413);
  // Within the limit it works.
  r = send_form(srv, "POST", "/api/product-create/", product_form("small", png_bytes(4, 4)),
                admin.token);
  EXPECT_EQ(r.status, 200) << r.body;
}

// ---- pixel limits (issue 12) ------------------------------------------------------------

namespace {

// The server's peak resident memory so far (VmHWM), in KiB.
long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  ADD_FAILURE() << "no VmHWM for " << pid;
  return 0;
}

std::string too_many_pixels(int w, int h, long limit) {
  return R"({"detail":{"image":["The image is )" + std::to_string(w) + "x" + std::to_string(h) +
         " pixels; at most " + std::to_string(limit) +
         R"( pixels (width times height) are accepted."]}})";
}

}  // namespace

// An image above SHOP_MAX_IMAGE_PIXELS (16 Mpx by default) is refused from
// its header: a 40 Mpx PNG of under a megabyte used to be decoded, which took
// about 240 MB.
TEST_P(Products, ImagesAboveThePixelLimitAreRefusedBeforeDecoding) {
  const auto bomb = black_png(8000, 5000);
  ASSERT_LT(bomb.size(), 1u << 20);
  auto r = send_form(srv, "POST", "/api/product-create/", product_form("bomb", bomb), admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, too_many_pixels(8000, 5000, 16'000'000));
  // The pixels were never allocated (one decoded copy alone is 120 MB).
  EXPECT_LT(peak_rss_kib(srv.service().process().pid()), 100 * 1024);
  // The header decides: one with no pixel data after it gets the same answer.
  r = send_form(srv, "POST", "/api/product-create/",
                product_form("header", png_header_only(4001, 4000)), admin.token);
  EXPECT_EQ(r.body, too_many_pixels(4001, 4000, 16'000'000));
  // An update is checked the same way.
  const auto id = insert_product(*db, "lamp", "a lamp", 1000, true);
  r = send_form(srv, "PUT", "/api/product-update/" + std::to_string(id) + "/",
                product_form("lamp", bomb), admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, too_many_pixels(8000, 5000, 16'000'000));
  settle();
  auto list = json(srv.get("/api/products/")).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("image"), nullptr);
}

class FewPixels : public Products {
 protected:
  FewPixels() : Products({{"SHOP_MAX_IMAGE_PIXELS", "10000"}}) {}
};

TEST_P(FewPixels, TheLimitIsConfigurableAndAppliesToPngAndJpeg) {
  for (const auto& [w, h] : {std::pair{100, 100}, std::pair{101, 100}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const bool fits = w * h <= 10000;
    auto png = send_form(srv, "POST", "/api/product-create/", product_form("png", png_bytes(w, h)),
                         admin.token);
    EXPECT_EQ(png.status, fits ? 200 : 400) << png.body;
    auto jpeg = send_form(srv, "POST", "/api/product-create/",
                          product_form("jpeg", jpeg_bytes(h, w), "x.jpg"), admin.token);
    EXPECT_EQ(jpeg.status, fits ? 200 : 400) << jpeg.body;
    if (!fits) {
      EXPECT_EQ(png.body, too_many_pixels(w, h, 10000));
      EXPECT_EQ(jpeg.body, too_many_pixels(h, w, 10000));
    }
  }
  // black_png() makes real images (the 40 Mpx one above would decode).
  EXPECT_EQ(send_form(srv, "POST", "/api/product-create/",
                      product_form("black", black_png(100, 100)), admin.token)
                .status,
            200);
  // GIF too (the 1x1 one fits; the limit is per image, not per format).
  EXPECT_EQ(
      send_form(srv, "POST", "/api/product-create/", product_form("gif", gif_bytes()), admin.token)
          .status,
      200);
}

// ---- update and delete -----------------------------------------------------------------

TEST_P(Products, UpdateReplacesTheImage) {
  auto r = send_form(srv, "POST", "/api/product-create/", product_form("phone", png_bytes(8, 8, 1)),
                     admin.token);
  ASSERT_EQ(r.status, 200);
  const auto id = json(r).at("id").as_int64();
  const auto first = image_name(json(r));
  const auto newer = png_bytes(9, 9, 2);
  r = send_form(srv, "PUT", "/api/product-update/" + std::to_string(id) + "/",
                {field("name", ""), field("description", ""), field("price", ""),
                 field("stock", "false"), file("image", "n.png", newer)},
                admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto second = image_name(json(r));
  EXPECT_NE(first, second);
  EXPECT_EQ(json(r).at("name"), "phone");
  EXPECT_EQ(json(r).at("stock"), false);
  EXPECT_EQ(srv.get("/images/" + second).body, newer);
  EXPECT_EQ(srv.get("/images/" + first).status, 404) << "the replaced file is removed";

  // Refusals: bad image, missing stock, unknown or non-numeric ids.
  r = send_form(srv, "PUT", "/api/product-update/" + std::to_string(id) + "/",
                {field("name", ""), field("description", ""), field("price", ""),
                 field("stock", "true"), file("image", "a.jpg", "GIF89a but not really")},
                admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r).at("detail").at("image"), (boost::json::array{kInvalidImage}));
  r = srv.put("/api/product-update/" + std::to_string(id) + "/",
              {{"name", ""}, {"description", ""}, {"price", ""}, {"image", ""}}, admin.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r).at("detail").at("stock"), (boost::json::array{"This field is required."}));
  const boost::json::value ok = {
      {"name", "x"}, {"description", ""}, {"price", "1"}, {"stock", "True"}, {"image", ""}};
  EXPECT_EQ(srv.put("/api/product-update/999999/", ok, admin.token).status, 404);
  EXPECT_EQ(srv.put("/api/product-update/abc/", ok, admin.token).status, 404);
  EXPECT_EQ(srv.put("/api/product-update/99999999999999999999999/", ok, admin.token).status, 404);

  // Delete removes the product and its generated file; orders keep the name.
  const auto uid = user.id;
  db->query(
      "INSERT INTO shop_orders (user_id, name, ordered_item, product_id, created_at) VALUES "
      "($1, 'Buyer', 'phone', $2, '2024-01-01T00:00:00.000000Z')",
      {uid, id});
  EXPECT_EQ(srv.del("/api/product-delete/" + std::to_string(id) + "/", admin.token).status, 204);
  EXPECT_EQ(srv.get("/images/" + second).status, 404);
  const auto order = db->query("SELECT ordered_item, product_id FROM shop_orders");
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(order[0].get<std::string>(0), "phone");
  EXPECT_FALSE(order[0].get<std::optional<std::int64_t>>(1).has_value());
}

// ---- search and pagination -------------------------------------------------------------------

class UncachedProducts : public Products {
 protected:
  UncachedProducts() : Products({{"SHOP_CATALOGUE_CACHE_MS", "0"}}) {}
};

// The same assertions on the cached catalogue (memory search) and with the
// cache off (SQL LIKE with escaped wildcards): both must answer alike.
void search_and_pagination(ShopServer& srv, ts::db::Pool& db);

TEST_P(Products, SearchAndPagination) {
  search_and_pagination(srv, *db);
}
TEST_P(UncachedProducts, SearchAndPaginationInSql) {
  search_and_pagination(srv, *db);
}

void search_and_pagination(ShopServer& srv, ts::db::Pool& pool) {
  auto* db = &pool;
  for (int i = 1; i <= 25; ++i)
    insert_product(*db, "Widget " + std::to_string(i), i % 2 ? "odd one" : "even one", 100 * i,
                   true);
  insert_product(*db, "Apple WATCH", "smart", 39999, true);
  insert_product(*db, "100% cotton_shirt", "plain", 999, false);
  insert_product(*db, "1000 cottonXshirt", "plain", 999, false);
  settle();

  // No parameters: the original's plain list; unrelated parameters too.
  EXPECT_EQ(json(srv.get("/api/products/")).as_array().size(), 28u);
  EXPECT_TRUE(json(srv.get("/api/products/?_=123")).is_array());

  auto r = srv.get("/api/products/?q=watch");
  ASSERT_EQ(r.status, 200);
  auto page = json(r).as_object();
  EXPECT_EQ(page.at("count"), 1);
  EXPECT_EQ(page.at("next"), nullptr);
  EXPECT_EQ(page.at("previous"), nullptr);
  EXPECT_EQ(page.at("results").as_array().at(0).at("name"), "Apple WATCH");
  std::vector<std::string> keys;
  for (const auto& kv : page) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"count", "next", "previous", "results"}));

  // Description matches, case-insensitively.
  EXPECT_EQ(json(srv.get("/api/products/?q=ODD")).at("count"), 13);
  // Wildcards are literal.
  page = json(srv.get("/api/products/?q=100%25")).as_object();
  EXPECT_EQ(page.at("count"), 1);
  EXPECT_EQ(json(srv.get("/api/products/?q=n_s")).at("count"), 1);
  EXPECT_EQ(json(srv.get("/api/products/?q=%25")).at("count"), 1);
  EXPECT_EQ(json(srv.get("/api/products/?q=nothing-like-this")).at("count"), 0);
  EXPECT_EQ(json(srv.get("/api/products/?q=%27%3B--")).at("count"), 0);

  // Pages.
  r = srv.get("/api/products/?page=2&page_size=10");
  ASSERT_EQ(r.status, 200);
  page = json(r).as_object();
  EXPECT_EQ(page.at("count"), 28);
  EXPECT_EQ(page.at("results").as_array().size(), 10u);
  EXPECT_EQ(page.at("results").as_array().at(0).at("name"), "Widget 11");
  EXPECT_EQ(page.at("next"), "/api/products/?page=3&page_size=10");
  EXPECT_EQ(page.at("previous"), "/api/products/?page=1&page_size=10");
  page = json(srv.get(page.at("next").as_string().c_str())).as_object();
  EXPECT_EQ(page.at("results").as_array().size(), 8u);
  EXPECT_EQ(page.at("next"), nullptr);
  page = json(srv.get("/api/products/?q=widget&page_size=5&page=2")).as_object();
  EXPECT_EQ(page.at("count"), 25);
  EXPECT_EQ(page.at("next"), "/api/products/?page=3&page_size=5&q=widget");
  // page_size is capped at 100; a bad one falls back to the default (20).
  EXPECT_EQ(json(srv.get("/api/products/?page_size=1000")).at("results").as_array().size(), 28u);
  EXPECT_EQ(json(srv.get("/api/products/?page_size=abc")).at("results").as_array().size(), 20u);
  EXPECT_EQ(json(srv.get("/api/products/?page=last&page_size=10")).at("results").as_array().size(),
            8u);
  for (const char* bad : {"/api/products/?page=0", "/api/products/?page=abc",
                          "/api/products/?page=99", "/api/products/?page=-1"}) {
    auto b = srv.get(bad);
    EXPECT_EQ(b.status, 404) << bad;
    EXPECT_EQ(json(b), (boost::json::value{{"detail", "Invalid page."}})) << bad;
  }
}

// ---- /images/ -----------------------------------------------------------------------------------

TEST_P(Products, ImagesRouteRefusesTraversalAndUnknownNames) {
  std::filesystem::create_directories(media_dir());
  { std::ofstream(media_dir() + "/laptop_W0rdEyw.jpg") << "\xFF\xD8\xFF\xE0 jpeg-ish"; }
  { std::ofstream(media_dir() + "/notes.txt.png") << "plain text"; }
  EXPECT_EQ(srv.get("/images/laptop_W0rdEyw.jpg").status, 200) << "an original-style name";
  EXPECT_EQ(srv.get("/images/laptop_W0rdEyw.jpg").header("content-type"), "image/jpeg");
  for (const char* bad :
       {"/images/..%2F..%2Fetc%2Fpasswd", "/images/..%2Fsecret.png", "/images/%2e%2e%2fsecret.png",
        "/images/..", "/images/.hidden.png", "/images/nothing-here.png", "/images/notes.txt.png",
        "/images/x.exe", "/images/%2Fetc%2Fpasswd", "/images/a%00.png", "/images/sub%2Fa.png"}) {
    auto r = srv.get(bad);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << bad << " → " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << bad;
    if (r.status == 404) {
      EXPECT_EQ(r.header("content-type"), "application/json") << bad;
    }
  }
  auto raw = ts::test::HttpClient(srv.port())
                 .raw("GET /images/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(raw.has_value());
  EXPECT_TRUE(raw->status == 404 || raw->status == 400) << raw->status;
  EXPECT_EQ(raw->body.find("root:"), std::string::npos);
  EXPECT_EQ(srv.send("POST", "/images/laptop_W0rdEyw.jpg", "", {}, admin.token).status, 405);
}

// ---- the catalogue cache with two instances on one database ---------------------------------

TEST_P(Products, SecondInstanceSeesChangesWithinTheTtl) {
  auto env = srv.env();
  env["SHOP_CATALOGUE_CACHE_MS"] = "300";
  ts::test::Service other(shop_test::shop_bin(), "SHOP", {"serve"}, env);
  const auto id = insert_product(*db, "Original name", "", 100, true);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(json(ts::test::http(other.port(), "GET", "/api/products/")).as_array().size(), 1u);
  // Change it through the first instance.
  auto r = srv.put(
      "/api/product-update/" + std::to_string(id) + "/",
      {{"name", "New name"}, {"description", ""}, {"price", ""}, {"stock", "true"}, {"image", ""}},
      admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(json(ts::test::http(other.port(), "GET", "/api/products/")).as_array().at(0).at("name"),
            "New name");
  // A product created elsewhere shows after the refresh interval.
  const auto id2 = insert_product(*db, "Fresh", "", 100, true);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(ts::test::http(other.port(), "GET", "/api/product/" + std::to_string(id2) + "/").status,
            200);
  // The first instance saw its own write at once (rebuilt after the commit).
  EXPECT_EQ(json(srv.get("/api/product/" + std::to_string(id) + "/")).at("name"), "New name");
}

// ---- shop seed
// ------------------------------------------------------------------------------------

TEST_P(Products, SeedLoadsTheDemoCatalogueWithPictures) {
  auto [status, out] = shop_test::shop_cmd({"seed"}, srv.env());
  ASSERT_EQ(status, 0) << out;
  auto list = json(srv.get("/api/products/")).as_array();
  ASSERT_EQ(list.size(), 33u);
  EXPECT_EQ(list[0].at("name"), "MacBook Pro");
  EXPECT_EQ(list[0].at("price"), "124999.99");
  int in_stock = 0, in_stock_first_24 = 0;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& p = list[i];
    in_stock += p.at("stock").as_bool();
    if (i < 24) in_stock_first_24 += p.at("stock").as_bool();
    names.insert(std::string(p.at("name").as_string()));
    const auto img = srv.get(std::string(p.at("image").as_string().c_str()));
    ASSERT_EQ(img.status, 200) << p.at("image");
    EXPECT_EQ(img.header("content-type"), "image/png");
    EXPECT_EQ(img.body.substr(1, 3), "PNG");
    // IHDR: width and height, big-endian, at bytes 16 and 20 (400 = 0x190).
    EXPECT_EQ(img.body.substr(16, 8), std::string("\0\0\x01\x90\0\0\x01\x90", 8)) << p.at("image");
  }
  // A store people buy from: nearly everything in stock (issue 17).
  EXPECT_EQ(in_stock, 30);
  EXPECT_EQ(in_stock_first_24, 22);
  EXPECT_EQ(names.size(), 33u);
  for (const char* n : {"Playstation 5", "Bolt Headphones", "Computer Chairs",
                        "Logitech G305 Lightspeed Wireless Gaming Mouse (Various Colors)"})
    EXPECT_TRUE(names.count(n)) << n;
  // Idempotent.
  auto [again, out2] = shop_test::shop_cmd({"seed"}, srv.env());
  EXPECT_EQ(again, 0) << out2;
  EXPECT_EQ(json(srv.get("/api/products/")).as_array().size(), 33u);
}

TEST_P(Products, SeedGeneratesADeterministicDataSet) {
  auto run = [](const std::map<std::string, std::string>& env) {
    return shop_test::shop_cmd(
        {"seed", "--users", "60", "--orders", "500", "--seed", "7", "--batch", "150"}, env);
  };
  auto [status, out] = run(srv.env());
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("orders: 500/500"), std::string::npos) << out;
  auto n = [&](const std::string& sql) { return db->query(sql).scalar<std::int64_t>(); };
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_users WHERE email LIKE '%@seed.example.com'"), 60);
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_addresses"), 60);
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_cards WHERE last4 IS NOT NULL"), 60);
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_orders"), 500);
  const auto paid = n("SELECT COUNT(*) FROM shop_orders WHERE paid_status = 1");
  const auto delivered = n("SELECT COUNT(*) FROM shop_orders WHERE is_delivered = 1");
  EXPECT_GT(paid, 150);
  EXPECT_LT(paid, 350);
  EXPECT_GT(delivered, 150);
  EXPECT_GT(n("SELECT COUNT(*) FROM shop_orders WHERE is_delivered = 1 AND paid_status = 0"), 30);
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_orders WHERE (paid_at IS NULL) <> (paid_status = 0)"), 0);
  EXPECT_GT(n("SELECT COUNT(DISTINCT shipping_state) FROM shop_orders"), 20);
  EXPECT_GT(n("SELECT COUNT(DISTINCT substr(created_at, 1, 7)) FROM shop_orders"), 12);
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_orders o JOIN shop_products p ON p.id = o.product_id "
              "WHERE o.total_price_cents <> p.price_cents OR o.ordered_item <> p.name"),
            0);
  // The §1 address format, built from the user's address.
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_orders o JOIN shop_addresses a ON a.id = o.address_id "
              "WHERE o.address <> a.house_no || ' ' || a.landmark || ', ' || a.city || ', ' || "
              "a.state || ' ' || a.pin_code"),
            0);
  // Running again adds nothing; more orders extend the set.
  auto [again, out2] = run(srv.env());
  EXPECT_EQ(again, 0) << out2;
  EXPECT_EQ(n("SELECT COUNT(*) FROM shop_orders"), 500);

  // The same seed on another database gives the same rows.
  shop_test::Database other(GetParam());
  auto env = srv.env();
  env["SHOP_DATABASE_URL"] = other.url();
  ASSERT_EQ(shop_test::shop_cmd({"seed"}, env).first, 0);
  ASSERT_EQ(run(env).first, 0);
  auto other_db = open_pool(other.url());
  const std::string digest_sql =
      "SELECT u.username, o.ordered_item, o.address, o.created_at, COALESCE(o.paid_at, ''), "
      "COALESCE(o.delivered_at, '') FROM shop_orders o JOIN shop_users u ON u.id = o.user_id "
      "ORDER BY o.idempotency_key";
  auto a = db->query(digest_sql), b = other_db->query(digest_sql);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t c = 0; c < 6; ++c)
      ASSERT_EQ(a[i].get<std::string>(c), b[i].get<std::string>(c)) << "row " << i << " col " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Products, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Engines, UncachedProducts, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Engines, SmallUploads, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Engines, FewPixels, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
