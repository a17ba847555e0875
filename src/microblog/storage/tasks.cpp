#include <boost/json.hpp>

#include "microblog/storage/storage.hpp"

namespace microblog::storage {
namespace {
constexpr const char* kTaskCols =
    "SELECT id, name, description, user_id, progress, attempts FROM mb_tasks ";
TaskRow to_task(const ts::db::Row& r) {
  return {r.get<std::string>(0),
          r.get<std::string>(1),
          r.get<std::optional<std::string>>(2).value_or(""),
          r.get<std::int64_t>(3),
          r.get<int>(4),
          r.get<int>(5)};
}
}  // namespace

std::vector<TaskRow> tasks_in_progress(Pool& db, std::int64_t uid) {
  std::vector<TaskRow> out;
  for (const auto& r :
       db.query(std::string(kTaskCols) + "WHERE user_id = $1 AND NOT complete ORDER BY created_at",
                {uid}))
    out.push_back(to_task(r));
  return out;
}

bool task_in_progress(Pool& db, std::int64_t uid, const std::string& name) {
  return !db.query("SELECT 1 FROM mb_tasks WHERE user_id = $1 AND name = $2 AND NOT complete",
                   {uid, name})
              .empty();
}

TaskHistory task_history(Pool& db, std::int64_t uid, const std::string& name) {
  auto r = db.query(
      "SELECT COALESCE(MAX(CASE WHEN complete THEN 0 ELSE 1 END), 0), "
      "COALESCE(MAX(created_at), 0) FROM mb_tasks WHERE user_id = $1 AND name = $2",
      {uid, name});
  return {r[0].get<std::int64_t>(0) != 0, r[0].get<std::int64_t>(1)};
}

bool enqueue_task(Pool& db, const std::string& id, const std::string& name,
                  const std::string& description, std::int64_t uid, std::int64_t now) {
  try {
    db.query(
        "INSERT INTO mb_tasks (id, name, description, user_id, complete, progress, attempts, "
        "created_at, locked_until) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, 0)",
        {id, name, description, uid, false, now});
    return true;
  } catch (const ts::db::UniqueViolation&) {
    return false;
  }
}

std::optional<TaskRow> claim_task(Pool& db, std::int64_t now, std::int64_t lease_until) {
  // The outer condition repeats the inner one so two workers racing for the
  // same row cannot both win.
  auto r = db.query(
      "UPDATE mb_tasks SET locked_until = $2, attempts = attempts + 1 WHERE id = "
      "(SELECT id FROM mb_tasks WHERE NOT complete AND locked_until < $1 "
      "ORDER BY created_at LIMIT 1) AND NOT complete AND locked_until < $1 "
      "RETURNING id, name, description, user_id, progress, attempts",
      {now, lease_until});
  if (r.empty()) return std::nullopt;
  return to_task(r[0]);
}

void set_task_progress(Pool& db, const TaskRow& task, int progress, double now_seconds,
                       const std::optional<std::string>& error) {
  auto lease = db.acquire();
  ts::db::Transaction tx(*lease);
  tx.query("UPDATE mb_tasks SET progress = $1, complete = $2, error = $3 WHERE id = $4",
           {progress, progress >= 100, error, task.id});
  boost::json::object payload{{"task_id", task.id}, {"progress", progress}};
  add_notification(*lease, task.user_id, "task_progress", boost::json::serialize(payload),
                   now_seconds);
  tx.commit();
}

}  // namespace microblog::storage
