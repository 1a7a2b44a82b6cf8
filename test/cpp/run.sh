#!/usr/bin/env bash
# test/cpp/run.sh — Catch2 tests: the extension's pure C++ rules, then the
# concurrency tests against a private cluster (libpq, several connections),
# among them the lock order of concurrent pushes (lock_order_test.cpp).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/tests
g++ -std=c++17 -O1 -Wall -Wextra -Iextension/core -o build/tests/extension_rules_test \
    test/cpp/rules_test.cpp extension/core/rules.cpp
g++ -std=c++17 -O1 -Wall -Wextra -I"$(pg_config --includedir)" -o build/tests/concurrency_test \
    test/cpp/concurrency_test.cpp -lpq -pthread
g++ -std=c++17 -O1 -Wall -Wextra -I"$(pg_config --includedir)" -o build/tests/lock_order_test \
    test/cpp/lock_order_test.cpp -lpq -pthread
build/tests/extension_rules_test

source test/lib/pgcluster.sh
pgcluster_start
pgcluster_install_shopsync
build/tests/concurrency_test
build/tests/lock_order_test
