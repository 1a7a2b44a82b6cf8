#!/usr/bin/env bash
# test/cpp/run.sh — builds and runs the Catch2 tests of the extension's pure C++ rules.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/tests
g++ -std=c++17 -O1 -Wall -Wextra -Iextension/core -o build/tests/extension_rules_test \
    test/cpp/rules_test.cpp extension/core/rules.cpp
build/tests/extension_rules_test
