"""att_gt / aggte / synth / sdid against the golden outputs the Rust tests use
(crates/tandem-evaluate/tests/golden: moderndid, the exact simplex QP, synthdid) and, where
csdid installs, side by side with it on the same data."""
import warnings

import numpy as np
import pandas as pd
import pytest

import tandem
from conftest import EVALUATE, read

AGG = {"simple": {}, "dynamic": {}, "group": {}, "calendar": {},
       "dynamic(balance_e=1)": {"type": "dynamic", "balance_e": 1},
       "dynamic(min_e=-2,max_e=2)": {"type": "dynamic", "min_e": -2, "max_e": 2}}


@pytest.fixture(scope="module")
def mpdta():
    return read(EVALUATE, "inputs/mpdta.csv")


@pytest.fixture(scope="module")
def prop99():
    return read(EVALUATE, "inputs/california_prop99.csv", sep=";")


def _configs():
    return read(EVALUATE, "outputs/cs_mpdta_configs.csv").to_dict("records")


def _fit(mpdta, cfg):
    return tandem.att_gt(
        "lemp", "year", "countyreal", "first.treat", mpdta,
        xformla=None if cfg["xformla"] == "~1" else cfg["xformla"],
        control_group=cfg["control_group"], est_method=cfg["est_method"],
        base_period=cfg["base_period"], anticipation=int(cfg["anticipation"]),
    )


def _tol(cfg):
    # The golden README's tolerances: 1e-12 without covariates; 1e-8 (estimates) and 1e-6
    # relative (standard errors) with them.
    cov = cfg["xformla"] != "~1"
    return (1e-8, 1e-6) if cov else (1e-12, 1e-9)


@pytest.mark.parametrize("cfg", _configs(), ids=lambda c: c["config_id"])
def test_att_gt_and_aggte_match_moderndid_golden(mpdta, cfg):
    est_tol, se_rel = _tol(cfg)
    res = _fit(mpdta, cfg)
    gold = read(EVALUATE, "outputs/cs_mpdta_attgt.csv")
    gold = gold[gold.config_id == cfg["config_id"]]
    ours = res.table.set_index(["group", "time"]).loc[list(zip(gold.group, gold.time))]
    np.testing.assert_allclose(ours.att, gold.att, rtol=0, atol=est_tol)
    np.testing.assert_allclose(ours.se, gold.se, rtol=se_rel, equal_nan=True)
    assert res.Wdf == cfg["wald_df"]
    assert res.W == pytest.approx(cfg["wald_stat"], rel=1e-6)
    agg = read(EVALUATE, "outputs/cs_mpdta_aggte.csv")
    agg = agg[agg.config_id == cfg["config_id"]]
    for tag, rows in agg.groupby("agg"):
        kw = dict(AGG[tag])
        a = tandem.aggte(res, type=kw.pop("type", tag), **kw)
        overall = rows[rows.level == "overall"].iloc[0]
        assert a.overall_att == pytest.approx(overall.estimate, abs=est_tol)
        assert a.overall_se == pytest.approx(overall.se, rel=se_rel)
        levels = rows[rows.level != "overall"]
        if len(levels):
            mine = a.table.set_index(a.table.columns[0]).loc[levels.label.astype(int)]
            np.testing.assert_allclose(mine.estimate, levels.estimate, rtol=0, atol=est_tol)
            np.testing.assert_allclose(mine.se, levels.se, rtol=se_rel)


def test_results_print_and_errors_are_python_exceptions(mpdta):
    res = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta)
    text = repr(res)
    assert "Wald pre-test" in text and "2004" in text
    assert "-0.0400" in repr(tandem.aggte(res, type="simple"))
    with pytest.raises(tandem.TandemError, match="control_group"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta, control_group="all")
    with pytest.raises(KeyError, match="lemp2"):
        tandem.att_gt("lemp2", "year", "countyreal", "first.treat", mpdta)


def test_synth_matches_exact_golden(prop99):
    res = tandem.synth(prop99, "PacksPerCapita", "State", "Year", "California", 1989,
                       placebo=True, max_pre_mspe=5)
    w = read(EVALUATE, "outputs/scm_prop99_weights.csv").set_index("unit").w_exact
    np.testing.assert_allclose(res.weights.reindex(w.index), w, rtol=0, atol=1e-8)
    summary = read(EVALUATE, "outputs/scm_prop99_summary.csv").set_index("item").value
    assert res.att == pytest.approx(summary.att_post_mean_gap, rel=1e-8)
    assert res.pre_rmspe == pytest.approx(summary.pre_rmspe, rel=1e-8)
    assert res.rmspe_ratio == pytest.approx(summary.rmspe_ratio, rel=1e-7)
    path = read(EVALUATE, "outputs/scm_prop99_path.csv")
    np.testing.assert_allclose(res.path.synthetic, path.synthetic_exact, rtol=1e-9)
    # README: the placebo p-value is 3/39, and 3/32 among placebos with pre-MSPE <= 5x.
    assert res.p_value == pytest.approx(3 / 39) and res.p_value_filtered == pytest.approx(3 / 32)
    assert "Utah" in repr(res)


def test_sdid_matches_synthdid_golden(prop99):
    est = read(EVALUATE, "outputs/sdid_prop99_estimates.csv").set_index("estimator")
    for kind in ["sdid", "sc", "did"]:
        r = tandem.sdid(prop99, "State", "Year", "PacksPerCapita", "treated", estimator=kind)
        assert r.estimate == pytest.approx(est.loc[kind, "tau"], rel=1e-9), kind
    r = tandem.sdid(prop99, "State", "Year", "PacksPerCapita", "treated")
    omega = read(EVALUATE, "outputs/sdid_prop99_weights_omega.csv")
    omega = omega[omega.estimator == "sdid"].set_index("unit").omega
    np.testing.assert_allclose(r.omega.reindex(omega.index), omega, rtol=0, atol=1e-9)
    lam = read(EVALUATE, "outputs/sdid_prop99_weights_lambda.csv")
    lam = lam[lam.estimator == "sdid"].set_index("year")["lambda"]
    np.testing.assert_allclose(r.lambda_.reindex(lam.index), lam, rtol=0, atol=1e-9)


def test_sdid_placebo_se_is_in_the_reference_range(prop99):
    # The draws are tandem's generator, not numpy's: compare with the spread of synthdid's
    # placebo SEs over seeds (as the Rust test does, more loosely).
    ref = read(EVALUATE, "outputs/sdid_prop99_placebo_se.csv")
    ref = ref[(ref.estimator == "sdid") & (ref.method == "placebo")].se
    r = tandem.sdid(prop99, "State", "Year", "PacksPerCapita", "treated", se="placebo", seed=7)
    assert abs(r.se - ref.mean()) < 5 * ref.std()


def test_plots_draw_when_matplotlib_is_installed(mpdta, prop99):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    res = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta)
    res.plot()
    tandem.aggte(res, type="dynamic").plot()
    tandem.synth(prop99, "PacksPerCapita", "State", "Year", "California", 1989).plot()
    tandem.sdid(prop99, "State", "Year", "PacksPerCapita", "treated").plot()


def test_side_by_side_with_csdid(mpdta):
    pytest.importorskip("csdid")
    from csdid.att_gt import ATTgt
    ref = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                data=mpdta, control_group="nevertreated").fit(est_method="dr", bstrap=False)
    ours = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta)
    np.testing.assert_allclose(ours.att, np.asarray(ref.results["att"], dtype=float), atol=1e-12)
    np.testing.assert_allclose(ours.se, np.asarray(ref.results["se"], dtype=float), rtol=1e-9)


def test_unbalanced_panel_is_balanced_as_r_did_and_csdid_do(mpdta):
    data = mpdta.drop(mpdta.index[[5, 77, 1000]]).reset_index(drop=True)
    data.loc[10, "lemp"] = np.nan
    with pytest.warns(UserWarning) as caught:
        ours = tandem.att_gt("lemp", "year", "countyreal", "first.treat", data)
    said = [str(w.message) for w in caught]
    assert "dropped 1 rows from original data due to missing data" in said
    assert "Dropped 4 observations while converting to balanced panel." in said
    complete = data.dropna(subset=["lemp"])
    kept = complete[complete.groupby("countyreal").year.transform("count") == 5]
    same = tandem.att_gt("lemp", "year", "countyreal", "first.treat", kept)
    np.testing.assert_array_equal(ours.att, same.att)
    np.testing.assert_array_equal(ours.se, same.se)
    with pytest.raises(ValueError, match="all observations dropped"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat",
                      data[data.year != 2004].assign(year=lambda d: d.year + d.countyreal % 2))
    pytest.importorskip("csdid")
    from csdid.att_gt import ATTgt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                    data=data.dropna(subset=["lemp"]).reset_index(drop=True),
                    control_group="nevertreated").fit(est_method="dr", bstrap=False)
    np.testing.assert_allclose(ours.att, np.asarray(ref.results["att"], dtype=float), atol=1e-12)
    np.testing.assert_allclose(ours.se, np.asarray(ref.results["se"], dtype=float), rtol=1e-9)


def test_clustering_by_the_unit_changes_nothing(mpdta):
    args = ("lemp", "year", "countyreal", "first.treat", mpdta)
    # Clustering by unit is what att_gt does anyway.
    by_unit = tandem.att_gt(*args, clustervars="countyreal")
    np.testing.assert_array_equal(by_unit.se, tandem.att_gt(*args).se)


def _rc_sample(mpdta):
    """60 % of mpdta's rows, with a weight per county: the golden input of the Rust tests."""
    return read(EVALUATE, "inputs/mpdta_rc.csv")


@pytest.mark.parametrize("est_method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("sampling", ["cross_sections", "unbalanced"])
def test_repeated_cross_sections_and_unbalanced_panels_side_by_side_with_csdid(
        mpdta, est_method, sampling):
    pytest.importorskip("csdid")
    from csdid.att_gt import ATTgt
    rows = _rc_sample(mpdta).drop(columns="rowid")
    rc = sampling == "cross_sections"
    for xformla, weights, control_group in [(None, None, "nevertreated"),
                                            ("~ lpop", "w", "notyettreated")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = ATTgt(yname="lemp", gname="first.treat", idname=None if rc else "countyreal",
                        tname="year", data=rows.copy(), control_group=control_group,
                        xformla=xformla, panel=not rc, allow_unbalanced_panel=not rc,
                        weights_name=weights).fit(est_method=est_method, bstrap=False)
            ref.aggte(typec="dynamic", bstrap=False)
        ours = tandem.att_gt("lemp", "year", None if rc else "countyreal", "first.treat", rows,
                             xformla=xformla, weightsname=weights, control_group=control_group,
                             est_method=est_method, panel=not rc, allow_unbalanced_panel=not rc)
        assert ours.sampling == sampling
        assert ours.n == (len(rows) if rc else rows.countyreal.nunique())
        np.testing.assert_allclose(ours.att, np.asarray(ref.results["att"], float), atol=1e-10)
        np.testing.assert_allclose(ours.se, np.asarray(ref.results["se"], float), rtol=1e-9)
        dynamic = tandem.aggte(ours, type="dynamic")
        assert dynamic.overall_att == pytest.approx(ref.atte["overall_att"], abs=1e-10)
        assert dynamic.overall_se == pytest.approx(ref.atte["overall_se"], rel=1e-9)
        label = "observations (repeated cross-sections)" if rc else "units (unbalanced panel)"
        assert label in repr(ours)


@pytest.mark.parametrize("fix_weights", [None, "base_period", "first_period", "varying"])
def test_time_varying_weights_side_by_side_with_csdid(mpdta, fix_weights):
    """R did's fix_weights on a balanced panel whose weights change every year."""
    pytest.importorskip("csdid")
    from csdid.att_gt import ATTgt
    data = mpdta.assign(w=0.5 + ((mpdta.countyreal + 3 * mpdta.year) % 11) / 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                    data=data.copy(), control_group="notyettreated", xformla="~ lpop",
                    weights_name="w", fix_weights=fix_weights).fit(est_method="dr",
                                                                   bstrap=False)
        ref.aggte(typec="simple", bstrap=False)
    with pytest.warns(UserWarning, match="Time-varying weights detected"):
        ours = tandem.att_gt("lemp", "year", "countyreal", "first.treat", data,
                             xformla="~ lpop", weightsname="w", control_group="notyettreated",
                             fix_weights=fix_weights)
    np.testing.assert_allclose(ours.att, np.asarray(ref.results["att"], float), atol=1e-10)
    np.testing.assert_allclose(ours.se, np.asarray(ref.results["se"], float), rtol=1e-9)
    simple = tandem.aggte(ours, type="simple")
    assert simple.overall_att == pytest.approx(ref.atte["overall_att"], abs=1e-10)
    assert simple.overall_se == pytest.approx(ref.atte["overall_se"], rel=1e-9)


def test_fix_weights_is_checked_as_r_does(mpdta):
    with pytest.raises(ValueError, match="fix_weights must be None or one of"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta, fix_weights="last")
    with pytest.raises(ValueError, match="not supported for repeated cross sections"):
        tandem.att_gt("lemp", "year", None, "first.treat", mpdta, panel=False,
                      fix_weights="first_period")
    rows = _rc_sample(mpdta)
    with pytest.raises(tandem.TandemError, match="needs a balanced panel"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat", rows, weightsname="w",
                      allow_unbalanced_panel=True, fix_weights="base_period")


def test_repeated_cross_sections_handle_missing_rows_ids_and_clusters(mpdta):
    rows = _rc_sample(mpdta).drop(columns="rowid")
    args = ("lemp", "year", None, "first.treat")
    holed = rows.copy()
    holed.loc[[3, 40], "lemp"] = np.nan
    with pytest.warns(UserWarning, match="dropped 2 rows from original data due to missing data"):
        dropped = tandem.att_gt(*args, holed, panel=False)
    same = tandem.att_gt(*args, holed.dropna(subset=["lemp"]), panel=False)
    np.testing.assert_array_equal(dropped.att, same.att)
    assert dropped.n == len(rows) - 2
    # An idname given with panel=False must be unique, as in R.
    with pytest.raises(ValueError, match="must be unique when panel=False"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat", rows, panel=False)
    with pytest.raises(ValueError, match="idname is needed with panel=True"):
        tandem.att_gt(*args, rows)
    # A balanced panel with allow_unbalanced_panel=True uses the panel estimators, as R.
    balanced = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta,
                             allow_unbalanced_panel=True)
    assert balanced.sampling == "panel"
    np.testing.assert_array_equal(
        balanced.se, tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta).se)
    # Clustered bootstrap over the rows' counties.
    clustered = tandem.att_gt(*args, rows, panel=False, clustervars="countyreal", bstrap=True,
                              biters=400, seed=3)
    assert np.all(np.isfinite(clustered.se)) and np.all(clustered.se > 0)


def test_clustered_bootstrap_as_r_mboot(mpdta):
    data = mpdta.assign(state=mpdta.countyreal // 1000, alias=mpdta.countyreal * 7 + 1)
    args = ("lemp", "year", "countyreal", "first.treat", data)
    boot = dict(bstrap=True, cband=True, biters=999, seed=11)
    plain = tandem.att_gt(*args, **boot)
    # One unit per cluster, in the units' own order: exactly the unclustered bootstrap.
    alias = tandem.att_gt(*args, clustervars=["countyreal", "alias"], **boot)
    np.testing.assert_array_equal(alias.se, plain.se)
    # By state: the same estimates, other standard errors, and the aggregations follow.
    state = tandem.att_gt(*args, clustervars="state", **boot)
    np.testing.assert_array_equal(state.att, plain.att)
    assert not np.allclose(state.se, plain.se, rtol=0.02)
    assert np.all((state.se > 0.2 * plain.se) & (state.se < 5 * plain.se))
    simple_state = tandem.aggte(state, type="simple")
    simple_plain = tandem.aggte(plain, type="simple")
    assert simple_state.overall_att == simple_plain.overall_att
    assert simple_state.overall_se != simple_plain.overall_se
    with pytest.warns(UserWarning, match="NOT accounting for clustering"):
        analytic = tandem.att_gt(*args, clustervars="state")
    np.testing.assert_array_equal(analytic.se, tandem.att_gt(*args).se)
    with pytest.raises(ValueError, match="at most one variable besides idname"):
        tandem.att_gt(*args, clustervars=["state", "alias"], **boot)
    moving = data.assign(state=data.state + (data.year == 2007) * (data.countyreal % 2))
    with pytest.raises(ValueError, match="varies over time"):
        tandem.att_gt("lemp", "year", "countyreal", "first.treat", moving,
                      clustervars="state", **boot)


def test_side_by_side_with_pysyncon(prop99):
    # pysyncon with custom_V = the predictors' variances solves the same problem (SC-1) with
    # SLSQP; the golden files record its weights within 2e-5 of the exact QP's.
    pysyncon = pytest.importorskip("pysyncon")
    pre = list(range(1970, 1989))
    controls = sorted(set(prop99.State) - {"California"})
    dp = pysyncon.Dataprep(
        foo=prop99, predictors=[], predictors_op="mean", dependent="PacksPerCapita",
        unit_variable="State", time_variable="Year", treatment_identifier="California",
        controls_identifier=controls, time_predictors_prior=pre, time_optimize_ssr=pre,
        special_predictors=[("PacksPerCapita", [y], "mean") for y in pre],
    )
    x0, x1 = dp.make_covariate_mats()
    syn = pysyncon.Synth()
    syn.fit(dataprep=dp, custom_V=pd.concat([x0, x1], axis=1).var(axis=1).to_numpy())
    theirs = pd.Series(np.asarray(syn.W), index=x0.columns)
    ours = tandem.synth(prop99, "PacksPerCapita", "State", "Year", "California", 1989,
                        controls_identifier=controls)
    np.testing.assert_allclose(ours.weights.reindex(theirs.index), theirs, rtol=0, atol=1e-4)


SPECIAL = [("PacksPerCapita", [1975], "mean"), ("PacksPerCapita", [1980], "mean"),
           ("PacksPerCapita", [1988], "mean")]


def _with_covariate(prop99):
    df = prop99.copy()
    df["x"] = np.sin(np.arange(len(df))) + df.PacksPerCapita / 50
    return df


def test_synth_predictors_side_by_side_with_pysyncon_dataprep(prop99):
    pytest.importorskip("pysyncon")
    from pysyncon import Dataprep, Synth
    df = _with_covariate(prop99)
    controls = sorted(set(df.State) - {"California"})
    names = dict(predictors=["x"], time_predictors_prior=range(1980, 1989),
                 special_predictors=SPECIAL, time_optimize_ssr=range(1970, 1989))
    dp = Dataprep(foo=df, predictors_op="mean", dependent="PacksPerCapita",
                  unit_variable="State", time_variable="Year",
                  treatment_identifier="California", controls_identifier=controls, **names)
    args = (df, "PacksPerCapita", "State", "Year", "California", 1989)
    searched = tandem.synth(*args, **names)
    # The predictor table is pysyncon's X1 and X0.
    X0, X1 = dp.make_covariate_mats()
    np.testing.assert_allclose(searched.predictors[controls].to_numpy(), X0.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(searched.predictors["California"].to_numpy(), X1.to_numpy(), rtol=1e-12)
    # ADH's V: a loss at most pysyncon's (its Nelder-Mead from equal weights, inexact SLSQP).
    ref = Synth()
    ref.fit(dp)
    assert searched.loss_V <= ref.loss_V * (1 + 1e-9)
    assert searched.V.sum() == pytest.approx(1.0) and (searched.V >= 0).all()
    gap = searched.path.set_index("time").gap.loc[1970:1988]
    assert searched.loss_V == pytest.approx(float((gap ** 2).mean()), rel=1e-12)
    # A custom V: tandem's weights solve the inner problem at least as well as pysyncon's.
    V = np.array([0.1, 0.2, 0.3, 0.4])
    custom = tandem.synth(*args, custom_V=V, **names)
    ref_custom = Synth()
    ref_custom.fit(dp, custom_V=V)
    X = pd.concat([X0, X1], axis=1)
    scaled = X.divide(X.std(axis=1), axis=0)

    def inner(w):
        r = scaled["California"].to_numpy() - scaled[controls].to_numpy() @ w
        return r @ np.diag(V) @ r

    ours = custom.weights.reindex(controls).fillna(0).to_numpy()
    assert inner(ours) <= inner(np.asarray(ref_custom.W)) + 1e-12
    np.testing.assert_allclose(custom.V.to_numpy(), V / V.sum())
    assert "loss_V" in repr(custom)
    # Other treated units, two covariates: the searched V fits at least as well each time.
    rng = np.random.default_rng(5)
    df["x2"] = rng.normal(size=len(df))
    for treated in ["Nevada", "Georgia"]:
        others = sorted(set(df.State) - {treated})
        more = dict(names, predictors=["x", "x2"], time_predictors_prior=range(1970, 1989))
        prep = Dataprep(foo=df, predictors_op="mean", dependent="PacksPerCapita",
                        unit_variable="State", time_variable="Year",
                        treatment_identifier=treated, controls_identifier=others, **more)
        theirs = Synth()
        theirs.fit(prep)
        ours = tandem.synth(df, "PacksPerCapita", "State", "Year", treated, 1989, **more)
        assert ours.loss_V <= theirs.loss_V * (1 + 1e-9), treated


def test_synth_predictors_placebos_and_errors(prop99):
    df = _with_covariate(prop99)
    args = (df, "PacksPerCapita", "State", "Year", "California", 1989)
    res = tandem.synth(*args, special_predictors=SPECIAL, custom_V=[1, 1, 1], placebo=True)
    assert len(res.placebos) == 39 and 0 < res.p_value <= 1
    with pytest.raises(ValueError, match="predictors_op"):
        tandem.synth(*args, predictors=["x"], predictors_op="mode")
    holed = df[~((df.State == "Utah") & (df.Year.between(1980, 1988)))]
    with pytest.raises(ValueError, match="no value for unit 'Utah'"):
        tandem.synth(holed, *args[1:], predictors=["x"], time_predictors_prior=range(1980, 1989))
    with pytest.raises(tandem.TandemError, match="custom_V has 2 values for 3 predictors"):
        tandem.synth(*args, special_predictors=SPECIAL, custom_V=[1, 1])


def test_bootstrap_against_moderndid_spread_over_seeds(mpdta):
    # The draws are tandem's generator, not numpy's: one run's bootstrap SE / analytic SE and
    # the uniform critical value must lie in moderndid's 1 %-99 % range over 100 seeds,
    # widened by 3 sd (as the Rust test does).
    var = read(EVALUATE, "outputs/cs_mpdta_boot_variability.csv")
    cells = var[var.object == "attgt"]
    res = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta,
                        bstrap=True, cband=True, biters=1000, seed=20240101)
    again = tandem.att_gt("lemp", "year", "countyreal", "first.treat", mpdta,
                          bstrap=True, cband=True, biters=1000, seed=20240101)
    np.testing.assert_array_equal(res.se, again.se)
    table = res.table.set_index(["group", "time"])
    for r in cells.itertuples():
        g, t = (int(x[1:]) for x in r.key.split("_"))
        ratio = table.loc[(g, t), "se"] / r.analytic_se
        assert r.ratio_q01 - 3 * r.ratio_sd <= ratio <= r.ratio_q99 + 3 * r.ratio_sd, r.key
    crit = cells.iloc[0]
    assert crit.crit_q01 - 3 * crit.crit_sd <= res.c <= crit.crit_q99 + 3 * crit.crit_sd
    np.testing.assert_allclose(res.se_analytic, cells.set_index("key").analytic_se.loc[
        [f"g{g}_t{t}" for g, t in zip(res.group, res.t)]], rtol=1e-12)
    agg = tandem.aggte(res, type="dynamic")
    assert "simultaneous band" in repr(agg) and agg.overall_se > 0
    assert agg.crit_val_egt > 1.96
