#!/usr/bin/env bash
# Make sure the Debian packages the tests and the cluster start are installed, with one
# `apt-get update` for all that are missing.  Idempotent: nothing happens when each is there.
#
#   postgres  PostgreSQL server binaries (initdb, pg_ctl): the tests and the cluster start
#             throw-away servers (scripts/local_servers.py)
#   redis     redis-server: Rasa's lock store in the cluster (scripts/cluster.py)
#   chromium  /usr/bin/chromium and a CJK font: Playwright drives it in the page tests
#             (Playwright's own browser download cannot work on these machines)
#   espeak    espeak-ng: the voice reference client renders replies to WAV
#
# Usage: scripts/ensure_debian_packages.sh [postgres] [redis] [chromium] [espeak]  (default: all)
set -euo pipefail

installed() {
  case "$1" in
    postgres) compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null && compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null ;;
    redis) command -v redis-server > /dev/null ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    espeak) command -v espeak-ng > /dev/null ;;
    *) echo "unknown component: $1" >&2; exit 2 ;;
  esac
}

packages() {
  case "$1" in
    postgres) echo postgresql ;;
    redis) echo redis-server ;;
    chromium) echo chromium fonts-noto-cjk ;;
    espeak) echo espeak-ng ;;
  esac
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(postgres redis chromium espeak)
missing=()
for component in "${wanted[@]}"; do
  installed "$component" || missing+=("$component")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian packages: ${wanted[*]} already installed"
  exit 0
fi

names=$(for component in "${missing[@]}"; do packages "$component"; done | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}; run this script as root (or: sudo apt-get install -y $names)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $names
# The tests start their own servers in temp dirs: the packaged ones are not needed.
if command -v pg_ctlcluster > /dev/null; then
  for cluster in /etc/postgresql/*/main; do
    [ -d "$cluster" ] || continue
    pg_ctlcluster "$(basename "$(dirname "$cluster")")" main stop 2>/dev/null || true
  done
fi
service redis-server stop > /dev/null 2>&1 || true
echo "debian packages: installed ${missing[*]}"
