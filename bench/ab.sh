#!/usr/bin/env bash
# bench/ab.sh --old DIR --new DIR [--rounds R] [--seconds N] [--label TEXT] [--no-write]
# Interleaved A/B of two builds (their binary directories) through the three
# throughput benches: bench/platform.sh, bench/shop.sh --engines sqlite and
# bench/microblog.sh. Each round runs every bench once with each build, the
# order alternating per round (old/new, then new/old, ...), so a machine that
# gets busier or quieter during the run moves both sides alike. Every figure is
# the median of R rounds (default 3) of N-second wrk runs (default 10).
# Prints one table (target, old, new, new/old) and writes it into
# docs/performance.md (section "ab") unless --no-write.
source "$(dirname "$0")/lib.sh"
old="" new="" rounds=3 seconds=10 write=1 label=""
usage="usage: bench/ab.sh --old DIR --new DIR [--rounds R] [--seconds N] [--label TEXT] [--no-write]"
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ -n "$old" ] && [ -n "$new" ] || { echo "$usage" >&2; exit 2; }
for d in "$old" "$new"; do
  for b in shop microblog platform-testd; do
    [ -x "$d/$b" ] || { echo "bench/ab.sh: $d/$b is missing" >&2; exit 2; }
  done
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(dirname "$0")

# one_side SIDE DIR ROUND: runs the three benches with BIN=DIR and appends
# "SIDE<TAB>target<TAB>value" lines (req/s, or ms for the admin order list).
one_side() {
  local side=$1 dir=$2 r=$3 b log
  echo "round $r/$rounds: $side build ($dir)"
  for b in platform shop microblog; do
    log="$work/$side-$r-$b.log"
    case $b in
      platform) BIN=$dir "$here/platform.sh" --rounds 1 --seconds "$seconds" --no-write ;;
      shop) BIN=$dir "$here/shop.sh" --engines sqlite --rounds 1 --seconds "$seconds" --no-write ;;
      microblog) BIN=$dir "$here/microblog.sh" --rounds 1 --seconds "$seconds" --no-write ;;
    esac >"$log" 2>&1 || {
      echo "bench/ab.sh: bench/$b.sh failed with $dir; its output:" >&2
      tail -n 30 "$log" >&2
      exit 1
    }
    # platform, microblog: "round 1/1  TARGET: X req/s, ..."; shop: "sqlite round 1/1  TARGET: X req/s, ..."
    sed -nE "s/^(sqlite )?round [0-9]+\/[0-9]+ +([^:]+): ([0-9.]+) req\/s.*/$side\t$b \2\t\3/p" "$log" >>"$work/results.tsv"
    sed -nE "s/^sqlite admin order list: ([0-9.]+) ms.*/$side\tshop admin order list (ms)\t\1/p" "$log" >>"$work/results.tsv"
    grep -E "^(sqlite )?round|admin order list" "$log" | sed 's/^/  /' || true
  done
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then one_side old "$old" "$r"; one_side new "$new" "$r"
  else one_side new "$new" "$r"; one_side old "$old" "$r"; fi
done

table="$work/table.md"
python3 - "$work/results.tsv" "$rounds" "$seconds" "$label" >"$table" <<'PY'
import statistics, sys, datetime, os
path, rounds, seconds, label = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
vals, order = {}, []
for line in open(path):
    side, target, v = line.rstrip("\n").split("\t")
    if target not in order:
        order.append(target)
    vals.setdefault((target, side), []).append(float(v))
print(f"Measured {datetime.date.today()} on {os.cpu_count()} cores, "
      f"`bench/ab.sh --rounds {rounds} --seconds {seconds}`{': ' + label if label else ''}.")
print(f"Medians of {rounds} interleaved rounds (wrk -t2 -c32; the admin order list is curl, median of 10).")
print()
print("| bench target | old | new | new / old |")
print("|---|---:|---:|---:|")
for t in order:
    o, n = vals.get((t, "old")), vals.get((t, "new"))
    if not o or not n:
        continue
    mo, mn = statistics.median(o), statistics.median(n)
    unit = "" if "(ms)" in t else " req/s"
    print(f"| {t} | {mo:,.0f}{unit} | {mn:,.0f}{unit} | {mn / mo:.2f} |")
PY
cat "$table"
if [ "$write" = 1 ]; then
  replace_section "$BENCH_ROOT/docs/performance.md" ab "$table"
  echo "written to docs/performance.md"
fi
