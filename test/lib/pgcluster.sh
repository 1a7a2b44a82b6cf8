#!/usr/bin/env bash
# test/lib/pgcluster.sh — a private, throwaway PostgreSQL 15 cluster for tests.
#
# Source it, then:  pgcluster_start   # initdb in a temp dir, Unix socket + loopback port
#                   ...               # PGHOST/PGPORT/PGUSER/PGDATABASE are exported
#                   pgcluster_stop    # also runs on EXIT/INT/TERM
# The cluster's directory goes under $SHOPSYNC_TMPDIR (default /tmp).
# pgcluster_start exports PGCLUSTER_DIR, PGHOST (the socket dir), PGPORT,
# PGUSER=postgres, PGDATABASE=shopsync_test and DATABASE_URL (loopback TCP).
# As root, the server runs as an unprivileged system user, since PostgreSQL
# refuses to run as root.

PG_BINDIR="${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}"
PGCLUSTER_RUNAS="${PGCLUSTER_RUNAS:-}"

pgcluster_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_pgcluster_as_owner() {
    if [ -n "$PGCLUSTER_RUNAS" ]; then runuser -u "$PGCLUSTER_RUNAS" -- "$@"; else "$@"; fi
}

pgcluster_start() {
    PGCLUSTER_DIR="$(mktemp -d "${SHOPSYNC_TMPDIR:-/tmp}/shopsync-pg.XXXXXX")"
    chmod 755 "$PGCLUSTER_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        PGCLUSTER_RUNAS="shopsync-test"
        id "$PGCLUSTER_RUNAS" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PGCLUSTER_RUNAS"
        chown "$PGCLUSTER_RUNAS" "$PGCLUSTER_DIR"
    fi
    trap pgcluster_stop EXIT
    trap 'pgcluster_stop; exit 130' INT TERM

    PGPORT="$(pgcluster_free_port)"
    _pgcluster_as_owner "$PG_BINDIR/initdb" -D "$PGCLUSTER_DIR/data" -U postgres --auth=trust \
        -E UTF8 --locale=C.UTF-8 >"$PGCLUSTER_DIR/initdb.log" 2>&1 ||
        { cat "$PGCLUSTER_DIR/initdb.log" >&2; return 1; }
    cat >>"$PGCLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGCLUSTER_DIR'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
CONF
    _pgcluster_as_owner "$PG_BINDIR/pg_ctl" -D "$PGCLUSTER_DIR/data" -l "$PGCLUSTER_DIR/server.log" \
        -w -t 60 start >/dev/null || { cat "$PGCLUSTER_DIR/server.log" >&2; return 1; }

    export PGCLUSTER_DIR PGPORT PGCLUSTER_RUNAS
    export PGHOST="$PGCLUSTER_DIR" PGUSER=postgres PGDATABASE=shopsync_test
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/shopsync_test"
    psql -X -q -d postgres -c "CREATE DATABASE shopsync_test" >/dev/null
}

# Restarts the server in place (same data, same port): for recovery tests.
pgcluster_restart() {
    _pgcluster_as_owner "$PG_BINDIR/pg_ctl" -D "$PGCLUSTER_DIR/data" -m fast -w restart \
        -l "$PGCLUSTER_DIR/server.log" >/dev/null
}

pgcluster_stop() {
    [ -n "${PGCLUSTER_DIR:-}" ] && [ -d "$PGCLUSTER_DIR" ] || return 0
    _pgcluster_as_owner "$PG_BINDIR/pg_ctl" -D "$PGCLUSTER_DIR/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    rm -rf "$PGCLUSTER_DIR"
    PGCLUSTER_DIR=""
}

# Creates roles, pgTAP and the extension in $PGDATABASE.
pgcluster_install_shopsync() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    psql -X -q -v ON_ERROR_STOP=1 -f "$root/sql/roles.sql" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pgtap; CREATE EXTENSION shopsync" >/dev/null
}
