#!/usr/bin/env bash
# test/readme/run.sh — README.md's commands, run as written on a private cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/lib/pgcluster.sh
pgcluster_start
/usr/bin/python3 test/readme/readme_test.py
