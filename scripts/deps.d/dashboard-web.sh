#!/usr/bin/env bash
# The local dashboards page (web/dashboard: uPlot, bundled by Vite; Prometheus
# serves its dist/ under /user/): node_modules from npm (npm ci when missing
# or when the lock changed). Idempotent and quick when everything is in place.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
web="$root/web/dashboard"

if ! command -v npm >/dev/null 2>&1; then
  echo "dashboard-web: npm not found (node 20 and npm 11 are needed)" >&2
  exit 1
fi
stamp="$web/node_modules/.package-lock.stamp"
if [ ! -d "$web/node_modules" ] || ! cmp -s "$web/package-lock.json" "$stamp"; then
  (cd "$web" && npm ci --no-audit --no-fund)
  cp "$web/package-lock.json" "$stamp"
fi
