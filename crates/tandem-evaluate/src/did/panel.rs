//! Validation and preparation of the long-form panel (moderndid's `PreprocessDataBuilder` for
//! a balanced panel): cohort recoding, early-treated drop, the no-never-treated fallback, unit
//! ordering, and the outcome/covariate arrays by period.

use std::collections::HashMap;

use super::{AttGtOptions, ControlGroup, DidError, FixWeights, PanelData};

/// The prepared panel: units sorted by cohort (never-treated last) then identifier.
pub(crate) struct Prepared {
    /// Number of units.
    pub n: usize,
    /// Periods, ascending.
    pub periods: Vec<i64>,
    /// Treated cohorts, ascending.
    pub groups: Vec<i64>,
    /// Unit identifiers.
    pub unit_ids: Vec<i64>,
    /// Cohort of each unit (`None` = never treated).
    pub unit_g: Vec<Option<i64>>,
    /// Normalised sampling weight of each unit: its weight in the first period (the
    /// aggregations' cohort shares).
    pub weights: Vec<f64>,
    /// Normalised sampling weights of a balanced panel, period-major: `w[p * n + i]` (empty
    /// for repeated cross-sections and unbalanced panels, whose [`Rows`] carry them).
    pub period_weights: Vec<f64>,
    /// Outcomes, period-major: `y[p * n + i]`.
    pub y: Vec<f64>,
    /// Covariates (no intercept), period-major rows: `x[(p * n + i) * kx + j]`.
    pub x: Vec<f64>,
    /// Number of covariates (without intercept).
    pub kx: usize,
    /// Notes on data handling.
    pub notes: Vec<String>,
    /// The observations, for repeated cross-sections and unbalanced panels (`y` and `x` are
    /// then empty); `None` for a balanced panel.
    pub rows: Option<Rows>,
}

/// The observations of a prepared sample of repeated cross-sections or of an unbalanced
/// panel (module `cross_section`).
pub(crate) struct Rows {
    /// Period index (into [`Prepared::periods`]) of each observation.
    pub period: Vec<usize>,
    /// Unit index (into [`Prepared::unit_ids`]) of each observation.
    pub unit: Vec<usize>,
    /// Sampling weight of each observation (normalised with the units' weights).
    pub weight: Vec<f64>,
    /// Outcome of each observation.
    pub y: Vec<f64>,
    /// Covariates (no intercept), row-major `x[r * kx + j]`.
    pub x: Vec<f64>,
    /// The observations of each period, ascending (each cell reads two periods' rows rather
    /// than scanning them all).
    pub by_period: Vec<Vec<usize>>,
}

/// Per-unit facts gathered from the rows.
pub(super) struct Units {
    pub ids: Vec<i64>,
    pub cohort: Vec<i64>,
    /// The weight of the unit's first row (the mean of its rows' for cross-sections).
    pub weight: Vec<f64>,
    /// Whether some unit's weight changes between its rows (balanced panels).
    pub weights_vary: bool,
    /// Row index of (unit, period) in the input, period-major over all input periods (empty
    /// for repeated cross-sections, which do not use it).
    pub rows: Vec<usize>,
    pub periods: Vec<i64>,
}

pub(crate) fn prepare(data: &PanelData, opts: &AttGtOptions) -> Result<Prepared, DidError> {
    check_lengths(data)?;
    let units = collect_units(data)?;
    check_finite(data)?;
    let weights_mean = mean_weight(data, &units)?;
    let Cohorts {
        g,
        keep,
        periods,
        mut notes,
    } = cohorts(&units, opts)?;
    let mut order: Vec<usize> = keep;
    order.sort_by_key(|&u| (g[u].unwrap_or(i64::MAX), units.ids[u]));
    let mut groups: Vec<i64> = order.iter().filter_map(|&u| g[u]).collect();
    groups.dedup();
    if groups.is_empty() {
        return Err(DidError::NoTreatedGroups);
    }
    let cohorts_of_units = order.iter().map(|&u| g[u]);
    let kx = data.covariates.len();
    check_group_sizes(cohorts_of_units, 1, &groups, kx, opts, &mut notes)?;
    if units.weights_vary {
        notes.push(weights_note(opts.fix_weights).to_string());
    }
    Ok(build(
        data,
        &units,
        &order,
        &g,
        weights_mean,
        periods,
        groups,
        notes,
    ))
}

pub(super) fn check_lengths(data: &PanelData) -> Result<(), DidError> {
    let n = data.unit.len();
    if n == 0 {
        return Err(DidError::EmptyPanel);
    }
    let check = |field: &'static str, got: usize| {
        if got != n {
            Err(DidError::LengthMismatch {
                field,
                expected: n,
                got,
            })
        } else {
            Ok(())
        }
    };
    check("time", data.time.len())?;
    check("outcome", data.outcome.len())?;
    check("cohort", data.cohort.len())?;
    for c in data.covariates {
        check("covariate", c.len())?;
    }
    if let Some(w) = data.weights {
        check("weights", w.len())?;
    }
    Ok(())
}

fn collect_units(data: &PanelData) -> Result<Units, DidError> {
    let mut periods: Vec<i64> = data.time.to_vec();
    periods.sort_unstable();
    periods.dedup();
    let t_index: HashMap<i64, usize> = periods.iter().enumerate().map(|(i, &t)| (t, i)).collect();
    let mut u_index: HashMap<i64, usize> = HashMap::new();
    let (mut ids, mut cohort, mut weight) = (Vec::new(), Vec::new(), Vec::new());
    let mut weights_vary = false;
    let n_t = periods.len();
    let mut rows: Vec<usize> = Vec::new();
    for r in 0..data.unit.len() {
        let id = data.unit[r];
        let w = data.weights.map_or(1.0, |w| w[r]);
        let u = *u_index.entry(id).or_insert_with(|| {
            ids.push(id);
            cohort.push(data.cohort[r]);
            weight.push(w);
            rows.extend(std::iter::repeat_n(usize::MAX, n_t));
            ids.len() - 1
        });
        if cohort[u] != data.cohort[r] {
            return Err(DidError::CohortVariesWithinUnit { unit: id });
        }
        weights_vary |= weight[u].to_bits() != w.to_bits();
        let slot = &mut rows[u * n_t + t_index[&data.time[r]]];
        if *slot != usize::MAX {
            return Err(DidError::DuplicateObservation {
                unit: id,
                time: data.time[r],
            });
        }
        *slot = r;
    }
    check_balanced(&ids, &rows, n_t)?;
    Ok(Units {
        ids,
        cohort,
        weight,
        weights_vary,
        rows,
        periods,
    })
}

/// Every unit must be observed in every period (`usize::MAX` marks a missing row).
fn check_balanced(ids: &[i64], rows: &[usize], n_t: usize) -> Result<(), DidError> {
    for (u, &id) in ids.iter().enumerate() {
        let observed = rows[u * n_t..(u + 1) * n_t]
            .iter()
            .filter(|&&r| r != usize::MAX)
            .count();
        if observed != n_t {
            return Err(DidError::UnbalancedPanel {
                unit: id,
                observed,
                expected: n_t,
            });
        }
    }
    Ok(())
}

fn check_finite(data: &PanelData) -> Result<(), DidError> {
    (0..data.unit.len()).try_for_each(|r| check_finite_row(data, r))?;
    let weights = data.weights.unwrap_or(&[]);
    match weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        Some(r) => Err(DidError::InvalidWeight { unit: data.unit[r] }),
        None => Ok(()),
    }
}

/// The units' cohorts after R did's handling, the units kept and the periods used.
pub(super) struct Cohorts {
    /// Cohort of each unit (`None`: never treated, including recoded cohorts).
    pub g: Vec<Option<i64>>,
    /// The units kept, ascending.
    pub keep: Vec<usize>,
    /// The periods used, ascending.
    pub periods: Vec<i64>,
    /// What was done, for [`Prepared::notes`].
    pub notes: Vec<String>,
}

/// Cohort recoding, the early-treated drop and the no-never-treated fallback; fewer than two
/// periods left is an error.
pub(super) fn cohorts(units: &Units, opts: &AttGtOptions) -> Result<Cohorts, DidError> {
    let mut notes = Vec::new();
    let mut g = recode_cohorts(units, &mut notes);
    let keep = drop_early(units, &mut g, opts, &mut notes);
    let periods = apply_no_never_fallback(units, &keep, &mut g, opts, &mut notes);
    if periods.len() < 2 {
        return Err(DidError::TooFewPeriods {
            periods: periods.len(),
        });
    }
    Ok(Cohorts {
        g,
        keep,
        periods,
        notes,
    })
}

/// A finite outcome and finite covariates in row `r`.
pub(super) fn check_finite_row(data: &PanelData, r: usize) -> Result<(), DidError> {
    if !data.outcome[r].is_finite() {
        return Err(DidError::NonFiniteOutcome {
            unit: data.unit[r],
            time: data.time[r],
        });
    }
    match data.covariates.iter().position(|c| !c[r].is_finite()) {
        Some(column) => Err(DidError::NonFiniteCovariate {
            column,
            unit: data.unit[r],
            time: data.time[r],
        }),
        None => Ok(()),
    }
}

/// The mean weight, by which every weight is divided: over the input units (moderndid
/// normalises before dropping early-treated units), or over every row when the weights change
/// over time.
fn mean_weight(data: &PanelData, units: &Units) -> Result<f64, DidError> {
    let mean = match (data.weights, units.weights_vary) {
        (Some(w), true) => w.iter().sum::<f64>() / w.len() as f64,
        _ => units.weight.iter().sum::<f64>() / units.weight.len() as f64,
    };
    if mean > 0.0 {
        Ok(mean)
    } else {
        Err(DidError::InvalidWeight { unit: units.ids[0] })
    }
}

/// What [`Prepared::notes`] says of weights that change over time.
pub(super) fn weights_note(rule: FixWeights) -> &'static str {
    match rule {
        FixWeights::Earlier => {
            "sampling weights change over time: each comparison uses the weights of the \
             earlier of its two periods (fix_weights to choose)"
        }
        FixWeights::BasePeriod => {
            "sampling weights change over time: each cohort's comparisons use the weights of \
             its last pre-treatment period"
        }
        FixWeights::FirstPeriod => {
            "sampling weights change over time: every comparison uses the first period's weights"
        }
        FixWeights::Varying => {
            "sampling weights change over time: each observation keeps its own weight \
             (repeated cross-section estimators, clustered by unit)"
        }
    }
}

/// `0` and cohorts after the last period mean never treated.
fn recode_cohorts(units: &Units, notes: &mut Vec<String>) -> Vec<Option<i64>> {
    let last = *units.periods.last().expect("non-empty panel");
    let late = units.cohort.iter().filter(|&&g| g != 0 && g > last).count();
    if late > 0 {
        notes.push(format!(
            "{late} units first treated after the last period are treated as never treated"
        ));
    }
    units
        .cohort
        .iter()
        .map(|&g| if g == 0 || g > last { None } else { Some(g) })
        .collect()
}

/// Drop units with `g <= first period + anticipation`; returns the kept unit indices.
fn drop_early(
    units: &Units,
    g: &mut [Option<i64>],
    opts: &AttGtOptions,
    notes: &mut Vec<String>,
) -> Vec<usize> {
    let limit = units.periods[0] + i64::from(opts.anticipation);
    let keep: Vec<usize> = (0..units.ids.len())
        .filter(|&u| g[u].is_none_or(|gu| gu > limit))
        .collect();
    let dropped = units.ids.len() - keep.len();
    if dropped > 0 {
        notes.push(format!(
            "dropped {dropped} units already treated (or anticipating treatment) in the first period"
        ));
    }
    keep
}

/// Without never-treated units, keep only periods before `g_max - anticipation`; with
/// never-treated comparisons the last cohort becomes the never-treated group. Returns the
/// periods kept.
fn apply_no_never_fallback(
    units: &Units,
    keep: &[usize],
    g: &mut [Option<i64>],
    opts: &AttGtOptions,
    notes: &mut Vec<String>,
) -> Vec<i64> {
    if keep.iter().any(|&u| g[u].is_none()) {
        return units.periods.clone();
    }
    let Some(latest) = keep.iter().filter_map(|&u| g[u]).max() else {
        return units.periods.clone();
    };
    let cutoff = latest - i64::from(opts.anticipation);
    if opts.control_group == ControlGroup::NeverTreated {
        for &u in keep {
            if g[u] == Some(latest) {
                g[u] = None;
            }
        }
        notes.push(format!(
            "no never-treated units: cohort {latest} serves as the never-treated group and periods from {cutoff} on are dropped"
        ));
    } else {
        notes.push(format!(
            "no never-treated units: periods from {cutoff} on are dropped"
        ));
    }
    units
        .periods
        .iter()
        .copied()
        .filter(|&t| t < cutoff)
        .collect()
}

/// R `did`'s group sizes: a cohort's observations (`cohorts`, one item per observation)
/// divided by the number of periods (1 for a balanced panel's units), against
/// `covariates + 5`; a too small never-treated group is an error under never-treated
/// comparisons, small cohorts a note.
pub(super) fn check_group_sizes(
    cohorts: impl Iterator<Item = Option<i64>>,
    n_periods: usize,
    groups: &[i64],
    kx: usize,
    opts: &AttGtOptions,
    notes: &mut Vec<String>,
) -> Result<(), DidError> {
    let required = kx + 5;
    let mut count: HashMap<Option<i64>, usize> = HashMap::new();
    cohorts.for_each(|g| *count.entry(g).or_default() += 1);
    let size = |g: Option<i64>| count.get(&g).copied().unwrap_or(0) as f64 / n_periods as f64;
    let never = size(None);
    if never > 0.0 && never < required as f64 && opts.control_group == ControlGroup::NeverTreated {
        return Err(DidError::NeverTreatedTooSmall {
            size: never.floor() as usize,
            required,
        });
    }
    let small: Vec<String> = groups
        .iter()
        .filter(|&&g| size(Some(g)) < required as f64)
        .map(|g| g.to_string())
        .collect();
    if !small.is_empty() {
        notes.push(format!(
            "small cohorts (fewer than {required} units, or observations per period): {}",
            small.join(", ")
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn build(
    data: &PanelData,
    units: &Units,
    order: &[usize],
    g: &[Option<i64>],
    weights_mean: f64,
    periods: Vec<i64>,
    groups: Vec<i64>,
    notes: Vec<String>,
) -> Prepared {
    let n = order.len();
    let n_t_all = units.periods.len();
    let kx = data.covariates.len();
    let mut y = Vec::with_capacity(n * periods.len());
    let mut x = Vec::with_capacity(n * periods.len() * kx);
    let mut w = Vec::with_capacity(n * periods.len());
    for &t in &periods {
        let p = units
            .periods
            .binary_search(&t)
            .expect("period of the panel");
        for &u in order {
            let r = units.rows[u * n_t_all + p];
            y.push(data.outcome[r]);
            x.extend(data.covariates.iter().map(|c| c[r]));
            w.push(data.weights.map_or(1.0, |w| w[r]) / weights_mean);
        }
    }
    Prepared {
        n,
        periods,
        groups,
        unit_ids: order.iter().map(|&u| units.ids[u]).collect(),
        unit_g: order.iter().map(|&u| g[u]).collect(),
        weights: w[..n].to_vec(),
        period_weights: w,
        y,
        x,
        kx,
        notes,
        rows: None,
    }
}
