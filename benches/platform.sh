#!/usr/bin/env bash
# Platform load benchmark: tandem serve (in process, loopback only) on a programme of 10,000
# projects and 2,000 tasks, 64 keep-alive connections for a fixed time against the dashboard
# and list endpoints, with GET /healthz on the same stack as the in-run peer.
# Prints requests, req/s, p50/p99/max per endpoint, p99 / healthz p99, and the target line
# "dashboard p99 < 50 ms: PASS|FAIL".
# Usage: benches/platform.sh [--seconds N] [--connections C] [--projects P] [--tasks T]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=benches/out
mkdir -p "$OUT"
cargo build --release -p tandem-benches --bin platform
TARGET="${CARGO_TARGET_DIR:-target}"
"$TARGET/release/platform" "$@" | tee "$OUT/platform.txt"
