#!/usr/bin/env bash
# test/lib/citus_cluster.sh — a private Citus cluster for tests: one coordinator and two
# workers, three throwaway PostgreSQL 15 clusters on loopback with
# shared_preload_libraries = 'citus', made like test/lib/pgcluster.sh's.
#
# Source it, then:  citus_cluster_start      # the nodes, Citus and shopsync on each, workers added
#                   citus_psql 0|1|2 ...     # psql on the coordinator (0) or a worker (1, 2)
#                   citus_node_restart 1     # stops and starts a worker in place (same data, port)
#                   citus_cluster_stop       # also runs on EXIT/INT/TERM
# Exports CITUS_PORTS (coordinator, worker 1, worker 2), CITUS_DIRS, and PGHOST/PGPORT/
# PGUSER/PGDATABASE/DATABASE_URL naming the coordinator.

PG_BINDIR="${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}"
CITUS_RUNAS=""
CITUS_DIRS=()
CITUS_PORTS=()

_citus_as_owner() {
    if [ -n "$CITUS_RUNAS" ]; then runuser -u "$CITUS_RUNAS" -- "$@"; else "$@"; fi
}

_citus_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_citus_node_init() { # dir port
    local dir=$1 port=$2
    _citus_as_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus'
max_connections = 200
max_prepared_transactions = 200
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = logical
max_worker_processes = 32
citus.max_background_task_executors_per_node = 2
log_min_messages = warning
CONF
}

citus_node_start() { # index
    local i=$1
    _citus_as_owner "$PG_BINDIR/pg_ctl" -D "${CITUS_DIRS[$i]}/data" -l "${CITUS_DIRS[$i]}/server.log" \
        -w -t 60 start >/dev/null || { cat "${CITUS_DIRS[$i]}/server.log" >&2; return 1; }
}

citus_node_stop() { # index [mode]
    _citus_as_owner "$PG_BINDIR/pg_ctl" -D "${CITUS_DIRS[$1]}/data" -m "${2:-fast}" -w stop >/dev/null 2>&1 || true
}

citus_node_restart() { # index
    citus_node_stop "$1" "${2:-fast}"
    citus_node_start "$1"
}

citus_psql() { # index, psql arguments
    local i=$1; shift
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CITUS_PORTS[$i]}" -U postgres -d shopsync_test "$@"
}

citus_cluster_start() {
    local root i
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    if [ "$(id -u)" -eq 0 ]; then
        CITUS_RUNAS="shopsync-test"
        id "$CITUS_RUNAS" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$CITUS_RUNAS"
    fi
    trap citus_cluster_stop EXIT
    trap 'citus_cluster_stop; exit 130' INT TERM
    for i in 0 1 2; do
        CITUS_DIRS[$i]="$(mktemp -d "${SHOPSYNC_TMPDIR:-/tmp}/shopsync-citus$i.XXXXXX")"
        chmod 755 "${CITUS_DIRS[$i]}"
        [ -z "$CITUS_RUNAS" ] || chown "$CITUS_RUNAS" "${CITUS_DIRS[$i]}"
        CITUS_PORTS[$i]="$(_citus_free_port)"
        _citus_node_init "${CITUS_DIRS[$i]}" "${CITUS_PORTS[$i]}" || return 1
        citus_node_start "$i" || return 1
        psql -X -q -h 127.0.0.1 -p "${CITUS_PORTS[$i]}" -U postgres -d postgres \
            -c "CREATE DATABASE shopsync_test" >/dev/null
        # The roles first (sql/roles.sql): the extension's grants name them on every node.
        citus_psql "$i" -f "$root/sql/roles.sql" >/dev/null
        citus_psql "$i" -c "CREATE EXTENSION citus; CREATE EXTENSION IF NOT EXISTS pgtap" >/dev/null
    done
    citus_psql 0 -c "SELECT citus_set_coordinator_host('127.0.0.1', ${CITUS_PORTS[0]})" \
        -c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[1]})" \
        -c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[2]})" >/dev/null
    export CITUS_PORTS CITUS_DIRS
    export PGHOST=127.0.0.1 PGPORT="${CITUS_PORTS[0]}" PGUSER=postgres PGDATABASE=shopsync_test
    export DATABASE_URL="postgresql://postgres@127.0.0.1:${CITUS_PORTS[0]}/shopsync_test"
}

citus_cluster_stop() {
    local i
    for i in 2 1 0; do
        [ -n "${CITUS_DIRS[$i]:-}" ] && [ -d "${CITUS_DIRS[$i]}" ] || continue
        citus_node_stop "$i" immediate
        rm -rf "${CITUS_DIRS[$i]}"
        CITUS_DIRS[$i]=""
    done
}
