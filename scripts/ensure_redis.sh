#!/usr/bin/env bash
# Make sure Debian's Redis server binary exists (/usr/bin/redis-server) for the cluster:
# `make run-cluster` and the cluster test run Rasa's lock store on a throw-away Redis on
# loopback.  Idempotent: does nothing when it is already installed.
set -euo pipefail

if command -v redis-server > /dev/null; then
  echo "redis: $(redis-server --version | head -n1) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is missing; run this script as root (or: sudo apt-get install -y redis-server)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends redis-server
# The cluster starts its own server in a temp dir; the packaged service is not needed.
if command -v systemctl > /dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
fi
service redis-server stop > /dev/null 2>&1 || true
echo "redis: installed $(redis-server --version | head -n1)"
