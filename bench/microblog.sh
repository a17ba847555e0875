#!/usr/bin/env bash
# bench/microblog.sh [--db sqlite|postgres] [--seconds N] [--rounds R] [--no-write] [--perf TARGET]
#                    [--only "TARGET…"] [--callgrind TARGET [--requests N]]
# Throughput of the microblog on SQLite with the original's measurement data
# (5 users, 100 posts; user 1 follows the other four): /index and /explore
# signed in (session cookie from a real login with curl), GET /auth/login
# anonymous, /api/users/1 and /api/users with a bearer token.
# wrk -t2 -c32, R rounds (default 3) of N seconds (default 10), interleaved;
# medians. Server CPU time per request and resident memory after each run.
# --db postgres runs it on a throwaway PostgreSQL cluster (tests/support/pg-cluster).
# Writes the table into docs/performance.md (section "microblog", or
# "microblog-postgres") unless --no-write. --only measures some targets (no write);
# with BIN=DIR (the binary directory) it A/Bs two builds. --callgrind counts the
# instructions a request costs (a third server under valgrind, N requests on one
# keep-alive connection): a figure the shared machine's noise does not move.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1 db=sqlite
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    --db) db=$2; shift 2 ;;
    --perf) perf_target=$2; write=0; shift 2 ;;
    --only) only=$2; write=0; shift 2 ;;
    --callgrind) cg_target=$2; write=0; shift 2 ;;
    --requests) cg_requests=$2; shift 2 ;;
    *) echo "usage: bench/microblog.sh [--db sqlite|postgres] [--seconds N] [--rounds R] [--no-write] [--perf TARGET] [--only \"TARGET…\"]" >&2; exit 2 ;;
  esac
done
case "$db" in sqlite | postgres) ;; *) echo "bench: --db sqlite or postgres" >&2; exit 2 ;; esac
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/install-deps)" >&2; exit 1; }
[ -x "$BIN/microblog" ] || cmake --build --preset release --target microblog
[ -x "$BIN/platform-testd" ] || cmake --build --preset release --target platform-testd

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
      [ -d "$work/pg" ] && "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null 2>&1
      rm -rf "$work"' EXIT
if [ "$db" = postgres ]; then
  chmod 755 "$work"  # the cluster runs as the postgres user
  "$BENCH_ROOT/tests/support/pg-cluster" start "$work/pg" >/dev/null
  db_url=$(cat "$work/pg/url")
else
  db_url="sqlite://$work/microblog.db"
fi

# start_blog NAME LAST_SEEN_INTERVAL — a server on the shared database.
start_blog() {
  local port; port=$(free_port)
  MICROBLOG_LISTEN=127.0.0.1:$port MICROBLOG_DATABASE_URL="$db_url" \
    MICROBLOG_SECRET_KEY=bench-secret-key-0123456789-0123456789-abcdef \
    MICROBLOG_ACCESS_LOG=false MICROBLOG_RUN_WORKER=false MICROBLOG_OUTBOX_DIR="$work/outbox" \
    MICROBLOG_LAST_SEEN_INTERVAL_SECONDS=$2 \
    "$BIN/microblog" serve 2>"$work/$1.log" &
  pids+=($!)
  eval "port_$1=$port pid_$1=$!"
  wait_http "http://127.0.0.1:$port/static/microblog.js"
}

MICROBLOG_DATABASE_URL="$db_url" MICROBLOG_SECRET_KEY=x \
  MICROBLOG_DEV_MODE=true "$BIN/microblog" migrate >/dev/null 2>&1 || true
start_blog main 60
base="http://127.0.0.1:$port_main"

source "$BENCH_ROOT/bench/microblog-seed.sh"
seed_microblog "$base" "$work"  # sets session and token
# The page really is the signed-in feed with 25 posts.
n=$(curl -fsS -H "Cookie: session=$session" -H 'Accept: text/html' "$base/index" | grep -c 'class="user_popup"' || true)
echo "feed shows $n post links"

# A second server writing last_seen on every request (interval 0).
start_blog every 0
# The reference measured in the same run: the platform's trivial JSON endpoint
# (what HTTP alone costs on this machine at this moment).
port_ref=$(free_port)
TESTD_LISTEN=127.0.0.1:$port_ref TESTD_ACCESS_LOG=false "$BIN/platform-testd" 2>"$work/testd.log" &
pids+=($!)
pid_ref=$!
wait_http "http://127.0.0.1:$port_ref/hello"

# wrk_h URL SECONDS [HEADER…] → "req_per_sec p99_ms"
wrk_h() {
  local url=$1 secs=$2; shift 2
  local args=() h
  for h in "$@"; do args+=(-H "$h"); done
  local out rps p99 errors
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "${args[@]}" "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [ -z "$errors" ] || echo "bench: wrk reported: $errors ($url)" >&2
  echo "$rps ${p99:-0} $(awk '/requests in/ {print $1}' <<<"$out")"
}
# CPU time (user + system, ms) the process has used so far.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }

cookie="Cookie: session=$session"
html="Accept: text/html,application/xhtml+xml,*/*;q=0.8"
bearer="Authorization: Bearer $token"
targets=(hello index explore login user1 users index_every)
declare -A url=([hello]="http://127.0.0.1:$port_ref/hello" [index]="$base/index" [explore]="$base/explore" [login]="$base/auth/login"
                [user1]="$base/api/users/1" [users]="$base/api/users"
                [index_every]="http://127.0.0.1:$port_every/index")
declare -A hdr1=([hello]="$html" [index]="$cookie" [explore]="$cookie" [login]="$html" [user1]="$bearer"
                 [users]="$bearer" [index_every]="$cookie")
declare -A hdr2=([hello]="$html" [index]="$html" [explore]="$html" [login]="$html" [user1]="$bearer"
                 [users]="$bearer" [index_every]="$html")
declare -A goal=([hello]=0 [index]=9000 [explore]=9000 [login]=40000 [user1]=48000 [users]=15000 [index_every]=9000)
declare -A orig=([hello]="" [index]=152 [explore]=178 [login]=1288 [user1]=808 [users]=286 [index_every]=152)
declare -A label=([hello]="reference: platform GET /hello (trivial JSON, same run)" [index]="GET /index, signed in" [explore]="GET /explore, signed in"
                  [login]="GET /auth/login" [user1]="GET /api/users/1 (bearer)"
                  [users]="GET /api/users (bearer)"
                  [index_every]="GET /index, signed in, last_seen written on every request")

if [ -n "${only:-}" ]; then
  for t in $only; do
    [ -n "${url[$t]:-}" ] || { echo "bench: unknown target $t (${targets[*]})" >&2; exit 2; }
  done
  read -r -a targets <<<"$only"
fi
for t in "${targets[@]}"; do wrk_h "${url[$t]}" 2 "${hdr1[$t]}" "${hdr2[$t]}" >/dev/null; done  # warm-up
# --perf TARGET: a perf profile (DWARF call graphs) of the server under that load, then stop.
if [ -n "${perf_target:-}" ]; then
  t=$perf_target pid=$pid_main
  [ -n "${url[$t]:-}" ] || { echo "bench: unknown target $t (${targets[*]})" >&2; exit 2; }
  [ "$t" = index_every ] && pid=$pid_every
  [ "$t" = hello ] && pid=$pid_ref
  out="$BENCH_ROOT/build/perf-microblog-$t.data"
  perf record -q -F 499 --call-graph dwarf,16384 -p "$pid" -o "$out" -- sleep "$seconds" &
  perf_pid=$!
  wrk_h "${url[$t]}" "$seconds" "${hdr1[$t]}" "${hdr2[$t]}"
  wait "$perf_pid"
  echo "profile: perf report -i $out --no-children"
  exit 0
fi
# --callgrind TARGET: user-space instructions per request, counted by callgrind.
if [ -n "${cg_target:-}" ]; then
  t=$cg_target n=${cg_requests:-2000}
  [ -n "${url[$t]:-}" ] && [ "$t" != hello ] || { echo "bench: unknown target $t" >&2; exit 2; }
  command -v valgrind >/dev/null || { echo "bench: valgrind missing" >&2; exit 1; }
  cg_port=$(free_port) out="$BENCH_ROOT/build/callgrind-microblog-$t.out"
  rm -f "$out"
  interval=60; [ "$t" = index_every ] && interval=0
  MICROBLOG_LISTEN=127.0.0.1:$cg_port MICROBLOG_DATABASE_URL="$db_url" \
    MICROBLOG_SECRET_KEY=bench-secret-key-0123456789-0123456789-abcdef \
    MICROBLOG_ACCESS_LOG=false MICROBLOG_RUN_WORKER=false MICROBLOG_OUTBOX_DIR="$work/outbox" \
    MICROBLOG_LAST_SEEN_INTERVAL_SECONDS=$interval \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$BIN/microblog" serve 2>"$work/cg.log" &
  cg_pid=$!
  pids+=("$cg_pid")
  wait_http "http://127.0.0.1:$cg_port/static/microblog.js" 120
  u=$(sed "s#^http://127.0.0.1:[0-9]*#http://127.0.0.1:$cg_port#" <<<"${url[$t]}")
  sep='?'; [[ "$u" == *\?* ]] && sep='&'
  curl -fsS -o /dev/null -H "${hdr1[$t]}" -H "${hdr2[$t]}" "$u${sep}warm=[1-50]"
  callgrind_control -i on "$cg_pid" >/dev/null
  curl -fsS -o /dev/null -H "${hdr1[$t]}" -H "${hdr2[$t]}" "$u${sep}cg=[1-$n]"
  callgrind_control -i off "$cg_pid" >/dev/null
  kill -TERM "$cg_pid"; wait "$cg_pid" 2>/dev/null || true
  ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
  echo "$t: $((ir / n)) instructions per request (callgrind, $n requests; profile: callgrind_annotate $out)"
  exit 0
fi
declare -A rps p99 cpu
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    pid=$pid_main; [ "$t" = index_every ] && pid=$pid_every; [ "$t" = hello ] && pid=$pid_ref
    c0=$(cpu_ms "$pid")
    read -r a b n < <(wrk_h "${url[$t]}" "$seconds" "${hdr1[$t]}" "${hdr2[$t]}")
    c1=$(cpu_ms "$pid")
    us=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.0f", (b - a) * 1000 / n}')
    rps[$t]+="$a "; p99[$t]+="$b "; cpu[$t]+="$us "
    rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
    [ "$pid" = "$pid_main" ] && rss_main=$(awk -v a="$rss" -v b="${rss_main:-0}" 'BEGIN {print (a > b) ? a : b}')
    [ "$pid" = "$pid_every" ] && rss_every=$(awk -v a="$rss" -v b="${rss_every:-0}" 'BEGIN {print (a > b) ? a : b}')
    echo "round $r/$rounds  $t: $a req/s, p99 $b ms, server CPU $us µs/request"
  done
done
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_main=$(hwm "$pid_main")
rss_main=${rss_main:-0} rss_every=${rss_every:-0}
echo "RSS after the runs (max): ${rss_main:-?} MiB (interval 60 s), ${rss_every:-?} MiB (interval 0); VmHWM incl. seeding logins: $hwm_main MiB"
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }

FINDINGS=$(cat <<'TEXT'
How the pages got here (perf profiles: `bench/microblog.sh --perf TARGET` records one under
load into build/perf-microblog-TARGET.data). On 2026-11-21 GET /index cost 800–870 µs of CPU:
a third in the feed query, a quarter building kainjow's mustache data, a sixth rendering.
Two changes on 2026-11-22 took it to about 70 µs:
- Our own template engine (src/microblog/web/view.hpp) for the subset of mustache the
  templates use: templates are parsed once and shared by all threads, a render appends to
  one string, objects are flat vectors, and the UI strings are shared by reference instead
  of copied into every page. GET /auth/login went from about 110–187 to about 50 µs.
- Rendered lists of posts (home feed, explore, a user's posts) are cached per instance by
  list, page and locale, and checked against a content version that every write changing
  such a list bumps (a post, a follow, a changed name or e-mail; migration 0002). The
  version is read in the same query as the signed-in user, so a hit costs no query, and a
  write on another instance is seen by the next page. Relative times ("3 minutes ago") are
  left as markers in the cached markup and filled in on every request.
The API reads a user's counts in the same query as the user (GET /api/users did one count
query per listed user), GET /api/users/{id} checks the bearer token in that same query, and on
SQLite the read-only GETs run on the network thread instead of being handed to the worker
pool. Tried and dropped: taking GET /api/users' total from a window count (`count(*) OVER ()`)
in the page's query instead of a separate count — an A/B run had it at 200–260 µs of CPU per
request against 67–106 on SQLite.
On 2026-11-22 `bench/microblog.sh --callgrind TARGET` (instructions per request, which the
shared machine's noise does not move) led to these changes; in instructions per request
GET /auth/login went from 205k to 110k and GET /api/users/1 from 100k to 74k:
- Pages a visitor without a session cookie asks for (the login form, or the redirect to it)
  do no database work, so they run on the network thread (`RouteOptions::inline_when`).
- Session cookies and CSRF tokens are HMAC-SHA256 under a per-purpose key derived from the
  secret. The derived keys are now prepared once per thread, and hashing goes through
  OpenSSL, which uses the CPU's SHA extensions (libsodium's portable SHA-256 took 1.8 µs per
  tag, OpenSSL 0.4 µs). API token hashes (SHA-256) too.
- A user's JSON is written as text with keys in order (`ts::json_text`, byte for byte what
  boost::json writes) instead of building and serializing a json::object; timestamps are
  formatted without snprintf.
- Gravatar hashes: MD5 without OpenSSL 3's per-call algorithm lookup, and remembered per
  thread for the addresses seen lately.
- Response headers are checked for CR/LF with memchr (std::string::find_first_of called
  memchr once per byte of every header).
- Base64 (cookies, tokens) is encoded with branch-free arithmetic instead of libsodium's
  call per character; page data is moved into the template instead of copied; SQLite runs
  without its global memory statistics (a process-wide mutex on every allocation).
- After these tables were measured, the page wrapper finds the session cookie without
  building a map of every cookie (twice per request before): GET /index 193k → 190k and
  GET /auth/login 110k → 109k instructions, too small to move the tables above.
The reference row is the platform's trivial JSON endpoint measured in the same rounds: the
goals of 40,000 and 48,000 req/s are about 50–60% of what this machine answers for a request
that does nothing, so they are met or missed with the machine's load at the time (a quiet
A/B run on 2026-11-22 had GET /auth/login at 51,000 and GET /api/users/1 at 52,000 req/s).
TEXT
)
table=$(mktemp)
{
  [ "$db" = postgres ] && echo "## Microblog on PostgreSQL: goals of issue 5" || echo "## Microblog on SQLite: goals of issue 5"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores (shared with other work), \`bench/microblog.sh$( [ "$db" = postgres ] && echo " --db postgres") --seconds $seconds --rounds $rounds\`:"
  echo "$( [ "$db" = postgres ] && echo "PostgreSQL 15 (a local cluster on loopback TCP)" || echo SQLite), 5 users, 100 posts (user1 follows the rest), wrk -t2 -c32, medians of $rounds interleaved"
  echo "rounds, load generator on the same machine. Signed-in pages use the session cookie of a real"
  echo "login; the API uses a bearer token. The original Flask figures are from issue 5."
  echo
  echo "| request | original req/s | req/s (median) | p99 ms | server CPU µs/request | goal | met |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for t in "${targets[@]}"; do
    m=$(med "${rps[$t]}")
    if [ "$t" = hello ]; then
      echo "| ${label[$t]} | | $m | $(med "${p99[$t]}") | $(med "${cpu[$t]}") | | |"
      continue
    fi
    met=$(awk -v a="$m" -v g="${goal[$t]}" 'BEGIN {print (a >= g) ? "yes" : "**no**"}')
    echo "| ${label[$t]} | ${orig[$t]} | $m | $(med "${p99[$t]}") | $(med "${cpu[$t]}") | ≥ ${goal[$t]} | $met |"
  done
  met=$(awk -v a="$rss_main" -v b="$rss_every" 'BEGIN {print (a <= 30 && b <= 30) ? "yes" : "**no**"}')
  echo "| resident memory (VmRSS, largest seen after a run; both servers) | | $rss_main MiB / $rss_every MiB | | | ≤ 30 MiB | $met |"
  echo
  echo "Every signed-in request loads the user and, as the original, records \`last_seen\` — but"
  echo "the write is throttled by \`MICROBLOG_LAST_SEEN_INTERVAL_SECONDS\` (default 60): within the"
  echo "interval the page does no write at all, so the first two rows measure reads. The row with"
  echo "interval 0 writes \`last_seen\` on every request, exactly like the original."
  echo
  echo "The all-time peak (VmHWM) of the first server is $hwm_main MiB: it includes the argon2id"
  echo "hashing of the seeding logins and token requests, not the page or API load."
  echo
  if [ "$db" = postgres ]; then
    echo "On PostgreSQL the server CPU column leaves out the database's own CPU (the cluster runs on"
    echo "the same two cores), and every query is a loopback round trip; the read-only API GETs stay on"
    echo "the worker pool there. An API request is one query, so its rate is bounded by how many"
    echo "such queries the PostgreSQL backends answer per second while sharing the two cores with"
    echo "wrk and the server: the API goals are met on SQLite, the default, and not on PostgreSQL here."
    echo
  fi
  echo "\"Server CPU µs/request\" is the server's user + system time over each run divided by the"
  echo "requests served: it does not depend on how busy the shared machine is, and 2 cores divided"
  echo "by it bounds the rate this build could reach with the whole machine (less wrk's share)."
  echo
  echo "$FINDINGS"
} >"$table"
cat "$table"
if [ "$write" = 1 ]; then
  section=microblog; [ "$db" = postgres ] && section=microblog-postgres
  replace_section "$BENCH_ROOT/docs/performance.md" "$section" "$table"
  echo "written to docs/performance.md"
fi
rm -f "$table"
