#!/usr/bin/env bash
# tierstack db backup (src/tierstack/db/backup/backup*.cpp): libzstd compresses the
# SQLite snapshots and shipped WAL segments. The PostgreSQL tools it runs
# (pg_basebackup, pg_receivewal) come with the postgresql package of the main
# list in scripts/install-deps. Idempotent.
set -euo pipefail

if ! dpkg-query -W -f='${Status}' libzstd-dev 2>/dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends libzstd-dev
fi
