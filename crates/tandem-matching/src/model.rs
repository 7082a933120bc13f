//! What the two sides of a docking record: enterprises' relocation or expansion demands,
//! parks' offers, capital providers' mandates and the projects that need capital.
//!
//! Quantities carry their unit in the field name (`land_ha`, `budget_yuan`). Industry codes
//! are 42-sector input-output codes (`18`); readers accept GB/T 4754-2017 divisions too and
//! map them through the bundled concordance ([`crate::MatchContext::resolve_industry`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date (proleptic Gregorian), ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31 (checked against the month's length).
    pub day: u8,
}

impl Date {
    /// Builds a date, or `None` if the month or day does not exist (31 April, 29 February of a
    /// common year).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (ISO 8601 calendar date); `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How a demand's preferred regions bind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionMode {
    /// Preferred regions raise the region component; other regions stay feasible.
    #[default]
    Prefer,
    /// Only parks in the preferred regions are feasible (a hard constraint).
    Only,
}

/// Who may see a demand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every park and officer may see it.
    #[default]
    Public,
    /// Only the listed viewers (park ids, officer ids) may see it. A park not listed can
    /// neither be shortlisted for nor assigned the demand, so matching never reveals it.
    Restricted(Vec<String>),
}

impl Visibility {
    /// Whether the viewer with this id (a park id, an officer id) may see the demand.
    pub fn allows(&self, viewer: &str) -> bool {
        match self {
            Visibility::Public => true,
            Visibility::Restricted(list) => list.iter().any(|v| v == viewer),
        }
    }
}

/// An enterprise's relocation or expansion demand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    /// The demand's id (unique in a file), e.g. `D-0001`.
    pub id: String,
    /// The enterprise (or the bureau recording on its behalf).
    pub enterprise: String,
    /// Locality id where the enterprise operates now (`sh-minhang`).
    pub origin: String,
    /// The industry as written in the file (`io42:18`, `gbt4754:36`, `C36`).
    pub industry_input: String,
    /// The 42-sector input-output code it resolves to (`18`).
    pub industry: String,
    /// Land needed, hectares (0 = none, e.g. renting a standard factory building).
    pub land_ha: f64,
    /// Building floor area needed, m² (0 = none).
    pub building_m2: f64,
    /// Electric power capacity needed, kVA (0 = none).
    pub power_kva: f64,
    /// Workers to hire locally (0 = none).
    pub labour: f64,
    /// Budget for land, yuan; `None` when not stated.
    pub budget_yuan: Option<f64>,
    /// Preferred locality ids (may be empty).
    pub preferred_regions: Vec<String>,
    /// Whether the preferred regions are a wish or a condition.
    pub region_mode: RegionMode,
    /// When the enterprise must be settled; `None` when not stated.
    pub deadline: Option<Date>,
    /// Who may see the demand.
    pub visibility: Visibility,
    /// Locality ids of the main suppliers (may be empty).
    pub suppliers: Vec<String>,
}

/// What a park offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParkOffer {
    /// The park's id (unique in a file).
    pub id: String,
    /// The park's name.
    pub name: String,
    /// Locality id of the city or county the park is in (`ah-huaibei`).
    pub locality: String,
    /// Industrial land available, hectares.
    pub land_ha: f64,
    /// Standard factory floor area available, m².
    pub building_m2: f64,
    /// Spare electric power capacity, kVA.
    pub power_kva: f64,
    /// Workers the local labour pool can supply.
    pub labour: f64,
    /// Industrial land price, yuan per m².
    pub land_price_yuan_m2: f64,
    /// The park's incentive package rated in [0, 1] by the recording officer.
    pub incentives: f64,
    /// The incentives in words (tax rebates, rent-free years...).
    pub incentive_list: Vec<String>,
    /// Services offered (one-stop approval, training...).
    pub services: Vec<String>,
    /// Focus industries, 42-sector input-output codes.
    pub focus_industries: Vec<String>,
    /// Industries the park refuses, 42-sector input-output codes.
    pub exclusions: Vec<String>,
    /// The date until which the offer is confirmed; after it (at the caller's date) the
    /// park's data are stale and flagged.
    pub data_freshness: Date,
    /// How many more projects the park can take.
    pub capacity: u32,
}

/// The stage of a project (or the stages a capital provider funds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before construction: feasibility, land acquisition.
    Preparation,
    /// Building the plant.
    Construction,
    /// Producing, expanding.
    Operation,
}

impl Stage {
    /// Parses `preparation`, `construction` or `operation` (also 筹备 / 建设 / 运营).
    pub fn parse(text: &str) -> Option<Stage> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "preparation" | "筹备" => Stage::Preparation,
            "construction" | "建设" => Stage::Construction,
            "operation" | "运营" => Stage::Operation,
            _ => return None,
        })
    }

    /// The English keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preparation => "preparation",
            Stage::Construction => "construction",
            Stage::Operation => "operation",
        }
    }
}

/// A capital provider: a special fund, an investor, a bank programme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapitalProvider {
    /// The fund's id (unique in a file).
    pub id: String,
    /// The fund's name.
    pub name: String,
    /// Locality id of the fund's home, if any (a fund of a helper city scores the pair bonus).
    pub home: Option<String>,
    /// Industries funded, 42-sector input-output codes; empty = any.
    pub industries: Vec<String>,
    /// Smallest ticket, yuan.
    pub ticket_min_yuan: f64,
    /// Largest ticket, yuan.
    pub ticket_max_yuan: f64,
    /// Locality ids where the fund invests; empty = anywhere.
    pub regions: Vec<String>,
    /// Stages funded; empty = any.
    pub stages: Vec<Stage>,
}

/// A project that needs capital.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectNeed {
    /// The project's id (unique in a file).
    pub id: String,
    /// Locality id where the project is built.
    pub locality: String,
    /// The industry as written in the file.
    pub industry_input: String,
    /// The 42-sector input-output code it resolves to.
    pub industry: String,
    /// Capital sought, yuan.
    pub amount_yuan: f64,
    /// The project's stage.
    pub stage: Stage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("2023-1-01").is_none());
        assert!(Date::parse("2023-01-01").unwrap() < Date::parse("2023-01-02").unwrap());
        assert_eq!(Date::parse("2026-07-01").unwrap().to_string(), "2026-07-01");
    }

    #[test]
    fn visibility_lists_viewers() {
        let v = Visibility::Restricted(vec!["P1".into()]);
        assert!(v.allows("P1"));
        assert!(!v.allows("P2"));
        assert!(Visibility::Public.allows("anyone"));
    }
}
