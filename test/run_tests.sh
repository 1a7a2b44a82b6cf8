#!/usr/bin/env bash
# test/run_tests.sh — every test suite, each against its own throwaway cluster:
# pgTAP (database rules), Catch2 (C++ units), the concurrency tests, then the
# gateway's and the client's suites when those parts are built, and README.md's commands.
# Exits non-zero if any suite fails; prints "N passed, N failed" (suites) last.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
passed=0
failed=0
failed_names=()

run_suite() {
    local name="$1"; shift
    echo
    echo "=== $name ==="
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names+=("$name")
    fi
}

run_suite "pgTAP (database)" bash test/pgtap/run.sh
run_suite "Catch2 (extension rules, concurrency)" bash test/cpp/run.sh
run_suite "demo (the story converges; nothing is left behind, also after Ctrl-C)" bash test/demo/run.sh
[ -x test/concurrency/run.sh ] && run_suite "concurrency" bash test/concurrency/run.sh
[ -x test/gateway/run.sh ] && run_suite "gateway" bash test/gateway/run.sh
[ -x test/client/run.sh ] && run_suite "client" bash test/client/run.sh
run_suite "README (its commands, run as written)" bash test/readme/run.sh

echo
[ "$failed" -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
