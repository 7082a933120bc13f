//! Industries: GB/T 4754-2017 divisions by the three sectors, and synthetic 4-digit classes.
//!
//! The repository ships the divisions (2-digit, data/classifications/), not the 4-digit class
//! list. A generated firm's 4-digit code is therefore its real division followed by `0` and a
//! synthetic class digit 1-4 ([`SYNTHETIC_CLASSES`]): GB/T 4754 numbers its groups (the third
//! digit) from 1, so a code `dd0k` is never an official class and cannot be mistaken for one.
//! The manifest and docs/REGISTRY.md label these codes synthetic.

use std::sync::OnceLock;
use tandem_data::classification::classifications;

/// The synthetic class suffixes appended to a division (`13` -> `1301`..`1304`).
pub const SYNTHETIC_CLASSES: &[&str] = &["01", "02", "03", "04"];

/// The three sectors of China's national accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sector {
    /// Primary: section A (agriculture, forestry, animal husbandry, fishery).
    Primary,
    /// Secondary: sections B-E (mining, manufacturing, utilities, construction).
    Secondary,
    /// Tertiary: sections F-T (services).
    Tertiary,
}

impl Sector {
    /// The sector of a GB/T 4754-2017 section letter (NBS 三次产业划分规定, 2018: A primary,
    /// B-E secondary, the rest tertiary; division 05 and some others are services to a
    /// primary or secondary industry, counted here with their section for simplicity).
    pub fn of_section(section: &str) -> Sector {
        match section {
            "A" => Sector::Primary,
            "B" | "C" | "D" | "E" => Sector::Secondary,
            _ => Sector::Tertiary,
        }
    }
}

/// The divisions of each sector, in code order: `[primary, secondary, tertiary]`.
pub fn divisions_by_sector() -> &'static [Vec<String>; 3] {
    static DIVISIONS: OnceLock<[Vec<String>; 3]> = OnceLock::new();
    DIVISIONS.get_or_init(by_sector)
}

fn by_sector() -> [Vec<String>; 3] {
    let c = classifications();
    let mut out: [Vec<String>; 3] = Default::default();
    for d in &c.divisions {
        let section = c.division_section.targets(&d.code);
        let sector = Sector::of_section(section.first().copied().unwrap_or("T"));
        out[sector as usize].push(d.code.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sector_has_divisions() {
        let [p, s, t] = divisions_by_sector();
        assert!(p.contains(&"01".to_string()), "{p:?}");
        assert!(
            s.contains(&"13".to_string()) && s.contains(&"47".to_string()),
            "{s:?}"
        );
        assert!(t.contains(&"51".to_string()), "{t:?}");
        assert_eq!(
            p.len() + s.len() + t.len(),
            classifications().divisions.len()
        );
    }
}
