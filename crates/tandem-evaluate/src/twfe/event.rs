//! Event-study TWFE: relative-time dummies with omitted reference periods.

use serde::Serialize;

use super::{panel, twfe_regression, Panel, Regressor, TwfeError, TwfeFit};

/// A fitted event-study TWFE regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventStudyFit {
    /// Relative periods `e` with a coefficient, ascending; `fit.coefficients[j]` (named
    /// `rel::e`) belongs to `rel_times[j]`.
    pub rel_times: Vec<i64>,
    /// Omitted reference periods.
    pub reference: Vec<i64>,
    /// The underlying regression.
    pub fit: TwfeFit,
}

/// Event-study TWFE `y_it = α_i + λ_t + Σ_{e ∉ ref} β_e 1{t - g_i = e} + ε_it`.
///
/// `first_treat[r]` is the first treated period `g_i` of the row's unit (`None` = never
/// treated). Event time is `e = t - g_i`; one dummy per event time observed among treated rows,
/// except the `reference` periods (usually `[-1]`). Never-treated rows have all dummies zero,
/// i.e. they sit in the reference category, exactly as pyfixest's
/// `feols("y ~ i(rel, ref=-1) | unit + time")` with `rel = -1` for never-treated units. No
/// binning of distant event times. Standard errors as in [`twfe_regression`]; `cluster = None`
/// clusters by unit.
///
/// Errors: those of [`twfe_regression`] (notably [`TwfeError::SingularDesign`] when, without
/// never-treated units, a second reference period is needed), a `first_treat` that varies within
/// a unit, and no event time left after removing the references.
pub fn twfe_event_study(
    panel: &Panel,
    first_treat: &[Option<i64>],
    reference: &[i64],
    cluster: Option<&[i64]>,
) -> Result<EventStudyFit, TwfeError> {
    check_cohorts(panel, first_treat)?;
    let rel: Vec<Option<i64>> = first_treat
        .iter()
        .zip(panel.time)
        .map(|(g, t)| g.map(|g| t - g))
        .collect();
    let mut rel_times: Vec<i64> = rel
        .iter()
        .flatten()
        .copied()
        .filter(|e| !reference.contains(e))
        .collect();
    rel_times.sort_unstable();
    rel_times.dedup();
    if rel_times.is_empty() {
        return Err(TwfeError::NoEventTimes);
    }
    let names: Vec<String> = rel_times.iter().map(|e| format!("rel::{e}")).collect();
    let columns: Vec<Vec<f64>> = rel_times
        .iter()
        .map(|&e| {
            rel.iter()
                .map(|r| f64::from(u8::from(*r == Some(e))))
                .collect()
        })
        .collect();
    let regressors: Vec<Regressor> = names
        .iter()
        .zip(&columns)
        .map(|(name, values)| Regressor { name, values })
        .collect();
    let fit = twfe_regression(panel, &regressors, cluster)?;
    Ok(EventStudyFit {
        rel_times,
        reference: reference.to_vec(),
        fit,
    })
}

/// `first_treat` has one entry per row and is constant within each unit.
fn check_cohorts(panel: &Panel, first_treat: &[Option<i64>]) -> Result<(), TwfeError> {
    if first_treat.len() != panel.unit.len() {
        return Err(TwfeError::LengthMismatch {
            column: "first_treat".into(),
            expected: panel.unit.len(),
            got: first_treat.len(),
        });
    }
    let (unit_idx, units) = panel::dense_ids(panel.unit);
    let mut cohort: Vec<Option<Option<i64>>> = vec![None; units.len()];
    for (&u, &g) in unit_idx.iter().zip(first_treat) {
        match cohort[u] {
            Some(prev) if prev != g => {
                return Err(TwfeError::InconsistentCohort { unit: units[u] })
            }
            _ => cohort[u] = Some(g),
        }
    }
    Ok(())
}
