#!/usr/bin/env bash
# test/gateway/run.sh — the gateway's unit tests (Catch2), then its
# integration tests over real HTTP against a private cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C gateway
build/tests/gateway_unit_test
source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
export JWT_SECRET="test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
/usr/bin/python3 test/gateway/integration_test.py build/shopsync-gateway
