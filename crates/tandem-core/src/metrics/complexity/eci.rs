//! Economic Complexity Index (ECI) and Product Complexity Index (PCI), eigenvector method.

use super::basic::{check_binary, col_sums, mean_sd, row_sums, to_mat};
use crate::metrics::MetricError;
use faer::{get_global_parallelism, Mat, MatRef, Par};

/// The smallest gap accepted between the largest and second-largest, and between the second
/// and third-largest eigenvalues of `Mpp` (whose eigenvalues lie in [0, 1], the largest being
/// 1). Below it the eigenvector that defines ECI is not determined by the data: a gap
/// `λ2 − λ3 = g` makes the computed eigenvector uncertain by about `ε / g`, so 1e-8 still
/// leaves ECI accurate to about 1e-8, and a smaller gap is reported as an error.
pub const MIN_EIGENVALUE_GAP: f64 = 1e-8;

/// How the PCI is standardised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PciScale {
    /// py-ecomplexity / Stata `ecomplexity`: `pci = (kp − mean(kc)) / sd(kc)`, using the
    /// mean and sd of the *region* vector. This keeps `ECI_c` equal to the mean PCI of the
    /// industries with `M_cp = 1`, but the PCI does not have mean 0 and sd 1.
    #[default]
    EciMoments,
    /// `pci = (kp − mean(kp)) / sd(kp)`: PCI as a z-score of its own (the Atlas' published
    /// PCI convention). The identity `ECI_c = mean PCI over M_cp = 1` no longer holds.
    OwnMoments,
}

/// The three largest eigenvalues of `Mpp = (M/u)ᵀ(M/d)`, in decreasing order.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Eigenvalues {
    /// The largest eigenvalue; 1 for every presence matrix without empty rows or columns.
    pub first: f64,
    /// The eigenvalue whose eigenvector defines ECI and PCI.
    pub second: f64,
    /// The next one, `None` when `Mpp` is 2 x 2; the gap `second − third` measures how well
    /// ECI is determined.
    pub third: Option<f64>,
}

/// ECI and PCI of one cross-section, with the raw eigenvectors they come from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EciPci {
    /// ECI per region: `(kc − mean(kc)) / sd(kc)` (population sd). Mean 0, sd 1.
    pub eci: Vec<f64>,
    /// PCI per industry, standardised as chosen by [`PciScale`].
    pub pci: Vec<f64>,
    /// Raw industry eigenvector `kp` (unit Euclidean norm, as numpy's `eig` returns it), with
    /// the sign of the ECI convention applied.
    pub kp: Vec<f64>,
    /// Raw region vector `kc = (M/d) · kp`, with the same sign.
    pub kc: Vec<f64>,
    /// The eigenvalues that decide how well the eigenvector is determined.
    pub eigenvalues: Eigenvalues,
}

/// Economic Complexity Index of regions and Product Complexity Index of industries.
///
/// # Formula
/// Hidalgo & Hausmann (2009), *The building blocks of economic complexity*, PNAS 106;
/// Hausmann, Hidalgo et al. (2014), *The Atlas of Economic Complexity*; implemented as in
/// py-ecomplexity 0.5.3 (`calc_eci_pci`) and Stata `ecomplexity`:
/// `Mpp = (M/u)ᵀ (M/d)`, i.e. `Mpp[p,p'] = Σ_c M_cp M_cp' / (u_p d_c)`; `kp` = eigenvector of
/// the **second-largest** eigenvalue of `Mpp`; `kc = (M/d) · kp`. Both are multiplied by
/// `sign(corr(d, kc))` so that ECI correlates positively with diversity. Then
/// `eci = (kc − mean kc) / sd kc` and, by default, `pci = (kp − mean kc) / sd kc` (population
/// sd, ddof = 0; see [`PciScale`]). Units: standard deviations (dimensionless).
///
/// # Symmetric solution (py-ecomplexity issue #48)
/// `Mpp = D_u⁻¹ Mᵀ D_d⁻¹ M` is not symmetric, but with `A = D_d^-½ M D_u^-½` (regions x
/// industries) `Mpp = D_u^-½ (AᵀA) D_u^½`: it is similar to the symmetric positive
/// semi-definite `S = AᵀA`. If `S v = λ v` then `Mpp (D_u^-½ v) = λ (D_u^-½ v)`, so
/// `kp ∝ D_u^-½ v`. `AᵀA` and `AAᵀ` share their non-zero eigenvalues, and for `AAᵀ w = λ w`
/// the matching `v ∝ Aᵀ w`, so `kp ∝ D_u^-½ Aᵀ w = D_u⁻¹ Mᵀ D_d^-½ w`. We solve whichever
/// of `AᵀA` (industries²) and `AAᵀ` (regions²) is smaller as a symmetric eigenproblem (a
/// deflated block iteration; when it converges too slowly, the top eigenvalues by bisection
/// and the eigenvector by inverse iteration; faer's full decomposition as the last resort):
/// exact, real by construction, cheaper and more stable than the general `eig` of `Mpp`.
/// All eigenvalues lie in [0, 1]; the largest is 1 (eigenvector `D_u^½ 1`). `kp` is
/// rescaled to unit norm; every output is invariant to that scale.
///
/// # Input and degenerate cases
/// `mcp`: dense row-major regions x industries of 0/1. Every region needs diversity ≥ 1 and
/// every industry ubiquity ≥ 1 (drop empty rows and columns first, as
/// [`super::complexity_year`] does); otherwise [`MetricError::ZeroDiversity`] or
/// [`MetricError::ZeroUbiquity`] names the first.
/// Fewer than 2 regions or industries is [`MetricError::TooFew`]. The year is degenerate
/// (error) when the second eigenvalue is not separated from the first or the third by
/// [`MIN_EIGENVALUE_GAP`] (e.g. the region–industry network falls into disconnected parts:
/// [`MetricError::EigenGap`]), when diversity is the same in every region (the sign
/// convention is undefined), or when `kc` is constant ([`MetricError::NoVariation`]).
pub fn eci_pci(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    scale: PciScale,
) -> Result<EciPci, MetricError> {
    check_binary("ECI/PCI", mcp, regions, industries)?;
    let d = row_sums(mcp, industries);
    let u = col_sums(mcp, industries);
    check_nonempty("ECI/PCI", &d, &u)?;
    eci_pci_mat(
        to_mat(mcp, regions, industries).as_ref(),
        &d,
        &u,
        scale,
        get_global_parallelism(),
    )
}

/// Refuses zero diversity or ubiquity, naming the first region or industry.
pub(super) fn check_nonempty(what: &str, d: &[f64], u: &[f64]) -> Result<(), MetricError> {
    if let Some(c) = d.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroDiversity {
            what: what.to_string(),
            region: c,
        });
    }
    if let Some(p) = u.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroUbiquity {
            what: what.to_string(),
            industry: p,
        });
    }
    Ok(())
}

/// ECI/PCI on a faer presence matrix with positive diversities `d` and ubiquities `u`.
pub(super) fn eci_pci_mat(
    m: MatRef<'_, f64>,
    d: &[f64],
    u: &[f64],
    scale: PciScale,
    par: Par,
) -> Result<EciPci, MetricError> {
    let (nr, np) = (m.nrows(), m.ncols());
    for (n, what) in [
        (nr, "regions with Mcp = 1"),
        (np, "industries with Mcp = 1"),
    ] {
        if n < 2 {
            return Err(MetricError::TooFew {
                what: format!("ECI/PCI: {what}"),
                needed: 2,
                got: n,
            });
        }
    }
    let inv_sqrt_d: Vec<f64> = d.iter().map(|v| 1.0 / v.sqrt()).collect();
    let inv_sqrt_u: Vec<f64> = u.iter().map(|v| 1.0 / v.sqrt()).collect();
    let a = Mat::from_fn(nr, np, |c, p| m[(c, p)] * inv_sqrt_d[c] * inv_sqrt_u[p]);
    let region_side = nr <= np;
    let gram = if region_side {
        super::basic::gram(a.as_ref(), par)
    } else {
        super::basic::gram(a.transpose(), par)
    };
    // The top eigenpair of the Gram matrix is known exactly: eigenvalue 1 with eigenvector
    // ∝ sqrt(d) (region side) or sqrt(u) (industry side), because Mcc·1 = 1 and Mpp·1 = 1.
    // So only the next two are needed, which a deflated block iteration finds far faster than
    // a decomposition; when it does not converge, all eigenvalues are computed and only the
    // one eigenvector needed.
    let weights = if region_side { d } else { u };
    let norm = weights.iter().sum::<f64>().sqrt();
    let top: Vec<f64> = weights.iter().map(|w| w.sqrt() / norm).collect();
    let (eigenvalues, second_vector) = match deflated_next_pairs(gram.as_ref(), &top) {
        Some(next) => {
            let eigenvalues = Eigenvalues {
                first: 1.0,
                second: next.second,
                third: Some(next.third),
            };
            check_gaps(&eigenvalues)?;
            (eigenvalues, next.vector)
        }
        None => decomposed_next_pair(gram.as_ref(), &top, nr.max(np), par)?,
    };
    let vec = &second_vector;
    let mut kp: Vec<f64> = if region_side {
        // kp ∝ D_u^-½ Aᵀ w
        (0..np)
            .map(|p| inv_sqrt_u[p] * (0..nr).map(|c| a[(c, p)] * vec[c]).sum::<f64>())
            .collect()
    } else {
        (0..np).map(|p| inv_sqrt_u[p] * vec[p]).collect()
    };
    let norm = kp.iter().map(|v| v * v).sum::<f64>().sqrt();
    kp.iter_mut().for_each(|v| *v /= norm);
    // kc = (M/d) kp
    let mut kc: Vec<f64> = (0..nr)
        .map(|c| (0..np).map(|p| m[(c, p)] * kp[p]).sum::<f64>() / d[c])
        .collect();
    let (d_mean, d_sd) = mean_sd(d);
    if d_sd == 0.0 {
        return Err(MetricError::NoVariation {
            what: "ECI/PCI".into(),
            detail: format!(
                "every region has the same diversity ({d_mean}), so the sign convention \
                 (ECI correlates positively with diversity) is undefined"
            ),
        });
    }
    let (kc_mean0, _) = mean_sd(&kc);
    let cov: f64 = d
        .iter()
        .zip(&kc)
        .map(|(x, y)| (x - d_mean) * (y - kc_mean0))
        .sum();
    if cov == 0.0 {
        return Err(MetricError::NoVariation {
            what: "ECI/PCI".into(),
            detail: "kc is uncorrelated with diversity, so the sign convention is undefined".into(),
        });
    }
    let sign = cov.signum();
    kp.iter_mut().for_each(|v| *v *= sign);
    kc.iter_mut().for_each(|v| *v *= sign);
    let (kc_mean, kc_sd) = mean_sd(&kc);
    if kc_sd == 0.0 {
        return Err(MetricError::NoVariation {
            what: "ECI/PCI".into(),
            detail: "kc is the same for every region, so ECI cannot be standardised".into(),
        });
    }
    let eci = kc.iter().map(|v| (v - kc_mean) / kc_sd).collect();
    let (p_mean, p_sd) = match scale {
        PciScale::EciMoments => (kc_mean, kc_sd),
        PciScale::OwnMoments => mean_sd(&kp),
    };
    let pci = kp.iter().map(|v| (v - p_mean) / p_sd).collect();
    Ok(EciPci {
        eci,
        pci,
        kp,
        kc,
        eigenvalues,
    })
}

/// An error unless the second eigenvalue is separated from the first and the third by
/// [`MIN_EIGENVALUE_GAP`]: otherwise its eigenvector, and so ECI, is not determined.
fn check_gaps(e: &Eigenvalues) -> Result<(), MetricError> {
    let gap_top = e.first - e.second;
    let gap_next = e.third.map_or(f64::INFINITY, |t| e.second - t);
    if gap_top < MIN_EIGENVALUE_GAP || gap_next < MIN_EIGENVALUE_GAP {
        return Err(MetricError::EigenGap {
            what: "ECI/PCI".into(),
            first: e.first,
            second: e.second,
            third: e.third,
            min_gap: MIN_EIGENVALUE_GAP,
        });
    }
    Ok(())
}

/// The top eigenvalues of the Gram matrix `g` (`larger_side` is the other dimension of `A`)
/// and the eigenvector of the second, when the block iteration has not converged: the three
/// largest eigenvalues ([`largest_eigenvalues`]), then the one eigenvector needed by inverse
/// iteration ([`inverse_iteration`]), which together cost a fraction of a full decomposition.
/// The full decomposition remains the fallback should inverse iteration not converge.
fn decomposed_next_pair(
    g: MatRef<'_, f64>,
    top: &[f64],
    larger_side: usize,
    par: Par,
) -> Result<(Eigenvalues, Vec<f64>), MetricError> {
    let n = g.nrows();
    let s = largest_eigenvalues(g, 3, par);
    let k = s.len();
    // With a rectangular M the larger Gram matrix has extra zero eigenvalues, so the third
    // eigenvalue of Mpp is 0 when the smaller side has only 2 entries but the other more.
    let third = if n >= 3 {
        Some(s[k - 3])
    } else if larger_side > 2 {
        Some(0.0)
    } else {
        None
    };
    let eigenvalues = Eigenvalues {
        first: s[k - 1],
        second: s[k - 2],
        third,
    };
    check_gaps(&eigenvalues)?;
    let vector = match inverse_iteration(g, eigenvalues.second, top) {
        Some(v) => v,
        None => {
            let (_, vecs) = symmetric_eigen(g, par)?;
            (0..n).map(|i| vecs[(i, n - 2)]).collect()
        }
    };
    Ok((eigenvalues, vector))
}

/// The unit eigenvector of the symmetric `g` (largest eigenvalue 1, eigenvector `top`) for
/// its simple eigenvalue `lambda`, known to working accuracy, by inverse iteration (Golub &
/// Van Loan, *Matrix Computations*, 4th ed., 2013, §8.2.2): `x ← (G − σI)⁻¹ x`, normalised.
///
/// `σ` sits a few ulps of `‖G‖ = 1` off `lambda` so that the LU factorisation is not exactly
/// singular; each step then shrinks every other component by `|λ − σ| / |λ' − σ|`, below
/// 1e-5 for the gaps [`check_gaps`] accepts. It stops when the residual
/// `r = ‖Gx − (xᵀGx) x‖` reaches the rounding floor (1e-15) or stops falling below 1e-12,
/// typically after two steps: the eigenvector's error is about `r / (λ2 − λ3)`, and on a
/// noise-like presence matrix `λ2 − λ3` is near 1e-4. `None` (the caller falls back to the
/// full decomposition) if that takes more than five steps or the solve breaks down.
fn inverse_iteration(g: MatRef<'_, f64>, lambda: f64, top: &[f64]) -> Option<Vec<f64>> {
    use faer::linalg::solvers::Solve;
    const MAX_STEPS: usize = 5;
    let n = g.nrows();
    let sigma = lambda + 64.0 * f64::EPSILON;
    let shifted = Mat::from_fn(n, n, |i, j| g[(i, j)] - if i == j { sigma } else { 0.0 });
    let lu = shifted.partial_piv_lu();
    let mut x = Mat::<f64>::from_fn(n, 1, |i, _| hashed_unit_interval(i, 0));
    orthonormalise_against(&mut x, top)?;
    let mut previous = f64::INFINITY;
    for _ in 0..MAX_STEPS {
        let mut y = lu.solve(&x);
        // The top eigenvector is an exact eigenvector of G; keep it out of the iterate.
        orthonormalise_against(&mut y, top)?;
        let gy = super::basic::matmul(g, y.as_ref(), Par::Seq);
        let rayleigh: f64 = (0..n).map(|i| y[(i, 0)] * gy[(i, 0)]).sum();
        let residual = (0..n)
            .map(|i| (gy[(i, 0)] - rayleigh * y[(i, 0)]).powi(2))
            .sum::<f64>()
            .sqrt();
        // Done at the rounding floor, or once a step no longer gains (each step should
        // gain five orders of magnitude): the first residual below 1e-12 can still leave
        // the eigenvector off by 1e-12 / gap, far more than the full decomposition's error.
        if residual <= 1e-15 || (residual <= 1e-12 && residual > 0.1 * previous) {
            return Some((0..n).map(|i| y[(i, 0)]).collect());
        }
        previous = residual;
        x = y;
    }
    None
}

/// A fixed pseudo-random number in [-0.5, 0.5) for position `(i, j)`: start vectors that are
/// full-rank and the same on every run (a SplitMix64-style hash of the position).
fn hashed_unit_interval(i: usize, j: usize) -> f64 {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64 + 1) << 32;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// The second and third eigenvalues of a symmetric positive semi-definite matrix whose top
/// eigenpair is `(1, top)`, and the eigenvector of the second.
struct NextPairs {
    second: f64,
    third: f64,
    vector: Vec<f64>,
}

/// Block (subspace) iteration with Rayleigh–Ritz on `G` restricted to the complement of the
/// known top eigenvector (Saad, *Numerical Methods for Large Eigenvalue Problems*, 2011,
/// ch. 5), each new block filtered by a Chebyshev polynomial of `G` that damps the spectrum
/// below the block's smallest Ritz value ([`chebyshev_filter`]; Zhou & Saad 2007). `None`
/// for small matrices (where the full decomposition is as cheap) and when the residuals do
/// not fall below `1e-12` (second pair) and `1e-10` (third eigenvalue, which is only compared
/// with [`MIN_EIGENVALUE_GAP`]) within the iteration budget. Below `1e-12` the iteration goes
/// on while a step still gains a factor of ten (as [`inverse_iteration`]), so that the
/// eigenvector is as accurate as the decomposition's.
///
/// Plain, the residuals shrink by about `λ_{BLOCK+1} / λ3` per step: when the spectrum is
/// flat (a presence matrix close to random, where λ2, λ3, … differ by a few per cent) that
/// takes hundreds of steps. The filter of degree 8 makes it about six steps on a 340-region
/// random panel (48 products by `G`, against the fallback's bisection and inverse iteration,
/// which cost about twice as much). The iteration still stops as soon as the observed rate
/// says the budget will not be met, and the caller falls back at once.
fn deflated_next_pairs(g: MatRef<'_, f64>, top: &[f64]) -> Option<NextPairs> {
    const BLOCK: usize = 8;
    const MAX_ITERATIONS: usize = 150;
    // Steps between the two residuals whose ratio estimates the rate of convergence.
    const RATE_SPAN: usize = 4;
    let n = g.nrows();
    if n < 4 * BLOCK {
        return None;
    }
    // One step costs about 2 n² BLOCK FILTER_DEGREE flops and the full decomposition roughly
    // 4 n³, so past n / (4 FILTER_DEGREE) steps the fallback is cheaper; the floor leaves
    // room to measure the rate.
    let budget = MAX_ITERATIONS.min((n / (4 * FILTER_DEGREE)).max(3 * RATE_SPAN));
    // Each step's worse residual, relative to its tolerance (converged at <= 1).
    let mut progress: Vec<f64> = Vec::with_capacity(budget);
    let mut previous_r2 = f64::INFINITY;
    let mut q = Mat::<f64>::from_fn(n, BLOCK, hashed_unit_interval);
    for step in 0..budget {
        orthonormalise_against(&mut q, top)?;
        let z = super::basic::matmul(g, q.as_ref(), Par::Seq);
        let t = super::basic::matmul(q.transpose(), z.as_ref(), Par::Seq);
        let t = Mat::<f64>::from_fn(BLOCK, BLOCK, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
        let (theta, w) = symmetric_eigen(t.as_ref(), Par::Seq).ok()?;
        let x = super::basic::matmul(q.as_ref(), w.as_ref(), Par::Seq);
        let gx = super::basic::matmul(z.as_ref(), w.as_ref(), Par::Seq);
        let residual = |k: usize| {
            (0..n)
                .map(|i| (gx[(i, k)] - theta[k] * x[(i, k)]).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        // Ritz values come in non-decreasing order: the last two are λ2 and λ3.
        let (k2, k3) = (BLOCK - 1, BLOCK - 2);
        let (r2, r3) = (residual(k2), residual(k3));
        let worst = (r2 / 1e-12).max(r3 / 1e-10);
        // Done at the rounding floor, or once a step no longer gains (a filtered step gains
        // orders of magnitude): the first residual below 1e-12 can still leave the
        // eigenvector off by 1e-12 / (λ2 − λ3), far more than the full decomposition's error
        // when the spectrum is flat.
        let polished = r2 <= 1e-15 || r2 > 0.1 * previous_r2;
        previous_r2 = r2;
        if worst <= 1.0 && polished {
            return Some(NextPairs {
                second: theta[k2],
                third: theta[k3],
                vector: (0..n).map(|i| x[(i, k2)]).collect(),
            });
        }
        progress.push(worst);
        if step >= 2 * RATE_SPAN && !will_converge(&progress, RATE_SPAN, budget) {
            return None;
        }
        q = chebyshev_filter(g, top, x, gx, (theta[0], theta[k2]));
    }
    None
}

/// Removes from each column of `m` its component along the unit vector `top`.
fn project_out(m: &mut Mat<f64>, top: &[f64]) {
    for j in 0..m.ncols() {
        let dot: f64 = top.iter().enumerate().map(|(i, t)| m[(i, j)] * t).sum();
        top.iter()
            .enumerate()
            .for_each(|(i, t)| m[(i, j)] -= dot * t);
    }
}

/// Degree of the Chebyshev filter applied between Rayleigh–Ritz steps.
const FILTER_DEGREE: usize = 8;

/// `p(G) X` for the Chebyshev polynomial of degree [`FILTER_DEGREE`] that is bounded by 1 on
/// `[0, cut]` (the unwanted part of the spectrum, below the block's smallest Ritz value) and
/// grows fast above it, scaled to 1 at `highest`, the block's largest Ritz value (Zhou &
/// Saad 2007, "A Chebyshev–Davidson algorithm", the scaled three-term recurrence). Each step
/// of the block iteration then gains
/// what `FILTER_DEGREE` plain multiplications by `G` would, many times over on a flat
/// spectrum; `gx = G X` is reused for the first term. The known top eigenvector `top`
/// (eigenvalue 1, above `highest`) would be amplified most of all from rounding errors, so
/// it is projected out of every term.
fn chebyshev_filter(
    g: MatRef<'_, f64>,
    top: &[f64],
    x: Mat<f64>,
    gx: Mat<f64>,
    (cut, highest): (f64, f64),
) -> Mat<f64> {
    let (centre, half) = (cut / 2.0, cut / 2.0);
    if !(highest > cut && half > 0.0) {
        return gx;
    }
    let sigma_1 = half / (highest - centre);
    let mut sigma = sigma_1;
    let mut previous = x;
    let mut current = Mat::from_fn(gx.nrows(), gx.ncols(), |i, j| {
        sigma_1 / half * (gx[(i, j)] - centre * previous[(i, j)])
    });
    for _ in 1..FILTER_DEGREE {
        let next_sigma = 1.0 / (2.0 / sigma_1 - sigma);
        let mut g_current = super::basic::matmul(g, current.as_ref(), Par::Seq);
        project_out(&mut g_current, top);
        let next = Mat::from_fn(gx.nrows(), gx.ncols(), |i, j| {
            2.0 * next_sigma / half * (g_current[(i, j)] - centre * current[(i, j)])
                - sigma * next_sigma * previous[(i, j)]
        });
        previous = current;
        current = next;
        sigma = next_sigma;
    }
    current
}

/// Whether residuals that went as in `progress` (relative to their tolerance, one per step)
/// reach 1 within `budget` steps at the rate observed over the last `span` steps.
fn will_converge(progress: &[f64], span: usize, budget: usize) -> bool {
    let (now, before) = (
        progress[progress.len() - 1],
        progress[progress.len() - 1 - span],
    );
    let rate = (now / before).powf(1.0 / span as f64);
    if rate.is_nan() || rate >= 1.0 {
        return false;
    }
    let needed = now.ln() / -rate.ln();
    progress.len() as f64 + needed <= budget as f64
}

/// Makes the columns of `q` orthonormal and orthogonal to the unit vector `top` (modified
/// Gram–Schmidt, applied twice for stability). `None` if the block loses rank.
fn orthonormalise_against(q: &mut Mat<f64>, top: &[f64]) -> Option<()> {
    let (n, b) = (q.nrows(), q.ncols());
    for _ in 0..2 {
        for j in 0..b {
            let dot: f64 = (0..n).map(|i| q[(i, j)] * top[i]).sum();
            for (i, t) in top.iter().enumerate() {
                q[(i, j)] -= dot * t;
            }
            for k in 0..j {
                let dot: f64 = (0..n).map(|i| q[(i, j)] * q[(i, k)]).sum();
                for i in 0..n {
                    let v = q[(i, k)];
                    q[(i, j)] -= dot * v;
                }
            }
            let norm = (0..n).map(|i| q[(i, j)].powi(2)).sum::<f64>().sqrt();
            if norm.is_nan() || norm <= 1e-300 {
                return None;
            }
            for i in 0..n {
                q[(i, j)] /= norm;
            }
        }
    }
    Some(())
}

/// Eigen-decomposition of a symmetric matrix (lower triangle read) with an explicit
/// parallelism, so that years computed on separate threads do not also split each solve.
fn symmetric_eigen(a: MatRef<'_, f64>, par: Par) -> Result<(Vec<f64>, Mat<f64>), MetricError> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
    let n = a.nrows();
    let mut u = Mat::<f64>::zeros(n, n);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut buf = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        par,
        Default::default(),
    ));
    self_adjoint_evd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    // faer's only EVD error is reaching its iteration limit; the variant says so.
    .map_err(|_| MetricError::EigensolverFailed {
        what: "ECI/PCI".into(),
    })?;
    Ok(((0..n).map(|i| s[i]).collect(), u))
}

/// The `count` largest eigenvalues of a symmetric matrix (lower triangle read; all of them if
/// it is smaller), in non-decreasing order: Householder reduction to a tridiagonal `T`
/// (faer), then bisection on Sturm counts (Golub & Van Loan, *Matrix Computations*, 4th ed.,
/// 2013, §8.4.1; LAPACK `dstebz`), each eigenvalue to the last bits of `‖T‖`, which is the
/// accuracy of the QR algorithm too. A Sturm count costs O(n) and each eigenvalue takes
/// about 60 of them, where QR spends O(n²) on all n eigenvalues.
fn largest_eigenvalues(a: MatRef<'_, f64>, count: usize, par: Par) -> Vec<f64> {
    let (diag, off2) = tridiagonal(a, par);
    let n = diag.len();
    let count = count.min(n);
    // Gershgorin bounds hold every eigenvalue.
    let radius = |i: usize| {
        let before = if i > 0 { off2[i - 1].sqrt() } else { 0.0 };
        let after = if i + 1 < n { off2[i].sqrt() } else { 0.0 };
        before + after
    };
    let low = (0..n)
        .map(|i| diag[i] - radius(i))
        .fold(f64::INFINITY, f64::min);
    let high = (0..n)
        .map(|i| diag[i] + radius(i))
        .fold(f64::NEG_INFINITY, f64::max);
    let norm = low.abs().max(high.abs()).max(f64::MIN_POSITIVE);
    // The smallest pivot allowed in the Sturm recurrence (LAPACK's `pivmin`).
    let pivmin = f64::MIN_POSITIVE * off2.iter().copied().fold(1.0, f64::max);
    ((n - count)..n)
        .map(|index| {
            // Invariant: fewer than `index + 1` eigenvalues lie below `lo`, at least that many
            // below `hi`; the eigenvalue number `index` (from 0, ascending) is in [lo, hi].
            let (mut lo, mut hi) = (
                low - 2.0 * f64::EPSILON * norm,
                high + 2.0 * f64::EPSILON * norm,
            );
            loop {
                let mid = 0.5 * (lo + hi);
                if hi - lo <= 2.0 * f64::EPSILON * norm || mid <= lo || mid >= hi {
                    return mid;
                }
                if sturm_count(&diag, &off2, mid, pivmin) > index {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
        })
        .collect()
}

/// The diagonal and the squared off-diagonal of a tridiagonal matrix similar to the symmetric
/// `a` (lower triangle read), by faer's Householder reduction.
fn tridiagonal(a: MatRef<'_, f64>, par: Par) -> (Vec<f64>, Vec<f64>) {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::tridiag::{tridiag_in_place, tridiag_in_place_scratch};
    let n = a.nrows();
    if n < 2 {
        return ((0..n).map(|i| a[(i, i)]).collect(), Vec::new());
    }
    let mut t = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { 0.0 });
    let block = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
    let mut householder = Mat::<f64>::zeros(block, n - 1);
    let mut buf = MemBuffer::new(tridiag_in_place_scratch::<f64>(n, par, Default::default()));
    tridiag_in_place(
        t.as_mut(),
        householder.as_mut(),
        par,
        MemStack::new(&mut buf),
        Default::default(),
    );
    let diag = (0..n).map(|i| t[(i, i)]).collect();
    let off2 = (0..n - 1).map(|i| t[(i + 1, i)].powi(2)).collect();
    (diag, off2)
}

/// How many eigenvalues of the symmetric tridiagonal matrix (diagonal `diag`, squared
/// off-diagonal `off2`) lie below `x`: the negative pivots of the LDLᵀ factorisation of
/// `T − xI` (Sylvester's law of inertia), a pivot below `pivmin` in size taken as `−pivmin`.
fn sturm_count(diag: &[f64], off2: &[f64], x: f64, pivmin: f64) -> usize {
    let mut count = 0;
    let mut pivot = 1.0;
    for (i, d) in diag.iter().enumerate() {
        let coupling = if i > 0 { off2[i - 1] / pivot } else { 0.0 };
        pivot = d - x - coupling;
        if pivot.abs() < pivmin {
            pivot = -pivmin;
        }
        if pivot < 0.0 {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod deflation_tests {
    use super::*;

    /// The rate test stops an iteration that converges too slowly, not one that will make it.
    #[test]
    fn slow_convergence_is_given_up_early() {
        let geometric = |rate: f64| (0..10).map(|k| 1e6 * rate.powi(k)).collect::<Vec<_>>();
        // 1e6 * 0.5^9 ≈ 2e3 needs 11 more halvings: 21 steps in all.
        assert!(will_converge(&geometric(0.5), 4, 40));
        assert!(!will_converge(&geometric(0.5), 4, 20));
        // A flat spectrum: 0.95 per step needs about 270 steps.
        assert!(!will_converge(&geometric(0.95), 4, 150));
        assert!(!will_converge(&[1e3, 1e3, 1e3, 1e3, 2e3], 4, 150));
    }

    /// The region-side Gram matrix `A Aᵀ` of a 0/1 matrix and its known top eigenvector.
    fn gram_and_top(m: &Mat<f64>) -> (Mat<f64>, Vec<f64>) {
        let (nr, np) = (m.nrows(), m.ncols());
        let d: Vec<f64> = (0..nr).map(|c| (0..np).map(|p| m[(c, p)]).sum()).collect();
        let u: Vec<f64> = (0..np).map(|p| (0..nr).map(|c| m[(c, p)]).sum()).collect();
        let a = Mat::from_fn(nr, np, |c, p| m[(c, p)] / (d[c] * u[p]).sqrt());
        let gram = super::super::basic::matmul(a.as_ref(), a.transpose(), Par::Seq);
        let norm = d.iter().sum::<f64>().sqrt();
        let top: Vec<f64> = d.iter().map(|w| w.sqrt() / norm).collect();
        (gram, top)
    }

    /// `vector` equals column `k` of `vecs` up to sign, to `tol`.
    fn assert_same_eigenvector(vector: &[f64], vecs: &Mat<f64>, k: usize, tol: f64) {
        let dot: f64 = (0..vector.len()).map(|i| vector[i] * vecs[(i, k)]).sum();
        for (i, v) in vector.iter().enumerate() {
            let full = vecs[(i, k)] * dot.signum();
            assert!((v - full).abs() < tol, "component {i}: {v} vs {full}");
        }
    }

    /// The deflated block iteration agrees with the full eigendecomposition on a Gram
    /// matrix large enough to take the fast path.
    #[test]
    fn deflated_iteration_matches_the_full_decomposition() {
        let (nr, np) = (60, 90);
        // A nested-ish 0/1 matrix: region c has the industries p with a hashed score below
        // its own threshold, so diversities differ and the network is connected.
        let m = Mat::<f64>::from_fn(nr, np, |c, p| {
            let h = ((c * 7919 + p * 104_729) % 1000) as f64 / 1000.0;
            let reach = 0.2 + 0.6 * c as f64 / nr as f64;
            if h < reach || p == c % np {
                1.0
            } else {
                0.0
            }
        });
        let (gram, top) = gram_and_top(&m);
        let fast = deflated_next_pairs(gram.as_ref(), &top).expect("converges");
        let (s, vecs) = symmetric_eigen(gram.as_ref(), Par::Seq).unwrap();
        assert!(
            (s[nr - 1] - 1.0).abs() < 1e-12,
            "top eigenvalue {}",
            s[nr - 1]
        );
        assert!((fast.second - s[nr - 2]).abs() < 1e-12);
        assert!((fast.third - s[nr - 3]).abs() < 1e-9);
        assert_same_eigenvector(&fast.vector, &vecs, nr - 2, 1e-10);
    }

    /// Bisection gives the largest eigenvalues of the full decomposition, including repeated
    /// ones and those of a matrix smaller than the count asked for.
    #[test]
    fn bisection_finds_the_largest_eigenvalues() {
        // diag(3, 1, 1, -2) rotated: a dense symmetric matrix with a double eigenvalue.
        let q = Mat::<f64>::from_fn(4, 4, hashed_unit_interval);
        let (_, basis) = symmetric_eigen(
            Mat::from_fn(4, 4, |i, j| q[(i, j)] + q[(j, i)]).as_ref(),
            Par::Seq,
        )
        .unwrap();
        let values = [3.0, 1.0, 1.0, -2.0];
        let a = Mat::from_fn(4, 4, |i, j| {
            (0..4)
                .map(|k| basis[(i, k)] * values[k] * basis[(j, k)])
                .sum::<f64>()
        });
        let top = largest_eigenvalues(a.as_ref(), 3, Par::Seq);
        for (got, want) in top.iter().zip([1.0, 1.0, 3.0]) {
            assert!((got - want).abs() < 1e-14, "{top:?}");
        }
        let all = largest_eigenvalues(a.as_ref(), 9, Par::Seq);
        assert_eq!(all.len(), 4);
        assert!((all[0] + 2.0).abs() < 1e-14, "{all:?}");
        let one = Mat::from_fn(1, 1, |_, _| 0.5);
        let single = largest_eigenvalues(one.as_ref(), 3, Par::Seq);
        assert!(
            single.len() == 1 && (single[0] - 0.5).abs() < 1e-15,
            "{single:?}"
        );
    }

    /// On a presence matrix that is noise, the eigenvalues below the first lie within about
    /// ten per cent of each other; the filtered block iteration, and eigenvalues plus inverse
    /// iteration (the fallback), both give the full decomposition's eigenpair.
    #[test]
    fn inverse_iteration_matches_the_full_decomposition_on_a_flat_spectrum() {
        let (nr, np) = (120, 200);
        // 40 % ones, drawn by xorshift64.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let m = Mat::<f64>::from_fn(nr, np, |_, _| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from(u8::from(state % 10 < 4))
        });
        let (gram, top) = gram_and_top(&m);
        let (s, vecs) = symmetric_eigen(gram.as_ref(), Par::Seq).unwrap();
        let relative_gap = (s[nr - 2] - s[nr - 3]) / s[nr - 2];
        assert!(relative_gap < 0.1, "the spectrum is flat: {relative_gap}");
        let (eigenvalues, vector) =
            decomposed_next_pair(gram.as_ref(), &top, np, Par::Seq).unwrap();
        assert!((eigenvalues.first - s[nr - 1]).abs() < 1e-15);
        assert!((eigenvalues.second - s[nr - 2]).abs() < 1e-15);
        assert!((eigenvalues.third.unwrap() - s[nr - 3]).abs() < 1e-15);
        let direct = inverse_iteration(gram.as_ref(), eigenvalues.second, &top).expect("converges");
        assert_eq!(direct, vector);
        assert_same_eigenvector(&vector, &vecs, nr - 2, 1e-10);
        let filtered = deflated_next_pairs(gram.as_ref(), &top).expect("converges");
        assert!((filtered.second - s[nr - 2]).abs() < 1e-13);
        assert!((filtered.third - s[nr - 3]).abs() < 1e-10);
        assert_same_eigenvector(&filtered.vector, &vecs, nr - 2, 1e-10);
    }
}
