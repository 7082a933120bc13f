//! Shared building blocks: input validation, RCA and the binary presence matrix, diversity
//! and ubiquity, and conversions between row-major slices and faer matrices.

use crate::metrics::MetricError;
use faer::{Mat, MatRef, Par};

/// Checks that `data` has `rows * cols` entries and that there is at least one cell.
pub(super) fn check_shape(
    what: &str,
    data: &[f64],
    rows: usize,
    cols: usize,
) -> Result<(), MetricError> {
    let expected = rows
        .checked_mul(cols)
        .ok_or_else(|| MetricError::OutOfRange {
            what: what.to_string(),
            parameter: format!("the number of cells ({rows} regions x {cols} industries)"),
            value: rows as f64 * cols as f64,
            allowed: format!("at most {} (the address space)", usize::MAX),
        })?;
    if data.len() != expected {
        return Err(MetricError::Shape {
            what: format!("{what} ({rows} regions x {cols} industries, row-major)"),
            expected,
            got: data.len(),
        });
    }
    if expected == 0 {
        return Err(MetricError::NoActivity(format!(
            "{what}: {rows} regions x {cols} industries"
        )));
    }
    Ok(())
}

/// Checks that every entry of a presence matrix is exactly 0 or 1.
pub(super) fn check_binary(
    what: &str,
    mcp: &[f64],
    rows: usize,
    cols: usize,
) -> Result<(), MetricError> {
    check_shape(what, mcp, rows, cols)?;
    if let Some(k) = mcp.iter().position(|v| *v != 0.0 && *v != 1.0) {
        return Err(MetricError::OutOfRange {
            what: what.to_string(),
            parameter: format!(
                "Mcp at region {}, industry {} (0-based)",
                k / cols,
                k % cols
            ),
            value: mcp[k],
            allowed: "0 or 1".into(),
        });
    }
    Ok(())
}

/// Checks that activity values are finite and non-negative.
pub(super) fn check_values(
    what: &str,
    values: &[f64],
    rows: usize,
    cols: usize,
) -> Result<(), MetricError> {
    check_shape(what, values, rows, cols)?;
    if let Some(k) = values.iter().position(|v| !v.is_finite() || *v < 0.0) {
        let at = format!("region {}, industry {} (0-based)", k / cols, k % cols);
        if !values[k].is_finite() {
            return Err(MetricError::NonFinite {
                what: what.to_string(),
                value: values[k],
                at,
            });
        }
        return Err(MetricError::Negative {
            what: what.to_string(),
            value: values[k],
            at,
        });
    }
    Ok(())
}

/// Balassa RCA of a row-major matrix whose row and column totals are all positive:
/// `(X_cp / X_c) / (X_p / X)`, computed in py-ecomplexity's operation order
/// (`(x / row_total) / (col_total / grand_total)`) so that results agree bit for bit.
pub(super) fn balassa_rca(values: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let row_tot: Vec<f64> = values.chunks_exact(cols).map(|r| r.iter().sum()).collect();
    let mut col_tot = vec![0.0; cols];
    for r in values.chunks_exact(cols) {
        for (t, v) in col_tot.iter_mut().zip(r) {
            *t += v;
        }
    }
    let grand: f64 = col_tot.iter().sum();
    let share: Vec<f64> = col_tot.iter().map(|t| t / grand).collect();
    let mut out = Vec::with_capacity(rows * cols);
    for (r, row) in values.chunks_exact(cols).enumerate() {
        for (p, v) in row.iter().enumerate() {
            out.push((v / row_tot[r]) / share[p]);
        }
    }
    out
}

/// Diversity `d_c = Σ_p M_cp`: the number of industries in which region `c` has a revealed
/// comparative advantage (Hidalgo & Hausmann 2009, `k_c,0`).
///
/// `mcp` is a dense row-major regions x industries matrix of 0/1. Any other value is an
/// error ([`MetricError::OutOfRange`]); a wrong length is [`MetricError::Shape`]. A region with
/// no advantage anywhere has diversity 0 (the complexity indices are undefined for it).
pub fn diversity(mcp: &[f64], regions: usize, industries: usize) -> Result<Vec<f64>, MetricError> {
    check_binary("diversity", mcp, regions, industries)?;
    Ok(row_sums(mcp, industries))
}

/// Ubiquity `u_p = Σ_c M_cp`: the number of regions with a revealed comparative advantage in
/// industry `p` (Hidalgo & Hausmann 2009, `k_p,0`).
///
/// Same input conventions as [`diversity`]. An industry present nowhere has ubiquity 0.
pub fn ubiquity(mcp: &[f64], regions: usize, industries: usize) -> Result<Vec<f64>, MetricError> {
    check_binary("ubiquity", mcp, regions, industries)?;
    Ok(col_sums(mcp, industries))
}

pub(super) fn row_sums(data: &[f64], cols: usize) -> Vec<f64> {
    data.chunks_exact(cols).map(|r| r.iter().sum()).collect()
}

pub(super) fn col_sums(data: &[f64], cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; cols];
    for r in data.chunks_exact(cols) {
        for (t, v) in out.iter_mut().zip(r) {
            *t += v;
        }
    }
    out
}

/// Copies a row-major slice into a faer matrix.
pub(super) fn to_mat(data: &[f64], rows: usize, cols: usize) -> Mat<f64> {
    MatRef::from_row_major_slice(data, rows, cols).to_owned()
}

/// Copies a faer matrix into a row-major vector.
pub(super) fn to_row_major(m: MatRef<'_, f64>) -> Vec<f64> {
    let mut out = Vec::with_capacity(m.nrows() * m.ncols());
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            out.push(m[(i, j)]);
        }
    }
    out
}

/// `dst = lhs · rhs`.
pub(super) fn matmul(lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    let mut dst = Mat::<f64>::zeros(lhs.nrows(), rhs.ncols());
    faer::linalg::matmul::matmul(dst.as_mut(), faer::Accum::Replace, lhs, rhs, 1.0, par);
    dst
}

/// `A Aᵀ`, exactly symmetric: the lower triangle by faer's triangular product (half the
/// work of the full product), mirrored into the upper one.
pub(super) fn gram(a: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    use faer::linalg::matmul::triangular::{matmul, BlockStructure};
    let n = a.nrows();
    let mut g = Mat::<f64>::zeros(n, n);
    matmul(
        g.as_mut(),
        BlockStructure::TriangularLower,
        faer::Accum::Replace,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        1.0,
        par,
    );
    for j in 1..n {
        for i in 0..j {
            g[(i, j)] = g[(j, i)];
        }
    }
    g
}

/// Mean and population standard deviation (ddof = 0, as numpy's default `std`).
pub(super) fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}
