"""Regenerates inputs/bench_sdid_L2_Y.csv.gz (the input of outputs/bench_sdid_L2.csv), as
50_bench_large.py draws it, and prints synthdid-py 0.1.0's estimates on it.
Usage: python3 51_bench_sdid_L2_input.py OUT.csv.gz"""
import sys, gzip
import numpy as np
import synthdid as sd
rng = np.random.default_rng(7)
N0, N1, T0, T1 = 100, 10, 120, 20
N, T = N0 + N1, T0 + T1
U = rng.normal(0, 1, (N, 2)); V = rng.normal(0, 1, (T, 2))
Y = (U @ V.T) * 2 + rng.normal(0, 1, (N, 1)) + np.linspace(0, 2, T)[None, :] + rng.normal(0, 0.5, (N, T))
Y[N0:, T0:] += 1.0
with gzip.open(sys.argv[1], 'wt', compresslevel=9) as f:
    for row in Y:
        f.write(','.join('%.17g' % v for v in row) + '\n')
for name, fn in [("sdid", sd.synthdid_estimate), ("sc", sd.sc_estimate), ("did", sd.did_estimate)]:
    e = fn(Y, N0, T0)
    print(name, repr(float(e)), repr(float(sd.jackknife_se(e))))
