//! `tandem registry panel|flows|transfers|origin`: queries on a registry directory, embedded
//! (DataFusion) or on a Ballista cluster (`--engine ballista://HOST:PORT`), through
//! tandem-registry-query. Built only with the `registry-query` feature; without it the commands
//! say how to get it.
// Without the engine the arguments are still parsed (so `--help` shows them), but nothing
// reads them: running only says how to build the engine.
#![cfg_attr(not(feature = "registry-query"), allow(dead_code))]

use std::path::PathBuf;

use anyhow::Result;

/// Options every registry query takes.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// The registry directory (firms.parquet, establishments.parquet, links.parquet,
    /// address_changes.parquet).
    #[arg(long, value_name = "DIR")]
    pub input: PathBuf,
    /// `embedded` (DataFusion in this process) or `ballista://HOST:PORT` (a `tandem cluster
    /// scheduler`; its executors must see --input at the same path).
    #[arg(long, value_name = "ENGINE", default_value = "embedded")]
    pub engine: String,
    /// Output format.
    #[arg(long, value_parser = ["csv", "json", "parquet"], default_value = "csv")]
    pub format: String,
    /// Write to this file instead of standard output (required for parquet).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// First year.
    #[arg(long, value_name = "YEAR", default_value_t = 2000)]
    pub from: i32,
    /// Last year.
    #[arg(long, value_name = "YEAR", default_value_t = 2023)]
    pub to: i32,
    /// Which city a firm belongs to: `at-date` follows its address changes, `at-founding`
    /// keeps its city of registration at founding.
    #[arg(long, value_parser = ["at-date", "at-founding"], default_value = "at-date")]
    pub basis: String,
    /// Print the SQL statement instead of running it (it runs unchanged on DataFusion,
    /// Ballista and DuckDB).
    #[arg(long)]
    pub sql: bool,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub timeout: u64,
    /// Memory the embedded engine may use, e.g. `8GiB` or `512MiB` (binary units; `none`,
    /// the default, for no limit). Sorts and aggregates spill to the temporary directory past
    /// it; a query that still needs more stops with an error. DataFusion overstates what its
    /// sorts hold (the 4-digit panel of 5 M firms counts 17 GB for a 1.2 GB peak), so set it
    /// well above the machine's real need.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_limit)]
    pub memory_limit: Option<MemoryLimit>,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// A `--memory-limit` value: bytes, or no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryLimit {
    /// At most this many bytes.
    Bytes(u64),
    /// No limit (`none`).
    Unlimited,
}

/// Parses `8GiB`, `512MiB`, `2G`, `1048576`, … (K, M, G, T are powers of 1024, with or
/// without `iB` or `B`), or `none`.
fn parse_memory_limit(text: &str) -> Result<MemoryLimit, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(MemoryLimit::Unlimited);
    }
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit.trim_end_matches("IB").trim_end_matches('B');
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "`{text}`: write a size such as 8GiB, 512MiB or none"
            ))
        }
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .filter(|b| *b >= 1 << 20)
        .ok_or_else(|| format!("`{text}`: write a size of at least 1MiB, such as 8GiB"))?;
    Ok(MemoryLimit::Bytes(bytes))
}

/// `tandem registry panel`.
#[derive(clap::Args, Debug)]
pub struct PanelArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Industry detail: 2 (GB/T 4754 division) or 4 (class).
    #[arg(long, value_parser = ["2", "4"], default_value = "2")]
    pub digits: String,
    /// Write a sector panel `region,industry,year,value` of this measure instead (CSV, for
    /// `tandem advise --panel`, `tandem report --panel` and `tandem metrics`).
    #[arg(long, value_parser = ["firms", "births", "deaths", "capital_yuan"], value_name = "MEASURE")]
    pub sector_panel: Option<String>,
}

/// `tandem registry flows`.
#[derive(clap::Args, Debug)]
pub struct FlowsArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// `city`: every origin -> destination city per year; `pair`: per pair and direction per
    /// year, with the helper's share of the helped city's new capital; `period`: those shares
    /// before and after each pair's start year.
    #[arg(long, value_parser = ["city", "pair", "period"], default_value = "city")]
    pub by: String,
    /// Only these pairs (ids, repeatable; default all of the programme).
    #[arg(long, value_name = "PAIR")]
    pub pair: Vec<String>,
}

/// `tandem registry transfers`.
#[derive(clap::Args, Debug)]
pub struct TransfersArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// List every event with its firms instead of counting them.
    #[arg(long)]
    pub list: bool,
    /// Only these pairs (ids, repeatable; default all of the programme).
    #[arg(long, value_name = "PAIR")]
    pub pair: Vec<String>,
}

/// `tandem registry origin`.
#[derive(clap::Args, Debug)]
pub struct OriginArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// The year whose 31 December the figure is for (default: --to).
    #[arg(long, value_name = "YEAR")]
    pub as_of: Option<i32>,
    /// Only these pairs (ids, repeatable; default all of the programme).
    #[arg(long, value_name = "PAIR")]
    pub pair: Vec<String>,
}

/// `tandem registry sql`.
#[derive(clap::Args, Debug)]
pub struct SqlArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// A SQL statement over the tables firms, establishments, links and address_changes.
    #[arg(value_name = "STATEMENT")]
    pub statement: String,
}

/// A registry query to run.
#[derive(Debug)]
pub enum Query {
    /// City x industry x year.
    Panel(PanelArgs),
    /// Investment flows.
    Flows(FlowsArgs),
    /// Transfer events or counts.
    Transfers(TransfersArgs),
    /// Helper-origin firms per pair.
    Origin(OriginArgs),
    /// A statement of the user's.
    Sql(SqlArgs),
}

#[cfg(not(feature = "registry-query"))]
pub fn run(_query: Query) -> Result<()> {
    crate::user_bail!("{}", super::cluster::NOT_BUILT)
}

#[cfg(feature = "registry-query")]
pub use with_engine::run;

#[cfg(feature = "registry-query")]
mod with_engine {
    use super::*;
    use crate::UserError;
    use std::time::Duration;
    use tandem_registry_query::output::{self, Format};
    use tandem_registry_query::sql::{CityBasis, IndustryLevel};
    use tandem_registry_query::{
        flows, panel, transfers, PairCities, QueryError, Registry, Tuning,
    };

    /// Runs a registry query and writes its result.
    pub fn run(query: Query) -> Result<()> {
        let args = match &query {
            Query::Panel(a) => &a.query,
            Query::Flows(a) => &a.query,
            Query::Transfers(a) => &a.query,
            Query::Origin(a) => &a.query,
            Query::Sql(a) => &a.query,
        };
        let (statement, tuning) = statement(&query).map_err(user)?;
        if args.sql {
            println!("{statement};");
            return Ok(());
        }
        let spinner = super::super::cluster::spinner(args.quiet, "query");
        let batches = runtime()?.block_on(async {
            let engine = args.engine.parse().map_err(user)?;
            let memory = match args.memory_limit {
                Some(MemoryLimit::Bytes(bytes)) => Some(bytes),
                None | Some(MemoryLimit::Unlimited) => None,
            };
            let registry = Registry::open_limited(&args.input, &engine, memory)
                .await
                .map_err(user)?
                .with_timeout(Duration::from_secs(args.timeout.max(1)));
            spinner.set_message(format!("{} on {engine}", name(&query)));
            registry.run_tuned(&statement, tuning).await.map_err(user)
        });
        spinner.finish_and_clear();
        let batches = batches?;
        if let Query::Panel(PanelArgs {
            sector_panel: Some(measure),
            ..
        }) = &query
        {
            return write_sector_panel(&batches, measure, args.out.as_deref());
        }
        let format: Format = args.format.parse().map_err(user)?;
        output::write(&batches, format, args.out.as_deref()).map_err(user)?;
        if let Some(out) = &args.out {
            eprintln!(
                "{} rows written to {}",
                output::rows(&batches),
                out.display()
            );
        }
        Ok(())
    }

    fn name(query: &Query) -> &'static str {
        match query {
            Query::Panel(_) => "panel",
            Query::Flows(_) => "flows",
            Query::Transfers(_) => "transfers",
            Query::Origin(_) => "origin",
            Query::Sql(_) => "sql",
        }
    }

    /// The SQL of the query with its options, and the settings it runs best with.
    fn statement(query: &Query) -> Result<(String, Tuning), QueryError> {
        let tuning = match query {
            Query::Flows(a) if a.by == "city" => flows::FLOWS_TUNING,
            _ => Tuning::default(),
        };
        Ok((sql_of(query)?, tuning))
    }

    /// The SQL of the query with its options.
    fn sql_of(query: &Query) -> Result<String, QueryError> {
        let common = |a: &QueryArgs| -> Result<_, QueryError> {
            Ok((a.from..=a.to, a.basis.parse::<CityBasis>()?))
        };
        match query {
            Query::Panel(a) => {
                let (years, basis) = common(&a.query)?;
                let level = IndustryLevel::from_digits(a.digits.parse().unwrap_or(0))?;
                panel::panel_sql(&panel::PanelOptions {
                    level,
                    years,
                    basis,
                })
            }
            Query::Flows(a) => {
                let (years, basis) = common(&a.query)?;
                match a.by.as_str() {
                    "city" => flows::flows_sql(&years, basis),
                    "pair" => flows::pair_flows_sql(&pairs(&a.pair)?, &years, basis),
                    _ => flows::helper_share_sql(&pairs(&a.pair)?, &years, basis),
                }
            }
            Query::Transfers(a) => {
                let (years, basis) = common(&a.query)?;
                let pairs = pairs(&a.pair)?;
                if a.list {
                    transfers::transfer_events_sql(&pairs, &years, basis)
                } else {
                    transfers::transfer_counts_sql(&pairs, &years, basis)
                }
            }
            Query::Origin(a) => {
                let (_, basis) = common(&a.query)?;
                let as_of = a.as_of.unwrap_or(a.query.to);
                transfers::helper_origin_sql(&pairs(&a.pair)?, as_of, basis)
            }
            Query::Sql(a) => Ok(a.statement.clone()),
        }
    }

    fn pairs(ids: &[String]) -> Result<Vec<PairCities>, QueryError> {
        if ids.is_empty() {
            return PairCities::bundled();
        }
        ids.iter().map(|id| PairCities::bundled_pair(id)).collect()
    }

    /// `region,industry,year,value` rows of one panel measure; a null value (unknown capital)
    /// is left out, not written as 0.
    fn write_sector_panel(
        batches: &[tandem_registry_query::RecordBatch],
        measure: &str,
        out: Option<&std::path::Path>,
    ) -> Result<()> {
        let rows = panel::sector_panel_rows(batches, measure).map_err(user)?;
        let mut text = String::from("region,industry,year,value\n");
        for (region, industry, year, value) in &rows {
            text.push_str(&format!("{region},{industry},{year},{value}\n"));
        }
        match out {
            Some(path) => {
                std::fs::write(path, text)
                    .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))?;
                eprintln!("{} rows written to {}", rows.len(), path.display());
            }
            None => print!("{text}"),
        }
        Ok(())
    }

    fn runtime() -> Result<tokio::runtime::Runtime> {
        Ok(tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?)
    }

    /// Errors of the query crate are the user's to fix (bad input, unreachable cluster,
    /// timeout), and their messages say how.
    fn user(e: QueryError) -> anyhow::Error {
        UserError::new(e.to_string()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_read_binary_units_and_refuse_nonsense() {
        let gib = MemoryLimit::Bytes(8 << 30);
        for text in ["8GiB", "8G", "8gb", " 8 GiB ", "8589934592"] {
            assert_eq!(parse_memory_limit(text), Ok(gib), "{text}");
        }
        assert_eq!(
            parse_memory_limit("512MiB"),
            Ok(MemoryLimit::Bytes(512 << 20))
        );
        assert_eq!(parse_memory_limit("none"), Ok(MemoryLimit::Unlimited));
        for bad in ["", "GiB", "8 PB", "-1G", "1.5G", "1K", "99999999999T"] {
            assert!(parse_memory_limit(bad).is_err(), "{bad}");
        }
    }
}
