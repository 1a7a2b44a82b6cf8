#!/usr/bin/env bash
# test/lib/gateway.sh — the bundled gateway on a free loopback port, for tests,
# the demo and benchmarks. Source after test/lib/pgcluster.sh and pgcluster_start:
#   gateway_start [LOGFILE]   # exports GATEWAY_URL, GATEWAY_PID, JWT_SECRET
#   gateway_stop
# It connects as shopsync_gateway (a LOGIN role without table rights).

gateway_start() {
    local root log port
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    log="${1:-$PGCLUSTER_DIR/gateway.log}"
    port="$(pgcluster_free_port)"
    export JWT_SECRET="${JWT_SECRET:-test-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
    LISTEN="127.0.0.1:$port" \
        DATABASE_URL="${GATEWAY_DSN:-host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=shopsync_gateway}" \
        "$root/build/shopsync-gateway" 2>"$log" &
    GATEWAY_PID=$!
    export GATEWAY_URL="http://127.0.0.1:$port" GATEWAY_PID
    for _ in $(seq 100); do
        curl -sf "$GATEWAY_URL/health" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "gateway did not start; its log:" >&2
    cat "$log" >&2
    return 1
}

gateway_stop() {
    [ -n "${GATEWAY_PID:-}" ] || return 0
    kill "$GATEWAY_PID" 2>/dev/null || true
    wait "$GATEWAY_PID" 2>/dev/null || true
    GATEWAY_PID=""
}
