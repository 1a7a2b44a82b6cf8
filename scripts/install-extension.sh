#!/usr/bin/env bash
# scripts/install-extension.sh — installs the built extension into the local
# PostgreSQL 15 (files under pg_config's sharedir and pkglibdir).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
    make -s install
else
    sudo make -s install
fi
