#!/usr/bin/env bash
# test/rust/run.sh — the Rust crate (bindings/rust): cargo's unit tests (safe
# API offline, src/ffi.rs checked against shopsync.h, JSON, callbacks), then the
# end-to-end test against a private cluster and the gateway: two clients in one
# process and a third through the Tauri-style example commands.
# Builds offline (the crate has no dependencies); cargo's output goes to build/rust.
set -euo pipefail
cd "$(dirname "$0")/../.."
# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
command -v cargo >/dev/null || [ ! -x "$HOME/.cargo/bin/cargo" ] || export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || { echo "test/rust: cargo is not installed (rustup.rs; Rust 1.70 or newer)" >&2; exit 1; }
export CARGO_TARGET_DIR="$PWD/build/rust"
make -s -C client ../build/libshopsync-client.a
(cd bindings/rust && cargo test --offline -j1 --quiet)
make -s -C gateway
source test/lib/pgcluster.sh
source test/lib/gateway.sh
pgcluster_start
pgcluster_install_shopsync
gateway_start
trap 'gateway_stop; pgcluster_stop' EXIT
(cd bindings/rust && cargo test --offline -j1 --quiet --test e2e -- --ignored)
