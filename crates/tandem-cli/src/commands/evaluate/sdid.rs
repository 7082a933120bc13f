//! `tandem evaluate sdid`: synthetic difference-in-differences with its standard error, and
//! the synthetic-control and DID estimates of the same panel.

use super::synth::check_treated;
use super::{check_period, emit, num, PanelColumns, DEFAULT_SEED};
use crate::commands::input::{self, Kind, Spec};
use crate::commands::ListingArgs;
use crate::output::{Cell, Listing};
use crate::UserError;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use tandem_evaluate::sdid::{
    bootstrap_se, did_estimate, jackknife_se, placebo_se, sc_estimate, synthdid_estimate,
    SdidError, SdidFit, SdidPanel, SdidSe,
};

#[derive(clap::Args, Debug)]
pub struct SdidArgs {
    #[command(flatten)]
    panel: PanelColumns,
    /// The treated units (comma-separated), as written in the unit column; every other unit
    /// is a control.
    #[arg(long, value_delimiter = ',', value_name = "UNIT", required = true)]
    treated: Vec<String>,
    /// First treated period, the same for every treated unit (a period of the panel).
    #[arg(long, value_name = "T")]
    start: i64,
    /// Standard error: placebo (controls relabelled as treated; works with one treated
    /// unit), jackknife (leave one unit out; needs two treated units) or bootstrap (units
    /// resampled; needs two treated units).
    #[arg(long, value_enum, default_value_t = SeKind::Placebo)]
    se: SeKind,
    /// Replications of the placebo or bootstrap standard error.
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(2..=10_000))]
    replications: u32,
    /// Seed of the placebo or bootstrap draws (default 20240101); same seed, same result.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SeKind {
    Placebo,
    Jackknife,
    Bootstrap,
}

pub fn run(args: SdidArgs) -> Result<()> {
    let panel = load(&args)?;
    let fit = synthdid_estimate(&panel).map_err(sdid_error)?;
    let sc = sc_estimate(&panel).map_err(sdid_error)?;
    let did = did_estimate(&panel).map_err(sdid_error)?;
    let se = standard_error(&args, &panel, &fit)?;
    let out = Fitted {
        args: &args,
        panel: &panel,
        fit: &fit,
        sc_tau: sc.tau,
        did_tau: did.tau,
        se: &se,
    };
    let mut listing = out.listing();
    listing.notes = out.notes();
    emit(&listing, &out.json(&listing.notes), &args.listing)
}

fn load(args: &SdidArgs) -> Result<SdidPanel> {
    let p = &args.panel;
    let specs = [
        Spec::new("--unit", &p.unit, Kind::Label),
        Spec::new("--time", &p.time, Kind::Integer),
        Spec::new("--outcome", &p.outcome, Kind::Number),
    ];
    let mut cols = input::read(&p.input, &specs)?.into_iter();
    let labels = cols.next().expect("unit").into_labels();
    let time = cols.next().expect("time").into_integers();
    let outcome = cols.next().expect("outcome").into_numbers();
    let treated: HashSet<&str> = args.treated.iter().map(|t| t.trim()).collect();
    check_treated(
        &labels,
        &treated.iter().copied().collect::<Vec<_>>(),
        &p.unit,
    )?;
    let mut periods = time.clone();
    periods.sort_unstable();
    periods.dedup();
    check_period(&periods, args.start)?;
    let units = labels.per_row();
    let flags: Vec<bool> = units
        .iter()
        .zip(&time)
        .map(|(u, &t)| treated.contains(u) && t >= args.start)
        .collect();
    SdidPanel::from_long(&units, &time, &outcome, &flags).map_err(sdid_error)
}

fn sdid_error(e: SdidError) -> anyhow::Error {
    let hint = match e {
        SdidError::MissingCell { .. } => {
            ": drop the incomplete units or fill their gaps from a source (nothing is imputed)"
        }
        SdidError::DuplicateCell { .. } => ": keep one row per unit and period",
        SdidError::NoTreatmentVariation | SdidError::NoControlUnits => {
            ": some units must stay untreated (leave them out of --treated)"
        }
        SdidError::NoPrePeriods => ": --start must come after the first period",
        SdidError::JackknifeSingleTreated | SdidError::BootstrapSingleTreated => {
            ": use --se placebo with a single treated unit"
        }
        SdidError::JackknifeSingleControlWeight | SdidError::PlaceboTooFewControls { .. } => {
            ": try another --se"
        }
        _ => "",
    };
    UserError::new(format!("synthetic DID: {e}{hint}")).into()
}

fn standard_error(args: &SdidArgs, panel: &SdidPanel, fit: &SdidFit) -> Result<SdidSe> {
    let (reps, seed) = (
        args.replications as usize,
        args.seed.unwrap_or(DEFAULT_SEED),
    );
    match args.se {
        SeKind::Placebo => placebo_se(panel, fit, reps, seed),
        SeKind::Jackknife => jackknife_se(panel, fit),
        SeKind::Bootstrap => bootstrap_se(panel, fit, reps, seed),
    }
    .map_err(sdid_error)
}

/// A fit with what it is rendered from.
struct Fitted<'a> {
    args: &'a SdidArgs,
    panel: &'a SdidPanel,
    fit: &'a SdidFit,
    sc_tau: f64,
    did_tau: f64,
    se: &'a SdidSe,
}

impl Fitted<'_> {
    fn listing(&self) -> Listing {
        let mut l = Listing::new(format!(
            "Synthetic DID of {} for {} (treated from {})",
            self.args.panel.outcome,
            self.args.treated.join(", "),
            self.args.start
        ));
        l.column("estimate", "Estimate").column("se", "SE");
        l.rows.push(vec![
            Cell::Number(self.fit.tau, 4),
            Cell::Number(self.se.se, 4),
        ]);
        l
    }

    fn se_text(&self) -> String {
        let se = self.se;
        match se.seed {
            Some(seed) => format!(
                "{}, {} replications, seed {seed}",
                self.se_name(),
                se.replications
            ),
            None => self.se_name().to_string(),
        }
    }

    fn se_name(&self) -> &'static str {
        match self.args.se {
            SeKind::Placebo => "placebo",
            SeKind::Jackknife => "jackknife",
            SeKind::Bootstrap => "bootstrap",
        }
    }

    /// Nonzero weights, heaviest first, as `name weight`.
    fn top<T: ToString>(names: &[T], weights: &[f64]) -> String {
        let mut w: Vec<(String, f64)> = names
            .iter()
            .zip(weights)
            .filter(|(_, &w)| w > 0.0)
            .map(|(n, &w)| (n.to_string(), w))
            .collect();
        w.sort_by(|a, b| b.1.total_cmp(&a.1));
        let parts: Vec<String> = w.iter().map(|(n, w)| format!("{n} {w:.4}")).collect();
        parts.join(", ")
    }

    fn notes(&self) -> Vec<String> {
        let (p, f) = (self.panel, self.fit);
        vec![
            format!(
                "SE: {}. {} controls, {} treated; {} pre and {} post periods.",
                self.se_text(),
                f.n0,
                f.n1,
                f.t0,
                f.t1
            ),
            format!(
                "For comparison: synthetic control {:.4}, difference-in-differences {:.4}.",
                self.sc_tau, self.did_tau
            ),
            format!("Unit weights: {}.", Self::top(&p.units[..p.n0], &f.omega)),
            format!("Time weights: {}.", Self::top(&p.times[..p.t0], &f.lambda)),
        ]
    }

    fn json(&self, notes: &[String]) -> Value {
        let (p, f) = (self.panel, self.fit);
        let unit_weights: Map<String, Value> = p.units[..p.n0]
            .iter()
            .zip(&f.omega)
            .map(|(u, &w)| (u.clone(), num(w)))
            .collect();
        let time_weights: Map<String, Value> = p.times[..p.t0]
            .iter()
            .zip(&f.lambda)
            .map(|(t, &w)| (t.to_string(), num(w)))
            .collect();
        let curve: Vec<Value> = p.times[p.t0..]
            .iter()
            .zip(&f.effect_curve)
            .map(|(t, &e)| json!({"time": t, "effect": num(e)}))
            .collect();
        json!({
            "estimator": "synthetic_did",
            "outcome": self.args.panel.outcome,
            "treated": p.units[p.n0..],
            "start": self.args.start,
            "estimate": num(f.tau),
            "se": num(self.se.se),
            "se_method": self.se_name(),
            "replications": self.se.replications,
            "seed": self.se.seed,
            "unit_weights": unit_weights,
            "time_weights": time_weights,
            "effect_curve": curve,
            "sc_estimate": num(self.sc_tau),
            "did_estimate": num(self.did_tau),
            "n_controls": f.n0,
            "n_treated": f.n1,
            "pre_periods": f.t0,
            "post_periods": f.t1,
            "noise_level": num(f.noise_level),
            "notes": notes,
        })
    }
}
