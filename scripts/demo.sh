#!/usr/bin/env bash
# scripts/demo.sh — `make demo`: a private PostgreSQL with the extension and
# three devices syncing through the RPC contract, with a readable report.
# Uses DATABASE_URL instead of a private cluster when it is set.
# KEEP=1 leaves the private server running and prints how to connect.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/pgcluster.sh

if [ -n "${DATABASE_URL:-}" ]; then
    DSN="$DATABASE_URL"
    WORKDIR="$(mktemp -d /tmp/shopsync-demo.XXXXXX)"
    trap 'rm -rf "$WORKDIR"' EXIT
    trap 'rm -rf "$WORKDIR"; exit 130' INT TERM
    echo "demo: using DATABASE_URL"
    psql -X -q -v ON_ERROR_STOP=1 -d "$DSN" -f sql/roles.sql
    psql -X -q -v ON_ERROR_STOP=1 -d "$DSN" -c "CREATE EXTENSION IF NOT EXISTS shopsync"
else
    pgcluster_start # its traps stop the server and remove its directory, device files included
    if [ "${KEEP:-0}" = 1 ]; then trap - EXIT; fi
    pgcluster_install_shopsync
    WORKDIR="$PGCLUSTER_DIR/devices"
    mkdir -p "$WORKDIR"
    DSN="host=$PGHOST port=$PGPORT user=postgres dbname=$PGDATABASE"
    echo "demo: private PostgreSQL 15 on port $PGPORT (socket in $PGHOST)"
fi

PYTHONPATH=scripts /usr/bin/python3 scripts/demo_story.py "$DSN" "$WORKDIR"

if [ "${KEEP:-0}" = 1 ] && [ -n "${PGCLUSTER_DIR:-}" ]; then
    cat <<INFO

KEEP=1: the server keeps running; the devices' SQLite files are in $WORKDIR.
  psql:  psql "host=$PGHOST port=$PGPORT user=postgres dbname=$PGDATABASE"
  as a member, inside a transaction:
    SELECT set_config('request.jwt.claims', '{"sub":"<user>","shop_id":"<shop>"}', true);
    SET LOCAL ROLE authenticated;  SELECT api.sync_pull(0);
  stop:  runuser -u shopsync-test -- $PG_BINDIR/pg_ctl -D $PGCLUSTER_DIR/data stop -m fast; rm -rf $PGCLUSTER_DIR
INFO
fi
