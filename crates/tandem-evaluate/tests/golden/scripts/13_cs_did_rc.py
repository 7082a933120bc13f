"""Callaway-Sant'Anna for repeated cross-sections (R did's panel=FALSE) and unbalanced panels
(allow_unbalanced_panel=TRUE), analytic SEs, from two Python ports of R did on the same input:

  moderndid 0.2.0   att_gt(data, yname, tname, idname, gname, xformla, weightsname, est_method,
                    panel, allow_unbalanced_panel, control_group, base_period, boot=False)
  csdid 0.4.3       ATTgt(yname, gname, idname, tname, data, control_group, xformla, panel,
                    allow_unbalanced_panel, weights_name, base_period).fit(est_method,
                    bstrap=False); .aggte(typec, bstrap=False) (drdid 1.1.7's estimators)

Input: inputs/mpdta_rc.csv, written here: 60 % of mpdta's rows (pandas sample, random_state
1, in the sampled order) with a weight `w` = 0.5 + (countyreal mod 13) / 8, constant within a
county. As repeated cross-sections each row is its own unit (idname None / a row number); as
an unbalanced panel the unit is countyreal.

Where the two disagree (see the README):
  * dr with covariates, standard errors: R DRDID's drdid_rc (and moderndid, its port) add the
    estimation effect of the pre-period comparison regression with the wrong sign
    (inf.treat.or = post + pre); csdid's influence function is the exact derivative of the
    estimator (checked numerically in tandem's tests). They differ by ~1 % here.
  * base_period="universal": csdid 0.4.3 mislabels the periods of repeated cross-section
    cells and drops some; moderndid follows R.
  * moderndid 0.2.0 fails on unbalanced panels (an internal TypeError), so these have only
    csdid's values, under the varying base period.

Outputs
  cs_mpdta_rc_attgt.csv   config_id, sampling, est_method, xformla, control_group,
                          base_period, weights, group, time, att_moderndid, se_moderndid,
                          att_csdid, se_csdid (csdid empty under the universal base period)
  cs_mpdta_rc_aggte.csv   config_id, agg, overall_att, overall_se (csdid, varying base period)
"""
from __future__ import annotations

import contextlib
import io
import itertools
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import INPUTS, load_mpdta, write_csv  # noqa: E402

warnings.simplefilter("ignore")


def make_input() -> pd.DataFrame:
    rc = load_mpdta().sample(frac=0.6, random_state=1).reset_index(drop=True)
    rc["w"] = 0.5 + (rc["countyreal"] % 13) / 8
    rc["rowid"] = np.arange(len(rc))
    rc.to_csv(INPUTS / "mpdta_rc.csv", index=False, float_format="%.17g", lineterminator="\n")
    return rc


def moderndid_cells(rc, cfg):
    from moderndid import att_gt
    rows = cfg["sampling"] == "cross_sections"
    r = att_gt(rc, yname="lemp", tname="year", idname="rowid" if rows else "countyreal",
               gname="first.treat", xformla=None if cfg["xformla"] == "~1" else cfg["xformla"],
               weightsname=cfg["weights"] or None, est_method=cfg["est_method"],
               panel=not rows, allow_unbalanced_panel=not rows,
               control_group=cfg["control_group"], base_period=cfg["base_period"],
               boot=False, cband=False)
    return pd.DataFrame({"group": r.groups, "time": r.times, "att_moderndid": r.att_gt,
                         "se_moderndid": r.se_gt})


def csdid_fit(rc, cfg):
    from csdid.att_gt import ATTgt
    rows = cfg["sampling"] == "cross_sections"
    a = ATTgt(yname="lemp", gname="first.treat", idname=None if rows else "countyreal",
              tname="year", data=rc.drop(columns="rowid").copy(),
              control_group=cfg["control_group"],
              xformla=None if cfg["xformla"] == "~1" else cfg["xformla"],
              panel=not rows, allow_unbalanced_panel=not rows,
              weights_name=cfg["weights"] or None, base_period=cfg["base_period"])
    with contextlib.redirect_stdout(io.StringIO()):
        return a.fit(est_method=cfg["est_method"], bstrap=False)


def main():
    rc = make_input()
    cells, aggs = [], []
    grid = itertools.product(["cross_sections", "unbalanced"], ["dr", "ipw", "reg"],
                             ["~1", "~lpop"], ["nevertreated", "notyettreated"],
                             ["varying", "universal"], ["", "w"])
    for i, (sampling, est, xf, cg, bp, w) in enumerate(grid, start=1):
        cfg = dict(config_id=f"r{i:02d}", sampling=sampling, est_method=est, xformla=xf,
                   control_group=cg, base_period=bp, weights=w)
        if sampling == "unbalanced" and bp == "universal":
            continue
        if sampling == "cross_sections":
            md = moderndid_cells(rc, cfg)
        else:
            md = None
        if bp == "varying":
            fit = csdid_fit(rc, cfg)
            cs = pd.DataFrame({"group": fit.results["group"], "time": fit.results["year"],
                               "att_csdid": fit.results["att"], "se_csdid": fit.results["se"]})
            md = cs if md is None else md.merge(cs, on=["group", "time"], how="left")
            for agg in ["simple", "dynamic", "group", "calendar"]:
                with contextlib.redirect_stdout(io.StringIO()):
                    fit.aggte(typec=agg, bstrap=False)
                aggs.append(dict(config_id=cfg["config_id"], agg=agg,
                                 overall_att=fit.atte["overall_att"],
                                 overall_se=fit.atte["overall_se"]))
        else:
            md["att_csdid"], md["se_csdid"] = np.nan, np.nan
        cells.append(md.assign(**cfg))
    cols = ["config_id", "sampling", "est_method", "xformla", "control_group", "base_period",
            "weights", "group", "time", "att_moderndid", "se_moderndid", "att_csdid", "se_csdid"]
    write_csv(pd.concat(cells)[cols], "cs_mpdta_rc_attgt.csv")
    write_csv(pd.DataFrame(aggs), "cs_mpdta_rc_aggte.csv")


if __name__ == "__main__":
    main()
