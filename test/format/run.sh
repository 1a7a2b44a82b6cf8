#!/usr/bin/env bash
# test/format/run.sh — every C++ file of ours is as clang-format (.clang-format)
# writes it: `make format-check` lists the files `make format` covers.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "test/format: clang-format is not installed" >&2; exit 1; }
make -s format-check && echo "ok - the C++ tree is clang-formatted (make format-check)"
