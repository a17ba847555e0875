// Loading topology files: the repository's own, the test topologies, and
// each kind of error with its message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "golden.hpp"
#include "tierstack/topology/topology.hpp"

namespace fs = std::filesystem;
using namespace tierstack;
using tierstack_test::kTestDir;

namespace {

// Writes `text` as a topology file in a fresh directory and loads it.
class TopologyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts-unit-topology-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Topology load(const std::string& text) {
    std::ofstream(dir_ / "topology.toml") << text;
    return load_topology(dir_ / "topology.toml");
  }
  // The message load() throws for `text`, or "" when it loads.
  std::string error_of(const std::string& text) {
    try {
      load(text);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

const std::string kApp = "[[app]]\nname = \"shop\"\n";

}  // namespace

TEST(TierstackTopology, TheRepositorysTopologyLoads) {
  const auto topo = load_topology(fs::path(TS_SOURCE_DIR) / "deploy/local/topology.toml");
  EXPECT_EQ(topo.root, fs::path(TS_SOURCE_DIR).lexically_normal() / "");
  EXPECT_EQ(topo.zones, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(topo.database, "sqlite");
  ASSERT_EQ(topo.apps.size(), 2U);
  EXPECT_EQ(topo.apps[0].name, "shop");
  EXPECT_EQ(topo.apps[0].lb_name, "store");
  EXPECT_EQ(topo.apps[0].lb_port, 8080);
  EXPECT_EQ(topo.apps[0].payment_gateway, "sandbox");
  EXPECT_TRUE(topo.apps[1].optional);
  EXPECT_EQ(topo.prometheus_port, 9090);
  EXPECT_EQ(topo.nginx_templates, fs::path(TS_SOURCE_DIR).lexically_normal() / "deploy/nginx");
}

TEST(TierstackTopology, TheTestTopologiesLoad) {
  const auto pg = load_topology(kTestDir / "topologies/postgres.toml");
  EXPECT_EQ(pg.database, "postgres");
  EXPECT_EQ(pg.database_port, 5440);
  EXPECT_EQ(pg.apps.at(0).per_zone, 2);
  EXPECT_EQ(pg.backup_dir, "/srv/tierstack-golden/backups");
  EXPECT_EQ(pg.backup_interval, 3600);
  EXPECT_EQ(pg.scrape_interval, "15s");
}

TEST_F(TopologyFile, DefaultsFillWhatIsLeftOut) {
  const auto topo = load(kApp);
  EXPECT_EQ(topo.root, dir_.lexically_normal() / "");
  EXPECT_EQ(topo.state_dir, dir_ / "var/tierstack");
  EXPECT_EQ(topo.backup_dir, dir_ / "var/backups");
  EXPECT_EQ(topo.apps[0].env_prefix, "SHOP");
  EXPECT_EQ(topo.apps[0].lb_name, "shop");
  EXPECT_EQ(topo.apps[0].per_zone, 1);
  EXPECT_EQ(topo.web_per_zone, 1);
  EXPECT_EQ(topo.backup_keep_last, 24);
  EXPECT_EQ(topo.backup_keep_days, 7);
  EXPECT_EQ(topo.backup_verify_interval, 3600);
  EXPECT_EQ(topo.log_max_kib, 10240);
  EXPECT_EQ(topo.log_keep, 3);
  EXPECT_EQ(topo.releases_keep, 3);
}

TEST_F(TopologyFile, LogsAndReleasesRetentionIsReadAndChecked) {
  const auto topo = load(kApp + "[logs]\nmax_kib = 64\nkeep = 1\n[releases]\nkeep = 2\n");
  EXPECT_EQ(topo.log_max_kib, 64);
  EXPECT_EQ(topo.log_keep, 1);
  EXPECT_EQ(topo.releases_keep, 2);
  EXPECT_EQ(error_of(kApp + "[logs]\nmax_kib = 0\n"),
            "topology: logs.max_kib must be between 1 and 1073741824 (1 TiB)");
  EXPECT_EQ(error_of(kApp + "[logs]\nkeep = -1\n"),
            "topology: logs.keep must be between 0 and 100");
  EXPECT_EQ(error_of(kApp + "[releases]\nkeep = 0\n"),
            "topology: releases.keep must be between 1 and 1000");
  EXPECT_EQ(error_of(kApp + "[releases]\nkeep = 4294967297\n"),
            "topology: releases.keep must be between 1 and 1000");
}

TEST_F(TopologyFile, DurationsTakeUnits) {
  EXPECT_EQ(load(kApp + "[backup]\ninterval = \"90s\"\n").backup_interval, 90);
  EXPECT_EQ(load(kApp + "[backup]\ninterval = \"15m\"\n").backup_interval, 900);
  EXPECT_EQ(load(kApp + "[backup]\ninterval = \"2d\"\n").backup_interval, 172800);
  EXPECT_EQ(load(kApp + "[backup]\ninterval = 0\n").backup_interval, 0);
}

TEST_F(TopologyFile, EachErrorSaysWhatIsWrong) {
  EXPECT_EQ(error_of("zones = []\n" + kApp), "topology: zones must not be empty");
  EXPECT_EQ(error_of("[database]\nengine = \"mysql\"\n" + kApp),
            "topology: database.engine must be sqlite or postgres");
  EXPECT_EQ(error_of("[database]\nport = 70000\n" + kApp), "port out of range: 70000");
  EXPECT_EQ(error_of(""), "topology: no [[app]] defined");
  EXPECT_EQ(error_of("app = [1]\n"), "topology: [[app]] entries must be tables");
  EXPECT_EQ(error_of("[[app]]\nper_zone = 1\n"), "topology: an [[app]] has no name");
  EXPECT_EQ(error_of(kApp + "per_zone = 0\n"), "topology: shop.per_zone < 1");
  EXPECT_EQ(error_of(kApp + "payment_gateway = \"cash\"\n"),
            "topology: shop.payment_gateway is \"cash\"; use \"sandbox\" or \"stripe\"");
  EXPECT_EQ(error_of(kApp + "[backup]\nkeep_last = 0\n"),
            "topology: backup.keep_last must be at least 1");
  EXPECT_EQ(error_of(kApp + "[backup]\nkeep_days = -1\n"),
            "topology: backup.keep_days must not be negative");
  EXPECT_EQ(error_of(kApp + "[backup]\ninterval = -5\n"),
            "topology: backup.interval must not be negative");
  EXPECT_EQ(error_of(kApp + "[backup]\nverify_interval = \"soon\"\n"),
            "topology: backup.verify_interval = \"soon\" is not a duration (e.g. \"30s\", \"15m\", "
            "\"1h\", \"1d\")");
  EXPECT_EQ(error_of(kApp + "[backup]\ninterval = \"\"\n"),
            "topology: backup.interval must be like \"1h\"");
  EXPECT_EQ(error_of("state_dir = \"/srv/x\"\n" + kApp + "[backup]\ndir = \"/srv/x/backups\"\n"),
            "topology: backup.dir (/srv/x/backups) must not be inside state_dir (/srv/x)");
}

// Found by fuzz_topology: a float where an integer belongs was converted by
// toml++ (undefined beyond int64's range); it is refused instead.
TEST_F(TopologyFile, AFloatWhereAWholeNumberBelongsIsRefused) {
  const std::string msg = "topology: a whole number is needed, not a floating-point value";
  EXPECT_EQ(error_of(kApp + "port = 8e+81\n"), msg);
  EXPECT_EQ(error_of(kApp + "per_zone = 2.0\n"), msg);
  EXPECT_EQ(error_of(kApp + "[backup]\ninterval = 1e300\n"), msg);
}

TEST_F(TopologyFile, ASyntaxErrorNamesTheFile) {
  const auto msg = error_of("zones = [\"a\"\n");
  EXPECT_EQ(msg.rfind((dir_ / "topology.toml").string() + ": ", 0), 0U) << msg;
}

TEST(TierstackTopology, AMissingFileIsAnError) {
  EXPECT_THROW(load_topology("/nonexistent/topology.toml"), std::runtime_error);
}

TEST_F(TopologyFile, AlertForOverridesAreDurationsByAlertName) {
  const auto topo =
      load(kApp + "[monitoring]\nalertmanager_port = 9093\n" +
           "[monitoring.alert_for]\nInstanceDown = \"15s\"\nHighErrorRatio = \"1m\"\n");
  EXPECT_EQ(topo.alertmanager_port, 9093);
  EXPECT_EQ(topo.alert_for, (std::map<std::string, std::string>{{"HighErrorRatio", "1m"},
                                                                {"InstanceDown", "15s"}}));
  EXPECT_TRUE(load(kApp).alert_for.empty());
  EXPECT_EQ(
      error_of(kApp + "[monitoring.alert_for]\nInstanceDown = \"soon\"\n"),
      "topology: monitoring.alert_for.InstanceDown must be a duration like \"15s\" or \"2m\"");
  EXPECT_EQ(
      error_of(kApp + "[monitoring.alert_for]\nInstanceDown = 15\n"),
      "topology: monitoring.alert_for.InstanceDown must be a duration like \"15s\" or \"2m\"");
}

TEST_F(TopologyFile, TheTranslatorIsAServiceAndAUrlButNeverAKey) {
  const std::string mb = "[[app]]\nname = \"microblog\"\n";
  const auto topo = load(mb + "[app.translator]\nservice = \"libretranslate\"\n" +
                         "url = \"http://127.0.0.1:5050\"\n");
  EXPECT_EQ(topo.apps[0].translator.service, "libretranslate");
  EXPECT_EQ(topo.apps[0].translator.url, "http://127.0.0.1:5050");
  EXPECT_TRUE(load(mb).apps[0].translator.service.empty());
  EXPECT_EQ(load(mb + "[app.translator]\nservice = \"microsoft\"\nregion = \"westeurope\"\n")
                .apps[0]
                .translator.region,
            "westeurope");
  EXPECT_EQ(error_of(mb + "[app.translator]\nservice = \"google\"\n"),
            "topology: microblog.translator.service is \"google\"; use \"libretranslate\" or "
            "\"microsoft\"");
  EXPECT_EQ(error_of(mb + "[app.translator]\nservice = \"libretranslate\"\n"),
            "topology: microblog.translator.url is required for libretranslate");
  EXPECT_EQ(error_of(mb + "[app.translator]\nservice = \"microsoft\"\nkey = \"k\"\n"),
            "topology: microblog.translator.key: the key is a secret and stays out of the file; "
            "set it in tierstack up's environment (docs/microblog.md, Translation)");
}
