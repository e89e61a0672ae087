#!/usr/bin/env bash
# Make sure Debian's espeak-ng exists for the voice reference client's WAV rendering
# (python -m scripts.voice_call … --wav-dir DIR) and its test.  The voice channel itself
# never needs it: the ASR gateway speaks with its own TTS.  Idempotent: does nothing
# when it is already installed.
set -euo pipefail

if command -v espeak-ng >/dev/null 2>&1; then
  echo "espeak-ng: $(espeak-ng --version | head -n1) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "espeak-ng is missing; run this script as root (or: sudo apt-get install -y espeak-ng)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends espeak-ng
echo "espeak-ng: installed $(espeak-ng --version | head -n1)"
