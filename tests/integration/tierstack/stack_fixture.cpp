#include "stack_fixture.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/harness.hpp"

namespace tierstack_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

StackBase::StackBase(TopologyOptions options)
    : options_(std::move(options)), dir_(ts::test::make_temp_dir()) {
  chmod(dir_.c_str(), 0755);  // PostgreSQL and Prometheus run as their own users
  topology_ = dir_ / "topology.toml";
  std::ofstream t(topology_);
  t << "root = \"" << TS_SOURCE_DIR << "\"\n"
    << "state_dir = \"" << dir_.string() << "/state\"\n"
    << "bin_dir = \"" << TS_BIN_DIR << "\"\n"
    << "zones = [\"a\", \"b\"]\n"
    << "[database]\nengine = \"" << options_.db << "\"\n"
    << "[templates]\nnginx = \"deploy/nginx\"\nprometheus = \"deploy/local/prometheus.yml.tmpl\"\n";
  if (options_.prometheus_rules) t << "prometheus_rules = \"deploy/prometheus/rules\"\n";
  t << "[web]\nper_zone = 1\nworkers = 1\n"
    << "[monitoring]\nprometheus_port = 0\nnode_exporter_port = 0\nscrape_interval = \""
    << options_.scrape_interval << "\"\n";
  if (!options_.alert_for.empty()) {
    t << "[monitoring.alert_for]\n";
    for (const auto& [alert, d] : options_.alert_for) t << alert << " = \"" << d << "\"\n";
  }
  t << "[[app]]\nname = \"shop\"\nenv_prefix = \"SHOP\"\nurl_name = \"store\"\nseed = true\n"
    << "payment_gateway = \"sandbox\"\n"
    << "proxy_paths = [\"/api/\", \"/account/\", \"/payments/\", \"/images/\"]\n"
    << "static_root = \""
    << (options_.static_root.empty() ? (dir_ / "static").string() : options_.static_root) << "\"\n";
  if (!options_.shop_env.empty()) {
    t << "[app.env]\n";
    for (const auto& [k, v] : options_.shop_env) t << k << " = \"" << v << "\"\n";
  }
  if (options_.microblog)
    t << "[[app]]\nname = \"microblog\"\nenv_prefix = \"MICROBLOG\"\noptional = true\n";
  if (options_.microblog && !options_.microblog_translator.empty()) {
    t << "[app.translator]\n";
    for (const auto& [k, v] : options_.microblog_translator) t << k << " = \"" << v << "\"\n";
  }
  t << options_.extra_toml;
}

StackBase::~StackBase() {
  if (up_) stop();
  ts::test::remove_tree(dir_.string());
}

CmdResult StackBase::cmd(std::vector<std::string> args) {
  return cmd(std::move(args), options_.command_timeout);
}

CmdResult StackBase::cmd(std::vector<std::string> args, std::chrono::seconds timeout) {
  args.insert(args.begin(), {"--topology", topology_.string()});
  const auto log = dir_ / ("cmd-" + std::to_string(++n_) + ".log");
  ts::test::Process p(ts::test::bin_path("tierstack"), args, options_.env, log.string());
  auto st = p.wait(timeout);
  if (!st) {
    p.signal(SIGKILL);
    p.wait(5s);
  }
  return {st.value_or(-1), slurp(log)};
}

CmdResult StackBase::start(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"up", "--detach"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = cmd(args, std::max<std::chrono::seconds>(120s, options_.command_timeout));
  if (r.status == 0) {
    up_ = true;
    up_output_ = r.output;
    state_ = boost::json::parse(slurp(state() / "state.json")).as_object();
  }
  return r;
}

CmdResult StackBase::stop() {
  auto r = cmd({"down"}, std::max<std::chrono::seconds>(120s, options_.command_timeout));
  up_ = false;
  return r;
}

const boost::json::object& StackBase::component(const std::string& name) const {
  for (const auto& c : state_.at("components").as_array())
    if (c.at("name").as_string() == name) return c.as_object();
  throw std::runtime_error("no component " + name);
}

unsigned short StackBase::lb_port() const {
  return static_cast<unsigned short>(component("lb").at("app_ports").at("shop").to_number<int>());
}

int StackBase::pid(const std::string& name) const {
  auto st = boost::json::parse(slurp(state() / "state.json")).as_object();
  for (const auto& c : st.at("components").as_array())
    if (c.at("name").as_string() == name) return c.at("pid").to_number<int>();
  return -1;
}

std::vector<int> StackBase::pids() const {
  std::vector<int> v;
  for (const auto& c : state_.at("components").as_array())
    v.push_back(c.at("pid").to_number<int>());
  return v;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Load::Load(unsigned short port, std::string target, int threads) {
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this, port, target] {
      while (!stop_) {
        try {
          auto r = ts::test::http(port, "GET", target);
          if (r.status == 200)
            ++ok_;
          else
            record("status " + std::to_string(r.status) + " " + r.body.substr(0, 200));
        } catch (const std::exception& e) {
          record(e.what());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
}

void Load::stop() {
  stop_ = true;
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

std::string Load::first_error() {
  std::lock_guard lk(mu_);
  return first_error_;
}

void Load::record(const std::string& e) {
  ++failed_;
  std::lock_guard lk(mu_);
  if (first_error_.empty()) first_error_ = e;
}

}  // namespace tierstack_test
