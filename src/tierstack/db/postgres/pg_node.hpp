#pragma once
// Owns: talking to one node of the PostgreSQL pair — a connection as the
// tierstack superuser (platform/db, opened in the node's network namespace),
// its replication state, synchronous_standby_names, making a standby with
// pg_basebackup, and editing postgresql.auto.conf. The pair's policy (who is
// primary, when to fail over) is pg_cluster.cpp's and pg_sync.cpp's.
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "platform/db/connection.hpp"
#include "tierstack/supervise/component.hpp"

namespace tierstack {

// A connection to database `db` on the node; throws ts::db::Error.
std::unique_ptr<ts::db::Connection> pg_connect(const Component& node,
                                               const std::string& db = "postgres");

// Whether `name` streams from the primary, and how: "streaming/sync",
// "stalled/…"; "" when it does not (or the primary does not answer).
std::string replication_state(const Component& primary, const std::string& name);

// synchronous_standby_names on the primary: `setting` ("" resets it: off).
void set_sync(const Component& primary, const std::string& setting);

// A fresh standby of `primary` in `sb`'s data directory: the old one is
// removed, pg_basebackup copies the primary through a new replication slot
// and writes standby.signal (-R). Returns false with why.
bool make_standby(const Component& primary, const Component& sb, const std::filesystem::path& state,
                  const std::filesystem::path& logs, std::string& why);

// Removes settings from a data directory's postgresql.auto.conf (written by
// ALTER SYSTEM and pg_basebackup -R), atomically; keeps its owner.
void strip_auto_conf(const std::filesystem::path& data, const std::set<std::string>& keys,
                     const std::string& append = "");

}  // namespace tierstack
