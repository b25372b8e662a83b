#!/usr/bin/env bash
# Create the project's virtual environment and install the app with its GUI, test and
# benchmark dependencies. Debian ships Python without the venv module; install it when we can.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c "import ensurepip" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${ver}-venv" || \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  else
    echo "Python's venv module is missing: install python3-venv (e.g. sudo apt install python3-venv)" >&2
    exit 1
  fi
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[gui,dev,bench]"
