#include "microblog/jobs.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "microblog/domain/timefmt.hpp"
#include "microblog/mail.hpp"
#include "microblog/storage/storage.hpp"
#include "platform/auth/crypto.hpp"
#include "platform/core/log.hpp"

namespace microblog {
namespace {

constexpr std::int64_t kLeaseUs = 300'000'000;  // a task's claim lasts 5 minutes
constexpr int kMaxAttempts = 3;

// JSON with 4-space indentation, as the original's json.dumps(indent=4).
void pretty(std::string& out, const boost::json::value& v, int depth) {
  const std::string pad(std::size_t{4} * (depth + 1), ' '), end_pad(std::size_t{4} * depth, ' ');
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ",\n";
      first = false;
      out += pad + boost::json::serialize(boost::json::value(kv.key())) + ": ";
      pretty(out, kv.value(), depth + 1);
    }
    out += "\n" + end_pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      out += pad;
      pretty(out, a[i], depth + 1);
    }
    out += "\n" + end_pad + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

double now_seconds() {
  return static_cast<double>(domain::now_us()) / 1e6;
}

void export_posts(Microblog& app, const storage::TaskRow& task) {
  auto user = storage::user_by_id(*app.db, task.user_id);
  if (!user) throw std::runtime_error("user of the task no longer exists");
  storage::set_task_progress(*app.db, task, 0, now_seconds());
  const auto posts = storage::posts_oldest_first(*app.db, user->id);
  boost::json::array items;
  int last = 0;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    items.push_back(boost::json::object{{"body", posts[i].body},
                                        {"timestamp", domain::iso_utc(posts[i].timestamp, "Z")}});
    const int progress = static_cast<int>(100 * (i + 1) / posts.size());
    // Progress notifications at most every 10 %, and never 100 before the mail is out.
    if (progress < 100 && progress >= last + 10) {
      storage::set_task_progress(*app.db, task, progress, now_seconds());
      last = progress;
    }
  }
  std::string attachment;
  pretty(attachment, boost::json::object{{"posts", std::move(items)}}, 0);
  Mail m;
  m.to = user->email;
  m.subject = "[Microblog] Your blog posts";
  m.text = "Dear " + user->username +
           ",\n\nPlease find attached the archive of your posts that you requested.\n\n"
           "Sincerely,\n\nThe Microblog Team\n";
  m.html = "<p>Dear " + user->username +
           ",</p>\n<p>Please find attached the archive of your posts that you requested.</p>\n"
           "<p>Sincerely,</p>\n<p>The Microblog Team</p>\n";
  m.attachment_name = "posts.json";
  m.attachment = attachment;
  send_mail(app.settings.mail, m);
}

}  // namespace

std::string new_task_id() {
  auto b = ts::auth::random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const auto h = ts::auth::hex_encode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

bool run_one_job(Microblog& app) {
  const auto now = domain::now_us();
  auto task = storage::claim_task(*app.db, now, now + kLeaseUs);
  if (!task) return false;
  ts::log::info("job started", {{"task", task->id}, {"name", task->name}});
  try {
    if (task->name != "export_posts") throw std::runtime_error("unknown job " + task->name);
    export_posts(app, *task);
    storage::set_task_progress(*app.db, *task, 100, now_seconds());
    ts::log::info("job finished", {{"task", task->id}});
  } catch (const std::exception& e) {
    ts::log::error("job failed", {{"task", task->id}, {"error", e.what()}});
    // Leave it for another attempt (after the lease) unless it keeps failing.
    if (task->attempts >= kMaxAttempts)
      storage::set_task_progress(*app.db, *task, 100, now_seconds(), std::string(e.what()));
  }
  return true;
}

Worker::Worker(Microblog& app) : app_(app) {
  thread_ = std::thread([this] {
    while (!stop_) {
      bool worked = false;
      try {
        worked = run_one_job(app_);
      } catch (const std::exception& e) {
        ts::log::warn("job queue unavailable", {{"error", e.what()}});
      }
      if (!worked)
        for (int i = 0; i < 10 && !stop_; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

Worker::~Worker() {
  stop();
}

void Worker::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace microblog
