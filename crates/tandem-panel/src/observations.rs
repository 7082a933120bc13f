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
