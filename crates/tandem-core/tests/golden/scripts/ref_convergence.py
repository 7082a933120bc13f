"""Reference values for the convergence metrics (tandem_core::metrics::convergence,
::regression and the private ::distributions), computed with statsmodels / numpy / scipy.

Writes
  ../inputs/convergence_panel.csv        year, unit, gdp_per_capita   (41 units C01..C41 x 2012..2022;
                                          SYNTHETIC, yuan per person, integers, fixed seed)
  ../outputs/convergence_beta.csv        one row per data set: absolute beta-convergence table
  ../outputs/convergence_sigma.csv       year, n, mean_log, sd_log, cv   (numpy, ddof = 0)
  ../outputs/convergence_sigma_trend.csv term, estimate, std_error, t_value, p_value, r_squared
  ../outputs/convergence_rank.csv        year, unit, value, rank, percentile, n
and prints to stdout the Rust literals that are pasted into the unit tests of
crates/tandem-core/src/metrics/distributions.rs (Student t and F distribution functions,
ln Gamma, regularised incomplete beta; scipy.special / scipy.stats). Nothing here is needed
at test time: the Rust tests read the CSV files or carry the pasted numbers.

Formulas (the exact calls are below):
  beta:  g_i = (ln y_iT - ln y_i0) / T;  statsmodels OLS  g ~ 1 + ln y_i0  (classical covariance);
         speed = -ln(1 + b T) / T (empty when 1 + bT <= 0); half_life = ln 2 / speed (empty when speed <= 0)
  sigma: sd_log_t = numpy.std(ln y_t, ddof=0); cv_t = numpy.std(y_t, ddof=0) / mean(y_t);
         trend = statsmodels OLS  sd_log ~ 1 + year
  rank:  scipy.stats.rankdata(-values, method="min") (1 = highest, ties share the smallest rank);
         percentile = scipy.stats.percentileofscore(others, value, kind="strict")
         where `others` are the other units' values of that year.

Run:  python ref_convergence.py > rust_literals.txt
Environment used: Python 3.11.7, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0, pandas 3.1.1.
Floats are written with %.17g (round-trip exact).
"""
import os

import numpy as np
import pandas as pd
import scipy.special as sp
import scipy.stats as st
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
IN = os.path.join(HERE, "..", "inputs")
OUT = os.path.join(HERE, "..", "outputs")
FMT = "%.17g"
SEED = 20250301

# The worked example in the doc comment of `beta_convergence` (GDP per capita, 1000 yuan,
# six units, T = 10 years).
WORKED_Y0 = [12.0, 18.0, 25.0, 34.0, 50.0, 70.0]
WORKED_YT = [26.0, 33.0, 46.0, 52.0, 75.0, 90.0]
WORKED_T = 10.0


def make_panel():
    """41 units x 11 years of GDP per capita (yuan per person, integers)."""
    rng = np.random.default_rng(SEED)
    n, years = 41, np.arange(2012, 2023)
    ln_y0 = rng.normal(np.log(60000.0), 0.42, n)
    # conditional mean growth falls with the initial level (beta ~ -0.018) plus noise
    g = 0.075 - 0.018 * (ln_y0 - ln_y0.mean()) + rng.normal(0.0, 0.010, n)
    rows = []
    for k, t in enumerate(years):
        shock = np.zeros(n) if k == 0 else rng.normal(0.0, 0.015, n)
        ln_y = ln_y0 + g * k + shock
        for i in range(n):
            rows.append((int(t), f"C{i + 1:02d}", int(round(float(np.exp(ln_y[i]))))))
    return pd.DataFrame(rows, columns=["year", "unit", "gdp_per_capita"])


def beta_row(name, y0, yT, T):
    y0, yT = np.asarray(y0, float), np.asarray(yT, float)
    g = (np.log(yT) - np.log(y0)) / T
    X = sm.add_constant(np.log(y0))
    fit = sm.OLS(g, X).fit()
    b = fit.params[1]
    speed = -np.log1p(b * T) / T if 1 + b * T > 0 else None
    half = np.log(2) / speed if speed is not None and speed > 0 else None
    return {
        "dataset": name, "n": len(g), "years": T,
        "intercept": fit.params[0], "intercept_se": fit.bse[0],
        "intercept_t": fit.tvalues[0], "intercept_p": fit.pvalues[0],
        "slope": fit.params[1], "slope_se": fit.bse[1],
        "slope_t": fit.tvalues[1], "slope_p": fit.pvalues[1],
        "r_squared": fit.rsquared, "adj_r_squared": fit.rsquared_adj,
        "residual_se": np.sqrt(fit.scale), "f_statistic": fit.fvalue, "f_p_value": fit.f_pvalue,
        "speed": speed, "half_life": half,
    }


def write(df, path):
    df.to_csv(path, index=False, float_format=FMT, na_rep="")


def rust_literals():
    print("// ln Gamma: (x, scipy.special.gammaln(x))")
    for x in [0.5, 1.0, 1.5, 2.5, 3.0, 7.25, 10.0, 19.5, 100.0, 1234.5, 1e6]:
        print(f"    ({x!r}, {float(sp.gammaln(x))!r}),")
    print("// regularised incomplete beta: (a, b, x, scipy.special.betainc(a, b, x))")
    for a, b, x in [(0.5, 0.5, 0.3), (1.0, 1.0, 0.42), (2.0, 3.0, 0.4), (19.5, 0.5, 0.9),
                    (0.5, 19.5, 0.01), (5.0, 50.0, 0.2), (100.0, 100.0, 0.47),
                    (2.5, 1.5, 0.999), (30.0, 2.0, 0.5)]:
        print(f"    ({a!r}, {b!r}, {x!r}, {float(sp.betainc(a, b, x))!r}),")
    print("// Student t: (t, df, scipy.stats.t.cdf(t, df), two-sided p = 2 * t.sf(|t|, df))")
    for t, df in [(0.0, 1.0), (1.0, 1.0), (-2.5, 1.0), (0.5, 2.0), (-1.3, 3.0), (2.0, 4.0),
                  (-2.776, 4.0), (1.7, 10.0), (-3.5, 39.0), (0.05, 39.0), (6.0, 39.0),
                  (-12.0, 39.0), (2.0, 1000.0), (-4.0, 1e6), (1.5, 2.5), (40.0, 5.0)]:
        print(f"    ({t!r}, {df!r}, {float(st.t.cdf(t, df))!r}, {float(2 * st.t.sf(abs(t), df))!r}),")
    print("// F: (f, d1, d2, scipy.stats.f.cdf, scipy.stats.f.sf)")
    for f, d1, d2 in [(0.5, 1.0, 4.0), (1.0, 1.0, 1.0), (3.2, 2.0, 10.0), (7.71, 1.0, 4.0),
                      (15.0, 1.0, 39.0), (0.2, 5.0, 20.0), (2.5, 3.0, 100.0),
                      (1.1, 1000.0, 1000.0), (40.0, 1.0, 39.0), (0.0, 3.0, 7.0)]:
        print(f"    ({f!r}, {d1!r}, {d2!r}, {float(st.f.cdf(f, d1, d2))!r}, {float(st.f.sf(f, d1, d2))!r}),")


def main():
    os.makedirs(IN, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    panel = make_panel()
    write(panel, os.path.join(IN, "convergence_panel.csv"))

    wide = panel.pivot(index="unit", columns="year", values="gdp_per_capita").sort_index()
    rows = [
        beta_row("worked_example_6", WORKED_Y0, WORKED_YT, WORKED_T),
        beta_row("panel_41_2012_2022", wide[2012].values, wide[2022].values, 10.0),
    ]
    write(pd.DataFrame(rows), os.path.join(OUT, "convergence_beta.csv"))

    sig = []
    for t in sorted(panel.year.unique()):
        y = wide[t].values.astype(float)
        sig.append((int(t), len(y), np.mean(np.log(y)), np.std(np.log(y), ddof=0),
                    np.std(y, ddof=0) / np.mean(y)))
    sig = pd.DataFrame(sig, columns=["year", "n", "mean_log", "sd_log", "cv"])
    write(sig, os.path.join(OUT, "convergence_sigma.csv"))
    fit = sm.OLS(sig.sd_log.values, sm.add_constant(sig.year.values.astype(float))).fit()
    trend = pd.DataFrame({
        "term": ["intercept", "year"], "estimate": fit.params, "std_error": fit.bse,
        "t_value": fit.tvalues, "p_value": fit.pvalues, "r_squared": [fit.rsquared] * 2,
    })
    write(trend, os.path.join(OUT, "convergence_sigma_trend.csv"))

    rank_rows = []
    for t in [2012, 2022]:
        v = wide[t].values.astype(float)
        ranks = st.rankdata(-v, method="min")
        for i, unit in enumerate(wide.index):
            others = np.delete(v, i)
            pct = st.percentileofscore(others, v[i], kind="strict")
            rank_rows.append((t, unit, v[i], int(ranks[i]), pct, len(v)))
    write(pd.DataFrame(rank_rows, columns=["year", "unit", "value", "rank", "percentile", "n"]),
          os.path.join(OUT, "convergence_rank.csv"))

    rust_literals()


if __name__ == "__main__":
    main()
