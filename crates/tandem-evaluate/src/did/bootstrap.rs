//! Multiplier bootstrap of Callaway & Sant'Anna (2021, Algorithm 1; R `did::mboot`, moderndid
//! `mboot`): standard errors from the interquartile range of bootstrap draws of
//! `sqrt(n) · E_n[V ψ]` with Mammen two-point multipliers `V`, and the uniform critical value
//! for simultaneous confidence bands.

use faer::linalg::matmul::matmul;
use faer::{get_global_parallelism, Accum, Mat, MatRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::attgt::SE_ZERO;
use super::{AttGtResult, DidError, InfluenceMatrix};

/// `Φ⁻¹(0.75) - Φ⁻¹(0.25)`, the interquartile range of the standard normal.
const NORMAL_IQR: f64 = 1.348_979_500_392_163_4;
/// Draws per block of the multiplier matrix.
const BLOCK: usize = 128;

/// Options of the multiplier bootstrap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Number of bootstrap draws `B` (R `did` and moderndid default: 1,000).
    pub iterations: usize,
    /// Seed of the random stream (xoshiro256** seeded through SplitMix64); the same seed gives
    /// the same multipliers for every call with the same number of units.
    pub seed: u64,
    /// Level of the simultaneous band: the critical value is the `1 - alpha` quantile.
    pub alpha: f64,
    /// Optional cluster label per unit, in the row order of the influence functions
    /// ([`AttGtResult::unit_ids`]). Influence functions are summed within clusters and the
    /// multipliers drawn per cluster (R `did` ≥ 2.2's cluster-robust `mboot`). Without it each
    /// unit is its own cluster (the panel influence function is already clustered by unit).
    pub cluster: Option<Vec<i64>>,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            iterations: 1000,
            seed: 20_240_101,
            alpha: 0.05,
            cluster: None,
        }
    }
}

/// Bootstrap standard errors of each column and the uniform critical value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BootstrapResult {
    /// `IQR(draws_j) / (z_.75 - z_.25) / sqrt(n)` (type-1 quantiles); `None` for a column whose
    /// draws are all (numerically) zero.
    pub se: Vec<Option<f64>>,
    /// `1 - alpha` quantile (type 1) of `max_j |draw_j / se_j|` over the non-degenerate columns.
    pub critical_value: Option<f64>,
}

/// Bootstrap inference with simultaneous confidence bands `estimate ± c · se`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BootstrapBands {
    /// Bootstrap standard error of each estimate.
    pub se: Vec<Option<f64>>,
    /// Uniform critical value `c`.
    pub critical_value: Option<f64>,
    /// Lower end of the simultaneous band.
    pub lower: Vec<Option<f64>>,
    /// Upper end of the simultaneous band.
    pub upper: Vec<Option<f64>>,
}

impl BootstrapBands {
    pub(crate) fn new(
        estimates: &[f64],
        se: Vec<Option<f64>>,
        critical_value: Option<f64>,
    ) -> Self {
        let band = |sign: f64| -> Vec<Option<f64>> {
            estimates
                .iter()
                .zip(&se)
                .map(|(e, s)| Some(e + sign * critical_value? * (*s)?))
                .collect()
        };
        let (lower, upper) = (band(-1.0), band(1.0));
        Self {
            se,
            critical_value,
            lower,
            upper,
        }
    }
}

impl AttGtResult {
    /// Multiplier-bootstrap standard errors of every ATT(g,t) and the simultaneous band over all
    /// cells (moderndid `att_gt(boot=True, cband=True)`): cells without an analytic standard
    /// error (e.g. universal reference cells) keep none.
    pub fn bootstrap(&self, opts: &BootstrapOptions) -> Result<BootstrapBands, DidError> {
        let boot = multiplier_bootstrap(&self.influence, opts)?;
        let se = self
            .cells
            .iter()
            .zip(boot.se)
            .map(|(c, b)| c.se.and(b).filter(|&s| s > SE_ZERO))
            .collect();
        let att: Vec<f64> = self.cells.iter().map(|c| c.att).collect();
        Ok(BootstrapBands::new(&att, se, boot.critical_value))
    }
}

/// The multiplier bootstrap of the columns of `inf` (R `did::mboot`).
///
/// For draws `b = 1..B`, `V_ib` is `(1-√5)/2` with probability `(1+√5)/(2√5)` and `(1+√5)/2`
/// otherwise (Mammen 1993); the draw of column `j` is `sqrt(n) · mean_i V_ib ψ_ij`, and its
/// standard error `IQR / (z_.75 − z_.25) / sqrt(n)`. With `C` clusters (Callaway & Sant'Anna
/// 2021, Remark 10; R `did::mboot`, which aggregates to cluster sums `S_c` since its
/// cluster-robust fix) the draws are `sqrt(C) · mean_c V_cb S_cj` and the standard error
/// `IQR / (z_.75 − z_.25) · sqrt(C) / n`, that is `sqrt(Σ_c S_cj²) / n` in expectation; here
/// the rows are the sums scaled by `C / n` ([`cluster_sums`]), which gives the same standard
/// errors and critical value through the unclustered formulas. Columns whose draws have
/// `Σ_b draw² <= sqrt(eps)·10` are degenerate. Errors: zero draws, `alpha` outside (0, 1),
/// cluster labels of the wrong length.
pub fn multiplier_bootstrap(
    inf: &InfluenceMatrix,
    opts: &BootstrapOptions,
) -> Result<BootstrapResult, DidError> {
    if opts.iterations == 0 {
        return Err(DidError::InvalidOption(
            "bootstrap iterations must be positive".into(),
        ));
    }
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(DidError::InvalidOption(format!(
            "alpha = {} must lie in (0, 1)",
            opts.alpha
        )));
    }
    let psi = match &opts.cluster {
        Some(c) => cluster_sums(inf, c)?,
        None => inf.clone(),
    };
    let draws = draw_matrix(&psi, opts.iterations, opts.seed);
    Ok(summarise(
        &draws,
        opts.iterations,
        psi.n_cols(),
        psi.n_rows(),
        opts.alpha,
    ))
}

/// The influence functions summed within clusters and scaled by `C / n` (rows in order of
/// first appearance): with `n` rows of `C` clusters, the unclustered draw and standard-error
/// formulas applied to these rows give R's cluster-sum bootstrap (see
/// [`multiplier_bootstrap`]); a cluster per unit leaves the rows as they are.
fn cluster_sums(inf: &InfluenceMatrix, cluster: &[i64]) -> Result<InfluenceMatrix, DidError> {
    if cluster.len() != inf.n_rows() {
        return Err(DidError::LengthMismatch {
            field: "bootstrap cluster labels",
            expected: inf.n_rows(),
            got: cluster.len(),
        });
    }
    let mut index: HashMap<i64, usize> = HashMap::new();
    let ids: Vec<usize> = cluster
        .iter()
        .map(|c| {
            let next = index.len();
            *index.entry(*c).or_insert(next)
        })
        .collect();
    let n_c = index.len();
    let scale = n_c as f64 / inf.n_rows() as f64;
    let mut data = vec![0.0; n_c * inf.n_cols()];
    for j in 0..inf.n_cols() {
        let out = &mut data[j * n_c..(j + 1) * n_c];
        for (&c, v) in ids.iter().zip(inf.column(j)) {
            out[c] += v;
        }
        out.iter_mut().for_each(|o| *o *= scale);
    }
    InfluenceMatrix::from_columns(n_c, inf.n_cols(), data)
}

/// `B x k` column-major matrix of draws `sqrt(n) · V ψ / n`.
fn draw_matrix(psi: &InfluenceMatrix, iterations: usize, seed: u64) -> Vec<f64> {
    let (n, k) = (psi.n_rows(), psi.n_cols());
    let sqrt5 = 5f64.sqrt();
    let (k1, k2, p) = (
        0.5 * (1.0 - sqrt5),
        0.5 * (1.0 + sqrt5),
        0.5 * (1.0 + sqrt5) / sqrt5,
    );
    let rhs = MatRef::from_column_major_slice(psi.as_slice(), n, k);
    let mut rng = Xoshiro256::seed_from_u64(seed);
    let mut out = vec![0.0; iterations * k];
    let scale = (n as f64).sqrt() / n as f64;
    let mut start = 0;
    while start < iterations {
        let rows = BLOCK.min(iterations - start);
        let mut v = Mat::<f64>::zeros(rows, n);
        for r in 0..rows {
            for i in 0..n {
                v[(r, i)] = if rng.next_f64() < p { k1 } else { k2 };
            }
        }
        let mut prod = Mat::<f64>::zeros(rows, k);
        matmul(
            prod.as_mut(),
            Accum::Replace,
            v.as_ref(),
            rhs,
            scale,
            get_global_parallelism(),
        );
        for j in 0..k {
            for r in 0..rows {
                out[j * iterations + start + r] = prod[(r, j)];
            }
        }
        start += rows;
    }
    out
}

/// Type-1 (inverted CDF) quantile of sorted data.
fn quantile_type1(sorted: &[f64], p: f64) -> f64 {
    let m = sorted.len();
    let idx = ((m as f64 * p).ceil() as usize).clamp(1, m) - 1;
    sorted[idx]
}

fn summarise(draws: &[f64], b: usize, k: usize, n: usize, alpha: f64) -> BootstrapResult {
    let mut se = vec![None; k];
    let mut iqr_se = vec![f64::NAN; k];
    let mut keep = Vec::new();
    for j in 0..k {
        let col = &draws[j * b..(j + 1) * b];
        let ss: f64 = col.iter().map(|v| v * v).sum();
        if !(ss.is_finite() && ss > SE_ZERO) {
            continue;
        }
        let mut sorted = col.to_vec();
        sorted.sort_by(f64::total_cmp);
        iqr_se[j] = (quantile_type1(&sorted, 0.75) - quantile_type1(&sorted, 0.25)) / NORMAL_IQR;
        se[j] = Some(iqr_se[j] / (n as f64).sqrt());
        keep.push(j);
    }
    let critical_value = if keep.is_empty() {
        None
    } else {
        let mut t_max: Vec<f64> = (0..b)
            .map(|r| {
                keep.iter()
                    .map(|&j| (draws[j * b + r] / iqr_se[j]).abs())
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .filter(|v| v.is_finite())
            .collect();
        t_max.sort_by(f64::total_cmp);
        (!t_max.is_empty()).then(|| quantile_type1(&t_max, 1.0 - alpha))
    };
    BootstrapResult { se, critical_value }
}

/// The workspace's seeded generator (xoshiro256** through SplitMix64).
pub(crate) use tandem_core::rng::Xoshiro256;

#[cfg(test)]
mod tests {
    use super::*;

    /// With unequal clusters the bootstrap standard error is the cluster-robust
    /// `sqrt(Σ_c S_c²) / n` (to the bootstrap's noise), not the cluster-mean form; one unit
    /// per cluster gives exactly the unclustered draws.
    #[test]
    fn clusters_sum_their_influence_functions() {
        // 60 clusters of 1 to 12 units (enough clusters for the draws to be near normal, which
        // the IQR-based standard error assumes); ψ_i = ±1 alternating plus a cluster effect
        // that makes the units of a cluster move together.
        let mut cluster = Vec::new();
        let mut psi = Vec::new();
        for c in 0..60usize {
            let effect = ((c * 37) % 11) as f64 / 5.0 - 1.0;
            for k in 0..1 + (c * 7) % 12 {
                cluster.push(c as i64 * 10);
                psi.push(if k % 2 == 0 { 1.0 } else { -1.0 } + effect);
            }
        }
        let n = psi.len();
        let inf = InfluenceMatrix::from_columns(n, 1, psi.clone()).unwrap();
        let opts = BootstrapOptions {
            iterations: 20_000,
            seed: 7,
            alpha: 0.05,
            cluster: Some(cluster.clone()),
        };
        let se = multiplier_bootstrap(&inf, &opts).unwrap().se[0].unwrap();
        let mut sums = [0.0; 60];
        for (c, v) in cluster.iter().zip(&psi) {
            sums[(*c / 10) as usize] += v;
        }
        let robust = sums.iter().map(|s| s * s).sum::<f64>().sqrt() / n as f64;
        assert!((se / robust - 1.0).abs() < 0.05, "{se} vs {robust}");
        let singles = BootstrapOptions {
            cluster: Some((0..n as i64).map(|i| 100 - i).collect()),
            ..opts.clone()
        };
        let plain = BootstrapOptions {
            cluster: None,
            ..opts
        };
        assert_eq!(
            multiplier_bootstrap(&inf, &singles).unwrap(),
            multiplier_bootstrap(&inf, &plain).unwrap()
        );
    }

    #[test]
    fn type1_quantiles() {
        let x: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(quantile_type1(&x, 0.75), 750.0);
        assert_eq!(quantile_type1(&x, 0.25), 250.0);
        assert_eq!(quantile_type1(&x, 0.95), 950.0);
        assert_eq!(quantile_type1(&x[..3], 0.5), 2.0);
    }

    #[test]
    fn rng_is_reproducible_and_uniform() {
        let mut a = Xoshiro256::seed_from_u64(7);
        let mut b = Xoshiro256::seed_from_u64(7);
        let xs: Vec<f64> = (0..10_000).map(|_| a.next_f64()).collect();
        assert!(xs
            .iter()
            .all(|&v| v == b.next_f64() && (0.0..1.0).contains(&v)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.01);
    }
}
