// Rendering from a planned topology: nginx (load balancer and web tier),
// the upstream pools, Prometheus and PostgreSQL's settings, compared with
// golden files; and the plan itself (names, ports, environments).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "golden.hpp"
#include "tierstack/os/files.hpp"
#include "tierstack/render/alertmanager.hpp"
#include "tierstack/render/nginx.hpp"
#include "tierstack/render/postgres.hpp"
#include "tierstack/render/prometheus.hpp"
#include "tierstack/render/template.hpp"
#include "tierstack/render/upstreams.hpp"
#include "tierstack/supervise/plan.hpp"
#include "tierstack/topology/topology.hpp"

namespace fs = std::filesystem;
using namespace tierstack;
using tierstack_test::expect_golden;
using tierstack_test::kTestDir;

namespace {

// A bin directory with an (empty) binary for each app, removed at the end.
class BinDir {
 public:
  explicit BinDir(const Topology& topo)
      : dir_(fs::temp_directory_path() / ("ts-unit-bin-" + std::to_string(getpid()))) {
    fs::create_directories(dir_);
    for (const auto& a : topo.apps) std::ofstream(dir_ / a.name) << "";
  }
  ~BinDir() { fs::remove_all(dir_); }
  BinDir(const BinDir&) = delete;
  BinDir& operator=(const BinDir&) = delete;
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

Plan plan_of(const Topology& topo) {
  const BinDir bin(topo);
  PlanInputs in;
  in.bin_dir = bin.path();
  // "Free" ports in a fixed sequence, so the files are the same every run.
  in.free_ports = [](std::size_t n) {
    std::vector<std::uint16_t> ports(n);
    for (std::size_t i = 0; i < n; ++i) ports[i] = static_cast<std::uint16_t>(20000 + i);
    return ports;
  };
  in.release = "1700000000";
  in.secret = [](const AppTier& a) { return "secret-of-" + a.name; };
  in.postgres_bindir = "/usr/lib/postgresql/15/bin";
  return plan_components(topo, in);
}

Component& named(Plan& plan, const std::string& name) {
  for (auto& c : plan.comps)
    if (c->name == name) return *c;
  throw std::runtime_error("no component " + name);
}

// Every component running and ready.
void all_ready(Plan& plan) {
  for (auto& c : plan.comps) {
    c->pid = 1;
    c->ready = true;
  }
}

struct Rendered {
  std::string nginx_lb, nginx_web_a, nginx_web_b, prometheus;
  UpstreamTexts upstreams;
  std::vector<std::string> notes;
};

Rendered render_all(const Topology& topo, Plan& plan) {
  Rendered r;
  const auto t = load_nginx_templates(topo.nginx_templates);
  r.nginx_lb = render_nginx_conf(topo, t, named(plan, "lb"), r.notes);
  r.nginx_web_a = render_nginx_conf(topo, t, named(plan, "web-a"), r.notes);
  r.nginx_web_b = render_nginx_conf(topo, t, named(plan, "web-b"), r.notes);
  r.prometheus = render_prometheus(topo, plan.comps, read_file(topo.prometheus_template));
  r.upstreams = render_upstreams(topo, plan.comps);
  return r;
}

}  // namespace

TEST(TierstackRender, SqliteTopologyMatchesTheGoldenConfigs) {
  const auto topo = load_topology(kTestDir / "topologies/sqlite.toml");
  auto plan = plan_of(topo);
  all_ready(plan);
  const auto r = render_all(topo, plan);
  expect_golden("sqlite/lb.nginx.conf", r.nginx_lb);
  expect_golden("sqlite/web-a.nginx.conf", r.nginx_web_a);
  expect_golden("sqlite/prometheus.yml", r.prometheus);
  expect_golden("sqlite/alertmanager.yml", render_alertmanager(topo));
  expect_golden("sqlite/app-upstreams.conf", kUpstreamsHeader + r.upstreams.app);
  expect_golden("sqlite/lb-upstreams.conf", kUpstreamsHeader + r.upstreams.lb);
  // The zones differ only in their listeners.
  EXPECT_NE(r.nginx_web_a, r.nginx_web_b);
  EXPECT_NE(
      r.nginx_web_b.find("127.0.0.1:" + std::to_string(named(plan, "web-b").app_ports.at("shop"))),
      std::string::npos);
  // The microblog has no front-end build: proxied, with one note.
  ASSERT_EQ(r.notes.size(), 1U);
  EXPECT_NE(r.notes[0].find("microblog: no front-end build at"), std::string::npos);
}

TEST(TierstackRender, PostgresTopologyMatchesTheGoldenConfigs) {
  const auto topo = load_topology(kTestDir / "topologies/postgres.toml");
  auto plan = plan_of(topo);
  all_ready(plan);
  // One app instance drained by an operation, one web instance down.
  named(plan, "shop-a1").out_of_pool = true;
  named(plan, "web-b").pid = -1;
  const auto r = render_all(topo, plan);
  expect_golden("postgres/lb.nginx.conf", r.nginx_lb);
  expect_golden("postgres/web-a.nginx.conf", r.nginx_web_a);
  expect_golden("postgres/prometheus.yml", r.prometheus);
  expect_golden("postgres/app-upstreams.conf", kUpstreamsHeader + r.upstreams.app);
  expect_golden("postgres/lb-upstreams.conf", kUpstreamsHeader + r.upstreams.lb);
  expect_golden("postgres/pg_hba.conf",
                render_pg_hba("10.7.40.0/24", {"10.7.21.0/24", "10.7.22.0/24"}));
  expect_golden("postgres/standby.auto.conf",
                render_standby_conf(named(plan, "postgres").host, named(plan, "postgres").port,
                                    "postgres-2"));
  EXPECT_TRUE(r.notes.empty());
}

TEST(TierstackRender, AnUpstreamWithNoReadyInstanceListsThemAll) {
  const auto topo = load_topology(kTestDir / "topologies/sqlite.toml");
  auto plan = plan_of(topo);  // nothing started yet
  const auto u = render_upstreams(topo, plan.comps);
  EXPECT_NE(u.app.find("upstream app_shop {\n  server 127.0.0.1:8000 max_fails=1 fail_timeout=2s;\n"
                       "  server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;\n"),
            std::string::npos)
      << u.app;
  all_ready(plan);
  named(plan, "shop-b").ready = false;
  const auto ready = render_upstreams(topo, plan.comps);
  EXPECT_EQ(ready.app.find("8001 "), std::string::npos) << ready.app;
  EXPECT_NE(ready.app.find("127.0.0.1:8000 "), std::string::npos);
}

TEST(TierstackRender, SynchronousStandbyNames) {
  EXPECT_EQ(sync_standby_names({}), "");
  EXPECT_EQ(sync_standby_names({"postgres-2"}), "FIRST 1 (\"postgres-2\")");
  EXPECT_EQ(sync_standby_names({"postgres", "tierstack_backup"}),
            "FIRST 2 (\"postgres\", \"tierstack_backup\")");
  EXPECT_EQ(replication_slot("postgres-2"), "tierstack_postgres_2");
}

TEST(TierstackRender, TemplateVariablesAreReplacedAndUnknownOnesRefused) {
  EXPECT_EQ(render("a {{x}} b {{y}}{{x}}", {{"x", "1"}, {"y", "2"}}, "t"), "a 1 b 21");
  EXPECT_EQ(render("no variables {{", {}, "t"), "no variables {{");
  try {
    render("listen {{port}};", {{"host", "h"}}, "web.tmpl");
    FAIL() << "an unknown variable was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "web.tmpl: unknown template variable {{port}}");
  }
}

TEST(TierstackPlan, NamesPortsAndEnvironmentsFollowTheTopology) {
  const auto topo = load_topology(kTestDir / "topologies/sqlite.toml");
  auto plan = plan_of(topo);
  EXPECT_EQ(plan.start_order, (std::vector<std::string>{
                                  "shop-a", "shop-b", "microblog-a", "microblog-b", "web-a",
                                  "web-b", "lb", "node-exporter", "alertmanager", "prometheus"}));
  const auto& shop_b = named(plan, "shop-b");
  EXPECT_EQ(shop_b.port, 8001);
  EXPECT_EQ(shop_b.monitor_port, 9001);
  EXPECT_EQ(shop_b.spawn.argv.at(0), "/srv/tierstack-golden/state/releases/shop/1700000000/shop");
  const auto& env = shop_b.spawn.env;
  EXPECT_EQ(env.at("SHOP_LISTEN"), "127.0.0.1:8001");
  EXPECT_EQ(env.at("SHOP_PUBLIC_URL"), "http://127.0.0.1:8080");
  EXPECT_EQ(env.at("SHOP_DATABASE_URL"), "sqlite:///srv/tierstack-golden/state/db/shop.db");
  EXPECT_EQ(env.at("SHOP_TRUST_PROXY_HOPS"), "2");
  EXPECT_EQ(env.at("SHOP_SECRET_KEY"), "secret-of-shop");
  EXPECT_EQ(env.at("SHOP_ALLOW_SANDBOX"), "true");
  EXPECT_EQ(named(plan, "microblog-a").spawn.env.count("MICROBLOG_PAYMENT_GATEWAY"), 0U);
  EXPECT_EQ(named(plan, "microblog-a").spawn.env.count("MICROBLOG_TRANSLATOR"), 0U);
  const auto& am = named(plan, "alertmanager");
  EXPECT_EQ(am.port, 9093);
  EXPECT_EQ(am.spawn.argv,
            (std::vector<std::string>{
                "/usr/bin/prometheus-alertmanager",
                "--config.file=/srv/tierstack-golden/state/alertmanager/alertmanager.yml",
                "--storage.path=/srv/tierstack-golden/state/alertmanager/data",
                "--web.listen-address=127.0.0.1:9093", "--cluster.listen-address="}));
  EXPECT_EQ(named(plan, "lb").app_ports.at("microblog"), 8081);
  EXPECT_NE(named(plan, "web-a").app_ports.at("shop"), named(plan, "web-b").app_ports.at("shop"));
}

TEST(TierstackPlan, PostgresIsAPrimaryAndAStandbyBehindAMultiHostUrl) {
  const auto topo = load_topology(kTestDir / "topologies/postgres.toml");
  auto plan = plan_of(topo);
  EXPECT_EQ(plan.start_order.at(0), "postgres");
  EXPECT_EQ(plan.start_order.at(1), "postgres-2");
  EXPECT_EQ(plan.db_urls.at("shop"),
            "postgresql://tierstack@127.0.0.1:5440,127.0.0.1:5441/shop"
            "?target_session_attrs=read-write");
  const auto& argv = named(plan, "postgres-2").spawn.argv;
  const auto d = std::find(argv.begin(), argv.end(), "-D");
  ASSERT_NE(d, argv.end());
  EXPECT_EQ(*(d + 1), "/srv/tierstack-golden/pg-state/postgres-2/data");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "wal_level=replica"), argv.end());
  EXPECT_EQ(named(plan, "shop-b2").port, 8203);  // the fourth shop instance
}

TEST(TierstackPlan, AMissingRequiredBinaryIsAnErrorAndAnOptionalOneANote) {
  const auto topo = load_topology(kTestDir / "topologies/sqlite.toml");
  std::vector<std::string> notes;
  try {
    present_apps(topo, "/nonexistent-bin-dir", notes);
    FAIL() << "a missing shop binary was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent-bin-dir/shop does not exist (build it first)");
  }
  auto optional = topo;
  for (auto& a : optional.apps) a.optional = true;
  EXPECT_TRUE(present_apps(optional, "/nonexistent-bin-dir", notes).empty());
  ASSERT_EQ(notes.size(), 2U);
  EXPECT_EQ(notes[1].rfind("microblog: skipped — /nonexistent-bin-dir/microblog does not exist", 0),
            0U);
}

TEST(TierstackPlan, TheTranslatorSettingsReachEveryInstanceOfItsApp) {
  auto topo = load_topology(kTestDir / "topologies/sqlite.toml");
  topo.apps[1].translator = {"libretranslate", "http://127.0.0.1:5050", ""};
  auto plan = plan_of(topo);
  for (const char* name : {"microblog-a", "microblog-b"}) {
    const auto& env = named(plan, name).spawn.env;
    EXPECT_EQ(env.at("MICROBLOG_TRANSLATOR"), "libretranslate") << name;
    EXPECT_EQ(env.at("MICROBLOG_TRANSLATOR_URL"), "http://127.0.0.1:5050") << name;
    EXPECT_EQ(env.count("MICROBLOG_TRANSLATOR_REGION"), 0U) << name;
    // The key is never planned: it comes from `up`'s own environment.
    EXPECT_EQ(env.count("MICROBLOG_TRANSLATOR_KEY"), 0U) << name;
  }
  EXPECT_EQ(named(plan, "shop-a").spawn.env.count("SHOP_TRANSLATOR"), 0U);
}

TEST(TierstackRender, AlertForReplacesOnlyTheNamedRulesDurations) {
  std::set<std::string> applied;
  const auto out =
      render_alert_rules(read_file(kTestDir / "rules/sample.rules.yml"),
                         {{"InstanceDown", "5s"}, {"Quoted", "1s"}, {"NoFor", "30s"}}, applied);
  expect_golden("rules/sample.rules.yml", out);
  EXPECT_EQ(applied, (std::set<std::string>{"InstanceDown", "NoFor", "Quoted"}));
}

// The repository's rules as the local Prometheus gets them: the overridden
// `for:` lines differ, nothing else.
TEST(TierstackRender, TheRepositorysRulesKeepEverythingButTheOverriddenFor) {
  const auto dir = fs::path(TS_SOURCE_DIR) / "deploy/prometheus/rules";
  std::set<std::string> applied;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto in = read_file(e.path());
    EXPECT_EQ(render_alert_rules(in, {}, applied), in) << e.path();
    const auto out = render_alert_rules(in, {{"InstanceDown", "7s"}}, applied);
    if (in.find("alert: InstanceDown") == std::string::npos) {
      EXPECT_EQ(out, in) << e.path();
      continue;
    }
    auto without = [](std::string t, const std::string& line) {
      const auto p = t.find(line);
      return p == std::string::npos ? t : t.erase(p, line.size());
    };
    EXPECT_EQ(without(out, "        for: 7s\n"), without(in, "        for: 2m\n")) << e.path();
  }
  EXPECT_EQ(applied, (std::set<std::string>{"InstanceDown"}));
}
