#!/usr/bin/env bash
# tandem's complexity family against py-ecomplexity on the same synthetic national panel
# (340 regions x 600 industries x 10 years), in the same run: build, generate, time both,
# compare results. Usage: benches/complexity.sh   (from anywhere)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
VENV="$HERE/.venv"
mkdir -p "$OUT"

if ! "$VENV/bin/python" -c "import ecomplexity, pandas, numpy" 2>/dev/null; then
    echo "== creating $VENV (ecomplexity, pandas, numpy)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet ecomplexity pandas numpy
fi

echo "== building the benchmark (release)"
(cd "$ROOT" && cargo build --release -p tandem-benches --bin complexity)

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -srm)"
echo "== tandem"
TANDEM_LOG="$OUT/tandem.log"
"$ROOT/target/release/complexity" --out-dir "$OUT" | tee "$TANDEM_LOG"
DATA="$(sed -n 's/^data=//p' "$TANDEM_LOG")"

echo "== py-ecomplexity"
PEER_LOG="$OUT/peer.log"
set +e
# This machine may set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; the peer runs with the numpy
# wheel's own CPU detection (as in the golden reference environment), so unset them here only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE timeout 1500 "$VENV/bin/python" \
    "$HERE/peers/ecomplexity_peer.py" --data "$DATA" --tandem "$OUT/tandem_complexity.csv" \
    | tee "$PEER_LOG"
PEER_STATUS=${PIPESTATUS[0]}
set -e
if [ "$PEER_STATUS" -eq 124 ]; then
    echo "py-ecomplexity did not finish within 1500 s"
    exit 1
fi

T="$(sed -n 's/^tandem_seconds=//p' "$TANDEM_LOG")"
P="$(sed -n 's/^peer_seconds=//p' "$PEER_LOG")"
AGREE="$(sed -n 's/^agree=//p' "$PEER_LOG")"
echo "== summary"
echo "tandem:         ${T} s (median of runs; records in memory -> all indicators, 10 years)"
echo "py-ecomplexity: ${P} s (DataFrame in memory -> all indicators, 10 years)"
awk -v t="$T" -v p="$P" 'BEGIN { printf "tandem is %.1fx faster than py-ecomplexity\n", p / t }'
if [ "$AGREE" = "yes" ]; then
    echo "results agree (eci, pci, coi, cog within 1e-9; density within 1e-12)"
else
    echo "results DIFFER (see $PEER_LOG)"
    exit 1
fi
