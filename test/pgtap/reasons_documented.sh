#!/usr/bin/env bash
# test/pgtap/reasons_documented.sh — every rejection reason the extension can
# give is listed in docs/protocol.md's table, and the table lists no reason the
# extension never gives. Prints TAP; needs no database.
set -uo pipefail
cd "$(dirname "$0")/../.."
emitted=$( { grep -ohE 'SetRejected\([a-z_>-]+, "[a-z_]+"' extension/pg/*.cpp | sed -E 's/.*"([a-z_]+)"/\1/'
             grep -ohE 'return "[a-z_]+";' extension/core/rules.cpp | sed -E 's/return "([a-z_]+)";/\1/' | grep '_'; } | sort -u)
documented=$(sed -n '/^### Rejection reasons/,/^Envelope errors/p' docs/protocol.md | grep -oE '^\| `[a-z_]+`' | tr -d '|` ' | sort -u)
echo "1..2"
missing=$(comm -23 <(echo "$emitted") <(echo "$documented") | tr '\n' ' ')
[ -z "$missing" ] && echo "ok 1 - every reason the extension gives is documented" ||
    echo "not ok 1 - reasons missing from docs/protocol.md: $missing"
extra=$(comm -13 <(echo "$emitted") <(echo "$documented") | tr '\n' ' ')
[ -z "$extra" ] && echo "ok 2 - the documented reasons are all given by the extension" ||
    echo "not ok 2 - documented but never given: $extra"
[ -z "$missing$extra" ]
