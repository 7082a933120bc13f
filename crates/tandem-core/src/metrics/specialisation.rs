//! Specialisation and localisation (family A): location quotient, Balassa RCA and binary
//! presence, Hachman, Herfindahl, entropy, Krugman and Hoover indices.
//!
//! Notation for one year: `E_ri` = activity of region r in industry i (employment, output,
//! value added: any additive, non-negative measure), `E_r = Σ_i E_ri`, `E_i = Σ_r E_ri`,
//! `E = Σ_ri E_ri`, `s_ri = E_ri / E_r`. The **reference economy is the matrix itself**: the
//! column totals `E_i / E` of the regions passed in, never an outside national total. To
//! compare against a nation, add the nation (or the rest of it) as a row.
//!
//! Inputs are validated once by [`RegionIndustry::new`]: the shape must match and every
//! value must be finite and non-negative (a negative employment figure is an error, not a
//! number to compute with).

use super::MetricError;
use crate::model::{Absent, Panel};

/// A borrowed, validated region x industry matrix (row-major: region r, industry i is
/// `values[r * industries + i]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionIndustry<'a> {
    values: &'a [f64],
    regions: usize,
    industries: usize,
}

impl<'a> RegionIndustry<'a> {
    /// Wraps `values` as a `regions x industries` matrix.
    ///
    /// Errors: [`MetricError::TooFew`] if either dimension is 0, [`MetricError::Shape`] if
    /// `values.len() != regions * industries`, [`MetricError::NonFinite`] for a NaN or
    /// infinite value and [`MetricError::Negative`] for a negative one (both name the cell).
    ///
    /// ```
    /// use tandem_core::metrics::specialisation::RegionIndustry;
    /// let m = RegionIndustry::new(&[1.0, 2.0, 3.0, 4.0], 2, 2).unwrap();
    /// assert_eq!(m.region_totals(), vec![3.0, 7.0]);
    /// assert_eq!(m.industry_totals(), vec![4.0, 6.0]);
    /// assert!(RegionIndustry::new(&[1.0, -2.0], 1, 2).is_err());
    /// ```
    pub fn new(
        values: &'a [f64],
        regions: usize,
        industries: usize,
    ) -> Result<RegionIndustry<'a>, MetricError> {
        if regions == 0 {
            return Err(MetricError::TooFew {
                what: "region x industry matrix: regions".into(),
                needed: 1,
                got: 0,
            });
        }
        if industries == 0 {
            return Err(MetricError::TooFew {
                what: "region x industry matrix: industries".into(),
                needed: 1,
                got: 0,
            });
        }
        if values.len() != regions * industries {
            return Err(MetricError::Shape {
                what: format!("region x industry matrix ({regions} x {industries})"),
                expected: regions * industries,
                got: values.len(),
            });
        }
        for (k, v) in values.iter().enumerate() {
            let at = format!("region {}, industry {}", k / industries, k % industries);
            check_value("region x industry matrix", *v, &at)?;
        }
        Ok(RegionIndustry {
            values,
            regions,
            industries,
        })
    }

    /// Number of regions (rows).
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Number of industries (columns).
    pub fn industries(&self) -> usize {
        self.industries
    }

    /// The underlying row-major values.
    pub fn values(&self) -> &'a [f64] {
        self.values
    }

    /// `E_ri`. Panics if out of range (indices are the caller's, not user input).
    pub fn get(&self, region: usize, industry: usize) -> f64 {
        self.values[region * self.industries + industry]
    }

    /// The industries of one region, `E_r·`.
    pub fn row(&self, region: usize) -> &'a [f64] {
        &self.values[region * self.industries..(region + 1) * self.industries]
    }

    /// The regions of one industry, `E_·i`.
    pub fn column(&self, industry: usize) -> Vec<f64> {
        (0..self.regions).map(|r| self.get(r, industry)).collect()
    }

    /// `E_r = Σ_i E_ri` for every region.
    pub fn region_totals(&self) -> Vec<f64> {
        (0..self.regions)
            .map(|r| self.row(r).iter().sum())
            .collect()
    }

    /// `E_i = Σ_r E_ri` for every industry.
    pub fn industry_totals(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.industries];
        for r in 0..self.regions {
            for (o, v) in out.iter_mut().zip(self.row(r)) {
                *o += v;
            }
        }
        out
    }

    /// `E = Σ_ri E_ri`.
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }

    /// Refuses a region index beyond the matrix ([`MetricError::IndexOutOfRange`]).
    pub(crate) fn region_index(&self, region: usize) -> Result<(), MetricError> {
        if region >= self.regions {
            return Err(MetricError::IndexOutOfRange {
                what: "region".into(),
                index: region,
                len: self.regions,
            });
        }
        Ok(())
    }

    /// Refuses an industry index beyond the matrix ([`MetricError::IndexOutOfRange`]).
    pub(crate) fn industry_index(&self, industry: usize) -> Result<(), MetricError> {
        if industry >= self.industries {
            return Err(MetricError::IndexOutOfRange {
                what: "industry".into(),
                index: industry,
                len: self.industries,
            });
        }
        Ok(())
    }
}

/// Refuses NaN, infinities and negative numbers, naming `what` and `at`.
pub(crate) fn check_value(what: &str, value: f64, at: &str) -> Result<(), MetricError> {
    if !value.is_finite() {
        return Err(MetricError::NonFinite {
            what: what.to_string(),
            value,
            at: at.to_string(),
        });
    }
    if value < 0.0 {
        return Err(MetricError::Negative {
            what: what.to_string(),
            value,
            at: at.to_string(),
        });
    }
    Ok(())
}

/// Validates a non-empty vector of finite, non-negative values and returns its sum.
pub(crate) fn check_levels(what: &str, values: &[f64]) -> Result<f64, MetricError> {
    if values.is_empty() {
        return Err(MetricError::TooFew {
            what: what.to_string(),
            needed: 1,
            got: 0,
        });
    }
    for (k, v) in values.iter().enumerate() {
        check_value(what, *v, &format!("position {k}"))?;
    }
    Ok(values.iter().sum())
}

/// Validates like [`check_levels`] and refuses an all-zero vector.
pub(crate) fn positive_total(what: &str, values: &[f64]) -> Result<f64, MetricError> {
    let total = check_levels(what, values)?;
    if total <= 0.0 {
        return Err(MetricError::NoActivity(what.to_string()));
    }
    Ok(total)
}

/// Checks that two vectors have the same length.
pub(crate) fn same_length(what: &str, a: &[f64], b: &[f64]) -> Result<(), MetricError> {
    if a.len() != b.len() {
        return Err(MetricError::Shape {
            what: what.to_string(),
            expected: a.len(),
            got: b.len(),
        });
    }
    Ok(())
}

/// Industry shares of every region, `s_ri = E_ri / E_r` (row-major like the input).
///
/// Unit: fraction (each row sums to 1). A region with no activity (`E_r = 0`) has no
/// structure: its cells are `None`.
///
/// ```
/// use tandem_core::metrics::specialisation::{region_shares, RegionIndustry};
/// let m = RegionIndustry::new(&[1.0, 3.0, 0.0, 0.0], 2, 2).unwrap();
/// assert_eq!(region_shares(&m), vec![Some(0.25), Some(0.75), None, None]);
/// ```
pub fn region_shares(m: &RegionIndustry<'_>) -> Vec<Option<f64>> {
    let totals = m.region_totals();
    let mut out = Vec::with_capacity(m.values.len());
    for (r, total) in totals.iter().enumerate() {
        for v in m.row(r) {
            out.push((*total > 0.0).then(|| v / total));
        }
    }
    out
}

/// Location quotient of every cell: `LQ_ri = (E_ri / E_r) / (E_i / E)`.
///
/// Unit: dimensionless; 1 = the region's share of industry i equals the reference
/// economy's. Reference: Isard (1960), *Methods of Regional Analysis*; EconGeo
/// `location_quotient`, REAT `locq` (the same formula; EconGeo's `rca` additionally rounds
/// to 2 decimals, which is not done here).
///
/// Zeros: `E_ri = 0` gives `Some(0.0)`. A region with no activity (`E_r = 0`) or an
/// industry present nowhere (`E_i = 0`) gives `None` for its cells (the ratio is 0/0).
/// An all-zero matrix is [`MetricError::NoActivity`]. With one region only every defined
/// LQ is 1 (a region compared with itself); that is correct, not an error.
///
/// Identity (tested): `Σ_r (E_r / E) · LQ_ri = 1` for every industry with `E_i > 0`.
///
/// ```
/// use tandem_core::metrics::specialisation::{location_quotients, RegionIndustry};
/// // Two regions, two industries: region 0 has 3/4 of its jobs in industry 0,
/// // the economy 4/10, so LQ = 0.75 / 0.4 = 1.875.
/// let m = RegionIndustry::new(&[3.0, 1.0, 1.0, 5.0], 2, 2).unwrap();
/// let lq = location_quotients(&m).unwrap();
/// assert!((lq[0].unwrap() - 1.875).abs() < 1e-12);
/// ```
pub fn location_quotients(m: &RegionIndustry<'_>) -> Result<Vec<Option<f64>>, MetricError> {
    let total = m.total();
    if total <= 0.0 {
        return Err(MetricError::NoActivity("location quotient".into()));
    }
    let er = m.region_totals();
    let ei = m.industry_totals();
    let mut out = Vec::with_capacity(m.values.len());
    for (r, e_r) in er.iter().enumerate() {
        for (i, e_i) in ei.iter().enumerate() {
            out.push(if *e_r > 0.0 && *e_i > 0.0 {
                Some((m.get(r, i) / e_r) / (e_i / total))
            } else {
                None
            });
        }
    }
    Ok(out)
}

/// Balassa's revealed comparative advantage, `RCA_ri = (X_ri / X_r) / (X_i / X)`.
///
/// The formula is the location quotient's ([`location_quotients`]); the name is kept
/// because the complexity literature uses it (Balassa 1965, "Trade liberalisation and
/// revealed comparative advantage", *Manchester School* 33(2); py-ecomplexity `rca`, which
/// this reproduces exactly on employment). Zeros and degenerate inputs as for the LQ.
///
/// ```
/// use tandem_core::metrics::specialisation::{balassa_rca, RegionIndustry};
/// let m = RegionIndustry::new(&[3.0, 1.0, 1.0, 5.0], 2, 2).unwrap();
/// // region 1, industry 1: (5/6) / (6/10) = 25/18
/// assert!((balassa_rca(&m).unwrap()[3].unwrap() - 25.0 / 18.0).abs() < 1e-12);
/// ```
pub fn balassa_rca(m: &RegionIndustry<'_>) -> Result<Vec<Option<f64>>, MetricError> {
    location_quotients(m)
}

/// Binary presence `M_ri = 1 if RCA_ri ≥ threshold, else 0`.
///
/// Follows py-ecomplexity (`rca_mcp_threshold`, default 1, comparison `≥`, undefined RCA
/// counts as 0). EconGeo's `rca(binary = TRUE)` gives the same 0/1 at threshold 1 (it works
/// on the unrounded LQ); thresholding EconGeo's non-binary output, which is rounded to 2
/// decimals, would count 0.995 as present. `threshold` must be finite and positive.
///
/// ```
/// use tandem_core::metrics::specialisation::binary_presence;
/// assert_eq!(binary_presence(&[Some(1.0), Some(0.99), None], 1.0).unwrap(), vec![1, 0, 0]);
/// ```
pub fn binary_presence(rca: &[Option<f64>], threshold: f64) -> Result<Vec<u8>, MetricError> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(MetricError::OutOfRange {
            what: "binary presence".into(),
            parameter: "the RCA threshold".into(),
            value: threshold,
            allowed: "a finite positive number".into(),
        });
    }
    Ok(rca
        .iter()
        .map(|v| u8::from(v.is_some_and(|x| x >= threshold)))
        .collect())
}

/// Hachman index of one region: `HI_r = 1 / Σ_i s_ri · LQ_ri`.
///
/// Unit: (0, 1]; 1 = the region's structure equals the reference economy's, small values =
/// specialised. Reference: Hachman (1995); EconGeo `hachman`. Industries present nowhere
/// contribute nothing (`s_ri = 0` there). A region with no activity is
/// [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::specialisation::{hachman, RegionIndustry};
/// let m = RegionIndustry::new(&[1.0, 1.0, 1.0, 1.0], 2, 2).unwrap();
/// assert!((hachman(&m, 0).unwrap() - 1.0).abs() < 1e-12);
/// ```
pub fn hachman(m: &RegionIndustry<'_>, region: usize) -> Result<f64, MetricError> {
    m.region_index(region)?;
    let e_r: f64 = m.row(region).iter().sum();
    if e_r <= 0.0 {
        return Err(MetricError::NoActivity(format!(
            "Hachman index of region {region}"
        )));
    }
    let total = m.total();
    let ei = m.industry_totals();
    let mut sum = 0.0;
    for (i, e_i) in ei.iter().enumerate() {
        if *e_i > 0.0 {
            let s = m.get(region, i) / e_r;
            sum += s * (s / (e_i / total));
        }
    }
    Ok(1.0 / sum)
}

/// Herfindahl-Hirschman concentration of one region's structure: `H = Σ_i s_i²`.
///
/// `values` are levels (any non-negative measure); shares are taken inside. Unit: (0, 1];
/// 1 = one industry only, `1/n` = equal shares. Reference: Hirschman (1964); EconGeo
/// `herfindahl`, REAT `herf`. All zeros is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::specialisation::herfindahl;
/// assert!((herfindahl(&[1.0, 1.0, 2.0]).unwrap() - 0.375).abs() < 1e-12);
/// ```
pub fn herfindahl(values: &[f64]) -> Result<f64, MetricError> {
    let total = positive_total("Herfindahl index", values)?;
    Ok(values.iter().map(|v| (v / total) * (v / total)).sum())
}

/// Base of the logarithm in [`entropy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogBase {
    /// Natural log (nats); the golden reference `entropy_ln`.
    Natural,
    /// Log base 2 (bits); EconGeo `entropy`. EconGeo also adds 1e-9 inside the log and
    /// rounds to 3 decimals, which is not replicated here.
    Two,
}

/// Shannon entropy of one region's structure: `H = −Σ_i s_i log s_i`, with `0 · log 0 := 0`.
///
/// Unit: nats or bits (see [`LogBase`]); 0 = one industry only, `log n` = equal shares.
/// Reference: Theil (1967); Frenken, Van Oort & Verburg (2007), *Regional Studies* 41(5).
/// All zeros is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::specialisation::{entropy, LogBase};
/// assert!((entropy(&[5.0, 5.0], LogBase::Two).unwrap() - 1.0).abs() < 1e-12);
/// assert!((entropy(&[5.0, 5.0], LogBase::Natural).unwrap() - 2f64.ln()).abs() < 1e-12);
/// ```
pub fn entropy(values: &[f64], base: LogBase) -> Result<f64, MetricError> {
    let total = positive_total("entropy", values)?;
    let nats: f64 = -values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| {
            let s = v / total;
            s * s.ln()
        })
        .sum::<f64>();
    Ok(match base {
        LogBase::Natural => nats,
        LogBase::Two => nats / std::f64::consts::LN_2,
    })
}

/// Krugman dissimilarity of two structures: `K_ab = Σ_i |s_ai − s_bi|`.
///
/// `a` and `b` are levels over the same industries (shares are taken inside). Unit:
/// [0, 2]; 0 = identical structures, 2 = no industry in common. Some texts halve it (then
/// it equals the Hoover/dissimilarity index). Reference: Krugman (1991), *Geography and
/// Trade*; REAT `krugman.spec`. Either region with no activity is
/// [`MetricError::NoActivity`]; different lengths are [`MetricError::Shape`].
///
/// ```
/// use tandem_core::metrics::specialisation::krugman_dissimilarity;
/// assert!((krugman_dissimilarity(&[1.0, 0.0], &[0.0, 3.0]).unwrap() - 2.0).abs() < 1e-12);
/// assert!((krugman_dissimilarity(&[1.0, 1.0], &[2.0, 2.0]).unwrap()).abs() < 1e-12);
/// ```
pub fn krugman_dissimilarity(a: &[f64], b: &[f64]) -> Result<f64, MetricError> {
    same_length("Krugman dissimilarity: industries of region b", a, b)?;
    let ta = positive_total("Krugman dissimilarity: region a", a)?;
    let tb = positive_total("Krugman dissimilarity: region b", b)?;
    Ok(a.iter().zip(b).map(|(x, y)| (x / ta - y / tb).abs()).sum())
}

/// Krugman specialisation of one region against the reference economy (all rows of `m`):
/// `K_r = Σ_i |s_ri − E_i / E|`.
///
/// Unit: [0, 2). Reference: EconGeo `krugman_index`. A region with no activity is
/// [`MetricError::NoActivity`]. With one region only the result is 0.
///
/// ```
/// use tandem_core::metrics::specialisation::{krugman_specialisation, RegionIndustry};
/// let m = RegionIndustry::new(&[3.0, 1.0, 1.0, 3.0], 2, 2).unwrap();
/// // s_0 = (0.75, 0.25), reference (0.5, 0.5): K = 0.25 + 0.25.
/// assert!((krugman_specialisation(&m, 0).unwrap() - 0.5).abs() < 1e-12);
/// ```
pub fn krugman_specialisation(m: &RegionIndustry<'_>, region: usize) -> Result<f64, MetricError> {
    m.region_index(region)?;
    krugman_dissimilarity(m.row(region), &m.industry_totals())
        .map_err(|e| relabel(e, &format!("Krugman specialisation of region {region}")))
}

/// Hoover coefficient of specialisation of one region: `½ Σ_i |s_ri − E_i / E|`, i.e.
/// half of [`krugman_specialisation`]. Unit: [0, 1). Reference: Hoover (1936); EconGeo
/// `spec_coeff`. Errors as for [`krugman_specialisation`].
///
/// ```
/// use tandem_core::metrics::specialisation::{hoover_specialisation, RegionIndustry};
/// let m = RegionIndustry::new(&[3.0, 1.0, 1.0, 3.0], 2, 2).unwrap();
/// assert!((hoover_specialisation(&m, 0).unwrap() - 0.25).abs() < 1e-12);
/// ```
pub fn hoover_specialisation(m: &RegionIndustry<'_>, region: usize) -> Result<f64, MetricError> {
    Ok(krugman_specialisation(m, region)? / 2.0)
}

/// Hoover index of two distributions over the same units: `½ Σ_k |x_k / Σx − r_k / Σr|`.
///
/// `x` is the distribution studied (an industry's employment by region, GDP by region),
/// `reference` what it is compared with (total employment by region, population). Unit:
/// [0, 1); 0 = `x` is distributed like the reference. Reference: Hoover (1936), REAT
/// `hoover(x, ref)`. EconGeo's `hoover_index` reports 100 times this, rounded.
/// Either vector summing to 0 is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::specialisation::hoover_index;
/// assert!((hoover_index(&[1.0, 0.0], &[1.0, 1.0]).unwrap() - 0.5).abs() < 1e-12);
/// ```
pub fn hoover_index(x: &[f64], reference: &[f64]) -> Result<f64, MetricError> {
    same_length("Hoover index: reference", x, reference)?;
    let tx = positive_total("Hoover index: distribution", x)?;
    let tr = positive_total("Hoover index: reference", reference)?;
    Ok(0.5
        * x.iter()
            .zip(reference)
            .map(|(a, b)| (a / tx - b / tr).abs())
            .sum::<f64>())
}

/// Hoover coefficient of localisation of one industry: `H_i = ½ Σ_r |E_ri / E_i − E_r / E|`.
///
/// Unit: [0, 1); 0 = the industry is spread like total activity. Reference: Hoover (1936);
/// EconGeo `hoover_index(mat, pop = E_r)` (×100, rounded there). An industry present
/// nowhere is [`MetricError::NoActivity`]; with one region only the result is 0.
///
/// ```
/// use tandem_core::metrics::specialisation::{hoover_localisation, RegionIndustry};
/// let m = RegionIndustry::new(&[2.0, 0.0, 0.0, 2.0], 2, 2).unwrap();
/// assert!((hoover_localisation(&m, 0).unwrap() - 0.5).abs() < 1e-12);
/// ```
pub fn hoover_localisation(m: &RegionIndustry<'_>, industry: usize) -> Result<f64, MetricError> {
    m.industry_index(industry)?;
    hoover_index(&m.column(industry), &m.region_totals())
        .map_err(|e| relabel(e, &format!("Hoover localisation of industry {industry}")))
}

fn relabel(e: MetricError, what: &str) -> MetricError {
    match e {
        MetricError::NoActivity(_) => MetricError::NoActivity(what.to_string()),
        other => other,
    }
}

/// One cell of a panel-level result: region, industry, year and the value (`None` where
/// the indicator is undefined).
#[derive(Clone, Debug, PartialEq)]
pub struct PanelCell {
    pub region: String,
    pub industry: String,
    pub year: i32,
    pub value: Option<f64>,
}

/// Location quotients of every cell of a panel's rectangle, year by year (the CLI's
/// `lq` table). Order: years, then regions, then industries (the panel's own order).
///
/// Each year is computed separately with the year's regions as the reference economy.
/// Treatment of gaps, decided here:
/// * an **absent** cell contributes nothing to the totals (as py-ecomplexity, which
///   rectangularises with zeros) but its own LQ is `None`: a missing figure is not a
///   measured zero;
/// * a region or industry with zero total in a year gets `None` for its cells;
/// * a year with no activity at all gets `None` everywhere (not an error: a panel may hold
///   an empty year);
/// * a negative value is an error ([`MetricError::Negative`], naming region, industry and
///   year).
///
/// ```
/// use tandem_core::Panel;
/// use tandem_core::metrics::specialisation::location_quotient_panel;
/// let p = Panel::from_records("employment", vec![
///     ("A", "x", 2020, 3.0), ("A", "y", 2020, 1.0),
///     ("B", "x", 2020, 1.0), ("B", "y", 2020, 5.0),
/// ]).unwrap();
/// let cells = location_quotient_panel(&p).unwrap();
/// assert_eq!(cells.len(), 4);
/// assert!((cells[0].value.unwrap() - 1.875).abs() < 1e-12);
/// ```
pub fn location_quotient_panel(panel: &Panel) -> Result<Vec<PanelCell>, MetricError> {
    let nr = panel.regions().len();
    let ni = panel.industries().len();
    let mut out = Vec::with_capacity(panel.len());
    for (y, year) in panel.years().iter().enumerate() {
        let matrix = panel.year_matrix(*year, Absent::AsZero)?;
        for (k, v) in matrix.iter().enumerate() {
            let at = format!(
                "region {}, industry {}, year {year}",
                panel.regions()[k / ni],
                panel.industries()[k % ni]
            );
            check_value(&format!("panel `{}`", panel.measure()), *v, &at)?;
        }
        let m = RegionIndustry::new(&matrix, nr, ni)?;
        let lq = match location_quotients(&m) {
            Ok(lq) => lq,
            Err(MetricError::NoActivity(_)) => vec![None; nr * ni],
            Err(e) => return Err(e),
        };
        for r in 0..nr {
            for i in 0..ni {
                let present = panel.get(y, r, i).is_some();
                out.push(PanelCell {
                    region: panel.regions()[r].clone(),
                    industry: panel.industries()[i].clone(),
                    year: *year,
                    value: if present { lq[r * ni + i] } else { None },
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_without_activity_and_industry_present_nowhere_are_none() {
        // region 1 has nothing; industry 2 exists nowhere
        let v = [2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 0.0];
        let m = RegionIndustry::new(&v, 3, 3).unwrap();
        let lq = location_quotients(&m).unwrap();
        assert!(lq[3..6].iter().all(Option::is_none));
        assert!(lq[2].is_none() && lq[8].is_none());
        assert!((lq[0].unwrap() - (2.0 / 3.0) / (3.0 / 7.0)).abs() < 1e-15);
        assert!(matches!(hachman(&m, 1), Err(MetricError::NoActivity(_))));
        assert!(matches!(
            hoover_localisation(&m, 2),
            Err(MetricError::NoActivity(_))
        ));
        assert!(matches!(
            krugman_specialisation(&m, 1),
            Err(MetricError::NoActivity(_))
        ));
        assert!(matches!(
            hachman(&m, 3),
            Err(MetricError::IndexOutOfRange {
                index: 3,
                len: 3,
                ..
            })
        ));
    }

    #[test]
    fn all_zero_matrix_is_no_activity() {
        let m = RegionIndustry::new(&[0.0; 4], 2, 2).unwrap();
        assert!(matches!(
            location_quotients(&m),
            Err(MetricError::NoActivity(_))
        ));
    }

    #[test]
    fn bad_inputs_are_refused_with_the_cell_named() {
        assert!(matches!(
            RegionIndustry::new(&[1.0, f64::NAN], 1, 2),
            Err(MetricError::NonFinite { at, .. }) if at.contains("industry 1")
        ));
        assert!(matches!(
            RegionIndustry::new(&[1.0, 2.0, 3.0], 2, 2),
            Err(MetricError::Shape {
                expected: 4,
                got: 3,
                ..
            })
        ));
        assert!(matches!(
            RegionIndustry::new(&[], 0, 2),
            Err(MetricError::TooFew { .. })
        ));
        assert!(binary_presence(&[Some(1.0)], f64::NAN).is_err());
        assert!(matches!(herfindahl(&[]), Err(MetricError::TooFew { .. })));
        assert!(matches!(
            entropy(&[0.0, 0.0], LogBase::Natural),
            Err(MetricError::NoActivity(_))
        ));
    }

    #[test]
    fn one_region_only_is_its_own_reference() {
        let m = RegionIndustry::new(&[1.0, 0.0, 3.0], 1, 3).unwrap();
        let lq = location_quotients(&m).unwrap();
        assert_eq!(lq, vec![Some(1.0), None, Some(1.0)]);
        assert_eq!(krugman_specialisation(&m, 0).unwrap(), 0.0);
        assert_eq!(hoover_localisation(&m, 0).unwrap(), 0.0);
        assert!((hachman(&m, 0).unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn panel_absent_cells_are_none_and_empty_years_are_none() {
        let p = Panel::from_records(
            "employment",
            vec![
                ("A", "x", 2020, 3.0),
                ("B", "x", 2020, 1.0),
                ("B", "y", 2020, 5.0),
                ("A", "x", 2021, 0.0),
            ],
        )
        .unwrap();
        let cells = location_quotient_panel(&p).unwrap();
        assert_eq!(cells.len(), 8);
        // A/y/2020 is absent: None even though treated as zero in the totals.
        assert_eq!(cells[1].value, None);
        // A/x/2020: (3/3)/(4/9)
        assert!((cells[0].value.unwrap() - 9.0 / 4.0).abs() < 1e-12);
        // 2021 has no activity at all.
        assert!(cells[4..]
            .iter()
            .all(|c| c.value.is_none() && c.year == 2021));
        let neg = Panel::from_records("e", vec![("A", "x", 2020, -1.0)]).unwrap();
        assert!(matches!(
            location_quotient_panel(&neg),
            Err(MetricError::Negative { at, .. }) if at.contains("year 2020")
        ));
    }
}
