#!/usr/bin/env bash
# test/dashboard/run.sh — the dashboard (dashboard/) in headless Chromium:
# npm ci and a Vite build, a private cluster and the gateway serving the build
# (--static-dir), then test/dashboard/dashboard.test.mjs (playwright-core
# driving Debian's chromium). Screenshots go to build/dashboard-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null || { echo "test/dashboard: chromium is not installed (scripts/install-deps.sh)" >&2; exit 1; }
bash scripts/build-dashboard.sh
make -s -C gateway
make -s -C client
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
export STATIC_DIR="$PWD/dashboard/dist"
gateway_start
trap 'gateway_stop; pgcluster_stop' EXIT
export WORK="$PGCLUSTER_DIR/devices" ARTIFACTS="$PWD/build/dashboard-artifacts" DEVICE="$PWD/build/shopsync-device"
mkdir -p "$WORK" "$ARTIFACTS"
node --test test/dashboard/
echo "screenshots: $ARTIFACTS"
