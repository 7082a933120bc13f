//! Analyses over time on the panel: the per-capita GDP gap of each pair, beta- and
//! sigma-convergence, ranks, structure and disparity by year.
//!
//! Every analysis measures per-capita GDP one way for cities and groups alike:
//! Σ GDP / Σ resident population over the unit's members (a city is a group of one), in yuan
//! per person, **derived** — the chosen first-release GDP over the year-end resident
//! population. This keeps a city, its province and northern Anhui on one construction. It
//! differs from official per-capita GDP (average population) by under 1 % for the median YRD
//! city, but by up to ±30 % for single cities in 2010-2019, where source D's year-end
//! population is partly revised to the 2020 census while the official figure used the
//! population of its time (Ningbo 2015 -32 %, Lishui 2010 +26 %); from 2020 the two agree to
//! about 1.5 %. Compare levels across those years with care. The construction
//! inherits the breaks of its inputs (the 2018 economic census, the 2020 population census),
//! so comparisons over time are made within the windows between them
//! ([`CityPanel::consistent_windows`]) and charts draw the breaks.
//!
//! The formulas are in tandem-core: [`beta_convergence`] (Barro and Sala-i-Martin 1992),
//! [`sigma_convergence`], [`rank_percentile`], [`theil_decomposition`] (Shorrocks 1980) and
//! [`industrialisation_stage`] (陈佳贵 et al. 2006); this module only selects the data.

use crate::aggregate::Member;
use crate::curate::Rules;
use crate::decode::CityPanel;
use tandem_core::metrics::convergence::{
    beta_convergence, rank_percentile, sigma_convergence, BetaConvergence, RankPercentile,
    SigmaConvergence,
};
use tandem_core::metrics::disparity::{theil_decomposition, TheilDecomposition, TheilKind};
use tandem_core::metrics::structure::{
    gdp_per_capita_usd2005_for_year, industrialisation_stage, IndustrialisationStage, StageInputs,
};
use tandem_core::metrics::MetricError;
use tandem_core::Series;

/// The indicator the analyses compare.
pub const PER_CAPITA: &str = "gdp_per_capita";

/// A value of one year, `None` where the panel has none (never zero).
pub type YearValue = (i32, Option<f64>);

/// Per-capita GDP of one unit over `years` (see the module documentation).
pub fn per_capita_series(
    p: &CityPanel,
    members: &[Member],
    years: (i32, i32),
    rules: &Rules,
) -> Vec<YearValue> {
    (years.0..=years.1)
        .map(|y| (y, per_capita(p, members, y, rules)))
        .collect()
}

/// Per-capita GDP of one unit in one year: Σ GDP / Σ resident population × 10^4 yuan.
pub fn per_capita(p: &CityPanel, members: &[Member], year: i32, rules: &Rules) -> Option<f64> {
    p.aggregate(members, PER_CAPITA, year, rules)
        .and_then(|v| v.value)
}

/// `a / b` year by year, `None` where either is missing.
pub fn ratio_series(a: &[YearValue], b: &[YearValue]) -> Vec<YearValue> {
    a.iter()
        .zip(b)
        .map(|((y, x), (_, z))| (*y, x.zip(*z).filter(|(_, z)| *z > 0.0).map(|(x, z)| x / z)))
        .collect()
}

/// A beta-convergence regression on one consistent window, with the units it used.
#[derive(Clone, Debug, PartialEq)]
pub struct BetaWindow {
    /// First and last year.
    pub window: (i32, i32),
    /// The regression table.
    pub table: BetaConvergence,
    /// Units with both years.
    pub used: Vec<String>,
    /// Units missing one of the years.
    pub missing: Vec<String>,
}

impl CityPanel {
    /// The maximal year spans within `years` that no nationwide break of the per-capita
    /// construction (GDP first release, resident population, derived) crosses.
    pub fn consistent_windows(&self, years: (i32, i32)) -> Vec<(i32, i32)> {
        let series = [Series::FirstRelease, Series::CensusBased, Series::Derived];
        let mut cuts: Vec<(i32, i32)> = ["gdp", "population_resident", PER_CAPITA]
            .iter()
            .flat_map(|ind| self.breaks_for_chart(ind, &series, years.0, years.1))
            .map(|b| (b.last_year_before, b.first_year_after))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = Vec::new();
        let mut start = years.0;
        for (last, first) in cuts {
            out.push((start, last));
            start = first;
        }
        out.push((start, years.1));
        out.retain(|(a, b)| b >= a);
        out
    }

    /// Absolute beta-convergence of per-capita GDP across `units` from `from` to `to`.
    ///
    /// A unit whose own boundary changed within the window (Chaohu's split for Hefei, Wuhu and
    /// Ma'anshan in 2011) is left out and listed in [`BetaWindow::missing`] with the break.
    ///
    /// # Errors
    /// A window crossing a break ([`MetricError::CrossesBreak`], naming it) or the regression's
    /// own errors (fewer than 3 units with both years, ...).
    pub fn beta(
        &self,
        units: &[Member],
        window: (i32, i32),
        rules: &Rules,
    ) -> Result<BetaWindow, MetricError> {
        if self.consistent_windows(window) != vec![window] {
            return Err(MetricError::CrossesBreak {
                what: "beta-convergence".into(),
                window,
                within: self.consistent_windows(window),
            });
        }
        let (mut levels, mut used, mut missing) = (Vec::new(), Vec::new(), Vec::new());
        for u in units {
            let one = std::slice::from_ref(u);
            let own = self.unit_breaks(u, window);
            if !own.is_empty() {
                missing.push(format!("{} ({})", u.id, own.join(", ")));
                continue;
            }
            match (
                per_capita(self, one, window.0, rules),
                per_capita(self, one, window.1, rules),
            ) {
                (Some(a), Some(b)) => {
                    levels.push((a, b));
                    used.push(u.id.clone());
                }
                _ => missing.push(u.id.clone()),
            }
        }
        let table = beta_convergence(&levels, f64::from(window.1 - window.0))?;
        Ok(BetaWindow {
            window,
            table,
            used,
            missing,
        })
    }

    /// The breaks of this unit alone (boundary changes) that a window spans in the
    /// per-capita construction's inputs.
    pub fn unit_breaks(&self, unit: &Member, window: (i32, i32)) -> Vec<String> {
        let Some(code) = unit.adcode else {
            return Vec::new();
        };
        let series = [Series::FirstRelease, Series::CensusBased, Series::Derived];
        let mut ids: Vec<String> = ["gdp", "population_resident"]
            .iter()
            .flat_map(|ind| {
                series
                    .iter()
                    .flat_map(move |s| self.breaks_spanned(code, ind, *s, window.0, window.1))
            })
            .filter(|b| b.adcodes.is_some())
            .map(|b| b.id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Sigma-convergence: the dispersion of log per-capita GDP across `units` per year,
    /// over the units with a value in every year of `years` and no boundary break in it (a
    /// balanced set); the ids left out are returned.
    ///
    /// # Errors
    /// As [`sigma_convergence`] (fewer than 3 years, fewer than 2 units, ...).
    pub fn sigma(
        &self,
        units: &[Member],
        years: (i32, i32),
        rules: &Rules,
    ) -> Result<(SigmaConvergence, Vec<String>), MetricError> {
        let series: Vec<(String, Vec<YearValue>)> = units
            .iter()
            .map(|u| {
                (
                    u.id.clone(),
                    per_capita_series(self, std::slice::from_ref(u), years, rules),
                )
            })
            .collect();
        let (balanced, dropped): (Vec<_>, Vec<_>) = series.into_iter().partition(|(id, s)| {
            let unit = units.iter().find(|u| &u.id == id);
            s.iter().all(|(_, v)| v.is_some())
                && unit.is_some_and(|u| self.unit_breaks(u, years).is_empty())
        });
        let by_year: Vec<(i32, Vec<f64>)> = (years.0..=years.1)
            .enumerate()
            .map(|(i, y)| (y, balanced.iter().filter_map(|(_, s)| s[i].1).collect()))
            .collect();
        Ok((
            sigma_convergence(&by_year)?,
            dropped.into_iter().map(|(id, _)| id).collect(),
        ))
    }

    /// How many `CAUTION` values the rules set aside in the cells of `indicators` of the
    /// `units` over `years`, each cell counted once (units sharing a city count it once): the
    /// count a result that read those cells reports.
    pub fn caution_excluded_in(
        &self,
        units: &[Member],
        indicators: &[&str],
        years: (i32, i32),
        rules: &Rules,
    ) -> usize {
        let codes: std::collections::BTreeSet<u32> =
            units.iter().filter_map(|u| u.adcode).collect();
        codes
            .iter()
            .flat_map(|c| indicators.iter().map(move |i| (*c, *i)))
            .flat_map(|(c, i)| (years.0..=years.1).map(move |y| (c, i, y)))
            .map(|(c, i, y)| self.choose(c, i, y, rules).excluded_caution)
            .sum()
    }

    /// The rank and percentile of `unit`'s per-capita GDP among `among` (which may include
    /// it) in `year`; `None` when the unit has no value that year.
    pub fn rank_in(
        &self,
        unit: &Member,
        among: &[Member],
        year: i32,
        rules: &Rules,
    ) -> Option<RankPercentile> {
        let values: Vec<(String, f64)> = among
            .iter()
            .chain(std::iter::once(unit).filter(|u| !among.contains(u)))
            .filter_map(|m| {
                Some((
                    m.id.clone(),
                    per_capita(self, std::slice::from_ref(m), year, rules)?,
                ))
            })
            .collect();
        rank_percentile(&unit.id, &values).ok()
    }

    /// Theil T of per-capita GDP across `units` in `year`, decomposed between and within
    /// `labels` (one label per unit: a province index, or helper 0 / helped 1), over the
    /// units with GDP and population; the ids without are returned.
    pub fn theil_in(
        &self,
        units: &[Member],
        labels: &[usize],
        year: i32,
        rules: &Rules,
    ) -> (Option<TheilDecomposition>, Vec<String>) {
        let (mut income, mut population, mut groups, mut missing) =
            (vec![], vec![], vec![], vec![]);
        for (u, label) in units.iter().zip(labels) {
            let value = |ind| {
                self.aggregate(std::slice::from_ref(u), ind, year, rules)
                    .and_then(|v| v.value)
            };
            match (value("gdp"), value("population_resident")) {
                (Some(g), Some(p)) if p > 0.0 => {
                    income.push(g);
                    population.push(p);
                    groups.push(*label);
                }
                _ => missing.push(u.id.clone()),
            }
        }
        (
            theil_decomposition(&income, &population, &groups, TheilKind::T).ok(),
            missing,
        )
    }

    /// Sector shares (percent of the sum of the three sectors) and the industrialisation
    /// stage in `year` from the sector structure and, where the year has conversion
    /// constants, per-capita GDP in 2005 US dollars.
    pub fn structure_in(&self, unit: &Member, year: i32, rules: &Rules) -> Option<StructureYear> {
        let level = |ind| {
            self.aggregate(std::slice::from_ref(unit), ind, year, rules)
                .and_then(|v| v.value)
        };
        let va = [
            level("va_primary")?,
            level("va_secondary")?,
            level("va_tertiary")?,
        ];
        let total: f64 = va.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let usd = per_capita(self, std::slice::from_ref(unit), year, rules)
            .and_then(|y| gdp_per_capita_usd2005_for_year(y, year));
        let stage = industrialisation_stage(&StageInputs {
            sector_output: Some(va),
            gdp_per_capita_usd2005: usd,
            ..StageInputs::default()
        })
        .ok()?;
        Some(StructureYear {
            year,
            shares: va.map(|v| v / total * 100.0),
            stage: stage.stage,
            score: stage.score,
            criteria: stage.criteria.len(),
        })
    }
}

/// The structure of one unit in one year.
#[derive(Clone, Debug, PartialEq)]
pub struct StructureYear {
    /// Year.
    pub year: i32,
    /// Primary, secondary, tertiary share of the sectors' sum, percent.
    pub shares: [f64; 3],
    /// Industrialisation stage.
    pub stage: IndustrialisationStage,
    /// Composite score 0-100.
    pub score: f64,
    /// How many criteria were available (sector structure, and per-capita GDP where the
    /// year has conversion constants).
    pub criteria: usize,
}

/// The years in which the stage differs from the previous year with a value.
pub fn stage_transitions(
    years: &[StructureYear],
) -> Vec<(i32, IndustrialisationStage, IndustrialisationStage)> {
    years
        .windows(2)
        .filter(|w| w[0].stage != w[1].stage)
        .map(|w| (w[1].year, w[0].stage, w[1].stage))
        .collect()
}
