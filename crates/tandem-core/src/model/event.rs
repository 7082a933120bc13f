//! Cooperation events and the industries localities name as leading.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A date that may be known only to the year or month, as published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking month and day ranges.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let mut parts = text.trim().split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: Option<u8> = match parts.next() {
            Some(m) => Some(m.parse().ok()?),
            None => None,
        };
        let day: Option<u8> = match parts.next() {
            Some(d) => Some(d.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() || !(1000..=9999).contains(&year) {
            return None;
        }
        if month.is_some_and(|m| !(1..=12).contains(&m)) || (day.is_some() && month.is_none()) {
            return None;
        }
        if day.is_some_and(|d| !(1..=31).contains(&d)) {
            return None;
        }
        Some(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// What kind of cooperation fact an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Policy,
    Agreement,
    Park,
    Project,
    EnterpriseTransfer,
    Other,
}

impl EventKind {
    pub fn parse(text: &str) -> Option<EventKind> {
        Some(match text.trim() {
            "policy" => EventKind::Policy,
            "agreement" => EventKind::Agreement,
            "park" => EventKind::Park,
            "project" => EventKind::Project,
            "enterprise_transfer" => EventKind::EnterpriseTransfer,
            "other" => EventKind::Other,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Policy => "policy",
            EventKind::Agreement => "agreement",
            EventKind::Park => "park",
            EventKind::Project => "project",
            EventKind::EnterpriseTransfer => "enterprise_transfer",
            EventKind::Other => "other",
        }
    }
}

/// A dated cooperation fact: a park opened, an agreement signed, a project landed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CooperationEvent {
    /// The pair it concerns; `None` for programme-wide events.
    pub pair: Option<String>,
    /// `None` where the source gave no date (the summary says so).
    pub date: Option<PartialDate>,
    pub kind: EventKind,
    pub title: String,
    /// Amount in yuan as stated; `None` where none was stated (not zero).
    pub amount_yuan: Option<f64>,
    pub industries: Vec<String>,
    pub summary: String,
    pub source: String,
}

/// How a locality's documents rank an industry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryRole {
    /// 主导产业 / 首位产业 / named key clusters.
    Leading,
    /// 支柱产业: the largest, established clusters.
    Pillar,
    /// 战略性新兴产业.
    Emerging,
    /// The pair's agreed cooperation focus, recorded on the helped city.
    CooperationFocus,
}

impl IndustryRole {
    pub fn parse(text: &str) -> Option<IndustryRole> {
        Some(match text.trim() {
            "leading" => IndustryRole::Leading,
            "pillar" => IndustryRole::Pillar,
            "emerging" => IndustryRole::Emerging,
            "cooperation_focus" => IndustryRole::CooperationFocus,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IndustryRole::Leading => "leading",
            IndustryRole::Pillar => "pillar",
            IndustryRole::Emerging => "emerging",
            IndustryRole::CooperationFocus => "cooperation_focus",
        }
    }
}

/// An industry a locality names as leading, pillar or emerging, mapped to an IO-42 sector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadingIndustry {
    pub locality: String,
    pub industry_zh: String,
    pub industry_en: String,
    /// The 42-sector input-output code it maps to (one row per sector when it spans several).
    pub io42_code: Option<String>,
    pub role: IndustryRole,
    /// For cooperation-focus rows, the pair.
    pub pair: Option<String>,
    pub year_of_document: Option<i32>,
    pub source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates() {
        let d = PartialDate::parse("2022-06").unwrap();
        assert_eq!((d.year, d.month, d.day), (2022, Some(6), None));
        assert_eq!(d.to_string(), "2022-06");
        assert_eq!(
            PartialDate::parse("2021-12-08").unwrap().to_string(),
            "2021-12-08"
        );
        assert_eq!(PartialDate::parse("2022").unwrap().month, None);
        for bad in ["", "22", "2022-13", "2022-01-32", "2022-1-2-3", "abc"] {
            assert_eq!(PartialDate::parse(bad), None, "{bad}");
        }
        assert!(PartialDate::parse("2022") < PartialDate::parse("2022-01"));
    }
}
