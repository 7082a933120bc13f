//! Shift-share analysis (family G): classic three-component (Dunn), Esteban-Marquillas
//! with the homothetic allocation effect, and dynamic (year-by-year, summed).
//!
//! Notation: `e⁰_ri`, `e¹_ri` = employment of region r in industry i at the start and end;
//! `E⁰_i`, `E¹_i` the reference economy's industry totals and `E⁰`, `E¹` its totals. The
//! **reference economy is the sum of the rows passed in** (the golden reference uses its 12
//! regions; to use a nation, pass the nation's rest as a row). `g = E¹/E⁰ − 1`,
//! `g_i = E¹_i/E⁰_i − 1`.

use super::specialisation::RegionIndustry;
use super::MetricError;

/// The three components of one cell (or a region total).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShiftShareCell {
    /// `e¹ − e⁰`.
    pub change: f64,
    /// National share `NS = e⁰ g`: growth had the cell grown like the whole economy.
    pub national_share: f64,
    /// Industry mix `IM = e⁰ (g_i − g)`: the premium of the industry's own growth.
    pub industry_mix: f64,
    /// Regional (competitive) share `RS = e¹ − e⁰ (1 + g_i)`, = `e⁰ (g_ri − g_i)` where
    /// `e⁰ > 0`, and still defined for an industry new to the region.
    pub regional_share: f64,
}

impl ShiftShareCell {
    fn add(&mut self, o: &ShiftShareCell) {
        self.change += o.change;
        self.national_share += o.national_share;
        self.industry_mix += o.industry_mix;
        self.regional_share += o.regional_share;
    }
}

fn check_pair(base: &RegionIndustry<'_>, end: &RegionIndustry<'_>) -> Result<f64, MetricError> {
    if base.regions() != end.regions() || base.industries() != end.industries() {
        return Err(MetricError::Shape {
            what: format!(
                "shift-share: end-year matrix {} x {} against base year {} x {}",
                end.regions(),
                end.industries(),
                base.regions(),
                base.industries()
            ),
            expected: base.values().len(),
            got: end.values().len(),
        });
    }
    let e0 = base.total();
    if e0 <= 0.0 {
        return Err(MetricError::NoActivity("shift-share: base year".into()));
    }
    Ok(e0)
}

/// Classic (Dunn) shift-share of every cell between two years, row-major like the input.
///
/// `NS = e⁰ g`, `IM = e⁰ (g_i − g)`, `RS = e¹ − e⁰ (1 + g_i)`, so `NS + IM + RS = e¹ − e⁰`
/// exactly. Unit: the unit of the matrices (persons). Reference: Dunn (1960), "A
/// statistical and analytical technique for regional analysis", *Papers of the Regional
/// Science Association* 6; REAT `shift(..., "Dunn")` (which divides by `e⁰` in RS and so
/// gives NaN for new industries; the form here does not); golden `own_shift_share.csv`.
///
/// Degenerate inputs: an empty base year is [`MetricError::NoActivity`]; an industry absent
/// from the whole reference economy in the base year (`E⁰_i = 0`, so `g_i` is undefined)
/// has `e⁰ = 0` in every region and gets `NS = IM = 0`, `RS = e¹` (its growth is all
/// regional). Region totals: [`sum_by_region`].
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::shift_share::shift_share;
/// let base = RegionIndustry::new(&[10.0, 10.0, 10.0, 10.0], 2, 2).unwrap();
/// let end = RegionIndustry::new(&[20.0, 10.0, 10.0, 10.0], 2, 2).unwrap();
/// let c = shift_share(&base, &end).unwrap();
/// // g = 0.25, g_0 = 0.5: NS = 2.5, IM = 2.5, RS = 20 - 15 = 5
/// assert!((c[0].national_share - 2.5).abs() < 1e-12);
/// assert!((c[0].industry_mix - 2.5).abs() < 1e-12);
/// assert!((c[0].regional_share - 5.0).abs() < 1e-12);
/// ```
pub fn shift_share(
    base: &RegionIndustry<'_>,
    end: &RegionIndustry<'_>,
) -> Result<Vec<ShiftShareCell>, MetricError> {
    let e0 = check_pair(base, end)?;
    let g = end.total() / e0 - 1.0;
    let i0 = base.industry_totals();
    let i1 = end.industry_totals();
    let mut out = Vec::with_capacity(base.values().len());
    for r in 0..base.regions() {
        for i in 0..base.industries() {
            let (a, b) = (base.get(r, i), end.get(r, i));
            out.push(if i0[i] > 0.0 {
                let gi = i1[i] / i0[i] - 1.0;
                ShiftShareCell {
                    change: b - a,
                    national_share: a * g,
                    industry_mix: a * (gi - g),
                    regional_share: b - a * (1.0 + gi),
                }
            } else {
                ShiftShareCell {
                    change: b - a,
                    national_share: 0.0,
                    industry_mix: 0.0,
                    regional_share: b,
                }
            });
        }
    }
    Ok(out)
}

/// Sums cell components over industries: one [`ShiftShareCell`] per region.
///
/// `cells` must hold `regions * industries` cells in row-major order
/// ([`MetricError::Shape`] otherwise).
///
/// ```
/// use tandem_core::metrics::shift_share::{sum_by_region, ShiftShareCell};
/// let c = ShiftShareCell { change: 1.0, national_share: 1.0, industry_mix: 0.0, regional_share: 0.0 };
/// assert_eq!(sum_by_region(&[c, c, c, c], 2, 2).unwrap()[1].change, 2.0);
/// ```
pub fn sum_by_region(
    cells: &[ShiftShareCell],
    regions: usize,
    industries: usize,
) -> Result<Vec<ShiftShareCell>, MetricError> {
    if cells.len() != regions * industries {
        return Err(MetricError::Shape {
            what: format!("shift-share region totals ({regions} x {industries})"),
            expected: regions * industries,
            got: cells.len(),
        });
    }
    Ok(cells
        .chunks(industries.max(1))
        .map(|row| {
            let mut total = ShiftShareCell::default();
            row.iter().for_each(|c| total.add(c));
            total
        })
        .collect())
}

/// One cell of the Esteban-Marquillas decomposition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EstebanMarquillasCell {
    /// The classic components (NS, IM, RS) as in [`shift_share`].
    pub classic: ShiftShareCell,
    /// Homothetic base-year employment `ê_ri = e⁰_r · E⁰_i / E⁰`: what the region would
    /// employ in i with the reference economy's structure.
    pub homothetic: f64,
    /// Competitive effect `CE = ê (g_ri − g_i)`; `None` where `e⁰ = 0` (g_ri undefined).
    pub competitive_effect: Option<f64>,
    /// Allocation effect `AE = (e⁰ − ê)(g_ri − g_i)`: positive when the region is
    /// specialised in industries where it is competitive. `None` where `e⁰ = 0`.
    pub allocation_effect: Option<f64>,
}

/// Esteban-Marquillas shift-share: the regional share split into a competitive effect on
/// homothetic employment and an allocation effect, `RS = CE + AE`, so that
/// `change = NS + IM + CE + AE` (four components).
///
/// `ê_ri = e⁰_r E⁰_i / E⁰`, `g_ri = e¹_ri / e⁰_ri − 1`, `CE = ê (g_ri − g_i)`,
/// `AE = (e⁰ − ê)(g_ri − g_i)`. Reference: Esteban-Marquillas (1972), "A reinterpretation
/// of shift-share analysis", *Regional and Urban Economics* 2(3); REAT
/// `shift(..., "Esteban")`. Where `e⁰_ri = 0` the growth rate `g_ri` is undefined: CE and
/// AE are `None` and only the classic RS (= `e¹`) is reported. Other degenerate inputs as
/// for [`shift_share`].
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::shift_share::esteban_marquillas;
/// let base = RegionIndustry::new(&[30.0, 10.0, 10.0, 30.0], 2, 2).unwrap();
/// let end = RegionIndustry::new(&[45.0, 10.0, 10.0, 30.0], 2, 2).unwrap();
/// let c = esteban_marquillas(&base, &end).unwrap();
/// // ê_00 = 40 · 40/80 = 20; g_00 = 0.5, g_0 = 15/40 = 0.375
/// assert_eq!(c[0].homothetic, 20.0);
/// assert!((c[0].competitive_effect.unwrap() - 2.5).abs() < 1e-12);
/// assert!((c[0].allocation_effect.unwrap() - 1.25).abs() < 1e-12);
/// ```
pub fn esteban_marquillas(
    base: &RegionIndustry<'_>,
    end: &RegionIndustry<'_>,
) -> Result<Vec<EstebanMarquillasCell>, MetricError> {
    let classic = shift_share(base, end)?;
    let e0 = base.total();
    let er = base.region_totals();
    let i0 = base.industry_totals();
    let i1 = end.industry_totals();
    let mut out = Vec::with_capacity(classic.len());
    for r in 0..base.regions() {
        for i in 0..base.industries() {
            let c = classic[r * base.industries() + i];
            let a = base.get(r, i);
            let homothetic = er[r] * i0[i] / e0;
            let (ce, ae) = if a > 0.0 {
                // a > 0 implies E⁰_i > 0
                let gap = (end.get(r, i) / a - 1.0) - (i1[i] / i0[i] - 1.0);
                (Some(homothetic * gap), Some((a - homothetic) * gap))
            } else {
                (None, None)
            };
            out.push(EstebanMarquillasCell {
                classic: c,
                homothetic,
                competitive_effect: ce,
                allocation_effect: ae,
            });
        }
    }
    Ok(out)
}

/// The result of [`dynamic_shift_share`].
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicShiftShare {
    /// Classic components of each consecutive pair of years (`periods.len() = years − 1`).
    pub periods: Vec<Vec<ShiftShareCell>>,
    /// Their sum per cell. `change` telescopes to `e_last − e_first` exactly.
    pub total: Vec<ShiftShareCell>,
}

/// Dynamic shift-share: the classic decomposition of every consecutive pair of years,
/// summed per cell, so that the reference growth rates are updated every year.
///
/// Reference: Barff & Knight (1988), "Dynamic shift-share analysis", *Growth and Change*
/// 19(2); REAT `shiftd`. `years` are the matrices in time order, all of the same shape;
/// fewer than two is [`MetricError::TooFew`]. A year with no activity that is followed by
/// another year is [`MetricError::NoActivity`] (growth from nothing is undefined).
///
/// ```
/// use tandem_core::metrics::specialisation::RegionIndustry;
/// use tandem_core::metrics::shift_share::dynamic_shift_share;
/// let y0 = RegionIndustry::new(&[10.0, 10.0, 10.0, 10.0], 2, 2).unwrap();
/// let y1 = RegionIndustry::new(&[12.0, 10.0, 10.0, 11.0], 2, 2).unwrap();
/// let y2 = RegionIndustry::new(&[15.0, 9.0, 10.0, 12.0], 2, 2).unwrap();
/// let d = dynamic_shift_share(&[y0, y1, y2]).unwrap();
/// assert_eq!(d.periods.len(), 2);
/// assert!((d.total[0].change - 5.0).abs() < 1e-12);
/// ```
pub fn dynamic_shift_share(years: &[RegionIndustry<'_>]) -> Result<DynamicShiftShare, MetricError> {
    if years.len() < 2 {
        return Err(MetricError::TooFew {
            what: "dynamic shift-share: years".into(),
            needed: 2,
            got: years.len(),
        });
    }
    let periods = years
        .windows(2)
        .map(|w| shift_share(&w[0], &w[1]))
        .collect::<Result<Vec<_>, _>>()?;
    let mut total = vec![ShiftShareCell::default(); years[0].values().len()];
    for p in &periods {
        total.iter_mut().zip(p).for_each(|(t, c)| t.add(c));
    }
    Ok(DynamicShiftShare { periods, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_industry_everywhere_is_all_regional() {
        let base = RegionIndustry::new(&[10.0, 0.0, 10.0, 0.0], 2, 2).unwrap();
        let end = RegionIndustry::new(&[10.0, 5.0, 12.0, 0.0], 2, 2).unwrap();
        let c = shift_share(&base, &end).unwrap();
        assert_eq!(c[1].regional_share, 5.0);
        assert_eq!(c[1].national_share, 0.0);
        for cell in &c {
            let sum = cell.national_share + cell.industry_mix + cell.regional_share;
            assert!((sum - cell.change).abs() < 1e-12);
        }
        let em = esteban_marquillas(&base, &end).unwrap();
        assert_eq!(em[1].competitive_effect, None);
    }

    #[test]
    fn errors() {
        let a = RegionIndustry::new(&[0.0, 0.0], 1, 2).unwrap();
        let b = RegionIndustry::new(&[1.0, 0.0], 1, 2).unwrap();
        let c = RegionIndustry::new(&[1.0], 1, 1).unwrap();
        assert!(matches!(
            shift_share(&a, &b),
            Err(MetricError::NoActivity(_))
        ));
        assert!(matches!(
            shift_share(&b, &c),
            Err(MetricError::Shape { .. })
        ));
        assert!(matches!(
            dynamic_shift_share(&[b]),
            Err(MetricError::TooFew { .. })
        ));
        assert!(sum_by_region(&[ShiftShareCell::default()], 2, 2).is_err());
    }

    #[test]
    fn esteban_components_add_up_to_the_regional_share() {
        let base = RegionIndustry::new(&[5.0, 7.0, 1.0, 3.0, 9.0, 2.0], 2, 3).unwrap();
        let end = RegionIndustry::new(&[6.0, 6.0, 4.0, 2.0, 12.0, 2.5], 2, 3).unwrap();
        for c in esteban_marquillas(&base, &end).unwrap() {
            let rs = c.competitive_effect.unwrap() + c.allocation_effect.unwrap();
            assert!((rs - c.classic.regional_share).abs() < 1e-12);
        }
    }
}
