r"""Impact evaluation (``tandem-evaluate``) with the reference packages' argument names.

* :func:`att_gt` and :func:`aggte`: Callaway & Sant'Anna (2021) group-time average treatment
  effects and their aggregations, named as R ``did`` (and ``csdid``/``moderndid``);
* :func:`synth`: synthetic control (Abadie, Diamond & Hainmueller 2010), named after
  pysyncon's ``Dataprep``;
* :func:`sdid`: synthetic difference-in-differences (Arkhangelsky et al. 2021), as R
  ``synthdid``'s ``panel.matrices`` + ``synthdid_estimate``.

Every result prints a summary table and has ``plot()`` (matplotlib). Inputs are long panels
(one row per unit and period), balanced and complete: nothing is imputed.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import _tandem
from ._frames import require_columns, to_pandas
from ._results import Result, event_plot, pyplot, text_table, with_ci, z_value


def _covariates(xformla):
    if xformla is None:
        return []
    rhs = xformla.split("~", 1)[-1]
    names = [t.strip() for t in rhs.split("+") if t.strip() and t.strip() != "1"]
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise ValueError(
            f"xformla {xformla!r}: only sums of column names are supported (\"~ x1 + x2\"); "
            f"compute {bad} as columns first"
        )
    return names


def _ints(series, name):
    values = pd.to_numeric(series, errors="raise")
    if values.isna().any():
        raise ValueError(f"{name}: missing values; every row needs one")
    if not np.all(np.equal(np.mod(values, 1), 0)):
        raise ValueError(f"{name}: periods must be integers (years, quarters numbered 1..)")
    return np.ascontiguousarray(values.to_numpy(dtype=np.int64))


def _floats(series):
    return np.ascontiguousarray(pd.to_numeric(series).to_numpy(dtype=np.float64))


class AttGtResult(Result):
    r"""ATT(g,t) of :func:`att_gt`, R ``did``'s ``MP`` in Python.

    Attributes: ``group``, ``t``, ``att``, ``se`` (arrays, one per cell; with ``bstrap`` the
    bootstrap standard errors, as R, and ``se_analytic`` the analytic ones), ``c`` (the
    critical value of the intervals: the bootstrap's uniform one with ``cband``, else the
    normal quantile), ``n`` (units), ``W``, ``Wdf``, ``Wpval`` (Wald pre-test of parallel
    trends, W = n a'V⁻¹a over the pre-treatment cells, p = P(χ²(df) > W)), ``sampling``
    (``"panel"``, ``"unbalanced"`` or ``"cross_sections"``, where ``n`` counts observations),
    ``table``
    (DataFrame with event time, ``alp``-level intervals ``att ∓ c·se`` and the cell sizes),
    ``notes``.
    """

    def __init__(self, native, alp, yname, boot=None, cluster=None, sampling="panel"):
        self._native = native
        self.sampling = sampling
        self.alp = alp
        self.yname = yname
        self.boot = boot  # (biters, seed, cband) or None
        self.cluster = cluster  # a cluster code per unit, in native.unit_ids' order, or None
        table = pd.DataFrame(native.cells())
        self.se_analytic = table["se"].to_numpy()
        self.c = z_value(alp)
        if boot is not None:
            biters, seed, cband = boot
            b = native.bootstrap(biters, seed, alp, cluster=cluster)
            table["se"] = b["se"]
            if cband and b["critical_value"] is not None:
                self.c = b["critical_value"]
        table["ci_lower"] = table["att"] - self.c * table["se"]
        table["ci_upper"] = table["att"] + self.c * table["se"]
        self.table = table
        self.group = self.table["group"].to_numpy()
        self.t = self.table["time"].to_numpy()
        self.att = self.table["att"].to_numpy()
        self.se = self.table["se"].to_numpy()
        self.n = native.n_units
        wald = native.wald()
        self.W, self.Wdf, self.Wpval = wald if wald is not None else (None, None, None)
        self.notes = native.notes()

    def summary(self):
        cols = ["group", "time", "att", "se", "ci_lower", "ci_upper"]
        lines = [
            f"Group-time average treatment effects (Callaway & Sant'Anna 2021), outcome {self.yname}",
            text_table(self.table[cols]),
            f"{int(100 * (1 - self.alp))}% {_inference(self.boot)}; {self.n} "
            + ("observations (repeated cross-sections)" if self.sampling == "cross_sections"
               else "units" + (" (unbalanced panel)" if self.sampling == "unbalanced" else "")),
        ]
        if self.W is not None:
            lines.append(f"Wald pre-test of parallel trends: W = {self.W:.4f}, df = {self.Wdf}, p = {self.Wpval:.4f}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def aggte(self, type="group", **kw):  # noqa: A002 - R's name
        """The same as :func:`aggte` (``result.aggte("dynamic")``)."""
        return aggte(self, type=type, **kw)

    def plot(self, ax=None):
        """One panel per cohort: ATT(g,t) with pointwise intervals, post periods marked."""
        plt = pyplot()
        groups = sorted(set(self.group))
        if ax is None:
            _, axes = plt.subplots(len(groups), 1, figsize=(7, 2.4 * len(groups)), squeeze=False)
            axes = axes[:, 0]
        else:
            axes = [ax] * len(groups)
        for a, g in zip(axes, groups):
            part = self.table[self.table.group == g]
            event_plot(a, part.time, part.att, part.se, self.alp, f"cohort {g}")
            a.axvline(g - 0.5, color="red", ls=":", lw=0.8)
            a.set_title(f"cohort {g}")
        return axes


def _inference(boot):
    if boot is None:
        return "pointwise intervals; analytic standard errors"
    biters, seed, cband = boot
    band = "simultaneous band" if cband else "pointwise intervals"
    return f"{band}; multiplier-bootstrap standard errors ({biters} draws, seed {seed})"


def _complete_balanced_panel(df, idname, tname, needed):
    """R ``did``'s preprocessing of a panel (``panel=TRUE, allow_unbalanced_panel=FALSE``):
    rows missing any value that is used are dropped, then the units not observed in every
    period, each step with R's warning."""
    complete = df[needed].notna().all(axis=1)
    if not complete.all():
        dropped = int((~complete).sum())
        warnings.warn(f"dropped {dropped} rows from original data due to missing data")
        df = df[complete]
    periods = df[tname].nunique()
    observed = df.groupby(idname, sort=False)[tname].transform("nunique")
    balanced = (observed == periods).to_numpy()
    if not balanced.all():
        if not balanced.any():
            raise ValueError(
                "att_gt: all observations dropped to convert data to a balanced panel: no unit "
                f"is observed in all {periods} periods; check idname and tname"
            )
        units = df.loc[~balanced, idname].nunique()
        warnings.warn(f"Dropped {units} observations while converting to balanced panel.")
        df = df[balanced]
    return df


def att_gt(yname, tname, idname, gname, data, xformla=None, control_group="nevertreated",
           anticipation=0, weightsname=None, alp=0.05, bstrap=False, cband=False, biters=1000,
           est_method="dr", base_period="varying", seed=20240101, panel=True,
           allow_unbalanced_panel=False, clustervars=None, fix_weights=None):
    r"""Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021), with R
    ``did::att_gt``'s argument names and defaults.

    ATT(g,t) = E[Y_t − Y_{b} | G = g] − E[Y_t − Y_{b} | C], b the base period (t−1 before
    treatment with ``base_period="varying"``, the last period before g − ``anticipation``
    otherwise) and C the comparison group (``"nevertreated"``: G = 0; ``"notyettreated"``:
    also the cohorts g' > max(t, b) + anticipation); each 2x2 estimated by the doubly robust
    (``"dr"``, Sant'Anna & Zhao 2020), inverse probability weighting (``"ipw"``) or outcome
    regression (``"reg"``) estimator with the covariates of ``xformla`` ("~ x1 + x2").
    ``gname`` is the first treated period, 0 (or missing) for never treated. Standard errors
    are analytic (from the influence functions) unless ``bstrap=True``: then R's multiplier
    bootstrap (``biters`` Mammen draws from tandem's generator seeded by ``seed``, so the
    draws differ from R's) gives them, and ``cband=True`` the simultaneous band. R's defaults
    are ``bstrap=TRUE, cband=TRUE``; here both are off, so that results are exact and
    reproducible without a seed. Agrees with moderndid/R did to 1e-12 without covariates
    (``python/tests/test_evaluate.py``).

    As R with ``panel=True, allow_unbalanced_panel=False`` (the defaults), rows missing a
    value that is used are dropped, then the units not observed in every period, each with
    R's warning (a missing ``gname`` means never treated and drops nothing).

    ``panel=False`` treats the rows as repeated cross-sections (``idname`` may be None; if
    given it must be unique): each 2x2 takes the observations of the cohort and of the
    comparison group in periods t and b and uses Sant'Anna & Zhao's repeated cross-section
    estimators (``drdid_rc``: τ = (E[w₁₁(Y−μ₀)]/E[w₁₁] − E[w₁₀(Y−μ₀)]/E[w₁₀]) −
    (E[w₀₁(Y−μ₀)]/E[w₀₁] − E[w₀₀(Y−μ₀)]/E[w₀₀]) plus the local-efficiency terms,
    w₁τ = w·D·[T=τ], w₀τ = w·p(X)(1−D)[T=τ]/(1−p(X)), μ₀ the comparison's regression in
    each period; ``std_ipw_did_rc``; ``reg_did_rc``). Each observation is its own unit: ``n``
    counts observations. ``allow_unbalanced_panel=True`` uses the same estimators on an
    unbalanced panel and sums each unit's influence function over its observations (R's
    clustering by unit); a panel that turns out balanced uses the panel estimators, as R.
    Rows missing a used value are dropped, with R's warning. Covariates are each
    observation's own. Agrees with csdid 0.4.3 (R did's port) to 1e-10.

    Weights that change over time within a unit of a panel are allowed, with R's warning;
    ``fix_weights`` says which period's weights each 2x2 comparison uses: ``None`` (R's
    default) the earlier of its two periods, ``"base_period"`` the cohort's last
    pre-treatment period, ``"first_period"`` the first period, ``"varying"`` each
    observation its own (the repeated cross-section estimators, clustered by unit). The
    aggregations weigh cohorts by the first period's weights. Agrees with csdid 0.4.3 to
    1e-10 (``crates/tandem-evaluate/tests/did_fix_weights.rs``). ``"base_period"`` and
    ``"first_period"`` need a balanced panel (R refuses them for repeated cross-sections;
    on an unbalanced panel tandem refuses them too, where csdid drops the units missing
    that period).

    ``clustervars`` (``idname`` and at most
    one more variable, fixed within each unit) clusters the bootstrap as R's ``mboot``: the
    influence functions are summed within clusters and one multiplier is drawn per cluster,
    so the standard error is about sqrt(Σ_c S_c²)/n; the analytic standard errors ignore it,
    with R's warning.
    """
    cluster_var = _cluster_variable(clustervars, idname)
    df = to_pandas(data, "att_gt")
    covs = _covariates(xformla)
    need = [yname, tname, gname] + ([idname] if idname is not None else []) + covs
    need += ([weightsname] if weightsname else []) + ([cluster_var] if cluster_var else [])
    require_columns(df, need, "att_gt")
    used = [c for c in need if c != gname]
    _check_fix_weights(fix_weights, panel)
    if panel and idname is None:
        raise ValueError("att_gt: idname is needed with panel=True; set panel=False for "
                         "repeated cross-sections")
    if panel and not allow_unbalanced_panel:
        df, sampling = _complete_balanced_panel(df, idname, tname, used), "panel"
    else:
        df, sampling = _complete_rows(df, idname, tname, used, panel)
    if sampling == "cross_sections":
        unit = np.arange(len(df), dtype=np.int64)
    else:
        ids = df[idname]
        unit = (_ints(ids, idname) if pd.api.types.is_numeric_dtype(ids)
                else pd.factorize(ids)[0].astype(np.int64))
    cohort = _ints(df[gname].fillna(0), gname)
    if weightsname and panel and (df.groupby(idname)[weightsname].nunique() > 1).any():
        warnings.warn(
            "Time-varying weights detected. For balanced panel data, the default behavior "
            "uses the weight from the earlier of the two time periods in each 2x2 comparison "
            "(the base period for post-treatment cells). Use the 'fix_weights' argument to "
            "control this behavior."
        )
    native = _tandem.att_gt_long(
        np.ascontiguousarray(unit), _ints(df[tname], tname), _floats(df[yname]), cohort,
        [_floats(df[c]) for c in covs], None if weightsname is None else _floats(df[weightsname]),
        control_group, est_method, base_period, int(anticipation), sampling, fix_weights,
    )
    boot = (int(biters), int(seed), bool(cband)) if bstrap else None
    cluster = None
    if cluster_var is not None:
        who = idname if sampling != "cross_sections" else "observations"
        cluster = _unit_clusters(df[cluster_var], unit, native.unit_ids, who, cluster_var)
        if not bstrap:
            warnings.warn("clustering the standard errors requires using the bootstrap, "
                          "resulting standard errors are NOT accounting for clustering")
    return AttGtResult(native, alp, yname, boot, cluster, sampling)


def _check_fix_weights(fix_weights, panel):
    """R did's checks of ``fix_weights``."""
    if fix_weights not in (None, "varying", "base_period", "first_period"):
        raise ValueError("fix_weights must be None or one of 'varying', 'base_period', or "
                         f"'first_period', got {fix_weights!r}")
    if not panel and fix_weights in ("base_period", "first_period"):
        raise ValueError(f"fix_weights = '{fix_weights}' is not supported for repeated cross "
                         "sections. Use fix_weights = 'varying' or None instead.")


def _complete_rows(df, idname, tname, needed, panel):
    """R ``did``'s preprocessing for ``panel=False`` or ``allow_unbalanced_panel=True``: rows
    missing any value that is used are dropped, with R's warning. Returns the rows and how
    they are sampled: ``"cross_sections"`` (``panel=False``; an ``idname``, if given, must be
    unique), else ``"panel"`` when the rows turn out balanced (R then uses the panel
    estimators) and ``"unbalanced"`` otherwise."""
    complete = df[needed].notna().all(axis=1)
    if not complete.all():
        warnings.warn(f"dropped {int((~complete).sum())} rows from original data due to "
                      "missing data")
        df = df[complete]
    if len(df) == 0:
        raise ValueError("att_gt: all observations dropped due to missing data")
    if not panel:
        if idname is not None and df[idname].duplicated().any():
            raise ValueError(
                f"att_gt: the values of idname {idname!r} must be unique when panel=False; for "
                "units observed in several periods use panel=True (with "
                "allow_unbalanced_panel=True if the panel is incomplete)"
            )
        return df, "cross_sections"
    balanced = len(df) == df[idname].nunique() * df[tname].nunique()
    return df, ("panel" if balanced else "unbalanced")


def _cluster_variable(clustervars, idname):
    """R's ``clustervars``: the unit itself (no further clustering) and at most one more
    variable, whose name is returned (``None`` for none)."""
    names = [clustervars] if isinstance(clustervars, str) else list(clustervars or [])
    extra = [c for c in names if c != idname]
    if len(extra) > 1:
        raise ValueError(
            f"att_gt: clustervars={names!r}: at most one variable besides idname "
            f"({idname!r}), as in R did"
        )
    return extra[0] if extra else None


def _unit_clusters(labels, unit, unit_ids, idname, name):
    """A cluster code per unit, in the order of the fitted influence functions; a cluster
    that varies within a unit is an error (R did requires it fixed over time)."""
    codes = pd.Series(pd.factorize(labels)[0], index=unit)
    varying = codes.groupby(level=0).nunique() > 1
    if varying.any():
        raise ValueError(
            f"att_gt: clustervars {name!r} varies over time within {varying.sum()} units of "
            f"{idname!r}; a cluster must be fixed for each unit, as in R did"
        )
    return codes.groupby(level=0).first().reindex(unit_ids).to_numpy(np.int64)


class AggteResult(Result):
    r"""An aggregation of :func:`att_gt` (R ``did``'s ``AGGTEobj``): ``overall_att``,
    ``overall_se``, ``type``, ``egt`` (event times, cohorts or periods), ``att_egt``,
    ``se_egt``, ``crit_val_egt`` and ``table``; bootstrapped when the :func:`att_gt` was."""

    def __init__(self, res, type_, alp, boot=None):
        self.type = type_
        self.alp = alp
        self.boot = boot
        self.overall_att = res["overall_att"]
        self.overall_se = res["overall_se"]
        name = {"dynamic": "event_time", "group": "group", "calendar": "time"}.get(type_, "level")
        table = pd.DataFrame({name: res["label"], "estimate": res["estimate"], "se": res["se"]})
        self.crit_val_egt = z_value(alp)
        if "boot" in res:
            table["se"] = res["boot"]["se"]
            self.overall_se = res["boot_overall_se"]
            if boot[2] and res["boot"]["critical_value"] is not None:
                self.crit_val_egt = res["boot"]["critical_value"]
        table["ci_lower"] = table["estimate"] - self.crit_val_egt * table["se"]
        table["ci_upper"] = table["estimate"] + self.crit_val_egt * table["se"]
        self.table = table
        self.egt = res["label"]
        self.att_egt = res["estimate"]
        self.se_egt = self.table["se"].to_numpy()

    def summary(self):
        lines = [f"Aggregated treatment effects ({self.type})"]
        if self.overall_att is not None:
            se = self.overall_se if self.overall_se is not None else float("nan")
            overall = pd.DataFrame({"ATT": [self.overall_att], "se": [se]})
            lines.append(text_table(with_ci(overall.rename(columns={"ATT": "estimate"}), self.alp)))
        if len(self.table):
            lines.append(text_table(self.table))
        lines.append(f"{int(100 * (1 - self.alp))}% {_inference(self.boot)}")
        return "\n".join(lines)

    def plot(self, ax=None):
        """The aggregated effects with pointwise intervals (an event-study plot for dynamic)."""
        plt = pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        event_plot(ax, self.table.iloc[:, 0], self.table.estimate, self.table.se, self.alp, self.type)
        ax.set_xlabel(self.table.columns[0])
        ax.set_ylabel("ATT")
        return ax


def aggte(MP, type="group", balance_e=None, min_e=None, max_e=None, alp=None):  # noqa: A002,N803
    r"""Aggregates ATT(g,t) (R ``did::aggte``; default ``type="group"`` as in R):

    * ``"simple"``: θ = Σ_{t≥g} P(G=g) ATT(g,t) / Σ_{t≥g} P(G=g);
    * ``"dynamic"``: θ(e) = Σ_g P(G=g | g+e observed) ATT(g, g+e), overall = mean over e ≥ 0
      (``min_e``, ``max_e``, ``balance_e`` as in R);
    * ``"group"``: θ(g) = mean of ATT(g,t) over t ≥ g, overall = Σ_g P(G=g) θ(g);
    * ``"calendar"``: θ(t) = Σ_{g≤t} P(G=g) ATT(g,t) / Σ_{g≤t} P(G=g), overall = mean θ(t).
    """
    if not isinstance(MP, AttGtResult):
        raise TypeError("aggte: pass the result of tandem.att_gt(...)")
    alp = MP.alp if alp is None else alp
    boot = MP.boot
    res = _tandem.aggte_result(
        MP._native, type, min_e=min_e, max_e=max_e, balance_e=balance_e,
        bootstrap=None if boot is None else (boot[0], boot[1], alp), cluster=MP.cluster,
    )
    return AggteResult(res, type, alp, boot)


class SynthResult(Result):
    r"""A fitted synthetic control: ``weights`` (Series by donor), ``path`` (DataFrame: the
    treated unit's outcome, the synthetic outcome and the gap by period), ``att`` (mean
    post-period gap), ``pre_rmspe``, ``post_rmspe``, ``rmspe_ratio`` and, with placebos,
    ``p_value`` (share of units whose post/pre RMSPE ratio is at least the treated unit's),
    ``placebos`` (DataFrame) and ``p_value_filtered``; with predictors, ``V`` (Series by
    predictor, summing to one), ``loss_V`` (mean squared gap over ``time_optimize_ssr``) and
    ``predictors`` (the unscaled predictor table, one row per predictor and one column per
    unit: pysyncon's X1 and X0 side by side)."""

    def __init__(self, res, treated, start, dependent):
        self.treated, self.start, self.dependent = treated, start, dependent
        self.weights = pd.Series(res["weights"], index=res["donors"], name="weight")
        self.path = pd.DataFrame({"time": res["periods"], "treated": res["treated_outcome"],
                                  "synthetic": res["synthetic"], "gap": res["gaps"]})
        for k in ("att", "pre_mspe", "post_mspe", "pre_rmspe", "post_rmspe", "rmspe_ratio"):
            setattr(self, k, res[k])
        self.p_value = res.get("placebo_p_value")
        self.p_value_filtered = res.get("placebo_p_value_filtered")
        self.placebos = (pd.DataFrame(res["placebos"], columns=["unit", "pre_mspe", "rmspe_ratio"])
                         if "placebos" in res else None)
        self.V, self.loss_V, self.predictors = None, None, None

    def summary(self):
        w = self.weights[self.weights > 1e-8].sort_values(ascending=False)
        lines = [
            f"Synthetic control for {self.treated} (treated from {self.start}), outcome {self.dependent}",
            text_table(pd.DataFrame({"donor": w.index, "weight": w.to_numpy()})),
            f"ATT (mean post gap) {self.att:.4f}; pre RMSPE {self.pre_rmspe:.4f}; "
            f"post RMSPE {self.post_rmspe:.4f}; ratio {self.rmspe_ratio:.4f}",
        ]
        if self.V is not None:
            lines.append(text_table(pd.DataFrame({"predictor": self.V.index, "V": self.V.to_numpy()})))
            lines.append(f"loss_V (mean squared gap over the optimisation periods) {self.loss_V:.4f}")
        if self.p_value is not None:
            lines.append(f"In-space placebo p-value {self.p_value:.4f} ({len(self.placebos)} units)")
        if self.p_value_filtered is not None:
            lines.append(f"  among placebos with a comparable pre-fit: {self.p_value_filtered:.4f}")
        return "\n".join(lines)

    def plot(self, ax=None):
        """The treated unit against its synthetic control, treatment start marked."""
        plt = pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(self.path.time, self.path.treated, label=str(self.treated))
        ax.plot(self.path.time, self.path.synthetic, ls="--", label="synthetic")
        ax.axvline(self.start, color="grey", ls=":")
        ax.set_ylabel(self.dependent)
        ax.legend()
        return ax


_PREDICTOR_OPS = ("mean", "std", "median", "sum", "count", "max", "min", "var")


def synth(data, dependent, unit_variable, time_variable, treatment_identifier, treatment_start,
          controls_identifier=None, placebo=False, max_pre_mspe=None, predictors=None,
          predictors_op="mean", time_predictors_prior=None, special_predictors=None,
          time_optimize_ssr=None, custom_V=None):  # noqa: N803 - pysyncon's name
    r"""Synthetic control (Abadie, Diamond & Hainmueller 2010): weights w ≥ 0, Σ w = 1
    minimising (X₁ − X₀w)'V(X₁ − X₀w), with pysyncon's names (``dependent``,
    ``unit_variable``, ``time_variable``, ``treatment_identifier``, ``controls_identifier``;
    ``treatment_start`` is the first treated period). The weights are solved exactly (an
    active-set simplex QP).

    Without ``predictors`` and ``special_predictors``, X is the pre-period outcomes and V = I:
    w minimises Σ_{t<T0} (Y_1t − Σ_j w_j Y_jt)².

    With them, X is built as pysyncon's ``Dataprep``: each column of ``predictors``
    aggregated by ``predictors_op`` (``"mean"``, ``"std"``, ``"median"``, ``"sum"``,
    ``"count"``, ``"max"``, ``"min"``, ``"var"``) over ``time_predictors_prior`` (default:
    the pre-treatment periods), then each ``special_predictors`` entry ``(column, periods,
    op)``; each row divided by its standard deviation across the treated unit and the
    donors (ddof 1), as R Synth and pysyncon. V is ``custom_V`` (one value per predictor) or,
    by default, ADH's data-driven V: diagonal, summing to one, minimising
    loss_V = mean_{t ∈ time_optimize_ssr} (Y_1t − Σ_j w_j(V) Y_jt)² (default: the
    pre-treatment periods), searched by Nelder-Mead from pysyncon's start (equal weights)
    and from each predictor alone (the best is kept; the loss has local minima). Because the inner weights
    are exact, ``loss_V`` is the loss of the weights reported; pysyncon's inner SLSQP stops
    early, so its weights, and sometimes its V, differ.

    ``placebo=True`` refits each donor against the other donors (searching its own V when V
    is searched, as pysyncon's ``PlaceboTest``) and gives the placebo p-value;
    ``max_pre_mspe=K`` also the p-value among the placebos whose pre-period MSPE is at most
    K times the treated unit's (ADH 2010 use 20, 5, 2).
    """
    df = to_pandas(data, "synth")
    require_columns(df, [dependent, unit_variable, time_variable], "synth")
    if controls_identifier is not None:
        keep = set(controls_identifier) | {treatment_identifier}
        df = df[df[unit_variable].isin(keep)]
    spec = None
    if predictors is not None or special_predictors is not None:
        spec = _synth_predictors(df, unit_variable, time_variable, treatment_start,
                                 predictors or [], predictors_op, time_predictors_prior,
                                 special_predictors or [], time_optimize_ssr, custom_V)
    res = _tandem.synth_long(
        df[unit_variable].astype(str).tolist(), _ints(df[time_variable], time_variable),
        _floats(df[dependent]), str(treatment_identifier), int(treatment_start),
        placebo=bool(placebo), max_pre_mspe=max_pre_mspe, predictors=spec,
    )
    result = SynthResult(res, treatment_identifier, treatment_start, dependent)
    if spec is not None:
        result.V = pd.Series(res["v"], index=spec["names"], name="V")
        result.predictors = pd.DataFrame(
            np.reshape(spec["values"], (len(spec["names"]), -1)), index=spec["names"],
            columns=spec["units"])
        ssr = result.path[result.path.time.isin(spec["loss_periods"])]
        result.loss_V = float((ssr.gap ** 2).mean())
    return result


def _synth_predictors(df, unit, time, start, predictors, op, prior, special, ssr, custom_v):
    """pysyncon's ``Dataprep.make_covariate_mats``: the predictor table (one row per
    predictor, one column per unit), with the V given or the periods of the V search."""
    periods = np.sort(pd.unique(df[time]))
    pre = [int(t) for t in periods if t < start]
    require_columns(df, list(predictors) + [c for c, _, _ in special], "synth")
    if op not in _PREDICTOR_OPS:
        raise ValueError(f"synth: predictors_op {op!r} is not one of {_PREDICTOR_OPS}")
    units = df[unit].astype(str)
    rows, names = [], []
    window = df[df[time].isin(pre if prior is None else list(prior))]
    for column in predictors:
        rows.append(window.groupby(units[window.index])[column].agg(op))
        names.append(str(column))
    for i, (column, when, how) in enumerate(special, start=1):
        if how not in _PREDICTOR_OPS:
            raise ValueError(f"synth: special predictor {column!r}: op {how!r} is not one of "
                             f"{_PREDICTOR_OPS}")
        part = df[df[time].isin(list(np.atleast_1d(when)))]
        rows.append(part.groupby(units[part.index])[column].agg(how))
        names.append(f"special.{i}.{column}")
    table = pd.DataFrame(rows, index=names).reindex(columns=pd.unique(units))
    missing = table.isna()
    if missing.any().any():
        name, who = missing.stack()[lambda m: m].index[0]
        raise ValueError(f"synth: predictor {name!r} has no value for unit {who!r} in its "
                         "periods; missing is not zero: give it a value or drop the unit")
    if custom_v is not None:
        custom_v = [float(v) for v in np.ravel(custom_v)]
    return {"names": names, "units": [str(u) for u in table.columns],
            "values": table.to_numpy(dtype=float).ravel().tolist(), "custom_v": custom_v,
            "loss_periods": pre if ssr is None else [int(t) for t in ssr]}


class SdidResult(Result):
    r"""A synthetic DID estimate: ``estimate`` (τ), ``se`` (or None), ``omega`` (unit weights,
    Series), ``lambda_`` (time weights, Series), ``effect_curve`` (Series by post period),
    ``estimator``, ``noise_level``."""

    def __init__(self, res, estimator, outcome, alp=0.05):
        self.estimator, self.outcome, self.alp = estimator, outcome, alp
        self.estimate = res["tau"]
        self.se = res["se"]
        self.noise_level = res["noise_level"]
        self.omega = pd.Series(res["omega"], index=res["omega_units"], name="omega")
        self.lambda_ = pd.Series(res["lambda"], index=res["lambda_times"], name="lambda")
        self.effect_curve = pd.Series(res["effect_curve"], index=res["post_times"], name="effect")
        self.n0, self.n1, self.t0, self.t1 = res["n0"], res["n1"], res["t0"], res["t1"]

    def summary(self):
        name = {"sdid": "Synthetic DID", "sc": "Synthetic control", "did": "DID"}[self.estimator]
        lines = [f"{name} estimate of the effect on {self.outcome}: {self.estimate:.4f}"]
        if self.se is not None:
            z = z_value(self.alp)
            lines.append(f"se {self.se:.4f}; {int(100 * (1 - self.alp))}% CI "
                         f"[{self.estimate - z * self.se:.4f}, {self.estimate + z * self.se:.4f}]")
        lines.append(f"{self.n0} controls, {self.n1} treated; {self.t0} pre and {self.t1} post periods")
        w = self.omega[self.omega > 1e-8].sort_values(ascending=False).head(10)
        lines.append(text_table(pd.DataFrame({"unit": w.index, "omega": w.to_numpy()})))
        return "\n".join(lines)

    def plot(self, ax=None):
        """The effect in each post period, with the average τ."""
        plt = pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(self.effect_curve.index, self.effect_curve.to_numpy(), marker="o")
        ax.axhline(self.estimate, color="red", ls="--", label=f"τ = {self.estimate:.3f}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.legend()
        return ax


def sdid(data, unit, time, outcome, treatment, estimator="sdid", se=None, replications=200,
         seed=1):
    r"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager
    2021), replicating R ``synthdid``: the long panel is arranged as ``panel.matrices(panel,
    unit, time, outcome, treatment)`` does (``treatment`` = 1 for treated unit-periods, a
    block that starts together and stays on) and estimated as ``synthdid_estimate``
    (``estimator="sc"``/``"did"``: ``sc_estimate``/``did_estimate``):

    τ = (Ȳ_tr,post − Σ_t λ_t Ȳ_tr,t) − Σ_i ω_i (Ȳ_i,post − Σ_t λ_t Y_it),

    ω (units) and λ (periods) from regularised Frank-Wolfe fits. ``se``: ``"placebo"``
    (synthdid's default for one treated unit), ``"jackknife"``, ``"bootstrap"`` or None; the
    seeded draws are tandem's generator (``seed``), not R's.
    """
    df = to_pandas(data, "sdid")
    require_columns(df, [unit, time, outcome, treatment], "sdid")
    res = _tandem.sdid_long(
        df[unit].astype(str).tolist(), _ints(df[time], time), _floats(df[outcome]),
        (pd.to_numeric(df[treatment]) != 0).tolist(), estimator=estimator, se=se,
        replications=int(replications), seed=int(seed),
    )
    return SdidResult(res, estimator, outcome)
