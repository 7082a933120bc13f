//! `tandem registry generate`: a seeded synthetic enterprise registry (tandem-registry) as
//! Parquet files and a manifest of what was planted; `tandem registry import`: a registry
//! from researchers' CSV/XLSX/Parquet exports through a column-mapping file.

use crate::commands::registry_query::{self, Query};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use tandem_registry::{Effect, Options, Params, Phase};

/// `tandem registry ...`.
#[derive(clap::Subcommand, Debug)]
pub enum RegistryCommand {
    /// Generate a synthetic registry (firms, establishments, shareholder links, address
    /// changes) whose firm counts follow the bundled city panel, with optional programme
    /// effects planted for chosen pairs; the truth goes to manifest.json.
    #[command(after_help = "Examples:
  tandem registry generate --firms 100000 --seed 1 --out registry
  tandem registry generate --firms 1000000 --seed 7 --out reg --effect pair-xuzhou-huaibei:2022:3
  tandem registry generate --firms 500000 --seed 2 --out reg --effect pair-xuzhou-huaibei:2022:3 --effect pair-nanjing-chuzhou:2021:2

Files: firms.parquet, establishments.parquet, links.parquet, address_changes.parquet and
manifest.json in --out (the schema: docs/REGISTRY.md). The data is synthetic; its 4-digit
industry codes are synthetic classes of real GB/T 4754-2017 divisions.")]
    Generate(GenerateArgs),
    /// Import a registry from CSV (UTF-8 or GBK), XLSX or Parquet exports through a
    /// column-mapping file. Every row is checked; a file with any problem imports nothing and
    /// every problem is listed with its file, row and column.
    #[command(after_help = "Examples:
  tandem registry import --mapping docs/registry-mapping.example.toml --firms firms.csv --out registry
  tandem registry import --mapping map.toml --firms 企业.xlsx --links 股东.csv --out reg --report problems.csv
  tandem registry import --mapping map.toml --firms firms.parquet --establishments branches.csv --address-changes moves.csv --out reg

The mapping names, for each table, the export's column for each schema field, with units
(注册资本 in 万元 -> yuan) and date formats: docs/REGISTRY.md (Import). --out must not exist
or be empty; files are moved into place only when there is no problem. Tables without an
input are written empty.")]
    Import(ImportArgs),
    /// City x industry x year panel: firms open at each year's end, births, deaths and
    /// registered capital, at 2- or 4-digit industry.
    #[command(after_help = "Examples:
  tandem registry panel --input reg --digits 4 --format parquet --out panel.parquet
  tandem registry panel --input reg --sector-panel firms --out firms.csv && tandem advise pair-xuzhou-huaibei --panel firms.csv
  tandem registry panel --input /shared/reg --engine ballista://sched:50050 --out panel.csv
  tandem registry panel --input reg --sql      (the SQL statement, for DuckDB or a reader)")]
    Panel(crate::commands::registry_query::PanelArgs),
    /// Inter-city investment flows (shareholder links) per year: by city, by pair and
    /// direction, or before/after each pair's start with the helper's share of new capital.
    #[command(after_help = "Examples:
  tandem registry flows --input reg --format json
  tandem registry flows --input reg --by pair --pair pair-xuzhou-huaibei
  tandem registry flows --input reg --by period")]
    Flows(crate::commands::registry_query::FlowsArgs),
    /// Transfer detection: relocations, new subsidiaries and branches of helper-side firms in
    /// helped cities, counted by pair, kind, year and industry, or listed with --list.
    #[command(after_help = "Examples:
  tandem registry transfers --input reg
  tandem registry transfers --input reg --list --pair pair-xuzhou-huaibei --format csv --out events.csv")]
    Transfers(crate::commands::registry_query::TransfersArgs),
    /// The platform's figure per pair: firms of helper origin (moved from, or invested by,
    /// the helper city) among the helped city's open firms at a year's end.
    #[command(after_help = "Example:
  tandem registry origin --input reg --as-of 2023")]
    Origin(crate::commands::registry_query::OriginArgs),
    /// Run a SQL statement of your own over the registry's tables (firms, establishments,
    /// links, address_changes), on either engine.
    #[command(after_help = "Example:
  tandem registry sql --input reg \"SELECT industry_division, COUNT(*) AS firms FROM firms GROUP BY 1 ORDER BY 2 DESC\"")]
    Sql(crate::commands::registry_query::SqlArgs),
}

/// `tandem registry import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The column-mapping file (TOML; docs/registry-mapping.example.toml is an example).
    #[arg(long, value_name = "MAP.toml")]
    mapping: PathBuf,
    /// The firms export (CSV, XLSX or Parquet).
    #[arg(long, value_name = "FILE")]
    firms: PathBuf,
    /// The shareholder links export.
    #[arg(long, value_name = "FILE")]
    links: Option<PathBuf>,
    /// The establishments (branches) export.
    #[arg(long, value_name = "FILE")]
    establishments: Option<PathBuf>,
    /// The address changes export.
    #[arg(long, value_name = "FILE")]
    address_changes: Option<PathBuf>,
    /// Output directory (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write every listed problem to this CSV file (file,sheet,row,column,column_name,rule,message).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// No progress display.
    #[arg(long)]
    quiet: bool,
}

/// `tandem registry generate`.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Number of firms ever registered (1 to 50,000,000).
    #[arg(long, value_name = "N")]
    firms: u64,
    /// Seed: the same seed and options give byte-identical files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Output directory (created if needed; existing registry files are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A programme effect PAIR:YEAR:MULTIPLIER: from YEAR, helper -> helped shareholder links
    /// and relocations are MULTIPLIER times the baseline. Repeat for several pairs.
    #[arg(long, value_name = "PAIR:YEAR:MULTIPLIER")]
    effect: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Runs a registry command.
pub fn run(cmd: RegistryCommand) -> Result<()> {
    match cmd {
        RegistryCommand::Generate(args) => generate(args),
        RegistryCommand::Import(args) => import(args),
        RegistryCommand::Panel(a) => registry_query::run(Query::Panel(a)),
        RegistryCommand::Flows(a) => registry_query::run(Query::Flows(a)),
        RegistryCommand::Transfers(a) => registry_query::run(Query::Transfers(a)),
        RegistryCommand::Origin(a) => registry_query::run(Query::Origin(a)),
        RegistryCommand::Sql(a) => registry_query::run(Query::Sql(a)),
    }
}

fn generate(args: GenerateArgs) -> Result<()> {
    let effects = args
        .effect
        .iter()
        .map(|e| Effect::parse(e).map_err(|e| crate::UserError::new(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(dup) = effects
        .iter()
        .enumerate()
        .find(|(i, e)| effects[..*i].iter().any(|o| o.pair == e.pair))
    {
        crate::user_bail!(
            "--effect names {} twice; give one effect per pair",
            dup.1.pair
        );
    }
    let opts = Options {
        firms: args.firms,
        seed: args.seed,
        effects,
        params: Params::default(),
    };
    let bar = progress_bar(args.quiet, args.firms);
    let mut report = |phase: Phase, done: u64, _total: u64| {
        bar.set_message(match phase {
            Phase::Firms => "firms",
            Phase::Relations => "branches, links, moves",
        });
        bar.set_position(
            done + if phase == Phase::Relations {
                args.firms
            } else {
                0
            },
        );
    };
    let manifest =
        tandem_registry::generate(&opts, &args.out, &mut report).map_err(|e| match e {
            tandem_registry::RegistryError::Firms { .. }
            | tandem_registry::RegistryError::Io { .. } => {
                anyhow::Error::new(crate::UserError::new(e.to_string()))
            }
            other => other.into(),
        })?;
    bar.finish_and_clear();
    let c = &manifest.counts;
    println!(
        "Synthetic registry in {}: {} firms ({} closed), {} establishments, {} shareholder links, {} address changes; seed {}.",
        args.out.display(), c.firms, c.firms_closed, c.establishments, c.links, c.address_changes, manifest.seed
    );
    for t in &manifest.effects {
        if let Some(e) = &t.effect {
            println!(
                "Planted {} x{} from {}: {} links and {} relocations {} -> {} (manifest.json has the truth).",
                e.pair, e.multiplier, e.from_year, t.planted_links, t.planted_relocations, e.helper_city, e.helped_city
            );
        }
    }
    Ok(())
}

/// Two passes over the firms: the bar counts both (2 x N steps). Hidden when quiet or when
/// standard error is not a terminal (indicatif draws nothing there).
fn progress_bar(quiet: bool, firms: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(2 * firms);
    bar.set_style(
        ProgressStyle::with_template("{msg:>22} [{bar:40}] {percent:>3}% {elapsed} (eta {eta})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

fn import(args: ImportArgs) -> Result<()> {
    use tandem_registry::import::{Inputs, Mapping};
    use tandem_registry::RegistryError;
    let mapping = Mapping::load(&args.mapping).map_err(|e| crate::UserError::new(e.to_string()))?;
    let inputs = Inputs {
        firms: args.firms.clone(),
        establishments: args.establishments.clone(),
        links: args.links.clone(),
        address_changes: args.address_changes.clone(),
    };
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a valid template"),
        );
        bar
    };
    let mut progress = |table: &str, rows: u64| {
        bar.set_message(format!("{table}: {rows} rows"));
        bar.tick();
    };
    let result = tandem_registry::import::import(&mapping, &inputs, &args.out, &mut progress);
    bar.finish_and_clear();
    let summary = match result {
        Ok(summary) => summary,
        Err(RegistryError::Problems(failure)) => return import_failed(&args, &failure),
        Err(
            e @ (RegistryError::Io { .. }
            | RegistryError::OutNotEmpty(_)
            | RegistryError::Mapping { .. }),
        ) => return Err(crate::UserError::new(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    if let Some(path) = &args.report {
        std::fs::write(path, "file,sheet,row,column,column_name,rule,message\n")
            .with_context(|| format!("writing the problem report {}", path.display()))?;
    }
    let [f, e, l, a] = summary.rows;
    println!(
        "Imported registry in {}: {f} firms, {e} establishments, {l} shareholder links, {a} address changes.",
        args.out.display()
    );
    Ok(())
}

/// Lists the problems as `tandem data import` does (the first 20 on standard error, all
/// listed ones with --report) and fails.
fn import_failed(args: &ImportArgs, failure: &tandem_registry::import::Failure) -> Result<()> {
    let listed = &failure.report.problems;
    let n = failure.total;
    for p in listed.iter().take(20) {
        eprintln!("{p}");
    }
    if n > 20 {
        eprintln!("... and {} more problems", n - 20);
    }
    if let Some(path) = &args.report {
        std::fs::write(path, failure.report.to_csv())
            .with_context(|| format!("writing the problem report {}", path.display()))?;
        eprintln!("{} problems written to {}", listed.len(), path.display());
    } else if n > 20 {
        eprintln!("pass --report FILE to get the problems in a CSV file");
    }
    crate::user_bail!(
        "{n} problem{} found; nothing was imported. Fix the file(s) or the mapping and run the import again.",
        if n == 1 { "" } else { "s" }
    );
}
