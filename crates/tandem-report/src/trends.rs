//! Trends over time, as the caller computed them: per-capita GDP of each pair's two sides and
//! of reference groups, the gap between the sides and the helped city's rank, by year.
//!
//! These are plain inputs: the report draws them (a section "Over time" on each pair's page,
//! small multiples of the gaps on the programme page), writes them to the workbook (sheet
//! `Trends`) and to the JSON file (`trends`), and computes nothing itself. The CLI fills them
//! from the city panel (tandem-panel), which this crate does not depend on.
//!
//! A value is `(year, Option<value>)`: a missing year stays `None` (drawn as a gap, written
//! as "no data" / `null`), never 0.

use serde::Serialize;

/// Values by year; `None` where there is none.
pub type YearSeries = Vec<(i32, Option<f64>)>;

/// A rank by year: `(rank, n)` with 1 = highest among the `n` units that had a value.
pub type YearRanks = Vec<(i32, Option<(usize, usize)>)>;

/// Everything the report draws over time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trends {
    /// One entry per pair (pairs without an entry get a note instead of charts).
    pub pairs: Vec<PairTrend>,
    /// Series breaks of the values drawn, marked on every chart.
    pub breaks: Vec<TrendBreak>,
    /// The year the programme started (marked on every chart).
    pub programme_start: i32,
    /// First and last year drawn (inclusive).
    pub years: (i32, i32),
    /// How many panel values flagged `CAUTION` the caller set aside (what it counts is
    /// said in `note_en` / `note_zh`).
    pub excluded_caution: usize,
    /// How the values were computed, their source and what `excluded_caution` counts, in
    /// English (one or two sentences, shown under the charts).
    pub note_en: String,
    /// The same in Chinese.
    pub note_zh: String,
}

/// A break in the series drawn: the basis changes between two consecutive years.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendBreak {
    /// The last year on the old basis (the marker is drawn half a year after it).
    pub last_year_before: i32,
    /// The first year on the new basis.
    pub first_year_after: i32,
    /// A short label ("2018 economic census").
    pub label_en: String,
    /// 短标签（“2018年经济普查”）.
    pub label_zh: String,
}

/// One pair's series. Every per-capita value is derived (a ratio of sums), in yuan per
/// person.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PairTrend {
    /// The pair's id in the programme.
    pub pair_id: String,
    /// The helper's per-capita GDP (all `None` for a district the panel does not cover).
    pub helper_pc: YearSeries,
    /// The helped city's per-capita GDP.
    pub helped_pc: YearSeries,
    /// Anhui's (16 cities) per-capita GDP.
    pub anhui_pc: YearSeries,
    /// Northern Anhui's (6 cities) per-capita GDP.
    pub north_anhui_pc: YearSeries,
    /// Shanghai municipality's per-capita GDP, for a helper that is a district of Shanghai:
    /// drawn as a labelled reference, never as the district's own value.
    pub shanghai_pc: Option<YearSeries>,
    /// helper / helped per-capita GDP, by year.
    pub gap: YearSeries,
    /// The helped city's rank among the 41 cities of the Yangtze River Delta.
    pub helped_rank_yrd41: YearRanks,
}

/// The value of `year` in `series`, `None` if absent or not finite.
pub(crate) fn value_in(series: &[(i32, Option<f64>)], year: i32) -> Option<f64> {
    series
        .iter()
        .find(|(y, _)| *y == year)
        .and_then(|(_, v)| *v)
        .filter(|v| v.is_finite())
}

/// Whether a series has no usable value.
pub(crate) fn is_empty(series: &[(i32, Option<f64>)]) -> bool {
    series.iter().all(|(_, v)| !v.is_some_and(f64::is_finite))
}
