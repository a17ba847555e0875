#include "platform/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using ts::metrics::Registry;
using ts::metrics::RouteStats;
using ts::metrics::Sample;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The value of the sample line "<series> <value>", where series is the
// metric name with its braces, e.g. http_requests_total{...}.
std::optional<double> value(const std::string& text, const std::string& series) {
  for (const auto& l : lines(text))
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 &&
        l[series.size()] == ' ')
      return std::strtod(l.c_str() + series.size() + 1, nullptr);
  return std::nullopt;
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (const auto& l : lines(text)) n += l.rfind(prefix, 0) == 0;
  return n;
}

const std::string kBase = R"(route="/api/product/{id}/",method="GET")";

}  // namespace

TEST(Registry, RouteIsIdempotentPerRouteAndMethod) {
  Registry reg;
  RouteStats* a = reg.route("/a/", "GET");
  EXPECT_EQ(reg.route("/a/", "GET"), a);
  EXPECT_NE(reg.route("/a/", "POST"), a);
  EXPECT_NE(reg.route("/b/", "GET"), a);
  // Earlier pointers stay valid as more routes are added.
  for (int i = 0; i < 100; ++i) reg.route("/r" + std::to_string(i), "GET");
  EXPECT_EQ(reg.route("/a/", "GET"), a);
  EXPECT_EQ(a->route(), "/a/");
  EXPECT_EQ(a->method(), "GET");
}

TEST(Registry, CountersPerStatus) {
  Registry reg;
  auto* r = reg.route("/api/product/{id}/", "GET");
  r->observe(200, 0.001);
  r->observe(200, 0.001);
  r->observe(404, 0.001);
  r->observe(503, 0.001);
  EXPECT_EQ(r->count(200), 2u);
  EXPECT_EQ(r->count(404), 1u);
  EXPECT_EQ(r->count(500), 0u);
  EXPECT_EQ(r->total(), 4u);

  const auto text = reg.render();
  EXPECT_EQ(value(text, "http_requests_total{" + kBase + R"(,status="200"})"), 2.0);
  EXPECT_EQ(value(text, "http_requests_total{" + kBase + R"(,status="404"})"), 1.0);
  EXPECT_EQ(value(text, "http_requests_total{" + kBase + R"(,status="503"})"), 1.0);
  // Statuses never seen are not rendered.
  EXPECT_EQ(value(text, "http_requests_total{" + kBase + R"(,status="500"})"), std::nullopt);
  EXPECT_EQ(count_lines_starting(text, "http_requests_total{"), 3);
  EXPECT_EQ(count_lines_starting(text, "# HELP http_requests_total "), 1);
  EXPECT_EQ(count_lines_starting(text, "# TYPE http_requests_total counter"), 1);
}

TEST(Registry, HistogramIsCumulativeWithInfEqualToCount) {
  Registry reg;
  auto* r = reg.route("/api/product/{id}/", "GET");
  r->observe(200, 0.0004);  // first bucket
  r->observe(200, 0.0005);  // on a bound: counted in that bucket (le)
  r->observe(200, 0.003);
  r->observe(200, 0.3);
  r->observe(500, 20.0);  // beyond the last bound: only +Inf
  const auto text = reg.render();
  const auto b = [&](const char* le) {
    return value(text, "http_request_duration_seconds_bucket{" + kBase + ",le=\"" + le + "\"}");
  };
  EXPECT_EQ(b("0.0005"), 2.0);
  EXPECT_EQ(b("0.001"), 2.0);
  EXPECT_EQ(b("0.0025"), 2.0);
  EXPECT_EQ(b("0.005"), 3.0);
  EXPECT_EQ(b("0.25"), 3.0);
  EXPECT_EQ(b("0.5"), 4.0);
  EXPECT_EQ(b("2.5"), 4.0);
  EXPECT_EQ(b("10"), 4.0);
  EXPECT_EQ(b("+Inf"), 5.0);
  EXPECT_EQ(value(text, "http_request_duration_seconds_count{" + kBase + "}"), 5.0);
  const auto sum = value(text, "http_request_duration_seconds_sum{" + kBase + "}");
  ASSERT_TRUE(sum);
  EXPECT_NEAR(*sum, 0.0004 + 0.0005 + 0.003 + 0.3 + 20.0, 1e-5);

  // Every bound is rendered once, in increasing order, never decreasing.
  EXPECT_EQ(count_lines_starting(text, "http_request_duration_seconds_bucket{"),
            static_cast<int>(ts::metrics::kDurationBuckets.size()) + 1);
  double prev = 0;
  for (const auto& l : lines(text)) {
    if (l.rfind("http_request_duration_seconds_bucket{", 0) != 0) continue;
    const double v = std::strtod(l.c_str() + l.rfind(' ') + 1, nullptr);
    EXPECT_GE(v, prev) << l;
    prev = v;
  }
  EXPECT_EQ(count_lines_starting(text, "# TYPE http_request_duration_seconds histogram"), 1);
}

TEST(Registry, RoutesWithoutRequestsHaveNoHistogram) {
  Registry reg;
  reg.route("/idle/", "GET");
  const auto text = reg.render();
  EXPECT_EQ(text.find("route=\"/idle/\""), std::string::npos);
}

TEST(Registry, LabelValuesAreEscaped) {
  EXPECT_EQ(ts::metrics::escape_label("plain/{id}"), "plain/{id}");
  EXPECT_EQ(ts::metrics::escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");

  Registry reg;
  reg.route("/q\"uote/\\back/\nline", "GET")->observe(200, 0.01);
  const auto text = reg.render();
  const std::string base = R"(route="/q\"uote/\\back/\nline",method="GET")";
  EXPECT_EQ(value(text, "http_requests_total{" + base + R"(,status="200"})"), 1.0) << text;
  EXPECT_EQ(value(text, "http_request_duration_seconds_count{" + base + "}"), 1.0);
  // No raw newline inside a sample: every line is a comment or a sample.
  for (const auto& l : lines(text)) {
    SCOPED_TRACE(l);
    EXPECT_TRUE(l.rfind("# ", 0) == 0 || l.find(' ') != std::string::npos);
    EXPECT_NE(l.rfind("line", 0), 0u);
  }
}

TEST(Registry, CallbacksAreRenderedWithHelpAndType) {
  Registry reg;
  int calls = 0;
  reg.add_callback("db_pool_connections", "Connections in the pool, by state.", "gauge", [&] {
    ++calls;
    return std::vector<Sample>{{R"(state="idle")", 3}, {R"(state="busy")", 1}};
  });
  reg.add_callback("jobs_done_total", "Jobs finished.", "counter", [] {
    return std::vector<Sample>{{"", 7}};
  });
  const auto text = reg.render();
  EXPECT_EQ(calls, 1);
  EXPECT_NE(text.find("# HELP db_pool_connections Connections in the pool, by state.\n"
                      "# TYPE db_pool_connections gauge\n"
                      "db_pool_connections{state=\"idle\"} 3\n"
                      "db_pool_connections{state=\"busy\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# HELP jobs_done_total Jobs finished.\n"
                      "# TYPE jobs_done_total counter\n"
                      "jobs_done_total 7\n"),
            std::string::npos)
      << text;
  reg.render();
  EXPECT_EQ(calls, 2);  // read at every scrape
}

TEST(Registry, InFlightAndProcessMetrics) {
  Registry reg;
  reg.in_flight() += 3;
  const auto text = reg.render();
  EXPECT_EQ(value(text, "http_requests_in_flight"), 3.0);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(count_lines_starting(text, std::string("# TYPE ") + name + " "), 1);
    EXPECT_TRUE(value(text, name));
  }
  EXPECT_GT(*value(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(*value(text, "process_open_fds"), 0);
  EXPECT_GT(*value(text, "process_start_time_seconds"), 1.6e9);
}

TEST(RouteStats, OutOfRangeStatusIsTimedButNotCounted) {
  RouteStats r("/x/", "GET");
  r.observe(100, 0.001);
  r.observe(599, 0.001);
  for (int s : {-1, 0, 99, 600, 1000}) r.observe(s, 0.001);
  EXPECT_EQ(r.count(100), 1u);
  EXPECT_EQ(r.count(599), 1u);
  for (int s : {-1, 0, 99, 600, 1000, 100000}) EXPECT_EQ(r.count(s), 0u) << s;
  EXPECT_EQ(r.total(), 7u);

  Registry reg;
  auto* rs = reg.route("/x/", "GET");
  rs->observe(700, 0.001);
  rs->observe(42, 0.001);
  const auto text = reg.render();
  EXPECT_EQ(count_lines_starting(text, "http_requests_total{"), 0);
  EXPECT_EQ(value(text, R"(http_request_duration_seconds_count{route="/x/",method="GET"})"), 2.0);
}
