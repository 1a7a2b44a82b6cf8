#!/usr/bin/env bash
# scripts/install-deps.sh — installs what building and testing ShopSync needs,
# from Debian's packages, only when something is missing.
set -euo pipefail

PACKAGES=(
    build-essential g++ make python3
    postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
    postgresql-15-cron
    libpq-dev catch2 nlohmann-json3-dev libsqlite3-dev sqlite3
    libboost-dev libboost-system-dev libssl-dev libargon2-dev libsodium-dev libcurl4-openssl-dev
    curl wrk jq openssl python3-psycopg2 pgbouncer
    clang-14 libclang-rt-14-dev clang-format
    nodejs chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with some builds of nodejs and as its own package with Debian's.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
