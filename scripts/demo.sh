#!/usr/bin/env bash
# scripts/demo.sh — `make demo`: a private PostgreSQL with the extension, the
# gateway on a free loopback port, and three devices syncing through it, with
# a readable report.
# Uses DATABASE_URL instead of a private cluster when it is set.
# KEEP=1 leaves the private server running and prints how to connect.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/pgcluster.sh

if [ -n "${DATABASE_URL:-}" ]; then
    DSN="$DATABASE_URL"
    WORKDIR="$(mktemp -d "${SHOPSYNC_TMPDIR:-/tmp}/shopsync-demo.XXXXXX")"
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

# The gateway, on a free loopback port, with a fresh signing secret.
GATEWAY_PORT=$(pgcluster_free_port)
export JWT_SECRET="demo-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# It connects as shopsync_gateway (no table rights); with DATABASE_URL, set
# GATEWAY_DATABASE_URL to that role's URL (DATABASE_URL is used otherwise).
if [ -n "${PGCLUSTER_DIR:-}" ]; then
    GATEWAY_DSN="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway"
else
    GATEWAY_DSN="${GATEWAY_DATABASE_URL:-$DATABASE_URL}"
fi
# The dashboard (dashboard/dist), served by the gateway; the demo goes on without it if it cannot be built.
STATIC=()
if bash scripts/build-dashboard.sh >"$WORKDIR/dashboard-build.log" 2>&1; then
    STATIC=(--static-dir dashboard/dist)
else
    echo "demo: the dashboard was not built (see $WORKDIR/dashboard-build.log); going on without it"
fi
LISTEN=127.0.0.1:$GATEWAY_PORT DATABASE_URL="$GATEWAY_DSN" build/shopsync-gateway "${STATIC[@]}" 2>"$WORKDIR/gateway.log" &
GATEWAY_PID=$!
stop_gateway() { kill "$GATEWAY_PID" 2>/dev/null || true; wait "$GATEWAY_PID" 2>/dev/null || true; }
cleanup() { # the gateway, then the private cluster (or the device files)
    stop_gateway
    if [ -n "${PGCLUSTER_DIR:-}" ]; then pgcluster_stop; else rm -rf "$WORKDIR"; fi
}
if [ "${KEEP:-0}" = 1 ]; then trap - EXIT; else trap cleanup EXIT; fi
trap 'cleanup; exit 130' INT TERM
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/health" >/dev/null && break; sleep 0.1; done
echo "demo: shopsync-gateway on http://127.0.0.1:$GATEWAY_PORT"
if [ ${#STATIC[@]} -gt 0 ]; then
    echo "demo: dashboard on http://127.0.0.1:$GATEWAY_PORT/ (sign in as olivia@corner.example, sam@… or vic@…, password 'demo password 1')"
fi

status=0
PYTHONPATH=scripts /usr/bin/python3 scripts/demo_story.py "$DSN" "http://127.0.0.1:$GATEWAY_PORT" "$WORKDIR" \
    "$PWD/build/shopsync-device" || status=$?
[ "${KEEP:-0}" = 1 ] || stop_gateway

if [ "${KEEP:-0}" = 1 ] && [ -n "${PGCLUSTER_DIR:-}" ]; then
    cat <<INFO

KEEP=1: the server and the gateway keep running; the devices' SQLite files are in $WORKDIR.
  dashboard: http://127.0.0.1:$GATEWAY_PORT/  (olivia@corner.example / demo password 1; it follows the devices live)
  gateway: curl http://127.0.0.1:$GATEWAY_PORT/health
           curl -XPOST http://127.0.0.1:$GATEWAY_PORT/auth/login -d '{"email":"olivia@corner.example","password":"demo password 1"}'
           (then: curl -H "Authorization: Bearer <access_token>" "http://127.0.0.1:$GATEWAY_PORT/sync/pull?cursor=0")
           stop it with: kill $GATEWAY_PID
  devices: build/shopsync-device --db $WORKDIR/desk.db list orders      (also tablet.db, phone.db)
           build/shopsync-device --db $WORKDIR/desk.db add customer name="New customer"
           build/shopsync-device --db $WORKDIR/desk.db sync
  psql:  psql "host=$PGHOST port=$PGPORT user=postgres dbname=$PGDATABASE"
  as a member, inside a transaction:
    SELECT set_config('request.jwt.claims', '{"sub":"<user>","shop_id":"<shop>"}', true);
    SET LOCAL ROLE authenticated;  SELECT api.sync_pull(0);
  stop the server:  runuser -u shopsync-test -- $PG_BINDIR/pg_ctl -D $PGCLUSTER_DIR/data stop -m fast; rm -rf $PGCLUSTER_DIR
INFO
fi
exit $status
