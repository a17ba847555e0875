#!/usr/bin/env bash
# bench/chain.sh [--seconds N] [--rounds R] [--no-write]
# Throughput of GET /api/products/ through the whole local chain
# (load balancer nginx → web-tier nginx → shop app tier, two zones) against
# one shop instance hit directly, in the same `tierstack up` and the same run,
# interleaved: wrk -t2 -c32, R rounds (default 3) of N seconds (default 10);
# medians. Where the time goes: in every round the CPU time (utime + stime from
# /proc) of each tier's processes (the load balancer's nginx, the two web
# nginx, the two shop instances) and of the whole machine (/proc/stat) is
# read before and after, and divided by the requests served: microseconds of
# CPU per request per tier ("rest" is the load generator and everything else).
# Writes the "chain" section of docs/performance.md unless --no-write.
source "$(dirname "$0")/lib.sh"
seconds=10 rounds=3 write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/chain.sh [--seconds N] [--rounds R] [--no-write]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/install-deps)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench: jq missing (scripts/install-deps)" >&2; exit 1; }
[ -x "$BIN/tierstack" ] && [ -x "$BIN/shop" ] || cmake --build --preset release --target tierstack shop

work=$(mktemp -d)
chmod 755 "$work"
cat >"$work/topology.toml" <<TOML
root = "$BENCH_ROOT"
state_dir = "$work/state"
bin_dir = "$BIN"
zones = ["a", "b"]
[database]
engine = "sqlite"
[web]
per_zone = 1
workers = 1
[monitoring]
prometheus_port = 0
scrape_interval = "5s"
[[app]]
name = "shop"
env_prefix = "SHOP"
url_name = "store"
seed = true
proxy_paths = ["/api/", "/account/", "/payments/", "/images/"]
static_root = "web/shop/dist"
[app.env]
SHOP_ACCESS_LOG = "false"
TOML
ts() { "$BIN/tierstack" --topology "$work/topology.toml" "$@"; }
trap 'ts down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# The sandbox gateway is served only when allowed explicitly.
SHOP_ALLOW_SANDBOX=true ts up --detach >"$work/up.log" || { cat "$work/up.log" >&2; exit 1; }
state="$work/state/state.json"
lb=$(jq -r '.components[] | select(.name=="lb") | .app_ports.shop' "$state")
direct=$(jq -r '.components[] | select(.name=="shop-a") | .port' "$state")
declare -A url=([chain]="http://127.0.0.1:$lb/api/products/" [direct]="http://127.0.0.1:$direct/api/products/")
wait_http "${url[chain]}"; wait_http "${url[direct]}"

# Every process of a component: its pid and its descendants (nginx workers).
tree() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p"); do tree "$c"; done; }
comps=(lb web-a web-b shop-a shop-b)
declare -A cpids
for c in "${comps[@]}"; do
  pid=$(jq -r --arg n "$c" '.components[] | select(.name==$n) | .pid' "$state")
  cpids[$c]=$(tree "$pid" | xargs)
done
hz=$(getconf CLK_TCK)
# ticks PIDS... → utime + stime of those processes, in clock ticks
ticks() { local p s=0; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }  # user nice system irq softirq
declare -A cpu0 cpu
snapshot() { local c; for c in "${comps[@]}"; do cpu0[$c]=$(ticks ${cpids[$c]}); done; cpu0[all]=$(busy); }
# account TARGET REQUESTS → appends µs of CPU per request per tier for this round
account() {
  local t=$1 n=$2 c d sum=0
  for c in "${comps[@]}"; do
    d=$(( $(ticks ${cpids[$c]}) - ${cpu0[$c]} )); sum=$((sum + d))
    cpu[$t.$c]+="$(awk -v d="$d" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}') "
  done
  d=$(( $(busy) - ${cpu0[all]} ))
  cpu[$t.rest]+="$(awk -v d="$((d - sum))" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}') "
  cpu[$t.all]+="$(awk -v d="$d" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}') "
}

declare -A rps p99
targets=(direct chain)
for t in "${targets[@]}"; do run_wrk "${url[$t]}" 2 >/dev/null; done  # warm-up
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    snapshot
    read -r a b < <(run_wrk "${url[$t]}" "$seconds")
    account "$t" "$(awk -v a="$a" -v s="$seconds" 'BEGIN {printf "%d", a * s}')"
    rps[$t]+="$a "; p99[$t]+="$b "
    echo "round $r/$rounds  $t: $a req/s, p99 $b ms; CPU µs a request: $(for c in "${comps[@]}" rest all; do printf '%s %s  ' "$c" "$(awk '{print $NF}' <<<"${cpu[$t.$c]}")"; done)"
  done
done
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
d_rps=$(med "${rps[direct]}"); c_rps=$(med "${rps[chain]}")
ratio=$(awk -v a="$c_rps" -v b="$d_rps" 'BEGIN {printf "%.0f", 100*a/b}')
echo "median: shop directly $d_rps req/s; through LB → web → app $c_rps req/s ($ratio%; goal ≥ 80%)"
# The CPU table: median µs per request per tier, for each target.
cpu_table() {
  local c t
  echo "| CPU µs a request (median) | $(for c in "${comps[@]}"; do printf '%s | ' "$c"; done)rest (wrk, kernel, other) | machine |"
  echo "|---|$(for c in "${comps[@]}" rest all; do printf -- '---:|'; done)"
  for t in "${targets[@]}"; do
    echo "| $t | $(for c in "${comps[@]}" rest all; do printf '%s | ' "$(med "${cpu[$t.$c]}")"; done)" | sed 's/ | $/ |/'
  done
}
cpu_table

if [ "$write" = 1 ]; then
  table=$(mktemp)
  {
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, \`bench/chain.sh --seconds $seconds --rounds $rounds\`"
    echo "(wrk -t2 -c32, medians of $rounds interleaved rounds, one \`tierstack up\` on SQLite with the demo"
    echo "catalogue, app access logs off, nginx with one worker each; the load generator, three nginx and two"
    echo "shop instances share the machine). Goal: the chain keeps at least 80% of the direct throughput."
    echo
    echo "| GET /api/products/ | req/s (median) | p99 ms (median) | vs direct |"
    echo "|---|---:|---:|---:|"
    echo "| shop-a directly | $d_rps | $(med "${p99[direct]}") | 100% |"
    echo "| load balancer → web tier (a, b) → shop (a, b) | $c_rps | $(med "${p99[chain]}") | $ratio% |"
    echo
    cpu_table
  } >"$table"
  replace_section "$BENCH_ROOT/docs/performance.md" chain "$table"
  rm -f "$table"
  echo "written to docs/performance.md"
fi
