#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter for the Rasa venv (Rasa 3.6 needs <3.11).
# pyenv's 3.10 is not on PATH by default on these machines, so look there first.
set -u
if command -v pyenv >/dev/null 2>&1; then
  found=$(PYENV_VERSION=3.10.13 pyenv which python3.10 2>/dev/null) && [ -x "$found" ] && { echo "$found"; exit 0; }
  for candidate in "$(pyenv root)"/versions/3.10*/bin/python3.10; do
    [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
  done
fi
found=$(command -v python3.10 2>/dev/null) && { echo "$found"; exit 0; }
echo "error: Python 3.10 not found. Rasa 3.6 needs it: install it (e.g. 'pyenv install 3.10.13'" \
     "or Debian's python3.10 and python3.10-venv) and run make again." >&2
exit 1
