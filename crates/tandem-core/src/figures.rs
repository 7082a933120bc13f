//! Picking the figures to show: the latest sourced value of an indicator, and the latest
//! year two localities can be compared in.
//!
//! Every figure keeps its year and source, and absence is a `None` the caller must show as
//! "no data", never a zero.

use crate::{Observation, Source, Unit};
use serde::{Deserialize, Serialize};

/// A value with the year and source it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: f64,
    pub unit: Unit,
    pub year: i32,
    pub source: Source,
}

impl From<&Observation> for Figure {
    fn from(o: &Observation) -> Figure {
        Figure {
            value: o.value,
            unit: o.unit,
            year: o.year,
            source: o.source.clone(),
        }
    }
}

/// The value of `indicator` for `locality` in its latest year with data.
pub fn latest(observations: &[Observation], locality: &str, indicator: &str) -> Option<Figure> {
    observations
        .iter()
        .filter(|o| o.locality == locality && o.indicator == indicator)
        .max_by_key(|o| o.year)
        .map(Figure::from)
}

/// The value of `indicator` for `locality` in `year`.
pub fn in_year(
    observations: &[Observation],
    locality: &str,
    indicator: &str,
    year: i32,
) -> Option<Figure> {
    observations
        .iter()
        .find(|o| o.locality == locality && o.indicator == indicator && o.year == year)
        .map(Figure::from)
}

/// A ratio a / b of two figures of the same year and unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub value: f64,
    pub year: i32,
    pub numerator: Figure,
    pub denominator: Figure,
}

/// The ratio of `indicator` between two localities (a / b) in the latest year in which both
/// have a value, so that figures of different years are never divided. `None` when there is
/// no common year, or when b's value is zero or the units differ (which would make the ratio
/// meaningless rather than infinite).
pub fn latest_common_ratio(
    observations: &[Observation],
    a: &str,
    b: &str,
    indicator: &str,
) -> Option<Ratio> {
    let mut years: Vec<i32> = observations
        .iter()
        .filter(|o| o.locality == a && o.indicator == indicator)
        .map(|o| o.year)
        .collect();
    years.sort_unstable_by(|x, y| y.cmp(x));
    years.into_iter().find_map(|year| {
        let num = in_year(observations, a, indicator, year)?;
        let den = in_year(observations, b, indicator, year)?;
        if den.value == 0.0 || num.unit != den.unit {
            return None;
        }
        Some(Ratio {
            value: num.value / den.value,
            year,
            numerator: num,
            denominator: den,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceQuality;

    fn obs(loc: &str, year: i32, value: f64) -> Observation {
        Observation {
            locality: loc.into(),
            year,
            indicator: "gdp".into(),
            value,
            unit: Unit::HundredMillionYuan,
            source: Source::new(format!("src-{loc}-{year}"), SourceQuality::Unrated, "t"),
        }
    }

    #[test]
    fn latest_and_common_year() {
        let data = [
            obs("a", 2021, 10.0),
            obs("a", 2023, 12.0),
            obs("b", 2021, 5.0),
            obs("b", 2022, 6.0),
        ];
        let l = latest(&data, "a", "gdp").unwrap();
        assert_eq!((l.value, l.year), (12.0, 2023));
        assert_eq!(l.source.citation, "src-a-2023");
        assert_eq!(latest(&data, "c", "gdp"), None);
        // 2023 and 2022 are not shared: the ratio falls back to 2021.
        let r = latest_common_ratio(&data, "a", "b", "gdp").unwrap();
        assert_eq!((r.value, r.year), (2.0, 2021));
        assert_eq!(latest_common_ratio(&data, "a", "c", "gdp"), None);
    }

    #[test]
    fn zero_denominator_is_no_ratio() {
        let data = [obs("a", 2021, 10.0), obs("b", 2021, 0.0)];
        assert_eq!(latest_common_ratio(&data, "a", "b", "gdp"), None);
    }
}
