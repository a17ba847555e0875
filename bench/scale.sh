#!/usr/bin/env bash
# bench/scale.sh [--sizes "1 10 100"] [--engines "sqlite postgres"] [--apps "shop microblog"]
#                [--rate R] [--seconds N] [--rounds K] [--no-write] [--from-results FILE]
# Cost as the data grows (issue 15, goal 7). Loads 1x (the demo data of
# bench/shop.sh and a microblog of 100 users), then 10x, then 100x into the
# same database (each `seed` adds only what is missing), and at each size
# measures the latency of the requests people make:
#   shop       GET /api/products/ (the catalogue), a user's orders
#              (/account/all-orders-list/ as that user), the admin order list
#              page 1, a middle and the last page (?page=N, 50 a page), a page
#              filtered by both statuses and by one, every business
#              report (/api/reports/...), and the deliberately unpaginated admin
#              list (curl, the whole table in one answer)
#   microblog  /index, /explore, /user/<name> signed in, /search?q=<word>,
#              GET /api/users (bearer token)
# Data per size s: shop `seed --users min(3000 s, 30000) --orders 15000 s`;
# microblog `seed --users 100 s --posts 10000 s --follows 1000 s`.
# Latency: bench/fixed_rate.py, an open-loop client at a fixed rate (R req/s,
# default 25; 2 req/s for the reports and search, which read every order or
# every match), N seconds each (default 6), p50 and
# p99 counted from when each request was due; K rounds (default 3), the
# targets interleaved in each round, medians over the rounds. The reference in
# the same rounds: nginx `return 200` at the same rate. The microblog keeps
# rendered lists of posts per instance until the content version moves; a
# writer bumps that version every 20 ms while its pages are measured, so the
# pages are built from the database as after every new post (the cold path).
# PostgreSQL: VACUUM ANALYZE after each load (autovacuum's job after a bulk
# load). Writes docs/performance.md section "scale-<engines>" unless --no-write.
# --from-results FILE renders the tables from the raw lines of an earlier run
# (printed at its end: engine size target p50 p99) without measuring again.
source "$(dirname "$0")/lib.sh"
sizes="1 10 100" engines="sqlite postgres" apps="shop microblog" rate=25 seconds=6 rounds=3 write=1
from_results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --apps) apps=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    --from-results) from_results=$2; shift 2 ;;
    *) sed -n '2,3p' "$0" | sed 's/^# /usage: /' >&2; exit 2 ;;
  esac
done
for tool in curl nginx python3 sqlite3 psql; do
  command -v $tool >/dev/null || { echo "bench: $tool missing (scripts/install-deps)" >&2; exit 1; }
done
[ -x "$BIN/shop" ] && [ -x "$BIN/microblog" ] || cmake --build --preset release --target shop microblog

work=$(mktemp -d)
chmod 755 "$work"  # the PostgreSQL cluster runs as the postgres user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${bumper_pid:-}" ] && stop_bumper
  stop_nginx "$work/nginx"
  [ -d "$work/pg" ] && "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
driver="$BENCH_ROOT/bench/fixed_rate.py"
results="$work/results.txt"  # engine size target p50 p99 (one line a round)
: >"$results"

ref_port=$(free_port)
start_nginx_return200 "$work/nginx" "$ref_port"

# sql ENGINE URL QUERY → the rows, one a line, cells separated by |
sql() {
  if [ "$1" = sqlite ]; then sqlite3 "${2#sqlite://}" "$3"; else psql -qAt "$2" -c "$3"; fi
}
# measure ENGINE SIZE TARGET PORT RATE [-H header ...] PATH... → one result line
measure() {
  local engine=$1 size=$2 target=$3 port=$4 r=$5; shift 5
  local out
  out=$(python3 "$driver" --port "$port" --rate "$r" --seconds "$seconds" "$@")
  read -r p50 p99 n errors _ <<<"$out"
  [ "$errors" = 0 ] || echo "bench: $target: $errors of $n answers were not 200" >&2
  echo "$engine $size $target $p50 $p99" >>"$results"
}
# bumper ENGINE URL: bumps the microblog's content version every 20 ms until killed.
start_bumper() {
  local q="UPDATE mb_content_version SET version = version + 1;" client
  if [ "$1" = sqlite ]; then client="sqlite3 -cmd '.timeout 5000' '${2#sqlite://}'"; else client="psql -q '$2'"; fi
  # Its own process group, so stop_bumper ends the loop and the client together.
  setsid bash -c "while sleep 0.02; do echo '$q'; done | $client" </dev/null >/dev/null 2>&1 &
  bumper_pid=$!
}
stop_bumper() { kill -- "-$bumper_pid" 2>/dev/null || true; wait "$bumper_pid" 2>/dev/null || true; }

shop_secret="bench-secret-key-0123456789abcdef0123456789"
mb_secret="bench-secret-key-0123456789-0123456789-abcdef"
reports=("counts/" "states/?top=5" "states/?top=5&paid_only=true" "products/?top=3"
         "products/?top=3&paid_only=true" "revenue/" "revenue/?paid_only=true")

start_shop() {  # start_shop URL
  shop_port=$(free_port)
  SHOP_DATABASE_URL=$1 SHOP_SECRET_KEY=$shop_secret SHOP_MEDIA_DIR=$work/media SHOP_ACCESS_LOG=false \
    SHOP_LISTEN=127.0.0.1:$shop_port SHOP_ALLOW_SANDBOX=true "$BIN/shop" serve >>"$work/shop.log" 2>&1 &
  shop_pid=$!; pids+=("$shop_pid")
  wait_http "http://127.0.0.1:$shop_port/api/products/" 60
}
start_blog() {  # start_blog URL
  mb_port=$(free_port)
  MICROBLOG_LISTEN=127.0.0.1:$mb_port MICROBLOG_DATABASE_URL=$1 MICROBLOG_SECRET_KEY=$mb_secret \
    MICROBLOG_ACCESS_LOG=false MICROBLOG_RUN_WORKER=false MICROBLOG_OUTBOX_DIR="$work/outbox" \
    "$BIN/microblog" serve >>"$work/microblog.log" 2>&1 &
  mb_pid=$!; pids+=("$mb_pid")
  wait_http "http://127.0.0.1:$mb_port/auth/login" 60
}
stop_app() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

seed_shop() {  # seed_shop URL SIZE
  local users=$((3000 * $2)); [ $users -gt 30000 ] && users=30000
  local TIMEFORMAT="%R s wall, %U s user + %S s system CPU"
  { time SHOP_DATABASE_URL=$1 SHOP_SECRET_KEY=$shop_secret SHOP_MEDIA_DIR=$work/media \
    nice "$BIN/shop" seed --users $users --orders $((15000 * $2)) --seed 1 >"$work/seed.out"; } 2>"$work/seed.time"
  tail -n 1 "$work/seed.out"
  echo "bench: $engine shop to ${2}x ($(grep -o 'added.*orders' "$work/seed.out")): $(tail -n 1 "$work/seed.time")" | tee -a "$work/load.txt"
}
seed_blog() {  # seed_blog URL SIZE
  local TIMEFORMAT="%R s wall, %U s user + %S s system CPU"
  { time MICROBLOG_DATABASE_URL=$1 MICROBLOG_SECRET_KEY=$mb_secret nice "$BIN/microblog" seed \
    --users $((100 * $2)) --posts $((10000 * $2)) --follows $((1000 * $2)) --seed 1 >/dev/null; } 2>"$work/seed.time"
  echo "bench: $engine microblog to ${2}x: $(tail -n 1 "$work/seed.time")" | tee -a "$work/load.txt"
}

shop_round() {  # shop_round ENGINE SIZE
  local e=$1 s=$2 rep
  measure "$e" "$s" catalogue "$shop_port" "$rate" /api/products/
  measure "$e" "$s" user-orders "$shop_port" "$rate" -H "Authorization: Bearer $user_token" /account/all-orders-list/
  measure "$e" "$s" admin-page-1 "$shop_port" "$rate" -H "Authorization: Bearer $admin_token" "/account/all-orders-list/?page=1"
  measure "$e" "$s" admin-page-middle "$shop_port" "$rate" -H "Authorization: Bearer $admin_token" "/account/all-orders-list/?page=$((last_page / 2))"
  measure "$e" "$s" admin-page-last "$shop_port" "$rate" -H "Authorization: Bearer $admin_token" "/account/all-orders-list/?page=$last_page"
  measure "$e" "$s" admin-page-paid "$shop_port" "$rate" -H "Authorization: Bearer $admin_token" "/account/all-orders-list/?page=2&paid=true&delivered=false"
  measure "$e" "$s" admin-page-undelivered "$shop_port" "$rate" -H "Authorization: Bearer $admin_token" "/account/all-orders-list/?page=2&delivered=false"
  for rep in "${reports[@]}"; do
    measure "$e" "$s" "report:$rep" "$shop_port" 2 -H "Authorization: Bearer $admin_token" "/api/reports/$rep"
  done
  [ "$s" -le 10 ] || return 0  # 1.5M orders would be a 500 MB answer; its curve is linear
  # Five curls one after another: the median and the slowest.
  local i times=()
  for i in 1 2 3 4 5; do
    times+=("$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$shop_port/account/all-orders-list/")")
  done
  echo "$e $s admin-all $(printf '%s\n' "${times[@]}" | sort -g | awk '{t[NR] = $1} END {printf "%.1f %.1f", t[3] * 1000, t[5] * 1000}')" >>"$results"
}

shop_size() {  # shop_size ENGINE URL SIZE
  local e=$1 url=$2 s=$3 round
  seed_shop "$url" "$s"
  [ "$e" = postgres ] && psql -q "$url" -c "VACUUM ANALYZE" >/dev/null
  start_shop "$url"
  local base="http://127.0.0.1:$shop_port" user count
  admin_token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d '{"username":"bench-admin","password":"bench-admin-pass"}' "$base/account/login/" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  user=$(sql "$e" "$url" "SELECT username FROM shop_users WHERE email LIKE '%@seed.example.com' ORDER BY id LIMIT 1 OFFSET 41")
  user_token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"seed-password\"}" "$base/account/login/" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  count=$(sql "$e" "$url" "SELECT count(*) FROM shop_orders")
  last_page=$(((count + 49) / 50))
  echo "bench: $e ${s}x shop: $count orders, $user has $(sql "$e" "$url" "SELECT count(*) FROM shop_orders o JOIN shop_users u ON u.id = o.user_id WHERE u.username = '$user'") orders, last page $last_page"
  for round in $(seq 1 "$rounds"); do
    measure "$e" "$s" reference "$ref_port" "$rate" /
    shop_round "$e" "$s"
  done
  stop_app "$shop_pid"
}

blog_round() {  # blog_round ENGINE SIZE URL
  local e=$1 s=$2 c="Cookie: session=$session" h="Accept: text/html"
  start_bumper "$e" "$3"
  measure "$e" "$s" index "$mb_port" "$rate" -H "$c" -H "$h" /index
  measure "$e" "$s" explore "$mb_port" "$rate" -H "$c" -H "$h" /explore
  measure "$e" "$s" explore-page-5 "$mb_port" "$rate" -H "$c" -H "$h" "/explore?page=5"
  measure "$e" "$s" user-page "$mb_port" "$rate" -H "$c" -H "$h" /user/user2
  stop_bumper
  measure "$e" "$s" search "$mb_port" 2 -H "$c" -H "$h" "/search?q=coffee"
  measure "$e" "$s" search-2-words "$mb_port" 2 -H "$c" -H "$h" "/search?q=coffee+river"
  measure "$e" "$s" api-users "$mb_port" "$rate" -H "Authorization: Bearer $api_token" /api/users
}

blog_size() {  # blog_size ENGINE URL SIZE
  local e=$1 url=$2 s=$3 round tok jar="$work/mb.jar"
  seed_blog "$url" "$s"
  [ "$e" = postgres ] && psql -q "$url" -c "VACUUM ANALYZE" >/dev/null
  start_blog "$url"
  local base="http://127.0.0.1:$mb_port"
  rm -f "$jar"
  tok=$(curl -fsS -c "$jar" -b "$jar" -H 'Accept: text/html' "$base/auth/login" |
    grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H 'Accept: text/html' --data-urlencode "username=user1" \
    --data-urlencode "password=seed-password" --data-urlencode "csrf_token=$tok" "$base/auth/login"
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H 'Accept: text/html' "$base/index"
  session=$(awk '$6 == "session" {print $7}' "$jar")
  api_token=$(curl -fsS -X POST -u user1:seed-password "$base/api/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  [ -n "$session" ] && [ -n "$api_token" ] || { echo "bench: microblog login failed" >&2; exit 1; }
  echo "bench: $e ${s}x microblog: $(sql "$e" "$url" "SELECT count(*) FROM mb_posts") posts, user1 follows $(sql "$e" "$url" "SELECT count(*) FROM mb_followers WHERE follower_id = 1")"
  for round in $(seq 1 "$rounds"); do
    measure "$e" "$s" reference "$ref_port" "$rate" /
    blog_round "$e" "$s" "$url"
  done
  stop_app "$mb_pid"
}

[ -n "$from_results" ] && { cp "$from_results" "$results"; engines=""; : >"$work/load.txt"; }
for engine in $engines; do
  if [ "$engine" = postgres ]; then
    "$BENCH_ROOT/tests/support/pg-cluster" start "$work/pg" >/dev/null
    shop_url=$(cat "$work/pg/url")
    psql -q "$shop_url" -c "CREATE DATABASE microblog" >/dev/null
    blog_url=${shop_url%/*}/microblog
  else
    shop_url="sqlite://$work/shop.db" blog_url="sqlite://$work/microblog.db"
  fi
  if [[ " $apps " == *" shop "* ]]; then
    SHOP_DATABASE_URL=$shop_url SHOP_SECRET_KEY=$shop_secret "$BIN/shop" migrate >/dev/null
    SHOP_DATABASE_URL=$shop_url SHOP_SECRET_KEY=$shop_secret SHOP_ADMIN_PASSWORD=bench-admin-pass \
      "$BIN/shop" create-admin --username bench-admin --email bench-admin@example.com >/dev/null
  fi
  if [[ " $apps " == *" microblog "* ]]; then
    MICROBLOG_DATABASE_URL=$blog_url MICROBLOG_SECRET_KEY=$mb_secret "$BIN/microblog" migrate >/dev/null
  fi
  for size in $sizes; do
    [[ " $apps " == *" shop "* ]] && shop_size "$engine" "$shop_url" "$size"
    [[ " $apps " == *" microblog "* ]] && blog_size "$engine" "$blog_url" "$size"
    echo "bench: $engine ${size}x measured"
  done
  if [ "$engine" = postgres ]; then
    "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null
  else
    rm -f "$work"/*.db*
  fi
done

# The table: per target, p50 / p99 (ms) per size and engine, medians of the rounds.
[ -n "$from_results" ] && engines=$(awk '{print $1}' "$results" | awk '!seen[$0]++' | xargs)
python3 - "$results" "$sizes" "$engines" >"$work/table.md" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
sizes, engines = sys.argv[2].split(), sys.argv[3].split()
data, order = {}, []
for e, s, t, p50, p99 in rows:
    data.setdefault((e, s, t), []).append((float(p50), float(p99)))
    if t not in order:
        order.append(t)
grows = {"admin-all", "admin-page-middle"} | {t for t in order if t.startswith("report:") or t.startswith("search")}
for e in engines:
    print(f"\n**{e}** — p50 / p99 in ms, medians of the rounds (admin-all: median / slowest of five curls a round)\n")
    print("| request | " + " | ".join(f"{s}x" for s in sizes) + " | largest vs 1x: p50, p99 | goal (p99 within 2x) |")
    print("|---|" + "---:|" * len(sizes) + "---|---|")
    for t in order:
        cells, meds = [], []
        for s in sizes:
            v = data.get((e, s, t))
            if not v:
                cells.append("—"); continue
            m = (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
            meds.append(m)
            cells.append(f"{m[0]:.1f} / {m[1]:.1f}")
        ratio = verdict = ""
        if len(meds) > 1 and meds[0][0] and meds[0][1]:
            r50, r99 = meds[-1][0] / meds[0][0], meds[-1][1] / meds[0][1]
            ratio = f"{r50:.1f}x, {r99:.1f}x"
            if t == "reference":
                verdict = "the machine's noise"
            elif t in grows:
                verdict = "grows with the data (not paginated, or a deep page)"
            else:
                verdict = "met" if r99 <= 2 else "**NOT met**"
        print(f"| {t} | " + " | ".join(cells) + f" | {ratio} | {verdict} |")
PY
cat "$work/table.md"
cat "$work/load.txt"
cat "$results"

if [ "$write" = 1 ]; then
  {
    echo "### Cost as the data grows (bench/scale.sh)"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores shared with other work. \`bench/scale.sh --sizes \"$sizes\" --engines \"$engines\" --rate $rate --seconds $seconds --rounds $rounds\`:"
    echo "open-loop client at $rate req/s (reports 2 req/s), $seconds s a target, medians of $rounds interleaved rounds,"
    echo "nginx \`return 200\` at the same rate as the reference. Goal: every paginated request's p99 at the largest"
    echo "size within 2x of its 1x value. Loading (seed, bulk INSERTs):"
    echo
    sed 's/^bench: /- /' "$work/load.txt"
    cat "$work/table.md"
  } >"$work/section.md"
  replace_section "$BENCH_ROOT/docs/performance.md" "scale-${engines// /-}" "$work/section.md"
  echo "bench: docs/performance.md section scale updated"
fi
