"""numpy peer of benches/src/bin/leontief.rs: L = (I - A)^-1 by np.linalg.solve (LAPACK
gesv, OpenBLAS) and output multipliers (column sums of L), on the matrices the Rust
program wrote to OUT/leontief_A_<n>.f64 (raw little-endian f64, row-major).

Usage: python numpy_leontief.py [OUT] [SIZES]   (defaults: benches/out, 153,1000,3000,6000)
Prints `numpy n=<n> best_s=<s> reps=<k> checksum=<sum> [max_abs_diff_vs_tandem=<d>]`.
"""
import os
import sys
import time

import numpy as np


def reps_for(n):
    if n <= 200:
        return 20
    if n <= 1000:
        return 5
    if n <= 3000:
        return 3
    return 2


def describe_blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for p in threadpool_info():
        parts.append("{} {} {} threads={} arch={}".format(
            p.get("user_api"), p.get("internal_api"), p.get("version"),
            p.get("num_threads"), p.get("architecture")))
    return "; ".join(parts) or "no BLAS pool found"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "benches/out"
    sizes = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "153,1000,3000,6000").split(",")]
    print("numpy {} | {}".format(np.__version__, describe_blas()))
    for n in sizes:
        a = np.fromfile(os.path.join(out, "leontief_A_{}.f64".format(n)), dtype="<f8").reshape(n, n)
        best = float("inf")
        reps = reps_for(n)
        for _ in range(reps):
            t = time.perf_counter()
            eye = np.eye(n)
            l = np.linalg.solve(eye - a, eye)
            m = l.sum(axis=0)
            best = min(best, time.perf_counter() - t)
        line = "numpy n={} best_s={:.6f} reps={} checksum={:.12e}".format(n, best, reps, m.sum())
        lpath = os.path.join(out, "leontief_L_{}.f64".format(n))
        if os.path.exists(lpath):
            lt = np.fromfile(lpath, dtype="<f8").reshape(n, n)
            line += " max_abs_diff_vs_tandem={:.3e}".format(np.abs(lt - l).max())
        print(line, flush=True)


if __name__ == "__main__":
    main()
