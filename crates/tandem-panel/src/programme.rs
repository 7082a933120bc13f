//! Did the programme work? The built-in evaluation of the 2021 pairing programme on the panel.
//!
//! Treated: the programme's helped cities, from 2022 (the first full year after the December
//! 2021 plan). Donors: every prefecture-level city of the panel that is in no pairing
//! programme (data/city_panel/donor_exclusions.csv names each exclusion and its reason: the
//! helpers and the rest of Anhui for spillovers, recipients of other counterpart-aid and
//! east-west programmes because they are treated too). Each outcome uses one series over a
//! window no break crosses:
//!
//! | outcome | series | window | estimators |
//! |---|---|---|---|
//! | log GDP | revised single vintage (C) | 2005-2023 | synthetic control per city with in-space placebos; pooled Callaway-Sant'Anna and SDID |
//! | secondary share of GDP, % | first release | 2019-2023 (after the 2018 census) | pooled Callaway-Sant'Anna and SDID |
//! | log per-capita GDP | derived (GDP / resident population) | 2020-2023 (after both censuses) | pooled Callaway-Sant'Anna |
//! | utilised FDI | — | refused: its definition changed in 2022, the first treated year |
//!
//! Only units with a value in every year of the window enter (a balanced panel); the others
//! are listed. The estimators are tandem-evaluate's (moderndid, synthdid and an exact simplex
//! QP reproduced to 1e-12).

use crate::aggregate::Member;
use crate::analysis::per_capita;
use crate::curate::Rules;
use crate::decode::CityPanel;
use serde::Serialize;
use tandem_core::Series;
use tandem_evaluate::did::{
    aggregate, att_gt, Aggregation, AttGtOptions, BasePeriod, DynamicEventStudy, PanelData,
};
use tandem_evaluate::honest::{
    sensitivity_relative_magnitudes, HonestOptions, RelativeMagnitudesMethod,
};
use tandem_evaluate::sdid::{placebo_se, synthdid_estimate, SdidPanel};
use tandem_evaluate::synth::{
    in_space_placebo, pivot_long, synthetic_control, DonorPool, PlaceboFit, PlaceboTest, ScSpec,
};

/// data/city_panel/donor_exclusions.csv.
pub const DONOR_EXCLUSIONS_CSV: &str =
    include_str!("../../../data/city_panel/donor_exclusions.csv");

/// The first treated year.
pub const FIRST_TREATED_YEAR: i32 = 2022;

/// One rule that keeps cities out of the donor pool.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exclusion {
    /// `province` (two-digit code prefix) or `city` (adcode).
    pub scope: String,
    /// The code.
    pub code: String,
    /// The programme.
    pub programme: String,
    /// Why.
    pub reason: String,
}

/// The whole evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgrammeEvaluation {
    /// Treated city ids.
    pub treated: Vec<String>,
    /// First treated year.
    pub first_treated_year: i32,
    /// The donor pool (before each outcome's balance requirement).
    pub donors: Vec<String>,
    /// The exclusion rules applied.
    pub exclusions: Vec<Exclusion>,
    /// One entry per outcome.
    pub outcomes: Vec<OutcomeEvaluation>,
    /// What the numbers cannot bear.
    pub caveats: Vec<String>,
}

/// The evaluation of one outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeEvaluation {
    /// `log_gdp`, `secondary_share`, `log_gdp_per_capita`, `fdi_utilised`.
    pub outcome: String,
    /// The series used.
    pub series: String,
    /// The window.
    pub years: (i32, i32),
    /// Why the outcome is not evaluated, when it is not.
    pub refused: Option<String>,
    /// Units left out for a missing year (treated ones included).
    pub dropped: Vec<String>,
    /// Donors used.
    pub n_donors: usize,
    /// Synthetic control per treated city (log GDP only).
    pub per_city: Vec<CitySynth>,
    /// Pooled Callaway-Sant'Anna (never-treated controls, doubly robust, no covariates).
    pub did: Option<PooledDid>,
    /// Pooled synthetic DID with a placebo standard error.
    pub sdid: Option<PooledSdid>,
}

/// Synthetic control for one city.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CitySynth {
    /// City id.
    pub city: String,
    /// Mean post-period gap (log points for log outcomes).
    pub att: f64,
    /// Pre-period RMSPE.
    pub pre_rmspe: f64,
    /// Post-period RMSPE.
    pub post_rmspe: f64,
    /// In-space placebo p-value (donors only, the treated city counted).
    pub p_value: Option<f64>,
    /// Donors with weight above 0.001, largest first.
    pub weights: Vec<(String, f64)>,
    /// (year, actual, synthetic).
    pub path: Vec<(i32, f64, f64)>,
    /// The placebo fan: each donor's own gap (actual − synthetic) by year, with the programme
    /// assigned to it on paper, for the donors whose pre-period fit is at most
    /// [`FAN_MAX_PRE_MSPE_MULTIPLE`] times as poor as this city's (Abadie, Diamond & Hainmueller
    /// 2010, fig. 5: a placebo that never fitted says nothing about the post period).
    pub placebos: Vec<PlaceboGap>,
    /// Donors left out of the fan by that filter.
    pub placebos_left_out: usize,
}

/// Placebos in the fan fit their pre-period at most this many times worse (in mean squared
/// prediction error) than the treated city (ADH 2010 show 20, 5 and 2; 5 is their middle one).
pub const FAN_MAX_PRE_MSPE_MULTIPLE: f64 = 5.0;

/// One donor's placebo gap path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceboGap {
    /// Donor city id.
    pub city: String,
    /// (year, actual − synthetic).
    pub gaps: Vec<(i32, f64)>,
}

/// Pooled Callaway-Sant'Anna results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PooledDid {
    /// Simple ATT and its analytic standard error.
    pub simple: (f64, Option<f64>),
    /// Event study: (event time, estimate, se).
    pub dynamic: Vec<(i64, f64, Option<f64>)>,
    /// Pre-trend Wald test p-value.
    pub pretest_p: Option<f64>,
    /// Rambachan-Roth sensitivity of the average post-period effect.
    pub sensitivity: Option<Sensitivity>,
}

/// Rambachan & Roth (2023) relative-magnitudes sensitivity of the pooled event study: robust
/// 95 % confidence sets for the average post-period effect when post-period violations of
/// parallel trends may be up to M̄ times the largest pre-period one. The event study uses
/// the universal base period (e = -1) and the last [`HONEST_PRE_PERIODS`] pre periods.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sensitivity {
    /// HonestDiD's name of the procedure.
    pub method: String,
    /// (M̄, robust confidence set), `None` where the set is empty.
    pub rows: Vec<(f64, Option<(f64, f64)>)>,
}

/// How many pre periods the sensitivity analysis uses (the latest ones).
pub const HONEST_PRE_PERIODS: usize = 4;

/// Pooled SDID.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PooledSdid {
    /// τ.
    pub estimate: f64,
    /// Placebo standard error (200 replications, seed 1), when it can be computed.
    pub se: Option<f64>,
}

/// A balanced long panel of one outcome.
struct Balanced {
    units: Vec<Member>,
    treated: Vec<bool>,
    years: Vec<i32>,
    /// Row-major units x years.
    values: Vec<f64>,
    dropped: Vec<String>,
}

/// The exclusion rules.
pub fn exclusions() -> Vec<Exclusion> {
    let mut r = csv::Reader::from_reader(DONOR_EXCLUSIONS_CSV.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .map(|rec| Exclusion {
            scope: rec[0].to_string(),
            code: rec[1].to_string(),
            programme: rec[2].to_string(),
            reason: rec[3].to_string(),
        })
        .collect()
}

/// Whether a city is kept out of the donor pool.
pub fn excluded(adcode: u32, rules: &[Exclusion]) -> bool {
    let code = adcode.to_string();
    rules.iter().any(|e| match e.scope.as_str() {
        "province" => code.starts_with(&e.code),
        _ => code == e.code,
    })
}

/// Evaluates the programme for `treated` against `candidates` (all cities of the panel).
pub fn evaluate(p: &CityPanel, treated: &[Member], candidates: &[Member]) -> ProgrammeEvaluation {
    let rules = exclusions();
    let donors: Vec<Member> = candidates
        .iter()
        .filter(|c| c.adcode.is_some_and(|a| !excluded(a, &rules)))
        .filter(|c| !treated.contains(c))
        .cloned()
        .collect();
    let outcomes = vec![
        log_gdp(p, treated, &donors),
        pooled_only(p, treated, &donors, "secondary_share", (2019, 2023)),
        pooled_only(p, treated, &donors, "log_gdp_per_capita", (2020, 2023)),
        fdi_refused(),
    ];
    let mut caveats = caveats();
    for o in &outcomes {
        if let Some(p) = o
            .did
            .as_ref()
            .and_then(|d| d.pretest_p)
            .filter(|p| *p < 0.05)
        {
            caveats.push(format!(
                "{}: the pre-trend test rejects parallel trends (p = {p:.3}): the treated cities already diverged from the donors before 2022, so the Callaway-Sant'Anna estimate is not credible on its own; read it with the synthetic control and SDID, which reweight the donors to match the pre-period.",
                o.outcome
            ));
        }
    }
    ProgrammeEvaluation {
        treated: treated.iter().map(|m| m.id.clone()).collect(),
        first_treated_year: FIRST_TREATED_YEAR,
        donors: donors.iter().map(|m| m.id.clone()).collect(),
        exclusions: rules,
        outcomes,
        caveats,
    }
}

fn caveats() -> Vec<String> {
    [
        "Two post years (2022, 2023): effects of a 2021-2030 programme on GDP need years to show; these are early readings, not verdicts.",
        "Levels use the revised single-vintage GDP series (C, a vendor compilation of undocumented vintage) because the first-release series breaks at the 2018 economic census; shares and per-capita GDP use only years after the breaks, which leaves two or three pre years.",
        "Spillovers: helpers and the rest of Anhui are excluded from the donors; effects on the helpers themselves are not estimated.",
        "Other programmes: recipients of counterpart aid, the northeast-east pairing and east-west collaboration are excluded; helpers of other programmes stay in the pool.",
        "Inference: with at most eight treated cities, standard errors and placebo p-values are coarse (a placebo p-value cannot fall below 1 / (donors + 1)).",
        "Utilised FDI is not evaluated: its definition changed in 2022, the first treated year.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn fdi_refused() -> OutcomeEvaluation {
    OutcomeEvaluation {
        outcome: "fdi_utilised".into(),
        series: "first_release".into(),
        years: (2021, 2023),
        refused: Some("the definition changed in 2022 (break fdi-definition-2022), the first treated year: before and after are not comparable in any series".into()),
        dropped: Vec::new(),
        n_donors: 0,
        per_city: Vec::new(),
        did: None,
        sdid: None,
    }
}

fn value(p: &CityPanel, m: &Member, outcome: &str, year: i32) -> Option<f64> {
    let code = m.adcode?;
    let pick = |ind: &str, series| {
        p.choose(
            code,
            ind,
            year,
            &Rules {
                series: Some(series),
                ..Rules::default()
            },
        )
        .chosen
        .map(|v| v.value)
    };
    match outcome {
        "log_gdp" => pick("gdp", Series::Revised)
            .filter(|v| *v > 0.0)
            .map(f64::ln),
        "secondary_share" => {
            let (s, g) = (
                pick("va_secondary", Series::FirstRelease)?,
                pick("gdp", Series::FirstRelease)?,
            );
            (g > 0.0).then(|| s / g * 100.0)
        }
        "log_gdp_per_capita" => per_capita(p, std::slice::from_ref(m), year, &Rules::default())
            .filter(|v| *v > 0.0)
            .map(f64::ln),
        _ => None,
    }
}

fn balanced(
    p: &CityPanel,
    treated: &[Member],
    donors: &[Member],
    outcome: &str,
    years: (i32, i32),
) -> Balanced {
    let span: Vec<i32> = (years.0..=years.1).collect();
    let mut b = Balanced {
        units: vec![],
        treated: vec![],
        years: span.clone(),
        values: vec![],
        dropped: vec![],
    };
    for (m, is_treated) in treated
        .iter()
        .map(|m| (m, true))
        .chain(donors.iter().map(|m| (m, false)))
    {
        let row: Option<Vec<f64>> = span.iter().map(|y| value(p, m, outcome, *y)).collect();
        match row {
            Some(row) => {
                b.units.push(m.clone());
                b.treated.push(is_treated);
                b.values.extend(row);
            }
            None if is_treated => b.dropped.push(m.id.clone()),
            None => {}
        }
    }
    b
}

fn log_gdp(p: &CityPanel, treated: &[Member], donors: &[Member]) -> OutcomeEvaluation {
    let b = balanced(p, treated, donors, "log_gdp", (2005, 2023));
    let mut out = pooled(&b, "log_gdp", "revised", (2005, 2023));
    out.per_city = (0..b.units.len())
        .filter(|i| b.treated[*i])
        .filter_map(|i| city_synth(&b, i))
        .collect();
    out
}

fn pooled_only(
    p: &CityPanel,
    treated: &[Member],
    donors: &[Member],
    outcome: &str,
    years: (i32, i32),
) -> OutcomeEvaluation {
    let series = if outcome == "secondary_share" {
        "first_release"
    } else {
        "derived"
    };
    pooled(
        &balanced(p, treated, donors, outcome, years),
        outcome,
        series,
        years,
    )
}

fn pooled(b: &Balanced, outcome: &str, series: &str, years: (i32, i32)) -> OutcomeEvaluation {
    let any_treated = b.treated.iter().any(|t| *t);
    OutcomeEvaluation {
        outcome: outcome.into(),
        series: series.into(),
        years,
        refused: (!any_treated)
            .then(|| "no treated city has a value in every year of the window".into()),
        dropped: b.dropped.clone(),
        n_donors: b.treated.iter().filter(|t| !**t).count(),
        per_city: Vec::new(),
        did: any_treated.then(|| pooled_did(b)).flatten(),
        sdid: any_treated.then(|| pooled_sdid(b)).flatten(),
    }
}

fn long_columns(b: &Balanced) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
    let t = b.years.len();
    let unit = (0..b.units.len())
        .flat_map(|u| std::iter::repeat_n(u as i64 + 1, t))
        .collect();
    let time = (0..b.units.len())
        .flat_map(|_| b.years.iter().map(|y| i64::from(*y)))
        .collect();
    let cohort = (0..b.units.len())
        .flat_map(|u| {
            std::iter::repeat_n(
                if b.treated[u] {
                    i64::from(FIRST_TREATED_YEAR)
                } else {
                    0
                },
                t,
            )
        })
        .collect();
    (unit, time, cohort)
}

fn pooled_did(b: &Balanced) -> Option<PooledDid> {
    let (unit, time, cohort) = long_columns(b);
    let data = PanelData {
        unit: &unit,
        time: &time,
        outcome: &b.values,
        cohort: &cohort,
        covariates: &[],
        weights: None,
    };
    let res = att_gt(&data, &AttGtOptions::default()).ok()?;
    let simple = aggregate(&res, Aggregation::Simple).ok()?;
    let dynamic = aggregate(&res, Aggregation::dynamic()).ok()?;
    Some(PooledDid {
        simple: (simple.overall_att?, simple.overall_se),
        dynamic: dynamic
            .levels
            .iter()
            .map(|l| (l.label, l.estimate, l.se))
            .collect(),
        pretest_p: res.wald_pretest.as_ref().map(|w| w.p_value),
        sensitivity: sensitivity(&data),
    })
}

fn sensitivity(data: &PanelData) -> Option<Sensitivity> {
    let opts = AttGtOptions {
        base_period: BasePeriod::Universal,
        ..AttGtOptions::default()
    };
    let dynamic = aggregate(&att_gt(data, &opts).ok()?, Aggregation::dynamic()).ok()?;
    let es = DynamicEventStudy::from_dynamic(&dynamic, -1, Some(HONEST_PRE_PERIODS)).ok()?;
    let honest = HonestOptions {
        l_vec: es.average_from(0),
        grid_points: 400,
        ..HonestOptions::default()
    };
    let method = RelativeMagnitudesMethod::ConditionalLeastFavorable;
    let r = sensitivity_relative_magnitudes(
        &es.as_event_study(),
        &[0.0, 0.5, 1.0, 2.0],
        method,
        &honest,
    )
    .ok()?;
    Some(Sensitivity {
        method: r.method.to_string(),
        rows: r
            .rows
            .iter()
            .map(|row| (row.m, row.ci.as_ref().map(|c| (c.lb, c.ub))))
            .collect(),
    })
}

fn pooled_sdid(b: &Balanced) -> Option<PooledSdid> {
    let names: Vec<String> = b.units.iter().map(|m| m.id.clone()).collect();
    let t = b.years.len();
    let units: Vec<&str> = names
        .iter()
        .flat_map(|n| std::iter::repeat_n(n.as_str(), t))
        .collect();
    let (_, time, _) = long_columns(b);
    let d: Vec<bool> = (0..b.units.len())
        .flat_map(|u| {
            b.years
                .iter()
                .map(move |y| b.treated[u] && *y >= FIRST_TREATED_YEAR)
        })
        .collect();
    let panel = SdidPanel::from_long(&units, &time, &b.values, &d).ok()?;
    let fit = synthdid_estimate(&panel).ok()?;
    let se = placebo_se(&panel, &fit, 200, 1).ok().map(|s| s.se);
    Some(PooledSdid {
        estimate: fit.tau,
        se,
    })
}

fn city_synth(b: &Balanced, city: usize) -> Option<CitySynth> {
    let t = b.years.len();
    let donors: Vec<usize> = (0..b.units.len()).filter(|i| !b.treated[*i]).collect();
    let names: Vec<&str> = b
        .units
        .iter()
        .flat_map(|m| std::iter::repeat_n(m.id.as_str(), t))
        .collect();
    let (_, time, _) = long_columns(b);
    let wide = pivot_long(&names, &time, &b.values).ok()?;
    let idx = |i: usize| wide.unit_index(&b.units[i].id);
    let spec = ScSpec::new(
        idx(city)?,
        donors.iter().filter_map(|d| idx(*d)).collect(),
        b.years.iter().position(|y| *y == FIRST_TREATED_YEAR)?,
    );
    let fit = synthetic_control(&wide.matrix, &spec).ok()?;
    let placebo = in_space_placebo(&wide.matrix, &spec, DonorPool::ExcludeTreated).ok();
    let p_value = placebo
        .as_ref()
        .and_then(|pt| pt.p_value(None).ok())
        .map(|p| p.p_value);
    let (placebos, placebos_left_out) = placebo
        .as_ref()
        .map_or((Vec::new(), 0), |pt| placebo_fan(pt, &wide.units, &b.years));
    let mut weights: Vec<(String, f64)> = fit
        .donors
        .iter()
        .zip(&fit.weights)
        .filter(|(_, w)| **w > 1e-3)
        .map(|(d, w)| (wide.units[*d].clone(), *w))
        .collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1));
    let actual = wide.matrix.row(spec.treated)?;
    let path = b
        .years
        .iter()
        .enumerate()
        .map(|(k, y)| (*y, actual[k], fit.synthetic[k]))
        .collect();
    Some(CitySynth {
        city: b.units[city].id.clone(),
        att: fit.att,
        pre_rmspe: fit.pre_rmspe,
        post_rmspe: fit.post_rmspe,
        p_value,
        weights,
        path,
        placebos,
        placebos_left_out,
    })
}

/// The donors' gap paths that fit well enough to be compared (see [`CitySynth::placebos`]),
/// and how many were left out.
fn placebo_fan(test: &PlaceboTest, units: &[String], years: &[i32]) -> (Vec<PlaceboGap>, usize) {
    let Some(treated) = test.treated() else {
        return (Vec::new(), 0);
    };
    let bound = FAN_MAX_PRE_MSPE_MULTIPLE * treated.pre_mspe;
    let donors: Vec<&PlaceboFit> = test.fits.iter().filter(|f| !f.is_treated).collect();
    let fan: Vec<PlaceboGap> = donors
        .iter()
        .filter(|f| f.fit.pre_mspe <= bound)
        .map(|f| PlaceboGap {
            city: units[f.unit].clone(),
            gaps: years
                .iter()
                .copied()
                .zip(f.fit.gaps.iter().copied())
                .collect(),
        })
        .collect();
    let left_out = donors.len() - fan.len();
    (fan, left_out)
}
