#!/usr/bin/env bash
# Leontief inverse benchmark: tandem (faer) against numpy (OpenBLAS), same matrices, same
# run, two threads each. Prints per-n times and the ratio tandem/numpy (target <= 1.5).
# Usage: benches/leontief.sh [SIZES]   (default 153,1000,3000,6000)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${1:-153,1000,3000,6000}"
OUT=benches/out
VENV=benches/.venv
mkdir -p "$OUT"

# The venv may already exist (other benchmark scripts share it); pip install is idempotent.
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check numpy threadpoolctl

cargo build --release -p tandem-benches --bin leontief

echo "== tandem (faer; rayon pool of 2 threads, one thread below 256 sectors)"
RAYON_NUM_THREADS=2 target/release/leontief --out "$OUT" --sizes "$SIZES" | tee "$OUT/leontief_tandem.txt"

echo "== numpy (OpenBLAS, 2 threads)"
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine; numpy runs with
# OpenBLAS's own kernel detection, so both are unset for this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
    "$VENV/bin/python" benches/peers/numpy_leontief.py "$OUT" "$SIZES" | tee "$OUT/leontief_numpy.txt"

echo "== tandem / numpy"
printf '%8s %12s %12s %8s\n' n tandem_s numpy_s ratio
join <(sed -n 's/^tandem n=\([0-9]*\) best_s=\([0-9.]*\).*/\1 \2/p' "$OUT/leontief_tandem.txt" | sort) \
     <(sed -n 's/^numpy n=\([0-9]*\) best_s=\([0-9.]*\).*/\1 \2/p' "$OUT/leontief_numpy.txt" | sort) |
    sort -n | awk '{ printf "%8d %12.4f %12.4f %8.2f\n", $1, $2, $3, $2 / $3 }'
