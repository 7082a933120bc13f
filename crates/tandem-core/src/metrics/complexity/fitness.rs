//! Fitness and complexity (Tacchella, Cristelli, Caldarelli, Gabrielli & Pietronero 2012).

use super::basic::{check_binary, col_sums, row_sums};
use super::eci::check_nonempty;
use crate::metrics::MetricError;

/// Iteration controls for [`fitness_complexity`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitnessOptions {
    /// Stop when the largest absolute change of any normalised fitness or complexity between
    /// two iterations is below this. Default 1e-10.
    pub tolerance: f64,
    /// Stop after this many iterations in any case. Default 1000. For matrices that are not
    /// perfectly nested some fitnesses tend to 0 only slowly (Pugliese et al. 2016), so the
    /// cap is reached; the result then reports `converged: false`.
    pub max_iterations: usize,
}

impl Default for FitnessOptions {
    fn default() -> Self {
        FitnessOptions {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// Fitness of regions and complexity of industries.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FitnessComplexity {
    /// Fitness per region, normalised to mean 1 (dimensionless, ≥ 0).
    pub fitness: Vec<f64>,
    /// Complexity per industry, normalised to mean 1 (dimensionless, > 0).
    pub complexity: Vec<f64>,
    /// Iterations performed.
    pub iterations: usize,
    /// Whether the tolerance was met before `max_iterations`.
    pub converged: bool,
}

/// Fitness-complexity algorithm.
///
/// # Formula
/// Tacchella, Cristelli, Caldarelli, Gabrielli & Pietronero (2012), *A new metrics for
/// countries' fitness and products' complexity*, Scientific Reports 2:723. Start from
/// `F⁰ = 1`, `Q⁰ = 1` and iterate
/// `F̃_c = Σ_p M_cp Q_p`, `Q̃_p = 1 / Σ_c M_cp (1 / F_c)` (both from the previous iterate),
/// then normalise each to mean 1: `F = F̃ / mean(F̃)`, `Q = Q̃ / mean(Q̃)`. The iteration stops
/// at the tolerance or the iteration cap of [`FitnessOptions`]. Fitness rewards diversity
/// weighted by complexity; an industry is complex when only fit regions have it (the harmonic
/// form lets the least fit exporter dominate).
///
/// # Input and degenerate cases
/// `mcp`: dense row-major regions x industries of 0/1. Every region needs diversity ≥ 1 and
/// every industry ubiquity ≥ 1 (drop empty rows and columns first), otherwise
/// [`MetricError::ZeroDiversity`] or [`MetricError::ZeroUbiquity`] names the first. A
/// fitness that reaches 0 (possible for non-nested matrices) contributes an infinite
/// `1 / F`, i.e. the industry's complexity becomes 0, which is the algorithm's limit, not an
/// error. A tolerance that is not positive
/// or a zero iteration cap is [`MetricError::OutOfRange`]. A mean fitness or complexity that
/// becomes 0 or non-finite is [`MetricError::Collapsed`].
pub fn fitness_complexity(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    opts: &FitnessOptions,
) -> Result<FitnessComplexity, MetricError> {
    check_binary("fitness-complexity", mcp, regions, industries)?;
    if !(opts.tolerance.is_finite() && opts.tolerance > 0.0) {
        return Err(MetricError::OutOfRange {
            what: "fitness-complexity".into(),
            parameter: "tolerance".into(),
            value: opts.tolerance,
            allowed: "positive and finite".into(),
        });
    }
    if opts.max_iterations == 0 {
        return Err(MetricError::OutOfRange {
            what: "fitness-complexity".into(),
            parameter: "max_iterations".into(),
            value: 0.0,
            allowed: "at least 1".into(),
        });
    }
    let d = row_sums(mcp, industries);
    let u = col_sums(mcp, industries);
    check_nonempty("fitness-complexity", &d, &u)?;
    let np = industries;
    let mut fit = vec![1.0; regions];
    let mut cpx = vec![1.0; industries];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iterations {
        iterations += 1;
        let new_fit: Vec<f64> = mcp
            .chunks_exact(np)
            .map(|row| row.iter().zip(&cpx).map(|(m, q)| m * q).sum())
            .collect();
        let mut inv_sum = vec![0.0; np];
        for (row, f) in mcp.chunks_exact(np).zip(&fit) {
            for (s, m) in inv_sum.iter_mut().zip(row) {
                if *m != 0.0 {
                    *s += 1.0 / f;
                }
            }
        }
        let new_cpx: Vec<f64> = inv_sum.iter().map(|s| 1.0 / s).collect();
        let new_fit = normalise_mean(new_fit, "fitness", iterations)?;
        let new_cpx = normalise_mean(new_cpx, "complexity", iterations)?;
        let change = fit
            .iter()
            .zip(&new_fit)
            .chain(cpx.iter().zip(&new_cpx))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        fit = new_fit;
        cpx = new_cpx;
        if change < opts.tolerance {
            converged = true;
            break;
        }
    }
    Ok(FitnessComplexity {
        fitness: fit,
        complexity: cpx,
        iterations,
        converged,
    })
}

fn normalise_mean(v: Vec<f64>, quantity: &str, iteration: usize) -> Result<Vec<f64>, MetricError> {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    if !(mean.is_finite() && mean > 0.0) {
        return Err(MetricError::Collapsed {
            what: "fitness-complexity".into(),
            quantity: quantity.into(),
            mean,
            iteration,
        });
    }
    Ok(v.into_iter().map(|x| x / mean).collect())
}
