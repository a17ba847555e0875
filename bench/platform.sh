#!/usr/bin/env bash
# bench/platform.sh [--seconds N] [--rounds R] [--no-write]
# Throughput of the platform's trivial JSON endpoint (platform-testd GET /hello)
# against nginx `return 200` on the same machine, same run, interleaved:
# wrk -t2 -c32, R rounds (default 3) of N seconds (default 10); medians.
# Writes the table into docs/performance.md unless --no-write.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/platform.sh [--seconds N] [--rounds R] [--no-write]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/install-deps)" >&2; exit 1; }
[ -x "$BIN/platform-testd" ] || cmake --build --preset release --target platform-testd

work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; kill $testd_pid $testd_log_pid 2>/dev/null || true; rm -rf "$work"' EXIT
ngx_port=$(free_port); start_nginx_return200 "$work/nginx" "$ngx_port"
p1=$(free_port)
TESTD_LISTEN=127.0.0.1:$p1 TESTD_ACCESS_LOG=false "$BIN/platform-testd" 2>"$work/testd.log" & testd_pid=$!
p2=$(free_port)
TESTD_LISTEN=127.0.0.1:$p2 TESTD_ACCESS_LOG=true "$BIN/platform-testd" 2>/dev/null & testd_log_pid=$!
wait_http "http://127.0.0.1:$ngx_port/"; wait_http "http://127.0.0.1:$p1/hello"; wait_http "http://127.0.0.1:$p2/hello"

declare -A rps p99
targets=(nginx platform platform_logged)
declare -A url=([nginx]="http://127.0.0.1:$ngx_port/" [platform]="http://127.0.0.1:$p1/hello"
                [platform_logged]="http://127.0.0.1:$p2/hello")
for t in "${targets[@]}"; do run_wrk "${url[$t]}" 2 >/dev/null; done  # warm-up
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    read -r a b < <(run_wrk "${url[$t]}" "$seconds")
    rps[$t]+="$a "; p99[$t]+="$b "
    echo "round $r/$rounds  $t: $a req/s, p99 $b ms"
  done
done
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
n_rps=$(med "${rps[nginx]}"); p_rps=$(med "${rps[platform]}"); l_rps=$(med "${rps[platform_logged]}")
ratio=$(awk -v a="$p_rps" -v b="$n_rps" 'BEGIN {printf "%.0f", 100*a/b}')
lratio=$(awk -v a="$l_rps" -v b="$n_rps" 'BEGIN {printf "%.0f", 100*a/b}')
echo "median: nginx $n_rps req/s; platform $p_rps req/s ($ratio%); with access log $l_rps req/s ($lratio%)"

if [ "$write" = 1 ]; then
  table=$(mktemp)
  {
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, \`bench/platform.sh --seconds $seconds --rounds $rounds\`"
    echo "(wrk -t2 -c32, medians of $rounds interleaved rounds, load generator on the same machine)."
    echo
    echo "| target | req/s (median) | p99 ms (median) | vs nginx |"
    echo "|---|---:|---:|---:|"
    echo "| nginx \`return 200\` (reference) | $n_rps | $(med "${p99[nginx]}") | 100% |"
    echo "| platform GET /hello, access log off | $p_rps | $(med "${p99[platform]}") | $ratio% |"
    echo "| platform GET /hello, access log on | $l_rps | $(med "${p99[platform_logged]}") | $lratio% |"
  } >"$table"
  replace_section "$BENCH_ROOT/docs/performance.md" platform "$table"
  rm -f "$table"
  echo "written to docs/performance.md"
fi
