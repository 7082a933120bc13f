//! The curation rules: which of a cell's values is *the* value, and which are alternates.
//!
//! A cell (city, year, indicator) can carry several values, one per source. The chosen one is
//! picked by these written rules, applied in order:
//!
//! 1. **`CAUTION` cells are excluded** unless asked for ([`Rules::include_caution`]); every
//!    result that used the panel counts how many it excluded ([`Choice::excluded_caution`]).
//! 2. **Series.** By default every series but `revised` is eligible (the revised vintage C is
//!    an alternate, used on request: `--series revised`); with [`Rules::series`] set, only
//!    that series is.
//! 3. **A published figure beats a derived one** (per-capita GDP computed from GDP and
//!    population is used only where no published per-capita figure exists).
//! 4. **A statistics bureau's own release beats a secondary compilation**: the lower rank
//!    wins (1 = bulletin or bureau page reproduced, 2 = news citing the bureau, 3 = yearbook
//!    compilations CSMAR (A, A2) and the vendor panel (B), 4 = vendor files of mixed vintage
//!    (D, E) and mirrors, 5 = aggregators).
//! 5. **Ties** go to the documented compilation before the vendor copy of it: A before B
//!    (B equals A to 2018), then by source id.
//!
//! Every other value of the cell stays available as an alternate with its source
//! ([`crate::CityPanel::cell`]); nothing is deleted.

use crate::decode::{CityPanel, PanelValue};
use tandem_core::Series;

/// The rules a caller can change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Admit cells flagged `CAUTION` (default: excluded and counted).
    pub include_caution: bool,
    /// Restrict the choice to one series (default: any series but `revised`).
    pub series: Option<Series>,
}

/// The outcome of the rules for one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice<'a> {
    /// The chosen value, or `None` when no eligible value exists (missing, never zero).
    pub chosen: Option<&'a PanelValue>,
    /// How many values of the cell were set aside because they are flagged `CAUTION`.
    pub excluded_caution: usize,
}

impl CityPanel {
    /// Applies the curation rules to one cell.
    pub fn choose(&self, adcode: u32, indicator: &str, year: i32, rules: &Rules) -> Choice<'_> {
        self.choose_among(self.cell(adcode, indicator, year), rules)
    }

    /// Applies the curation rules to the values of one cell.
    pub fn choose_among<'a>(&'a self, cell: &'a [PanelValue], rules: &Rules) -> Choice<'a> {
        let mut excluded_caution = 0;
        let mut best: Option<(&PanelValue, RuleKey)> = None;
        for v in cell {
            let source = self.source_of(v);
            let eligible_series = match rules.series {
                Some(s) => source.series == s,
                None => source.series != Series::Revised,
            };
            if !eligible_series {
                continue;
            }
            if self.note_of(v).caution && !rules.include_caution {
                excluded_caution += 1;
                continue;
            }
            let key = (
                source.derived(),
                source.rank,
                letter_order(&source.letter),
                source.id.as_str(),
            );
            if best.as_ref().is_none_or(|(_, k)| key < *k) {
                best = Some((v, key));
            }
        }
        Choice {
            chosen: best.map(|(v, _)| v),
            excluded_caution,
        }
    }
}

/// The order rules 3-5 put eligible values in: published before derived, lower rank, the
/// tie order, then the source id (the smallest key wins).
type RuleKey<'a> = (bool, u8, u8, &'a str);

/// Rule 5's tie order: the documented compilation before the vendor copy of it.
fn letter_order(letter: &str) -> u8 {
    match letter {
        "F" => 0,
        "A" => 1,
        "A2" => 2,
        "B" => 3,
        "D" => 4,
        "E" => 5,
        "C" => 6,
        _ => 7,
    }
}
