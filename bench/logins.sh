#!/usr/bin/env bash
# bench/logins.sh [--seconds N] [--rounds R] [--baseline DIR] [--no-write]
# Issue 15, goals 6 and 4 (logins), on the shop (SQLite; every login path runs
# the same src/platform/auth/login.cpp):
#   ceiling   one argon2id verify (m=19 MiB, t=2, p=1, libsodium) timed alone in
#             this round; the machine's ceiling is cores × 1000 / that time
#   capacity  POST /account/login/ with wrk -t2 -c(2 × cores) (every hash slot
#             busy with one login waiting per slot): logins/s against the ceiling
#   overload  wrk -t2 -c32 (clients that ignore Retry-After): logins served per
#             second, 429 answers, p99 of all answers
#   memory    VmRSS fresh, the median and largest during the capacity load, and
#             30 s after the overload
# R rounds (default 3) of N seconds (default 10), the ceiling measured in each
# round and, with --baseline DIR (a directory holding an earlier build's shop
# binary), that build measured in the same round, interleaved; medians.
# Writes the table into docs/performance.md (section logins) unless --no-write.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1 baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/logins.sh [--seconds N] [--rounds R] [--baseline DIR] [--no-write]" >&2; exit 2 ;;
  esac
done
for tool in wrk curl c++ sqlite3; do
  command -v $tool >/dev/null || { echo "bench: $tool missing (scripts/install-deps)" >&2; exit 1; }
done
[ -x "$BIN/shop" ] || cmake --build --preset release --target shop

work=$(mktemp -d)
shop_pid=""
cleanup() { [ -n "$shop_pid" ] && kill "$shop_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
cores=$(nproc)
password="seed-password"
export SHOP_DATABASE_URL="sqlite://$work/shop.db" SHOP_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789"
export SHOP_MEDIA_DIR="$work/media" SHOP_ACCESS_LOG=false
"$BIN/shop" migrate >/dev/null 2>&1
"$BIN/shop" seed --users 300 --orders 300 --seed 1 --password "$password" 2>/dev/null | tail -n 1
sqlite3 "$work/shop.db" "SELECT username FROM shop_users WHERE email LIKE '%@seed.example.com'" >"$work/users.txt"

# A random seeded user and client address per request (X-Forwarded-For, one
# trusted hop), so the guessing limits model many clients and never answer.
cat >"$work/login.lua" <<'LUA'
local users = {}
for line in io.lines(os.getenv("BENCH_USERS")) do users[#users + 1] = line end
local password = os.getenv("BENCH_PASSWORD")
math.randomseed(os.time() + tonumber(string.sub(tostring({}), -6), 16))
request = function()
  local u = users[math.random(#users)]
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("POST", "/account/login/",
    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip},
    '{"username":"' .. u .. '","password":"' .. password .. '"}')
end
LUA

cat >"$work/verify_time.cpp" <<'CPP'
// ms per argon2id verify at the platform's parameters, one thread.
#include <sodium.h>
#include <chrono>
#include <cstdio>
int main() {
  if (sodium_init() < 0) return 1;
  char stored[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(stored, "pw", 2, 2, 19ull << 20, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return 1;
  const int n = 20;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    if (crypto_pwhash_str_verify(stored, "pw", 2) != 0) return 1;
  std::printf("%.2f\n", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n);
}
CPP
c++ -O2 "$work/verify_time.cpp" -o "$work/verify_time" -lsodium

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# wrk_login CONNECTIONS → "served_per_s answers_429 p99_ms"
wrk_login() {
  local out total non2xx p99
  out=$(BENCH_USERS="$work/users.txt" BENCH_PASSWORD=$password \
    wrk -t2 -c"$1" -d"${seconds}s" --latency -s "$work/login.lua" "$base")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$(awk -v t="$total" -v n="$non2xx" -v s="$seconds" 'BEGIN {printf "%.1f", (t - n) / s}') $non2xx ${p99:-0}"
}

# measure NAME BINARY: one round of one build; appends to the per-build lists.
declare -A cap p99cap over over429 p99over fresh rss_med rss_max after
measure() {
  local name=$1 bin=$2 port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  SHOP_LISTEN=127.0.0.1:$port SHOP_TRUST_PROXY_HOPS=1 SHOP_ALLOW_SANDBOX=true "$bin" serve 2>/dev/null &
  shop_pid=$!
  wait_http "$base/api/products/"
  sleep 1
  fresh[$name]+="$(rss_mib "$shop_pid") "
  : >"$work/rss"
  ( while kill -0 "$shop_pid" 2>/dev/null; do rss_mib "$shop_pid" >>"$work/rss"; echo >>"$work/rss"; sleep 0.5; done ) &
  local watch=$!
  local a b c
  read -r a b c < <(wrk_login $((2 * cores)))
  kill "$watch" 2>/dev/null; wait "$watch" 2>/dev/null || true
  cap[$name]+="$a "; p99cap[$name]+="$c "
  rss_med[$name]+="$(grep -v '^$' "$work/rss" | median) "
  rss_max[$name]+="$(grep -v '^$' "$work/rss" | sort -g | tail -n 1) "
  echo "  $name capacity (c$((2 * cores))): $a logins/s, p99 $c ms, RSS median $(grep -v '^$' "$work/rss" | median) MiB"
  read -r a b c < <(wrk_login 32)
  over[$name]+="$a "; over429[$name]+="$b "; p99over[$name]+="$c "
  echo "  $name overload (c32): $a logins/s served, $b answered 429, p99 $c ms"
  sleep 30
  after[$name]+="$(rss_mib "$shop_pid") "
  echo "  $name 30 s after: $(rss_mib "$shop_pid") MiB"
  kill "$shop_pid"; wait "$shop_pid" 2>/dev/null || true; shop_pid=""
}

builds=(now)
[ -n "$baseline" ] && builds+=(baseline)
declare -A binary=([now]="$BIN/shop" [baseline]="$baseline/shop")
verify_ms=""
for r in $(seq 1 "$rounds"); do
  v=$("$work/verify_time"); verify_ms+="$v "
  echo "round $r/$rounds: one verify $v ms alone"
  order=("${builds[@]}"); [ $((r % 2)) = 0 ] && order=($(printf '%s\n' "${builds[@]}" | tac))
  for b in "${order[@]}"; do measure "$b" "${binary[$b]}"; done
done

vm=$(med "$verify_ms")
ceiling=$(awk -v n="$cores" -v t="$vm" 'BEGIN {printf "%.1f", n * 1000 / t}')
table="$work/table"
{
  echo "Measured $(date -u +%Y-%m-%d) on $cores cores, \`bench/logins.sh --seconds $seconds --rounds $rounds${baseline:+ --baseline <previous build>}\`"
  echo "(shop on SQLite, 300 seeded users, medians of $rounds interleaved rounds; the ceiling is timed in each round:"
  echo "one argon2id verify, m=19 MiB, t=2, p=1, took $vm ms alone, so $cores cores × 1000 / $vm = $ceiling logins/s)."
  echo
  echo "| build | logins/s at c$((2 * cores)) | % of ceiling | p99 at c$((2 * cores)) | logins/s at c32 | 429s at c32 | p99 at c32 | RSS fresh | RSS during logins (median / max) | RSS 30 s after |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for b in "${builds[@]}"; do
    c=$(med "${cap[$b]}")
    echo "| $b | $c | $(awk -v c="$c" -v g="$ceiling" 'BEGIN {printf "%.0f %%", 100 * c / g}') | $(med "${p99cap[$b]}") ms | $(med "${over[$b]}") | $(med "${over429[$b]}") | $(med "${p99over[$b]}") ms | $(med "${fresh[$b]}") MiB | $(med "${rss_med[$b]}") / $(med "${rss_max[$b]}") MiB | $(med "${after[$b]}") MiB |"
  done
} >"$table"
cat "$table"
if [ "$write" = 1 ]; then
  replace_section "$BENCH_ROOT/docs/performance.md" logins "$table"
  echo "written to docs/performance.md (logins)"
fi
