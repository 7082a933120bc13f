//! Repeated cross-sections and unbalanced panels: R `did`'s `panel = FALSE` and
//! `allow_unbalanced_panel = TRUE`.
//!
//! Every observation enters the 2x2 comparisons on its own, through the repeated
//! cross-section estimators of [`super::estimators_rc`]: cell `(g, t)` takes the observations
//! of period `t` and of its base period whose unit is in cohort `g` or in the comparison
//! group. The influence function of an observation is rescaled to the whole sample,
//! `ψ_i = n / n_gt · ψ_i^{2x2}` with `n_gt` the observations of the cell and `n` the units,
//! and summed within its unit. For repeated cross-sections each observation is its own unit
//! (`n` = observations, R's `rowid`); for an unbalanced panel the sums are per unit, so the
//! standard errors are clustered by unit. Covariates are each observation's own.

use std::collections::{HashMap, HashSet};

use super::estimators_rc::{estimate_rc, precheck_rc, RcCell};
use super::panel::{
    check_finite_row, check_group_sizes, check_lengths, cohorts, Cohorts, Prepared, Rows, Units,
};
use super::{AttGtOptions, DidError, FixWeights, PanelData};

/// Repeated cross-sections, or an unbalanced panel, in long form: one entry per observation,
/// all slices of equal length.
#[derive(Clone, Copy, Debug)]
pub struct CrossSectionData<'a> {
    /// The unit of each observation when the rows are an unbalanced panel; `None` when each
    /// observation is its own unit (repeated cross-sections).
    pub unit: Option<&'a [i64]>,
    /// Period of each observation (integer periods, e.g. years).
    pub time: &'a [i64],
    /// Outcome of each observation; must be finite (missing values are refused).
    pub outcome: &'a [f64],
    /// First treated period of the observation's unit or cohort (`0` = never treated);
    /// constant within a unit.
    pub cohort: &'a [i64],
    /// Covariate columns (without intercept), each one value per observation, taken in the
    /// observation's own period.
    pub covariates: &'a [&'a [f64]],
    /// Optional sampling weights, non-negative, one per observation (they may vary within a
    /// unit); normalised to mean 1.
    pub weights: Option<&'a [f64]>,
}

/// Validates and prepares the observations, with the same cohort handling as a panel
/// (recoding, the early-treated drop, the no-never-treated fallback).
pub(crate) fn prepare_rows(
    data: &CrossSectionData,
    opts: &AttGtOptions,
) -> Result<Prepared, DidError> {
    let row_ids: Vec<i64>;
    let unit = match data.unit {
        Some(u) => u,
        None => {
            row_ids = (0..data.time.len() as i64).collect();
            &row_ids
        }
    };
    let view = PanelData {
        unit,
        time: data.time,
        outcome: data.outcome,
        cohort: data.cohort,
        covariates: data.covariates,
        weights: data.weights,
    };
    check_lengths(&view)?;
    check_rows(&view)?;
    let rule = match opts.fix_weights {
        FixWeights::BasePeriod => Some("base_period"),
        FixWeights::FirstPeriod => Some("first_period"),
        FixWeights::Earlier | FixWeights::Varying => None,
    };
    if let (Some(rule), Some(_)) = (rule, data.weights) {
        return Err(DidError::FixWeightsNeedBalancedPanel { rule });
    }
    let (units, row_unit) = collect(&view, data.unit.is_some())?;
    let mean_w = view
        .weights
        .map_or(1.0, |w| w.iter().sum::<f64>() / w.len() as f64);
    if !(mean_w > 0.0 && mean_w.is_finite()) {
        return Err(DidError::InvalidWeight { unit: unit[0] });
    }
    let Cohorts {
        g,
        keep,
        periods,
        notes,
    } = cohorts(&units, opts)?;
    let kept: Vec<bool> = {
        let mut k = vec![false; units.ids.len()];
        keep.iter().for_each(|&u| k[u] = true);
        k
    };
    let sample = Sample {
        view: &view,
        units: &units,
        g: &g,
        row_unit: &row_unit,
        mean_w,
    };
    sample.build(&kept, periods, notes, opts)
}

/// Finite outcomes, covariates and weights in every row.
fn check_rows(data: &PanelData) -> Result<(), DidError> {
    for r in 0..data.time.len() {
        check_finite_row(data, r)?;
        if data
            .weights
            .is_some_and(|w| !(w[r].is_finite() && w[r] >= 0.0))
        {
            return Err(DidError::InvalidWeight { unit: data.unit[r] });
        }
    }
    Ok(())
}

/// The units (cohort fixed within each; weight the mean of its observations') and the unit
/// of each row. A unit observed twice in a period is an error for a panel.
fn collect(data: &PanelData, panel: bool) -> Result<(Units, Vec<usize>), DidError> {
    let mut periods: Vec<i64> = data.time.to_vec();
    periods.sort_unstable();
    periods.dedup();
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut seen: HashSet<(usize, i64)> = HashSet::new();
    let (mut ids, mut cohort, mut weight, mut count) = (vec![], vec![], vec![], vec![]);
    let mut row_unit = Vec::with_capacity(data.time.len());
    for r in 0..data.time.len() {
        let id = data.unit[r];
        let u = *index.entry(id).or_insert_with(|| {
            ids.push(id);
            cohort.push(data.cohort[r]);
            weight.push(0.0);
            count.push(0.0);
            ids.len() - 1
        });
        if cohort[u] != data.cohort[r] {
            return Err(DidError::CohortVariesWithinUnit { unit: id });
        }
        if panel && !seen.insert((u, data.time[r])) {
            return Err(DidError::DuplicateObservation {
                unit: id,
                time: data.time[r],
            });
        }
        weight[u] += data.weights.map_or(1.0, |w| w[r]);
        count[u] += 1.0;
        row_unit.push(u);
    }
    weight.iter_mut().zip(&count).for_each(|(w, c)| *w /= c);
    let units = Units {
        ids,
        cohort,
        weight,
        weights_vary: false,
        rows: Vec::new(),
        periods,
    };
    Ok((units, row_unit))
}

/// The validated input on its way to a [`Prepared`] sample.
struct Sample<'a> {
    view: &'a PanelData<'a>,
    units: &'a Units,
    g: &'a [Option<i64>],
    row_unit: &'a [usize],
    mean_w: f64,
}

impl Sample<'_> {
    /// Each unit's weight in the aggregations' cohort shares: the mean of its observations'
    /// (R did for unbalanced panels), or for a balanced panel under [`FixWeights::Varying`]
    /// its weight in the first period (csdid's and R did's rule there).
    fn unit_weights(
        &self,
        order: &[usize],
        obs: &Rows,
        periods: usize,
        opts: &AttGtOptions,
    ) -> Vec<f64> {
        let balanced = obs.unit.len() == order.len() * periods && self.view.weights.is_some();
        if opts.fix_weights != FixWeights::Varying || !balanced {
            return order
                .iter()
                .map(|&u| self.units.weight[u] / self.mean_w)
                .collect();
        }
        let mut first = vec![0.0; order.len()];
        for &r in &obs.by_period[0] {
            first[obs.unit[r]] = obs.weight[r];
        }
        first
    }

    /// The observations of kept units in kept periods, units ordered by cohort (never
    /// treated last) then identifier.
    fn build(
        &self,
        kept: &[bool],
        periods: Vec<i64>,
        mut notes: Vec<String>,
        opts: &AttGtOptions,
    ) -> Result<Prepared, DidError> {
        let period_of: HashMap<i64, usize> =
            periods.iter().enumerate().map(|(i, &t)| (t, i)).collect();
        let rows: Vec<usize> = (0..self.row_unit.len())
            .filter(|&r| kept[self.row_unit[r]] && period_of.contains_key(&self.view.time[r]))
            .collect();
        let mut order: Vec<usize> = rows.iter().map(|&r| self.row_unit[r]).collect();
        order.sort_by_key(|&u| (self.g[u].unwrap_or(i64::MAX), self.units.ids[u]));
        order.dedup();
        let mut groups: Vec<i64> = order.iter().filter_map(|&u| self.g[u]).collect();
        groups.dedup();
        if groups.is_empty() {
            return Err(DidError::NoTreatedGroups);
        }
        let position: HashMap<usize, usize> =
            order.iter().enumerate().map(|(i, &u)| (u, i)).collect();
        let kx = self.view.covariates.len();
        let cohort_of_row = |r: &usize| self.g[self.row_unit[*r]];
        check_group_sizes(
            rows.iter().map(cohort_of_row),
            periods.len(),
            &groups,
            kx,
            opts,
            &mut notes,
        )?;
        let period: Vec<usize> = rows
            .iter()
            .map(|r| period_of[&self.view.time[*r]])
            .collect();
        let mut by_period = vec![Vec::new(); periods.len()];
        period
            .iter()
            .enumerate()
            .for_each(|(r, &p)| by_period[p].push(r));
        let obs = Rows {
            period,
            by_period,
            unit: rows.iter().map(|r| position[&self.row_unit[*r]]).collect(),
            weight: rows
                .iter()
                .map(|&r| self.view.weights.map_or(1.0, |w| w[r]) / self.mean_w)
                .collect(),
            y: rows.iter().map(|&r| self.view.outcome[r]).collect(),
            x: rows
                .iter()
                .flat_map(|&r| self.view.covariates.iter().map(move |c| c[r]))
                .collect(),
        };
        let weights = self.unit_weights(&order, &obs, periods.len(), opts);
        Ok(Prepared {
            n: order.len(),
            periods,
            groups,
            unit_ids: order.iter().map(|&u| self.units.ids[u]).collect(),
            unit_g: order.iter().map(|&u| self.g[u]).collect(),
            weights,
            period_weights: Vec::new(),
            y: Vec::new(),
            x: Vec::new(),
            kx,
            notes,
            rows: Some(obs),
        })
    }
}

/// A cell's ATT, its (treated, comparison) observations and the influence of each unit.
pub(crate) type CellOutcome = (f64, (usize, usize), Vec<f64>);

/// One cell of [`super::att_gt_cross_sections`], or why it cannot be estimated.
pub(crate) fn estimate_cell_rows(
    prep: &Prepared,
    rows: &Rows,
    opts: &AttGtOptions,
    role: &[Option<bool>],
    (t, base): (usize, usize),
) -> Result<CellOutcome, String> {
    let k = prep.kx + 1;
    // The two periods' observations in row order.
    let mut in_periods: Vec<usize> = rows.by_period[t].clone();
    in_periods.extend(&rows.by_period[base]);
    in_periods.sort_unstable();
    let chosen: Vec<(usize, bool)> = in_periods
        .into_iter()
        .filter_map(|r| role[rows.unit[r]].map(|treated| (r, treated)))
        .collect();
    let mut cell = RcCell {
        y: Vec::with_capacity(chosen.len()),
        post: Vec::with_capacity(chosen.len()),
        d: Vec::with_capacity(chosen.len()),
        w: Vec::with_capacity(chosen.len()),
        x: Vec::with_capacity(chosen.len() * k),
        k,
    };
    for &(r, treated) in &chosen {
        cell.y.push(rows.y[r]);
        cell.post.push(f64::from(u8::from(rows.period[r] == t)));
        cell.d.push(f64::from(u8::from(treated)));
        cell.w.push(rows.weight[r]);
        cell.x.push(1.0);
        cell.x
            .extend_from_slice(&rows.x[r * prep.kx..(r + 1) * prep.kx]);
    }
    check_quadrants(&cell, prep.periods[t])?;
    let unweighted = precheck_rc(opts.est_method, &cell)?;
    let fit = estimate_rc(opts.est_method, &cell, unweighted)?;
    if !fit.att.is_finite() {
        return Err("the estimate is not finite".into());
    }
    let scale = prep.n as f64 / chosen.len() as f64;
    let mut inf = vec![0.0; prep.n];
    for (&(r, _), v) in chosen.iter().zip(&fit.inf) {
        inf[rows.unit[r]] += scale * v;
    }
    let n_treated = chosen.iter().filter(|c| c.1).count();
    Ok((fit.att, (n_treated, chosen.len() - n_treated), inf))
}

/// R `did`'s checks that the cohort and the comparison group are both observed in both
/// periods of a cell, with its messages.
fn check_quadrants(c: &RcCell, time: i64) -> Result<(), String> {
    let any = |d: f64, post: f64| (0..c.d.len()).any(|i| c.d[i] == d && c.post[i] == post);
    if !any(1.0, 1.0) {
        return Err(format!("no units of the cohort in time period {time}"));
    }
    if !any(1.0, 0.0) {
        return Err(format!(
            "no units of the cohort in the base period for time {time}"
        ));
    }
    if !any(0.0, 1.0) {
        return Err(format!("no available control units in time period {time}"));
    }
    if !any(0.0, 0.0) {
        return Err(format!(
            "no available control units in the base period for time {time}"
        ));
    }
    Ok(())
}
