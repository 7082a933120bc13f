//! Industrial gradient and complementarity (family C): comparative labour productivity,
//! the industrial gradient coefficient (产业梯度系数) and its capital-widened form, the
//! LQ-based export surplus, intermediate demand from an input-output table and a
//! complementarity index between one region's advantage profile and another's needs.
//!
//! Notation as in [`super::specialisation`]: `Y_ri` output (value added), `E_ri` employment,
//! `K_ri` capital, with totals over regions `Y_i`, `E_i`, `K_i`. The reference economy is
//! the matrix passed in.

use super::specialisation::{
    check_levels, location_quotients, positive_total, same_length, RegionIndustry,
};
use super::MetricError;

fn same_shape(
    what: &str,
    a: &RegionIndustry<'_>,
    b: &RegionIndustry<'_>,
) -> Result<(), MetricError> {
    if a.regions() != b.regions() || a.industries() != b.industries() {
        return Err(MetricError::Shape {
            what: format!(
                "{what}: matrix of {} x {} against {} x {}",
                b.regions(),
                b.industries(),
                a.regions(),
                a.industries()
            ),
            expected: a.regions() * a.industries(),
            got: b.regions() * b.industries(),
        });
    }
    Ok(())
}

/// Cell-wise `(A_ri / A_i) / (B_ri / B_i)`, `None` where a denominator is 0.
fn comparative_ratio(a: &RegionIndustry<'_>, b: &RegionIndustry<'_>) -> Vec<Option<f64>> {
    let ai = a.industry_totals();
    let bi = b.industry_totals();
    let mut out = Vec::with_capacity(a.values().len());
    for r in 0..a.regions() {
        for i in 0..a.industries() {
            let (x, y) = (a.get(r, i), b.get(r, i));
            out.push(if ai[i] > 0.0 && y > 0.0 {
                Some((x / ai[i]) / (y / bi[i]))
            } else {
                None
            });
        }
    }
    out
}

/// Comparative labour productivity (比较劳动生产率) of every cell:
/// `CLP_ri = (Y_ri / Y_i) / (E_ri / E_i)`.
///
/// Unit: dimensionless; > 1 = the region's labour in industry i is more productive than the
/// reference economy's. `output` and `employment` must have the same shape.
/// Zeros: `None` where `E_ri = 0` (no labour to compare; the golden reference writes NaN
/// there) or where the industry has no output anywhere (`Y_i = 0`). Reference: 陈蕊 &
/// 熊必琳 (2007), who define the improved industrial gradient coefficient (产业梯度系数).
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::gradient::comparative_labour_productivity;
/// let y = RegionIndustry::new(&[6.0, 2.0], 2, 1).unwrap(); // output
/// let e = RegionIndustry::new(&[1.0, 1.0], 2, 1).unwrap(); // employment
/// let clp = comparative_labour_productivity(&y, &e).unwrap();
/// assert!((clp[0].unwrap() - 1.5).abs() < 1e-12 && (clp[1].unwrap() - 0.5).abs() < 1e-12);
/// ```
pub fn comparative_labour_productivity(
    output: &RegionIndustry<'_>,
    employment: &RegionIndustry<'_>,
) -> Result<Vec<Option<f64>>, MetricError> {
    same_shape(
        "comparative labour productivity: employment",
        output,
        employment,
    )?;
    Ok(comparative_ratio(output, employment))
}

/// Industrial gradient coefficient (产业梯度系数) of every cell:
/// `IGC_ri = LQ^Y_ri × CLP_ri`, with the location quotient computed on output.
///
/// Unit: dimensionless; IGC > 1 marks a "high-gradient" industry of the region, and
/// industrial transfer is expected from high to low gradient. Reference:
/// 陈蕊 & 熊必琳 (2007); golden `own_location_quotient.csv`. `None` where either factor is
/// undefined (see [`location_quotients`] and [`comparative_labour_productivity`]). All-zero
/// output is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::gradient::industrial_gradient_coefficients;
/// let y = RegionIndustry::new(&[6.0, 2.0, 2.0, 6.0], 2, 2).unwrap();
/// let e = RegionIndustry::new(&[1.0, 1.0, 1.0, 1.0], 2, 2).unwrap();
/// let igc = industrial_gradient_coefficients(&y, &e).unwrap();
/// // LQ^Y = 0.75 / 0.5 = 1.5, CLP = 0.75 / 0.5 = 1.5
/// assert!((igc[0].unwrap() - 2.25).abs() < 1e-12);
/// ```
pub fn industrial_gradient_coefficients(
    output: &RegionIndustry<'_>,
    employment: &RegionIndustry<'_>,
) -> Result<Vec<Option<f64>>, MetricError> {
    let clp = comparative_labour_productivity(output, employment)?;
    let lq = location_quotients(output)?;
    Ok(lq
        .iter()
        .zip(&clp)
        .map(|(a, b)| Some((*a)? * (*b)?))
        .collect())
}

/// The widened industrial gradient coefficient, which also multiplies by the comparative
/// capital productivity (比较资本产出率) `CCP_ri = (Y_ri / Y_i) / (K_ri / K_i)`:
/// `IGC'_ri = LQ^Y_ri × CLP_ri × CCP_ri`.
///
/// `capital` is a capital stock (or fixed-asset) matrix of the same shape. Reference:
/// 陈蕊 & 熊必琳 (2007). `None` where any factor is undefined, including `K_ri = 0`.
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::gradient::industrial_gradient_coefficients_with_capital;
/// let y = RegionIndustry::new(&[6.0, 2.0, 2.0, 6.0], 2, 2).unwrap();
/// let e = RegionIndustry::new(&[1.0, 1.0, 1.0, 1.0], 2, 2).unwrap();
/// let k = RegionIndustry::new(&[3.0, 1.0, 1.0, 3.0], 2, 2).unwrap();
/// let igc = industrial_gradient_coefficients_with_capital(&y, &e, &k).unwrap();
/// // capital is spread like output, so CCP = 1 and the widened IGC equals the plain one
/// assert!((igc[0].unwrap() - 2.25).abs() < 1e-12);
/// ```
pub fn industrial_gradient_coefficients_with_capital(
    output: &RegionIndustry<'_>,
    employment: &RegionIndustry<'_>,
    capital: &RegionIndustry<'_>,
) -> Result<Vec<Option<f64>>, MetricError> {
    same_shape("widened gradient coefficient: capital", output, capital)?;
    let igc = industrial_gradient_coefficients(output, employment)?;
    let ccp = comparative_ratio(output, capital);
    Ok(igc
        .iter()
        .zip(&ccp)
        .map(|(a, b)| Some((*a)? * (*b)?))
        .collect())
}

/// LQ-based export surplus of one region, its "advantage profile":
/// `X_ri = max(0, E_ri − E_r · E_i / E)`, the activity beyond what the region would have
/// with the reference economy's structure (= `E_ri (1 − 1/LQ_ri)` where `LQ_ri > 1`, else 0).
///
/// Unit: the unit of the matrix. This is the location-quotient (export-base) estimate of
/// the part of a region's production that serves other regions. Reference: Isard (1960),
/// *Methods of Regional Analysis*, ch. 7; Tiebout (1962). A region with no activity is
/// [`MetricError::NoActivity`]; a region index beyond the matrix is
/// [`MetricError::IndexOutOfRange`].
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::gradient::export_surplus;
/// let m = RegionIndustry::new(&[3.0, 1.0, 1.0, 3.0], 2, 2).unwrap();
/// assert_eq!(export_surplus(&m, 0).unwrap(), vec![1.0, 0.0]);
/// ```
pub fn export_surplus(m: &RegionIndustry<'_>, region: usize) -> Result<Vec<f64>, MetricError> {
    m.region_index(region)?;
    let e_r: f64 = m.row(region).iter().sum();
    if e_r <= 0.0 {
        return Err(MetricError::NoActivity(format!(
            "export surplus of region {region}"
        )));
    }
    let total = m.total();
    Ok(m.row(region)
        .iter()
        .zip(m.industry_totals())
        .map(|(e, e_i)| (e - e_r * e_i / total).max(0.0))
        .collect())
}

/// Intermediate demand of a region's production: `d_i = Σ_j a_ij x_j`, the inputs from
/// each sector i that output `x` requires under the technical coefficients `A`
/// (`a_ij` = input from i per unit of output of j, row-major `n x n`).
///
/// Unit: the unit of `x`. Use it as the "needs" side of [`complementarity_index`]. `A` may
/// have any non-negative entries; `x` must be non-negative. Shape mismatches are
/// [`MetricError::Shape`].
///
/// ```
/// use tandem_core::metrics::gradient::intermediate_demand;
/// let a = [0.1, 0.2, 0.3, 0.0]; // 2 sectors
/// assert_eq!(intermediate_demand(&a, &[10.0, 5.0]).unwrap(), vec![2.0, 3.0]);
/// ```
pub fn intermediate_demand(
    technical_coefficients: &[f64],
    output: &[f64],
) -> Result<Vec<f64>, MetricError> {
    let n = output.len();
    check_levels("intermediate demand: output", output)?;
    if technical_coefficients.len() != n * n {
        return Err(MetricError::Shape {
            what: format!("intermediate demand: technical coefficients for {n} sectors"),
            expected: n * n,
            got: technical_coefficients.len(),
        });
    }
    check_levels(
        "intermediate demand: technical coefficients",
        technical_coefficients,
    )?;
    Ok((0..n)
        .map(|i| {
            technical_coefficients[i * n..(i + 1) * n]
                .iter()
                .zip(output)
                .map(|(a, x)| a * x)
                .sum()
        })
        .collect())
}

/// Complementarity of region a's supply with region b's needs, the trade complementarity
/// index adapted to regions: `C_ab = 100 · (1 − ½ Σ_i |m_bi − x_ai|)`, with
/// `x_ai = supply_i / Σ supply` and `m_bi = demand_i / Σ demand`.
///
/// Why this form: it is the standard bilateral measure of how well one partner's export
/// structure matches the other's import structure (Michaely 1996, "Trade preferential
/// agreements in Latin America", World Bank PRWP 1583; also the World Bank WITS
/// definition), it is bounded (0 = a supplies nothing b needs, 100 = shares coincide), it
/// is `100 · (1 − K/2)` for the Krugman dissimilarity `K` of the two profiles and so reads
/// alongside [`super::specialisation::krugman_dissimilarity`], and it accepts any demand
/// vector. Suggested inputs: `supply` = [`export_surplus`] of a (its advantage profile),
/// `demand` = [`intermediate_demand`] of b's output (or b's final demand). It is
/// asymmetric: `C_ab ≠ C_ba` in general.
///
/// Either profile summing to 0 is [`MetricError::NoActivity`]; different lengths are
/// [`MetricError::Shape`].
///
/// ```
/// use tandem_core::metrics::gradient::complementarity_index;
/// assert!((complementarity_index(&[1.0, 0.0], &[0.0, 2.0]).unwrap()).abs() < 1e-12);
/// assert!((complementarity_index(&[1.0, 1.0], &[1.0, 3.0]).unwrap() - 75.0).abs() < 1e-12);
/// ```
pub fn complementarity_index(supply: &[f64], demand: &[f64]) -> Result<f64, MetricError> {
    same_length("complementarity index: demand", supply, demand)?;
    let ts = positive_total("complementarity index: supply profile", supply)?;
    let td = positive_total("complementarity index: demand profile", demand)?;
    let gap: f64 = supply
        .iter()
        .zip(demand)
        .map(|(x, m)| (m / td - x / ts).abs())
        .sum();
    Ok(100.0 * (1.0 - 0.5 * gap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_employment_gives_none_not_nan() {
        let y = RegionIndustry::new(&[1.0, 2.0, 0.0, 3.0], 2, 2).unwrap();
        let e = RegionIndustry::new(&[1.0, 1.0, 0.0, 1.0], 2, 2).unwrap();
        let igc = industrial_gradient_coefficients(&y, &e).unwrap();
        assert_eq!(igc[2], None);
        assert!(igc.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn shapes_must_agree() {
        let y = RegionIndustry::new(&[1.0, 2.0], 2, 1).unwrap();
        let e = RegionIndustry::new(&[1.0, 2.0], 1, 2).unwrap();
        assert!(matches!(
            comparative_labour_productivity(&y, &e),
            Err(MetricError::Shape { .. })
        ));
        assert!(intermediate_demand(&[1.0], &[1.0, 2.0]).is_err());
        assert!(complementarity_index(&[0.0, 0.0], &[1.0, 1.0]).is_err());
    }

    #[test]
    fn complementarity_is_krugman_rescaled() {
        let a = [3.0, 1.0, 4.0, 1.0];
        let b = [5.0, 9.0, 2.0, 6.0];
        let k = crate::metrics::specialisation::krugman_dissimilarity(&a, &b).unwrap();
        let c = complementarity_index(&a, &b).unwrap();
        assert!((c - 100.0 * (1.0 - k / 2.0)).abs() < 1e-12);
    }
}
