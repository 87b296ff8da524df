#!/usr/bin/env bash
# Installs the system programs the test suite drives for real: a PostgreSQL server
# (initdb/pg_ctl) and Chromium for the browser tests; with the argument "bench", also wrk,
# the HTTP load generator of the benchmarks. Only what is missing is installed.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

missing=()
have_postgres || missing+=(postgresql)
have_chromium || missing+=(chromium fonts-noto-cjk)
if [ "${1:-}" = "bench" ]; then command -v wrk >/dev/null 2>&1 || missing+=(wrk); fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "missing system packages: ${missing[*]} (run as root or install them)" >&2; exit 69
  fi
else
  SUDO=
fi
echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
