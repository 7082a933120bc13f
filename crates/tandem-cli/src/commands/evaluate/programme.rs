//! `tandem evaluate programme [PAIR|all]`: the built-in evaluation of the bundled programme
//! on the city panel (tandem_panel::programme): treated helped cities from 2022 against
//! cities in no pairing programme, one break-free series per outcome, with its caveats.

use super::emit;
use crate::commands::panel::{all_cities, group_members};
use crate::commands::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use anyhow::Result;
use tandem_panel::programme::{evaluate, ProgrammeEvaluation};
use tandem_panel::{panel, Member};

/// Arguments of `tandem evaluate programme`.
#[derive(clap::Args, Debug)]
pub struct ProgrammeArgs {
    /// A pair id (pair-nanjing-chuzhou), a helped city (滁州, ah-chuzhou), or `all` (default):
    /// which helped cities are treated.
    #[arg(default_value = "all")]
    pair: String,
    #[command(flatten)]
    output: ListingArgs,
}

/// Runs the evaluation and renders it.
pub fn run(ctx: &Context, args: ProgrammeArgs) -> Result<()> {
    let treated = treated(ctx, &args.pair)?;
    let e = evaluate(panel(), &treated, &all_cities(ctx));
    emit(&listing(&e), &serde_json::to_value(&e)?, &args.output)
}

fn treated(ctx: &Context, which: &str) -> Result<Vec<Member>> {
    let helped = group_members(ctx, "helped");
    if which == "all" {
        return Ok(helped);
    }
    let programme = &ctx.bundle().programme;
    let id = match programme.pair(which) {
        Some(p) => p.helped.clone(),
        None => tandem_data::resolve::LocalityResolver::new(ctx.localities())
            .resolve(which)
            .map_err(|e| {
                crate::UserError::new(format!("{e}; give a pair id, a helped city or `all`"))
            })?
            .id
            .clone(),
    };
    match helped.into_iter().find(|m| m.id == id) {
        Some(m) => Ok(vec![m]),
        None => crate::user_bail!(
            "{which} is not a helped city of the programme; give a pair id, a helped city or `all`"
        ),
    }
}

fn listing(e: &ProgrammeEvaluation) -> Listing {
    let mut l = Listing::new(format!(
        "Impact of the programme: {} treated from {} against {} donor cities in no pairing programme (city panel)",
        e.treated.join(", "),
        e.first_treated_year,
        e.donors.len()
    ));
    for (k, label) in [
        ("outcome", "Outcome"),
        ("series", "Series"),
        ("window", "Window"),
        ("estimator", "Estimator"),
        ("city", "City"),
        ("estimate", "Estimate"),
        ("se", "SE"),
        ("p_value", "p"),
    ] {
        l.column(k, label);
    }
    for o in &e.outcomes {
        let head = |est: &str, city: &str| {
            vec![
                Cell::text(&o.outcome),
                Cell::text(&o.series),
                Cell::text(format!("{}-{}", o.years.0, o.years.1)),
                Cell::text(est),
                Cell::text(city),
            ]
        };
        if let Some(why) = &o.refused {
            l.notes.push(format!("{}: not evaluated: {why}", o.outcome));
            continue;
        }
        if let Some(d) = &o.did {
            l.rows.push(
                [
                    head("Callaway-Sant'Anna (simple)", "pooled"),
                    vec![
                        Cell::Number(d.simple.0, 4),
                        Cell::opt_number(d.simple.1, 4),
                        Cell::opt_number(d.pretest_p, 3),
                    ],
                ]
                .concat(),
            );
        }
        if let Some(s) = &o.sdid {
            l.rows.push(
                [
                    head("synthetic DID", "pooled"),
                    vec![
                        Cell::Number(s.estimate, 4),
                        Cell::opt_number(s.se, 4),
                        Cell::Missing,
                    ],
                ]
                .concat(),
            );
        }
        for c in &o.per_city {
            l.rows.push(
                [
                    head("synthetic control", &c.city),
                    vec![
                        Cell::Number(c.att, 4),
                        Cell::Missing,
                        Cell::opt_number(c.p_value, 3),
                    ],
                ]
                .concat(),
            );
        }
        if let Some(sens) = o.did.as_ref().and_then(|d| d.sensitivity.as_ref()) {
            let sets: Vec<String> = sens
                .rows
                .iter()
                .map(|(m, ci)| match ci {
                    Some((lb, ub)) => format!("M̄ = {m}: [{lb:.4}, {ub:.4}]"),
                    None => format!("M̄ = {m}: empty"),
                })
                .collect();
            l.notes.push(format!(
                "{}: Rambachan-Roth sensitivity ({}, relative magnitudes, average post effect, 95 %): {}",
                o.outcome,
                sens.method,
                sets.join("; ")
            ));
        }
        if !o.dropped.is_empty() {
            l.notes.push(format!(
                "{}: left out for a missing year in {}-{}: {}",
                o.outcome,
                o.years.0,
                o.years.1,
                o.dropped.join(", ")
            ));
        }
    }
    l.notes.push("p: pre-trend Wald test for Callaway-Sant'Anna; in-space placebo p-value for synthetic control. Log outcomes: estimates in log points (0.01 ≈ 1 %).".into());
    for x in &e.exclusions {
        l.notes.push(format!(
            "Donor pool excludes {} {}: {}",
            x.scope, x.code, x.reason
        ));
    }
    l.notes
        .extend(e.caveats.iter().map(|c| format!("Caveat: {c}")));
    l
}
