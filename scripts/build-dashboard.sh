#!/usr/bin/env bash
# scripts/build-dashboard.sh — dashboard/dist from the committed lockfile
# (npm ci only when node_modules is missing or older than the lockfile).
set -euo pipefail
cd "$(dirname "$0")/../dashboard"
command -v npm >/dev/null || { echo "build-dashboard: node and npm are needed (scripts/install-deps.sh)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
# Up to date: nothing it is built from is newer than the built page.
if [ -f dist/index.html ] && [ -z "$(find src index.html package-lock.json vite.config.ts tsconfig.json ../bindings/js/src \
        -newer dist/index.html -print -quit)" ]; then
    exit 0
fi
npx tsc --noEmit -p .
npx vite build --logLevel warn
