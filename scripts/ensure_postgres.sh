#!/usr/bin/env bash
# Make sure PostgreSQL server binaries exist (initdb, pg_ctl under /usr/lib/postgresql/*/bin)
# so the billing tests can start a throw-away server.  Idempotent: does nothing when they
# are already installed.  Installs Debian's `postgresql` package otherwise (needs root).
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null \
   && compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; then
  echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin | tail -n1) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "postgresql is missing; run this script as root (or: sudo apt-get install -y postgresql)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends postgresql
# The tests start their own server in a temp dir; the packaged cluster is not needed.
if command -v pg_ctlcluster > /dev/null; then
  for cluster in /etc/postgresql/*/main; do
    [ -d "$cluster" ] || continue
    version=$(basename "$(dirname "$cluster")")
    pg_ctlcluster "$version" main stop 2>/dev/null || true
  done
fi
echo "postgresql: installed $(ls -d /usr/lib/postgresql/*/bin | tail -n1)"
