//! `tandem metrics <family>`: the indicator library on a file, the bundled data or an
//! imported dataset.

use super::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tandem_core::metrics::complexity::{complexity_panel, ComplexityOptions};
use tandem_core::metrics::disparity::{self, TheilKind};
use tandem_core::metrics::input_output::{
    leontief_inverse, linkages, table_technical_coefficients,
};
use tandem_core::metrics::spatial::{gravity_linkage, haversine_km};
use tandem_core::metrics::specialisation::location_quotient_panel;
use tandem_core::{Classification, IoTable, Observation, Panel};
use tandem_data::import::{read_panel, PanelOptions};

#[derive(clap::Subcommand, Debug)]
pub enum MetricsCommand {
    /// Location quotients LQ = (E_ri / E_r) / (E_i / E) of every region x industry x year.
    ///
    /// Input: a long panel file `region,industry,year,value` (CSV or XLSX, UTF-8 or GBK) of any
    /// measure (employment, output, value added, firms). Without --input: the three-sector
    /// value added (primary, secondary, tertiary) of the programme's localities from the
    /// bundled data (or --data), with absent figures left absent.
    #[command(after_help = "Examples:
  tandem metrics lq --input employment.csv --format csv
  tandem metrics lq                      # three-sector LQs of the 16 localities, bundled data")]
    Lq(PanelArgs),

    /// The complexity family per region x industry x year: RCA, Mcp, diversity, ubiquity,
    /// ECI, PCI, relatedness density, COI and COG, with py-ecomplexity's conventions.
    ///
    /// Every cell of the panel's rectangle gets a row; absent cells count as zero activity
    /// (as in py-ecomplexity).
    #[command(after_help = "Examples:
  tandem metrics complexity --input employment.csv --format csv
  tandem metrics complexity --input firms.xlsx --rca-threshold 1 --format xlsx --out complexity.xlsx")]
    Complexity(ComplexityArgs),

    /// Input-output linkages per sector from the Leontief inverse: output multiplier and
    /// Rasmussen backward (影响力系数) and forward (感应度系数) linkage indices.
    ///
    /// Input: a table in the layout of data/io. Without --input: the bundled national table of
    /// --year (2017, 2018, 2020) and --sectors (42; 153 for 2020 only).
    #[command(after_help = "Examples:
  tandem metrics io --input china_2020_42.csv --format csv
  tandem metrics io --year 2020 --sectors 153 --leontief L.csv
  tandem metrics io --year 2017
  tandem metrics io --data my-tables --year 2022")]
    Io(IoArgs),

    /// Disparity among the programme's localities in one year: CV, population-weighted
    /// (Williamson) CV, Gini, Theil T and L with the exact helper/helped decomposition, and
    /// the max/min ratio of per-capita GDP.
    #[command(after_help = "Examples:
  tandem metrics disparity --year 2021
  tandem metrics disparity --year 2021 --format json")]
    Disparity(DisparityArgs),

    /// Gravity linkage R = sqrt(P_i G_i) sqrt(P_j G_j) / D^b between every helper and every
    /// helped locality, and where each helped city ranks its own helper.
    #[command(after_help = "Examples:
  tandem metrics gravity --year 2021
  tandem metrics gravity --year 2021 --decay 1.5 --format csv")]
    Gravity(GravityArgs),
}

#[derive(clap::Args, Debug)]
pub struct PanelArgs {
    /// Long panel file with columns region,industry,year,value.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Lay this imported dataset over the bundled data (without --input).
    #[arg(long, value_name = "DATASET", conflicts_with = "input")]
    data: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(clap::Args, Debug)]
pub struct ComplexityArgs {
    #[command(flatten)]
    panel: PanelArgs,
    /// Mcp = 1 where RCA >= this threshold.
    #[arg(long, default_value_t = 1.0)]
    rca_threshold: f64,
}

#[derive(clap::Args, Debug)]
pub struct IoArgs {
    /// Input-output table in the layout of data/io (CSV or XLSX).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Year of the bundled table, or of --input when its file name does not say.
    #[arg(long)]
    year: Option<i32>,
    /// Sectors of the bundled table: 42 or 153.
    #[arg(long, default_value_t = 42)]
    sectors: usize,
    /// Use an input-output table imported into this dataset (`tandem data import --layout io`).
    #[arg(long, value_name = "DATASET", conflicts_with = "input")]
    data: Option<String>,
    /// Also write the Leontief inverse L = (I - A)^-1 to this CSV file.
    #[arg(long, value_name = "FILE")]
    leontief: Option<PathBuf>,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(clap::Args, Debug)]
pub struct DisparityArgs {
    /// The year to measure.
    #[arg(long)]
    year: i32,
    /// Lay this imported dataset over the bundled data.
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(clap::Args, Debug)]
pub struct GravityArgs {
    /// The year of GDP and population.
    #[arg(long)]
    year: i32,
    /// Distance-decay exponent b.
    #[arg(long, default_value_t = 2.0)]
    decay: f64,
    /// Lay this imported dataset over the bundled data.
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

pub fn run(ctx: &Context, cmd: MetricsCommand) -> Result<()> {
    match cmd {
        MetricsCommand::Lq(args) => lq(ctx, args),
        MetricsCommand::Complexity(args) => complexity(ctx, args),
        MetricsCommand::Io(args) => io(ctx, args),
        MetricsCommand::Disparity(args) => disparity_cmd(ctx, args),
        MetricsCommand::Gravity(args) => gravity(ctx, args),
    }
}

pub(crate) fn read_panel_file(path: &Path) -> Result<Panel> {
    read_panel(path, &PanelOptions::default()).map_err(|report| {
        let lines: Vec<String> = report
            .problems
            .iter()
            .take(20)
            .map(|p| p.to_string())
            .collect();
        let more = report.problems.len().saturating_sub(20);
        UserError::new(format!(
            "{} problem(s) in {}:\n{}{}",
            report.problems.len(),
            path.display(),
            lines.join("\n"),
            if more > 0 {
                format!("\n... and {more} more")
            } else {
                String::new()
            }
        ))
        .into()
    })
}

/// The three-sector value-added panel of the programme's localities: region = locality id,
/// industry = primary/secondary/tertiary, value in 亿元. Absent figures stay absent.
fn sector_panel(ctx: &Context, dataset: Option<&str>) -> Result<Panel> {
    let obs = ctx.observations_with_panel(dataset)?.observations;
    let ids: BTreeSet<&str> = ctx
        .bundle()
        .programme
        .pairs
        .iter()
        .flat_map(|p| [p.helper.as_str(), p.helped.as_str()])
        .collect();
    let records: Vec<(String, String, i32, f64)> = obs
        .iter()
        .filter(|o| ids.contains(o.locality.as_str()))
        .filter_map(|o| {
            let sector = match o.indicator.as_str() {
                "va_primary" => "primary",
                "va_secondary" => "secondary",
                "va_tertiary" => "tertiary",
                _ => return None,
            };
            Some((o.locality.clone(), sector.to_string(), o.year, o.value))
        })
        .collect();
    if records.is_empty() {
        user_bail!("no sector value added in the data; pass --input FILE with a region,industry,year,value panel");
    }
    Ok(Panel::from_records("value added (100m yuan)", records)?)
}

fn panel_for(ctx: &Context, args: &PanelArgs) -> Result<Panel> {
    match &args.input {
        Some(path) => read_panel_file(path),
        None => sector_panel(ctx, args.data.as_deref()),
    }
}

fn lq(ctx: &Context, args: PanelArgs) -> Result<()> {
    let panel = panel_for(ctx, &args)?;
    let cells = location_quotient_panel(&panel).map_err(|e| UserError::new(e.to_string()))?;
    let mut l = Listing::new(format!(
        "Location quotients of {} (n/a: absent cell, or a region/industry with no activity that year)",
        panel.measure()
    ));
    l.column("region", "Region")
        .column("industry", "Industry")
        .column("year", "Year")
        .column("lq", "LQ");
    for c in cells {
        l.rows.push(vec![
            Cell::text(c.region),
            Cell::text(c.industry),
            Cell::Integer(c.year.into()),
            Cell::opt_number(c.value, 4),
        ]);
    }
    l.write(args.listing.format, args.listing.out.as_deref())
}

fn complexity(ctx: &Context, args: ComplexityArgs) -> Result<()> {
    let panel = panel_for(ctx, &args.panel)?;
    let opts = ComplexityOptions {
        rca_threshold: args.rca_threshold,
        ..ComplexityOptions::default()
    };
    let rows = complexity_panel(&panel, &opts).map_err(|e| UserError::new(e.to_string()))?;
    let mut l = Listing::new(
        "Complexity family (py-ecomplexity conventions; absent cells count as zero activity; n/a where undefined)",
    );
    for key in [
        "region",
        "industry",
        "year",
        "rca",
        "mcp",
        "diversity",
        "ubiquity",
        "eci",
        "pci",
        "density",
        "coi",
        "cog",
    ] {
        l.column(key, key);
    }
    for r in rows.iter() {
        l.rows.push(vec![
            Cell::text(r.region),
            Cell::text(r.industry),
            Cell::Integer(r.year.into()),
            Cell::opt_number(r.rca, 4),
            Cell::opt_number(r.mcp, 0),
            Cell::opt_number(r.diversity, 0),
            Cell::opt_number(r.ubiquity, 0),
            Cell::opt_number(r.eci, 4),
            Cell::opt_number(r.pci, 4),
            Cell::opt_number(r.density, 4),
            Cell::opt_number(r.coi, 4),
            Cell::opt_number(r.cog, 4),
        ]);
    }
    l.write(args.panel.listing.format, args.panel.listing.out.as_deref())
}

fn io_table(ctx: &Context, args: &IoArgs) -> Result<IoTable> {
    if let Some(path) = &args.input {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let (text, _) = tandem_data::encoding::decode(&text, None)
            .map_err(|e| UserError::new(format!("{}: {e}", path.display())))?;
        let year = args.year.or_else(|| year_in_name(path)).ok_or_else(|| {
            UserError::new(format!(
                "{}: the file name has no year; pass --year",
                path.display()
            ))
        })?;
        let table = tandem_data::io_csv::parse_io_table(
            &text,
            &path.display().to_string(),
            year,
            &path.display().to_string(),
        )
        .map_err(|e| UserError::new(e.to_string()))?;
        return Ok(table);
    }
    if let Some(name) = &args.data {
        let tables = ctx.workspace()?.io_tables(name)?;
        let found = tables
            .iter()
            .find(|t| args.year.is_none_or(|y| t.year == y) && t.n() == args.sectors);
        return match found {
            Some(t) => Ok(t.clone()),
            None => {
                let have: Vec<String> = tables
                    .iter()
                    .map(|t| format!("{} ({} sectors)", t.year, t.n()))
                    .collect();
                user_bail!(
                    "dataset `{name}` has no {}-sector table{}; it has: {}",
                    args.sectors,
                    args.year.map(|y| format!(" for {y}")).unwrap_or_default(),
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                )
            }
        };
    }
    let year = args.year.unwrap_or(2020);
    let classification = match args.sectors {
        42 => Classification::Io42,
        153 => Classification::Io153,
        n => user_bail!("--sectors {n}: the bundled tables have 42 or 153 sectors"),
    };
    let bundle = ctx.bundle();
    match bundle.io_table(year, &classification) {
        Some(t) => Ok(t.clone()),
        None => {
            let have: Vec<String> = bundle
                .io_tables
                .iter()
                .map(|t| format!("{} ({} sectors)", t.year, t.n()))
                .collect();
            user_bail!(
                "no bundled {}-sector table for {year}; bundled: {}",
                args.sectors,
                have.join(", ")
            )
        }
    }
}

fn year_in_name(path: &Path) -> Option<i32> {
    let name = path.file_name()?.to_string_lossy();
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 4)
        .filter_map(|t| t.parse().ok())
        .find(|y| (1949..=2100).contains(y))
}

fn io(ctx: &Context, args: IoArgs) -> Result<()> {
    let table = io_table(ctx, &args)?;
    let rows = linkages(&table).map_err(|e| UserError::new(e.to_string()))?;
    if let Some(path) = &args.leontief {
        let a = table_technical_coefficients(&table).map_err(|e| UserError::new(e.to_string()))?;
        let n = table.n();
        let l = leontief_inverse(&a, n).map_err(|e| UserError::new(e.to_string()))?;
        let mut w =
            csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
        let mut header = vec!["code".to_string()];
        header.extend(table.sectors.iter().map(|s| s.code.clone()));
        w.write_record(&header)?;
        for i in 0..n {
            let mut rec = vec![table.sectors[i].code.clone()];
            rec.extend(
                l[i * n..(i + 1) * n]
                    .iter()
                    .map(|v| crate::output::format_plain(*v)),
            );
            w.write_record(&rec)?;
        }
        w.flush()?;
        eprintln!("wrote the {n} x {n} Leontief inverse to {}", path.display());
    }
    let mut l = Listing::new(format!(
        "Input-output linkages, {} table ({} sectors, {}): Rasmussen indices from the Leontief inverse; > 1 = above-average pull",
        table.year,
        table.n(),
        match table.kind {
            tandem_core::IoTableKind::NonCompetitive => "domestic block of a non-competitive table",
            tandem_core::IoTableKind::Competitive => "competitive table",
        }
    ));
    l.column("code", "Code");
    let table_view = args.listing.format == crate::output::Format::Table;
    if table_view {
        l.column("sector", "Sector");
    }
    l.column("output_multiplier", "Output multiplier")
        .column("backward_linkage", "Backward (影响力)")
        .column("forward_linkage", "Forward (感应度)");
    for (r, s) in rows.iter().zip(&table.sectors) {
        let mut row = vec![Cell::text(&r.code)];
        if table_view {
            row.push(Cell::text(&s.name_zh));
        }
        row.extend([
            Cell::Number(r.output_multiplier, 4),
            Cell::Number(r.backward_linkage, 4),
            Cell::Number(r.forward_linkage, 4),
        ]);
        l.rows.push(row);
    }
    l.notes.push(format!("source: {}", table.source));
    l.write(args.listing.format, args.listing.out.as_deref())
}

/// Per-capita GDP, GDP and population of a locality in `year`, each `None` if absent.
fn level(obs: &[Observation], id: &str, year: i32) -> (Option<f64>, Option<f64>) {
    let get = |ind: &str| {
        obs.iter()
            .find(|o| o.locality == id && o.indicator == ind && o.year == year)
            .map(|o| o.value)
    };
    (get("gdp"), get("population_resident"))
}

fn disparity_cmd(ctx: &Context, args: DisparityArgs) -> Result<()> {
    let obs = ctx
        .observations_with_panel(args.data.as_deref())?
        .observations;
    let programme = &ctx.bundle().programme;
    let mut ids = Vec::new();
    let mut gdp = Vec::new();
    let mut pop = Vec::new();
    let mut group = Vec::new();
    let mut lacking = Vec::new();
    for p in &programme.pairs {
        for (id, g) in [(&p.helper, 0usize), (&p.helped, 1usize)] {
            match level(&obs, id, args.year) {
                (Some(gv), Some(pv)) if pv > 0.0 => {
                    ids.push(id.clone());
                    gdp.push(gv);
                    pop.push(pv);
                    group.push(g);
                }
                _ => lacking.push(id.clone()),
            }
        }
    }
    if ids.len() < 2 {
        user_bail!(
            "{year}: only {} of 16 localities have both GDP and resident population; pick another year (2021 has the most) or import data",
            ids.len(),
            year = args.year
        );
    }
    let per_capita: Vec<f64> = gdp.iter().zip(&pop).map(|(g, p)| g / p).collect();
    let err = |e: tandem_core::metrics::MetricError| UserError::new(e.to_string());
    let mut l = Listing::new(format!(
        "Disparity of GDP per resident among {} of the programme's 16 localities, {} (GDP 亿元, resident population 万人; same-year figures only)",
        ids.len(),
        args.year
    ));
    l.column("measure", "Measure")
        .column("value", "Value")
        .column("formula", "Formula");
    let mut push = |name: &str, v: f64, formula: &str| {
        l.rows.push(vec![
            Cell::text(name),
            Cell::Number(v, 4),
            Cell::text(formula),
        ]);
    };
    push(
        "cv",
        disparity::coefficient_of_variation(&per_capita).map_err(err)?,
        "sd(y) / mean(y), unweighted",
    );
    push(
        "williamson_cv",
        disparity::williamson_cv(&gdp, &pop).map_err(err)?,
        "sqrt(Σ (P_r/P)(y_r − Y)²) / Y, Y = G/P",
    );
    push(
        "gini",
        disparity::gini(&per_capita).map_err(err)?,
        "Σ_i Σ_j |y_i − y_j| / (2 n² ȳ)",
    );
    push(
        "max_min_ratio",
        disparity::max_min_ratio(&per_capita).map_err(err)?,
        "max y / min y",
    );
    let t = disparity::theil_decomposition(&gdp, &pop, &group, TheilKind::T).map_err(err)?;
    push("theil_t", t.total, "Σ (G_r/G) ln[(G_r/G)/(P_r/P)]");
    push(
        "theil_t_between_helper_helped",
        t.between,
        "between helpers and helped",
    );
    push("theil_t_within", t.within, "within the two groups");
    let tl = disparity::theil_decomposition(&gdp, &pop, &group, TheilKind::L).map_err(err)?;
    push("theil_l", tl.total, "Σ (P_r/P) ln[(P_r/P)/(G_r/G)]");
    push(
        "theil_l_between_helper_helped",
        tl.between,
        "between helpers and helped",
    );
    push("theil_l_within", tl.within, "within the two groups");
    if !lacking.is_empty() {
        l.notes.push(format!(
            "left out for lack of same-year GDP and population ({}): {}",
            args.year,
            lacking.join(", ")
        ));
    }
    l.notes
        .push("sources: data/SOURCES.md (bundled), the city panel under it (data/city_panel) or the imported dataset".into());
    l.write(args.listing.format, args.listing.out.as_deref())
}

fn gravity(ctx: &Context, args: GravityArgs) -> Result<()> {
    let obs = ctx
        .observations_with_panel(args.data.as_deref())?
        .observations;
    let bundle = ctx.bundle();
    let programme = &bundle.programme;
    let helpers: Vec<&str> = programme.pairs.iter().map(|p| p.helper.as_str()).collect();
    let mut l = Listing::new(format!(
        "Gravity linkage R = sqrt(P_i G_i) sqrt(P_j G_j) / D^{} of each helped city with each helper, {} (P 万人, G 亿元, D km great-circle between seats)",
        args.decay, args.year
    ));
    l.column("helped_id", "Helped")
        .column("helper_id", "Helper")
        .column("paired", "Paired")
        .column("distance_km", "Distance km")
        .column("linkage", "Linkage R")
        .column("rank", "Rank of helper");
    let mut missing = BTreeSet::new();
    for p in &programme.pairs {
        let Some(helped) = bundle.locality(&p.helped) else {
            continue;
        };
        let (g_j, p_j) = level(&obs, &p.helped, args.year);
        let mut rows = Vec::new();
        for h in &helpers {
            let Some(helper) = bundle.locality(h) else {
                continue;
            };
            let (g_i, p_i) = level(&obs, h, args.year);
            let d = match (helper.lat, helper.lon, helped.lat, helped.lon) {
                (Some(a), Some(b), Some(c), Some(e)) => {
                    Some(haversine_km(a, b, c, e).map_err(|e| UserError::new(e.to_string()))?)
                }
                _ => None,
            };
            let r = match (g_i, p_i, g_j, p_j, d) {
                (Some(gi), Some(pi), Some(gj), Some(pj), Some(d)) => Some(
                    gravity_linkage(pi, gi, pj, gj, d, args.decay)
                        .map_err(|e| UserError::new(e.to_string()))?,
                ),
                _ => {
                    for (id, g, pp) in [(h, g_i, p_i), (&p.helped.as_str(), g_j, p_j)] {
                        if g.is_none() || pp.is_none() {
                            missing.insert(id.to_string());
                        }
                    }
                    None
                }
            };
            rows.push((h.to_string(), d, r));
        }
        let mut ranked: Vec<f64> = rows.iter().filter_map(|r| r.2).collect();
        ranked.sort_by(|a, b| b.total_cmp(a));
        for (h, d, r) in rows {
            let rank = r
                .and_then(|v| ranked.iter().position(|x| *x == v))
                .map(|k| k as i64 + 1);
            l.rows.push(vec![
                Cell::text(&p.helped),
                Cell::text(&h),
                Cell::text(if h == p.helper { "yes" } else { "" }),
                Cell::opt_number(d, 1),
                Cell::opt_number(r, 2),
                rank.map_or(Cell::Missing, Cell::Integer),
            ]);
        }
    }
    if !missing.is_empty() {
        l.notes.push(format!(
            "no same-year GDP and population in {} for: {} (their linkages are n/a)",
            args.year,
            missing.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    l.write(args.listing.format, args.listing.out.as_deref())
}
