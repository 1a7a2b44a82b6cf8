#!/usr/bin/env bash
# test/supabase/run.sh — Supabase's own clients against the gateway (issue 13):
# @supabase/supabase-js and @supabase/postgrest-js from npm (pinned, lockfile,
# npm ci) under node's test runner, and headless Chromium (Debian's chromium,
# driven by playwright-core) calling the gateway from another origin.
# A private cluster and gateway; everything stops on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
(cd test/supabase && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
trap 'gateway_stop; pgcluster_stop' EXIT
gateway_start
ANON_KEY="$(build/shopsync-gateway --anon-key)"
export ANON_KEY GATEWAY_URL
export GATEWAY_BINARY="$PWD/build/shopsync-gateway"
export GATEWAY_DSN="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway"
node --test --test-concurrency=1 test/supabase/*.test.mjs
