#!/usr/bin/env bash
# test/client/run.sh — the device side: unit tests (Catch2: local store, outbox,
# apply rules, backoff, engine against a fake server, C API, legacy import),
# then end-to-end tests of shopsync-device through the gateway and a private cluster:
# the gateway profile, then the postgrest profile with tokens minted outside the library.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C client
make -s -C gateway
build/tests/client_unit_test
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
gateway_start
trap 'gateway_stop; pgcluster_stop' EXIT
/usr/bin/python3 test/client/e2e_test.py
/usr/bin/python3 test/client/postgrest_e2e_test.py
