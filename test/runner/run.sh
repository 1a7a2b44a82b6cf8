#!/usr/bin/env bash
# test/runner/run.sh — test/run_tests.sh never skips a suite silently: run on a
# copy of the tree's layout with stub suites, a listed suite that is missing
# and a suite nobody lists must each fail the run and be named.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/shopsync-runner.XXXXXX")"
trap 'rm -rf "$work"' EXIT
status=0

# A fake tree: test/run_tests.sh as it is, and a passing stub for every suite it lists.
make_tree() {
    rm -rf "$work/tree"; mkdir -p "$work/tree/test"
    cp "$ROOT/test/run_tests.sh" "$work/tree/test/"
    grep -o 'bash test/[a-z_]*/run.sh' "$ROOT/test/run_tests.sh" | awk '{print $2}' | while read -r s; do
        mkdir -p "$work/tree/$(dirname "$s")"
        printf '#!/usr/bin/env bash\nexit 0\n' >"$work/tree/$s"
    done
}
expect() { # expect <description> <want-exit: 0|nonzero> <text the output must hold or "">
    local what="$1" want="$2" text="$3" out rc
    out="$(bash "$work/tree/test/run_tests.sh" 2>&1)"; rc=$?
    if { [ "$want" = 0 ] && [ $rc -eq 0 ]; } || { [ "$want" = nonzero ] && [ $rc -ne 0 ]; }; then
        if [ -z "$text" ] || grep -qF -- "$text" <<<"$out"; then echo "ok - $what"; return; fi
    fi
    echo "not ok - $what (exit $rc)"; echo "$out" | sed 's/^/    /'; status=1
}

make_tree
n=$(grep -c '^run_suite ' "$work/tree/test/run_tests.sh")
expect "all $n listed suites present and passing: the run passes" 0 "suites: $n passed, 0 failed"

make_tree
rm "$work/tree/test/client/run.sh"
expect "a listed suite whose script is missing fails the run, named" nonzero "test/client/run.sh does not exist"

make_tree
chmod -x "$work/tree/test/gateway/run.sh"
expect "a suite script without the executable bit still runs (bash runs it)" 0 ""

make_tree
mkdir -p "$work/tree/test/orphan" && printf '#!/usr/bin/env bash\nexit 0\n' >"$work/tree/test/orphan/run.sh"
expect "a test/*/run.sh that no line lists fails the run, named" nonzero "test/orphan/run.sh exists but"

make_tree
printf '#!/usr/bin/env bash\nexit 3\n' >"$work/tree/test/pgtap/run.sh"
expect "a failing suite fails the run" nonzero "failed suites: pgTAP"

# The real tree: every listed suite exists and every suite is listed.
if bash test/run_tests.sh --check; then echo "ok - this tree's suite list matches test/*/run.sh"
else echo "not ok - this tree's suite list does not match test/*/run.sh"; status=1; fi
exit $status
