//! The group-time ATT loop (moderndid's `compute_att_gt` for a balanced panel), analytic
//! standard errors and the Wald pre-test.

use faer::prelude::*;
use faer::{Mat, Side};

use super::cross_section::{estimate_cell_rows, prepare_rows, CellOutcome, CrossSectionData};
use super::estimators::{estimate, precheck, CellData};
use super::panel::{prepare, weights_note, Prepared};
use super::stats::chi2_sf;
use super::{
    AttGtOptions, AttGtResult, BasePeriod, ControlGroup, DidError, FixWeights, GroupTimeAtt,
    InfluenceMatrix, PanelData, SkippedCell, WaldPretest,
};

/// Standard errors at or below this are reported as missing (moderndid: `sqrt(eps) * 10`).
pub(crate) const SE_ZERO: f64 = 1.4901161193847656e-7;

/// Group-time average treatment effects ATT(g,t) of Callaway & Sant'Anna (2021).
///
/// For each treated cohort `g` and period `t` (all periods but the first under the varying
/// base period, all periods under the universal one), a 2x2 DiD compares the change
/// `Y_t - Y_b` of cohort `g` with that of the comparison group (see [`ControlGroup`]), where
/// the base period `b` follows [`BasePeriod`], using the estimator of
/// [`AttGtOptions::est_method`]. The unit-level influence function of each cell is rescaled
/// to the full sample (`ψ_i = n / n_gt · ψ_i^{2x2}` for units in the comparison, 0 otherwise)
/// and the analytic standard error is `sqrt(Σ_i ψ_i² / n) / sqrt(n)`.
///
/// Matches moderndid 0.2.0 `att_gt(..., boot=False)` (R `did::att_gt`). Errors on invalid or
/// unbalanced input (see [`DidError`]); cells that cannot be estimated are listed in
/// [`AttGtResult::skipped`].
pub fn att_gt(data: &PanelData, opts: &AttGtOptions) -> Result<AttGtResult, DidError> {
    let prep = prepare(data, opts)?;
    if opts.fix_weights != FixWeights::Varying {
        return estimate_cells(prep, opts);
    }
    // R did's "varying" weights: the balanced panel's cells are estimated as repeated
    // cross-sections, each observation with its own weight, clustered by unit.
    let rows = CrossSectionData {
        unit: Some(data.unit),
        time: data.time,
        outcome: data.outcome,
        cohort: data.cohort,
        covariates: data.covariates,
        weights: data.weights,
    };
    let mut result = att_gt_cross_sections(&rows, opts)?;
    let note = weights_note(FixWeights::Varying);
    if prep.notes.iter().any(|n| n == note) {
        result.notes.push(note.to_string());
    }
    Ok(result)
}

/// [`att_gt`] for repeated cross-sections (R `did`'s `panel = FALSE`) or an unbalanced panel
/// (`allow_unbalanced_panel = TRUE`), with the repeated cross-section estimators of
/// Sant'Anna & Zhao (2020): `drdid_rc`, `std_ipw_did_rc`, `reg_did_rc`.
///
/// Cell `(g, t)` compares the observations of cohort `g` in periods `t` and `b` with those of
/// the comparison group in the same two periods; covariates are each observation's own. The
/// influence function of each observation is rescaled to the sample (`n / n_gt`, `n_gt` the
/// observations of the cell, `n` the units) and summed within its unit, so
/// [`AttGtResult::unit_ids`] are units for a panel and 0-based row numbers of the input for
/// cross-sections (each its own unit). `n_treated` and `n_control` count observations.
///
/// Matches R `did::att_gt(panel = FALSE)` through csdid 0.4.3 / drdid 1.1.7 (see
/// `python/tests/test_evaluate.py`).
pub fn att_gt_cross_sections(
    data: &CrossSectionData,
    opts: &AttGtOptions,
) -> Result<AttGtResult, DidError> {
    estimate_cells(prepare_rows(data, opts)?, opts)
}

/// The ATT(g,t) loop over a prepared sample, the analytic standard errors and the Wald test.
fn estimate_cells(prep: Prepared, opts: &AttGtOptions) -> Result<AttGtResult, DidError> {
    let mut state = LoopState {
        cells: Vec::new(),
        skipped: Vec::new(),
        influence: InfluenceMatrix::with_rows(prep.n),
    };
    let n_slots = match opts.base_period {
        BasePeriod::Varying => prep.periods.len() - 1,
        BasePeriod::Universal => prep.periods.len(),
    };
    for &g in &prep.groups {
        for slot in 0..n_slots {
            process_cell(&prep, opts, g, slot, &mut state);
        }
    }
    if state.cells.is_empty() {
        return Err(DidError::NoEstimableCells);
    }
    let mut notes = prep.notes;
    let wald_pretest = wald(&state.cells, &state.influence, prep.n, &mut notes);
    Ok(AttGtResult {
        options: *opts,
        n_units: prep.n,
        time_periods: prep.periods,
        groups: prep.groups,
        cells: state.cells,
        skipped: state.skipped,
        wald_pretest,
        unit_ids: prep.unit_ids,
        unit_cohorts: prep.unit_g.iter().map(|g| g.unwrap_or(0)).collect(),
        unit_weights: prep.weights,
        notes,
        influence: state.influence,
    })
}

struct LoopState {
    cells: Vec<GroupTimeAtt>,
    skipped: Vec<SkippedCell>,
    influence: InfluenceMatrix,
}

/// Period indices of one cell: `t` and its base (moderndid's `run_att_gt_estimation`).
struct CellPeriods {
    t: usize,
    base: usize,
    /// moderndid's `time_idx` (index of `t` minus 1 under the varying base period).
    slot: usize,
    /// The period whose sampling weights the cell uses ([`FixWeights`]).
    weights: usize,
}

fn process_cell(prep: &Prepared, opts: &AttGtOptions, g: i64, slot: usize, state: &mut LoopState) {
    let varying = opts.base_period == BasePeriod::Varying;
    let t = slot + usize::from(varying);
    let time = prep.periods[t];
    let ant = i64::from(opts.anticipation);
    let last_pre = prep.periods.iter().rposition(|&p| p < g - ant);
    let post = g <= time;
    let base = if varying && !post {
        Some(slot)
    } else {
        last_pre
    };
    let Some(base) = base else {
        let reason = format!("no pre-treatment period for cohort {g}");
        state.skipped.push(SkippedCell {
            group: g,
            time,
            reason,
        });
        return;
    };
    if !varying && base == t {
        push_cell(state, prep, g, time, time, post, 0.0, (0, 0), None);
        return;
    }
    let weights = match opts.fix_weights {
        FixWeights::Earlier | FixWeights::Varying => base.min(slot),
        FixWeights::BasePeriod => last_pre.unwrap_or(0),
        FixWeights::FirstPeriod => 0,
    };
    let periods = CellPeriods {
        t,
        base,
        slot,
        weights,
    };
    match estimate_cell(prep, opts, g, &periods) {
        Ok((att, counts, inf)) => push_cell(
            state,
            prep,
            g,
            time,
            prep.periods[base],
            post,
            att,
            counts,
            Some(inf),
        ),
        Err(reason) => state.skipped.push(SkippedCell {
            group: g,
            time,
            reason,
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn push_cell(
    state: &mut LoopState,
    prep: &Prepared,
    g: i64,
    time: i64,
    base_time: i64,
    post: bool,
    att: f64,
    (n_treated, n_control): (usize, usize),
    inf: Option<Vec<f64>>,
) {
    let inf = inf.unwrap_or_else(|| vec![0.0; prep.n]);
    let se = analytic_se(&inf, prep.n);
    state.influence.push_column(&inf);
    state.cells.push(GroupTimeAtt {
        group: g,
        time,
        event_time: time - g,
        base_time,
        post,
        att,
        se,
        n_treated,
        n_control,
    });
}

/// `sqrt(Σ ψ² / n) / sqrt(n)`, `None` when not finite or below [`SE_ZERO`].
pub(crate) fn analytic_se(inf: &[f64], n: usize) -> Option<f64> {
    let n = n as f64;
    let se = (inf.iter().map(|v| v * v).sum::<f64>() / n / n).sqrt();
    (se.is_finite() && se > SE_ZERO).then_some(se)
}

/// Units of the comparison: `(unit index, treated?)`, in unit order.
fn comparison_units(
    prep: &Prepared,
    opts: &AttGtOptions,
    g: i64,
    p: &CellPeriods,
) -> Vec<(usize, bool)> {
    let relevant = match opts.base_period {
        BasePeriod::Varying => prep.periods[p.slot.max(p.base) + 1],
        BasePeriod::Universal => prep.periods[p.slot.max(p.base)],
    } + i64::from(opts.anticipation);
    let is_control = |gu: Option<i64>| match (opts.control_group, gu) {
        (_, None) => true,
        (ControlGroup::NeverTreated, Some(_)) => false,
        (ControlGroup::NotYetTreated, Some(gu)) => gu > relevant,
    };
    (0..prep.n)
        .filter_map(|i| {
            let gu = prep.unit_g[i];
            if gu == Some(g) {
                Some((i, true))
            } else {
                is_control(gu).then_some((i, false))
            }
        })
        .collect()
}

fn estimate_cell(
    prep: &Prepared,
    opts: &AttGtOptions,
    g: i64,
    p: &CellPeriods,
) -> Result<CellOutcome, String> {
    let units = comparison_units(prep, opts, g, p);
    if let Some(rows) = &prep.rows {
        let mut role = vec![None; prep.n];
        units
            .iter()
            .for_each(|&(i, treated)| role[i] = Some(treated));
        return estimate_cell_rows(prep, rows, opts, &role, (p.t, p.base));
    }
    let n_treated = units.iter().filter(|u| u.1).count();
    let n_control = units.len() - n_treated;
    if n_treated == 0 || n_control == 0 {
        return Err(format!(
            "no {} units",
            if n_treated == 0 {
                "treated"
            } else {
                "comparison"
            }
        ));
    }
    let cell = cell_data(prep, &units, p);
    let unweighted_ps = precheck(opts.est_method, &cell)?;
    let fit = estimate(opts.est_method, &cell, unweighted_ps)?;
    if !fit.att.is_finite() {
        return Err("the estimate is not finite".into());
    }
    let scale = prep.n as f64 / units.len() as f64;
    let mut inf = vec![0.0; prep.n];
    for (&(i, _), v) in units.iter().zip(&fit.inf) {
        inf[i] = scale * v;
    }
    Ok((fit.att, (n_treated, n_control), inf))
}

fn cell_data(prep: &Prepared, units: &[(usize, bool)], p: &CellPeriods) -> CellData {
    let n = prep.n;
    let (y1, y0) = (
        &prep.y[p.t * n..(p.t + 1) * n],
        &prep.y[p.base * n..(p.base + 1) * n],
    );
    let k = prep.kx + 1;
    let xp = p.base.min(p.slot);
    let mut x = Vec::with_capacity(units.len() * k);
    for &(i, _) in units {
        x.push(1.0);
        let r = (xp * n + i) * prep.kx;
        x.extend_from_slice(&prep.x[r..r + prep.kx]);
    }
    CellData {
        dy: units.iter().map(|&(i, _)| y1[i] - y0[i]).collect(),
        d: units
            .iter()
            .map(|&(_, tr)| f64::from(u8::from(tr)))
            .collect(),
        w: units
            .iter()
            .map(|&(i, _)| prep.period_weights[p.weights * n + i])
            .collect(),
        x,
        k,
    }
}

/// Wald pre-test over the cells with `g > t` and a finite standard error (moderndid).
fn wald(
    cells: &[GroupTimeAtt],
    inf: &InfluenceMatrix,
    n: usize,
    notes: &mut Vec<String>,
) -> Option<WaldPretest> {
    let pre: Vec<usize> = (0..cells.len())
        .filter(|&j| cells[j].group > cells[j].time && cells[j].se.is_some())
        .collect();
    if pre.is_empty() {
        notes
            .push("Wald pre-test not reported: no pre-treatment cell with a standard error".into());
        return None;
    }
    let q = pre.len();
    let nf = n as f64;
    let v = Mat::<f64>::from_fn(q, q, |a, b| {
        let (ca, cb) = (inf.column(pre[a]), inf.column(pre[b]));
        ca.iter().zip(cb).map(|(x, y)| x * y).sum::<f64>() / nf
    });
    if v.as_ref().norm_l2() == 0.0 || !full_rank(&v) {
        notes.push(
            "Wald pre-test not reported: singular covariance matrix of the pre-treatment cells"
                .into(),
        );
        return None;
    }
    let a = Mat::<f64>::from_fn(q, 1, |i, _| cells[pre[i]].att);
    let sol = v.partial_piv_lu().solve(&a);
    let statistic = nf * (0..q).map(|i| a[(i, 0)] * sol[(i, 0)]).sum::<f64>();
    if !statistic.is_finite() {
        notes.push("Wald pre-test not reported: numerical issues".into());
        return None;
    }
    Some(WaldPretest {
        statistic,
        df: q,
        p_value: chi2_sf(statistic, q as f64),
    })
}

/// numpy's `matrix_rank` test: singular values above `σ_max · q · eps`.
fn full_rank(v: &Mat<f64>) -> bool {
    let Ok(ev) = v.self_adjoint_eigenvalues(Side::Lower) else {
        return false;
    };
    let sv: Vec<f64> = ev.iter().map(|e| e.abs()).collect();
    let max = sv.iter().fold(0.0f64, |m, &s| m.max(s));
    let tol = max * v.nrows() as f64 * f64::EPSILON;
    sv.iter().all(|&s| s > tol)
}
