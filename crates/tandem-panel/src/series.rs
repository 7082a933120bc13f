//! Series breaks as data, and comparisons over time that respect them.
//!
//! A figure belongs to a series ([`Series`]): first release, one revised vintage,
//! census-based population, or derived. Within a series, levels are comparable over time
//! except across that series' declared breaks (data/city_panel/breaks.csv): the 2018 economic
//! census, the 2020 population census, Chaohu's split in 2011, Laiwu's merger in 2019 and the
//! 2022 change of the FDI definition. A growth rate or a before/after comparison that crosses
//! a break within one series is computed within another series that has no break there, and
//! says so, or it is refused with the breaks named ([`CityPanel::growth`]).

use crate::breaks::Break;
use crate::curate::Rules;
use crate::decode::{CityPanel, PanelValue};
use tandem_core::Series;

/// A growth rate and how it was kept consistent.
#[derive(Clone, Debug, PartialEq)]
pub struct Growth {
    /// First and last year.
    pub from: i32,
    /// Last year.
    pub to: i32,
    /// The two values compared (same series).
    pub from_value: f64,
    /// The later value.
    pub to_value: f64,
    /// to / from - 1.
    pub total: f64,
    /// (to / from)^(1/(to - from)) - 1: the compound annual rate.
    pub annual: f64,
    /// The series both values belong to.
    pub series: Series,
    /// `None` when the chosen values were used; otherwise why another series was used
    /// (the breaks or series mismatch the chosen values had).
    pub switched_because: Option<String>,
}

impl Growth {
    /// "within first release" or "within revised single vintage (first release breaks: ...)".
    pub fn basis_en(&self) -> String {
        match &self.switched_because {
            None => format!("within one series ({})", self.series.label_en()),
            Some(why) => format!("within {} because {why}", self.series.label_en()),
        }
    }
}

/// A comparison over time that cannot be made honestly.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GrowthError {
    /// One of the two years has no eligible value.
    #[error("no {indicator} value for {adcode} in {year}")]
    Missing {
        /// The unit.
        adcode: u32,
        /// The indicator.
        indicator: String,
        /// The year without a value.
        year: i32,
    },
    /// Every series with both years breaks in between.
    #[error("refused: {indicator} {from}->{to} for {adcode} crosses {why}, and no single series without a break covers both years")]
    Refused {
        /// The unit.
        adcode: u32,
        /// The indicator.
        indicator: String,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
        /// The breaks or mismatch met.
        why: String,
    },
}

impl CityPanel {
    /// The breaks of `series` that a comparison of `from` with `to` spans for this unit and
    /// indicator.
    pub fn breaks_spanned(
        &self,
        adcode: u32,
        indicator: &str,
        series: Series,
        from: i32,
        to: i32,
    ) -> Vec<&Break> {
        self.breaks
            .iter()
            .filter(|b| b.applies(adcode, indicator, series) && b.spanned_by(from, to))
            .collect()
    }

    /// The breaks of any series in `series` between two years, for any unit: what a chart
    /// of `indicator` over `from..=to` must draw.
    pub fn breaks_for_chart(
        &self,
        indicator: &str,
        series: &[Series],
        from: i32,
        to: i32,
    ) -> Vec<&Break> {
        self.breaks
            .iter()
            .filter(|b| {
                b.adcodes.is_none()
                    && b.spanned_by(from, to)
                    && b.indicators
                        .as_ref()
                        .is_none_or(|i| i.iter().any(|x| x == indicator))
                    && series.iter().any(|s| b.series.contains(s))
            })
            .collect()
    }

    /// The growth of `indicator` for one unit from `from` to `to`, kept within one series.
    ///
    /// The chosen values (curation rules) are used when they belong to one series with no
    /// break in between; otherwise the first series in [`Series::ALL`] order that has both
    /// years and no break in between is used, and [`Growth::switched_because`] says why;
    /// otherwise the comparison is refused, naming the breaks.
    ///
    /// # Errors
    /// [`GrowthError::Missing`] when a year has no eligible value, [`GrowthError::Refused`]
    /// when no consistent series covers both years.
    pub fn growth(
        &self,
        adcode: u32,
        indicator: &str,
        from: i32,
        to: i32,
        rules: &Rules,
    ) -> Result<Growth, GrowthError> {
        let missing = |year| GrowthError::Missing {
            adcode,
            indicator: indicator.to_string(),
            year,
        };
        let a = self
            .choose(adcode, indicator, from, rules)
            .chosen
            .ok_or_else(|| missing(from))?;
        let b = self
            .choose(adcode, indicator, to, rules)
            .chosen
            .ok_or_else(|| missing(to))?;
        let (sa, sb) = (self.source_of(a).series, self.source_of(b).series);
        let why = if sa != sb {
            format!(
                "the two years come from different series ({} and {})",
                sa.label_en(),
                sb.label_en()
            )
        } else {
            let spanned = self.breaks_spanned(adcode, indicator, sa, from, to);
            if spanned.is_empty() {
                return Ok(growth_of(a, b, from, to, sa, None));
            }
            let ids: Vec<&str> = spanned.iter().map(|b| b.id.as_str()).collect();
            format!("{} breaks at {}", sa.label_en(), ids.join(", "))
        };
        let candidates: Vec<Series> = match rules.series {
            Some(s) => vec![s],
            None => Series::ALL.to_vec(),
        };
        for s in candidates {
            let within = Rules {
                series: Some(s),
                ..*rules
            };
            let (Some(x), Some(y)) = (
                self.choose(adcode, indicator, from, &within).chosen,
                self.choose(adcode, indicator, to, &within).chosen,
            ) else {
                continue;
            };
            if self
                .breaks_spanned(adcode, indicator, s, from, to)
                .is_empty()
            {
                return Ok(growth_of(x, y, from, to, s, Some(why)));
            }
        }
        Err(GrowthError::Refused {
            adcode,
            indicator: indicator.to_string(),
            from,
            to,
            why,
        })
    }
}

fn growth_of(
    a: &PanelValue,
    b: &PanelValue,
    from: i32,
    to: i32,
    series: Series,
    why: Option<String>,
) -> Growth {
    let total = b.value / a.value - 1.0;
    let years = f64::from(to - from);
    Growth {
        from,
        to,
        from_value: a.value,
        to_value: b.value,
        total,
        annual: (b.value / a.value).powf(1.0 / years) - 1.0,
        series,
        switched_because: why,
    }
}
