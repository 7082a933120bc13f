"""tandem's registry queries (DataFusion, embedded and on a loopback Ballista cluster) against
DuckDB on the same Parquet files, in the same run.

Each query's SQL comes from `tandem registry ... --sql`, so DuckDB runs the very statement
tandem runs. Each run is a separate process, timed from start to exit (planning, reading the
Parquet files and writing the result as Parquet included) and measured for peak resident
memory with wait4(2). Results are compared row for row. Nothing is asserted: this prints.

Usage: python registry_duckdb.py --tandem PATH --registry DIR [--registry DIR ...]
                                  [--cluster ballista://HOST:PORT] [--repeat 3]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

QUERIES = {
    "panel-2digit": ["panel"],
    "panel-4digit": ["panel", "--digits", "4"],
    "flows-city": ["flows"],
    "flows-period": ["flows", "--by", "period"],
    "transfers": ["transfers"],
    "origin": ["origin"],
}

DUCKDB_WORKER = r"""
import sys, duckdb
registry, sql_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for t in ["firms", "establishments", "links", "address_changes"]:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{registry}/{t}.parquet')")
sql = open(sql_file).read().rstrip().rstrip(";")
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
"""


def timed(cmd):
    """Wall seconds and peak RSS (MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024.0


def best(cmd, repeat):
    runs = [timed(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


SAME_ROWS_WORKER = r"""
import sys, duckdb
a, b = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
q = "SELECT * FROM read_parquet('{}') EXCEPT ALL SELECT * FROM read_parquet('{}')"
n_a = con.execute(f"SELECT count(*) FROM read_parquet('{a}')").fetchone()[0]
n_b = con.execute(f"SELECT count(*) FROM read_parquet('{b}')").fetchone()[0]
d1 = con.execute(f"SELECT count(*) FROM ({q.format(a, b)})").fetchone()[0]
d2 = con.execute(f"SELECT count(*) FROM ({q.format(b, a)})").fetchone()[0]
print(int(n_a == n_b and d1 == 0 and d2 == 0), n_a)
"""


def same_rows(a, b):
    """Whether two Parquet results hold the same rows, and how many. In a child process: this
    one must stay small, because a forked child's peak memory counts its parent's pages."""
    out = subprocess.check_output([sys.executable, "-c", SAME_ROWS_WORKER, a, b]).decode().split()
    return out[0] == "1", int(out[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--registry", action="append", required=True)
    ap.add_argument("--cluster")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tandem-registry-bench-")
    rows = []
    for reg in args.registry:
        firms = reg.rstrip("/").rsplit("-", 1)[-1]
        for name, q in QUERIES.items():
            sql_file = os.path.join(tmp, f"{name}.sql")
            with open(sql_file, "w") as f:
                f.write(subprocess.check_output([args.tandem, "registry", *q, "--input", reg, "--sql"]).decode())
            t_out, d_out, c_out = (os.path.join(tmp, f"{name}-{k}.parquet") for k in "tdc")
            base = [args.tandem, "registry", *q, "--input", reg, "--format", "parquet", "--quiet"]
            t_s, t_m = best(base + ["--out", t_out], args.repeat)
            d_s, d_m = best([sys.executable, "-c", DUCKDB_WORKER, reg, sql_file, d_out], args.repeat)
            agree, n = same_rows(t_out, d_out)
            c_s = None
            if args.cluster:
                c_s, _ = best(base + ["--engine", args.cluster, "--out", c_out], 1)
                agree = agree and same_rows(t_out, c_out)[0]
            rows.append((firms, name, n, t_s, d_s, t_m, d_m, c_s, agree))
            c_text = f"{c_s:9.2f}" if c_s is not None else "        -"
            print(f"{firms:>9} {name:<13} rows={n:<9} tandem {t_s:7.2f} s {t_m:7.0f} MiB | "
                  f"duckdb {d_s:7.2f} s {d_m:7.0f} MiB | ratio {t_s / d_s:5.2f} | cluster {c_text} s | "
                  f"same rows: {'yes' if agree else 'NO'}", flush=True)
    print("== summary: tandem embedded / DuckDB wall time (target <= 1.5), and seconds per million firms")
    by_query = {}
    for firms, name, _, t_s, d_s, _, _, c_s, _ in rows:
        by_query.setdefault(name, []).append((int(firms), t_s, d_s, c_s))
    for name, runs in by_query.items():
        parts = []
        for firms, t_s, d_s, c_s in runs:
            c = f", cluster {c_s / firms * 1e6:.2f}" if c_s is not None else ""
            parts.append(f"{firms // 1_000_000}M: x{t_s / d_s:.2f} ({t_s / firms * 1e6:.2f} s/M{c})")
        print(f"{name:<13} " + "; ".join(parts))


if __name__ == "__main__":
    main()
