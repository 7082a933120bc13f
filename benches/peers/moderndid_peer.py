"""The peer of benches/src/bin/evaluate.rs: moderndid 0.2.0 on the same panel, the same work
(att_gt dr with ~x, multiplier bootstrap of 999 draws with uniform bands, four aggte).
Prints peer_seconds (median of --runs) and the simple ATT and SE (analytic, boot=False aggte)."""
import argparse, time, warnings
import pandas as pd
import moderndid as md

warnings.simplefilter("ignore")
ap = argparse.ArgumentParser()
ap.add_argument("--input", required=True)
ap.add_argument("--runs", type=int, default=3)
a = ap.parse_args()
df = pd.read_csv(a.input)

def work():
    t = time.perf_counter()
    res = md.att_gt(data=df, yname="y", tname="period", idname="id", gname="g", xformla="~x",
                    est_method="dr", boot=True, biters=999, cband=True, random_state=1)
    simple = md.aggte(res, type="simple", boot=False)
    for kind in ("dynamic", "group", "calendar"):
        md.aggte(res, type=kind, boot=False)
    return time.perf_counter() - t, simple

times = []
for _ in range(a.runs):
    s, simple = work()
    times.append(s)
times.sort()
print(f"peer_seconds={times[len(times)//2]:.4f}")
print(f"peer_simple_att={float(simple.overall_att):.12f}")
print(f"peer_simple_se={float(simple.overall_se):.12f}")
