"""py-ecomplexity on tandem's synthetic benchmark panel: time it and compare with tandem.

Usage: python ecomplexity_peer.py --data PANEL.csv --tandem TANDEM_RESULTS.csv

The timed call is
    ecomplexity(df, {"time": "year", "loc": "region", "prod": "industry", "val": "value"},
                verbose=False, check_logsupermodularity=False)
i.e. every default of ecomplexity 0.5.3 except two that only add work that tandem does not
do (printing the year, and the sampled log-supermodularity diagnostic); leaving them on
would only slow the peer down. Reading the CSV with pandas is timed separately.

Prints key=value lines read by complexity.sh; exits 1 when the results disagree beyond the
tolerances (1e-9 absolute for eci, pci, coi, cog; 1e-12 absolute for density, which is in
[0, 1]), 2 on bad input.
"""
import argparse
import sys
import time
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd
from ecomplexity import ecomplexity

TOL = {"eci": 1e-9, "pci": 1e-9, "coi": 1e-9, "cog": 1e-9, "density": 1e-12}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--tandem", required=True)
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(args.data, dtype={"region": str, "industry": str})
    print(f"peer_parse_seconds={time.perf_counter() - t0:.4f}")
    print(f"peer_versions=ecomplexity {version('ecomplexity')}, numpy {np.__version__}, pandas {pd.__version__}")

    cols = {"time": "year", "loc": "region", "prod": "industry", "val": "value"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        out = ecomplexity(df, cols, verbose=False, check_logsupermodularity=False)
        elapsed = time.perf_counter() - t0
    print(f"peer_seconds={elapsed:.4f}")
    msgs = sorted({str(w.message).splitlines()[0][:120] for w in caught})
    if msgs:
        print(f"peer_warnings={' | '.join(msgs)}")

    tandem = pd.read_csv(args.tandem, dtype={"region": str, "industry": str})
    keys = ["year", "region", "industry"]
    merged = out.merge(tandem, on=keys, how="outer", suffixes=("_py", "_tandem"), indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    print(f"rows_py={len(out)} rows_tandem={len(tandem)} unmatched={unmatched}")
    agree = unmatched == 0
    for c, tol in TOL.items():
        a, b = merged[f"{c}_py"].to_numpy(float), merged[f"{c}_tandem"].to_numpy(float)
        nan_mismatch = int((np.isnan(a) != np.isnan(b)).sum())
        both = ~np.isnan(a) & ~np.isnan(b)
        diff = float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")
        ok = nan_mismatch == 0 and both.any() and diff <= tol
        agree &= ok
        print(f"max_abs_diff_{c}={diff:.3e} (tolerance {tol:g}, NaN mismatches {nan_mismatch}) {'ok' if ok else 'DIFFERENT'}")
    print(f"agree={'yes' if agree else 'no'}")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
