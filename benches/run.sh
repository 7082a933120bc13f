#!/usr/bin/env bash
# Every benchmark program, each against its peer measured in the same run.
# Installs the Python peers (py-ecomplexity, pandas, numpy) with pip into benches/.venv.
# Usage: bash benches/run.sh      (takes a few minutes on 2 cores; needs ~1 GB in benches/out)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

bash "$HERE/complexity.sh"      # complexity family vs py-ecomplexity (target: >= 20x faster)
bash "$HERE/leontief.sh"        # Leontief inverse and multipliers vs numpy (target: within 1.5x)
bash "$HERE/evaluate.sh"        # Callaway-Sant'Anna vs moderndid, 3,000 x 20, 999 bootstrap draws (target: >= 20x faster, equal results)
bash "$HERE/python.sh"          # tandem for Python vs py-ecomplexity and csdid, DataFrame to DataFrame (target: >= 20x on complexity)

(cd "$ROOT" && cargo build --release -p tandem-benches --bin assess)
"$ROOT/target/release/assess" --python "$HERE/.venv/bin/python"   # 50,000 x 10 assessment vs numpy (target: < 1 s)

bash "$HERE/platform.sh"        # platform at 64 connections vs /healthz on the same stack (target: dashboard p99 < 50 ms)

echo "== tandem only (no in-run peer but the naive shortlist): report, opportunities, ledger, matching"
(cd "$ROOT" && cargo build --release -p tandem-benches --bin report --bin opportunities --bin ledger --bin matching --bin import)
"$ROOT/target/release/report"
"$ROOT/target/release/opportunities"
"$ROOT/target/release/ledger"
"$ROOT/target/release/matching"

echo "== import: 10,000 rows (8,000 in one enterprise+park group) vs sign-ins on the idle server and the pairwise flag rule (target: sign-in during import < 1 s)"
"$ROOT/target/release/import"
