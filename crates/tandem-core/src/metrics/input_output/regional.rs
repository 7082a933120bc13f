//! Regionalisation of a national coefficient matrix with location quotients (SLQ, CILQ,
//! FLQ), for a city that has employment by sector but no input-output table of its own.

use super::{check_len, check_non_negative, check_square};
use crate::metrics::MetricError;

/// Flegg's δ used when none is given: 0.3, the value Flegg & Webber (1997) and Flegg &
/// Tohmo (2013) found to fit best on average (their range 0.1–0.4).
pub const FLQ_DEFAULT_DELTA: f64 = 0.3;

/// Which location quotient scales the national coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LqMethod {
    /// Simple LQ of the selling sector, `SLQ_i`.
    Slq,
    /// Cross-industry LQ `CILQ_ij = SLQ_i / SLQ_j`, with `SLQ_i` on the diagonal.
    Cilq,
    /// Flegg's LQ `FLQ_ij = λ · CILQ_ij` (λ · SLQ_i on the diagonal) with
    /// `λ = [log2(1 + E_r/E_n)]^δ`.
    Flq { delta: f64 },
}

impl Default for LqMethod {
    fn default() -> Self {
        LqMethod::Flq {
            delta: FLQ_DEFAULT_DELTA,
        }
    }
}

/// Validates two employment vectors of the same length and returns their totals.
fn totals(regional: &[f64], national: &[f64]) -> Result<(f64, f64), MetricError> {
    check_len("national employment", national, regional.len())?;
    check_non_negative("regional employment", regional, regional.len().max(1))?;
    check_non_negative("national employment", national, national.len().max(1))?;
    let e_r: f64 = regional.iter().sum();
    let e_n: f64 = national.iter().sum();
    if e_r == 0.0 {
        return Err(MetricError::NoActivity("regional employment".into()));
    }
    if e_n == 0.0 {
        return Err(MetricError::NoActivity("national employment".into()));
    }
    if e_r > e_n {
        return Err(MetricError::OutOfRange {
            what: "regional employment".into(),
            parameter: "the regional total".into(),
            value: e_r,
            allowed: format!(
                "at most the national total {e_n}, because the region is part of the nation"
            ),
        });
    }
    Ok((e_r, e_n))
}

/// Simple location quotients `SLQ_i = (e^r_i / E^r) / (e^n_i / E^n)` (区位商) from
/// employment by sector in the region (`regional`) and the nation (`national`), in the
/// table's sector order; `E^r`, `E^n` are the sums of the vectors.
///
/// Dimensionless; `SLQ_i ≥ 1` means the region is at least as specialised in i as the
/// nation, so assumed self-sufficient in i. Reference: Miller & Blair (2009), §8.3.1.
/// Degenerate cases: `SLQ_i = 0` where the region has no employment in i. Errors: lengths
/// differ, negative or non-finite employment, zero totals ([`MetricError::NoActivity`]),
/// a regional total above the national one, and a sector with national employment 0
/// (its quotient is undefined: map the employment data onto the table's sectors first).
pub fn simple_location_quotients(
    regional: &[f64],
    national: &[f64],
) -> Result<Vec<f64>, MetricError> {
    let (e_r, e_n) = totals(regional, national)?;
    regional
        .iter()
        .zip(national)
        .enumerate()
        .map(|(i, (&r, &nat))| {
            if nat == 0.0 {
                Err(MetricError::ZeroDenominator {
                    what: "location quotient".into(),
                    at: format!("sector {i}"),
                    numerator: "regional employment".into(),
                    value: r,
                    denominator: "national employment".into(),
                })
            } else {
                Ok((r / e_r) / (nat / e_n))
            }
        })
        .collect()
}

/// Flegg's regional-size adjustment `λ = [log2(1 + E^r/E^n)]^δ`, in (0, 1] for a region
/// that is part of the nation.
///
/// Reference: Flegg, Webber & Elliott (1995), *Regional Studies* 29(6); Flegg & Webber
/// (1997). Errors: `δ` outside `[0, 1)` or non-finite, non-positive or non-finite totals,
/// `E^r > E^n`.
pub fn flegg_lambda(
    regional_total: f64,
    national_total: f64,
    delta: f64,
) -> Result<f64, MetricError> {
    if !delta.is_finite() || !(0.0..1.0).contains(&delta) {
        return Err(MetricError::OutOfRange {
            what: "Flegg's lambda".into(),
            parameter: "delta".into(),
            value: delta,
            allowed: "in [0, 1)".into(),
        });
    }
    for (name, total) in [
        ("the regional total", regional_total),
        ("the national total", national_total),
    ] {
        if !(total.is_finite() && total > 0.0) {
            return Err(MetricError::OutOfRange {
                what: "Flegg's lambda".into(),
                parameter: name.into(),
                value: total,
                allowed: "a finite positive number".into(),
            });
        }
    }
    if regional_total > national_total {
        return Err(MetricError::OutOfRange {
            what: "Flegg's lambda".into(),
            parameter: "the regional total".into(),
            value: regional_total,
            allowed: format!(
                "at most the national total {national_total}, because the region is part of the nation"
            ),
        });
    }
    Ok((1.0 + regional_total / national_total).log2().powf(delta))
}

/// Cross-industry location quotients, row-major `n x n`: `CILQ_ij = SLQ_i / SLQ_j`
/// (selling sector i, buying sector j), with `SLQ_i` on the diagonal (Smith & Morrison
/// 1974; Flegg et al. 1995).
///
/// Degenerate cases: `None` where `SLQ_j = 0` (the buying sector is absent from the region,
/// so the ratio is undefined); see [`regionalise_coefficients`] for how such cells are
/// used. Errors: as [`simple_location_quotients`].
pub fn cross_industry_location_quotients(
    regional: &[f64],
    national: &[f64],
) -> Result<Vec<Option<f64>>, MetricError> {
    let slq = simple_location_quotients(regional, national)?;
    Ok(cilq_from_slq(&slq))
}

fn cilq_from_slq(slq: &[f64]) -> Vec<Option<f64>> {
    let n = slq.len();
    let mut out = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            out.push(if i == j {
                Some(slq[i])
            } else if slq[j] == 0.0 {
                None
            } else {
                Some(slq[i] / slq[j])
            });
        }
    }
    out
}

/// Flegg location quotients `FLQ_ij = λ · CILQ_ij` (`λ · SLQ_i` on the diagonal), with
/// `λ` from [`flegg_lambda`]; `None` where the CILQ is undefined. Errors: as
/// [`simple_location_quotients`] and [`flegg_lambda`].
pub fn flegg_location_quotients(
    regional: &[f64],
    national: &[f64],
    delta: f64,
) -> Result<Vec<Option<f64>>, MetricError> {
    let (e_r, e_n) = totals(regional, national)?;
    let lambda = flegg_lambda(e_r, e_n, delta)?;
    Ok(cross_industry_location_quotients(regional, national)?
        .into_iter()
        .map(|q| q.map(|v| lambda * v))
        .collect())
}

/// Regional technical coefficients `a^r_ij = a^n_ij · min(1, LQ_ij)` from a national
/// coefficient matrix `a_national` (`n x n`, row-major) and employment by sector.
///
/// The quotient caps the share of the national input requirement that the region can
/// supply itself (a sector less concentrated in the region than in the nation imports
/// the rest from other regions); it never raises a coefficient. Units as A.
/// Reference: Miller & Blair (2009), §8.3; Flegg & Webber (1997), *Regional Studies*
/// 31(8); Flegg & Tohmo (2013), *Regional Studies* 47(5).
///
/// Degenerate cases: a selling sector absent from the region (`SLQ_i = 0`) supplies
/// nothing (`a^r_ij = 0` for every method); where the buying sector is absent
/// (`SLQ_j = 0 < SLQ_i`) the CILQ/FLQ is +∞ and the cap applies (`a^r_ij = a^n_ij`; the
/// column does not matter for the region's output anyway).
/// Errors: shape, negative or non-finite coefficients, those of
/// [`simple_location_quotients`] and, for FLQ, of [`flegg_lambda`].
pub fn regionalise_coefficients(
    a_national: &[f64],
    n: usize,
    regional: &[f64],
    national: &[f64],
    method: LqMethod,
) -> Result<Vec<f64>, MetricError> {
    check_square("national technical coefficients A", a_national, n)?;
    check_non_negative("national technical coefficients A", a_national, n)?;
    check_len("regional employment", regional, n)?;
    let slq = simple_location_quotients(regional, national)?;
    let lambda = match method {
        LqMethod::Flq { delta } => {
            let (e_r, e_n) = totals(regional, national)?;
            flegg_lambda(e_r, e_n, delta)?
        }
        LqMethod::Slq | LqMethod::Cilq => 1.0,
    };
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let factor = if slq[i] == 0.0 {
                0.0
            } else {
                match method {
                    LqMethod::Slq => slq[i].min(1.0),
                    LqMethod::Cilq | LqMethod::Flq { .. } => {
                        let cilq = if i == j {
                            slq[i]
                        } else if slq[j] == 0.0 {
                            f64::INFINITY
                        } else {
                            slq[i] / slq[j]
                        };
                        (lambda * cilq).min(1.0)
                    }
                }
            };
            out[i * n + j] = a_national[i * n + j] * factor;
        }
    }
    Ok(out)
}
