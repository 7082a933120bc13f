//! `tandem evaluate ...`: impact evaluation of any long panel file with the estimators of
//! `tandem-evaluate` — Callaway-Sant'Anna staggered DID (`did`), synthetic control (`synth`)
//! and synthetic DID (`sdid`).
//!
//! Each command reads the columns it is told to from a CSV or XLSX file ([`input`]), runs
//! the estimator and renders a listing (table, CSV, XLSX, Parquet) or, with `--format json`,
//! one JSON object with everything the estimator reports. Estimator errors (an unbalanced
//! panel, too few comparison units, ...) are the user's to fix: exit code 1.

mod did;
mod honest;
mod programme;
mod sdid;
mod synth;

use super::ListingArgs;
use crate::output::{Format, Listing};
use anyhow::{Context as _, Result};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

pub use did::DidArgs;
pub use sdid::SdidArgs;
pub use synth::SynthArgs;

/// Seed of the random draws (bootstrap, placebo) when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 20_240_101;

#[derive(clap::Subcommand, Debug)]
pub enum EvaluateCommand {
    /// Staggered difference-in-differences (Callaway & Sant'Anna 2021): the group-time
    /// effects ATT(g,t) of units first treated in period g, with the doubly robust, IPW or
    /// regression estimator, aggregations, the pre-trend Wald test and the multiplier
    /// bootstrap.
    ///
    /// The file is a balanced long panel: one row per unit and period. The cohort column
    /// holds each unit's first treated period (0 or empty = never treated). Output columns:
    /// `group,time,att,se` (ATT(g,t)), or `aggregation,level,estimate,se` with --aggregate
    /// (`level` is `overall`, an event time, a cohort or a calendar period). `se` is always
    /// the analytic standard error (influence function, clustered by unit); with
    /// --bootstrap, JSON adds the bootstrap standard error `boot_se`, the simultaneous 95%
    /// band `lower`/`upper` and its critical value, and the table adds them as columns and
    /// notes. With --honest, the Rambachan & Roth (2023) sensitivity of the event study to
    /// violations of parallel trends (relative magnitudes or smoothness).
    #[command(after_help = "Examples:
  tandem evaluate did --input mpdta.csv --unit countyreal --time year --outcome lemp --cohort first.treat
  tandem evaluate did --input mpdta.csv --unit countyreal --time year --outcome lemp --cohort first.treat --aggregate simple --format csv
  tandem evaluate did --input panel.xlsx --unit city --time year --outcome log_gdp --cohort first_paired --covariates log_pop --control notyet --aggregate dynamic --bootstrap 999 --seed 7 --format json
  tandem evaluate did --input mpdta.csv --unit countyreal --time year --outcome lemp --cohort first.treat --aggregate dynamic --base-period universal --honest relative-magnitudes")]
    Did(DidArgs),

    /// Synthetic control (Abadie, Diamond & Hainmueller 2010): one treated unit against a
    /// convex combination of all other units fitted on the pre-treatment outcomes (exact
    /// simplex weights), with in-space placebos.
    ///
    /// Output: the path `time,actual,synthetic,gap` (CSV, table), or with --format json
    /// the `weights` (unit -> weight), `att` (mean post-treatment gap), `pre_rmspe`,
    /// `post_rmspe`, `path` and, with --placebo, `placebos` (one per donor, refitted with the
    /// other donors) and `p_value` = share of units whose post/pre RMSPE ratio is at least the
    /// treated unit's (the treated unit counted); --max-pre-mspe adds the p-value after ADH's
    /// pre-fit filter (`p_value_filtered`) and --leave-one-out the refits without each donor
    /// of positive weight (`leave_one_out`).
    #[command(after_help = "Examples:
  tandem evaluate synth --input california_prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989
  tandem evaluate synth --input california_prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989 --placebo --format json
  tandem evaluate synth --input cities.xlsx --unit city --time year --outcome gdp_per_capita --treated Suzhou --start 2013 --format csv")]
    Synth(SynthArgs),

    /// Synthetic difference-in-differences (Arkhangelsky et al. 2021, replicating R
    /// synthdid): unit and time weights, the estimate with its standard error, and the
    /// synthetic-control and plain DID estimates on the same panel for comparison.
    ///
    /// All treated units must start in the same period (--start). Output: one row
    /// `estimate,se` (CSV, table), or with --format json `estimate`, `se`, `unit_weights`
    /// (control unit -> weight), `time_weights` (pre period -> weight), `sc_estimate`,
    /// `did_estimate`.
    #[command(after_help = "Examples:
  tandem evaluate sdid --input california_prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989
  tandem evaluate sdid --input california_prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989 --format json
  tandem evaluate sdid --input panel.csv --unit city --time year --outcome y --treated A,B,C --start 2015 --se jackknife --format csv")]
    Sdid(SdidArgs),

    /// The built-in evaluation of the bundled programme on the city panel: the helped
    /// cities treated from 2022 against cities in no pairing programme (the donor pool and
    /// every exclusion are named), log GDP (revised series, 2005-2023: synthetic control per
    /// city with placebos, pooled Callaway-Sant'Anna and SDID), the secondary share
    /// (2019-2023) and log per-capita GDP (2020-2023) where no series break is crossed;
    /// utilised FDI is refused (its definition changed in 2022). Every caveat is printed.
    #[command(after_help = "Examples:
  tandem evaluate programme
  tandem evaluate programme pair-nanjing-chuzhou
  tandem evaluate programme all --format json --out impact.json")]
    Programme(programme::ProgrammeArgs),
}

pub fn run(ctx: &crate::context::Context, cmd: EvaluateCommand) -> Result<()> {
    match cmd {
        EvaluateCommand::Programme(args) => programme::run(ctx, args),
        EvaluateCommand::Did(args) => did::run(args),
        EvaluateCommand::Synth(args) => synth::run(args),
        EvaluateCommand::Sdid(args) => sdid::run(args),
    }
}

/// The panel file and the columns every estimator needs.
#[derive(clap::Args, Debug)]
pub struct PanelColumns {
    /// The panel in long form, one row per unit and period: CSV (`,` or `;` separated, UTF-8
    /// or GBK; at most 256 MiB, 5,000,000 rows, 1,000 columns) or XLSX (first sheet, header
    /// in its first row).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Column of the unit (any text or number).
    #[arg(long, value_name = "COLUMN")]
    unit: String,
    /// Column of the period (whole numbers, e.g. years).
    #[arg(long, value_name = "COLUMN")]
    time: String,
    /// Column of the outcome (numbers; a missing value is an error, never zero).
    #[arg(long, value_name = "COLUMN")]
    outcome: String,
}

/// Renders `listing` in the chosen format, or `json` for `--format json`.
fn emit(listing: &Listing, json: &Value, output: &ListingArgs) -> Result<()> {
    if output.format != Format::Json {
        return listing.write(output.format, output.out.as_deref());
    }
    let mut text = serde_json::to_string_pretty(json).context("rendering JSON")?;
    text.push('\n');
    write_text(&text, output)
}

/// Writes `text` to `--out`, or to standard output.
fn write_text(text: &str, output: &ListingArgs) -> Result<()> {
    match &output.out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

/// A JSON number, `null` when not finite.
fn num(v: f64) -> Value {
    Value::from(v)
}

/// A JSON number or `null`.
fn opt_num(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// The period `start` must be a period of the panel; `what` names it in the message.
fn check_period(periods: &[i64], start: i64) -> Result<()> {
    if periods.contains(&start) {
        return Ok(());
    }
    let (first, last) = (periods.first(), periods.last());
    crate::user_bail!(
        "--start {start} is not a period of the panel (its periods run {}-{}); give the first treated period",
        first.copied().unwrap_or_default(),
        last.copied().unwrap_or_default()
    )
}
