#!/usr/bin/env bash
# bench/shop.sh [--seconds N] [--rounds R] [--engines "sqlite postgres"] [--orders M] [--no-write]
# The shop's goals from issue 3 on this machine, per database:
#   GET /api/products/ (33 products)            wrk -t2 -c32: >= 35,000 req/s, p99 <= 5 ms
#   GET /api/product/<id>/                      wrk -t2 -c32: >= 57,000 req/s
#   POST /account/login/ (argon2id)             wrk -t2 -c32: >= 100 req/s
#   GET /account/all-orders-list/ as admin      15,000 orders: <= 25 ms (curl, median of 10)
#   resident memory of the shop under this load <= 30 MiB (ps -o rss, maximum seen),
#   recorded per phase: catalogue load, login load, order list
# Also the time of one argon2id verify (m=19 MiB, t=2, p=1, libsodium) on an idle
# process, alone and on every core at once: the ceiling for logins per second.
# R rounds (default 3) of N seconds (default 10), medians, like bench/platform.sh.
# Data: `shop seed --users 3000 --orders 15000 --seed 1` (33 products with pictures).
# PostgreSQL runs in a throwaway cluster (tests/support/pg-cluster).
# Writes the tables into docs/performance.md (sections shop-sqlite, shop-postgres)
# unless --no-write.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1 engines="sqlite postgres" orders=15000 users=3000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --orders) orders=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/shop.sh [--seconds N] [--rounds R] [--engines \"sqlite postgres\"] [--orders M] [--no-write]" >&2; exit 2 ;;
  esac
done
for tool in wrk curl c++; do
  command -v $tool >/dev/null || { echo "bench: $tool missing (scripts/install-deps)" >&2; exit 1; }
done
[ -x "$BIN/shop" ] || cmake --build --preset release --target shop

work=$(mktemp -d)
chmod 755 "$work"  # the PostgreSQL cluster runs as the postgres user
shop_pid=""
cleanup() {
  [ -n "$shop_pid" ] && kill "$shop_pid" 2>/dev/null || true
  [ -d "$work/pg" ] && "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

secret="bench-secret-key-0123456789abcdef0123456789"
password="seed-password"
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
verdict() {  # verdict VALUE OP GOAL → "met" / "NOT met"
  awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN { ok = (op == ">=") ? (v >= g) : (v <= g); print ok ? "met" : "**NOT met**" }'
}

# wrk script for login: a random generated user from users.txt per request and
# a random client address (X-Forwarded-For, trusted one hop), so the per-account
# and per-address login limits model many clients instead of throttling one.
cat >"$work/login.lua" <<'LUA'
local users = {}
for line in io.lines(os.getenv("BENCH_USERS")) do users[#users + 1] = line end
local password = os.getenv("BENCH_PASSWORD")
math.randomseed(os.time() + tonumber(string.sub(tostring({}), -6), 16))
request = function()
  local u = users[math.random(#users)]
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  local body = '{"username":"' .. u .. '","password":"' .. password .. '"}'
  return wrk.format("POST", "/account/login/",
    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end
LUA

# argon2id verify time, the work of one login (libsodium, as src/platform/auth/password.cpp).
cat >"$work/hash_time.cpp" <<'CPP'
#include <sodium.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  const int n = std::atoi(argv[1]), threads = std::atoi(argv[2]);
  char stored[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(stored, "pw", 2, 2, 19ull << 20, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return 1;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < n; ++i)
        if (crypto_pwhash_str_verify(stored, "pw", 2) != 0) std::abort();
    });
  for (auto& t : pool) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.2f %.1f\n", s * 1000 / n, n * threads / s);  // ms per verify, verifies/s
}
CPP
c++ -O2 -std=c++20 "$work/hash_time.cpp" -o "$work/hash_time" -lsodium -pthread
# hash_stats → "ms_per_verify_alone verifies_per_s_all_cores" (medians of the rounds)
hash_stats() {
  local ms="" all="" a b
  for _ in $(seq 1 "$rounds"); do
    read -r a _ < <("$work/hash_time" 20 1); ms+="$a "
    read -r _ b < <("$work/hash_time" 20 "$(nproc)"); all+="$b "
  done
  echo "$(med "$ms") $(med "$all")"
}

# rss_watch PID FILE: the largest resident set seen, in KiB, every 0.5 s.
rss_watch() {
  local pid=$1 file=$2 max=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
    [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v && echo "$max" >"$file"
    sleep 0.5
  done
}

bench_engine() {
  local engine=$1 url
  if [ "$engine" = postgres ]; then
    "$BENCH_ROOT/tests/support/pg-cluster" start "$work/pg" >/dev/null
    url=$(cat "$work/pg/url")
  else
    url="sqlite://$work/shop.db"
  fi
  local media="$work/media-$engine"
  export SHOP_DATABASE_URL=$url SHOP_SECRET_KEY=$secret SHOP_MEDIA_DIR=$media SHOP_ACCESS_LOG=false
  "$BIN/shop" migrate >/dev/null
  local t0=$SECONDS
  "$BIN/shop" seed --users "$users" --orders "$orders" --seed 1 --password "$password" | tail -n 1
  local seed_secs=$((SECONDS - t0))
  SHOP_ADMIN_PASSWORD=bench-admin-password "$BIN/shop" create-admin --username benchadmin \
    --email benchadmin@example.com >/dev/null 2>&1 || true
  if [ "$engine" = postgres ]; then
    psql -At "$url" -c "SELECT username FROM shop_users WHERE email LIKE '%@seed.example.com' ORDER BY id" >"$work/users.txt"
  else
    sqlite3 "$work/shop.db" "SELECT username FROM shop_users WHERE email LIKE '%@seed.example.com' ORDER BY id" >"$work/users.txt"
  fi

  local port; port=$(free_port)
  # The sandbox gateway (the default) is served only when allowed explicitly.
  SHOP_LISTEN=127.0.0.1:$port SHOP_TRUST_PROXY_HOPS=1 SHOP_ALLOW_SANDBOX=true "$BIN/shop" serve 2>"$work/shop-$engine.log" &
  shop_pid=$!
  local base="http://127.0.0.1:$port"
  wait_http "$base/api/products/"
  local pid_id; pid_id=$(curl -fsS "$base/api/products/" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
  local hash_ms hash_all; read -r hash_ms hash_all < <(hash_stats)
  echo "$engine argon2id verify: $hash_ms ms alone; $hash_all verifies/s on $(nproc) cores"
  echo 0 >"$work/rss"
  rss_watch "$shop_pid" "$work/rss" & local watch_pid=$!

  local login=1 admin_token=""
  local probe; probe=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"username":"benchadmin","password":"bench-admin-password"}' "$base/account/login/")
  if [ "$probe" != 200 ]; then
    login=0
    echo "bench: POST /account/login/ answered $probe: login is not implemented yet; skipping login and the admin order list" >&2
  else
    admin_token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
      -d '{"username":"benchadmin","password":"bench-admin-password"}' "$base/account/login/" |
      grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  fi

  declare -A rps p99
  local targets=(list one)
  declare -A url=([list]="$base/api/products/" [one]="$base/api/product/$pid_id/" [login]="$base")
  run_target() {
    if [ "$1" = login ]; then
      BENCH_USERS="$work/users.txt" BENCH_PASSWORD=$password run_wrk_script "$base" "$2" "$work/login.lua"
    else
      run_wrk "${url[$1]}" "$2"
    fi
  }
  for t in list one; do run_target "$t" 2 >/dev/null; done  # warm-up
  for r in $(seq 1 "$rounds"); do
    for t in "${targets[@]}"; do
      read -r a b < <(run_target "$t" "$seconds")
      rps[$t]+="$a "; p99[$t]+="$b "
      echo "$engine round $r/$rounds  $t: $a req/s, p99 $b ms"
    done
  done
  # Memory of the catalogue load alone; login (argon2id, 19 MiB per hash in
  # flight) is measured separately after it.
  local rss_catalogue; rss_catalogue=$(awk -v k="$(cat "$work/rss")" 'BEGIN {printf "%.1f", k / 1024}')
  kill "$watch_pid" 2>/dev/null || true
  echo 0 >"$work/rss-login"
  rss_watch "$shop_pid" "$work/rss-login" & watch_pid=$!
  if [ "$login" = 1 ]; then
    for r in $(seq 1 "$rounds"); do
      read -r a b < <(run_target login "$seconds")
      rps[login]+="$a "; p99[login]+="$b "
      echo "$engine round $r/$rounds  login: $a req/s, p99 $b ms"
    done
  fi

  local rss_login; rss_login=$(awk -v k="$(cat "$work/rss-login")" 'BEGIN {printf "%.1f", k / 1024}')
  kill "$watch_pid" 2>/dev/null || true
  echo 0 >"$work/rss-orders"
  rss_watch "$shop_pid" "$work/rss-orders" & watch_pid=$!
  local orders_ms="" orders_note="not measured: login is not implemented yet"
  if [ "$login" = 1 ]; then
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" "$base/account/all-orders-list/")" = 200 ]; then
      local times=""
      for _ in $(seq 1 10); do
        times+="$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $admin_token" "$base/account/all-orders-list/") "
      done
      orders_ms=$(med "$times" | awk '{printf "%.1f", $1 * 1000}')
      local count; count=$(curl -fsS -H "Authorization: Bearer $admin_token" "$base/account/all-orders-list/" | grep -o '"id":' | wc -l)
      orders_note="$count orders"
      echo "$engine admin order list: $orders_ms ms ($orders_note)"
    else
      orders_note="not measured: GET /account/all-orders-list/ is not implemented yet"
      echo "bench: $orders_note" >&2
    fi
  fi
  sleep 1  # one more sample after the last request
  kill "$watch_pid" 2>/dev/null || true
  local rss_orders; rss_orders=$(awk -v k="$(cat "$work/rss-orders")" 'BEGIN {printf "%.1f", k / 1024}')
  kill "$shop_pid"; wait "$shop_pid" 2>/dev/null || true; shop_pid=""
  [ "$engine" = postgres ] && "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null

  local l_rps l_p99 o_rps o_p99
  l_rps=$(med "${rps[list]}"); l_p99=$(med "${p99[list]}"); o_rps=$(med "${rps[one]}"); o_p99=$(med "${p99[one]}")
  echo "$engine median: list $l_rps req/s p99 $l_p99 ms; one product $o_rps req/s; RSS max $rss_catalogue / $rss_login / $rss_orders MiB (catalogue / login / order list)"

  local table="$work/table-$engine"
  local title; title=$([ "$engine" = postgres ] && echo PostgreSQL || echo SQLite)
  {
    echo "## Shop on $title: goals of issue 3"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $engine, \`bench/shop.sh --engines $engine --seconds $seconds --rounds $rounds\`"
    echo "(wrk -t2 -c32, medians of $rounds rounds, load generator on the same machine; data: 33 products,"
    echo "$users users, $orders orders from \`shop seed --users $users --orders $orders --seed 1\`, loaded in ${seed_secs} s)."
    echo
    echo "| measurement | result | goal | |"
    echo "|---|---:|---:|---|"
    local ok_list; ok_list=$( [ "$(verdict "$l_rps" ">=" 35000)" = met ] && [ "$(verdict "$l_p99" "<=" 5)" = met ] && echo met || echo "**NOT met**")
    echo "| GET /api/products/ | $l_rps req/s, p99 $l_p99 ms | ≥ 35,000 req/s, p99 ≤ 5 ms | $ok_list |"
    echo "| GET /api/product/<id>/ | $o_rps req/s, p99 $o_p99 ms | ≥ 57,000 req/s | $(verdict "$o_rps" ">=" 57000) |"
    if [ "$login" = 1 ]; then
      local g_rps g_p99; g_rps=$(med "${rps[login]}"); g_p99=$(med "${p99[login]}")
      echo "| POST /account/login/ (argon2id) | $g_rps req/s, p99 $g_p99 ms | ≥ 100 req/s | $(verdict "$g_rps" ">=" 100) |"
      echo "| ceiling: one argon2id verify (m=19 MiB, t=2, p=1) | $hash_ms ms alone; $hash_all verifies/s on all $(nproc) cores | ≥ 100 verifies/s | $(verdict "$hash_all" ">=" 100) |"
    else
      echo "| POST /account/login/ (argon2id) | not measured: login is not implemented yet | ≥ 100 req/s | — |"
    fi
    if [ -n "$orders_ms" ]; then
      echo "| admin GET /account/all-orders-list/ ($orders_note) | $orders_ms ms (median of 10, curl) | ≤ 25 ms | $(verdict "$orders_ms" "<=" 25) |"
    else
      echo "| admin GET /account/all-orders-list/ | $orders_note | ≤ 25 ms | — |"
    fi
    echo "| shop resident memory, catalogue load (max of ps -o rss) | $rss_catalogue MiB | ≤ 30 MiB | $(verdict "$rss_catalogue" "<=" 30) |"
    echo "| shop resident memory, login load | $rss_login MiB | ≤ 30 MiB | $(verdict "$rss_login" "<=" 30) |"
    echo "| shop resident memory, admin order list | $rss_orders MiB | ≤ 30 MiB | $(verdict "$rss_orders" "<=" 30) |"
    echo
    echo "The list and one product are served from serialized JSON in memory on the network threads (no"
    echo "worker hop, no database; refreshed after each write and every SHOP_CATALOGUE_CACHE_MS, default"
    echo "1 s). Before/after on SQLite, 5 s wrk runs in one minute on the loaded machine: database per"
    echo "request on the worker pool 2,100 / 7,100 req/s (list / one); cached JSON on the worker pool"
    echo "11,400 / 10,900; cached JSON on the network threads 30,100 / 38,800. p99 here is dominated by"
    echo "the other engineers' builds sharing the 2 cores."
    echo
    echo "Login is one argon2id verify per request and nothing else slow: the seeded hash already has"
    echo "today's parameters (no rehash), the verify runs on the worker pool, and the bench spreads"
    echo "requests over $users users and random client addresses so the rate limits never answer (wrk"
    echo "reports no non-2xx; its timeouts are requests queued for more than 2 s). The ceiling is the"
    echo "cores divided by the verify time: one verify took $hash_ms ms (median, idle shop), so $(nproc) cores"
    echo "× 1000 / $hash_ms ms = $(awk -v n="$(nproc)" -v t="$hash_ms" 'BEGIN {printf "%.0f", n * 1000 / t}') req/s at best with nothing else running; one verify thread per"
    echo "core measured $hash_all verifies/s in the same minute (the other sessions' work shares the cores)."
    echo "100 req/s on 2 cores needs a verify of at most 20 ms, so the goal is out of reach at m=19 MiB,"
    echo "t=2 on this machine whatever the server does; the load generator takes its share of the cores too."
    echo
    echo "Memory: libsodium maps 19 MiB for each argon2id hash in flight and unmaps it afterwards. The"
    echo "shop lets at most one hash per core run at a time (src/shop/api/accounts.cpp; before, all"
    echo "8 worker threads hashed at once: 170 MiB), so the login load peaks near the catalogue figure"
    echo "plus $(nproc) × 19 MiB. Even one hash at a time would be the catalogue figure + 19 MiB, above"
    echo "30 MiB: the memory goal holds for the catalogue load, not while argon2id at m=19 MiB runs."
    echo
    echo "The admin order list is written straight from the query result into the answer (no order"
    echo "objects, no copies of text cells, prices and +05:30 timestamps formatted by hand; the answer"
    echo "is byte-identical to before). Most of what remains is the database layer materialising"
    echo "15,000 rows (one Value per cell, tens of thousands of allocations) and the page faults of a"
    echo "4 MB answer; a row-streaming query API in src/platform/db would be the next step. That"
    echo "materialised result and the answer are also the order list's memory above (glibc keeps the freed"
    echo "space for reuse). Before/after, this script on the loaded machine: order list 54.5 → 57.9 ms"
    echo "(SQLite) and 98.7 → 95.3 ms (PostgreSQL), server CPU per request 47 → 45 ms (noise-level: the"
    echo "JSON writing was not the bottleneck); login 73.9 → 30.9 req/s (SQLite) and 54.0 → 35.5 req/s"
    echo "(PostgreSQL) with memory 170 → 56 MiB; an interleaved A/B of the two binaries on one database"
    echo "gave 29.8 / 22.7 req/s (8 hashes at once) against 21.1 / 24.5 (one per core), so the login drop"
    echo "is the machine's load in that minute, not the cap."
  } >"$table"
  cat "$table"
  if [ "$write" = 1 ]; then
    replace_section "$BENCH_ROOT/docs/performance.md" "shop-$engine" "$table"
    echo "written to docs/performance.md (shop-$engine)"
  fi
  unset SHOP_DATABASE_URL
}

# run_wrk_script BASE_URL SECONDS SCRIPT → "req_per_sec p99_ms" (as run_wrk, with a lua script)
run_wrk_script() {
  local out rps p99
  out=$(wrk -t2 -c32 -d"${2}s" --latency -s "$3" "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  local errors; errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [ -z "$errors" ] || echo "bench: wrk reported: $errors" >&2
  echo "$rps ${p99:-0}"
}

for e in $engines; do bench_engine "$e"; done
