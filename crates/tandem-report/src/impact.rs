//! The programme's impact, as the caller estimated it: per outcome, the pooled
//! Callaway-Sant'Anna and synthetic-DID estimates with their event study and pre-trend test,
//! and a synthetic control per helped city with its donor weights, path and placebo p-value;
//! the outcomes refused and why, the cities left out, the donor pool and its exclusion rules,
//! and every caveat.
//!
//! These are plain inputs, like [`crate::trends`]: the report draws them (a section "Impact"
//! on the programme page after the gaps over time, and the helped city's synthetic control
//! on each pair's page), writes them to the workbook (sheet `Impact`) and to the JSON file
//! (`impact`), and estimates nothing itself. The CLI fills them from the city panel's
//! programme evaluation (tandem-panel), which this crate does not depend on; texts come in
//! both languages ([`Bilingual`]).

use crate::text::Lang;
use serde::Serialize;

/// The normal quantile of a two-sided 95 % interval (estimate ± 1.96 se).
pub const Z95: f64 = 1.96;

/// One text in both languages of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bilingual {
    pub en: String,
    pub zh: String,
}

impl Bilingual {
    /// A text from its English and Chinese wordings.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Bilingual {
        Bilingual {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The wording in `lang`.
    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// Everything the report shows about the programme's impact.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Impact {
    /// The treated (helped) cities, by locality id.
    pub treated: Vec<String>,
    /// The first treated year (the programme start is marked half a year before it).
    pub first_treated_year: i32,
    /// The donor pool by locality id, before each outcome keeps only the cities with a value
    /// in every year of its window.
    pub donors: Vec<String>,
    /// The rules that keep cities out of the donor pool.
    pub exclusions: Vec<DonorExclusion>,
    /// One entry per outcome, refused ones included.
    pub outcomes: Vec<OutcomeImpact>,
    /// What the numbers cannot bear, each in both languages.
    pub caveats: Vec<Bilingual>,
}

/// One rule of the donor pool.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DonorExclusion {
    /// `province` (a two-digit code prefix) or `city` (an adcode).
    pub scope: String,
    /// The code.
    pub code: String,
    /// What is excluded ("Liaoning (province)").
    pub excluded: Bilingual,
    /// Why, with the programme concerned.
    pub reason: Bilingual,
}

/// The unit of an outcome's effects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectUnit {
    /// Differences of natural logs: 0.01 ≈ 1 %.
    #[default]
    LogPoints,
    /// Differences of a percentage (a share of GDP).
    PercentagePoints,
}

/// The evaluation of one outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OutcomeImpact {
    /// Machine key (`log_gdp`).
    pub outcome: String,
    /// What it is ("log GDP").
    pub label: Bilingual,
    /// The series used ("revised single vintage (source C)").
    pub series: Bilingual,
    /// First and last year of the window (inclusive).
    pub years: (i32, i32),
    pub unit: EffectUnit,
    /// For a log outcome, the level it is the log of, with its unit ("GDP (100m yuan)"):
    /// synthetic-control paths are drawn as levels on a logarithmic axis.
    pub level: Option<Bilingual>,
    /// Why the outcome is not evaluated, when it is not.
    pub refused: Option<Bilingual>,
    /// Treated cities left out for a missing year of the window, by locality id.
    pub dropped: Vec<String>,
    /// Treated cities in the estimates.
    pub n_treated: usize,
    /// Donor cities in the estimates.
    pub n_donors: usize,
    /// Whether a synthetic control was fitted per city for this outcome.
    pub synthetic_control: bool,
    /// The synthetic control of each city that has one.
    pub cities: Vec<CitySynth>,
    /// Pooled Callaway-Sant'Anna.
    pub did: Option<DidEstimate>,
    /// Pooled synthetic difference-in-differences.
    pub sdid: Option<SdidEstimate>,
}

/// Pooled Callaway-Sant'Anna: never-treated controls, doubly robust, varying base period.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DidEstimate {
    /// Simple average effect over the treated cities and post years.
    pub att: f64,
    /// Its analytic standard error.
    pub se: Option<f64>,
    /// The event study, by event time (0 = the first treated year).
    pub event_study: Vec<EventTime>,
    /// Wald test of zero pre-period effects (parallel trends before treatment).
    pub pretest_p: Option<f64>,
    /// Rambachan-Roth sensitivity of the average post-period effect.
    pub sensitivity: Option<Sensitivity>,
}

/// One event time of an event study.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventTime {
    /// Years since the first treated year.
    pub e: i64,
    pub estimate: f64,
    pub se: Option<f64>,
}

/// Rambachan & Roth (2023) relative magnitudes: robust 95 % confidence sets of the average
/// post-period effect when post-period violations of parallel trends may be up to M̄ times
/// the largest pre-period one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The procedure's name.
    pub method: String,
    /// (M̄, confidence set; `None` where it is empty).
    pub rows: Vec<(f64, Option<(f64, f64)>)>,
}

/// Pooled synthetic difference-in-differences.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SdidEstimate {
    pub estimate: f64,
    /// Placebo standard error, when it could be computed.
    pub se: Option<f64>,
}

/// The synthetic control of one city.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CitySynth {
    /// Locality id.
    pub city: String,
    /// Mean post-period gap, actual − synthetic, in the outcome's unit.
    pub att: f64,
    /// Pre-period root mean squared prediction error.
    pub pre_rmspe: f64,
    /// Post-period root mean squared prediction error.
    pub post_rmspe: f64,
    /// In-space placebo p-value: the share of cities (the donors, each given the
    /// programme on paper, and this city) whose post/pre RMSPE ratio is at least this city's.
    pub p_value: Option<f64>,
    /// Donors with their weights, largest first.
    pub weights: Vec<(String, f64)>,
    /// (year, actual, synthetic), in the outcome's unit (logs for a log outcome).
    pub path: Vec<(i32, f64, f64)>,
    /// The placebo fan: (donor, [(year, actual − synthetic)]) for the donors given the
    /// programme on paper whose pre-period fit is at most `fan_max_pre_mspe_multiple` times
    /// as poor as this city's.
    pub placebos: Vec<(String, Vec<(i32, f64)>)>,
    /// Donors left out of the fan by that filter.
    pub placebos_left_out: usize,
    /// The fan's pre-period filter (ADH 2010 use 5 in their fig. 5).
    pub fan_max_pre_mspe_multiple: f64,
}

/// The 95 % interval of an estimate with a finite standard error.
pub fn ci95(estimate: f64, se: Option<f64>) -> Option<(f64, f64)> {
    let se = se.filter(|s| s.is_finite() && *s >= 0.0)?;
    estimate
        .is_finite()
        .then_some((estimate - Z95 * se, estimate + Z95 * se))
}

impl Impact {
    /// The outcome with a synthetic control per city (log GDP), if any.
    pub fn synth_outcome(&self) -> Option<&OutcomeImpact> {
        self.outcomes.iter().find(|o| o.synthetic_control)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_need_a_finite_se() {
        let (lo, hi) = ci95(0.01, Some(0.005)).unwrap();
        assert!((lo - 0.0002).abs() < 1e-12 && (hi - 0.0198).abs() < 1e-12);
        assert_eq!(ci95(0.01, None), None);
        assert_eq!(ci95(0.01, Some(f64::NAN)), None);
        assert_eq!(ci95(f64::NAN, Some(0.1)), None);
    }
}
