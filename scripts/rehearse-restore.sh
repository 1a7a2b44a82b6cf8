#!/usr/bin/env bash
# scripts/rehearse-restore.sh — a restore rehearsal on a small shop, start to
# end, timed (docs/runbook.md quotes its figures):
#   a private cluster archiving its WAL; the gateway and three devices syncing
#   (build/shopsync-gateway, build/shopsync-device); a base backup taken with
#   pg_basebackup while they sync; more writes, a named restore point, and the
#   writes after it that the restore will lose; a crash restart (the restore
#   epoch must not move); the primary lost; a point-in-time recovery into a new
#   cluster; the gateway pointed at it; the devices recover by themselves. Then
#   a logical pg_dump / pg_restore of the shop into a new database, the devices
#   pointed at that too. It fails unless every write a device had acknowledged
#   is back, nothing is there twice, and every device equals the server.
# Usage: scripts/rehearse-restore.sh [timings.md]   (needs `make` and the extension installed)
# Exit status 1 when a check fails. make test runs it (test/restore).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/rehearse_restore.py "$@"
