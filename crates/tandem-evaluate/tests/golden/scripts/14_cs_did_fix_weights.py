"""Callaway-Sant'Anna on a balanced panel whose sampling weights change over time: R did's
`fix_weights` (NULL, "base_period", "first_period", "varying"), analytic SEs, from csdid 0.4.3
(drdid 1.1.7), which implements R did's rule:

  ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", data,
        control_group, xformla, panel=True, weights_name="w", base_period,
        fix_weights).fit(est_method, bstrap=False); .aggte(typec, bstrap=False)

Input: inputs/mpdta.csv with a weight that changes every year, computed (not stored) as
w = 0.5 + ((countyreal + 3 * year) mod 11) / 8.

The rules: NULL (R's default) takes each 2x2 comparison's weights from the earlier of its two
periods, as the covariates; "base_period" from the cohort's last pre-treatment period in every
cell of the cohort; "first_period" from the first period; "varying" estimates every cell with
the repeated cross-section estimators, each observation with its own weight, the influence
functions summed within a county (R did's route for this option). The aggregations weigh
cohorts by the first period's weights.

"varying" is run under the varying base period only: under the universal one csdid 0.4.3
mislabels the cells of its repeated cross-section path (see 13_cs_did_rc.py). Its panel path
under the universal base period mislabels the pre-treatment cells too, with or without
weights (unweighted, its (2006, 2005), the reference cell, holds minus moderndid's
ATT(2006, 2004), and (2006, 2003) is missing), so there only the post-treatment cells are a
reference; the tests compare those.

Outputs
  cs_mpdta_tvw_attgt.csv   config_id, fix_weights ("none" for NULL), est_method, xformla, control_group,
                           base_period, group, time, att, se
  cs_mpdta_tvw_aggte.csv   config_id, agg, overall_att, overall_se (varying base period)
"""
from __future__ import annotations

import contextlib
import io
import itertools
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_mpdta, write_csv  # noqa: E402

warnings.simplefilter("ignore")


def with_weights() -> pd.DataFrame:
    data = load_mpdta()
    data["w"] = 0.5 + ((data["countyreal"] + 3 * data["year"]) % 11) / 8
    return data


def fit(data, cfg):
    from csdid.att_gt import ATTgt
    fix = None if cfg["fix_weights"] == "none" else cfg["fix_weights"]
    a = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
              data=data.copy(), control_group=cfg["control_group"],
              xformla=None if cfg["xformla"] == "~1" else cfg["xformla"], panel=True,
              weights_name="w", base_period=cfg["base_period"], fix_weights=fix)
    with contextlib.redirect_stdout(io.StringIO()):
        return a.fit(est_method=cfg["est_method"], bstrap=False)


def main():
    data = with_weights()
    cells, aggs = [], []
    grid = itertools.product(["none", "base_period", "first_period", "varying"],
                             ["dr", "ipw", "reg"], ["~1", "~lpop"],
                             ["nevertreated", "notyettreated"], ["varying", "universal"])
    for i, (fix, est, xf, cg, bp) in enumerate(grid, start=1):
        if fix == "varying" and bp == "universal":
            continue
        cfg = dict(config_id=f"w{i:02d}", fix_weights=fix, est_method=est, xformla=xf,
                   control_group=cg, base_period=bp)
        res = fit(data, cfg)
        cells.append(pd.DataFrame({"group": res.results["group"], "time": res.results["year"],
                                   "att": res.results["att"], "se": res.results["se"]})
                     .assign(**cfg))
        if bp == "varying":
            for agg in ["simple", "dynamic", "group", "calendar"]:
                with contextlib.redirect_stdout(io.StringIO()):
                    res.aggte(typec=agg, bstrap=False)
                aggs.append(dict(config_id=cfg["config_id"], agg=agg,
                                 overall_att=res.atte["overall_att"],
                                 overall_se=res.atte["overall_se"]))
    cols = ["config_id", "fix_weights", "est_method", "xformla", "control_group", "base_period",
            "group", "time", "att", "se"]
    write_csv(pd.concat(cells)[cols], "cs_mpdta_tvw_attgt.csv")
    write_csv(pd.DataFrame(aggs), "cs_mpdta_tvw_aggte.csv")


if __name__ == "__main__":
    main()
