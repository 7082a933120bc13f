//! Multipliers: output, value-added / income / employment (from a coefficient vector),
//! type-I ratios and environmentally extended multipliers `M = S L`.

use super::{check_finite, check_len, check_square};
use crate::metrics::MetricError;

/// Output multipliers `o_j = Σ_i l_ij` (column sums of the Leontief inverse; 产出乘数).
///
/// Unit: yuan of output in the whole economy per yuan of final demand for j.
/// Reference: Miller & Blair (2009), §6.2.1. Errors: shape.
pub fn output_multipliers(l: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    super::column_sums(l, n)
}

/// Multipliers of an extension with direct coefficients `v` (`v_j = VA_j / x_j` for value
/// added, `VA001_j / x_j` for income — compensation of employees —, `E_j / x_j` for
/// employment): `m_j = Σ_i v_i l_ij`, i.e. `v L`.
///
/// Unit: the extension's unit per unit of final demand for j (yuan of value added per
/// yuan, persons per 10,000 yuan...). These are the "simple" (type-I-total) multipliers
/// of Miller & Blair (2009), §6.3–6.4. Errors: shape, non-finite values.
pub fn coefficient_multipliers(v: &[f64], l: &[f64]) -> Result<Vec<f64>, MetricError> {
    let n = v.len();
    check_square("Leontief inverse L", l, n)?;
    check_finite("direct coefficients v", v, 1)?;
    let mut m = vec![0.0; n];
    for (vi, row) in v.iter().zip(l.chunks_exact(n)) {
        for (mj, lij) in m.iter_mut().zip(row) {
            *mj += vi * lij;
        }
    }
    Ok(m)
}

/// Type-I ratio multipliers `m_j / v_j`: total (direct + indirect) effect per unit of the
/// direct effect in j (e.g. jobs created economy-wide per job in the sector itself).
///
/// Reference: Miller & Blair (2009), eq. 6.16 (type-I income multiplier).
/// Degenerate case: `None` where `v_j = 0` (no direct effect, so the ratio is undefined);
/// never a NaN. Errors: lengths differ, non-finite values.
pub fn type_i_multipliers(v: &[f64], m: &[f64]) -> Result<Vec<Option<f64>>, MetricError> {
    check_len("multipliers m", m, v.len())?;
    check_finite("direct coefficients v", v, 1)?;
    check_finite("multipliers m", m, 1)?;
    Ok(v.iter()
        .zip(m)
        .map(|(&vj, &mj)| (vj != 0.0).then(|| mj / vj))
        .collect())
}

/// Environmentally extended (total) multipliers `M = S L` for `k` stressors: `m_rj` =
/// stressor r embodied in one unit of final demand for j (pymrio `calc_M`), row-major
/// `k x n`.
///
/// Unit: the stressor's unit per unit of final demand. For value added as the stressor
/// this is the value-added multiplier. Reference: Miller & Blair (2009), §10.3.
/// Errors: shape, non-finite values.
pub fn extension_multipliers(
    s: &[f64],
    k: usize,
    l: &[f64],
    n: usize,
) -> Result<Vec<f64>, MetricError> {
    check_square("Leontief inverse L", l, n)?;
    check_len("stressor coefficients S", s, k * n)?;
    let mut out = Vec::with_capacity(k * n);
    for row in s.chunks_exact(n) {
        out.extend(coefficient_multipliers(row, l)?);
    }
    Ok(out)
}

/// Downstream (supply-side) multipliers `M_down = S (Gᵀ − I)`, with G the Ghosh inverse
/// (pymrio `calc_M_down`): `m_rj = Σ_i s_ri g_ji − s_rj`, the stressor triggered
/// downstream by a unit of primary input into j, excluding j's own direct stressor.
///
/// Unit: the stressor's unit per unit of primary input. Errors: shape, non-finite values.
pub fn downstream_multipliers(
    s: &[f64],
    k: usize,
    g: &[f64],
    n: usize,
) -> Result<Vec<f64>, MetricError> {
    check_square("Ghosh inverse G", g, n)?;
    check_len("stressor coefficients S", s, k * n)?;
    check_finite("stressor coefficients S", s, n)?;
    let mut out = vec![0.0; k * n];
    for (srow, orow) in s.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        for (j, (o, gj)) in orow.iter_mut().zip(g.chunks_exact(n)).enumerate() {
            let total: f64 = srow.iter().zip(gj).map(|(si, gji)| si * gji).sum();
            *o = total - srow[j];
        }
    }
    Ok(out)
}
