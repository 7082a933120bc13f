//! Standard errors of synthdid estimates: Algorithms 2-4 of Arkhangelsky et al. (2021), as
//! synthdid's `vcov` (R) / synthdid-py 0.1.0 `bootstrap_se`, `jackknife_se`, `placebo_se`.
//!
//! The random ones (bootstrap, placebo) draw from this crate's seeded xoshiro256** rather than
//! numpy's PCG64, so they agree with the reference in distribution only.

use serde::Serialize;

use super::fw::sum_normalize;
use super::matrix::Mat;
use super::rng::SdidRng;
use super::{fit_core, tau_of, InitWeights, SdidError, SdidFit, SdidPanel};

/// Which variance algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeMethod {
    /// Algorithm 2: resample units with replacement, refit.
    Bootstrap,
    /// Algorithm 3: leave one unit out, weights held fixed.
    Jackknife,
    /// Algorithm 4: relabel controls as treated, refit.
    Placebo,
}

/// A standard error with the replicate estimates it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdidSe {
    /// The algorithm.
    pub method: SeMethod,
    /// The standard error.
    pub se: f64,
    /// Replicates (N for the jackknife).
    pub replications: usize,
    /// Seed of the random stream (`None` for the jackknife).
    pub seed: Option<u64>,
    /// The replicate estimates (leave-one-out estimates for the jackknife).
    pub draws: Vec<f64>,
}

fn check_fit(panel: &SdidPanel, fit: &SdidFit) -> Result<(), SdidError> {
    let same = fit.n0 == panel.n0
        && fit.t0 == panel.t0
        && fit.n0 + fit.n1 == panel.n_units()
        && fit.t0 + fit.t1 == panel.n_periods()
        && fit.omega.len() == fit.n0
        && fit.lambda.len() == fit.t0;
    if same {
        Ok(())
    } else {
        Err(SdidError::FitPanelMismatch)
    }
}

/// Refit on the rows `rows` of the panel (the first `n0` of them controls), warm-started from
/// the fit's omega restricted to the control rows and renormalised, and from its lambda; weights
/// the fit held fixed stay fixed (synthdid's `refit` with `_weights_for_subset`).
fn refit_rows(y: &Mat, fit: &SdidFit, rows: &[usize], n0: usize) -> f64 {
    let sub = y.select_rows(rows);
    let omega: Vec<f64> = rows[..n0].iter().map(|&r| fit.omega[r]).collect();
    let init = InitWeights {
        omega: Some(sum_normalize(&omega)),
        lambda: Some(fit.lambda.clone()),
    };
    fit_core(&sub, n0, fit.t0, &fit.config, &init).tau
}

/// One placebo replicate for a given relabelling: `permutation` is an ordering of the control
/// rows `0..N0`; its last N1 entries play the treated units, the others the controls, and the
/// weights are refitted as in [`placebo_se`]. Lets a caller drive Algorithm 4 with any random
/// stream (e.g. the reference's, to compare draw by draw).
///
/// Errors: `permutation` is not a permutation of `0..N0`; not more controls than treated units;
/// a fit of another panel.
pub fn placebo_replicate(
    panel: &SdidPanel,
    fit: &SdidFit,
    permutation: &[usize],
) -> Result<f64, SdidError> {
    check_fit(panel, fit)?;
    let (n0, n1) = (panel.n0, fit.n1);
    if n0 <= n1 {
        return Err(SdidError::PlaceboTooFewControls { n0, n1 });
    }
    let mut seen = vec![false; n0];
    for &r in permutation {
        if r >= n0 || std::mem::replace(&mut seen[r], true) {
            return Err(SdidError::InvalidResample);
        }
    }
    if permutation.len() != n0 {
        return Err(SdidError::InvalidResample);
    }
    Ok(refit_rows(&panel.y, fit, permutation, n0 - n1))
}

/// One bootstrap replicate for a given sample of unit rows (with repeats, any order; they are
/// sorted so the controls come first), refitted as in [`bootstrap_se`].
///
/// Errors: a row out of range, a sample without a control or without a treated unit; a fit of
/// another panel.
pub fn bootstrap_replicate(
    panel: &SdidPanel,
    fit: &SdidFit,
    rows: &[usize],
) -> Result<f64, SdidError> {
    check_fit(panel, fit)?;
    let mut rows = rows.to_vec();
    rows.sort_unstable();
    let n0_boot = rows.iter().filter(|&&r| r < panel.n0).count();
    if rows.last().is_some_and(|&r| r >= panel.n_units()) || n0_boot == 0 || n0_boot == rows.len() {
        return Err(SdidError::InvalidResample);
    }
    Ok(refit_rows(&panel.y, fit, &rows, n0_boot))
}

/// `sqrt((B - 1) / B) * sd(draws)` (ddof 1), i.e. the root mean squared deviation.
fn resampling_se(draws: &[f64]) -> f64 {
    let b = draws.len() as f64;
    let mu = draws.iter().sum::<f64>() / b;
    let ss: f64 = draws.iter().map(|d| (d - mu) * (d - mu)).sum();
    ((b - 1.0) / b * (ss / (b - 1.0))).sqrt()
}

/// Placebo standard error (Algorithm 4): `replications` times, permute the N0 controls, call
/// the last N1 of them treated, refit on the controls only (warm-started from the fit's
/// weights, with the fit's regularisation) and keep the placebo tau;
/// `se = sqrt((B-1)/B) sd(tau_b)`. The only option with a single treated unit.
///
/// Errors: not more controls than treated units; fewer than 2 replications; a fit of another
/// panel.
pub fn placebo_se(
    panel: &SdidPanel,
    fit: &SdidFit,
    replications: usize,
    seed: u64,
) -> Result<SdidSe, SdidError> {
    check_fit(panel, fit)?;
    if replications < 2 {
        return Err(SdidError::TooFewReplications(replications));
    }
    let (n0, n1) = (panel.n0, fit.n1);
    if n0 <= n1 {
        return Err(SdidError::PlaceboTooFewControls { n0, n1 });
    }
    let mut rng = SdidRng::new(seed);
    let draws: Vec<f64> = (0..replications)
        .map(|_| refit_rows(&panel.y, fit, &rng.permutation(n0), n0 - n1))
        .collect();
    let se = resampling_se(&draws);
    Ok(SdidSe {
        method: SeMethod::Placebo,
        se,
        replications,
        seed: Some(seed),
        draws,
    })
}

/// Bootstrap standard error (Algorithm 2): `replications` times, draw N units with
/// replacement (sorted, so controls come first), redraw samples without a treated or without a
/// control unit, refit warm-started from the fit's weights; `se = sqrt((B-1)/B) sd(tau_b)`.
///
/// Errors: a single treated unit (undefined; synthdid returns NaN); more than
/// `max(1000, 100 B)` draws needed; fewer than 2 replications; a fit of another panel.
pub fn bootstrap_se(
    panel: &SdidPanel,
    fit: &SdidFit,
    replications: usize,
    seed: u64,
) -> Result<SdidSe, SdidError> {
    check_fit(panel, fit)?;
    if replications < 2 {
        return Err(SdidError::TooFewReplications(replications));
    }
    if fit.n1 == 1 {
        return Err(SdidError::BootstrapSingleTreated);
    }
    let n = panel.n_units();
    let mut rng = SdidRng::new(seed);
    let mut draws = Vec::with_capacity(replications);
    let max_draws = (100 * replications).max(1000);
    let mut tries = 0;
    while draws.len() < replications {
        tries += 1;
        if tries > max_draws {
            return Err(SdidError::BootstrapDrawsExhausted);
        }
        let mut rows: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        rows.sort_unstable();
        let n0_boot = rows.iter().filter(|&&r| r < panel.n0).count();
        if n0_boot == 0 || n0_boot == n {
            continue;
        }
        draws.push(refit_rows(&panel.y, fit, &rows, n0_boot));
    }
    let se = resampling_se(&draws);
    Ok(SdidSe {
        method: SeMethod::Bootstrap,
        se,
        replications,
        seed: Some(seed),
        draws,
    })
}

/// Fixed-weight jackknife standard error (Algorithm 3): for each unit i, drop it, restrict
/// omega to the remaining controls and renormalise, keep lambda, and recompute tau without
/// refitting; `se = sqrt((N-1)/N * (N-1) * var(tau_(-i)))` (var with ddof 1), i.e.
/// `sqrt((N-1)/N * sum (tau_(-i) - mean)^2)`.
///
/// Errors: a single treated unit, or exactly one control with nonzero weight (both undefined;
/// synthdid returns NaN); a fit of another panel.
pub fn jackknife_se(panel: &SdidPanel, fit: &SdidFit) -> Result<SdidSe, SdidError> {
    check_fit(panel, fit)?;
    if fit.n1 == 1 {
        return Err(SdidError::JackknifeSingleTreated);
    }
    if fit.omega.iter().filter(|&&w| w != 0.0).count() == 1 {
        return Err(SdidError::JackknifeSingleControlWeight);
    }
    let n = panel.n_units();
    let draws: Vec<f64> = (0..n).map(|i| leave_one_out_tau(panel, fit, i)).collect();
    let nf = n as f64;
    let mu = draws.iter().sum::<f64>() / nf;
    let var = draws.iter().map(|d| (d - mu) * (d - mu)).sum::<f64>() / (nf - 1.0);
    let se = ((nf - 1.0) / nf * (nf - 1.0) * var).sqrt();
    Ok(SdidSe {
        method: SeMethod::Jackknife,
        se,
        replications: n,
        seed: None,
        draws,
    })
}

/// tau with unit `i` removed and the weights held fixed (omega renormalised).
fn leave_one_out_tau(panel: &SdidPanel, fit: &SdidFit, i: usize) -> f64 {
    let rows: Vec<usize> = (0..panel.n_units()).filter(|&r| r != i).collect();
    let n0 = rows.iter().filter(|&&r| r < panel.n0).count();
    let sub = panel.y.select_rows(&rows);
    let omega: Vec<f64> = rows[..n0].iter().map(|&r| fit.omega[r]).collect();
    tau_of(&sub, n0, panel.t0, &sum_normalize(&omega), &fit.lambda)
}
