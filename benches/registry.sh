#!/usr/bin/env bash
# tandem's registry queries against DuckDB (Python package) on the same synthetic registries,
# in the same run: embedded DataFusion vs DuckDB, wall time and peak memory per query, time per
# million firms, and the same queries on a loopback Ballista cluster (a scheduler and two
# executors). Printed, not asserted. Target: within 1.5x of DuckDB and linear in size.
# Usage: benches/registry.sh [FIRMS ...]     (default: 1000000 5000000 20000000; the 20 M
#        registry takes ~3 GB of disk in benches/out and tens of minutes to generate)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
VENV="$HERE/.venv"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 5000000 20000000)
mkdir -p "$OUT"

if ! "$VENV/bin/python" -c "import duckdb" 2>/dev/null; then
    echo "== installing duckdb into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb
fi

if [ -n "${TANDEM_BIN:-}" ]; then
    TANDEM="$TANDEM_BIN"     # a binary built elsewhere (with --features registry-query)
else
    echo "== building tandem with the registry query engine (release)"
    (cd "$ROOT" && cargo build --release -p tandem-cli --features registry-query)
    TANDEM="$ROOT/target/release/tandem"
fi

REGS=()
for n in "${SIZES[@]}"; do
    dir="$OUT/registry-$n"
    if [ ! -f "$dir/manifest.json" ]; then
        echo "== generating $n firms into $dir"
        "$TANDEM" registry generate --firms "$n" --seed 1 --out "$dir" --effect pair-xuzhou-huaibei:2022:3
    fi
    REGS+=(--registry "$dir")
done

echo "== starting a loopback cluster (scheduler + 2 executors)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
"$TANDEM" cluster scheduler --bind 127.0.0.1:50150 2>"$OUT/scheduler.log" & PIDS+=($!)
sleep 2
for i in 0 1; do
    mkdir -p "$OUT/executor-$i"
    "$TANDEM" cluster executor --scheduler 127.0.0.1:50150 --bind "127.0.0.1:$((50160 + 2 * i))" \
        --work-dir "$OUT/executor-$i" 2>"$OUT/executor-$i.log" & PIDS+=($!)
done
sleep 4

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -srm), duckdb $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')"
"$VENV/bin/python" "$HERE/peers/registry_duckdb.py" --tandem "$TANDEM" "${REGS[@]}" \
    --cluster ballista://127.0.0.1:50150
