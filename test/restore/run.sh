#!/usr/bin/env bash
# test/restore/run.sh — the restore rehearsal (scripts/rehearse-restore.sh) on a
# small shop: PITR from a base backup taken while devices sync, a crash
# restart, a logical pg_dump / pg_restore; the devices recover by themselves,
# every acknowledged write is back, nothing twice, every device equals the server.
# Its clusters, gateways and WAL archives live under one private directory in
# $SHOPSYNC_TMPDIR, listen on loopback only and are stopped by their own PIDs.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C client
make -s -C gateway
mkdir -p build/rehearsal
bash scripts/rehearse-restore.sh build/rehearsal/timings.md
