//! `tandem ledger ...`: benefit-sharing agreements, settlement into the hash-chained ledger,
//! statements, verification and fair-division proposals (crate `tandem-ledger`).

use crate::{user_bail, UserError};
use anyhow::Result;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use tandem_ledger::agreement::check_set;
use tandem_ledger::chain::{repair, verify, verify_against, Head, LedgerFile};
use tandem_ledger::fair::{nash, shapley, to_basis_points, Game};
use tandem_ledger::import::read_revenues;
use tandem_ledger::settle::{effective_entries, reconcile, Settler};
use tandem_ledger::statement::{Statement, LABEL_EN};
use tandem_ledger::{entry_content, load_entries, Agreement, Period};
use tandem_platform::ledger as platform_ledger;
use tandem_platform::{Db, Target};

#[derive(clap::Subcommand, Debug)]
pub enum LedgerCommand {
    /// Check agreement files (TOML or JSON): every rule, naming the field that breaks one, and
    /// that versions of the same agreement do not overlap.
    #[command(after_help = "Examples:
  tandem ledger check data/ledger/agreements/*.toml
  tandem ledger check my-park-v2.json")]
    Check(CheckArgs),

    /// Settle revenue records under agreements for a period (or range) and append the entries
    /// to the ledger. Re-settling adds nothing; a differing result is refused unless
    /// --correct records it as correction entries. Each appended batch is fsync'd, then
    /// reported on standard output as `acknowledged #A..#B head SEQ:HASH`.
    ///
    /// Revenue files are CSV or XLSX with columns enterprise_id, park_id, industry,
    /// recommended_by, period (YYYY-MM), revenue_type, amount (yuan, 2 decimals at most).
    /// Give whole agreement years: year-to-date figures and yearly floors use every record of
    /// the year. A torn last line left by a crash (never acknowledged) is truncated first.
    #[command(after_help = "Examples:
  tandem ledger settle --agreement data/ledger/agreements/c-chuanzhe-6-4-floor.toml \\
      --revenues revenues-2024.csv --period 2024-01..2024-12 --ledger chuanzhe.jsonl
  tandem ledger settle --agreement a.toml --agreement b.toml --revenues r.xlsx \\
      --period 2024-03 --ledger parks.jsonl --correct")]
    Settle(SettleArgs),

    /// Write one party's statement for a period (or range) as XLSX or print-ready HTML. Split
    /// figures are labelled as assessment figures and kept apart from official statistics.
    #[command(after_help = "Examples:
  tandem ledger statement --ledger chuanzhe.jsonl --party qingchuan --period 2024-01..2024-12 \\
      --out qingchuan-2024.html
  tandem ledger statement --ledger parks.jsonl --party songjiang --period 2024-03 --out s.xlsx")]
    Statement(StatementArgs),

    /// Verify the ledger's hash chain: a ledger file, or with --database the platform's
    /// ledger (every park's settlements, one chain). Prints the number of entries and the
    /// head; exits 1 naming the first bad entry (sequence number, park, what is wrong:
    /// altered, removed, reordered, moved to another park) or a torn last line. With --head,
    /// also detects entries cut from the end.
    #[command(after_help = "Examples:
  tandem ledger verify chuanzhe.jsonl
  tandem ledger verify chuanzhe.jsonl --head 120:3f5a...e9
  tandem ledger verify chuanzhe.jsonl --repair    # first truncate a torn, unacknowledged tail
  tandem ledger verify --database sqlite:///var/lib/tandem/platform.sqlite
  tandem ledger verify --database postgres://tandem@localhost/tandem --head 120:3f5a...e9")]
    Verify(VerifyArgs),

    /// Fair-division proposals from stand-alone and coalition values: the Shapley value and
    /// the Nash bargaining solution (stand-alone values as disagreement points).
    ///
    /// The values file (TOML, or JSON by extension) lists `parties = [...]`, then
    /// `coalitions = [{ members = [...], value = ... }, ...]` with every stand-alone value and
    /// the grand coalition; unlisted coalitions are worth the sum of their members' stand-alone
    /// values. Optional `[weights]` gives Nash bargaining weights.
    #[command(after_help = "Examples:
  tandem ledger fair --values park-values.toml
  tandem ledger fair --values park-values.json --format json")]
    Fair(FairArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Agreement files.
    #[arg(required = true, value_name = "AGREEMENT")]
    agreements: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SettleArgs {
    /// Agreement file (repeatable).
    #[arg(long = "agreement", required = true, value_name = "FILE")]
    agreements: Vec<PathBuf>,
    /// Revenue records (CSV or XLSX).
    #[arg(long, value_name = "FILE")]
    revenues: PathBuf,
    /// Period YYYY-MM or range YYYY-MM..YYYY-MM (inclusive).
    #[arg(long, value_name = "PERIOD")]
    period: String,
    /// The ledger file (JSON lines; created if absent).
    #[arg(long, value_name = "LEDGER.jsonl")]
    ledger: PathBuf,
    /// Record differing re-settlements as correction entries instead of refusing them.
    #[arg(long)]
    correct: bool,
    /// Entries per fsync'd batch.
    #[arg(long, value_name = "N", default_value_t = 500)]
    batch: usize,
}

#[derive(clap::Args, Debug)]
pub struct StatementArgs {
    /// The ledger file.
    #[arg(long, value_name = "LEDGER.jsonl")]
    ledger: PathBuf,
    /// Party id.
    #[arg(long, value_name = "PARTY")]
    party: String,
    /// Period YYYY-MM or range YYYY-MM..YYYY-MM.
    #[arg(long, value_name = "PERIOD")]
    period: String,
    /// Output file: .xlsx or .html.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The ledger file (or give --database).
    #[arg(
        value_name = "LEDGER.jsonl",
        required_unless_present = "database",
        conflicts_with = "database"
    )]
    ledger: Option<PathBuf>,
    /// Verify the platform database's ledger instead: `sqlite://PATH` or
    /// `postgres://USER:PASSWORD@HOST/DB`. Only read, never changed.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The head you kept (`SEQ:HASH`, as printed by settle or answered by the platform's
    /// settlement): detects entries cut from the end.
    #[arg(long, value_name = "SEQ:HASH")]
    head: Option<String>,
    /// Truncate a torn last line (an interrupted, never acknowledged write) before verifying.
    #[arg(long, conflicts_with = "database")]
    repair: bool,
}

/// Output format of `tandem ledger fair`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FairFormat {
    /// Readable text.
    Text,
    /// JSON.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct FairArgs {
    /// The values file (TOML or JSON).
    #[arg(long, value_name = "FILE")]
    values: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FairFormat::Text)]
    format: FairFormat,
}

/// Runs a `tandem ledger` subcommand.
pub fn run(cmd: LedgerCommand) -> Result<()> {
    match cmd {
        LedgerCommand::Check(a) => check(a),
        LedgerCommand::Settle(a) => settle(a),
        LedgerCommand::Statement(a) => statement(a),
        LedgerCommand::Verify(a) => verify_cmd(a),
        LedgerCommand::Fair(a) => fair(a),
    }
}

fn user(e: impl std::fmt::Display) -> anyhow::Error {
    UserError::new(e.to_string()).into()
}

/// Parses `YYYY-MM` or `YYYY-MM..YYYY-MM`.
fn parse_range(text: &str) -> Result<(Period, Period)> {
    let (a, b) = text.split_once("..").unwrap_or((text, text));
    let from: Period = a.parse().map_err(|e| user(format!("--period: {e}")))?;
    let to: Period = b.parse().map_err(|e| user(format!("--period: {e}")))?;
    if to < from {
        user_bail!("--period {text}: the range ends before it starts");
    }
    Ok((from, to))
}

fn load_agreements(paths: &[PathBuf]) -> Result<Vec<Agreement>> {
    let mut out = Vec::new();
    for p in paths {
        out.push(Agreement::load(p).map_err(user)?);
    }
    check_set(&out).map_err(user)?;
    Ok(out)
}

fn check(args: CheckArgs) -> Result<()> {
    let agreements = load_agreements(&args.agreements)?;
    let mut out = std::io::stdout().lock();
    for (a, path) in agreements.iter().zip(&args.agreements) {
        let types: Vec<&str> = a.revenue.keys().map(|t| t.as_str()).collect();
        let parties: Vec<String> = a
            .parties
            .iter()
            .map(|p| format!("{} ({:?})", p.id, p.role).to_lowercase())
            .collect();
        writeln!(
            out,
            "ok  {}: {} v{}, {}..{}, parties {}, shares {}",
            path.display(),
            a.id,
            a.version,
            a.valid_from,
            a.last_period()
                .map_or("open".to_string(), |p| p.to_string()),
            parties.join(", "),
            types.join(", ")
        )?;
    }
    Ok(())
}

fn settle(args: SettleArgs) -> Result<()> {
    let (from, to) = parse_range(&args.period)?;
    if args.batch == 0 {
        user_bail!("--batch must be at least 1");
    }
    let agreements = load_agreements(&args.agreements)?;
    let records = read_revenues(&args.revenues).map_err(user)?;
    let mut settler = Settler::new(&agreements);
    for r in &records {
        settler.add(r);
    }
    let fresh = settler.finish(from, to).map_err(user)?;
    if args.ledger.exists() {
        let cut = repair(&args.ledger).map_err(user)?;
        if cut > 0 {
            eprintln!(
                "repaired {}: removed a torn last line of {cut} bytes (an interrupted write that \
                 was never acknowledged)",
                args.ledger.display()
            );
        }
    }
    let existing = load_entries(&args.ledger).map_err(user)?;
    let plan = reconcile(&existing, fresh, args.correct).map_err(user)?;
    let mut file = LedgerFile::open(&args.ledger).map_err(user)?;
    let mut out = std::io::stdout().lock();
    for chunk in plan.append.chunks(args.batch) {
        let first = file.head().seq + 1;
        let contents: Vec<_> = chunk.iter().map(entry_content).collect();
        let head = file.append_batch(&contents).map_err(user)?;
        // Printed only after the fsync: every line here is a durable acknowledgement.
        writeln!(out, "acknowledged #{first}..#{} head {head}", head.seq)?;
        out.flush()?;
    }
    writeln!(
        out,
        "settled {} record(s) for {from}..{to}: {} new entr{}, {} correction(s), {} unchanged; \
         ledger {} head {}",
        records.len(),
        plan.append.len() - plan.corrections,
        if plan.append.len() - plan.corrections == 1 {
            "y"
        } else {
            "ies"
        },
        plan.corrections,
        plan.unchanged,
        args.ledger.display(),
        file.head()
    )?;
    writeln!(out, "note: split figures are {LABEL_EN}")?;
    Ok(())
}

fn statement(args: StatementArgs) -> Result<()> {
    let (from, to) = parse_range(&args.period)?;
    if !args.ledger.exists() {
        user_bail!("no ledger at {}", args.ledger.display());
    }
    let entries = load_entries(&args.ledger).map_err(user)?;
    let effective = effective_entries(&entries);
    if !effective.iter().any(|(_, e)| e.party == args.party) {
        let mut parties: Vec<&str> = effective.iter().map(|(_, e)| e.party.as_str()).collect();
        parties.sort_unstable();
        parties.dedup();
        user_bail!(
            "party `{}` has no entries in {}; parties in the ledger: {}",
            args.party,
            args.ledger.display(),
            parties.join(", ")
        );
    }
    let st = Statement::build(&effective, &args.party, from, to);
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" => st.write_xlsx(&args.out).map_err(user)?,
        "html" | "htm" => st.write_html(&args.out).map_err(user)?,
        _ => user_bail!(
            "--out {}: give a .xlsx or .html file name",
            args.out.display()
        ),
    }
    println!(
        "wrote {} ({} entries of {} for {from}..{to})",
        args.out.display(),
        st.entries.len(),
        args.party
    );
    Ok(())
}

fn parse_head(text: &str) -> Result<Head> {
    let (s, h) = text
        .split_once(':')
        .ok_or_else(|| user(format!("--head {text}: expected SEQ:HASH")))?;
    let seq = s
        .trim()
        .parse()
        .map_err(|_| user(format!("--head {text}: `{s}` is not a sequence number")))?;
    Ok(Head {
        seq,
        hash: h.trim().to_ascii_lowercase(),
    })
}

fn verify_cmd(args: VerifyArgs) -> Result<()> {
    let path: &Path = match (&args.ledger, &args.database) {
        (_, Some(url)) => return verify_database(url, args.head.as_deref()),
        (Some(p), None) => p,
        // clap requires one of the two; kept as an error, not a panic.
        (None, None) => user_bail!("give a ledger file or --database URL"),
    };
    if !path.exists() {
        user_bail!("no ledger at {}", path.display());
    }
    if args.repair {
        let cut = repair(path).map_err(user)?;
        if cut > 0 {
            eprintln!(
                "repaired {}: removed a torn last line of {cut} bytes (never acknowledged)",
                path.display()
            );
        }
    }
    let entries = match &args.head {
        Some(h) => verify_against(path, &parse_head(h)?),
        None => verify(path),
    }
    .map_err(user)?;
    let head = entries
        .last()
        .map_or("0".to_string(), |e| format!("{}:{}", e.seq, e.hash));
    println!("ok: {} entries, head {head}", entries.len());
    Ok(())
}

/// `tandem ledger verify --database URL [--head SEQ:HASH]`: the platform's chain, read only.
fn verify_database(url: &str, head: Option<&str>) -> Result<()> {
    let expected = head.map(parse_head).transpose()?;
    let target = crate::commands::platform::DatabaseArg {
        database: Some(url.to_string()),
    }
    .target()?;
    // Opening a missing SQLite file would create an empty database that "verifies".
    if let Target::Sqlite(file) = &target {
        if !file.exists() {
            user_bail!("no platform database at {}", file.display());
        }
    }
    // Opened without migrating or seeding: the verifier changes nothing it verifies.
    let db = Db::open(&target).map_err(user)?;
    let where_ = db.describe();
    let (count, hash) = match platform_ledger::verify(&db).map_err(user)? {
        Ok(head) => head,
        Err(bad) => user_bail!("platform ledger in {where_}: {bad}"),
    };
    if let Some(exp) = expected {
        if (count, hash.as_str()) != (exp.seq, exp.hash.as_str()) {
            let reason = if count < exp.seq {
                "entries were removed from the end".to_string()
            } else if platform_ledger::hash_at(&db, exp.seq)
                .map_err(user)?
                .is_some_and(|h| h == exp.hash)
            {
                format!("{} entries were appended after it", count - exp.seq)
            } else {
                "the entry at the expected head has another hash".to_string()
            };
            user_bail!("platform ledger in {where_}: expected head #{exp}, found #{count}:{hash}: {reason}");
        }
    }
    println!("ok: {count} entries, head {count}:{hash} ({where_})");
    Ok(())
}

fn fair(args: FairArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.values)
        .map_err(|e| user(format!("cannot read {}: {e}", args.values.display())))?;
    let json = args
        .values
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let game = Game::parse(&text, &args.values.display().to_string(), json).map_err(user)?;
    let phi = shapley(&game);
    let nash_x = nash(&game).map_err(user)?;
    let phi_bp = to_basis_points(&game, &phi);
    let nash_bp = to_basis_points(&game, &nash_x);
    let mut out = std::io::stdout().lock();
    match args.format {
        FairFormat::Json => {
            let parties: Vec<serde_json::Value> = game
                .parties
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    serde_json::json!({
                        "party": p,
                        "stand_alone": game.alone(i),
                        "shapley": phi[i],
                        "shapley_bp": phi_bp.as_ref().map(|b| b[i]),
                        "nash": nash_x[i],
                        "nash_bp": nash_bp.as_ref().map(|b| b[i]),
                        "nash_weight": game.weights[i],
                    })
                })
                .collect();
            let v = serde_json::json!({ "grand_coalition": game.grand(), "parties": parties });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        FairFormat::Text => {
            writeln!(out, "grand coalition v(N) = {}", game.grand())?;
            writeln!(
                out,
                "{:<20} {:>14} {:>14} {:>8} {:>14} {:>8}",
                "party", "stand-alone", "Shapley", "bp", "Nash", "bp"
            )?;
            let bp = |b: &Option<Vec<u32>>, i: usize| {
                b.as_ref().map_or("n/a".to_string(), |b| b[i].to_string())
            };
            for (i, p) in game.parties.iter().enumerate() {
                writeln!(
                    out,
                    "{:<20} {:>14.2} {:>14.2} {:>8} {:>14.2} {:>8}",
                    p,
                    game.alone(i),
                    phi[i],
                    bp(&phi_bp, i),
                    nash_x[i],
                    bp(&nash_bp, i)
                )?;
            }
            writeln!(
                out,
                "Shapley (1953): average marginal contribution; Nash (1950): stand-alone values \
                 as disagreement points, surplus split by bargaining weights. Proposals to \
                 support negotiation; bp = share of v(N) in basis points for an agreement file."
            )?;
        }
    }
    Ok(())
}
