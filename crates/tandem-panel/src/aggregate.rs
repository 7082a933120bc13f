//! Group aggregates, computed the way statistics offices compute them.
//!
//! - **Levels** (GDP, value added, population, employment, FDI) are sums over the members.
//!   A sum is given only when every member has a value: a sum over part of a group is not
//!   the group's total, so it is `None` with the missing members listed.
//! - **Per-capita GDP** is Σ GDP / Σ resident population over the members that have both in
//!   that year (never a mean of the members' ratios), in yuan per person, and is derived.
//! - **Sector shares** are Σ value added of the sector / Σ GDP × 100, derived.
//! - Other indicators (rates, fiscal figures of differing definitions) are not aggregated.
//!
//! Every aggregate reports how many members had data, which were missing, and how many
//! `CAUTION` cells the curation rules excluded.

use crate::curate::Rules;
use crate::decode::CityPanel;
use std::collections::BTreeSet;
use tandem_core::Series;

/// How an indicator aggregates over a group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aggregation {
    /// Σ members.
    Sum,
    /// Σ numerator / Σ denominator × scale, over members with both.
    RatioOfSums {
        /// Numerator indicator.
        numerator: &'static str,
        /// Denominator indicator.
        denominator: &'static str,
        /// Unit factor (亿元 / 万人 -> yuan per person: 10^4; shares: 100).
        scale: f64,
    },
}

/// The aggregation rule of an indicator, `None` when it does not aggregate.
pub fn aggregation(indicator: &str) -> Option<Aggregation> {
    let ratio = |numerator, denominator, scale| {
        Some(Aggregation::RatioOfSums {
            numerator,
            denominator,
            scale,
        })
    };
    match indicator {
        "gdp"
        | "va_primary"
        | "va_secondary"
        | "va_tertiary"
        | "population_resident"
        | "population_registered"
        | "employment_units"
        | "fdi_utilised"
        | "industrial_va"
        | "fixed_asset_investment" => Some(Aggregation::Sum),
        "gdp_per_capita" => ratio("gdp", "population_resident", 1e4),
        "share_primary" => ratio("va_primary", "gdp", 100.0),
        "share_secondary" => ratio("va_secondary", "gdp", 100.0),
        "share_tertiary" => ratio("va_tertiary", "gdp", 100.0),
        _ => None,
    }
}

/// One member of a group, as the panel knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Locality id.
    pub id: String,
    /// GB/T 2260 code; `None` = not in the panel (always missing).
    pub adcode: Option<u32>,
}

/// A group's value for one year and indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupValue {
    /// The aggregate; `None` when it cannot be given (see the module rules).
    pub value: Option<f64>,
    /// Members that had data.
    pub members_with_data: usize,
    /// Ids of members without data.
    pub missing: Vec<String>,
    /// `CAUTION` cells set aside for this aggregate.
    pub excluded_caution: usize,
    /// The value is computed (ratio of sums), not a sum of published figures.
    pub derived: bool,
    /// The series of the values used.
    pub series: BTreeSet<Series>,
}

impl CityPanel {
    /// The group aggregate of `indicator` in `year`; `None` if the indicator does not
    /// aggregate ([`aggregation`]).
    pub fn aggregate(
        &self,
        members: &[Member],
        indicator: &str,
        year: i32,
        rules: &Rules,
    ) -> Option<GroupValue> {
        let rule = aggregation(indicator)?;
        let mut out = GroupValue {
            value: None,
            members_with_data: 0,
            missing: Vec::new(),
            excluded_caution: 0,
            derived: matches!(rule, Aggregation::RatioOfSums { .. }),
            series: BTreeSet::new(),
        };
        let (num_id, den_id, scale) = match rule {
            Aggregation::Sum => (indicator, None, 1.0),
            Aggregation::RatioOfSums {
                numerator,
                denominator,
                scale,
            } => (numerator, Some(denominator), scale),
        };
        let (mut num, mut den) = (0.0, 0.0);
        for m in members {
            let mut pick = |ind: &str| {
                let c = self.choose(m.adcode?, ind, year, rules);
                out.excluded_caution += c.excluded_caution;
                c.chosen.map(|v| (v.value, self.source_of(v).series))
            };
            let n = pick(num_id);
            let d = den_id.map(&mut pick);
            match (n, d) {
                (Some((n, sn)), None) if den_id.is_none() => {
                    num += n;
                    out.series.insert(sn);
                }
                (Some((n, sn)), Some(Some((d, sd)))) => {
                    num += n;
                    den += d;
                    out.series.extend([sn, sd]);
                }
                _ => {
                    out.missing.push(m.id.clone());
                    continue;
                }
            }
            out.members_with_data += 1;
        }
        out.value = match den_id {
            None if out.missing.is_empty() && out.members_with_data > 0 => Some(num),
            Some(_) if den > 0.0 => Some(num / den * scale),
            _ => None,
        };
        Some(out)
    }
}
