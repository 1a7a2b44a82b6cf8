#!/usr/bin/env bash
# test/cli/run.sh — both programs answer --help and -h with their usage and
# exit 0; shopsync-device answers `COMMAND --help` for every command it runs
# (each command it dispatches must be in its usage), and an unknown command's
# --help is an error; --version is the Makefile's EXTVERSION (one version).
set -uo pipefail
cd "$(dirname "$0")/../.."
make -s -C client >/dev/null && make -s -C gateway >/dev/null || exit 1
status=0
check() { # check <description> <want-exit> <text the stdout must hold> <command...>
    local what="$1" want="$2" text="$3" out rc; shift 3
    out="$("$@" 2>/dev/null)"; rc=$?
    if [ "$rc" = "$want" ] && grep -qF -- "$text" <<<"$out"; then echo "ok - $what"
    else echo "not ok - $what (exit $rc)"; echo "$out" | head -5 | sed 's/^/    /'; status=1; fi
}
for flag in --help -h; do
    check "shopsync-gateway $flag prints its usage, exit 0" 0 "Usage: shopsync-gateway" build/shopsync-gateway $flag
    check "shopsync-device $flag prints its usage, exit 0" 0 "usage: shopsync-device" build/shopsync-device $flag
done
version=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
check "shopsync-device --version says the Makefile's EXTVERSION ($version)" 0 "shopsync-device $version" build/shopsync-device --version
crate=$(sed -n 's/^version *= *"\(.*\)"/\1/p' bindings/rust/Cargo.toml | head -1)
if [ "$crate" = "$version" ]; then echo "ok - the Rust crate's version is the Makefile's EXTVERSION ($version)"
else echo "not ok - bindings/rust/Cargo.toml says $crate, the Makefile $version"; status=1; fi
check "shopsync-device help prints its usage, exit 0" 0 "usage: shopsync-device" build/shopsync-device help

# Every command the device's dispatcher knows (cmd == "…" in main.cpp).
commands=$(grep -o 'cmd == "[a-z-]*"' client/cli/main.cpp | cut -d'"' -f2 | sort -u)
[ -n "$commands" ] || { echo "not ok - found no commands in client/cli/main.cpp"; exit 1; }
for c in $commands; do
    check "shopsync-device $c --help shows $c's usage line, exit 0" 0 "  $c" build/shopsync-device "$c" --help
done
out="$(build/shopsync-device no-such-command --help 2>&1)"; rc=$?
if [ $rc = 2 ] && grep -q 'unknown command' <<<"$out"; then echo "ok - an unknown command's --help is an error (exit 2)"
else echo "not ok - an unknown command's --help (exit $rc): $out"; status=1; fi
exit $status
