#!/usr/bin/env bash
# Shop front end and browser tests: Debian's chromium, and node_modules of
# web/shop and tests/e2e (npm ci when missing or when the lock changed).
# Idempotent and quick when everything is in place.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y --no-install-recommends chromium
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "shop-web: npm not found (node 20 and npm 11 are needed)" >&2
  exit 1
fi
for dir in "$root/web/shop" "$root/tests/e2e"; do
  stamp="$dir/node_modules/.package-lock.stamp"
  if [ ! -d "$dir/node_modules" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    (cd "$dir" && npm ci --no-audit --no-fund)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
