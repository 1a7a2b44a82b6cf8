#!/usr/bin/env bash
# test/run_tests.sh — every test suite, each against its own throwaway cluster.
# Each suite is one `run_suite "name" bash test/<suite>/run.sh` line below.
# A listed suite whose script is missing fails the run, and so does a
# test/*/run.sh that no line lists: no suite is ever skipped silently.
# --check only checks the list against the tree.
# Exits non-zero if any suite fails; prints "N passed, N failed" (suites) last.
set -uo pipefail
cd "$(dirname "$0")/.."
CHECK_ONLY=0
[ "${1:-}" = --check ] && CHECK_ONLY=1
passed=0
failed=0
failed_names=()
listed=()

run_suite() {
    local name="$1"; shift
    local script="${*: -1}"
    listed+=("$script")
    if [ ! -f "$script" ]; then
        echo "run_tests: suite \"$name\" is listed but $script does not exist" >&2
        failed=$((failed + 1)); failed_names+=("$name (missing)")
        return
    fi
    [ "$CHECK_ONLY" = 1 ] && return
    echo
    echo "=== $name ==="
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names+=("$name")
    fi
}

# Every suite on disk must be listed (a new suite nobody registered is a defect).
check_unlisted() {
    local script known
    for script in test/*/run.sh; do
        known=0
        for l in "${listed[@]}"; do [ "$l" = "$script" ] && known=1; done
        if [ "$known" = 0 ]; then
            echo "run_tests: $script exists but test/run_tests.sh does not run it" >&2
            failed=$((failed + 1)); failed_names+=("$script (unlisted)")
        fi
    done
}

run_suite "test runner (no suite skipped)" bash test/runner/run.sh
run_suite "pgTAP (database)" bash test/pgtap/run.sh
run_suite "Catch2 (extension rules, concurrency)" bash test/cpp/run.sh
run_suite "upgrade (every release updates to the current version: data, suite, catalog)" bash test/upgrade/run.sh
run_suite "demo (the story converges; nothing is left behind, also after Ctrl-C)" bash test/demo/run.sh
run_suite "Citus (coordinator + 2 workers: same answers as one node, one worker per call, restart and shop move lose nothing)" bash test/citus/run.sh
run_suite "gateway" bash test/gateway/run.sh
run_suite "scale-out (primary + streaming replica + PgBouncer + two gateways: converge, pokes across, lag never visible)" bash test/scaleout/run.sh
run_suite "hostile clients (the gateway survives any input and any client)" bash test/hostile/run.sh
run_suite "fuzz (gateway parsers, 30 s each)" bash test/fuzz/run.sh
run_suite "client" bash test/client/run.sh
run_suite "restore rehearsal (PITR and pg_dump/pg_restore while devices sync: every acknowledged write back, nothing twice)" bash test/restore/run.sh
run_suite "Supabase clients (supabase-js, postgrest-js, headless Chromium CORS) against the gateway" bash test/supabase/run.sh
run_suite "retention on a schedule (pg_cron runs shopsync.purge as README says)" bash test/retention/run.sh
run_suite "Rust crate (safe API, FFI checked against shopsync.h, Tauri commands end to end)" bash test/rust/run.sh
run_suite "JavaScript SDK (@shopsync/client: protocol.md drift, session, read model, writes, against the gateway)" bash test/js/run.sh
run_suite "dashboard (headless Chromium: sign in, orders, live device write within 1 s, viewer, screenshots)" bash test/dashboard/run.sh
run_suite "format (clang-format over every C++ file)" bash test/format/run.sh
run_suite "command-line help (--help, -h, COMMAND --help)" bash test/cli/run.sh
run_suite "chaos (seeded faults; devices equal the server, no write lost or hidden)" bash test/chaos/run.sh
run_suite "README (its commands, run as written)" bash test/readme/run.sh
check_unlisted

if [ "$CHECK_ONLY" = 1 ]; then
    [ "$failed" -gt 0 ] && echo "suite list: ${failed_names[*]}"
    [ "$failed" -eq 0 ] && echo "suite list: ${#listed[@]} suites listed, each present; no suite unlisted"
    exit $((failed > 0))
fi
echo
[ "$failed" -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
