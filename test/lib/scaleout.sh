#!/usr/bin/env bash
# test/lib/scaleout.sh — the scale-out setup on loopback, for test/scaleout and
# bench/scaleout: a primary (test/lib/pgcluster.sh), a streaming replica of it
# (pg_basebackup -R), PgBouncer in transaction pooling in front of both, and
# gateways that call through PgBouncer, LISTEN on the primary directly and
# read from the replica. Source after pgcluster.sh, then:
#   scaleout_primary_start      # the primary with the extension; at exit everything below stops
#   scaleout_replica_start      # exports REPLICA_PORT, REPLICA_DIR
#   scaleout_bouncer_start      # exports BOUNCER_PORT (databases: shopsync_test, shopsync_replica)
#   scaleout_gateway_start NAME [replica|primary]  # exports GW_<NAME>_URL, GW_<NAME>_PID
#   scaleout_stop               # every process above, by PID (also on EXIT)
# PGBOUNCER_POOL_SIZE (default 20) is PgBouncer's server connections per database.

SCALEOUT_PIDS=()

scaleout_primary_start() {
    pgcluster_start
    trap 'scaleout_stop; pgcluster_stop' EXIT
    trap 'scaleout_stop; pgcluster_stop; exit 130' INT TERM
    pgcluster_install_shopsync
}

scaleout_replica_start() {
    REPLICA_DIR="$PGCLUSTER_DIR/replica"
    REPLICA_PORT="$(pgcluster_free_port)"
    _pgcluster_as_owner "$PG_BINDIR/pg_basebackup" -h "$PGCLUSTER_DIR" -p "$PGPORT" -U postgres \
        -D "$REPLICA_DIR" -R -X stream -c fast >"$PGCLUSTER_DIR/basebackup.log" 2>&1 ||
        { cat "$PGCLUSTER_DIR/basebackup.log" >&2; return 1; }
    # The copied postgresql.conf ends with the primary's port; later lines win.
    cat >>"$REPLICA_DIR/postgresql.conf" <<CONF
port = $REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
CONF
    _pgcluster_as_owner "$PG_BINDIR/pg_ctl" -D "$REPLICA_DIR" -l "$PGCLUSTER_DIR/replica.log" -w -t 60 start \
        >/dev/null || { cat "$PGCLUSTER_DIR/replica.log" >&2; return 1; }
    export REPLICA_DIR REPLICA_PORT
    local i
    for i in $(seq 100); do # streaming, not only started
        [ "$(psql -X -qAt -p "$REPLICA_PORT" -c "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")" = 1 ] &&
            return 0
        sleep 0.1
    done
    echo "the replica does not stream" >&2
    return 1
}

scaleout_bouncer_start() {
    local dir="$PGCLUSTER_DIR/pgbouncer"
    mkdir -p "$dir"
    BOUNCER_PORT="$(pgcluster_free_port)"
    printf '"postgres" ""\n"shopsync_gateway" ""\n' >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
shopsync_test = host=127.0.0.1 port=$PGPORT dbname=$PGDATABASE
shopsync_replica = host=127.0.0.1 port=$REPLICA_PORT dbname=$PGDATABASE
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 2000
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
    [ -n "$PGCLUSTER_RUNAS" ] && chown -R "$PGCLUSTER_RUNAS" "$dir"
    _pgcluster_as_owner /usr/sbin/pgbouncer -d -q "$dir/pgbouncer.ini" ||
        { cat "$dir/pgbouncer.log" >&2; return 1; }
    local i
    for i in $(seq 100); do
        [ -s "$dir/pgbouncer.pid" ] && psql -X -qAt -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d pgbouncer \
            -c "SHOW VERSION" >/dev/null 2>&1 && break
        sleep 0.05
    done
    BOUNCER_PID="$(cat "$dir/pgbouncer.pid")"
    SCALEOUT_PIDS+=("$BOUNCER_PID")
    export BOUNCER_PORT BOUNCER_PID
}

# NAME: a label; replica (default) reads from the replica through PgBouncer.
scaleout_gateway_start() {
    local name="$1" reads="${2:-replica}" root port log pid replica_url=""
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    port="$(pgcluster_free_port)"
    log="$PGCLUSTER_DIR/gateway-$name.log"
    [ "$reads" = replica ] &&
        replica_url="host=127.0.0.1 port=$BOUNCER_PORT dbname=shopsync_replica user=shopsync_gateway"
    LISTEN="127.0.0.1:$port" \
        DATABASE_URL="host=127.0.0.1 port=$BOUNCER_PORT dbname=shopsync_test user=shopsync_gateway" \
        NOTIFY_DATABASE_URL="host=127.0.0.1 port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway" \
        REPLICA_DATABASE_URL="$replica_url" \
        "$root/build/shopsync-gateway" 2>"$log" &
    pid=$!
    SCALEOUT_PIDS+=("$pid")
    local i
    for i in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        sleep 0.05
    done
    curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$log" >&2; return 1; }
    export "GW_${name}_URL=http://127.0.0.1:$port" "GW_${name}_PID=$pid"
}

scaleout_stop() {
    local pid
    for pid in "${SCALEOUT_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SCALEOUT_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    SCALEOUT_PIDS=()

scaleout_primary_start() {
    pgcluster_start
    trap 'scaleout_stop; pgcluster_stop' EXIT
    trap 'scaleout_stop; pgcluster_stop; exit 130' INT TERM
    pgcluster_install_shopsync
}
    if [ -n "${REPLICA_DIR:-}" ] && [ -d "$REPLICA_DIR" ]; then
        _pgcluster_as_owner "$PG_BINDIR/pg_ctl" -D "$REPLICA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    REPLICA_DIR=""
}
