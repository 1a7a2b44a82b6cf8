#!/usr/bin/env bash
# test/citus/run.sh — ShopSync on Citus: a coordinator and two workers (three
# private clusters on loopback) next to a single node; test/citus/citus_test.py
# checks the same answers, routing to one worker, seq order under concurrency,
# a worker restart and a shop move with nothing lost, pokes, enable_sync.
# Needs Citus 13.2 (scripts/install-citus.sh installs or builds it, or fails).
set -euo pipefail
cd "$(dirname "$0")/../.."
export SHOPSYNC_TMPDIR="${SHOPSYNC_TMPDIR:-/tmp}"
bash scripts/install-citus.sh
source test/lib/pgcluster.sh
source test/lib/citus_cluster.sh
stop_all() { citus_cluster_stop; pgcluster_stop; }
pgcluster_start
pgcluster_install_shopsync
SINGLE_URL="$DATABASE_URL"
citus_cluster_start
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM
# Citus creates the extension on every node; distribute() lays the tables out.
citus_psql 0 -c "CREATE EXTENSION shopsync" -c "SELECT shopsync.distribute()" >/dev/null
url() { echo "postgresql://postgres@127.0.0.1:${CITUS_PORTS[$1]}/shopsync_test"; }
export CITUS_RESTART_WORKER1="runuser -u $CITUS_RUNAS -- $PG_BINDIR/pg_ctl -D ${CITUS_DIRS[1]}/data -m fast -w restart -l ${CITUS_DIRS[1]}/server.log >/dev/null"
[ -n "$CITUS_RUNAS" ] || CITUS_RESTART_WORKER1="${CITUS_RESTART_WORKER1#runuser -u  -- }"
# The pgTAP suites that apply on Citus (the others, and why not: docs/scaling.md,
# "pgTAP on Citus"). They run first: their fixtures' shops must not exist yet
# (each suite rolls back).
status=0
echo "# pgTAP suites on the coordinator"
(cd test/pgtap && pg_prove --failures -h 127.0.0.1 -p "${CITUS_PORTS[0]}" -U postgres -d shopsync_test \
    07_bad_input.sql 10_api_isolation.sql 16_call_state.sql 20_utf8_messages.sql 21_supabase_auth.sql \
    21_sync_stats.sql 22_restore_epoch.sql 22_role_actions.sql 23_export.sql) || status=1
/usr/bin/python3 test/citus/citus_test.py "$SINGLE_URL" "$(url 0)" "$(url 1)" "$(url 2)" || status=1
# The gateway against the coordinator (its restart test restarts the coordinator).
make -s -C gateway
echo "# the gateway's integration tests against the Citus coordinator"
PGHOST=127.0.0.1 PGPORT="${CITUS_PORTS[0]}" PGDATABASE=shopsync_test PGUSER=postgres \
    PGCLUSTER_DIR="${CITUS_DIRS[0]}" PGCLUSTER_RUNAS="$CITUS_RUNAS" \
    JWT_SECRET="test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    /usr/bin/python3 test/gateway/integration_test.py build/shopsync-gateway || status=1
# A few seeds of the fault suite against the coordinator: devices, the gateway and
# PostgreSQL under faults (a coordinator restart among them), checked as on one node.
make -s -C client
echo "# fault suite (test/chaos) on the Citus cluster"
PGHOST=127.0.0.1 PGPORT="${CITUS_PORTS[0]}" PGUSER=postgres PGCLUSTER_DIR="${CITUS_DIRS[0]}" \
    PGCLUSTER_RUNAS="$CITUS_RUNAS" CHAOS_CITUS_WORKERS="${CITUS_PORTS[1]} ${CITUS_PORTS[2]}" \
    /usr/bin/python3 test/chaos/chaos.py --seeds "${CITUS_CHAOS_SEEDS:-1-2}" --steps "${CITUS_CHAOS_STEPS:-25}" || status=1
exit $status
