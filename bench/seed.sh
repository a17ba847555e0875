#!/usr/bin/env bash
# bench/seed.sh [--orders M] [--users U] [--posts P] [--rounds R]
#               [--shop "CACHE/BATCH ..."] [--microblog "CACHE/BATCH ..."] [--no-write]
# Issue 15, goal 7's loading clause ("1M rows in under a minute on SQLite"):
# the seed commands' bulk load into a new SQLite file, per variant: the
# SQLite page cache of the command's connection in KiB (<PREFIX>_DB_CACHE_KIB)
# and the rows per transaction (--batch), "default" for the command's own
# (256 MiB; shop 50,000 rows, microblog 20,000). Defaults: shop "512/5000
# default/5000 default/default" (before, the cache alone, both), microblog
# "512/default default/default". Each round loads, for each variant in turn
# (interleaved), into a fresh file:
#   shop seed --users U --orders M --seed 1       (defaults 30,000 and 1,000,000)
#   microblog seed --users P/100 --posts P --follows P/10 --seed 1   (P default 1,000,000)
# and records wall time, user and system CPU (medians of R rounds, default 3).
# Rows: the shop's orders alone are M rows (plus U users, each with an address,
# a card and two sandbox rows); the microblog's posts are P rows (plus their
# full-text rows). Writes docs/performance.md section "seed" unless --no-write.
source "$(dirname "$0")/lib.sh"
orders=1000000 users=30000 posts=1000000 rounds=3 write=1
shop_variants="512/5000 default/5000 default/default" blog_variants="512/default default/default"
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --posts) posts=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --shop) shop_variants=$2; shift 2 ;;
    --microblog) blog_variants=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/seed.sh [--orders M] [--users U] [--posts P] [--rounds R] [--shop \"CACHE/BATCH ...\"] [--microblog \"CACHE/BATCH ...\"] [--no-write]" >&2; exit 2 ;;
  esac
done
[ -x "$BIN/shop" ] && [ -x "$BIN/microblog" ] || cmake --build --preset release --target shop microblog

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secret="bench-secret-key-0123456789abcdef0123456789"

# load APP CACHE/BATCH ROUND → appends "APP CACHE/BATCH wall user sys" to $work/raw
load() {
  local app=$1 variant=$2 cache=${2%/*} batch=${2#*/} db="$work/$1-$3.db" t
  local -a env=() args=()
  [ "$cache" != default ] && env+=("${app^^}_DB_CACHE_KIB=$cache")
  [ "$batch" != default ] && args+=(--batch "$batch")
  rm -f "$db" "$db-wal" "$db-shm"
  local TIMEFORMAT="%R %U %S"
  if [ "$app" = shop ]; then
    t=$({ time env "${env[@]}" SHOP_DATABASE_URL="sqlite://$db" SHOP_SECRET_KEY=$secret \
      SHOP_MEDIA_DIR="$work/media" "$BIN/shop" seed --users "$users" --orders "$orders" --seed 1 "${args[@]}" \
      >"$work/out" 2>&1; } 2>&1) || { cat "$work/out" >&2; exit 1; }
  else
    t=$({ time env "${env[@]}" MICROBLOG_DATABASE_URL="sqlite://$db" MICROBLOG_SECRET_KEY=$secret \
      "$BIN/microblog" seed --users $((posts / 100)) --posts "$posts" --follows $((posts / 10)) \
      --seed 1 "${args[@]}" >"$work/out" 2>&1; } 2>&1) || { cat "$work/out" >&2; exit 1; }
  fi
  echo "$app $variant $t" >>"$work/raw"
  echo "bench: round $3, $app, cache/batch $variant: $t (s wall, user, system)"
  rm -f "$db" "$db-wal" "$db-shm"
}

: >"$work/raw"
for r in $(seq 1 "$rounds"); do
  for v in $shop_variants; do load shop "$v" "$r"; done
  for v in $blog_variants; do load microblog "$v" "$r"; done
done

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
table() {
  echo "| load | page cache of the connection | rows per transaction | wall s | user s | system s | rows a second (wall) |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for app in shop microblog; do
    local variants=$shop_variants
    [ "$app" = microblog ] && variants=$blog_variants
    for c in $variants; do
      local w u s rows label
      w=$(awk -v a=$app -v c=$c '$1==a && $2==c {print $3}' "$work/raw" | median)
      u=$(awk -v a=$app -v c=$c '$1==a && $2==c {print $4}' "$work/raw" | median)
      s=$(awk -v a=$app -v c=$c '$1==a && $2==c {print $5}' "$work/raw" | median)
      if [ "$app" = shop ]; then rows=$orders label="shop: $users users, $orders orders"
      else rows=$posts label="microblog: $((posts / 100)) users, $posts posts"; fi
      local cache=${c%/*} batch=${c#*/}
      [ "$cache" = default ] && cache="default (256 MiB)" || cache="$cache KiB"
      [ "$batch" = default ] && { [ "$app" = shop ] && batch="default (50,000)" || batch="default (20,000)"; }
      echo "| $label | $cache | $batch | $w | $u | $s | $(awk -v n=$rows -v w=$w 'BEGIN {printf "%d", n / w}') |"
    done
  done
}
table | tee "$work/table.md"

if [ "$write" = 1 ]; then
  {
    echo "### Loading the data (bench/seed.sh)"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores. \`bench/seed.sh --orders $orders --users $users --posts $posts --rounds $rounds --shop \"$shop_variants\" --microblog \"$blog_variants\"\`:"
    echo "each load into a new SQLite file, the variants interleaved in every round; each column is the median of its $rounds rounds."
    echo
    cat "$work/table.md"
  } >"$work/section.md"
  replace_section "$BENCH_ROOT/docs/performance.md" seed "$work/section.md"
  echo "bench: docs/performance.md section seed updated"
fi
