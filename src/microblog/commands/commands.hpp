#pragma once
// The microblog binary's own subcommands (besides serve, migrate, version, worker).
#include "platform/service/service.hpp"

namespace microblog::commands {

// microblog import-flask --from URL [--replace]: the original Flask
// microblog's database (spec microblog.md §1); see docs/data.md.
int import_flask(ts::service::Context& ctx);

// microblog seed --users U --posts P --follows F: a generated data set for
// benchmarks (bench/scale.sh); see commands/seed.cpp.
int seed(ts::service::Context& ctx);

}  // namespace microblog::commands
