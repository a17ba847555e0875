# Shared helpers for bench/ scripts (sourced).
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$BENCH_ROOT/build/release/bin}

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

wait_http() {  # wait_http URL [seconds]
  local deadline=$((SECONDS + ${2:-20}))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "bench: $1 did not come up" >&2; return 1; }
    sleep 0.1
  done
}

# start_nginx_return200 DIR PORT — nginx answering every request with a small
# JSON body, the reference for "how fast can this machine answer HTTP".
start_nginx_return200() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log;
daemon on;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '{"message":"hello"}'; }
  }
}
CONF
  nginx -c "$dir/nginx.conf"
}

stop_nginx() { [ -f "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true; }

# run_wrk URL SECONDS → prints "req_per_sec p99_ms"
run_wrk() {
  local out
  out=$(wrk -t2 -c32 -d"${2}s" --latency "$1")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [ -z "$errors" ] || echo "bench: wrk reported: $errors" >&2
  echo "$rps ${p99:-0}"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# replace_section FILE NAME CONTENT_FILE — swaps the text between
# <!-- bench:NAME:start --> and <!-- bench:NAME:end --> (appends if absent), then
# regenerates docs/performance.md's summary table (bench/summary.py).
replace_section() {
  local file=$1 name=$2 content=$3
  local start="<!-- bench:$name:start -->" end="<!-- bench:$name:end -->"
  touch "$file"
  if grep -qF "$start" "$file"; then
    awk -v s="$start" -v e="$end" -v f="$content" '
      $0 == s {print; while ((getline line < f) > 0) print line; skip=1; next}
      $0 == e {skip=0}
      !skip {print}' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
  else
    { echo; echo "$start"; cat "$content"; echo "$end"; } >>"$file"
  fi
  # The summary table at the top of docs/performance.md follows every section written
  # (bench/summary.py). If it cannot read a section the bench keeps going (its section is
  # written) but says so loudly, and ctest's perf-summary fails until the script is updated.
  if [ "$(basename "$file")" = performance.md ] && [ "$name" != summary ]; then
    python3 "$BENCH_ROOT/bench/summary.py" --file "$file" ||
      echo "bench: *** the summary table of $file was NOT regenerated (see above) ***" >&2
  fi
}
