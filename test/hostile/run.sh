#!/usr/bin/env bash
# test/hostile/run.sh — the hostile-client suite: crash inputs, slow and idle
# clients, stream floods, pool exhaustion and a PostgreSQL restart under load,
# each against a gateway of its own on loopback, each bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
export JWT_SECRET="hostile-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export GATEWAY_BINARY="$PWD/build/shopsync-gateway" PGCLUSTER_DIR PYTHONPATH="$PWD/test/lib"
status=0
for t in test/hostile/*_test.py; do
    echo "# $t"
    timeout 300 /usr/bin/python3 "$t" || status=1
done
exit $status
