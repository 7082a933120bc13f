//! `tandem report`: the programme report as a static site (index.html, one page per pair),
//! an XLSX workbook and a JSON file.

use super::advise::{advisor_input, load_panel, load_weights};
use crate::context::Context;
use anyhow::Result;
use std::path::PathBuf;
use tandem_core::advisor::diagnose_all;
use tandem_data::bundled::{BOUNDARIES_SIMPLIFIED_GEOJSON, SOURCES_MD};
use tandem_report::{build_report, Lang, ReportError, ReportInput, ReportOptions};

/// Report language.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Language of every label, heading and note.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// Only this pair's page (plus the programme page), by pair id (see `tandem pairs`).
    #[arg(long, value_name = "ID")]
    pair: Option<String>,
    /// Directory to write into (created if missing; files of the same names are replaced).
    #[arg(long, value_name = "DIR", default_value = "tandem-report")]
    out: PathBuf,
    /// Lay this imported dataset over the bundled data (see `tandem data list`).
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    /// Advisor weights and thresholds (TOML, as data/advisor_weights.toml).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// A sector panel `region,industry,year,value` (regions = locality ids) for comparative
    /// advantage and panel-based opportunity ranking.
    #[arg(long, value_name = "FILE")]
    panel: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: ReportArgs) -> Result<()> {
    let weights = load_weights(args.weights.as_deref())?;
    let panel = load_panel(args.panel.as_deref())?;
    let bundle = ctx.bundle();
    let observations = ctx
        .observations_with_panel(args.data.as_deref())?
        .observations;
    let diagnoses = diagnose_all(&advisor_input(
        ctx,
        &observations,
        panel.as_ref(),
        &weights,
    )?)?;
    let dataset = args.data.as_deref().filter(|d| *d != "bundled");
    let input = ReportInput {
        programme: &bundle.programme,
        localities: &bundle.localities,
        observations: &observations,
        events: &bundle.events,
        diagnoses: &diagnoses,
        boundaries_geojson: BOUNDARIES_SIMPLIFIED_GEOJSON,
        sources_md: SOURCES_MD,
        dataset,
    };
    let opts = ReportOptions {
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        pair: args.pair.clone(),
    };
    let summary = match build_report(&input, &opts, &args.out) {
        Ok(s) => s,
        Err(
            e @ (ReportError::UnknownPair { .. }
            | ReportError::Io { .. }
            | ReportError::Xlsx { .. }),
        ) => return Err(crate::UserError::new(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    println!(
        "Wrote the report to {}: index.html, {} pair page(s), {}, {}.",
        summary.dir.display(),
        summary.pair_pages.len(),
        tandem_report::XLSX_NAME,
        tandem_report::JSON_NAME
    );
    println!(
        "Open {} in a browser (works offline).",
        summary.index.display()
    );
    Ok(())
}
