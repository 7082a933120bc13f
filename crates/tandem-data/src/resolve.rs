//! Resolving the locality names users write to tandem's locality ids.
//!
//! A user's file may name a locality by its id (`ah-suzhou`), its GB/T 2260 code
//! (`341300`, also the 12-digit statistical form `341300000000`), its full Chinese name
//! (`宿州市`, `安徽省宿州市`), its short Chinese name (`宿州`), or its English name
//! (`Suzhou (Anhui)`, `Minhang District, Shanghai`, `Minhang`). Matching of English names
//! ignores case, spaces, apostrophes and hyphens (`Lu'an` = `Luan` = `lu an`).
//!
//! Names are never guessed: 宿州 and 苏州 are different strings and resolve to different
//! ids; a name shared by several localities (English `Suzhou`, `Taizhou`) is an
//! [`ResolveError::Ambiguous`] error listing every candidate; an unknown name is a
//! [`ResolveError::Unknown`] error carrying the closest known names (by normalised
//! Damerau-Levenshtein similarity over characters, so it works for Chinese names too).

use std::collections::HashMap;
use tandem_core::Locality;

/// Looks up localities by any of their names. Built once per import from the known
/// localities; lookups are hash-map probes.
#[derive(Clone, Debug)]
pub struct LocalityResolver<'a> {
    localities: &'a [Locality],
    /// Normalised name -> indices into `localities` (more than one = ambiguous).
    by_key: HashMap<String, Vec<usize>>,
}

/// A name that does not identify exactly one known locality.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The cell is empty.
    #[error("empty locality name")]
    Empty,
    /// No locality has this name. `suggestions` are the closest known names as
    /// `id (name_zh, name_en)`, best first; possibly empty.
    #[error("unknown locality {name:?}{}", suggestion_text(.suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    /// Several localities share this name; `candidates` are their ids.
    #[error("ambiguous locality {name:?}: it could be {}; use the id or the Chinese name", .candidates.join(" or "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

fn suggestion_text(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// How many suggestions an unknown name gets.
const MAX_SUGGESTIONS: usize = 3;
/// Below this normalised similarity (0 = nothing in common, 1 = equal) a known name is not
/// offered as a suggestion: "宿洲" (one wrong character of two) scores 0.5.
const MIN_SIMILARITY: f64 = 0.34;

/// Normalises a name for matching: trims (also full-width spaces), lower-cases ASCII and
/// drops spaces, apostrophes (straight and curly), hyphens and dots.
fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '\u{3000}' | '\'' | '\u{2019}' | '\u{2018}' | '-' | '.' | '·'
            )
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The English name without a parenthesised qualifier: "Suzhou (Anhui)" -> "Suzhou".
fn english_base(name: &str) -> &str {
    match name.find('(') {
        Some(i) if i > 0 => name[..i].trim_end(),
        _ => name,
    }
}

const PROVINCE_PREFIXES: [&str; 8] = [
    "安徽省",
    "江苏省",
    "浙江省",
    "上海市",
    "安徽",
    "江苏",
    "浙江",
    "上海",
];

impl<'a> LocalityResolver<'a> {
    /// Indexes every name of every locality in `localities`.
    pub fn new(localities: &'a [Locality]) -> LocalityResolver<'a> {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, loc) in localities.iter().enumerate() {
            let mut keys = vec![
                loc.id.clone(),
                loc.name_zh.clone(),
                loc.short_name_zh().to_string(),
                loc.name_en.clone(),
                loc.short_name_en().to_string(),
                english_base(&loc.name_en).to_string(),
                english_base(loc.short_name_en()).to_string(),
            ];
            // "Minhang District, Shanghai" is also written "Minhang District".
            if let Some(first) = loc.name_en.split(',').next() {
                keys.push(first.to_string());
            }
            // 上海市闵行区 is also written 闵行区.
            if let Some(rest) = loc.name_zh.strip_prefix(loc.province.name_zh()) {
                if !rest.is_empty() {
                    keys.push(rest.to_string());
                }
            }
            if let Some(code) = loc.adcode {
                keys.push(code.to_string());
            }
            let mut keys: Vec<String> = keys.iter().map(|k| normalise(k)).collect();
            keys.retain(|k| !k.is_empty());
            keys.sort();
            keys.dedup();
            for k in keys {
                by_key.entry(k).or_default().push(i);
            }
        }
        LocalityResolver { localities, by_key }
    }

    /// Resolves a name to exactly one locality (see the module documentation for the
    /// accepted forms).
    pub fn resolve(&self, name: &str) -> Result<&'a Locality, ResolveError> {
        let key = normalise(name);
        if key.is_empty() {
            return Err(ResolveError::Empty);
        }
        for candidate in self.candidate_keys(&key) {
            if let Some(hits) = self.by_key.get(&candidate) {
                return match hits.as_slice() {
                    [one] => Ok(&self.localities[*one]),
                    many => Err(ResolveError::Ambiguous {
                        name: name.trim().to_string(),
                        candidates: many
                            .iter()
                            .map(|i| self.localities[*i].id.clone())
                            .collect(),
                    }),
                };
            }
        }
        Err(ResolveError::Unknown {
            name: name.trim().to_string(),
            suggestions: self.suggest(&key),
        })
    }

    /// The lookup keys tried in order: the name itself; a 12-digit statistical code as its
    /// 6-digit GB/T 2260 prefix; the name without a province prefix (安徽省宿州市).
    fn candidate_keys(&self, key: &str) -> Vec<String> {
        let mut keys = vec![key.to_string()];
        if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) && key.ends_with("000000") {
            keys.push(key[..6].to_string());
        }
        for prefix in PROVINCE_PREFIXES {
            if let Some(rest) = key.strip_prefix(prefix) {
                if !rest.is_empty() {
                    keys.push(rest.to_string());
                }
            }
        }
        keys
    }

    /// The closest known localities to an unknown (normalised) name, best first.
    fn suggest(&self, key: &str) -> Vec<String> {
        let mut best: HashMap<usize, f64> = HashMap::new();
        for (known, hits) in &self.by_key {
            let score = strsim::normalized_damerau_levenshtein(key, known);
            if score < MIN_SIMILARITY {
                continue;
            }
            for &i in hits {
                let entry = best.entry(i).or_insert(score);
                if score > *entry {
                    *entry = score;
                }
            }
        }
        let mut ranked: Vec<(usize, f64)> = best.into_iter().collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| self.localities[a.0].id.cmp(&self.localities[b.0].id))
        });
        ranked
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .map(|(i, _)| {
                let l = &self.localities[i];
                format!("{} ({}, {})", l.id, l.name_zh, l.name_en)
            })
            .collect()
    }

    /// The localities this resolver knows.
    pub fn localities(&self) -> &'a [Locality] {
        self.localities
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::{LocalityLevel, Province};

    fn loc(id: &str, adcode: u32, zh: &str, en: &str, province: Province) -> Locality {
        Locality {
            id: id.into(),
            adcode: Some(adcode),
            name_zh: zh.into(),
            name_en: en.into(),
            province,
            level: LocalityLevel::Prefecture,
            lat: None,
            lon: None,
            area_km2: None,
        }
    }

    fn sample() -> Vec<Locality> {
        vec![
            loc(
                "js-suzhou",
                320500,
                "苏州市",
                "Suzhou (Jiangsu)",
                Province::Jiangsu,
            ),
            loc(
                "ah-suzhou",
                341300,
                "宿州市",
                "Suzhou (Anhui)",
                Province::Anhui,
            ),
            loc("ah-luan", 341500, "六安市", "Lu'an", Province::Anhui),
            loc(
                "sh-minhang",
                310112,
                "上海市闵行区",
                "Minhang District, Shanghai",
                Province::Shanghai,
            ),
        ]
    }

    #[test]
    fn every_name_form_resolves() {
        let locs = sample();
        let r = LocalityResolver::new(&locs);
        for name in [
            "ah-suzhou",
            "AH-SUZHOU",
            "341300",
            "341300000000",
            "宿州市",
            "宿州",
            "安徽省宿州市",
            "Suzhou (Anhui)",
            "suzhou(anhui)",
        ] {
            assert_eq!(r.resolve(name).unwrap().id, "ah-suzhou", "{name}");
        }
        for name in ["苏州", "苏州市", "320500", "Suzhou (Jiangsu)", "江苏苏州"] {
            assert_eq!(r.resolve(name).unwrap().id, "js-suzhou", "{name}");
        }
        for name in ["Luan", "lu'an", "Lu’an", "六安"] {
            assert_eq!(r.resolve(name).unwrap().id, "ah-luan", "{name}");
        }
        for name in [
            "闵行",
            "闵行区",
            "上海市闵行区",
            "Minhang",
            "Minhang District",
        ] {
            assert_eq!(r.resolve(name).unwrap().id, "sh-minhang", "{name}");
        }
    }

    #[test]
    fn english_suzhou_alone_is_ambiguous() {
        let locs = sample();
        let r = LocalityResolver::new(&locs);
        match r.resolve(" Suzhou ") {
            Err(ResolveError::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates, ["js-suzhou", "ah-suzhou"]);
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn unknown_names_get_suggestions() {
        let locs = sample();
        let r = LocalityResolver::new(&locs);
        match r.resolve("宿洲市") {
            Err(ResolveError::Unknown { suggestions, .. }) => {
                assert!(suggestions[0].starts_with("ah-suzhou"), "{suggestions:?}");
            }
            other => panic!("{other:?}"),
        }
        match r.resolve("Minhagn") {
            Err(ResolveError::Unknown { suggestions, .. }) => {
                assert!(suggestions[0].starts_with("sh-minhang"), "{suggestions:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.resolve("  "), Err(ResolveError::Empty));
        let err = r.resolve("Atlantis").unwrap_err();
        assert!(matches!(err, ResolveError::Unknown { .. }));
    }
}
