#!/usr/bin/env bash
# tandem for Python (python/, issue #19) against the Python packages researchers use, on the
# same data in the same run: tandem.complexity vs py-ecomplexity (a synthetic national-size
# panel, DataFrame in and DataFrame out on both sides), tandem.att_gt + aggte vs csdid (the
# 3,000-unit staggered panel of the golden files, analytic standard errors on both sides).
# Ratios are printed, never asserted. The package is built in release (pip's default).
# Usage: benches/python.sh [REGIONS INDUSTRIES YEARS]   (installs into benches/.venv-python)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$HERE/.venv-python"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check 'maturin>=1.9.4,<2' numpy pandas ecomplexity csdid
echo "== building and installing tandem for Python (release)"
PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps "$ROOT/python"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -srm)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" "$HERE/peers/python_bench.py" \
    --did "$ROOT/crates/tandem-evaluate/tests/golden/inputs/bench_staggered_3000x20.csv.gz" "$@"
