#!/usr/bin/env bash
# Soak and chaos runs (tests/load): Debian's python3 drives the workload (the
# standard library only) and gnuplot draws the soak chart (build/soak/*.png);
# psql (main list) reads PostgreSQL, iproute2 the namespaces. Idempotent.
set -euo pipefail

if ! command -v gnuplot >/dev/null 2>&1 || [ ! -x /usr/bin/python3 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox python3
fi
