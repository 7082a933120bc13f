//! A small dense linear-programming solver: the two-phase tableau simplex method.
//!
//! The sensitivity analysis solves many tiny linear programs (tens of variables, tens of
//! constraints): identified-set bounds, the ARP test statistic and its conditioning events, and
//! the least-favourable critical value by simulation. A dense tableau is the simplest exact method
//! at that size. Pivoting uses Dantzig's rule (largest reduced cost) and falls back to Bland's
//! rule (smallest index) after a run of degenerate pivots, which rules out cycling.
//!
//! The core form is the standard form `max c'x  s.t.  A x = b, x >= 0`
//! ([`maximize_standard`]); [`maximize_free`] handles `max c'x  s.t.  G x <= h` with free `x`.

/// Why a linear program has no optimal solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LpFailure {
    /// No point satisfies the constraints.
    Infeasible,
    /// The objective is unbounded on the feasible set.
    Unbounded,
    /// The pivot limit was reached (numerical trouble); treat as no answer.
    IterationLimit,
}

/// An optimal basic solution of a linear program.
#[derive(Debug, Clone)]
pub(crate) struct LpSolution {
    /// The optimal vertex.
    pub x: Vec<f64>,
    /// The optimal objective value `c'x`.
    pub value: f64,
}

/// Pivot tolerance: entries smaller than this (after row scaling) are treated as zero.
const PIVOT_TOL: f64 = 1e-11;
/// Degenerate pivots in a row before switching from Dantzig's to Bland's rule.
const DEGENERATE_RUN: usize = 50;

/// Dense simplex tableau: `rows` constraint rows plus one objective row (the last), each with
/// `cols` coefficient columns plus the right-hand side (the last column).
struct Tableau {
    rows: usize,
    cols: usize,
    t: Vec<f64>,
    basis: Vec<usize>,
}

impl Tableau {
    fn width(&self) -> usize {
        self.cols + 1
    }

    fn at(&self, r: usize, c: usize) -> f64 {
        self.t[r * self.width() + c]
    }

    fn rhs(&self, r: usize) -> f64 {
        self.at(r, self.cols)
    }

    /// Gauss-Jordan pivot on entry (`pr`, `pc`); the objective row is updated too.
    fn pivot(&mut self, pr: usize, pc: usize) {
        let w = self.width();
        let p = self.at(pr, pc);
        for c in 0..w {
            self.t[pr * w + c] /= p;
        }
        for r in 0..=self.rows {
            if r == pr {
                continue;
            }
            let f = self.at(r, pc);
            if f == 0.0 {
                continue;
            }
            for c in 0..w {
                let v = self.t[pr * w + c];
                self.t[r * w + c] -= f * v;
            }
            self.t[r * w + pc] = 0.0;
        }
        self.basis[pr] = pc;
    }

    /// Entering column: objective-row entries are `-(reduced cost)` (maximisation), so a
    /// negative entry improves the objective. `allowed` masks columns that may enter.
    fn entering(&self, bland: bool, allowed: &dyn Fn(usize) -> bool) -> Option<usize> {
        let scale = (0..self.cols)
            .map(|c| self.at(self.rows, c).abs())
            .fold(1.0, f64::max);
        let tol = 1e-11 * scale;
        let mut best: Option<(usize, f64)> = None;
        for c in (0..self.cols).filter(|&c| allowed(c)) {
            let v = self.at(self.rows, c);
            if v < -tol {
                if bland {
                    return Some(c);
                }
                if best.is_none_or(|(_, b)| v < b) {
                    best = Some((c, v));
                }
            }
        }
        best.map(|(c, _)| c)
    }

    /// Leaving row by the minimum-ratio test (ties broken by the smallest basic index).
    fn leaving(&self, pc: usize) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for r in 0..self.rows {
            let a = self.at(r, pc);
            if a <= PIVOT_TOL {
                continue;
            }
            let ratio = self.rhs(r).max(0.0) / a;
            let better = match best {
                None => true,
                Some((br, b)) => {
                    ratio < b - 1e-12 * b.abs().max(1.0)
                        || (ratio <= b + 1e-12 * b.abs().max(1.0) && self.basis[r] < self.basis[br])
                }
            };
            if better {
                best = Some((r, ratio));
            }
        }
        best.map(|(r, _)| r)
    }

    /// Runs simplex iterations on the current objective row until optimal or unbounded.
    fn optimise(&mut self, allowed: &dyn Fn(usize) -> bool) -> Result<(), LpFailure> {
        let max_iter = 50 * (self.rows + self.cols) + 1000;
        let mut degenerate = 0usize;
        for _ in 0..max_iter {
            let bland = degenerate >= DEGENERATE_RUN;
            let Some(pc) = self.entering(bland, allowed) else {
                return Ok(());
            };
            let Some(pr) = self.leaving(pc) else {
                return Err(LpFailure::Unbounded);
            };
            if self.rhs(pr).abs() <= 1e-14 {
                degenerate += 1;
            } else {
                degenerate = 0;
            }
            self.pivot(pr, pc);
        }
        Err(LpFailure::IterationLimit)
    }

    /// Replaces the objective row by `-c` (maximise `c'x`) expressed in the current basis.
    fn set_objective(&mut self, c: &[f64]) {
        let w = self.width();
        let obj = self.rows * w;
        for k in 0..w {
            self.t[obj + k] = 0.0;
        }
        for (k, &ck) in c.iter().enumerate() {
            self.t[obj + k] = -ck;
        }
        for r in 0..self.rows {
            let f = self.t[obj + self.basis[r]];
            if f != 0.0 {
                for k in 0..w {
                    let v = self.t[r * w + k];
                    self.t[obj + k] -= f * v;
                }
            }
        }
    }
}

/// Builds the phase-1 tableau: rows scaled to unit max-norm and signed so `b >= 0`, one
/// artificial column per row (columns `n..n+m`), artificials basic.
fn phase_one_tableau(a: &[f64], b: &[f64], m: usize, n: usize) -> Tableau {
    let cols = n + m;
    let w = cols + 1;
    let mut t = vec![0.0; (m + 1) * w];
    for r in 0..m {
        let row = &a[r * n..(r + 1) * n];
        let scale = row
            .iter()
            .fold(b[r].abs(), |s, v| s.max(v.abs()))
            .max(1e-300);
        let sign = if b[r] < 0.0 { -1.0 } else { 1.0 };
        for c in 0..n {
            t[r * w + c] = sign * row[c] / scale;
        }
        t[r * w + n + r] = 1.0;
        t[r * w + cols] = sign * b[r] / scale;
    }
    Tableau {
        rows: m,
        cols,
        t,
        basis: (n..n + m).collect(),
    }
}

/// Pivots artificial variables out of the basis after phase 1; rows whose artificial cannot
/// leave are redundant and are dropped.
fn expel_artificials(tab: &mut Tableau, n: usize) {
    let mut r = 0;
    while r < tab.rows {
        if tab.basis[r] < n {
            r += 1;
            continue;
        }
        let col = (0..n)
            .filter(|&c| tab.at(r, c).abs() > 1e-9)
            .max_by(|&x, &y| tab.at(r, x).abs().total_cmp(&tab.at(r, y).abs()));
        match col {
            Some(c) => {
                tab.pivot(r, c);
                r += 1;
            }
            None => drop_row(tab, r),
        }
    }
}

/// Removes constraint row `r` from the tableau.
fn drop_row(tab: &mut Tableau, r: usize) {
    let w = tab.width();
    tab.t.drain(r * w..(r + 1) * w);
    tab.basis.remove(r);
    tab.rows -= 1;
}

/// Solves `max c'x  s.t.  A x = b, x >= 0` with `A` an `m x n` row-major matrix.
///
/// Returns the optimal vertex and value, or why there is none.
pub(crate) fn maximize_standard(
    a: &[f64],
    b: &[f64],
    c: &[f64],
    m: usize,
    n: usize,
) -> Result<LpSolution, LpFailure> {
    debug_assert_eq!(a.len(), m * n);
    debug_assert_eq!(b.len(), m);
    debug_assert_eq!(c.len(), n);
    let mut tab = phase_one_tableau(a, b, m, n);
    let mut phase1 = vec![0.0; n + m];
    for v in &mut phase1[n..] {
        *v = -1.0;
    }
    tab.set_objective(&phase1);
    tab.optimise(&|_| true)?;
    let infeasibility = -tab.rhs(tab.rows);
    if infeasibility.abs() > 1e-9 {
        return Err(LpFailure::Infeasible);
    }
    expel_artificials(&mut tab, n);
    let mut full_c = c.to_vec();
    full_c.extend(std::iter::repeat_n(0.0, m));
    tab.set_objective(&full_c);
    tab.optimise(&|col| col < n)?;
    let mut x = vec![0.0; n];
    for r in 0..tab.rows {
        if tab.basis[r] < n {
            x[tab.basis[r]] = tab.rhs(r).max(0.0);
        }
    }
    let value = c.iter().zip(&x).map(|(ci, xi)| ci * xi).sum();
    Ok(LpSolution { x, value })
}

/// Solves `max c'x  s.t.  G x <= h` with `x` free (`G` is `m x n` row-major).
///
/// Written in standard form as `x = x⁺ - x⁻` with slacks: `[G, -G, I] (x⁺, x⁻, s) = h`.
pub(crate) fn maximize_free(
    c: &[f64],
    g: &[f64],
    h: &[f64],
    m: usize,
    n: usize,
) -> Result<LpSolution, LpFailure> {
    let cols = 2 * n + m;
    let mut a = vec![0.0; m * cols];
    for r in 0..m {
        for k in 0..n {
            a[r * cols + k] = g[r * n + k];
            a[r * cols + n + k] = -g[r * n + k];
        }
        a[r * cols + 2 * n + r] = 1.0;
    }
    let mut cc = vec![0.0; cols];
    for k in 0..n {
        cc[k] = c[k];
        cc[n + k] = -c[k];
    }
    let sol = maximize_standard(&a, h, &cc, m, cols)?;
    let x: Vec<f64> = (0..n).map(|k| sol.x[k] - sol.x[n + k]).collect();
    let value = c.iter().zip(&x).map(|(ci, xi)| ci * xi).sum();
    Ok(LpSolution { x, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_problem() {
        // max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18 -> (2, 6), value 36.
        let g = [1.0, 0.0, 0.0, 2.0, 3.0, 2.0];
        let sol = maximize_free(&[3.0, 5.0], &g, &[4.0, 12.0, 18.0], 3, 2).unwrap();
        assert!((sol.value - 36.0).abs() < 1e-10);
        assert!((sol.x[0] - 2.0).abs() < 1e-10 && (sol.x[1] - 6.0).abs() < 1e-10);
    }

    #[test]
    fn free_variables_can_be_negative() {
        // min x + y (max -x - y) s.t. x >= -3, y >= -2, written as -x <= 3, -y <= 2.
        let g = [-1.0, 0.0, 0.0, -1.0];
        let sol = maximize_free(&[-1.0, -1.0], &g, &[3.0, 2.0], 2, 2).unwrap();
        assert!((sol.value - 5.0).abs() < 1e-12);
        assert!((sol.x[0] + 3.0).abs() < 1e-12 && (sol.x[1] + 2.0).abs() < 1e-12);
    }

    #[test]
    fn detects_infeasible_and_unbounded() {
        // x <= -1 and -x <= -1 (x >= 1): infeasible.
        let g = [1.0, -1.0];
        let r = maximize_free(&[1.0], &g, &[-1.0, -1.0], 2, 1);
        assert_eq!(r.unwrap_err(), LpFailure::Infeasible);
        // max x s.t. -x <= 0: unbounded.
        let r = maximize_free(&[1.0], &[-1.0], &[0.0], 1, 1);
        assert_eq!(r.unwrap_err(), LpFailure::Unbounded);
    }

    #[test]
    fn standard_form_with_redundant_equalities() {
        // max x1 + 2 x2 s.t. x1 + x2 = 1, 2 x1 + 2 x2 = 2 (redundant), x >= 0 -> x2 = 1.
        let a = [1.0, 1.0, 2.0, 2.0];
        let sol = maximize_standard(&a, &[1.0, 2.0], &[1.0, 2.0], 2, 2).unwrap();
        assert!((sol.value - 2.0).abs() < 1e-12);
        assert!((sol.x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_problem_terminates() {
        // A classic cycling example for Dantzig's rule without anti-cycling (Beale 1955).
        let a = [
            0.25, -8.0, -1.0, 9.0, 1.0, 0.0, 0.0, //
            0.5, -12.0, -0.5, 3.0, 0.0, 1.0, 0.0, //
            0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0,
        ];
        let c = [0.75, -20.0, 0.5, -6.0, 0.0, 0.0, 0.0];
        let sol = maximize_standard(&a, &[0.0, 0.0, 1.0], &c, 3, 7).unwrap();
        assert!((sol.value - 1.25).abs() < 1e-10);
    }
}
