#!/usr/bin/env bash
# Make sure Debian's Chromium exists (/usr/bin/chromium) for the browser tests: the
# widget and the agent console are driven by Playwright, which launches this binary
# (executable_path=/usr/bin/chromium) because Playwright's own browser download cannot
# work on these machines.  Idempotent: does nothing when it is already installed.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing; run this script as root (or: sudo apt-get install -y chromium fonts-noto-cjk)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# fonts-noto-cjk: the pages are Chinese; without a CJK font the screenshots show boxes.
apt-get install -y --no-install-recommends chromium fonts-noto-cjk
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
