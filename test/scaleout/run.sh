#!/usr/bin/env bash
# test/scaleout/run.sh — scale-out on loopback: a primary, its streaming
# replica, PgBouncer (transaction pooling, 2 server connections per database)
# and two gateways; devices on either converge, pokes cross gateways, and a
# lagging replica is never visible to a device (scaleout_test.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
source test/lib/pgcluster.sh
source test/lib/scaleout.sh
scaleout_primary_start
scaleout_replica_start
PGBOUNCER_POOL_SIZE=2 scaleout_bouncer_start
export JWT_SECRET="test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export USER_RATE=1000 DEVICE_RATE=1000
scaleout_gateway_start A
scaleout_gateway_start B
/usr/bin/python3 test/scaleout/scaleout_test.py
