#!/usr/bin/env bash
# bench/reads.sh [--seconds N] [--rounds R] [--base DIR] [--no-write]
# Issue 15, goals 1 and 3 (SQLite): authenticated reads against the machine's
# limit, and the admin's unpaginated order list.
#   shop GET /account/all-orders-list/ as a customer with 12 orders (bearer token)
#   microblog GET /api/users/1 and /api/users (bearer token)
#       → each against nginx `return 200` in the same rounds (goal ≥ 50 %)
#   microblog GET /index and /explore signed in (session cookie)
#       → each against nginx serving the same page's bytes as a static file,
#         captured from the server just before (goal ≥ 50 %)
#   shop admin GET /account/all-orders-list/, 15,005 orders: curl wall time
#       (goal ≤ 20 ms) and the shop's largest RSS while it is served (≤ 30 MiB)
# wrk -t2 -c32, R rounds (default 3) of N seconds (default 10), every target
# and reference interleaved in each round; medians.
# --base DIR: also start the binaries in DIR (an older build) on the same
# databases and measure them in the same rounds: an A/B of two builds.
# Data: `shop seed --users 3000 --orders 15000 --seed 1` (+5 orders of the
# measured customer), the microblog's 5 users / 100 posts (bench/microblog-seed.sh).
# Writes the table into docs/performance.md (section reads) unless --no-write.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1 base_bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --base) base_bin=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/reads.sh [--seconds N] [--rounds R] [--base DIR] [--no-write]" >&2; exit 2 ;;
  esac
done
for tool in wrk curl nginx sqlite3; do
  command -v $tool >/dev/null || { echo "bench: $tool missing (scripts/install-deps)" >&2; exit 1; }
done
[ -x "$BIN/shop" ] && [ -x "$BIN/microblog" ] || cmake --build --preset release --target shop microblog

work=$(mktemp -d)
chmod 755 "$work"  # nginx workers (another user) read the captured pages
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
      stop_nginx "$work/ng200"; stop_nginx "$work/ngstatic"; rm -rf "$work"' EXIT

# ---- shop: data, a customer with 12 orders, an admin
export SHOP_DATABASE_URL="sqlite://$work/shop.db" SHOP_SECRET_KEY=bench-secret-key-0123456789abcdef0123456789
export SHOP_MEDIA_DIR="$work/media" SHOP_ACCESS_LOG=false
"$BIN/shop" migrate >/dev/null 2>&1
"$BIN/shop" seed --users 3000 --orders 15000 --seed 1 --password seed-password | tail -n 1
SHOP_ADMIN_PASSWORD=bench-admin-password "$BIN/shop" create-admin --username benchadmin \
  --email benchadmin@example.com >/dev/null
customer=$(sqlite3 "$work/shop.db" "SELECT u.username FROM shop_users u JOIN shop_orders o ON o.user_id = u.id
  WHERE u.email LIKE '%@seed.example.com' GROUP BY u.id HAVING count(*) = 7 ORDER BY u.id LIMIT 1")
# Five more orders for that customer (copies of the last), so the list has 12.
sqlite3 "$work/shop.db" "INSERT INTO shop_orders (user_id, name, ordered_item, product_id, card_number,
  address, paid_status, paid_at, total_price_cents, is_delivered, delivered_at, created_at)
  SELECT user_id, name, ordered_item, product_id, card_number, address, paid_status, paid_at,
  total_price_cents, is_delivered, delivered_at, created_at FROM shop_orders
  WHERE user_id = (SELECT id FROM shop_users WHERE username = '$customer') LIMIT 5"

# start NAME BIN_DIR: a shop and a microblog from BIN_DIR on the shared databases.
start() {
  local name=$1 dir=$2 sp mp
  sp=$(free_port); mp=$(free_port)
  SHOP_LISTEN=127.0.0.1:$sp SHOP_ALLOW_SANDBOX=true "$dir/shop" serve 2>"$work/shop-$name.log" &
  pids+=($!); eval "shop_pid_$name=$! shop_$name=http://127.0.0.1:$sp"
  MICROBLOG_LISTEN=127.0.0.1:$mp MICROBLOG_DATABASE_URL="sqlite://$work/microblog.db" \
    MICROBLOG_SECRET_KEY=bench-secret-key-0123456789-0123456789-abcdef \
    MICROBLOG_ACCESS_LOG=false MICROBLOG_RUN_WORKER=false MICROBLOG_OUTBOX_DIR="$work/outbox" \
    "$dir/microblog" serve 2>"$work/blog-$name.log" &
  pids+=($!); eval "blog_pid_$name=$! blog_$name=http://127.0.0.1:$mp"
  wait_http "http://127.0.0.1:$sp/api/products/" || { cat "$work/shop-$name.log" >&2; exit 1; }
  wait_http "http://127.0.0.1:$mp/static/microblog.js"
}
MICROBLOG_DATABASE_URL="sqlite://$work/microblog.db" MICROBLOG_SECRET_KEY=bench-secret-key-0123456789-0123456789-abcdef \
  MICROBLOG_DEV_MODE=true "$BIN/microblog" migrate >/dev/null
builds=(new)
start new "$BIN"
if [ -n "$base_bin" ]; then builds+=(base); start base "$base_bin"; fi

login_token() {  # login_token USER PASSWORD → an access token
  curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" \
    "$shop_new/account/login/" | grep -o '"token":"[^"]*"' | cut -d'"' -f4
}
user_token=$(login_token "$customer" seed-password)
admin_token=$(login_token benchadmin bench-admin-password)
n=$(curl -fsS -H "Authorization: Bearer $user_token" "$shop_new/account/all-orders-list/" | grep -o '"id":' | wc -l)
echo "customer $customer: $n orders"

source "$BENCH_ROOT/bench/microblog-seed.sh"
seed_microblog "$blog_new" "$work"  # sets session and token

# ---- references: nginx return 200, and nginx serving the captured pages
port_200=$(free_port)
start_nginx_return200 "$work/ng200" "$port_200"
port_static=$(free_port)
mkdir -p "$work/ngstatic/root" && chmod 755 "$work/ngstatic" "$work/ngstatic/root"
for page in index explore; do
  curl -fsS -H "Cookie: session=$session" -H 'Accept: text/html' "$blog_new/$page" >"$work/ngstatic/root/$page"
done
cat >"$work/ngstatic/nginx.conf" <<CONF
worker_processes 2;
pid $work/ngstatic/nginx.pid;
error_log $work/ngstatic/error.log;
daemon on;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/ngstatic/body;
  proxy_temp_path $work/ngstatic/proxy;
  fastcgi_temp_path $work/ngstatic/fcgi;
  uwsgi_temp_path $work/ngstatic/uwsgi;
  scgi_temp_path $work/ngstatic/scgi;
  server {
    listen 127.0.0.1:$port_static;
    location / { root $work/ngstatic/root; default_type text/html; }
  }
}
CONF
nginx -c "$work/ngstatic/nginx.conf"
wait_http "http://127.0.0.1:$port_200/"
wait_http "http://127.0.0.1:$port_static/index"
chmod 644 "$work"/ngstatic/root/*
echo "captured pages: index $(wc -c <"$work/ngstatic/root/index") bytes, explore $(wc -c <"$work/ngstatic/root/explore") bytes"

# ---- targets: name → URL and header, per build
declare -A url hdr
url[ng200]="http://127.0.0.1:$port_200/"; hdr[ng200]="Accept: */*"
url[ngindex]="http://127.0.0.1:$port_static/index"; hdr[ngindex]="Accept: text/html"
url[ngexplore]="http://127.0.0.1:$port_static/explore"; hdr[ngexplore]="Accept: text/html"
targets=(ng200 ngindex ngexplore)
for b in "${builds[@]}"; do
  s=shop_$b m=blog_$b
  url[orders_$b]="${!s}/account/all-orders-list/"; hdr[orders_$b]="Authorization: Bearer $user_token"
  url[user1_$b]="${!m}/api/users/1"; hdr[user1_$b]="Authorization: Bearer $token"
  url[users_$b]="${!m}/api/users"; hdr[users_$b]="Authorization: Bearer $token"
  url[index_$b]="${!m}/index"; hdr[index_$b]="Cookie: session=$session"
  url[explore_$b]="${!m}/explore"; hdr[explore_$b]="Cookie: session=$session"
  targets+=(orders_$b user1_$b users_$b index_$b explore_$b)
done
# The pages must be what nginx serves (same bytes, apart from relative times).
cmp -s <(curl -fsS -H "${hdr[index_new]}" "${url[index_new]}") "$work/ngstatic/root/index" ||
  echo "bench: note: /index differs from its capture (relative times move)" >&2

wrk1() {  # wrk1 TARGET SECONDS → "req_per_sec"
  local out errors
  out=$(wrk -t2 -c32 -d"${2}s" -H "${hdr[$1]}" "${url[$1]}")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [ -z "$errors" ] || echo "bench: wrk reported: $errors ($1)" >&2
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
# orders_ms BUILD → median wall time (ms) of 10 admin list requests; the
# largest RSS seen after each goes to $work/rss-BUILD.
orders_ms() {
  local b=$1 s="shop_$1" p="shop_pid_$1" times="" rss max
  for _ in $(seq 1 10); do
    times+="$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $admin_token" \
      "${!s}/account/all-orders-list/") "
    rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/${!p}/status")
    max=$(cat "$work/rss-$b" 2>/dev/null || echo 0)
    awk -v a="$rss" -v m="$max" 'BEGIN {print (a > m) ? a : m}' >"$work/rss-$b"
  done
  tr ' ' '\n' <<<"$times" | grep -v '^$' | median | awk '{printf "%.1f", $1 * 1000}'
}
n_admin=$(curl -fsS -H "Authorization: Bearer $admin_token" "$shop_new/account/all-orders-list/" | grep -o '"id":' | wc -l)
echo "admin list: $n_admin orders"

for t in "${targets[@]}"; do wrk1 "$t" 2 >/dev/null; done  # warm-up
declare -A res
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    v=$(wrk1 "$t" "$seconds"); res[$t]+="$v "
    echo "round $r/$rounds  $t: $v req/s"
  done
  for b in "${builds[@]}"; do
    v=$(orders_ms "$b"); res[admin_$b]+="$v "
    echo "round $r/$rounds  admin list ($b): $v ms, shop RSS max so far $(cat "$work/rss-$b") MiB"
  done
done
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
declare -A rss_max
for b in "${builds[@]}"; do rss_max[$b]=$(cat "$work/rss-$b"); done
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", 100 * a / b}'; }

table=$(mktemp)
{
  echo "## Authenticated reads and the admin order list (issue 15, goals 1 and 3)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores (shared with other work), SQLite,"
  echo "\`bench/reads.sh --seconds $seconds --rounds $rounds$([ -n "$base_bin" ] && echo " --base DIR")\`: wrk -t2 -c32, medians of $rounds rounds in"
  echo "which every row below ran once, interleaved. References: nginx \`return 200\` (2 workers),"
  echo "and nginx serving the signed-in page's bytes (captured from the server) as a static file."
  [ -n "$base_bin" ] && echo "\"before\" is the build before these changes, serving the same databases in the same rounds."
  echo
  if [ -n "$base_bin" ]; then
    echo "| request | reference req/s | before req/s | % of ref. | now req/s | % of ref. | goal | met |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
  else
    echo "| request | reference req/s | now req/s | % of ref. | goal | met |"
    echo "|---|---:|---:|---:|---:|---|"
  fi
  ref200=$(med "${res[ng200]}")
  declare -A lab=([orders]="shop GET /account/all-orders-list/ (customer, $n orders)" [user1]="microblog GET /api/users/1"
                  [users]="microblog GET /api/users" [index]="microblog GET /index, signed in" [explore]="microblog GET /explore, signed in")
  declare -A refof=([orders]=ng200 [user1]=ng200 [users]=ng200 [index]=ngindex [explore]=ngexplore)
  for k in orders user1 users index explore; do
    ref=$(med "${res[${refof[$k]}]}")
    now=$(med "${res[${k}_new]}")
    met=$(awk -v a="$now" -v r="$ref" 'BEGIN {print (a >= r / 2) ? "yes" : "**no**"}')
    refname=$([ "${refof[$k]}" = ng200 ] && echo "return 200" || echo "static page")
    if [ -n "$base_bin" ]; then
      was=$(med "${res[${k}_base]}")
      echo "| ${lab[$k]} | $ref ($refname) | $was | $(pct "$was" "$ref") % | $now | $(pct "$now" "$ref") % | ≥ 50 % | $met |"
    else
      echo "| ${lab[$k]} | $ref ($refname) | $now | $(pct "$now" "$ref") % | ≥ 50 % | $met |"
    fi
  done
  a_now=$(med "${res[admin_new]}")
  met=$(awk -v a="$a_now" 'BEGIN {print (a <= 20) ? "yes" : "**no**"}')
  if [ -n "$base_bin" ]; then
    a_was=$(med "${res[admin_base]}")
    echo "| shop admin GET /account/all-orders-list/ ($n_admin orders), curl, median of 10 per round | | ${a_was} ms | | ${a_now} ms | | ≤ 20 ms | $met |"
    echo "| shop RSS while serving it (largest VmRSS seen) | | ${rss_max[base]} MiB | | ${rss_max[new]} MiB | | ≤ 30 MiB | $(awk -v a="${rss_max[new]}" 'BEGIN {print (a <= 30) ? "yes" : "**no**"}') |"
  else
    echo "| shop admin GET /account/all-orders-list/ ($n_admin orders), curl, median of 10 per round | | ${a_now} ms | | ≤ 20 ms | $met |"
    echo "| shop RSS while serving it (largest VmRSS seen) | | ${rss_max[new]} MiB | | ≤ 30 MiB | $(awk -v a="${rss_max[new]}" 'BEGIN {print (a <= 30) ? "yes" : "**no**"}') |"
  fi
} >"$table"
cat "$table"
if [ "$write" = 1 ]; then
  replace_section "$BENCH_ROOT/docs/performance.md" reads "$table"
  echo "written to docs/performance.md (section reads)"
fi
rm -f "$table"
