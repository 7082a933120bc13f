//! `tandem data import|list|export|remove`: the user's own statistics.

use super::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use std::collections::BTreeSet;
use std::path::PathBuf;
use tandem_core::Unit;
use tandem_data::encoding::Encoding;
use tandem_data::export::{
    export_observations, export_observations_to_path, ExportFormat, Selection,
};
use tandem_data::import::{import_files, ImportOptions, Layout};
use tandem_store::NewDataset;

#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Import CSV or XLSX files into the workspace database, validating every cell.
    ///
    /// Layouts: long (locality_id,year,indicator,value,unit,source_url, as data/indicators.csv),
    /// wide yearbook tables (a row per locality, a column per indicator; year and unit from the
    /// header, e.g. `地区生产总值(亿元)` with --year, or `GDP 2022 (100m_yuan)`), and input-output
    /// tables in the layout of data/io. A file with any problem imports nothing; every problem
    /// is listed with file, row, column and rule, and the command exits 1.
    #[command(after_help = "Examples:
  tandem data import my-indicators.csv
  tandem data import 2022-yearbook.xlsx --layout wide --year 2022 --source \"Anhui Statistical Yearbook 2023, table 2-5\"
  tandem data import old-bulletin.csv --encoding gbk --dataset bulletins --report problems.csv
  tandem data import china_2020_42.csv --layout io")]
    Import(ImportArgs),

    /// List the bundled data and the imported datasets with their coverage.
    #[command(after_help = "Examples:
  tandem data list
  tandem data list --format json")]
    List(ListingArgs),

    /// Export observations (bundled, or a dataset laid over them) with their sources.
    #[command(after_help = "Examples:
  tandem data export --format csv > all.csv
  tandem data export --format xlsx --out pairs.xlsx --locality ah-fuyang,js-suzhou --years 2020-2022
  tandem data export --format json --indicator gdp,gdp_per_capita --data my-yearbook")]
    Export(ExportArgs),

    /// Remove an imported dataset from the workspace.
    #[command(after_help = "Example:\n  tandem data remove my-yearbook")]
    Remove {
        /// Dataset name (see `tandem data list`).
        name: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// CSV or XLSX files; imported together (duplicates are checked across them).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Name of the dataset to create. Default: the first file's name without extension.
    #[arg(long, value_name = "NAME")]
    dataset: Option<String>,
    /// Replace an existing dataset of the same name (in one transaction).
    #[arg(long)]
    replace: bool,
    /// File layout; detected from the header when not given.
    #[arg(long, value_parser = ["long", "wide", "io"])]
    layout: Option<String>,
    /// Text encoding of CSV files; detected (UTF-8, else GB18030/GBK) when not given.
    #[arg(long, value_parser = ["utf-8", "gbk", "gb18030"])]
    encoding: Option<String>,
    /// Year of a wide table (or IO table) whose header does not say.
    #[arg(long)]
    year: Option<i32>,
    /// Unit of a wide table whose header does not say (e.g. 亿元, 100m_yuan, 万人, percent).
    #[arg(long)]
    unit: Option<String>,
    /// Worksheet of an XLSX file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Source citation for files without a source column (URL or yearbook and table).
    #[arg(long)]
    source: Option<String>,
    /// Write every problem to this CSV file (file,sheet,row,column,column_name,rule,message).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// csv, xlsx or json.
    #[arg(long, value_parser = ["csv", "xlsx", "json"], default_value = "csv")]
    format: String,
    /// Output file (required for xlsx; default standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Locality ids or names, comma-separated.
    #[arg(long, value_delimiter = ',')]
    locality: Vec<String>,
    /// A year (2021) or a range (2019-2022).
    #[arg(long)]
    years: Option<String>,
    /// Indicator ids, comma-separated (see data/SOURCES.md).
    #[arg(long, value_delimiter = ',')]
    indicator: Vec<String>,
    /// Lay this imported dataset over the bundled data.
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    /// Export only the dataset's own observations, without the bundled data under them.
    #[arg(long, requires = "data")]
    only: bool,
}

pub fn run(ctx: &Context, cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Import(args) => import(ctx, args),
        DataCommand::List(args) => list(ctx, args),
        DataCommand::Export(args) => export(ctx, args),
        DataCommand::Remove { name } => {
            ctx.workspace()?.remove(&name)?;
            eprintln!("removed dataset `{name}`");
            Ok(())
        }
    }
}

fn dataset_name(args: &ImportArgs) -> String {
    if let Some(n) = &args.dataset {
        return n.clone();
    }
    let stem = args.files[0]
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    // Keep it a valid dataset name: non-ASCII file names (年鉴.xlsx) fall back to "import".
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('-').to_string();
    if cleaned.is_empty() || cleaned == "bundled" {
        "import".into()
    } else {
        cleaned
    }
}

fn import(ctx: &Context, args: ImportArgs) -> Result<()> {
    let mut opts = ImportOptions {
        dataset: dataset_name(&args),
        ..ImportOptions::default()
    };
    opts.layout = args.layout.as_deref().and_then(Layout::parse);
    opts.encoding = args.encoding.as_deref().and_then(Encoding::parse);
    opts.year = args.year;
    opts.sheet = args.sheet.clone();
    opts.source = args.source.clone();
    if let Some(u) = &args.unit {
        opts.unit = Some(Unit::parse(u).ok_or_else(|| {
            let known: Vec<String> = Unit::ALL
                .iter()
                .map(|u| format!("{} ({})", u.code(), u.label_zh()))
                .collect();
            UserError::new(format!(
                "unknown unit `{u}` in --unit; known units: {}",
                known.join(", ")
            ))
        })?);
    }
    // Open the workspace first so that a bad --db path is reported before any parsing.
    let mut ws = ctx.workspace()?;
    let batch = match import_files(&args.files, &opts, ctx.localities()) {
        Ok(batch) => batch,
        Err(report) => {
            let n = report.problems.len();
            for p in report.problems.iter().take(20) {
                eprintln!("{p}");
            }
            if n > 20 {
                eprintln!("... and {} more problems", n - 20);
            }
            if let Some(path) = &args.report {
                std::fs::write(path, report.to_csv())
                    .with_context(|| format!("writing the problem report {}", path.display()))?;
                eprintln!("all {n} problems written to {}", path.display());
            } else if n > 20 {
                eprintln!("pass --report FILE to get every problem in a CSV file");
            }
            user_bail!(
                "{n} problem{} found; nothing was imported. Fix the file{} and run the import again.",
                if n == 1 { "" } else { "s" },
                if args.files.len() == 1 { "" } else { "s" }
            );
        }
    };
    let dataset = NewDataset {
        name: opts.dataset.clone(),
        files: args.files.iter().map(|f| f.display().to_string()).collect(),
        notes: batch.notes.clone(),
        observations: batch.observations,
        io_tables: batch.io_tables,
    };
    ws.import(&dataset, args.replace)?;
    for note in &batch.notes {
        eprintln!("note: {note}");
    }
    if let Some(path) = &args.report {
        std::fs::write(path, "file,sheet,row,column,column_name,rule,message\n")
            .with_context(|| format!("writing the problem report {}", path.display()))?;
    }
    println!(
        "imported dataset `{}` into {}: {} observations, {} input-output tables, from {} file{}",
        dataset.name,
        ws.path().display(),
        dataset.observations.len(),
        dataset.io_tables.len(),
        dataset.files.len(),
        if dataset.files.len() == 1 { "" } else { "s" }
    );
    println!(
        "use it with --data {} (e.g. `tandem pairs --data {}`)",
        dataset.name, dataset.name
    );
    Ok(())
}

fn year_span(years: &BTreeSet<i32>) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => String::new(),
    }
}

fn list(ctx: &Context, args: ListingArgs) -> Result<()> {
    let bundle = ctx.bundle();
    let mut l = Listing::new(
        "Datasets: filled = localities x years x indicators with a value, of the rectangle they span",
    );
    l.column("dataset", "Dataset")
        .column("observations", "Observations")
        .column("localities", "Localities")
        .column("years", "Years")
        .column("indicators", "Indicators")
        .column("filled_share", "Filled")
        .column("io_tables", "IO tables")
        .column("imported_at", "Imported")
        .machine_column("files");
    let coverage = |obs: &[tandem_core::Observation]| {
        let locs: BTreeSet<&str> = obs.iter().map(|o| o.locality.as_str()).collect();
        let years: BTreeSet<i32> = obs.iter().map(|o| o.year).collect();
        let inds: BTreeSet<&str> = obs.iter().map(|o| o.indicator.as_str()).collect();
        let span = years
            .last()
            .zip(years.first())
            .map_or(0, |(b, a)| (b - a + 1) as usize);
        let rect = locs.len() * span * inds.len();
        let filled = if rect == 0 {
            None
        } else {
            Some(obs.len() as f64 / rect as f64)
        };
        (locs.len(), years, inds.len(), filled)
    };
    let (locs, years, inds, filled) = coverage(&bundle.observations);
    l.rows.push(vec![
        Cell::text("bundled"),
        Cell::Integer(bundle.observations.len() as i64),
        Cell::Integer(locs as i64),
        Cell::text(year_span(&years)),
        Cell::Integer(inds as i64),
        filled.map_or(Cell::Missing, |f| Cell::text(format!("{:.0}%", f * 100.0))),
        Cell::Integer(bundle.io_tables.len() as i64),
        Cell::text("(compiled in)"),
        Cell::text("data/"),
    ]);
    let ws = ctx.workspace()?;
    for d in ws.datasets()? {
        let obs = ws.observations(&d.name)?;
        let (locs, years, inds, filled) = coverage(&obs);
        l.rows.push(vec![
            Cell::text(&d.name),
            Cell::Integer(d.observations as i64),
            Cell::Integer(locs as i64),
            Cell::text(year_span(&years)),
            Cell::Integer(inds as i64),
            filled.map_or(Cell::Missing, |f| Cell::text(format!("{:.0}%", f * 100.0))),
            Cell::Integer(d.io_tables as i64),
            Cell::text(&d.imported_at),
            Cell::text(d.files.join(";")),
        ]);
    }
    l.notes.push(format!("workspace: {}", ws.path().display()));
    l.write(args.format, args.out.as_deref())
}

fn parse_years(text: &str) -> Result<std::ops::RangeInclusive<i32>> {
    let bad = || {
        UserError::new(format!(
            "--years `{text}`: give a year (2021) or a range (2019-2022)"
        ))
    };
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text.trim(), text.trim()),
    };
    let a: i32 = a.parse().map_err(|_| bad())?;
    let b: i32 = b.parse().map_err(|_| bad())?;
    if a > b {
        return Err(bad().into());
    }
    Ok(a..=b)
}

fn export(ctx: &Context, args: ExportArgs) -> Result<()> {
    let format = ExportFormat::parse(&args.format).expect("clap restricts the values");
    let mut selection = Selection::default();
    if !args.locality.is_empty() {
        let resolver = tandem_data::resolve::LocalityResolver::new(ctx.localities());
        let mut ids = BTreeSet::new();
        for name in &args.locality {
            let loc = resolver
                .resolve(name)
                .map_err(|e| UserError::new(format!("--locality: {e}")))?;
            ids.insert(loc.id.clone());
        }
        selection.localities = Some(ids);
    }
    if let Some(y) = &args.years {
        selection.years = Some(parse_years(y)?);
    }
    if !args.indicator.is_empty() {
        for i in &args.indicator {
            if tandem_core::indicator(i).is_none() {
                let known: Vec<&str> = tandem_core::INDICATORS.iter().map(|i| i.id).collect();
                user_bail!(
                    "--indicator: unknown indicator `{i}`; known: {}",
                    known.join(", ")
                );
            }
        }
        selection.indicators = Some(args.indicator.iter().cloned().collect());
    }
    let observations = if args.only {
        ctx.workspace()?
            .observations(args.data.as_deref().expect("clap requires --data"))?
    } else {
        ctx.observations(args.data.as_deref())?
    };
    let selected = selection.filter(&observations);
    if selected.is_empty() {
        user_bail!("the selection matches no observation; widen --locality, --years or --indicator (see `tandem data list`)");
    }
    match (&args.out, format) {
        (Some(path), _) => {
            export_observations_to_path(&selected, ctx.localities(), Some(format), path)?;
            eprintln!(
                "wrote {} observations to {}",
                selected.len(),
                path.display()
            );
        }
        (None, ExportFormat::Xlsx) => {
            user_bail!("--format xlsx writes a workbook: name it with --out FILE.xlsx")
        }
        (None, _) => {
            let stdout = std::io::stdout().lock();
            export_observations(&selected, ctx.localities(), format, stdout)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_parse() {
        assert_eq!(parse_years("2021").unwrap(), 2021..=2021);
        assert_eq!(parse_years("2019-2022").unwrap(), 2019..=2022);
        assert!(parse_years("2022-2019").is_err());
        assert!(parse_years("twenty").is_err());
    }
}
