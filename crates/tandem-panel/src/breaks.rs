//! Series breaks as data (data/city_panel/breaks.csv): where a series' levels stop being
//! comparable over time, read once with the panel ([`crate::series`] uses them).

use crate::error::PanelError;
use tandem_core::Series;

/// A declared break in one or more series.
#[derive(Clone, Debug, PartialEq)]
pub struct Break {
    /// `econ-census-2018`.
    pub id: String,
    /// The series it breaks.
    pub series: Vec<Series>,
    /// The indicators it breaks; `None` = all.
    pub indicators: Option<Vec<String>>,
    /// The units it breaks; `None` = all.
    pub adcodes: Option<Vec<u32>>,
    /// The last year on the old basis.
    pub last_year_before: i32,
    /// The first year on the new basis.
    pub first_year_after: i32,
    /// `census revision`, `boundary change`, `definition change`.
    pub kind: String,
    /// What happened, in English.
    pub en: String,
    /// What happened, in Chinese.
    pub zh: String,
    /// Where the break is documented.
    pub reference: String,
}

impl Break {
    /// Whether the break affects this unit, indicator and series.
    pub fn applies(&self, adcode: u32, indicator: &str, series: Series) -> bool {
        self.series.contains(&series)
            && self
                .indicators
                .as_ref()
                .is_none_or(|i| i.iter().any(|x| x == indicator))
            && self.adcodes.as_ref().is_none_or(|a| a.contains(&adcode))
    }

    /// Whether a comparison of `from` with `to` (either order) spans the break.
    pub fn spanned_by(&self, from: i32, to: i32) -> bool {
        from.min(to) <= self.last_year_before && from.max(to) >= self.first_year_after
    }
}

pub(crate) fn parse_breaks(text: &str) -> Result<Vec<Break>, PanelError> {
    let file = "breaks.csv";
    let mut out = Vec::new();
    for (i, rec) in csv::Reader::from_reader(text.as_bytes())
        .records()
        .enumerate()
    {
        let row = i + 2;
        let fail = |rule: String| PanelError::Row { file, row, rule };
        let rec = rec.map_err(|e| fail(e.to_string()))?;
        let f = |k: usize| rec.get(k).unwrap_or("").to_string();
        let list = |k: usize| {
            (f(k) != "*").then(|| f(k).split('|').map(str::to_string).collect::<Vec<_>>())
        };
        let series = f(1)
            .split('|')
            .map(|s| Series::parse(s).ok_or_else(|| fail(format!("unknown series {s:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let adcodes = match list(3) {
            None => None,
            Some(l) => Some(
                l.iter()
                    .map(|c| c.parse().map_err(|_| fail(format!("adcode {c:?}"))))
                    .collect::<Result<Vec<u32>, _>>()?,
            ),
        };
        let year = |k: usize| {
            f(k).parse::<i32>()
                .map_err(|_| fail(format!("year {:?}", f(k))))
        };
        let (last_year_before, first_year_after) = (year(4)?, year(5)?);
        if first_year_after <= last_year_before {
            return Err(fail("first_year_after must follow last_year_before".into()));
        }
        out.push(Break {
            id: f(0),
            series,
            indicators: list(2),
            adcodes,
            last_year_before,
            first_year_after,
            kind: f(6),
            en: f(7),
            zh: f(8),
            reference: f(9),
        });
    }
    Ok(out)
}
