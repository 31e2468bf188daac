#!/usr/bin/env bash
# Set up everything `edition` and its tests need, idempotently: a virtual environment in .venv
# with the package (editable) and its test extras, and Java for EPUBCheck when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.edition-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,dask]'
  touch "$stamp"
fi
if ! command -v java >/dev/null 2>&1; then
  echo "setup: installing Java (for EPUBCheck)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq default-jre-headless >/dev/null
fi
# WeasyPrint subsets fonts with HarfBuzz-Subset; without it, it falls back to fontTools and
# logs a warning, and a build that logs a warning fails.
if ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; then
  echo "setup: installing HarfBuzz-Subset (for WeasyPrint's font subsetting)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libharfbuzz-subset0 >/dev/null
fi
