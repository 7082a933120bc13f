//! Pairing programmes and their pairs.

use serde::{Deserialize, Serialize};

/// A pairing programme: a set of helper -> helped pairs over a term.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    pub id: String,
    pub name: String,
    pub start_year: i32,
    pub end_year: i32,
    pub pairs: Vec<Pair>,
    /// Where the programme is published.
    pub source: String,
}

impl Programme {
    pub fn pair(&self, id: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.id == id)
    }

    /// The pair a locality takes part in, on either side.
    pub fn pair_of(&self, locality_id: &str) -> Option<&Pair> {
        self.pairs
            .iter()
            .find(|p| p.helper == locality_id || p.helped == locality_id)
    }
}

/// One pair: a developed helper locality and the less-developed locality it helps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub id: String,
    /// Locality id of the helper (支援方), e.g. `sh-minhang`.
    pub helper: String,
    /// Locality id of the helped side (受援方), e.g. `ah-huainan`.
    pub helped: String,
    pub start_year: i32,
    pub end_year: i32,
    /// District- or county-level pairs inside this pair (区县结对), possibly none.
    pub sub_pairs: Vec<SubPair>,
    pub source: String,
}

impl Pair {
    /// Whether the pair's term covers `year`.
    pub fn active_in(&self, year: i32) -> bool {
        (self.start_year..=self.end_year).contains(&year)
    }
}

/// A district/county pairing inside a city pair (e.g. a helper district with a helped county).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubPair {
    pub helper_name: String,
    pub helped_name: String,
    pub since: Option<i32>,
    pub source: String,
}
