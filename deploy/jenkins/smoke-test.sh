#!/usr/bin/env bash
# Smoke test through the public load balancer: /readyz must answer 200 over
# HTTPS, and plain HTTP must redirect to HTTPS.
#   deploy/jenkins/smoke-test.sh <host-name>
set -euo pipefail

host=${1:?usage: $0 <host-name>}
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
echo "smoke test passed: https://$host/readyz is ready and HTTP redirects"
