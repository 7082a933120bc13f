//! Coefficient matrices: gross output from flows, technical (A), allocation (B), stressor
//! (S) and direct (per-unit-of-output) coefficient vectors.

use super::{check_finite, check_len, check_non_negative, check_square};
use crate::metrics::MetricError;

/// Gross output from the flows: `x_i = Σ_j z_ij + Σ_c y_ic` (pymrio `calc_x`).
///
/// `z` is `n x n`, `y` is `n x n_final` (final-demand categories), both row-major.
/// Unit: the flows' unit (10,000 yuan for the NBS tables). Use it when a table publishes
/// no gross-output column (pymrio's test MRIO); NBS tables publish `GO`, which
/// [`super::table_technical_coefficients`] uses directly. Final demand may be negative
/// (changes in inventories), flows may not be non-finite.
pub fn gross_output_from_flows(
    z: &[f64],
    n: usize,
    y: &[f64],
    n_final: usize,
) -> Result<Vec<f64>, MetricError> {
    check_square("intermediate flows Z", z, n)?;
    check_len("final demand Y", y, n * n_final)?;
    check_finite("intermediate flows Z", z, n)?;
    check_finite("final demand Y", y, n_final)?;
    Ok((0..n)
        .map(|i| {
            let zi: f64 = z[i * n..(i + 1) * n].iter().sum();
            let yi: f64 = y[i * n_final..(i + 1) * n_final].iter().sum();
            zi + yi
        })
        .collect())
}

/// Technical (direct-requirements) coefficients `a_ij = z_ij / x_j` (直接消耗系数),
/// row-major `n x n` with `n = x.len()`.
///
/// Unit: yuan of input from i per yuan of output of j (dimensionless).
/// Reference: Miller & Blair (2009), eq. 2.4; pymrio `calc_A`.
/// Degenerate cases: where `x_j = 0` the whole column is 0 (pymrio's convention: a sector
/// that produces nothing requires nothing), even if `z_ij ≠ 0`. Flows must be finite and
/// non-negative ([`MetricError::Negative`] names the cell), gross output finite.
pub fn technical_coefficients(z: &[f64], x: &[f64]) -> Result<Vec<f64>, MetricError> {
    let n = x.len();
    check_square("intermediate flows Z", z, n)?;
    check_non_negative("intermediate flows Z", z, n)?;
    // Z diag(x)⁻¹ is the stressor form with one "stressor" row per selling sector.
    stressor_coefficients(z, n, x)
}

/// Allocation (direct-output) coefficients `b_ij = z_ij / x_i` (直接分配系数), the Ghosh
/// model's counterpart of `A`.
///
/// Unit: yuan sold to j per yuan of output of i (dimensionless).
/// Reference: Miller & Blair (2009), eq. 12.5; pymrio `calc_B`.
/// Degenerate cases: where `x_i = 0` the whole row is 0. Flows must be finite and
/// non-negative.
pub fn allocation_coefficients(z: &[f64], x: &[f64]) -> Result<Vec<f64>, MetricError> {
    let n = x.len();
    check_square("intermediate flows Z", z, n)?;
    check_non_negative("intermediate flows Z", z, n)?;
    check_finite("gross output x", x, 1)?;
    let mut b = vec![0.0; n * n];
    for i in 0..n {
        if x[i] != 0.0 {
            for j in 0..n {
                b[i * n + j] = z[i * n + j] / x[i];
            }
        }
    }
    Ok(b)
}

/// Stressor coefficients `S = F diag(x)⁻¹`, i.e. `s_kj = f_kj / x_j`, row-major
/// `k x n` for `k` stressors (`F` is `k x n`, `n = x.len()`).
///
/// Unit: the stressor's unit per unit of output (e.g. persons per 10,000 yuan, yuan of
/// value added per yuan, kg of emissions per 10,000 yuan).
/// Reference: pymrio `calc_S`; Miller & Blair (2009), ch. 10.
/// Degenerate cases: where `x_j = 0` the column is 0. Stressors may be negative
/// (net taxes, operating surplus), never non-finite.
pub fn stressor_coefficients(f: &[f64], k: usize, x: &[f64]) -> Result<Vec<f64>, MetricError> {
    let n = x.len();
    check_len("extension flows F", f, k * n)?;
    check_finite("extension flows F", f, n)?;
    check_finite("gross output x", x, 1)?;
    let mut s = vec![0.0; k * n];
    for r in 0..k {
        for j in 0..n {
            if x[j] != 0.0 {
                s[r * n + j] = f[r * n + j] / x[j];
            }
        }
    }
    Ok(s)
}

/// Direct coefficients of one extension row: `v_j = f_j / x_j` (value added per yuan of
/// output, persons per 10,000 yuan of output...), the one-row case of
/// [`stressor_coefficients`].
///
/// Degenerate cases: `v_j = 0` where `x_j = 0`; lengths must agree; values must be finite.
pub fn direct_coefficients(flows: &[f64], x: &[f64]) -> Result<Vec<f64>, MetricError> {
    stressor_coefficients(flows, 1, x)
}
