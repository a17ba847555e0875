#!/usr/bin/env bash
# bench/reports.sh [--orders M] [--users U] [--rounds R] [--engines "sqlite postgres"] [--no-write]
# The business reports' goal from issue 8: each answers in <= 100 ms at
# 150,000 orders, on SQLite and on PostgreSQL. Data: `shop seed --users U
# --orders M --seed 1` (defaults 15,000 users, 150,000 orders). Each report is
# timed through the admin API (curl time_total against a running shop: the
# one SQL statement plus JSON), median of R runs (default 5) after one warm-up.
# PostgreSQL: VACUUM ANALYZE after the load, as autovacuum would, first.
# Writes a table into docs/performance.md (section "reports") unless --no-write.
source "$(dirname "$0")/lib.sh"
orders=150000 users=15000 rounds=5 engines="sqlite postgres" write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/reports.sh [--orders M] [--users U] [--rounds R] [--engines \"sqlite postgres\"] [--no-write]" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "bench: curl missing (scripts/install-deps)" >&2; exit 1; }
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
reports=("counts/" "states/?top=5" "states/?top=5&paid_only=true" "products/?top=3"
         "products/?top=3&paid_only=true" "revenue/" "revenue/?paid_only=true")
declare -A result
for engine in $engines; do
  if [ "$engine" = postgres ]; then
    "$BENCH_ROOT/tests/support/pg-cluster" start "$work/pg" >/dev/null
    url=$(cat "$work/pg/url")
  else
    url="sqlite://$work/shop.db"
  fi
  export SHOP_DATABASE_URL=$url SHOP_SECRET_KEY=$secret SHOP_MEDIA_DIR=$work/media SHOP_ACCESS_LOG=false
  t0=$SECONDS
  "$BIN/shop" seed --users "$users" --orders "$orders" --seed 1 | tail -n 1
  echo "bench: $engine seeded in $((SECONDS - t0)) s"
  # What autovacuum does shortly after a bulk load: statistics, and the
  # visibility map that lets PostgreSQL answer from the covering indexes alone.
  [ "$engine" = postgres ] && psql -q "$url" -c "VACUUM ANALYZE shop_orders" >/dev/null
  SHOP_ADMIN_PASSWORD=bench-admin-pass "$BIN/shop" create-admin --username bench-admin --email bench-admin@example.com >/dev/null
  port=$(free_port)
  SHOP_LISTEN=127.0.0.1:$port SHOP_ALLOW_SANDBOX=true "$BIN/shop" serve >"$work/shop-$engine.log" 2>&1 &
  shop_pid=$!
  base="http://127.0.0.1:$port"
  wait_http "$base/api/products/" 30
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d '{"username":"bench-admin","password":"bench-admin-pass"}' "$base/account/login/" |
    grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  for rep in "${reports[@]}"; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/reports/$rep"  # warm-up
    times=""
    for _ in $(seq 1 "$rounds"); do
      times+="$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$base/api/reports/$rep") "
    done
    ms=$(tr ' ' '\n' <<<"$times" | grep -v '^$' | median | awk '{printf "%.1f", $1 * 1000}')
    result["$engine|$rep"]=$ms
    echo "bench: $engine /api/reports/$rep $ms ms"
  done
  kill "$shop_pid"; wait "$shop_pid" 2>/dev/null || true; shop_pid=""
  [ "$engine" = postgres ] && "$BENCH_ROOT/tests/support/pg-cluster" stop "$work/pg" >/dev/null
done

if [ "$write" = 1 ]; then
  {
    echo "### Business reports (bench/reports.sh)"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores shared with other work; $orders orders, $users users from"
    echo "\`shop seed --users $users --orders $orders --seed 1\`. Admin API through curl (one SQL statement"
    echo "+ JSON), median of $rounds after a warm-up; PostgreSQL after VACUUM ANALYZE (autovacuum's job after"
    echo "a bulk load). Indexes: migrations/shop/0002_report_indexes.sql. Goal: each ≤ 100 ms."
    echo
    header="| report |" rule="|---|"
    for engine in $engines; do header+=" $engine |"; rule+="---|"; done
    echo "$header"; echo "$rule"
    for rep in "${reports[@]}"; do
      line="| /api/reports/$rep |"
      for engine in $engines; do
        ms=${result["$engine|$rep"]}
        ok=$(awk -v v="$ms" 'BEGIN { print (v <= 100) ? "" : " **NOT met**" }')
        line+=" $ms ms$ok |"
      done
      echo "$line"
    done
  } >"$work/section.md"
  replace_section "$BENCH_ROOT/docs/performance.md" reports "$work/section.md"
  echo "bench: docs/performance.md section reports updated"
fi
