//! Industry classifications and concordances between them.
//!
//! The code lists themselves (the 42- and 153-sector input-output classifications, GB/T
//! 4754-2017 sections and divisions) are data, loaded by `tandem-data`; this module only
//! defines their shape.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A named industry classification.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// The 42-sector classification of China's input-output tables (2017, 2018, 2020).
    Io42,
    /// The 153-sector classification of China's 2020 input-output table.
    Io153,
    /// GB/T 4754-2017 门类 (sections A-T).
    Gbt4754Section,
    /// GB/T 4754-2017 大类 (divisions 01-97).
    Gbt4754Division,
    /// A user's own classification, named by the user.
    Custom(String),
}

impl Classification {
    pub fn code(&self) -> &str {
        match self {
            Classification::Io42 => "io42",
            Classification::Io153 => "io153",
            Classification::Gbt4754Section => "gbt4754-section",
            Classification::Gbt4754Division => "gbt4754-division",
            Classification::Custom(name) => name,
        }
    }

    pub fn parse(text: &str) -> Classification {
        match text.trim() {
            "io42" => Classification::Io42,
            "io153" => Classification::Io153,
            "gbt4754-section" => Classification::Gbt4754Section,
            "gbt4754-division" => Classification::Gbt4754Division,
            other => Classification::Custom(other.to_string()),
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One sector of a classification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    pub classification: Classification,
    /// The code as printed in the classification (`06`, `C36`, `001`).
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
}

/// A many-to-many mapping between the codes of two classifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concordance {
    pub from: Classification,
    pub to: Classification,
    /// `(from_code, to_code)` links, sorted and without repeats.
    links: Vec<(String, String)>,
}

impl Concordance {
    pub fn new(
        from: Classification,
        to: Classification,
        links: impl IntoIterator<Item = (String, String)>,
    ) -> Concordance {
        let links: BTreeSet<(String, String)> = links.into_iter().collect();
        Concordance {
            from,
            to,
            links: links.into_iter().collect(),
        }
    }

    /// The codes of `to` that `code` of `from` maps onto.
    pub fn targets(&self, code: &str) -> Vec<&str> {
        self.links
            .iter()
            .filter(|(f, _)| f == code)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// The codes of `from` that map onto `code` of `to`.
    pub fn sources(&self, code: &str) -> Vec<&str> {
        self.links
            .iter()
            .filter(|(_, t)| t == code)
            .map(|(f, _)| f.as_str())
            .collect()
    }

    pub fn links(&self) -> &[(String, String)] {
        &self.links
    }

    /// The same links read the other way.
    pub fn inverse(&self) -> Concordance {
        Concordance::new(
            self.to.clone(),
            self.from.clone(),
            self.links.iter().map(|(f, t)| (t.clone(), f.clone())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concordance_both_ways() {
        let c = Concordance::new(
            Classification::Gbt4754Division,
            Classification::Io42,
            [
                ("36".to_string(), "18".to_string()),
                ("37".into(), "18".into()),
                ("38".into(), "19".into()),
            ],
        );
        assert_eq!(c.targets("36"), ["18"]);
        assert_eq!(c.sources("18"), ["36", "37"]);
        assert_eq!(c.inverse().targets("18"), ["36", "37"]);
        assert_eq!(Classification::parse("io42"), Classification::Io42);
        assert_eq!(Classification::parse("mine").code(), "mine");
    }
}
