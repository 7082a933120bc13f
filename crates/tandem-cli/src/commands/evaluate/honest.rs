//! `tandem evaluate did --honest`: the Rambachan & Roth (2023) sensitivity of a
//! Callaway-Sant'Anna event study to violations of parallel trends.

use super::{num, opt_num};
use crate::output::{Cell, Listing};
use crate::UserError;
use anyhow::Result;
use serde_json::{json, Value};
use tandem_evaluate::did::{AggregateResult, DynamicEventStudy};
use tandem_evaluate::honest::{
    sensitivity_relative_magnitudes, sensitivity_smoothness, HonestOptions, Interval,
    RelativeMagnitudesMethod, SensitivityResults, SmoothnessMethod,
};

/// The restriction on how far post-period trends may depart from the pre-period ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Restriction {
    /// Δ^RM(M̄): each post-period violation at most M̄ times the largest pre-period one
    /// (conditional least-favourable confidence sets).
    RelativeMagnitudes,
    /// Δ^SD(M): the slope of the differential trend changes by at most M per period
    /// (fixed-length confidence intervals).
    Smoothness,
}

/// The effect the sensitivity is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The average of the effects at event times 0, 1, ...
    Average,
    /// The effect at event time 0.
    First,
}

/// The sensitivity options of `tandem evaluate did`.
#[derive(clap::Args, Debug)]
pub struct HonestArgs {
    /// Rambachan & Roth (2023) sensitivity of the event study to violations of parallel
    /// trends; needs --aggregate dynamic and --base-period universal. With it, CSV, XLSX and
    /// Parquet hold the sensitivity table (restriction, m, lower, upper, identified set),
    /// the table format prints it under the event study, JSON adds `sensitivity`.
    #[arg(long, value_enum, value_name = "RESTRICTION")]
    pub honest: Option<Restriction>,
    /// Values of M̄ (relative magnitudes; default 0,0.5,1,1.5,2) or of M (smoothness, in
    /// the outcome's unit per period; required).
    #[arg(long, value_delimiter = ',', value_name = "M", requires = "honest")]
    pub honest_m: Vec<f64>,
    /// The effect: the average over event times >= 0, or the effect at event time 0.
    #[arg(long, value_enum, default_value_t = Target::Average)]
    pub honest_target: Target,
    /// Use only the last K pre periods (default: all).
    #[arg(long, value_name = "K", requires = "honest",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub honest_pre: Option<u32>,
}

/// At most this many M values: each costs a grid of linear programs.
const MAX_M_VALUES: usize = 50;

/// The sensitivity table and its JSON.
pub struct Sensitivity {
    pub listing: Listing,
    pub json: Value,
}

impl HonestArgs {
    fn m_values(&self, r: Restriction) -> Result<Vec<f64>> {
        let m = match (r, self.honest_m.is_empty()) {
            (Restriction::RelativeMagnitudes, true) => vec![0.0, 0.5, 1.0, 1.5, 2.0],
            (Restriction::Smoothness, true) => {
                return Err(UserError::new(
                    "--honest smoothness needs --honest-m: the bounds M on the change in slope, in the outcome's unit per period (e.g. --honest-m 0,0.01,0.02)",
                )
                .into())
            }
            _ => self.honest_m.clone(),
        };
        if m.len() > MAX_M_VALUES || m.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(UserError::new(format!(
                "--honest-m takes at most {MAX_M_VALUES} finite values >= 0"
            ))
            .into());
        }
        Ok(m)
    }
}

/// Runs the sensitivity analysis on a dynamic aggregation, or `None` without `--honest`.
/// `anticipation` places the reference period at event time `-1 - anticipation`.
pub fn run(
    args: &HonestArgs,
    agg: &AggregateResult,
    anticipation: u32,
) -> Result<Option<Sensitivity>> {
    let Some(restriction) = args.honest else {
        return Ok(None);
    };
    let m = args.m_values(restriction)?;
    let reference = -1 - i64::from(anticipation);
    let max_pre = args.honest_pre.map(|k| k as usize);
    let es = DynamicEventStudy::from_dynamic(agg, reference, max_pre)
        .map_err(|e| UserError::new(format!("--honest: {e}")))?;
    let l_vec = match args.honest_target {
        Target::Average => es.average_from(0),
        Target::First => es.single(0),
    }
    .ok_or_else(|| UserError::new("--honest: the event study has no event time 0"))?;
    let opts = HonestOptions {
        l_vec: Some(l_vec),
        ..HonestOptions::default()
    };
    let s = match restriction {
        Restriction::RelativeMagnitudes => {
            let method = RelativeMagnitudesMethod::ConditionalLeastFavorable;
            sensitivity_relative_magnitudes(&es.as_event_study(), &m, method, &opts)
        }
        Restriction::Smoothness => {
            sensitivity_smoothness(&es.as_event_study(), &m, SmoothnessMethod::Flci, &opts)
        }
    }
    .map_err(|e| UserError::new(format!("--honest: {e}")))?;
    Ok(Some(Sensitivity {
        listing: listing(args, &es, &s),
        json: sensitivity_json(args, &es, &s),
    }))
}

fn target_text(args: &HonestArgs) -> &'static str {
    match args.honest_target {
        Target::Average => "average effect over event times >= 0",
        Target::First => "effect at event time 0",
    }
}

fn listing(args: &HonestArgs, es: &DynamicEventStudy, s: &SensitivityResults) -> Listing {
    let mut l = Listing::new(format!(
        "Rambachan-Roth sensitivity ({}, {}): robust {:.0}% confidence sets of the {}",
        s.delta,
        s.method,
        100.0 * (1.0 - s.alpha),
        target_text(args)
    ));
    l.column("restriction", "Restriction")
        .column("m", m_label(s.delta))
        .column("lower", "Lower")
        .column("upper", "Upper")
        .column("identified_lower", "Identified set lower")
        .column("identified_upper", "Identified set upper");
    let bound = |i: Option<&Interval>, upper: bool| {
        Cell::opt_number(i.map(|i| if upper { i.ub } else { i.lb }), 4)
    };
    for row in &s.rows {
        l.rows.push(vec![
            Cell::text(s.delta),
            Cell::Number(row.m, 4),
            bound(row.ci.as_ref(), false),
            bound(row.ci.as_ref(), true),
            bound(row.identified_set.as_ref(), false),
            bound(row.identified_set.as_ref(), true),
        ]);
    }
    l.notes = notes(es, s);
    l
}

fn m_label(delta: &str) -> &'static str {
    if delta == "DeltaRM" {
        "M̄"
    } else {
        "M"
    }
}

fn notes(es: &DynamicEventStudy, s: &SensitivityResults) -> Vec<String> {
    let e = &es.event_times;
    let mut notes = vec![format!(
        "Event study: pre periods {}..{}, post periods {}..{} (reference period left out, covariance from the influence functions). Under parallel trends: [{:.4}, {:.4}].",
        e[0],
        e[es.num_pre - 1],
        e[es.num_pre],
        e[e.len() - 1],
        s.original.lb,
        s.original.ub
    )];
    notes.push(match s.breakdown_on_grid {
        Some(m) => format!(
            "The confidence set first contains 0 at {} = {m} of the grid: the effect is distinguishable from 0 only for smaller violations.",
            m_label(s.delta)
        ),
        None => "No value of the grid gives a confidence set containing 0.".into(),
    });
    if s.rows.iter().any(|r| r.ci.is_none()) {
        notes.push("A missing interval: the confidence set is empty (the pre-period coefficients are inconsistent with the restriction at that bound).".into());
    }
    if s.rows.iter().any(|r| r.identified_set.is_none()) {
        notes.push("A missing identified set: the estimated pre-period coefficients themselves break the restriction at that bound (the confidence set accounts for their sampling error).".into());
    }
    if s.rows.iter().any(|r| r.open_at_grid_edge) {
        notes.push(
            "Some confidence sets reach the end of the θ grid: they may extend further.".into(),
        );
    }
    notes.push("Reference: Rambachan, A. & Roth, J. (2023), \"A more credible approach to parallel trends\", Review of Economic Studies 90(5); HonestDiD.".into());
    notes
}

fn interval_json(i: Option<&Interval>) -> Value {
    i.map_or(Value::Null, |i| json!([num(i.lb), num(i.ub)]))
}

fn sensitivity_json(args: &HonestArgs, es: &DynamicEventStudy, s: &SensitivityResults) -> Value {
    let rows: Vec<Value> = s
        .rows
        .iter()
        .map(|r| {
            json!({
                "m": num(r.m),
                "ci": interval_json(r.ci.as_ref()),
                "open_at_grid_edge": r.open_at_grid_edge,
                "identified_set": interval_json(r.identified_set.as_ref()),
            })
        })
        .collect();
    json!({
        "restriction": s.delta,
        "method": s.method,
        "target": target_text(args),
        "l_vec": s.l_vec,
        "alpha": s.alpha,
        "event_times": es.event_times,
        "num_pre": es.num_pre,
        "num_post": es.num_post,
        "original": {
            "estimate": num(s.original.estimate),
            "se": num(s.original.se),
            "ci": [num(s.original.lb), num(s.original.ub)],
        },
        "rows": rows,
        "breakdown_on_grid": opt_num(s.breakdown_on_grid),
    })
}
