//! The Leontief inverse `L = (I − A)⁻¹` and the Ghosh inverse `G = (I − B)⁻¹`, with the
//! productivity check.

use super::{check_non_negative, check_square};
use crate::metrics::MetricError;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::{factor, inverse, solve};
use faer::{MatMut, Par};

/// How many threads the dense factorisation may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parallelism {
    /// Sequential below 256 sectors (threads cost more than they save there), otherwise
    /// every thread of the global rayon pool.
    #[default]
    Auto,
    /// One thread.
    Sequential,
    /// This many threads of the global rayon pool (0 is read as 1).
    Threads(usize),
}

impl Parallelism {
    fn par(self, n: usize) -> Par {
        match self {
            // Below a few hundred sectors, starting threads costs more than it saves.
            Parallelism::Auto if n < 256 => Par::Seq,
            Parallelism::Auto => Par::rayon(0),
            Parallelism::Sequential | Parallelism::Threads(0 | 1) => Par::Seq,
            Parallelism::Threads(t) => Par::rayon(t),
        }
    }
}

/// What the productivity check established about a non-negative coefficient matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Productivity {
    /// `ρ(A) ≤ bound < 1`, where `bound` is the largest column sum or the largest row sum
    /// (both are norms of A, so they bound its spectral radius); no iteration was needed.
    NormBound { bound: f64 },
    /// Collatz–Wielandt bounds `lower ≤ ρ(A) ≤ upper` from a power iteration.
    Bounds { lower: f64, upper: f64 },
}

impl Productivity {
    /// The best point estimate of the spectral radius this check has (the norm bound is an
    /// upper bound only).
    pub fn estimate(&self) -> f64 {
        match *self {
            Productivity::NormBound { bound } => bound,
            Productivity::Bounds { lower, upper } => 0.5 * (lower + upper),
        }
    }

    /// Whether the check proved `ρ(A) < 1`.
    pub fn is_productive(&self) -> bool {
        match *self {
            Productivity::NormBound { bound } => bound < 1.0,
            Productivity::Bounds { upper, .. } => upper < 1.0,
        }
    }

    /// Whether the check proved `ρ(A) ≥ 1`.
    pub fn is_not_productive(&self) -> bool {
        match *self {
            Productivity::NormBound { .. } => false,
            Productivity::Bounds { lower, .. } => lower >= 1.0,
        }
    }
}

/// Maximum number of power-iteration steps of [`productivity`] (each costs one `A x`).
const MAX_POWER_STEPS: usize = 500;

/// Bounds the spectral radius `ρ(A)` of a non-negative `n x n` matrix (row-major).
///
/// A is *productive* (Hawkins–Simon; Miller & Blair 2009, §2.3 and appendix 2.1) when
/// `ρ(A) < 1`: then `L = (I − A)⁻¹ = I + A + A² + … ≥ 0` exists. The check is cheap first:
/// `ρ(A) ≤ min(max column sum, max row sum)`, which settles every published table (their
/// column sums are the intermediate-input shares, below 1). When that bound is ≥ 1 it
/// iterates `x ← (A + I) x / ‖·‖` from `x = 1` and uses the Collatz–Wielandt bounds
/// `min_i (Ax)_i/x_i ≤ ρ(A) ≤ max_i (Ax)_i/x_i`, valid for non-negative A and positive x
/// (the shift by I keeps x positive even for zero rows and makes the iteration converge
/// for periodic matrices). It stops once the upper bound is below 1, once the bounds
/// agree to 1e-12 relative (so a non-productive matrix gets a converged estimate), or
/// after 500 steps; the lower bound also starts at the smallest column sum, since
/// `ρ(A) ≥ min_j Σ_i a_ij`.
///
/// Errors: wrong length, `n = 0`, non-finite or negative entries.
pub fn productivity(a: &[f64], n: usize) -> Result<Productivity, MetricError> {
    check_square("technical coefficients A", a, n)?;
    check_non_negative("technical coefficients A", a, n)?;
    Ok(productivity_unchecked(a, n))
}

/// `(min(max column sum, max row sum), min column sum)`: an upper bound on `ρ(A)` (both
/// are induced norms) and a lower bound (for non-negative A).
fn norm_bounds(a: &[f64], n: usize) -> (f64, f64) {
    let mut col = vec![0.0; n];
    let mut max_row = 0.0_f64;
    for row in a.chunks_exact(n) {
        max_row = max_row.max(row.iter().sum());
        for (c, v) in col.iter_mut().zip(row) {
            *c += v;
        }
    }
    let max_col = col.iter().copied().fold(0.0_f64, f64::max);
    let min_col = col.iter().copied().fold(f64::INFINITY, f64::min);
    (max_col.min(max_row), min_col)
}

fn productivity_unchecked(a: &[f64], n: usize) -> Productivity {
    let (bound, min_col) = norm_bounds(a, n);
    if bound < 1.0 {
        return Productivity::NormBound { bound };
    }
    let mut lower = min_col;
    let mut upper = bound;
    let mut x = vec![1.0; n];
    let mut y = vec![0.0; n];
    for _ in 0..MAX_POWER_STEPS {
        // Productive: done. Not productive: keep going, so the error reports a converged
        // estimate rather than the first bound that crossed 1.
        if upper < 1.0 || upper - lower <= 1e-12 * upper {
            break;
        }
        let (mut lo, mut hi) = (f64::INFINITY, 0.0_f64);
        for i in 0..n {
            let yi: f64 = a[i * n..(i + 1) * n]
                .iter()
                .zip(&x)
                .map(|(p, q)| p * q)
                .sum();
            y[i] = yi;
            let r = yi / x[i];
            lo = lo.min(r);
            hi = hi.max(r);
        }
        lower = lower.max(lo);
        upper = upper.min(hi);
        let scale = y.iter().zip(&x).map(|(p, q)| p + q).fold(0.0_f64, f64::max);
        for (xi, yi) in x.iter_mut().zip(&y) {
            *xi = (*xi + yi) / scale;
        }
    }
    Productivity::Bounds { lower, upper }
}

/// The Leontief inverse `L = (I − A)⁻¹` (完全需要系数矩阵) of a non-negative `n x n`
/// technical-coefficient matrix, row-major; [`Parallelism::Auto`].
///
/// `l_ij` = output of sector i needed, directly and indirectly, per unit of final demand
/// for sector j. Unit: yuan per yuan (dimensionless).
/// Reference: Miller & Blair (2009), eq. 2.11; pymrio `calc_L` (which uses LAPACK gesv).
///
/// Method: LU factorisation with partial pivoting (faer), then the inverse from the
/// triangular factors. The row-major buffer of `I − A` is factorised as the column-major
/// matrix `(I − A)ᵀ`, whose inverse `Lᵀ` in column-major order is `L` in row-major order,
/// so no transposition is needed; results agree with numpy's gesv to rounding (~1e-15).
///
/// Errors (never a NaN):
/// * shape, non-finite or negative coefficients;
/// * [`MetricError::Singular`] when an LU pivot of `(I − A)ᵀ` is at most
///   `n · ε · max|I − A|` in absolute value; `column` is the elimination step, i.e. the
///   first sector (0-based) whose row of `I − A` is numerically a combination of the rows
///   before it (a closed model with column sums of exactly 1 lands here);
/// * [`MetricError::NotProductive`] when `ρ(A) ≥ 1` (see [`productivity`]); if 500 power
///   steps leave it undecided, the inverse is computed and A is declared non-productive
///   when L has an entry below `−1e-9 · max|L|`, since for non-negative A,
///   `(I − A)⁻¹ ≥ 0` exactly when `ρ(A) < 1`.
pub fn leontief_inverse(a: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    leontief_inverse_with(a, n, Parallelism::Auto)
}

/// [`leontief_inverse`] with an explicit thread count (the benchmark uses
/// `Parallelism::Threads(2)` to match numpy's two OpenBLAS threads).
pub fn leontief_inverse_with(
    a: &[f64],
    n: usize,
    parallelism: Parallelism,
) -> Result<Vec<f64>, MetricError> {
    check_square("technical coefficients A", a, n)?;
    check_non_negative("technical coefficients A", a, n)?;
    inverse_of_i_minus(a, n, parallelism.par(n))
}

/// The Ghosh inverse `G = (I − B)⁻¹` of an `n x n` allocation-coefficient matrix B
/// (row-major): `g_ij` = output of sector j per unit of primary input into sector i.
///
/// Reference: Ghosh (1958); Miller & Blair (2009), eq. 12.8; pymrio `calc_G`.
/// B is similar to A (`B = diag(x)⁻¹ A diag(x)` where x > 0), so it has the same
/// spectral radius; the method and errors are those of [`leontief_inverse`].
pub fn ghosh_inverse(b: &[f64], n: usize) -> Result<Vec<f64>, MetricError> {
    check_square("allocation coefficients B", b, n)?;
    check_non_negative("allocation coefficients B", b, n)?;
    inverse_of_i_minus(b, n, Parallelism::Auto.par(n))
}

/// Factorises the column-major `n x n` matrix in `lu` in place (LU with partial pivoting) and
/// returns the row permutation and its inverse. A pivot at or below `n · ε · max_abs` (the
/// largest entry of the matrix before factorising) means the matrix is singular to working
/// precision: [`MetricError::Singular`] names its column.
fn lu_factor_checked(
    lu: &mut [f64],
    n: usize,
    max_abs: f64,
    par: Par,
) -> Result<(Vec<usize>, Vec<usize>), MetricError> {
    let mut perm = vec![0usize; n];
    let mut perm_inv = vec![0usize; n];
    {
        let lu_mat = MatMut::from_column_major_slice_mut(lu, n, n);
        let mut mem = MemBuffer::new(factor::lu_in_place_scratch::<usize, f64>(
            n,
            n,
            par,
            Default::default(),
        ));
        factor::lu_in_place(
            lu_mat,
            &mut perm,
            &mut perm_inv,
            par,
            MemStack::new(&mut mem),
            Default::default(),
        );
    }
    let threshold = n as f64 * f64::EPSILON * max_abs;
    for j in 0..n {
        let pivot = lu[j * n + j];
        if pivot.is_nan() || pivot.abs() <= threshold {
            return Err(MetricError::Singular { column: j, pivot });
        }
    }
    Ok((perm, perm_inv))
}

/// `(I − M)⁻¹` for a validated non-negative square M.
fn inverse_of_i_minus(m: &[f64], n: usize, par: Par) -> Result<Vec<f64>, MetricError> {
    let certified = norm_bounds(m, n).0 < 1.0;

    // Row-major I − M, read as column-major: (I − M)ᵀ.
    let mut lu: Vec<f64> = m.iter().map(|v| -v).collect();
    let mut max_abs = 0.0_f64;
    for i in 0..n {
        lu[i * n + i] += 1.0;
    }
    for v in &lu {
        max_abs = max_abs.max(v.abs());
    }
    let (perm, perm_inv) = lu_factor_checked(&mut lu, n, max_abs, par)?;

    let mut estimate = None;
    if !certified {
        let p = productivity_unchecked(m, n);
        if p.is_not_productive() {
            return Err(MetricError::NotProductive {
                spectral_radius: p.estimate(),
            });
        }
        if !p.is_productive() {
            estimate = Some(p.estimate());
        }
    }

    let mut out = vec![0.0; n * n];
    {
        let factors = faer::MatRef::from_column_major_slice(&lu, n, n);
        let perm_ref = faer::perm::PermRef::new_checked(&perm, &perm_inv, n);
        let out_mat = MatMut::from_column_major_slice_mut(&mut out, n, n);
        let mut mem = MemBuffer::new(inverse::inverse_scratch::<usize, f64>(n, par));
        inverse::inverse(
            out_mat,
            factors,
            factors,
            perm_ref,
            par,
            MemStack::new(&mut mem),
        );
    }
    if let Some(k) = out.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::Singular {
            column: k % n,
            pivot: 0.0,
        });
    }
    if let Some(spectral_radius) = estimate {
        let max_l = out.iter().fold(0.0_f64, |acc, v| acc.max(v.abs()));
        if out.iter().any(|&v| v < -1e-9 * max_l) {
            return Err(MetricError::NotProductive { spectral_radius });
        }
    }
    Ok(out)
}

/// Solves `(I − M) x = f` for a square M already known to be productive (a principal
/// submatrix of, or a matrix dominated entrywise by, a productive matrix), by LU with
/// partial pivoting; a vanishing pivot is still reported as [`MetricError::Singular`].
pub(super) fn solve_i_minus(m: &[f64], n: usize, f: &[f64]) -> Result<Vec<f64>, MetricError> {
    let par = Parallelism::Auto.par(n);
    // Column-major I − M: element (i, j) at j * n + i.
    let mut lu = vec![0.0; n * n];
    let mut max_abs = 0.0_f64;
    for i in 0..n {
        for j in 0..n {
            let v = if i == j { 1.0 } else { 0.0 } - m[i * n + j];
            lu[j * n + i] = v;
            max_abs = max_abs.max(v.abs());
        }
    }
    let (perm, perm_inv) = lu_factor_checked(&mut lu, n, max_abs, par)?;
    let mut x = f.to_vec();
    {
        let factors = faer::MatRef::from_column_major_slice(&lu, n, n);
        let perm_ref = faer::perm::PermRef::new_checked(&perm, &perm_inv, n);
        let rhs = MatMut::from_column_major_slice_mut(&mut x, n, 1);
        let mut mem = MemBuffer::new(solve::solve_in_place_scratch::<usize, f64>(n, 1, par));
        solve::solve_in_place(
            factors,
            factors,
            perm_ref,
            rhs,
            par,
            MemStack::new(&mut mem),
        );
    }
    Ok(x)
}
