// The firing alerts as `tierstack status` prints them, from Alertmanager's
// GET /api/v2/alerts answer.
#include <gtest/gtest.h>

#include "tierstack/supervise/alerts.hpp"

using namespace tierstack;

namespace {

// 2024-05-01T12:00:00Z
constexpr std::time_t kNoon = 1714564800;

const char* kTwoAlerts = R"([
  {"labels": {"alertname": "InstanceDown", "severity": "critical", "instance": "shop-a",
              "job": "shop", "zone": "a", "environment": "local"},
   "annotations": {"summary": "shop target shop-a is down"},
   "startsAt": "2024-05-01T11:59:35.123Z", "endsAt": "2024-05-01T12:04:35.123Z",
   "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}},
  {"labels": {"alertname": "DiskWillFillIn24Hours", "instance": "local", "mountpoint": "/"},
   "annotations": {},
   "startsAt": "2024-05-01T09:30:00Z", "endsAt": "2024-05-01T12:04:00Z",
   "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}}
])";

}  // namespace

TEST(TierstackAlerts, NoAlertsIsSaidSo) {
  EXPECT_EQ(format_alerts("[]", kNoon), "alerts: none firing\n");
}

TEST(TierstackAlerts, EachAlertIsALineWithItsLabelsAndSinceWhenOldestFirst) {
  EXPECT_EQ(format_alerts(kTwoAlerts, kNoon),
            "alerts: 2 firing\n"
            "  DiskWillFillIn24Hours since 2024-05-01 09:30:00 UTC (2h30m ago): instance=local "
            "mountpoint=/\n"
            "  InstanceDown (critical) since 2024-05-01 11:59:35 UTC (25s ago): instance=shop-a "
            "job=shop zone=a\n"
            "      shop target shop-a is down\n");
}

TEST(TierstackAlerts, AMalformedAnswerIsAnError) {
  EXPECT_THROW(format_alerts("{\"not\": \"a list\"}", kNoon), std::exception);
  EXPECT_THROW(format_alerts("<html>", kNoon), std::exception);
}

TEST(TierstackAlerts, HasAlertMatchesNameAndInstance) {
  EXPECT_TRUE(has_alert(kTwoAlerts, "InstanceDown", "shop-a"));
  EXPECT_FALSE(has_alert(kTwoAlerts, "InstanceDown", "shop-b"));
  EXPECT_FALSE(has_alert(kTwoAlerts, "HighErrorRatio", "shop-a"));
  EXPECT_FALSE(has_alert("[]", "InstanceDown", "shop-a"));
  EXPECT_FALSE(has_alert("not json", "InstanceDown", "shop-a"));
}
