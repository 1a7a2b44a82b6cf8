#!/usr/bin/env bash
# bench/push_pull/run.sh — extension push/pull/snapshot throughput vs the PL/pgSQL
# baseline and the plain-SQL ceilings (ceiling.sql). BENCH_PUSH_ONLY=1: the push
# against its ceiling only; BENCH_BATCHES, BENCH_WARM, BENCH_ROUNDS: see the bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench bench/results
g++ -std=c++17 -O2 -Wall -I"$(pg_config --includedir)" -o build/bench/push_pull_bench \
    bench/push_pull/push_pull_bench.cpp -lpq -pthread
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
psql -X -q -v ON_ERROR_STOP=1 -f bench/push_pull/plpgsql_push.sql
psql -X -q -v ON_ERROR_STOP=1 -f bench/push_pull/ceiling.sql
build/bench/push_pull_bench
[ -n "${BENCH_PUSH_ONLY:-}" ] || bash bench/push_pull/rls_cost.sh
