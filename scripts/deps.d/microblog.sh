#!/usr/bin/env bash
# Microblog dependencies: a real SMTP listener for the mail tests
# (python3-aiosmtpd) and Bootstrap from npm for /static. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y --no-install-recommends python3-aiosmtpd
fi

web="$root/web/microblog"
stamp="$web/node_modules/.package-lock.stamp"
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$web/node_modules" ] || ! cmp -s "$web/package-lock.json" "$stamp"; then
    (cd "$web" && npm ci --no-audit --no-fund)
    cp "$web/package-lock.json" "$stamp"
  fi
else
  echo "microblog: npm not found; pages will load without Bootstrap styling" >&2
fi
