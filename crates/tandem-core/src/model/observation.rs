//! Indicator observations: one sourced number for a locality, a year and an indicator.

use super::units::{Dimension, Unit};
use serde::{Deserialize, Serialize};

/// How trustworthy a source is, after the ranking in data/SOURCES.md: 1 = statistical
/// bulletin or statistics-bureau release, 2 = news citing the bureau, 3 = Wikipedia lists
/// citing yearbooks, 4 = other encyclopedias, 5 = low-quality aggregators, 6 = revised series
/// kept for reference. `Unrated` where the file gave no rank (user imports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceQuality {
    Rank(u8),
    Unrated,
}

impl SourceQuality {
    pub fn label(self) -> String {
        match self {
            SourceQuality::Rank(r) => format!("rank {r}"),
            SourceQuality::Unrated => "unrated".to_string(),
        }
    }
}

/// The statistical series a figure belongs to. Figures of one series are comparable over
/// time except across that series' declared breaks; figures of different series are not
/// (a growth rate from a first-release 2018 to a revised 2019 measures the revision, not the
/// economy). See `data/city_panel/breaks.csv` for the breaks.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    /// Not stated: bundled figures gathered from bulletins and the press, and user imports
    /// that name no series. Comparable within a year, not asserted over time.
    #[default]
    Unspecified,
    /// Figures as first published (bulletins, then the yearbook of the following year); each
    /// year is its own vintage, so levels jump where a census revised later years only.
    FirstRelease,
    /// One later, revised vintage on current boundaries (no census jump, no boundary jump).
    Revised,
    /// Population counts benchmarked to a population census (2020 census revisions).
    CensusBased,
    /// Computed from other figures (per-capita GDP from GDP and population), never published.
    Derived,
}

impl Series {
    /// Every series, in the order a consistent alternative is looked for.
    pub const ALL: [Series; 5] = [
        Series::FirstRelease,
        Series::Revised,
        Series::CensusBased,
        Series::Derived,
        Series::Unspecified,
    ];

    /// The id used in files and on the command line (`first_release`).
    pub fn id(self) -> &'static str {
        match self {
            Series::Unspecified => "unspecified",
            Series::FirstRelease => "first_release",
            Series::Revised => "revised",
            Series::CensusBased => "census_based",
            Series::Derived => "derived",
        }
    }

    /// Parses [`Series::id`].
    pub fn parse(text: &str) -> Option<Series> {
        Series::ALL.into_iter().find(|s| s.id() == text.trim())
    }

    /// A short English label (`first release`).
    pub fn label_en(self) -> &'static str {
        match self {
            Series::Unspecified => "series not stated",
            Series::FirstRelease => "first release",
            Series::Revised => "revised single vintage",
            Series::CensusBased => "census-based",
            Series::Derived => "derived",
        }
    }

    /// A short Chinese label (`初步核算/首次公布`).
    pub fn label_zh(self) -> &'static str {
        match self {
            Series::Unspecified => "未标明口径",
            Series::FirstRelease => "首次公布",
            Series::Revised => "修订后单一口径",
            Series::CensusBased => "人口普查口径",
            Series::Derived => "推算",
        }
    }
}

/// Where a figure comes from. Every observation carries one: a figure without a source is
/// not admitted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// URL or bibliographic citation.
    pub citation: String,
    pub quality: SourceQuality,
    /// The dataset the figure came in with: `bundled`, `city_panel`, or the name of an import.
    pub dataset: String,
    /// The series the figure belongs to ([`Series::Unspecified`] where not stated).
    #[serde(default)]
    pub series: Series,
    /// Whether the figure was computed by tandem or its compiler rather than published:
    /// shown as "derived" wherever it appears.
    #[serde(default)]
    pub derived: bool,
}

impl Source {
    /// A published figure of an unstated series.
    pub fn new(
        citation: impl Into<String>,
        quality: SourceQuality,
        dataset: impl Into<String>,
    ) -> Source {
        Source {
            citation: citation.into(),
            quality,
            dataset: dataset.into(),
            series: Series::Unspecified,
            derived: false,
        }
    }
}

/// The key that identifies an observation; at most one value per key in a dataset.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObservationKey {
    pub locality: String,
    pub year: i32,
    pub indicator: String,
}

/// One sourced value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub locality: String,
    pub year: i32,
    pub indicator: String,
    pub value: f64,
    pub unit: Unit,
    pub source: Source,
}

impl Observation {
    pub fn key(&self) -> ObservationKey {
        ObservationKey {
            locality: self.locality.clone(),
            year: self.year,
            indicator: self.indicator.clone(),
        }
    }
}

/// A known indicator: its id, names, canonical unit and the rules a value must obey.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub name_en: &'static str,
    pub name_zh: &'static str,
    /// The unit values are stored in; imports in another unit of the same dimension are
    /// converted explicitly on the way in.
    pub unit: Unit,
    /// Whether a negative value is impossible (GDP, population) rather than merely unusual.
    pub non_negative: bool,
    /// Upper bound in the canonical unit where one exists (percent shares: 100).
    pub max: Option<f64>,
    /// For a sector level or share: the total it is part of (`va_primary` -> `gdp`).
    pub part_of: Option<&'static str>,
}

impl Indicator {
    /// The unit a file's unit stands for under this indicator. Per-capita figures are
    /// commonly labelled just "yuan" (元); under a per-capita indicator that means yuan
    /// per person. Any other mismatch is left for the caller to reject.
    pub fn interpret_unit(&self, unit: Unit) -> Unit {
        if self.unit.dimension() == Dimension::MoneyPerPerson && unit == Unit::Yuan {
            Unit::YuanPerPerson
        } else {
            unit
        }
    }
}

const fn ind(
    id: &'static str,
    name_en: &'static str,
    name_zh: &'static str,
    unit: Unit,
    max: Option<f64>,
    part_of: Option<&'static str>,
) -> Indicator {
    Indicator {
        id,
        name_en,
        name_zh,
        unit,
        non_negative: true,
        max,
        part_of,
    }
}

/// The indicator catalogue. Ids are those of data/indicators.csv.
pub const INDICATORS: &[Indicator] = &[
    ind(
        "gdp",
        "GDP",
        "地区生产总值",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "va_primary",
        "Value added, primary sector",
        "第一产业增加值",
        Unit::HundredMillionYuan,
        None,
        Some("gdp"),
    ),
    ind(
        "va_secondary",
        "Value added, secondary sector",
        "第二产业增加值",
        Unit::HundredMillionYuan,
        None,
        Some("gdp"),
    ),
    ind(
        "va_tertiary",
        "Value added, tertiary sector",
        "第三产业增加值",
        Unit::HundredMillionYuan,
        None,
        Some("gdp"),
    ),
    ind(
        "share_primary",
        "Primary sector share of GDP",
        "第一产业占比",
        Unit::Percent,
        Some(100.0),
        Some("gdp"),
    ),
    ind(
        "share_secondary",
        "Secondary sector share of GDP",
        "第二产业占比",
        Unit::Percent,
        Some(100.0),
        Some("gdp"),
    ),
    ind(
        "share_tertiary",
        "Tertiary sector share of GDP",
        "第三产业占比",
        Unit::Percent,
        Some(100.0),
        Some("gdp"),
    ),
    ind(
        "population_resident",
        "Resident population (year-end)",
        "常住人口",
        Unit::TenThousandPersons,
        None,
        None,
    ),
    ind(
        "gdp_per_capita",
        "GDP per capita",
        "人均地区生产总值",
        Unit::YuanPerPerson,
        None,
        None,
    ),
    ind(
        "gdp_per_capita_paper",
        "GDP per capita (as cited in the seed paper)",
        "人均地区生产总值（论文引用）",
        Unit::YuanPerPerson,
        None,
        None,
    ),
    ind(
        "urbanization_rate",
        "Urbanisation rate",
        "城镇化率",
        Unit::Percent,
        Some(100.0),
        None,
    ),
    ind(
        "budget_revenue",
        "General public budget revenue",
        "一般公共预算收入",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "industrial_va",
        "Industrial value added",
        "工业增加值",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "industrial_va_above_size",
        "Industrial value added, enterprises above designated size",
        "规上工业增加值",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "retail_sales",
        "Total retail sales of consumer goods",
        "社会消费品零售总额",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "employment",
        "Employment",
        "就业人数",
        Unit::TenThousandPersons,
        None,
        None,
    ),
    ind(
        "fixed_asset_investment",
        "Fixed-asset investment",
        "固定资产投资",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "population_registered",
        "Registered (hukou) population, year-end",
        "户籍人口（年末总人口）",
        Unit::TenThousandPersons,
        None,
        None,
    ),
    ind(
        "population_census",
        "Population at the census date",
        "人口普查常住人口",
        Unit::TenThousandPersons,
        None,
        None,
    ),
    ind(
        "employment_units",
        "Employees of legal-entity units, year-end (not total employment)",
        "年末单位从业人员",
        Unit::TenThousandPersons,
        None,
        None,
    ),
    ind(
        "fdi_utilised",
        "Utilised foreign direct investment",
        "实际利用外资",
        Unit::MillionUsd,
        None,
        None,
    ),
    ind(
        "fiscal_revenue_district_level",
        "District-level fiscal revenue (not general budget revenue)",
        "区级财政收入",
        Unit::HundredMillionYuan,
        None,
        None,
    ),
    ind(
        "rd_intensity",
        "R&D expenditure as share of GDP",
        "研发投入强度",
        Unit::Percent,
        Some(100.0),
        None,
    ),
];

/// Lays `over` on top of `base`: for every key present in `over` its value replaces the one
/// in `base`; keys only in `base` stay. This is how an imported dataset is layered over the
/// bundled data. The result is sorted by key, so the output does not depend on input order.
pub fn layer(base: &[Observation], over: &[Observation]) -> Vec<Observation> {
    let mut by_key: std::collections::BTreeMap<ObservationKey, &Observation> =
        base.iter().map(|o| (o.key(), o)).collect();
    for o in over {
        by_key.insert(o.key(), o);
    }
    by_key.into_values().cloned().collect()
}

/// The sector-level indicators that must add up to GDP, in sector order.
pub const SECTOR_LEVELS: [&str; 3] = ["va_primary", "va_secondary", "va_tertiary"];
/// The sector-share indicators that must add up to 100 %, in sector order.
pub const SECTOR_SHARES: [&str; 3] = ["share_primary", "share_secondary", "share_tertiary"];

/// Looks an indicator up by id, or by its Chinese or English name.
pub fn indicator(name: &str) -> Option<&'static Indicator> {
    let n = name.trim();
    INDICATORS
        .iter()
        .find(|i| i.id == n || i.name_zh == n || i.name_en.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_are_unique_and_resolvable() {
        let mut ids: Vec<_> = INDICATORS.iter().map(|i| i.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), INDICATORS.len());
        assert_eq!(indicator("地区生产总值").unwrap().id, "gdp");
        assert_eq!(indicator("gdp").unwrap().unit, Unit::HundredMillionYuan);
        for part in SECTOR_LEVELS.iter().chain(SECTOR_SHARES.iter()) {
            assert_eq!(indicator(part).unwrap().part_of, Some("gdp"));
        }
    }

    #[test]
    fn layering_replaces_by_key() {
        let obs = |loc: &str, year, value, dataset: &str| Observation {
            locality: loc.into(),
            year,
            indicator: "gdp".into(),
            value,
            unit: Unit::HundredMillionYuan,
            source: Source::new("c", SourceQuality::Unrated, dataset),
        };
        let base = [
            obs("a", 2020, 1.0, "bundled"),
            obs("b", 2020, 2.0, "bundled"),
        ];
        let over = [obs("b", 2020, 3.0, "mine"), obs("c", 2021, 4.0, "mine")];
        let merged = layer(&base, &over);
        let got: Vec<_> = merged
            .iter()
            .map(|o| (o.locality.as_str(), o.value, o.source.dataset.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", 1.0, "bundled"),
                ("b", 3.0, "mine"),
                ("c", 4.0, "mine")
            ]
        );
    }

    #[test]
    fn per_capita_yuan_means_yuan_per_person() {
        let pc = indicator("gdp_per_capita").unwrap();
        assert_eq!(pc.interpret_unit(Unit::Yuan), Unit::YuanPerPerson);
        let gdp = indicator("gdp").unwrap();
        assert_eq!(gdp.interpret_unit(Unit::Yuan), Unit::Yuan);
    }
}
