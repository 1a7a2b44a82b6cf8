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
# The auth SQL of this tree (the refresh grace window), on top of the installed
# extension, until the next install carries it: the gateway is tested against
# the SQL it ships with. CREATE OR REPLACE, so a no-op once installed.
psql -X -q -v ON_ERROR_STOP=1 -f sql/upgrade/0.1.0--0.2.0/80_auth_refresh_grace.sql >/dev/null
status=0
/usr/bin/python3 test/gateway/integration_test.py build/shopsync-gateway || status=1
GATEWAY_BINARY="$PWD/build/shopsync-gateway" PGCLUSTER_DIR="$PGCLUSTER_DIR" \
    /usr/bin/python3 test/gateway/auth_limits_test.py || status=1
/usr/bin/python3 test/gateway/supabase_routes_test.py || status=1
exit $status
