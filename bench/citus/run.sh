#!/usr/bin/env bash
# bench/citus/run.sh — push and pull throughput, one node against a Citus
# coordinator with two workers (same run, same machine), and a shop move under
# load; writes bench/results/citus.json. Needs Citus 13.2 (scripts/install-citus.sh).
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
citus_psql 0 -c "CREATE EXTENSION shopsync" -c "SELECT shopsync.distribute()" >/dev/null
mkdir -p bench/results
/usr/bin/python3 bench/citus/citus_bench.py "$SINGLE_URL" \
    "postgresql://postgres@127.0.0.1:${CITUS_PORTS[0]}/shopsync_test" "${CITUS_PORTS[1]}" "${CITUS_PORTS[2]}" \
    bench/results/citus.json
