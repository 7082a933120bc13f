//! `tandem`: measure, advise and operate industrial cooperation between paired cities.
//!
//! This binary is a thin shell: it parses arguments, loads data through `tandem-data` and
//! `tandem-store`, calls the pure core, and renders. Exit codes: 0 success, 1 a user error
//! (the message says what to do), 2 an internal error.

// The indicator library allocates and frees matrices of several megabytes per year of a
// panel on every thread; mimalloc keeps that off the system allocator's mmap path (about
// 1.5x on the national complexity benchmark). The libraries themselves are allocator-agnostic.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod commands;
mod context;
mod output;

use clap::{Parser, Subcommand};
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

/// A mistake the user can fix (bad argument, bad file, unknown name). Exit code 1.
#[derive(Debug)]
pub struct UserError(String);

impl UserError {
    pub fn new(msg: impl Into<String>) -> UserError {
        UserError(msg.into())
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Returns early with a [`UserError`].
#[macro_export]
macro_rules! user_bail {
    ($($arg:tt)*) => { return Err($crate::UserError::new(format!($($arg)*)).into()) };
}

const ABOUT: &str = "tandem: industrial cooperation between paired cities.

Measures regional-economics indicators, advises which industries each pair should cooperate on,
and keeps the programme's records. The built-in programme is the 2021-2030 pairing of eight
Shanghai/Jiangsu/Zhejiang localities with eight cities of northern Anhui; its data (with sources)
is compiled in, so every command works offline.";

const EXAMPLES: &str = "Examples:
  tandem pairs                          the programme's pairs with GDP gaps, years and sources
  tandem data import yearbook.xlsx      import your own statistics (validated, all or nothing)
  tandem data list                      datasets in the workspace and their coverage
  tandem data export --format xlsx --out all.xlsx
  tandem metrics io --year 2020        input-output linkages of the national table
  tandem metrics lq --input employment.csv --format csv";

#[derive(Parser, Debug)]
#[command(name = "tandem", version, about = ABOUT, after_help = EXAMPLES)]
pub struct Cli {
    /// Workspace database (SQLite file) holding imported datasets. Default: $TANDEM_DB, else
    /// $XDG_DATA_HOME/tandem/workspace.sqlite, else ~/.local/share/tandem/workspace.sqlite.
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the programme's pairs with each side's latest GDP and per-capita GDP, their
    /// ratio, the year and source of every figure, and whether the pair is a natural one
    /// (the advisor's gravity rule; `tandem advise PAIR` explains it).
    #[command(after_help = "Examples:
  tandem pairs
  tandem pairs --format csv > pairs.csv
  tandem pairs --data my-yearbook --format json
  tandem pairs --format parquet --out pairs.parquet")]
    Pairs(commands::pairs::PairsArgs),

    /// Read the long city panel (2000-2023, every prefecture-level city): values for
    /// localities or group aggregates, with series, source and the values the curation
    /// rules set aside.
    #[command(after_help = "Examples:
  tandem panel --locality ah-huainan,js-nanjing --indicator gdp,gdp_per_capita --years 2010-2023
  tandem panel --group north-anhui,anhui --indicator gdp_per_capita --format csv
  tandem panel --locality 滁州 --indicator gdp --years 2018-2019 --alternates
  tandem panel --locality ah-chuzhou --series revised --indicator gdp")]
    Panel(commands::panel::PanelArgs),

    /// List the localities tandem knows (ids, GB/T 2260 codes, names, coordinates).
    #[command(after_help = "Examples:
  tandem localities
  tandem localities --programme --format csv")]
    Localities(commands::localities::LocalitiesArgs),

    /// Import, list and export statistics.
    #[command(subcommand)]
    Data(commands::data::DataCommand),

    /// Compute indicators: location quotients, complexity, input-output linkages,
    /// disparity, gravity linkage.
    #[command(subcommand)]
    Metrics(commands::metrics::MetricsCommand),

    /// Diagnose a pair (foundation, market forces, guidance, problems, paths) and rank the
    /// industries it should cooperate on.
    #[command(after_help = "Examples:
  tandem advise pair-xuzhou-huaibei
  tandem advise 淮北 --lang zh --top 5
  tandem advise Minhang --format json > minhang.json
  tandem advise Bengbu --weights my_weights.toml")]
    Advise(commands::advise::AdviseArgs),

    /// Write the programme report: a static site (index.html and one page per pair, with
    /// charts and a map; works offline), an XLSX workbook and a JSON file.
    #[command(after_help = "Examples:
  tandem report                          all pairs, in Chinese, into tandem-report/
  tandem report --lang en --out site     in English, into site/
  tandem report --pair pair-xuzhou-huaibei
  tandem report --data my-yearbook       with an imported dataset laid over the bundled data")]
    Report(commands::report::ReportArgs),

    /// Impact evaluation of any long panel file (CSV or XLSX): staggered
    /// difference-in-differences (Callaway-Sant'Anna), synthetic control and synthetic DID.
    #[command(
        subcommand,
        after_help = "Examples:
  tandem evaluate did --input mpdta.csv --unit countyreal --time year --outcome lemp --cohort first.treat --aggregate simple
  tandem evaluate synth --input prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989 --placebo --format json
  tandem evaluate sdid --input prop99.csv --unit State --time Year --outcome PacksPerCapita --treated California --start 1989 --format json"
    )]
    Evaluate(commands::evaluate::EvaluateCommand),

    /// Score enterprises, parks or a business environment with a scheme (TOML) the way the
    /// provinces do: benchmark ratios with caps, weights, eligibility rules and tiers, from a
    /// CSV or XLSX file of one year's figures.
    #[command(after_help = "Example:
  tandem assess enterprises --scheme crates/tandem-assess/schemes/per_mu_example.toml --input figures.xlsx --year 2025 --industry-column industry --format xlsx --out scores.xlsx")]
    Assess(commands::assess::AssessArgs),

    /// Industry-chain maps: the segments the helped city should fill, scored with the national
    /// input-output coefficients, each with its docking target.
    #[command(
        subcommand,
        after_help = "Example:
  tandem chain gaps --chain data/chains/xuzhou-huaibei-machinery.toml --format xlsx --out gaps.xlsx"
    )]
    Chain(commands::chain::ChainCommand),

    /// Benefit-sharing ledger of co-built parks: check agreements, settle revenues into the
    /// hash-chained ledger, write statements, verify, and propose fair splits.
    #[command(
        subcommand,
        after_help = "Examples:
  tandem ledger check data/ledger/agreements/*.toml
  tandem ledger settle --agreement a.toml --revenues r.csv --period 2024-01..2024-12 --ledger l.jsonl
  tandem ledger verify l.jsonl"
    )]
    Ledger(commands::ledger::LedgerCommand),

    /// Docking from files: shortlists of parks for enterprises' relocation demands, the
    /// max-score assignment within park capacities, a stable matching, projects with capital.
    #[command(name = "match", subcommand)]
    Match(commands::matching::MatchCommand),

    /// Run the operating platform: web UI and JSON API on one database (SQLite file by
    /// default, or PostgreSQL). The bundled programme is loaded on first start.
    #[command(after_help = "Examples:
  tandem serve                                   SQLite in the tandem data directory, http://127.0.0.1:8080/
  tandem serve --database sqlite://platform.db --listen 127.0.0.1:9000
  tandem serve --database postgres://tandem:secret@localhost/tandem")]
    Serve(commands::platform::ServeArgs),

    /// Enterprise registry microdata: generate a seeded synthetic registry (Parquet) that
    /// follows the city panel, with planted programme effects for testing detection.
    #[command(
        subcommand,
        after_help = "Example:
  tandem registry generate --firms 100000 --seed 1 --out registry --effect pair-xuzhou-huaibei:2022:3"
    )]
    Registry(commands::registry::RegistryCommand),

    /// Run a node of a registry query cluster (Apache Ballista): the scheduler or an
    /// executor, the same binary as the client so their versions always match.
    #[command(
        subcommand,
        after_help = "Example (three hosts sharing /shared/reg):
  host1$ tandem cluster scheduler --bind 0.0.0.0:50050 --external-host host1
  host2$ tandem cluster executor --scheduler host1:50050 --bind 0.0.0.0:50051 --external-host host2
  host3$ tandem cluster executor --scheduler host1:50050 --bind 0.0.0.0:50051 --external-host host3
  any$   tandem registry panel --input /shared/reg --engine ballista://host1:50050 --out panel.csv"
    )]
    Cluster(commands::cluster::ClusterCommand),

    /// Manage the platform's accounts.
    #[command(subcommand)]
    User(commands::platform::UserCommand),

    /// Write a consistent backup of the platform database (JSON, portable between engines).
    #[command(after_help = "Examples:
  tandem backup platform-2026-11-28.json
  tandem backup --database postgres://tandem@localhost/tandem pg.json")]
    Backup(commands::platform::BackupArgs),

    /// Restore a backup into a new, empty platform database.
    #[command(after_help = "Examples:
  tandem restore --database sqlite://restored.db platform-2026-11-28.json
  tandem restore --database postgres://tandem@localhost/tandem_new platform.json")]
    Restore(commands::platform::RestoreArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = context::Context::new(cli.db);
    match cli.command {
        Command::Pairs(args) => commands::pairs::run(&ctx, args),
        Command::Localities(args) => commands::localities::run(&ctx, args),
        Command::Panel(args) => commands::panel::run(&ctx, args),
        Command::Data(cmd) => commands::data::run(&ctx, cmd),
        Command::Metrics(cmd) => commands::metrics::run(&ctx, cmd),
        Command::Advise(args) => commands::advise::run(&ctx, args),
        Command::Report(args) => commands::report::run(&ctx, args),
        Command::Evaluate(cmd) => commands::evaluate::run(&ctx, cmd),
        Command::Assess(args) => commands::assess::run(args),
        Command::Chain(command) => commands::chain::run(&ctx, command),
        Command::Ledger(cmd) => commands::ledger::run(cmd),
        Command::Match(cmd) => commands::matching::run(&ctx, cmd),
        Command::Serve(args) => commands::platform::serve(args),
        Command::Registry(cmd) => commands::registry::run(cmd),
        Command::Cluster(cmd) => commands::cluster::run(cmd),
        Command::User(cmd) => commands::platform::user(cmd),
        Command::Backup(args) => commands::platform::backup(args),
        Command::Restore(args) => commands::platform::restore(args),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; every other parse failure is the user's.
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(1),
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                // `tandem ... | head` closes the pipe early: not an error.
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            if e.downcast_ref::<UserError>().is_some() || is_user_facing(&e) {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            } else {
                eprintln!("internal error: {e:#}");
                eprintln!("This is a bug in tandem; please report it with the command you ran.");
                ExitCode::from(2)
            }
        }
    }
}

/// Errors from the libraries that are the user's to fix (a missing dataset, an unreadable
/// file they named) rather than tandem's.
fn is_user_facing(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.downcast_ref::<UserError>().is_some()
            || matches!(
                cause.downcast_ref::<tandem_store::StoreError>(),
                Some(
                    tandem_store::StoreError::NoDataset { .. }
                        | tandem_store::StoreError::DatasetExists(_)
                        | tandem_store::StoreError::BadName(_)
                        | tandem_store::StoreError::TooNew { .. }
                        | tandem_store::StoreError::Open { .. }
                        | tandem_store::StoreError::CreateDir { .. }
                        | tandem_store::StoreError::Private { .. }
                )
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `tandem ARGS` in this process, as `main` would.
    fn run_args(args: &[&str]) -> anyhow::Result<()> {
        run(Cli::try_parse_from(
            std::iter::once("tandem").chain(args.iter().copied()),
        )?)
    }

    /// A command that does not read the city panel does not decode it. Whether the panel is
    /// decoded is process-wide state that any other test of this binary may change, so the
    /// test re-runs itself alone in a fresh process and checks there.
    #[test]
    fn commands_without_the_panel_do_not_decode_it() {
        const NAME: &str = "tests::commands_without_the_panel_do_not_decode_it";
        const CHILD: &str = "TANDEM_TEST_FRESH_PROCESS";
        if std::env::var_os(CHILD).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([NAME, "--exact", "--test-threads=1"])
                .env(CHILD, "1")
                .output()
                .expect("the test binary runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        }
        assert!(!tandem_panel::is_decoded(), "fresh process");
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ws.sqlite");
        let out = dir.path().join("out.csv");
        let (db, out) = (db.to_str().unwrap(), out.to_str().unwrap());
        let commands: [&[&str]; 2] = [
            &["localities", "--format", "csv"],
            &["data", "list", "--format", "csv"],
        ];
        for args in commands {
            run_args(&[&["--db", db], args, &["--out", out]].concat()).unwrap();
            assert!(!tandem_panel::is_decoded(), "{args:?} decoded the panel");
        }
        // The check does see a decode: `tandem pairs` lays the panel under the bundled figures.
        run_args(&["--db", db, "pairs", "--format", "csv", "--out", out]).unwrap();
        assert!(tandem_panel::is_decoded(), "pairs uses the panel");
    }
}
