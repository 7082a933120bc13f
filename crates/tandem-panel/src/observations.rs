//! The panel's chosen values as the core's observations, to lay under the bundled figures.

use crate::curate::Rules;
use crate::decode::{CityPanel, PanelValue, DATASET};
use std::collections::HashMap;
use tandem_core::{Locality, Observation, Source, SourceQuality, Unit};

/// Chosen panel values as observations, and what the rules set aside.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelObservations {
    /// One observation per cell with an eligible value, sorted by (locality, indicator, year).
    pub observations: Vec<Observation>,
    /// `CAUTION` values set aside in the cells considered.
    pub excluded_caution: usize,
}

impl CityPanel {
    /// The source of a value as the core's [`Source`]: citation "city panel B: description;
    /// URL", its rank, dataset `city_panel`, its series and whether it is derived.
    pub fn core_source(&self, v: &PanelValue) -> Source {
        let s = self.source_of(v);
        let mut source = Source::new(
            format!("city panel {}: {}; {}", s.id, s.description, s.citation),
            SourceQuality::Rank(s.rank),
            DATASET,
        );
        source.series = s.series;
        source.derived = s.derived();
        source
    }

    /// The chosen value of every cell of the localities for which `wanted` is true.
    ///
    /// Localities are matched by adcode; a panel unit with no known locality is skipped
    /// (the tests check there is none).
    pub fn observations(
        &self,
        localities: &[Locality],
        rules: &Rules,
        wanted: impl Fn(&Locality) -> bool,
    ) -> PanelObservations {
        let by_code: HashMap<u32, &Locality> = localities
            .iter()
            .filter_map(|l| Some((l.adcode?, l)))
            .filter(|(_, l)| wanted(l))
            .collect();
        let mut out = PanelObservations {
            observations: Vec::new(),
            excluded_caution: 0,
        };
        let mut rest = self.values();
        while let Some(first) = rest.first() {
            let end = rest
                .iter()
                .position(|v| {
                    (v.adcode, v.indicator, v.year) != (first.adcode, first.indicator, first.year)
                })
                .unwrap_or(rest.len());
            let (cell, tail) = rest.split_at(end);
            rest = tail;
            let Some(locality) = by_code.get(&first.adcode) else {
                continue;
            };
            let choice = self.choose_among(cell, rules);
            out.excluded_caution += choice.excluded_caution;
            if let Some(v) = choice.chosen {
                let indicator = self.indicator_of(v);
                out.observations.push(Observation {
                    locality: locality.id.clone(),
                    year: v.year,
                    indicator: indicator.to_string(),
                    value: v.value,
                    unit: tandem_core::indicator(indicator).map_or(Unit::Ratio, |i| i.unit),
                    source: self.core_source(v),
                });
            }
        }
        out
    }
}

/// The rank given to an overlaid dataset's values: below every panel rank, so the user's
/// own import wins its cells, as `--data` does everywhere else.
pub const OVERLAY_RANK: u8 = 0;

impl CityPanel {
    /// A copy of the panel with `observations` (a user's import, e.g. licensed yearbooks)
    /// laid over it: each becomes a value of a source named after its dataset, ranked
    /// [`OVERLAY_RANK`], with its own series ([`tandem_core::Series::Unspecified`] unless the
    /// import said) and its citation as the note. Observations of localities without an
    /// adcode or of indicators the panel does not carry are skipped; their count is returned.
    pub fn with_overlay(
        &self,
        observations: &[Observation],
        localities: &[Locality],
    ) -> (CityPanel, usize) {
        let codes: HashMap<&str, u32> = localities
            .iter()
            .filter_map(|l| Some((l.id.as_str(), l.adcode?)))
            .collect();
        let mut out = CityPanel {
            indicators: self.indicators.clone(),
            sources: self.sources.clone(),
            notes: self.notes.clone(),
            values: self.values.clone(),
            breaks: self.breaks.clone(),
        };
        let mut skipped = 0;
        let mut note_of: HashMap<&str, u16> = HashMap::new();
        for o in observations {
            let (Some(code), Some(ind)) = (
                codes.get(o.locality.as_str()),
                self.indicator_index(&o.indicator),
            ) else {
                skipped += 1;
                continue;
            };
            let source = out.overlay_source(&o.source);
            let note = *note_of
                .entry(o.source.citation.as_str())
                .or_insert_with(|| {
                    // Note ids are 16-bit: past that many distinct citations the rest get the
                    // empty note (their citation stays in the dataset itself).
                    let Ok(id) = u16::try_from(out.notes.len()) else {
                        return 0;
                    };
                    out.notes.push(crate::decode::PanelNote {
                        text: format!("imported: {}", o.source.citation),
                        caution: false,
                    });
                    id
                });
            out.values.push(PanelValue {
                adcode: *code,
                year: o.year,
                indicator: ind,
                source,
                note,
                value: o.value,
            });
        }
        out.values
            .sort_by_key(|v| (v.adcode, v.indicator, v.year, v.source));
        (out, skipped)
    }

    fn overlay_source(&mut self, s: &Source) -> u8 {
        let id = format!("{}:{}", s.dataset, s.series.id());
        if let Some(i) = self.sources.iter().position(|x| x.id == id) {
            return i as u8;
        }
        self.sources.push(crate::decode::PanelSource {
            id,
            letter: "U".into(),
            rank: OVERLAY_RANK,
            series: s.series,
            citation: format!("imported dataset {}", s.dataset),
            description: format!("your import {} (laid over the panel)", s.dataset),
        });
        (self.sources.len() - 1) as u8
    }
}
