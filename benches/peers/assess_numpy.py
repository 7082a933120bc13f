"""Peer for benches/src/bin/assess.rs: the same benchmark-ratio scoring with numpy, vectorised.

Reads the units (CSV: land_mu, then num_1, den_1, ..., num_10, den_10) and the scheme's
indicator arrays (JSON) written by the benchmark, scores every unit (eligibility: land >= min;
value = num / den; score = weight * min(cap, value / benchmark), benchmark / value for a cost
indicator, cap at value 0), sums, tiers by thresholds, and prints the median time of the
scoring alone (not the file reading) over `runs` runs, then the totals' checksum.
Usage: python3 assess_numpy.py UNITS.csv SCHEME.json RUNS
"""
import json
import sys
import time

import numpy as np

units = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
scheme = json.load(open(sys.argv[2]))
runs = int(sys.argv[3])
weight = np.array(scheme["weight"])
bench = np.array(scheme["benchmark"])
cost = np.array(scheme["cost"], dtype=bool)
cap, min_land, minimums = scheme["cap"], scheme["min_land"], np.array(scheme["minimums"])


def score(u):
    land = u[:, 0]
    num, den = u[:, 1::2], u[:, 2::2]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = num / den
        ratio = np.where(cost, bench / value, value / bench)
    ratio = np.where(cost & (value == 0), cap, ratio)
    total = (weight * np.minimum(ratio, cap)).sum(axis=1)
    total = np.where(land >= min_land, total, np.nan)
    tier = np.searchsorted(-minimums, -total, side="right")
    return total, tier


times = []
for _ in range(runs):
    t = time.perf_counter()
    total, tier = score(units)
    times.append((time.perf_counter() - t) * 1e3)
times.sort()
print(times[len(times) // 2])
print(repr(float(np.nansum(total))))
