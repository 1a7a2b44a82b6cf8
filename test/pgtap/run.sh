#!/usr/bin/env bash
# test/pgtap/run.sh — runs every pgTAP file with pg_prove against a private cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
pg_prove --failures -d "$PGDATABASE" test/pgtap/[0-9]*.sql test/pgtap/commit_guard.sh test/pgtap/entity_cache.sh test/pgtap/snapshot_cursor.sh test/pgtap/reasons_documented.sh
