#!/usr/bin/env bash
# test/restore/run.sh — the restore rehearsal (scripts/rehearse-restore.sh) on a
# small shop: PITR from a base backup taken while devices sync, a crash
# restart, a logical pg_dump / pg_restore; the devices recover by themselves,
# every acknowledged write is back, nothing twice, every device equals the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/rehearsal
bash scripts/rehearse-restore.sh build/rehearsal/timings.md
