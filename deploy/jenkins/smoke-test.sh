#!/usr/bin/env bash
# Smoke test through the public load balancer: /readyz must answer 200 over
# HTTPS, and plain HTTP must redirect to HTTPS. With a microblog host name,
# its login page must answer 200 through the same balancer and web tier
# (nginx routes that host name to the microblog).
#   deploy/jenkins/smoke-test.sh <host-name> [<microblog-host-name>]
set -euo pipefail

host=${1:?usage: $0 <host-name> [<microblog-host-name>]}
mb_host=${2:-}
for attempt in $(seq 1 30); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "https://$host/readyz" || true)
  [ "$code" = 200 ] && break
  echo "attempt $attempt: https://$host/readyz answered ${code:-nothing}"
  sleep 10
done
[ "$code" = 200 ] || { echo "smoke test failed: /readyz never answered 200" >&2; exit 1; }

redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 "http://$host/readyz")
case "$redirect" in
  "301 https://"*) ;;
  *) echo "smoke test failed: HTTP answered '$redirect' instead of a redirect to HTTPS" >&2; exit 1 ;;
esac
if [ -n "$mb_host" ]; then
  page=$(curl -sS --max-time 10 -w '\n%{http_code}' "https://$mb_host/auth/login" || true)
  code=${page##*$'\n'}
  if [ "$code" != 200 ] || ! grep -qi '<form' <<<"$page"; then
    echo "smoke test failed: https://$mb_host/auth/login answered ${code:-nothing}, not the microblog's login form" >&2
    exit 1
  fi
  echo "smoke test: https://$mb_host/auth/login serves the microblog"
fi
echo "smoke test passed: https://$host/readyz is ready and HTTP redirects"
