// The microblog tests' server and browser helpers (tests/integration/microblog),
// compiled into this area's binary too rather than copied.
#include "../microblog/mb_fixture.cpp"  // NOLINT(bugprone-suspicious-include)
