//! In-space placebo inference and leave-one-out robustness for synthetic control.

use serde::Serialize;

use super::{fit_unit, OutcomeMatrix, ScFit, ScSpec, SynthError};

/// Donor pool of each placebo fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DonorPool {
    /// The other donors only (`excl_treated`: SCtools `generate.placebos`, pysyncon
    /// `PlaceboTest`).
    ExcludeTreated,
    /// The other donors plus the treated unit (`incl_treated`: ADH 2010 p. 502, diff-diff
    /// `in_space_placebo`).
    IncludeTreated,
}

/// One unit's fit in the placebo distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceboFit {
    /// Row index of the unit treated in this fit.
    pub unit: usize,
    /// Whether this is the actually treated unit.
    pub is_treated: bool,
    /// The fit (weights, gaps, MSPEs, RMSPE ratio).
    pub fit: ScFit,
}

/// A placebo p-value: `n_ratio_ge_treated / n_units`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceboPValue {
    /// The pre-MSPE filter multiple k (`None`: no filter).
    pub max_pre_mspe_multiple: Option<f64>,
    /// Units kept (the treated unit and the placebos passing the filter).
    pub n_units: usize,
    /// Kept units whose RMSPE ratio is `>=` the treated unit's (the treated unit counted),
    /// i.e. the treated unit's rank from the top, ties counted against it.
    pub n_ratio_ge_treated: usize,
    /// `n_ratio_ge_treated / n_units`.
    pub p_value: f64,
}

/// The in-space placebo distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceboTest {
    /// Donor-pool convention used for the placebo fits.
    pub pool: DonorPool,
    /// The treated unit's fit first, then one placebo per donor in the order of `spec.donors`.
    pub fits: Vec<PlaceboFit>,
    /// p-value without filter (`#{ratio >= treated's} / (J + 1)`).
    pub unfiltered: PlaceboPValue,
}

impl PlaceboTest {
    /// The treated unit's fit (`None` only for a hand-built distribution without it).
    pub fn treated(&self) -> Option<&ScFit> {
        self.fits.iter().find(|f| f.is_treated).map(|f| &f.fit)
    }

    /// The treated unit's RMSPE ratio.
    pub fn treated_ratio(&self) -> Option<f64> {
        self.treated().map(|f| f.rmspe_ratio)
    }

    /// p-value after ADH's filter (2010, Figs. 5-7): keep the placebos whose pre-MSPE is at
    /// most `k` times the treated unit's (`None`: keep all). On Prop 99, k = 20, 5, 2 give
    /// 3/35, 3/32, 3/22.
    ///
    /// # Errors
    /// [`SynthError::InvalidFilter`] unless `k` is finite and positive,
    /// [`SynthError::MissingTreatedFit`] if no fit is marked `is_treated`.
    pub fn p_value(&self, max_pre_mspe_multiple: Option<f64>) -> Result<PlaceboPValue, SynthError> {
        if let Some(k) = max_pre_mspe_multiple.filter(|k| !(k.is_finite() && *k > 0.0)) {
            return Err(SynthError::InvalidFilter(k));
        }
        let treated = self.treated().ok_or(SynthError::MissingTreatedFit)?;
        let kept: Vec<&ScFit> = self
            .fits
            .iter()
            .filter(|p| {
                p.is_treated
                    || max_pre_mspe_multiple.is_none_or(|k| p.fit.pre_mspe <= k * treated.pre_mspe)
            })
            .map(|p| &p.fit)
            .collect();
        let n_ge = kept
            .iter()
            .filter(|f| f.rmspe_ratio >= treated.rmspe_ratio)
            .count();
        Ok(PlaceboPValue {
            max_pre_mspe_multiple,
            n_units: kept.len(),
            n_ratio_ge_treated: n_ge,
            p_value: n_ge as f64 / kept.len() as f64,
        })
    }
}

/// In-space placebo test (ADH 2010 sect. 2.4 and 4; Abadie 2021 sect. 7): fits the treated unit,
/// then each donor as if treated with the donor pool `pool`, same periods and predictors;
/// p-value `#{units with RMSPE ratio >= treated's} / (J + 1)`, the treated unit counted
/// (matches `30_scm_prop99.py`; pysyncon's `PlaceboTest.pvalue` differs: it counts year T0 in
/// both periods, uses MSPE ratios and leaves the treated unit out of the numerator).
///
/// # Errors
/// As [`super::synthetic_control`]; [`SynthError::TooFewDonors`] with one donor and
/// [`DonorPool::ExcludeTreated`] (a placebo would have no donors).
pub fn in_space_placebo(
    m: &OutcomeMatrix,
    spec: &ScSpec,
    pool: DonorPool,
) -> Result<PlaceboTest, SynthError> {
    spec.validate(m)?;
    if pool == DonorPool::ExcludeTreated && spec.donors.len() < 2 {
        return Err(SynthError::TooFewDonors {
            what: "placebo test excluding the treated unit",
            needed: 2,
            got: 1,
        });
    }
    let mut fits = vec![PlaceboFit {
        unit: spec.treated,
        is_treated: true,
        fit: fit_unit(m, spec, spec.treated, &spec.donors)?,
    }];
    for &unit in &spec.donors {
        let mut donors: Vec<usize> = spec.donors.iter().copied().filter(|&d| d != unit).collect();
        if pool == DonorPool::IncludeTreated {
            donors.push(spec.treated);
        }
        fits.push(PlaceboFit {
            unit,
            is_treated: false,
            fit: fit_unit(m, spec, unit, &donors)?,
        });
    }
    let mut test = PlaceboTest {
        pool,
        fits,
        unfiltered: PlaceboPValue {
            max_pre_mspe_multiple: None,
            n_units: 0,
            n_ratio_ge_treated: 0,
            p_value: f64::NAN,
        },
    };
    test.unfiltered = test.p_value(None)?;
    Ok(test)
}

/// A refit without one donor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOutFit {
    /// Row index of the dropped donor.
    pub dropped_donor: usize,
    /// Its weight in the full fit.
    pub dropped_weight: f64,
    /// The refit on the remaining donors.
    pub fit: ScFit,
}

/// Leave-one-out robustness (Abadie 2021 sect. 8; ADH 2015): the full fit and one refit per
/// donor with positive weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// The fit on all donors.
    pub full: ScFit,
    /// One refit per donor with positive weight, in donor order.
    pub fits: Vec<LeaveOneOutFit>,
}

impl LeaveOneOut {
    /// Smallest and largest leave-one-out ATT (`None` if no refit).
    pub fn att_range(&self) -> Option<(f64, f64)> {
        let atts = self.fits.iter().map(|f| f.fit.att);
        let min = atts.clone().reduce(f64::min)?;
        Some((min, atts.fold(min, f64::max)))
    }
}

/// Refits the synthetic control of `spec` dropping, in turn, each donor with positive weight
/// in the full fit, reporting each ATT (and full fit).
///
/// # Errors
/// As [`super::synthetic_control`]; [`SynthError::TooFewDonors`] with a single donor.
pub fn leave_one_out(m: &OutcomeMatrix, spec: &ScSpec) -> Result<LeaveOneOut, SynthError> {
    spec.validate(m)?;
    if spec.donors.len() < 2 {
        return Err(SynthError::TooFewDonors {
            what: "leave-one-out",
            needed: 2,
            got: spec.donors.len(),
        });
    }
    let full = fit_unit(m, spec, spec.treated, &spec.donors)?;
    let mut fits = Vec::new();
    for (&dropped, &w) in full
        .donors
        .iter()
        .zip(&full.weights)
        .filter(|(_, &w)| w > 0.0)
    {
        let donors: Vec<usize> = spec
            .donors
            .iter()
            .copied()
            .filter(|&d| d != dropped)
            .collect();
        let fit = fit_unit(m, spec, spec.treated, &donors)?;
        fits.push(LeaveOneOutFit {
            dropped_donor: dropped,
            dropped_weight: w,
            fit,
        });
    }
    Ok(LeaveOneOut { full, fits })
}
