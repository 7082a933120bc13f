//! Complexity Outlook Index (COI) and Complexity Outlook Gain (COG).

use super::basic::{check_binary, check_shape, col_sums, mean_sd, row_sums, to_mat};
use super::eci::{check_nonempty, EciPci};
use super::relatedness::{density_mat, DensityVariant};
use crate::metrics::MetricError;
use faer::{get_global_parallelism, Mat, MatRef, Par};

/// COI per region and COG per region x industry.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Outlook {
    /// Complexity Outlook Index per region (z-score, population sd).
    pub coi: Vec<f64>,
    /// Complexity Outlook Gain, regions x industries row-major, in units of sd(kc); 0 where
    /// the region already has `M_cp = 1`.
    pub cog: Vec<f64>,
}

/// Complexity Outlook Index and Complexity Outlook Gain.
///
/// # Formula
/// Hausmann, Hidalgo et al. (2014), *The Atlas of Economic Complexity*, ch. 2; as implemented
/// in py-ecomplexity 0.5.3 (`calc_coi_cog`, from the Stata `ecomplexity` Mata code):
/// * `COI_c = zscore_c( Σ_p ω_cp (1 − M_cp) kp_p )` with the raw, sign-adjusted eigenvector
///   `kp` and the density `ω` **with** the diagonal (0–1 scale), population sd;
/// * `COG_cp = (1 − M_cp) Σ_p' (1 − M_cp') φ_p'p / (Σ_p'' φ_p'p'') kp_p' / sd(kc)`:
///   the complexity-weighted proximity of the industries still missing, gained by entering
///   `p`; not demeaned, divided by the same sd as ECI.
///
/// Units: COI in standard deviations across regions; COG in sd of `kc`.
///
/// `mcp` (0/1, regions x industries) and `proximity` (industries x industries) as for
/// [`super::relatedness_density`]; `eci` must come from the same `mcp`
/// ([`super::eci_pci`]). Every region needs diversity ≥ 1 and every industry ubiquity ≥ 1.
/// COI is undefined, hence an error, when the raw COI is the same in every region.
pub fn complexity_outlook(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    proximity: &[f64],
    eci: &EciPci,
) -> Result<Outlook, MetricError> {
    check_binary("COI/COG", mcp, regions, industries)?;
    check_shape(
        "COI/COG: proximity matrix",
        proximity,
        industries,
        industries,
    )?;
    if eci.kc.len() != regions || eci.kp.len() != industries {
        return Err(MetricError::Shape {
            what: "COI/COG: ECI/PCI vectors (regions + industries)".into(),
            expected: regions + industries,
            got: eci.kc.len() + eci.kp.len(),
        });
    }
    check_nonempty(
        "COI/COG",
        &row_sums(mcp, industries),
        &col_sums(mcp, industries),
    )?;
    let m = to_mat(mcp, regions, industries);
    let phi = to_mat(proximity, industries, industries);
    let par = get_global_parallelism();
    let density = density_mat(
        m.as_ref(),
        phi.as_ref(),
        DensityVariant::IncludeDiagonal,
        par,
    )?;
    outlook_mat(m.as_ref(), phi.as_ref(), &density, eci, par)
}

/// COI/COG on faer matrices; `density` is the diagonal-included density, row-major.
pub(super) fn outlook_mat(
    m: MatRef<'_, f64>,
    phi: MatRef<'_, f64>,
    density: &[Option<f64>],
    eci: &EciPci,
    par: Par,
) -> Result<Outlook, MetricError> {
    let (nr, np) = (m.nrows(), m.ncols());
    let kp = &eci.kp;
    // 1 − M, transposed: each region's row becomes a contiguous column (one strided pass).
    let absent_t = Mat::from_fn(np, nr, |p, c| 1.0 - m[(c, p)]);
    let mut raw = Vec::with_capacity(nr);
    for c in 0..nr {
        let mut s = 0.0;
        for (p, a) in absent_t.col(c).iter().enumerate() {
            let w = density[c * np + p].ok_or_else(|| MetricError::ZeroDenominator {
                what: "COI: density".into(),
                at: format!("industry {p} (0-based)"),
                numerator: "the proximity-weighted presence".into(),
                value: 0.0,
                denominator: "the proximity row sum".into(),
            })?;
            s += w * a * kp[p];
        }
        raw.push(s);
    }
    let (mean, sd) = mean_sd(&raw);
    if sd == 0.0 {
        return Err(MetricError::NoVariation {
            what: "COI".into(),
            detail: "the raw outlook is the same for every region, so it cannot be standardised"
                .into(),
        });
    }
    let coi = raw.iter().map(|v| (v - mean) / sd).collect();

    let (_, kc_sd) = mean_sd(&eci.kc);
    // Row sums of φ, column by column (contiguous), each in the order p'' = 0, 1, ...
    let mut row_tot = vec![0.0; np];
    for q in 0..np {
        for (tot, v) in row_tot.iter_mut().zip(phi.col(q).iter()) {
            *tot += v;
        }
    }
    // gainᵀ[p, c] = Σ_p' φ[p', p] · kp[p'] / Σ_p'' φ[p', p''] · (1 − M[c, p']): the product
    // transposed, so that each region's gains are one contiguous column.
    let share: Vec<f64> = kp.iter().zip(&row_tot).map(|(k, t)| k / t).collect();
    let weighted_absent = Mat::from_fn(np, nr, |q, c| share[q] * absent_t[(q, c)]);
    let gain_t = super::basic::matmul(phi.transpose(), weighted_absent.as_ref(), par);
    let mut cog = Vec::with_capacity(nr * np);
    for c in 0..nr {
        let gains = absent_t.col(c).iter().zip(gain_t.col(c).iter());
        cog.extend(gains.map(|(a, g)| a * g / kc_sd));
    }
    Ok(Outlook { coi, cog })
}
