//! Robust confidence sets by test inversion over a grid of θ, for each restriction and method.

use super::arp::{Hybrid, Moments, NoNuisance};
use super::deltas::{
    identified_set, relative_magnitudes_piece, relative_magnitudes_pieces, smoothness, Restriction,
};
use super::mat::Mat;
use super::{HonestError, Interval};

/// A validated problem: β̂, Σ, the period counts, l, α and the grid/simulation settings.
pub(crate) struct Setup {
    pub beta: Vec<f64>,
    pub sigma: Mat,
    pub num_pre: usize,
    pub num_post: usize,
    pub l: Vec<f64>,
    pub alpha: f64,
    pub grid_points: usize,
    pub grid_bounds: Option<(f64, f64)>,
    pub seed: u32,
    pub lf_sims: usize,
}

/// Acceptance of each θ on the grid.
pub(crate) struct GridResult {
    pub grid: Vec<f64>,
    pub accept: Vec<bool>,
}

impl GridResult {
    /// `[min accepted, max accepted]` (HonestDiD's convention); `None` if nothing is accepted.
    pub(crate) fn interval(&self) -> Option<Interval> {
        let acc: Vec<f64> = self
            .grid
            .iter()
            .zip(&self.accept)
            .filter(|(_, &a)| a)
            .map(|(g, _)| *g)
            .collect();
        let lb = acc.first()?;
        let ub = acc.last()?;
        Some(Interval { lb: *lb, ub: *ub })
    }

    /// Whether the first or last grid point is accepted (the set may extend past the grid).
    pub(crate) fn open_at_edge(&self) -> bool {
        self.accept.first() == Some(&true) || self.accept.last() == Some(&true)
    }
}

/// R's `seq(lo, hi, length.out = n)`: exact endpoints, interior `lo + i (hi - lo)/(n - 1)`.
pub(crate) fn r_seq(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let by = (hi - lo) / (n - 1) as f64;
    let mut out: Vec<f64> = (0..n).map(|i| lo + i as f64 * by).collect();
    out[n - 1] = hi;
    out
}

impl Setup {
    /// Standard deviation of θ̂ = l'β̂_post.
    pub(crate) fn sd_theta(&self) -> f64 {
        let post: Vec<usize> = (self.num_pre..self.beta.len()).collect();
        self.sigma.principal(&post).quad(&self.l).max(0.0).sqrt()
    }

    /// θ̂ = l'β̂_post.
    pub(crate) fn theta_hat(&self) -> f64 {
        super::mat::dot(&self.l, &self.beta[self.num_pre..])
    }

    fn kappa(&self) -> f64 {
        self.alpha / 10.0
    }

    /// The grid, from the user's bounds or `default`.
    fn grid(&self, default: (f64, f64)) -> Vec<f64> {
        let (lo, hi) = self.grid_bounds.unwrap_or(default);
        r_seq(lo, hi, self.grid_points)
    }
}

/// Accepts on `grid` for one restriction piece with the nuisance-parameter test (T̄ > 1);
/// grid points already accepted (by another piece) are skipped.
fn piece_with_nuisance(
    s: &Setup,
    r: &Restriction,
    rows: &[usize],
    lf: bool,
    grid: &[f64],
    accept: &mut [bool],
) -> Result<(), HonestError> {
    let m =
        Moments::new(r, &s.beta, &s.sigma, s.num_pre, &s.l, rows).ok_or(HonestError::ZeroLVec)?;
    let hybrid = if lf {
        let cv = m.least_favorable_cv(s.kappa(), s.lf_sims, s.seed);
        Hybrid::LeastFavorable {
            kappa: s.kappa(),
            cv,
        }
    } else {
        Hybrid::Conditional
    };
    for (g, a) in grid.iter().zip(accept.iter_mut()) {
        if !*a {
            *a = m.accepts(*g, s.alpha, hybrid);
        }
    }
    Ok(())
}

/// Accepts on `grid` for one piece with the no-nuisance test (T̄ = 1). The LF hybrid there
/// keeps the second-stage size at α, as HonestDiD's `.testInIdentifiedSet_LF_Hybrid` does.
fn piece_without_nuisance(s: &Setup, r: &Restriction, lf: bool, grid: &[f64], accept: &mut [bool]) {
    let t = NoNuisance::new(r, &s.beta, &s.sigma, s.num_pre, s.l[0]);
    let hybrid = if lf {
        let cv = t.least_favorable_cv(s.kappa(), s.lf_sims, s.seed);
        Hybrid::LeastFavorable {
            kappa: s.kappa(),
            cv,
        }
    } else {
        Hybrid::Conditional
    };
    for (g, a) in grid.iter().zip(accept.iter_mut()) {
        if !*a {
            *a = t.accepts(*g, s.alpha, hybrid);
        }
    }
}

/// Conditional (ARP) confidence set under Δ^SD(M) (HonestDiD `computeConditionalCS_DeltaSD`
/// with `hybrid_flag = "ARP"`): all second-difference moments, the test using those involving
/// a post period; default grid = identified set at β = 0 ± 20 sd(θ̂).
pub(crate) fn conditional_smoothness(s: &Setup, m: f64) -> Result<GridResult, HonestError> {
    let r = smoothness(s.num_pre, s.num_post, m);
    let zero = vec![0.0; s.beta.len()];
    let (lo, hi) = identified_set(std::slice::from_ref(&r), &zero, s.num_pre, &s.l)
        .map_err(HonestError::from)?
        .ok_or(HonestError::Solver {
            what: "identified set at beta = 0",
        })?;
    let sd = s.sd_theta();
    let grid = s.grid((lo - 20.0 * sd, hi + 20.0 * sd));
    let mut accept = vec![false; grid.len()];
    if s.num_post > 1 {
        let rows = r.post_rows(s.num_pre);
        piece_with_nuisance(s, &r, &rows, false, &grid, &mut accept)?;
    } else {
        piece_without_nuisance(s, &r, false, &grid, &mut accept);
    }
    Ok(GridResult { grid, accept })
}

/// Confidence set under Δ^RM(M̄) (HonestDiD `computeConditionalCS_DeltaRM`): the union over
/// the location `s` and sign of the largest pre-period change of the ARP confidence sets for
/// each piece, using the moments that involve a post period; `lf` selects the C-LF hybrid.
/// Default grid `[-20, 20] sd(θ̂)`.
pub(crate) fn relative_magnitudes(
    s: &Setup,
    mbar: f64,
    lf: bool,
) -> Result<GridResult, HonestError> {
    let sd = s.sd_theta();
    let grid = s.grid((-20.0 * sd, 20.0 * sd));
    let mut accept = vec![false; grid.len()];
    let min_s = -(s.num_pre as i64 - 1);
    for positive in [true, false] {
        for loc in min_s..=0 {
            let r = relative_magnitudes_piece(s.num_pre, s.num_post, mbar, loc, positive);
            let rows = r.post_rows(s.num_pre);
            if s.num_post > 1 {
                piece_with_nuisance(s, &r, &rows, lf, &grid, &mut accept)?;
            } else {
                piece_without_nuisance(s, &r.select(&rows), lf, &grid, &mut accept);
            }
        }
    }
    Ok(GridResult { grid, accept })
}

/// Identified set under Δ^SD(M) at β̂ (`None` if β̂_pre is inconsistent with Δ^SD(M)).
pub(crate) fn id_set_smoothness(s: &Setup, m: f64) -> Result<Option<Interval>, HonestError> {
    let r = smoothness(s.num_pre, s.num_post, m);
    let set = identified_set(std::slice::from_ref(&r), &s.beta, s.num_pre, &s.l)?;
    Ok(set.map(|(lb, ub)| Interval { lb, ub }))
}

/// Identified set under Δ^RM(M̄) at β̂: the union over the pieces (never empty: δ_post = 0 is
/// always allowed, so l'β̂_post belongs to it).
pub(crate) fn id_set_relative_magnitudes(s: &Setup, mbar: f64) -> Result<Interval, HonestError> {
    let pieces = relative_magnitudes_pieces(s.num_pre, s.num_post, mbar);
    let set = identified_set(&pieces, &s.beta, s.num_pre, &s.l)?;
    let th = s.theta_hat();
    let (lb, ub) = set.unwrap_or((th, th));
    Ok(Interval {
        lb: lb.min(th),
        ub: ub.max(th),
    })
}
