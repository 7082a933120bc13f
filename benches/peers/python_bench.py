"""tandem for Python against py-ecomplexity and csdid, same data, same run (benches/python.sh).

Complexity: two synthetic panels (REGIONS x INDUSTRIES x YEARS, log-normal values, 20 % zeros)
as pandas DataFrames: "random", where presence is noise, so that the eigenvalues behind ECI
lie within a few per cent of each other (the hardest case for tandem's iterative solver, which
then falls back to bisection and inverse iteration), and "nested", where regions have a capability and
industries a requirement and a region is active mostly in the industries within its reach (the
structure real city-industry panels have, with a clear eigenvalue gap). Both sides are timed from that DataFrame to their output DataFrame,
so tandem's time counts the conversion (factorising the keys, building the result frame).
py-ecomplexity runs with its defaults except verbose=False and check_logsupermodularity=False
(a printed diagnostic that tandem does not compute). DID: Callaway-Sant'Anna with the
covariate x, doubly robust, never-treated controls, analytic standard errors (csdid's
bstrap=False), ATT(g,t) plus the simple aggregation on both sides.

Prints each side's median time (tandem's after one untimed call, which pays the process's
one-off costs; the peers' single runs take seconds), the ratio and whether the results agree;
asserts nothing.
"""
import argparse
import contextlib
import io
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

import tandem

COLS = {"time": "year", "loc": "region", "prod": "industry", "val": "value"}


def panel(regions, industries, years, seed=20261204, nested=False):
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0, 1.5, size=(regions, 1)) * rng.lognormal(0, 1.0, size=(1, industries))
    if nested:
        capability = rng.uniform(0, 1, size=(regions, 1))
        requirement = rng.uniform(0, 1, size=(1, industries))
        reach = capability >= requirement + 0.1 * rng.standard_normal(size.shape)
        size = size * np.where(reach, 1.0, 0.02)
    frames = []
    for k, year in enumerate(range(2014, 2014 + years)):
        v = size * rng.lognormal(0.02 * k, 0.3, size=size.shape)
        v[rng.random(size.shape) < 0.2] = 0.0
        frames.append(pd.DataFrame({
            "year": year,
            "region": np.repeat([f"R{r:04d}" for r in range(regions)], industries),
            "industry": np.tile([f"I{i:04d}" for i in range(industries)], regions),
            "value": np.round(v.ravel() * 1000),
        }))
    return pd.concat(frames, ignore_index=True)


def timed(f, runs, warm_up=False):
    """Median wall time of `runs` calls. With `warm_up`, one untimed call first: the first
    call in a process pays one-off costs (the thread pool's start, the allocator's first
    pages), which would otherwise weigh on the median of a few calls."""
    if warm_up:
        f()
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_complexity(regions, industries, years, runs, nested):
    from ecomplexity import ecomplexity
    df = panel(regions, industries, years, nested=nested)
    print(f"complexity, {'nested' if nested else 'random'} panel: {regions} regions x "
          f"{industries} industries x {years} years = {len(df):,} rows")
    t_ours, ours = timed(lambda: tandem.complexity(df, COLS, verbose=False), runs, warm_up=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_peer, ref = timed(lambda: ecomplexity(df, COLS, verbose=False,
                                                check_logsupermodularity=False), 1)
    key = ["year", "region", "industry"]
    a, b = ours.sort_values(key, ignore_index=True), ref.sort_values(key, ignore_index=True)
    # Eigenvector-based values agree to the eigen-solvers' precision, 1e-9 of each column's
    # scale (PCI, standardised with ECI's sd, reaches tens on a random panel).
    diff = max(float(np.nanmax(np.abs(a[c].to_numpy() - b[c].to_numpy())))
               / max(1.0, float(np.nanmax(np.abs(b[c].to_numpy()))))
               for c in ["eci", "pci", "density", "coi", "cog"])
    print(f"  tandem.complexity:  {t_ours:.3f} s (median of {runs} after one untimed call, "
          "DataFrame -> DataFrame)")
    print(f"  py-ecomplexity:     {t_peer:.3f} s")
    print(f"  ratio: tandem is {t_peer / t_ours:.1f}x faster (target >= 20x); "
          f"max |difference| / column scale {diff:.1e} ({'agree' if diff < 1e-9 else 'DIFFER'})")


def bench_did(path, runs):
    from csdid.att_gt import ATTgt
    df = pd.read_csv(path)
    print(f"att_gt + aggte(simple): {df.id.nunique():,} units x {df.period.nunique()} periods, ~ x, dr")

    def ours():
        r = tandem.att_gt("y", "period", "id", "g", df, xformla="~ x")
        return r, tandem.aggte(r, type="simple")

    def peer():
        with contextlib.redirect_stdout(io.StringIO()):  # csdid prints its summary
            return peer_fit()

    def peer_fit():
        m = ATTgt(yname="y", gname="g", idname="id", tname="period", data=df, xformla="~ x",
                  control_group="nevertreated").fit(est_method="dr", bstrap=False)
        m.aggte(typec="simple", bstrap=False)
        return m

    t_ours, (r, agg) = timed(ours, runs, warm_up=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_peer, m = timed(peer, 1)
    diff = float(np.max(np.abs(r.att - np.asarray(m.results["att"], dtype=float))))
    print(f"  tandem.att_gt:  {t_ours:.3f} s (median of {runs} after one untimed call); "
          f"simple ATT {agg.overall_att:.6f}")
    print(f"  csdid:          {t_peer:.3f} s")
    print(f"  ratio: tandem is {t_peer / t_ours:.1f}x faster; max |ATT(g,t) difference| {diff:.1e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dims", nargs="*", type=int, default=[340, 600, 5])
    ap.add_argument("--did", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if len(a.dims) != 3:
        sys.exit("usage: python_bench.py [REGIONS INDUSTRIES YEARS] --did FILE")
    for nested in (False, True):
        bench_complexity(*a.dims, a.runs, nested)
    bench_did(a.did, a.runs)


if __name__ == "__main__":
    main()
