#!/usr/bin/env bash
# Schema diagrams (scripts/schema-diagrams, tests/schema/run): Debian's python3,
# whose sqlite3 module reads the migrated schema. Graphviz (dot) and psql come
# from the main list in scripts/install-deps. Idempotent.
set -euo pipefail

if ! /usr/bin/python3 -c 'import sqlite3' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends python3
fi
