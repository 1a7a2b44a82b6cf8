#!/usr/bin/env bash
# test/fuzz/run.sh — builds the gateway's libFuzzer targets with clang-14
# (-fsanitize=fuzzer,address,undefined) and runs each for FUZZ_SECONDS (default 30)
# from its seed corpus in test/fuzz/corpus/<target>/. New inputs that grow
# coverage go to a scratch directory, never into the repo; a crash leaves its
# input in build/fuzz/ and fails the run (make it a plain regression test).
#   bash test/fuzz/run.sh                      # what `make test` runs
#   make fuzz FUZZ_SECONDS=3600                # as long as asked
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH="${FUZZ_SECONDS:-30}"
CXX="${FUZZ_CXX:-clang++-14}"
OUT=build/fuzz
mkdir -p "$OUT/obj"
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$(pg_config --includedir)" -Igateway/src -Icommon)
SOURCES=$(ls gateway/src/*.cpp | grep -v '/main.cpp$')

# Objects are rebuilt only when a source or any header is newer.
newest_header=$(ls -t gateway/src/*.hpp common/*.hpp | head -1)
objects=()
for src in $SOURCES; do
    obj="$OUT/obj/$(basename "${src%.cpp}").o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
        "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
        while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
    fi
    objects+=("$obj")
done
wait
status=0
for target in http_request json_scan jwt rpc_args rpc_request; do
    bin="$OUT/${target}_fuzz"
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "test/fuzz/${target}_fuzz.cpp" "${objects[@]}" \
        -lpq -lssl -lcrypto -largon2 -lpthread -o "$bin"
    scratch="$(mktemp -d /tmp/shopsync-fuzz.XXXXXX)"
    echo "# fuzzing $target for ${SECONDS_EACH}s"
    if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$OUT/${target}-" -print_final_stats=1 "$scratch" "test/fuzz/corpus/$target" \
        >"$OUT/$target.log" 2>&1; then
        echo "ok - $target: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$target.log" | grep -o '[0-9]*$') runs, no crash"
    else
        echo "not ok - $target crashed; input in $OUT/${target}-*; log:"
        tail -40 "$OUT/$target.log"
        status=1
    fi
    rm -rf "$scratch"
done
# The extension's targets (test/fuzz/ext_*.sh, kept by the extension's side).
for ext in test/fuzz/ext_*.sh; do
    bash "$ext" || status=1
done
exit $status
