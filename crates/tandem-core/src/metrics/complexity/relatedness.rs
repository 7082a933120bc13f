//! Proximity between industries and relatedness density of regions around industries.

use super::basic::{check_binary, col_sums, matmul, to_mat};
use crate::metrics::MetricError;
use faer::{get_global_parallelism, Mat, MatRef, Par};

/// Which proximity between two industries to compute from the presence matrix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProximityKind {
    /// `φ_pp' = Σ_c M_cp M_cp' / max(u_p, u_p')`: the minimum of the two conditional
    /// probabilities P(p' | p) and P(p | p'), symmetric, unit diagonal (Hidalgo et al. 2007;
    /// py-ecomplexity's default `asymmetric=False`).
    #[default]
    MinConditional,
    /// `φ_pp' = Σ_c M_cp M_cp' / u_p = P(region has p' | region has p)`; row `p` conditions on
    /// `p`. This is py-ecomplexity's `asymmetric=True` matrix (its `phi.T`).
    Asymmetric,
}

/// Which relatedness density to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DensityVariant {
    /// py-ecomplexity 0.5.3: `ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'`, the sums include
    /// `p' = p` (`φ_pp = 1`), range 0–1.
    #[default]
    IncludeDiagonal,
    /// EconGeo's `relatedness_density` convention (Balland 2017; the variant proposed in
    /// py-ecomplexity issue #38): `100 · Σ_{p'≠p} M_cp' φ_pp' / Σ_{p'≠p} φ_pp'`, range 0–100.
    /// Undefined (`None`) for an industry related to no other industry (zero denominator).
    ExcludeDiagonalX100,
}

/// Proximity matrix between industries (industries x industries, row-major).
///
/// Formula: with co-occurrence `C_pp' = Σ_c M_cp M_cp'` and ubiquity `u_p = C_pp`,
/// * [`ProximityKind::MinConditional`]: `φ_pp' = C_pp' / max(u_p, u_p')` (symmetric, diagonal 1);
/// * [`ProximityKind::Asymmetric`]: `φ_pp' = C_pp' / u_p` (diagonal 1).
///
/// Reference: Hidalgo, Klinger, Barabási & Hausmann (2007), *The product space conditions the
/// development of nations*, Science 317; py-ecomplexity 0.5.3 `calc_discrete_proximity`.
/// Units: a probability in [0, 1].
///
/// `mcp` is dense row-major regions x industries of 0/1. An industry with ubiquity 0 (present
/// in no region) has no defined proximity: this is an error naming the industry (drop such
/// industries first, as [`super::complexity_year`] does).
pub fn proximity(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    kind: ProximityKind,
) -> Result<Vec<f64>, MetricError> {
    check_binary("proximity", mcp, regions, industries)?;
    let u = col_sums(mcp, industries);
    if let Some(p) = u.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroUbiquity {
            what: "proximity".into(),
            industry: p,
        });
    }
    let m = to_mat(mcp, regions, industries);
    let phi = proximity_mat(m.as_ref(), &u, kind, get_global_parallelism());
    Ok(super::basic::to_row_major(phi.as_ref()))
}

/// Proximity from a faer presence matrix with all ubiquities positive.
pub(super) fn proximity_mat(
    m: MatRef<'_, f64>,
    u: &[f64],
    kind: ProximityKind,
    par: Par,
) -> Mat<f64> {
    let co = matmul(m.transpose(), m, par);
    let n = u.len();
    match kind {
        // C / max(u_p, u_p') equals py-ecomplexity's min(C / u_p', C / u_p) exactly, because
        // division by a positive number is monotone in IEEE arithmetic.
        ProximityKind::MinConditional => Mat::from_fn(n, n, |p, q| co[(p, q)] / u[p].max(u[q])),
        ProximityKind::Asymmetric => Mat::from_fn(n, n, |p, q| co[(p, q)] / u[p]),
    }
}

/// Relatedness density of each region around each industry (regions x industries, row-major).
///
/// Formula (Hidalgo et al. 2007; py-ecomplexity 0.5.3 `calc_density` with `knn=None`):
/// * [`DensityVariant::IncludeDiagonal`]: `ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'` (0–1);
/// * [`DensityVariant::ExcludeDiagonalX100`]: `100 · Σ_{p'≠p} M_cp' φ_pp' / Σ_{p'≠p} φ_pp'`
///   (EconGeo's 0–100 scale, Balland 2017).
///
/// `mcp` is dense row-major regions x industries of 0/1; `proximity` is industries x
/// industries row-major with entries in [0, 1] (row `p` is the industry whose density is
/// measured; for a symmetric proximity the orientation does not matter). A zero denominator
/// (an industry with no proximity to any industry counted) gives `None`; with the diagonal
/// included this cannot happen for a proximity from [`proximity`] (its diagonal is 1).
pub fn relatedness_density(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    proximity: &[f64],
    variant: DensityVariant,
) -> Result<Vec<Option<f64>>, MetricError> {
    check_binary("relatedness density", mcp, regions, industries)?;
    super::basic::check_shape(
        "relatedness density: proximity matrix",
        proximity,
        industries,
        industries,
    )?;
    if let Some(k) = proximity
        .iter()
        .position(|v| !v.is_finite() || *v < 0.0 || *v > 1.0)
    {
        return Err(MetricError::OutOfRange {
            what: "relatedness density".into(),
            parameter: format!(
                "proximity at industries {} and {} (0-based)",
                k / industries,
                k % industries
            ),
            value: proximity[k],
            allowed: "in [0, 1]".into(),
        });
    }
    let m = to_mat(mcp, regions, industries);
    let phi = to_mat(proximity, industries, industries);
    let dens = density_mat(m.as_ref(), phi.as_ref(), variant, get_global_parallelism());
    Ok(dens)
}

/// Density on faer matrices (see [`relatedness_density`]); row-major output.
pub(super) fn density_mat(
    m: MatRef<'_, f64>,
    phi: MatRef<'_, f64>,
    variant: DensityVariant,
    par: Par,
) -> Vec<Option<f64>> {
    let (nr, np) = (m.nrows(), m.ncols());
    let (scale, phi) = match variant {
        DensityVariant::IncludeDiagonal => (1.0, phi.to_owned()),
        // Zeroing the diagonal before the products (rather than subtracting it afterwards)
        // keeps the sums exact in the no-diagonal variant, with no cancellation.
        DensityVariant::ExcludeDiagonalX100 => (
            100.0,
            Mat::from_fn(np, np, |p, q| if p == q { 0.0 } else { phi[(p, q)] }),
        ),
    };
    // num[c, p] = Σ_p' M[c, p'] φ[p, p']
    let num = matmul(m, phi.transpose(), par);
    let row_tot: Vec<f64> = (0..np)
        .map(|p| (0..np).map(|q| phi[(p, q)]).sum())
        .collect();
    let mut out = Vec::with_capacity(nr * np);
    for c in 0..nr {
        for p in 0..np {
            let den = row_tot[p];
            // The ratio is a weighted mean of 0/1 values; the clamp only absorbs a last-bit
            // rounding difference between the two summation orders.
            out.push((den > 0.0).then(|| scale * (num[(c, p)] / den).clamp(0.0, 1.0)));
        }
    }
    out
}
