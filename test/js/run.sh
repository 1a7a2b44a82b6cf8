#!/usr/bin/env bash
# test/js/run.sh — @shopsync/client (bindings/js): npm ci, tsc, the unit tests
# (protocol.md's tables against the TypeScript constants, backoff, session,
# outbox), then the end-to-end tests against a private cluster and the real
# gateway, with 4-second access tokens so refreshes happen during the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v npm >/dev/null || { echo "test/js: node and npm are needed (scripts/install-deps.sh)" >&2; exit 1; }
(cd bindings/js && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npx tsc -p .)
(cd bindings/js && node --test test/unit/)
make -s -C gateway
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
export ACCESS_TOKEN_TTL=4
gateway_start
trap 'gateway_stop; pgcluster_stop' EXIT
(cd bindings/js && node --test --test-concurrency=1 test/e2e/)
