//! A minimal dense row-major matrix: all synthdid needs (row selection, collapsing, products).

/// Dense row-major `rows x cols` matrix of finite values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mat {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) data: Vec<f64>,
}

impl Mat {
    /// Wraps row-major `data` (length `rows * cols`, checked by the caller).
    pub(crate) fn new(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        Self { rows, cols, data }
    }

    /// Element `(r, c)`.
    pub(crate) fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    /// Row `r` as a slice.
    pub(crate) fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// The matrix made of rows `idx` (in that order, repeats allowed), like numpy's `Y[idx]`.
    pub(crate) fn select_rows(&self, idx: &[usize]) -> Mat {
        let mut data = Vec::with_capacity(idx.len() * self.cols);
        for &r in idx {
            data.extend_from_slice(self.row(r));
        }
        Mat::new(idx.len(), self.cols, data)
    }

    /// The transpose.
    pub(crate) fn transpose(&self) -> Mat {
        let mut data = Vec::with_capacity(self.data.len());
        for c in 0..self.cols {
            data.extend((0..self.rows).map(|r| self.at(r, c)));
        }
        Mat::new(self.cols, self.rows, data)
    }

    /// `v' M` for a vector `v` of length `rows`: the weighted sum of rows.
    pub(crate) fn left_mul(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.cols];
        for (r, &w) in v.iter().enumerate() {
            for (o, &y) in out.iter_mut().zip(self.row(r)) {
                *o += w * y;
            }
        }
        out
    }
}

/// Mean of a slice (NaN when empty).
pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Inner product.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// synthdid's collapsed form of `y` ((N0+1) x (T0+1)): the control x pre block, each control's
/// post-period mean in the last column, the treated units' mean per pre period in the last row,
/// and the mean of the whole treated x post block in the corner.
pub(crate) fn collapsed_form(y: &Mat, n0: usize, t0: usize) -> Mat {
    let (n, t) = (y.rows, y.cols);
    let mut data = Vec::with_capacity((n0 + 1) * (t0 + 1));
    for r in 0..n0 {
        let row = y.row(r);
        data.extend_from_slice(&row[..t0]);
        data.push(mean(&row[t0..]));
    }
    for c in 0..t0 {
        let col: Vec<f64> = (n0..n).map(|r| y.at(r, c)).collect();
        data.push(mean(&col));
    }
    let block: Vec<f64> = (n0..n).flat_map(|r| y.row(r)[t0..t].to_vec()).collect();
    data.push(mean(&block));
    Mat::new(n0 + 1, t0 + 1, data)
}
