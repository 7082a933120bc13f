//! Small dense linear algebra for the 2x2 estimators: Gram matrices of a handful of covariates,
//! their inverses and condition numbers. Matrices are row-major `k x k` slices.

use faer::{Mat, Side};

/// `Σ_i s_i x_i x_i'` over the rows of the row-major `n x k` matrix `x`, divided by `div`.
pub(crate) fn weighted_gram(x: &[f64], k: usize, s: &[f64], div: f64) -> Vec<f64> {
    let mut g = vec![0.0; k * k];
    for (row, &si) in x.chunks_exact(k).zip(s) {
        if si == 0.0 {
            continue;
        }
        for a in 0..k {
            let v = si * row[a];
            for b in a..k {
                g[a * k + b] += v * row[b];
            }
        }
    }
    for a in 0..k {
        for b in a..k {
            g[a * k + b] /= div;
            g[b * k + a] = g[a * k + b];
        }
    }
    g
}

/// `Σ_i s_i x_i / div` (a `k`-vector).
pub(crate) fn weighted_colsum(x: &[f64], k: usize, s: &[f64], div: f64) -> Vec<f64> {
    let mut out = vec![0.0; k];
    for (row, &si) in x.chunks_exact(k).zip(s) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += si * v;
        }
    }
    out.iter_mut().for_each(|o| *o /= div);
    out
}

/// Matrix-vector product of a row-major `k x k` matrix.
pub(crate) fn mat_vec(a: &[f64], k: usize, v: &[f64]) -> Vec<f64> {
    a.chunks_exact(k).map(|row| dot(row, v)).collect()
}

/// Dot product.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Inverse of a square row-major matrix by Gauss-Jordan elimination with partial pivoting;
/// `None` when a pivot is exactly zero or not finite.
pub(crate) fn inverse(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; k * k];
    for i in 0..k {
        inv[i * k + i] = 1.0;
    }
    for col in 0..k {
        let piv =
            (col..k).max_by(|&r, &s| m[r * k + col].abs().total_cmp(&m[s * k + col].abs()))?;
        let p = m[piv * k + col];
        if p == 0.0 || !p.is_finite() {
            return None;
        }
        if piv != col {
            for j in 0..k {
                m.swap(piv * k + j, col * k + j);
                inv.swap(piv * k + j, col * k + j);
            }
        }
        for j in 0..k {
            m[col * k + j] /= p;
            inv[col * k + j] /= p;
        }
        for r in (0..k).filter(|&r| r != col) {
            let f = m[r * k + col];
            if f != 0.0 {
                for j in 0..k {
                    m[r * k + j] -= f * m[col * k + j];
                    inv[r * k + j] -= f * inv[col * k + j];
                }
            }
        }
    }
    Some(inv)
}

/// Eigenvalues of a symmetric row-major matrix, ascending; `None` if the decomposition fails.
pub(crate) fn sym_eigenvalues(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let m = Mat::<f64>::from_fn(k, k, |i, j| a[i * k + j]);
    m.self_adjoint_eigenvalues(Side::Lower).ok()
}

/// 2-norm condition number of a symmetric positive semi-definite matrix (`λmax / λmin`,
/// infinite when singular), as `numpy.linalg.cond` computes it from singular values.
pub(crate) fn sym_condition(a: &[f64], k: usize) -> f64 {
    match sym_eigenvalues(a, k) {
        Some(ev) => {
            let max = ev.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let min = ev.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
            if min == 0.0 || !min.is_finite() {
                f64::INFINITY
            } else {
                max / min
            }
        }
        None => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_small_matrix() {
        let a = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let inv = inverse(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|l| a[i * 3 + l] * inv[l * 3 + j]).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-14);
            }
        }
        assert!(inverse(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
        assert!((sym_condition(&[1.0, 0.0, 0.0, 4.0], 2) - 4.0).abs() < 1e-12);
    }
}
