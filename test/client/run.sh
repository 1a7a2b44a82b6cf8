#!/usr/bin/env bash
# test/client/run.sh — the device side's unit tests (Catch2).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C client
build/tests/client_unit_test
