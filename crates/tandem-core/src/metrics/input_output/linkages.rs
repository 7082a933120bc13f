//! Linkage indices: Rasmussen's power and sensitivity of dispersion and the direct
//! linkages.

use super::{check_finite, check_square};
use crate::metrics::MetricError;

/// Column sums `Σ_i m_ij` of an `n x n` row-major matrix.
pub fn column_sums(m: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    check_square("matrix", m, n)?;
    let mut sums = vec![0.0; n];
    for row in m.chunks_exact(n) {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    Ok(sums)
}

/// Row sums `Σ_j m_ij` of an `n x n` row-major matrix.
pub fn row_sums(m: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    check_square("matrix", m, n)?;
    Ok(m.chunks_exact(n).map(|row| row.iter().sum()).collect())
}

/// Divides each sum by their mean, `s_k / ((1/n) Σ_k s_k)`.
fn relative_to_mean(what: &str, sums: Vec<f64>) -> Result<Vec<f64>, MetricError> {
    check_finite(what, &sums, 1)?;
    let mean = sums.iter().sum::<f64>() / sums.len() as f64;
    if mean <= 0.0 {
        return Err(MetricError::NoActivity(format!(
            "{what}: the mean of the sums is {mean}, not positive"
        )));
    }
    Ok(sums.into_iter().map(|s| s / mean).collect())
}

/// Rasmussen's power of dispersion, the backward-linkage index (影响力系数):
/// `BL_j = Σ_i l_ij / ((1/n) Σ_i Σ_j l_ij)`, from the Leontief inverse L (`n x n`, row-major).
///
/// `BL_j > 1`: a unit of final demand for j pulls more output from the whole economy than
/// the average sector does. Dimensionless; the indices average exactly 1 (up to rounding).
/// Reference: Rasmussen (1956), *Studies in Inter-Sectoral Relations*; Miller & Blair
/// (2009), §12.2. Errors: shape, non-finite L, a non-positive mean.
pub fn backward_linkages(l: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    relative_to_mean("backward linkages", column_sums(l, n)?)
}

/// Rasmussen's sensitivity of dispersion, the forward-linkage index (感应度系数):
/// `FL_i = Σ_j m_ij / ((1/n) Σ_i Σ_j m_ij)`, the row sums of an inverse over their mean.
///
/// Pass the Leontief inverse L for the classic (Rasmussen, Chinese-textbook) index, or
/// the Ghosh inverse G for the supply-side variant that Miller & Blair (2009, §12.2.2)
/// recommend because row sums of L mix the columns' final demands. Dimensionless;
/// averages 1. Errors: shape, non-finite input, a non-positive mean.
pub fn forward_linkages(inverse: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    relative_to_mean("forward linkages", row_sums(inverse, n)?)
}

/// Direct backward linkage `Σ_i a_ij` (intermediate inputs per yuan of output of j; the
/// column sums of A). Reference: Chenery & Watanabe (1958). Errors: shape.
pub fn direct_backward_linkages(a: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    column_sums(a, n)
}

/// Direct forward linkage `Σ_j b_ij` (share of i's output sold as intermediate input; the
/// row sums of the allocation matrix B). Reference: Chenery & Watanabe (1958).
/// Errors: shape.
pub fn direct_forward_linkages(b: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    row_sums(b, n)
}
