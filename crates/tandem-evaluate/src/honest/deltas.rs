//! The restriction sets Δ as linear inequalities `A δ <= d` and their identified sets.
//!
//! δ has one entry per event-study coefficient (pre periods then post periods; the reference
//! period is normalised to δ₀ = 0 and left out), so each matrix is built on the vector with δ₀
//! included and then its column is dropped, as HonestDiD does.

use super::lp::{maximize_free, LpFailure};
use super::mat::{dot, Mat};

/// Linear restrictions `A δ <= d` on the violation vector δ.
#[derive(Clone, Debug)]
pub(crate) struct Restriction {
    pub a: Mat,
    pub d: Vec<f64>,
}

impl Restriction {
    /// Keeps only the rows listed in `rows`.
    pub(crate) fn select(&self, rows: &[usize]) -> Restriction {
        Restriction {
            a: self.a.select_rows(rows),
            d: rows.iter().map(|&r| self.d[r]).collect(),
        }
    }

    /// Rows involving at least one post-period coefficient (columns `num_pre..`).
    pub(crate) fn post_rows(&self, num_pre: usize) -> Vec<usize> {
        (0..self.a.rows)
            .filter(|&r| self.a.row(r)[num_pre..].iter().any(|&v| v != 0.0))
            .collect()
    }
}

/// Drops column `col` (the reference period δ₀) from `m`.
fn drop_col(m: &Mat, col: usize) -> Mat {
    let keep: Vec<usize> = (0..m.cols).filter(|&c| c != col).collect();
    m.select_cols(&keep)
}

/// Stacks `top` over `bottom`.
fn stack(top: &Mat, bottom: &Mat) -> Mat {
    let mut data = top.data.clone();
    data.extend_from_slice(&bottom.data);
    Mat::from_vec(top.rows + bottom.rows, top.cols, data)
}

/// Δ^SD(M): `|(δ_{t+1} - δ_t) - (δ_t - δ_{t-1})| <= M` for every consecutive triple of periods
/// (pre and post), with δ₀ = 0 (HonestDiD `.create_A_SD`, `.create_d_SD`).
pub(crate) fn smoothness(num_pre: usize, num_post: usize, m: f64) -> Restriction {
    let t = num_pre + num_post;
    let mut tilde = Mat::zeros(t - 1, t + 1);
    for r in 0..t - 1 {
        tilde.set(r, r, 1.0);
        tilde.set(r, r + 1, -2.0);
        tilde.set(r, r + 2, 1.0);
    }
    let tilde = drop_col(&tilde, num_pre);
    let neg = Mat::from_vec(
        tilde.rows,
        tilde.cols,
        tilde.data.iter().map(|v| -v).collect(),
    );
    let a = stack(&tilde, &neg);
    let d = vec![m; a.rows];
    Restriction { a, d }
}

/// One piece Δ^RM_{s,±}(M̄) of the relative-magnitudes set: the largest pre-period first
/// difference (in absolute value) is the one ending at period `s` (`s` in `-(num_pre-1)..=0`),
/// with sign `+` if `max_positive`, and every post-period first difference is at most M̄ times
/// it in absolute value (HonestDiD `.create_A_RM`; zero rows removed).
pub(crate) fn relative_magnitudes_piece(
    num_pre: usize,
    num_post: usize,
    mbar: f64,
    s: i64,
    max_positive: bool,
) -> Restriction {
    let t = num_pre + num_post;
    let mut tilde = Mat::zeros(t, t + 1);
    for r in 0..t {
        tilde.set(r, r, -1.0);
        tilde.set(r, r + 1, 1.0);
    }
    let sign = if max_positive { 1.0 } else { -1.0 };
    let pos = (num_pre as i64 + s) as usize;
    let mut bound = Mat::zeros(t, t + 1);
    for r in 0..t {
        let scale = if r < num_pre { sign } else { sign * mbar };
        bound.set(r, pos - 1, -scale);
        bound.set(r, pos, scale);
    }
    let plus: Vec<f64> = tilde
        .data
        .iter()
        .zip(&bound.data)
        .map(|(a, b)| a - b)
        .collect();
    let minus: Vec<f64> = tilde
        .data
        .iter()
        .zip(&bound.data)
        .map(|(a, b)| -a - b)
        .collect();
    let full = stack(
        &Mat::from_vec(t, t + 1, plus),
        &Mat::from_vec(t, t + 1, minus),
    );
    let keep: Vec<usize> = (0..full.rows)
        .filter(|&r| dot(full.row(r), full.row(r)) > 1e-10)
        .collect();
    let a = drop_col(&full.select_rows(&keep), num_pre);
    let d = vec![0.0; a.rows];
    Restriction { a, d }
}

/// Every `(s, sign)` piece of Δ^RM(M̄); Δ^RM is their union.
pub(crate) fn relative_magnitudes_pieces(
    num_pre: usize,
    num_post: usize,
    mbar: f64,
) -> Vec<Restriction> {
    let min_s = -(num_pre as i64 - 1);
    let mut out = Vec::new();
    for positive in [true, false] {
        for s in min_s..=0 {
            out.push(relative_magnitudes_piece(
                num_pre, num_post, mbar, s, positive,
            ));
        }
    }
    out
}

/// Bounds of `l'δ_post` over `{δ : A δ <= d, δ_pre = β_pre}`; `None` if that set is empty.
/// Unbounded directions give infinite bounds.
pub(crate) fn bias_range(
    r: &Restriction,
    beta_pre: &[f64],
    l: &[f64],
) -> Result<Option<(f64, f64)>, LpFailure> {
    let num_pre = beta_pre.len();
    let num_post = l.len();
    let post_cols: Vec<usize> = (num_pre..num_pre + num_post).collect();
    let pre_cols: Vec<usize> = (0..num_pre).collect();
    let g = r.a.select_cols(&post_cols);
    let shift = r.a.select_cols(&pre_cols).mul_vec(beta_pre);
    let h: Vec<f64> = r.d.iter().zip(&shift).map(|(d, s)| d - s).collect();
    let neg_l: Vec<f64> = l.iter().map(|v| -v).collect();
    let hi = maximize_free(l, &g.data, &h, g.rows, num_post);
    let lo = maximize_free(&neg_l, &g.data, &h, g.rows, num_post);
    match (hi, lo) {
        (Err(LpFailure::Infeasible), _) | (_, Err(LpFailure::Infeasible)) => Ok(None),
        (Ok(hi), Ok(lo)) => Ok(Some((-lo.value, hi.value))),
        (hi, lo) => {
            let max = match hi {
                Ok(s) => s.value,
                Err(LpFailure::Unbounded) => f64::INFINITY,
                Err(e) => return Err(e),
            };
            let min = match lo {
                Ok(s) => -s.value,
                Err(LpFailure::Unbounded) => f64::NEG_INFINITY,
                Err(e) => return Err(e),
            };
            Ok(Some((min, max)))
        }
    }
}

/// Identified set for θ = l'τ_post given β: `[l'β_post - max l'δ_post, l'β_post - min l'δ_post]`
/// over δ in the union of `pieces` consistent with δ_pre = β_pre. `None` if no piece is
/// consistent with the pre-period coefficients.
pub(crate) fn identified_set(
    pieces: &[Restriction],
    beta: &[f64],
    num_pre: usize,
    l: &[f64],
) -> Result<Option<(f64, f64)>, LpFailure> {
    let theta_hat = dot(l, &beta[num_pre..]);
    let mut out: Option<(f64, f64)> = None;
    for p in pieces {
        if let Some((lo, hi)) = bias_range(p, &beta[..num_pre], l)? {
            let (a, b) = (theta_hat - hi, theta_hat - lo);
            out = Some(match out {
                None => (a, b),
                Some((x, y)) => (x.min(a), y.max(b)),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothness_rows() {
        // 2 pre, 1 post: columns (δ-2, δ-1, δ1); second differences around -1 and 0.
        let r = smoothness(2, 1, 0.5);
        assert_eq!(r.a.rows, 4);
        assert_eq!(r.a.row(0), &[1.0, -2.0, 0.0]);
        assert_eq!(r.a.row(1), &[0.0, 1.0, 1.0]);
        assert_eq!(r.d, vec![0.5; 4]);
    }

    #[test]
    fn relative_magnitudes_rows() {
        // 2 pre, 1 post, s = 0, +: max pre difference is δ0 - δ-1 = -δ-1 >= |δ-1 - δ-2|,
        // and |δ1 - δ0| <= M̄ (-δ-1).
        let r = relative_magnitudes_piece(2, 1, 2.0, 0, true);
        // Rows of (Atilde - A_UB) then (-Atilde - A_UB), zero rows dropped.
        assert_eq!(r.a.rows, 5);
        assert_eq!(r.a.row(0), &[-1.0, 2.0, 0.0]);
        assert_eq!(r.a.row(1), &[0.0, 2.0, 1.0]);
    }
}
