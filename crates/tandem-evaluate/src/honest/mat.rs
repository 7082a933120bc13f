//! Minimal dense row-major matrices for the small problems of the sensitivity analysis
//! (dimensions in the tens). Eigendecompositions come from `faer`.

/// A dense row-major matrix.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Mat {
    /// The `rows x cols` zero matrix.
    pub(crate) fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A matrix from row-major data.
    pub(crate) fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        Self { rows, cols, data }
    }

    /// Entry `(r, c)`.
    pub(crate) fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    /// Sets entry `(r, c)`.
    pub(crate) fn set(&mut self, r: usize, c: usize, v: f64) {
        self.data[r * self.cols + c] = v;
    }

    /// Row `r` as a slice.
    pub(crate) fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// The transpose.
    pub(crate) fn t(&self) -> Mat {
        let mut out = Mat::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                out.set(c, r, self.at(r, c));
            }
        }
        out
    }

    /// The product `self * other`.
    pub(crate) fn mul(&self, other: &Mat) -> Mat {
        debug_assert_eq!(self.cols, other.rows);
        let mut out = Mat::zeros(self.rows, other.cols);
        for r in 0..self.rows {
            for k in 0..self.cols {
                let a = self.at(r, k);
                if a == 0.0 {
                    continue;
                }
                for c in 0..other.cols {
                    out.data[r * other.cols + c] += a * other.at(k, c);
                }
            }
        }
        out
    }

    /// The product `self * v`.
    pub(crate) fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        (0..self.rows).map(|r| dot(self.row(r), v)).collect()
    }

    /// `self * S * self'` for a square `S`.
    pub(crate) fn sandwich(&self, s: &Mat) -> Mat {
        self.mul(s).mul(&self.t())
    }

    /// The rows listed in `idx`, in that order.
    pub(crate) fn select_rows(&self, idx: &[usize]) -> Mat {
        let mut data = Vec::with_capacity(idx.len() * self.cols);
        for &r in idx {
            data.extend_from_slice(self.row(r));
        }
        Mat::from_vec(idx.len(), self.cols, data)
    }

    /// The columns listed in `idx`, in that order.
    pub(crate) fn select_cols(&self, idx: &[usize]) -> Mat {
        let mut out = Mat::zeros(self.rows, idx.len());
        for r in 0..self.rows {
            for (j, &c) in idx.iter().enumerate() {
                out.set(r, j, self.at(r, c));
            }
        }
        out
    }

    /// The square submatrix on rows and columns `idx`.
    pub(crate) fn principal(&self, idx: &[usize]) -> Mat {
        self.select_rows(idx).select_cols(idx)
    }

    /// `sqrt` of the diagonal.
    pub(crate) fn diag_sqrt(&self) -> Vec<f64> {
        (0..self.rows)
            .map(|i| self.at(i, i).max(0.0).sqrt())
            .collect()
    }

    /// `x' self x`.
    pub(crate) fn quad(&self, x: &[f64]) -> f64 {
        dot(x, &self.mul_vec(x))
    }
}

/// The dot product.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `A X = B` by Gaussian elimination with partial pivoting; `None` if `A` is
/// (numerically) singular.
pub(crate) fn solve(a: &Mat, b: &Mat) -> Option<Mat> {
    let n = a.rows;
    debug_assert_eq!(a.cols, n);
    let mut m = a.clone();
    let mut x = b.clone();
    let scale = a.data.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| m.at(i, k).abs().total_cmp(&m.at(j, k).abs()))?;
        if m.at(p, k).abs() <= 1e-13 * scale.max(f64::MIN_POSITIVE) {
            return None;
        }
        swap_rows(&mut m, k, p);
        swap_rows(&mut x, k, p);
        for i in k + 1..n {
            let f = m.at(i, k) / m.at(k, k);
            if f == 0.0 {
                continue;
            }
            for c in k..n {
                let v = m.at(i, c) - f * m.at(k, c);
                m.set(i, c, v);
            }
            for c in 0..x.cols {
                let v = x.at(i, c) - f * x.at(k, c);
                x.set(i, c, v);
            }
        }
    }
    for k in (0..n).rev() {
        for c in 0..x.cols {
            let mut v = x.at(k, c);
            for j in k + 1..n {
                v -= m.at(k, j) * x.at(j, c);
            }
            x.set(k, c, v / m.at(k, k));
        }
    }
    Some(x)
}

/// Swaps rows `i` and `j`.
fn swap_rows(m: &mut Mat, i: usize, j: usize) {
    if i == j {
        return;
    }
    for c in 0..m.cols {
        m.data.swap(i * m.cols + c, j * m.cols + c);
    }
}

/// The identity matrix.
pub(crate) fn identity(n: usize) -> Mat {
    let mut m = Mat::zeros(n, n);
    for i in 0..n {
        m.set(i, i, 1.0);
    }
    m
}

/// Eigenvalues (ascending) and eigenvectors (columns, row-major `n x n`) of a symmetric matrix.
fn sym_eigen(s: &Mat) -> Option<(Vec<f64>, Mat)> {
    let n = s.rows;
    let fm = faer::Mat::<f64>::from_fn(n, n, |i, j| 0.5 * (s.at(i, j) + s.at(j, i)));
    let evd = fm.self_adjoint_eigen(faer::Side::Lower).ok()?;
    let vals: Vec<f64> = (0..n).map(|i| evd.S().column_vector()[i]).collect();
    let u = evd.U();
    let vecs = Mat::from_vec(n, n, (0..n * n).map(|k| u[(k / n, k % n)]).collect());
    Some((vals, vecs))
}

/// The symmetric square root `V diag(sqrt(max(λ, 0))) V'` of a symmetric PSD matrix.
pub(crate) fn sym_sqrt(s: &Mat) -> Option<Mat> {
    let (vals, v) = sym_eigen(s)?;
    let n = s.rows;
    let mut out = Mat::zeros(n, n);
    for i in 0..n {
        for j in 0..n {
            let x = (0..n)
                .map(|k| v.at(i, k) * vals[k].max(0.0).sqrt() * v.at(j, k))
                .sum();
            out.set(i, j, x);
        }
    }
    Some(out)
}

/// Numerical rank of `x` as R's `Matrix::rankMatrix` (singular values above
/// `max(dim) * eps * max singular value`).
pub(crate) fn rank(x: &Mat) -> usize {
    if x.rows == 0 || x.cols == 0 {
        return 0;
    }
    let fm = faer::Mat::<f64>::from_fn(x.rows, x.cols, |i, j| x.at(i, j));
    let Ok(sv) = fm.singular_values() else {
        return 0;
    };
    let smax = sv.iter().fold(0.0f64, |a, &b| a.max(b));
    let tol = x.rows.max(x.cols) as f64 * f64::EPSILON * smax;
    sv.iter().filter(|&&s| s > tol).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_sqrt() {
        let a = Mat::from_vec(2, 2, vec![4.0, 1.0, 1.0, 3.0]);
        let x = solve(&a, &identity(2)).unwrap();
        let prod = a.mul(&x);
        assert!((prod.at(0, 0) - 1.0).abs() < 1e-14 && prod.at(0, 1).abs() < 1e-14);
        let r = sym_sqrt(&a).unwrap();
        let back = r.mul(&r);
        for k in 0..4 {
            assert!((back.data[k] - a.data[k]).abs() < 1e-12);
        }
        assert_eq!(rank(&Mat::from_vec(2, 2, vec![1.0, 2.0, 2.0, 4.0])), 1);
        assert!(solve(&Mat::from_vec(2, 2, vec![1.0, 2.0, 2.0, 4.0]), &identity(2)).is_none());
    }
}
