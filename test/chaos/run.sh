#!/usr/bin/env bash
# test/chaos/run.sh — the randomized fault suite (issue 10): seeded runs of
# devices, the gateway and PostgreSQL under faults, checked against DESIGN.md §8.
#   bash test/chaos/run.sh                 make test's portion: the checker's self-test, then a few seeds
#   SEEDS=200 bash test/chaos/run.sh       seeds 1..200 (make chaos SEEDS=200)
#   SEED=17 bash test/chaos/run.sh         replays seed 17 and prints its step log
#   FAULTS=all | FAULTS=kill_device,shop_switch   which fault kinds (default: those main passes)
#   STEPS=n                                steps per seed (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C client
make -s -C gateway
source test/lib/pgcluster.sh
pgcluster_start
psql -X -q -v ON_ERROR_STOP=1 -f sql/roles.sql >/dev/null
export PGCLUSTER_DIR
steps="${STEPS:-60}"
if [ -n "${SEED:-}" ]; then
    /usr/bin/python3 test/chaos/chaos.py --seeds "$SEED" --steps "$steps" --verbose
    exit
fi
if [ -n "${SEEDS:-}" ]; then
    /usr/bin/python3 test/chaos/chaos.py --seeds "1-$SEEDS" --steps "$steps"
    exit
fi
/usr/bin/python3 test/chaos/harness_test.py
/usr/bin/python3 test/chaos/chaos.py --selftest
/usr/bin/python3 test/chaos/chaos.py --seeds 1-5 --steps "$steps"
