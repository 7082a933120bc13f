#!/usr/bin/env bash
# Callaway-Sant'Anna on 3,000 units x 20 periods with a covariate and 999 bootstrap draws:
# tandem against moderndid 0.2.0 (the reference of the golden tests) on the same data, in the
# same run. Target: at least 20x faster, with equal simple ATT and analytic SE.
# Usage: benches/evaluate.sh   (installs moderndid into benches/.venv-eval with pip)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$HERE/.venv-eval"
INPUT="$ROOT/crates/tandem-evaluate/tests/golden/inputs/bench_staggered_3000x20.csv.gz"
if ! "$VENV/bin/python" -c "import moderndid" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet moderndid==0.2.0
fi
(cd "$ROOT" && cargo build --release -p tandem-benches --bin evaluate)
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
OURS="$("$ROOT/target/release/evaluate" --runs 3)"
echo "$OURS"
PEER="$("$VENV/bin/python" "$HERE/peers/moderndid_peer.py" --input "$INPUT" --runs 3)"
echo "$PEER"
get() { sed -n "s/^$1=//p" <<<"$2"; }
python3 - "$(get tandem_seconds "$OURS")" "$(get peer_seconds "$PEER")" \
    "$(get tandem_simple_att "$OURS")" "$(get peer_simple_att "$PEER")" \
    "$(get tandem_simple_se "$OURS")" "$(get peer_simple_se "$PEER")" <<'PY'
import sys
t, p, a1, a2, s1, s2 = map(float, sys.argv[1:])
print(f"ratio peer / tandem: {p / t:.1f}x faster (target >= 20x): {'PASS' if p / t >= 20 else 'FAIL'}")
same = abs(a1 - a2) < 1e-8 and abs(s1 - s2) / s2 < 1e-6
print(f"equal results (simple ATT 1e-8, SE 1e-6 relative): {'PASS' if same else 'FAIL'}")
PY
