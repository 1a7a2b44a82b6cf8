#!/usr/bin/env bash
# test/fuzz/ext_rules.sh — the extension's libFuzzer target (ext_rules_fuzz.cpp
# over extension/core/rules.cpp), run by test/fuzz/run.sh for FUZZ_SECONDS
# (default 30) from its seed corpus; a crash leaves its input in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH="${FUZZ_SECONDS:-30}"
CXX="${FUZZ_CXX:-clang++-14}"
OUT=build/fuzz
mkdir -p "$OUT"
bin="$OUT/ext_rules_fuzz"
"$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Iextension/core test/fuzz/ext_rules_fuzz.cpp extension/core/rules.cpp -o "$bin"
scratch="$(mktemp -d /tmp/shopsync-fuzz.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
echo "# fuzzing ext_rules for ${SECONDS_EACH}s"
if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$OUT/ext_rules-" -print_final_stats=1 "$scratch" test/fuzz/corpus/ext_rules >"$OUT/ext_rules.log" 2>&1; then
    echo "ok - ext_rules: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/ext_rules.log" | grep -o '[0-9]*$') runs, no crash"
else
    echo "not ok - ext_rules crashed; input in $OUT/ext_rules-*; log:"
    tail -40 "$OUT/ext_rules.log"
    exit 1
fi
