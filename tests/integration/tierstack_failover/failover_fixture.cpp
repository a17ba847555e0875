// The tierstack tests' topology fixture (tests/integration/tierstack), shared
// rather than copied: each integration directory is its own executable.
#include "../tierstack/stack_fixture.cpp"
