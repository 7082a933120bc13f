//! `tandem chain gaps --chain FILE`: an industry-chain map (TOML, JSON, XLSX or a shipped one)
//! against the bundled 2020 national input-output table: the segments to fill in the helped
//! city, ranked by their links to the segments the helper side has, each with the docking
//! target it suggests.

use super::ListingArgs;
use crate::output::{Cell, Listing};
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};
use tandem_core::chain::{chain_gaps, Chain, ChainGap, ChainSide, NodeStatus};
use tandem_core::Classification;

/// The prefix naming a shipped chain instead of a file (`shipped:pair-xuzhou-huaibei`).
const SHIPPED: &str = "shipped:";

/// Largest chain file read: a chain of a few hundred segments and enterprises is well under.
const MAX_CHAIN_BYTES: u64 = 4 << 20;

/// `tandem chain ...`.
#[derive(clap::Subcommand, Debug)]
pub enum ChainCommand {
    /// The segments the helped city lacks or has thinly while the helper side has a supplier
    /// or buyer of them, scored with the national input-output coefficients.
    Gaps(GapsArgs),
    /// Converts a chain map between TOML, JSON and an Excel workbook (sheets chain, nodes,
    /// edges, enterprises), by the file names' endings; the map is checked on the way.
    Export(ExportArgs),
    /// The chains shipped with tandem (data/chains/): one cited worked chain per pair's focus
    /// industry, read with `--chain shipped:PAIR`.
    #[command(after_help = "Examples:
  tandem chain list
  tandem chain gaps --chain shipped:pair-xuzhou-huaibei
  tandem chain export --chain shipped:pair-ningbo-bengbu --out sensors.xlsx")]
    List(ListingArgs),
}

/// `tandem chain export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The chain map: TOML, JSON or XLSX, or `shipped:PAIR` (`tandem chain list`).
    #[arg(long, value_name = "FILE")]
    chain: PathBuf,
    /// Where to write it: `.xlsx`, `.json` or `.toml`.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// The 2020 national table used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Sectors {
    /// 42 sectors (io42 codes `01`..`42`).
    #[value(name = "42")]
    S42,
    /// 153 sectors (io153 codes `001`..`153`).
    #[value(name = "153")]
    S153,
}

impl Sectors {
    fn count(self) -> i64 {
        match self {
            Sectors::S42 => 42,
            Sectors::S153 => 153,
        }
    }
}

/// `tandem chain gaps`.
#[derive(clap::Args, Debug)]
pub struct GapsArgs {
    /// The chain map: TOML, JSON or XLSX (nodes with their input-output sectors, edges,
    /// enterprises placed on nodes with their side; see crates/tandem-core/src/chain.rs), or
    /// `shipped:PAIR` for the chain shipped for a pair (`tandem chain list`).
    #[arg(long, value_name = "FILE")]
    chain: PathBuf,
    /// The sector classification the nodes use: the 2020 table of 42 or 153 sectors.
    #[arg(long, value_enum, default_value_t = Sectors::S42)]
    sectors: Sectors,
    /// Also draw the chain (segments coloured by the helped city's coverage, gaps outlined
    /// and ranked) as a standalone SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// A parks file of `tandem match` (CSV): with --parks-out, the helped city's parks get the
    /// gaps' sectors added to their focus industries, so `tandem match shortlist --side park`
    /// ranks the enterprises that fill the chain first.
    #[arg(long, value_name = "FILE", requires = "parks_out")]
    parks: Option<PathBuf>,
    /// Where to write the parks file with the docking targets added.
    #[arg(long, value_name = "FILE", requires = "parks")]
    parks_out: Option<PathBuf>,
    /// Language of the picture.
    #[arg(long, value_enum, default_value_t = super::LangArg::En)]
    lang: super::LangArg,
    #[command(flatten)]
    listing: ListingArgs,
}

/// Runs `tandem chain`.
pub fn run(ctx: &crate::context::Context, command: ChainCommand) -> Result<()> {
    match command {
        ChainCommand::Gaps(args) => gaps(ctx, args),
        ChainCommand::Export(args) => export(ctx, args),
        ChainCommand::List(args) => list(args),
    }
}

/// `tandem chain list`: each shipped chain with its size and sources.
fn list(args: ListingArgs) -> Result<()> {
    let mut l = Listing::new("Shipped industry chains (data/chains/)");
    l.column("id", "Chain")
        .column("pair", "Pair")
        .column("name_en", "Name")
        .column("segments", "Segments")
        .column("edges", "Edges")
        .column("helper_enterprises", "Helper firms")
        .column("helped_enterprises", "Helped firms")
        .column("source", "Source");
    for c in tandem_data::chains::shipped_chains() {
        let on = |side| c.enterprises.iter().filter(|p| p.side == side).count() as i64;
        l.rows.push(vec![
            Cell::text(&c.id),
            Cell::text(&c.pair),
            Cell::text(&c.name_en),
            Cell::Integer(c.nodes.len() as i64),
            Cell::Integer(c.edges.len() as i64),
            Cell::Integer(on(ChainSide::Helper)),
            Cell::Integer(on(ChainSide::Helped)),
            Cell::text(&c.source),
        ]);
    }
    l.notes = vec![
        "Worked examples built only from public pages, every placement cited; a segment without firms means none was found in a public page, not that none exists. Per pair, the choice of industry and the sources: data/chains/README.md.".into(),
        "Read one with --chain shipped:PAIR (tandem chain gaps, tandem chain export, tandem advise, tandem report).".into(),
    ];
    l.write(args.format, args.out.as_deref())
}

fn export(ctx: &crate::context::Context, args: ExportArgs) -> Result<()> {
    let chain = read_chain(&args.chain)?;
    // Checked against the 42-sector table, or the 153-sector one when its codes fit that.
    let bundle = ctx.bundle();
    let fits = |c: Classification| {
        bundle
            .io_table(2020, &c)
            .is_some_and(|t| chain_gaps(&chain, t).is_ok())
    };
    if !fits(Classification::Io42) && !fits(Classification::Io153) {
        let t = bundle
            .io_table(2020, &Classification::Io42)
            .context("the bundled 2020 input-output table is missing (build defect)")?;
        chain_gaps(&chain, t).map_err(|e| UserError::new(e.to_string()))?;
    }
    let ending = |e: &str| {
        args.out
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case(e))
    };
    if ending("xlsx") {
        let bytes = tandem_platform::chain_book::write(&chain)
            .map_err(|e| UserError::new(format!("{}: {e}", args.out.display())))?;
        return std::fs::write(&args.out, bytes)
            .with_context(|| format!("writing {}", args.out.display()));
    }
    let text = if ending("json") {
        serde_json::to_string_pretty(&chain)? + "\n"
    } else if ending("toml") {
        toml::to_string(&chain).context("rendering TOML")?
    } else {
        user_bail!("--out must end in .xlsx, .json or .toml");
    };
    std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))
}

fn gaps(ctx: &crate::context::Context, args: GapsArgs) -> Result<()> {
    let chain = read_chain(&args.chain)?;
    let classification = match args.sectors {
        Sectors::S42 => Classification::Io42,
        Sectors::S153 => Classification::Io153,
    };
    let table = ctx
        .bundle()
        .io_table(2020, &classification)
        .context("the bundled 2020 input-output table is missing (build defect)")?;
    let gaps = chain_gaps(&chain, table).map_err(|e| UserError::new(e.to_string()))?;
    if let Some(path) = &args.svg {
        let lang = match args.lang {
            super::LangArg::Zh => tandem_report::text::Lang::Zh,
            super::LangArg::En => tandem_report::text::Lang::En,
        };
        let svg = tandem_report::chain_map::chain_svg(&chain, &gaps, lang);
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut l = listing(&chain, &gaps, args.sectors.count());
    if let (Some(parks), Some(out)) = (&args.parks, &args.parks_out) {
        let helped = helped_locality(ctx, &chain.pair)?;
        let codes: Vec<String> = gaps
            .iter()
            .flat_map(|g| {
                g.sectors
                    .iter()
                    .map(|s| format!("io{}:{s}", args.sectors.count()))
            })
            .collect();
        let n = add_targets(parks, out, &helped, &codes)?;
        l.notes.push(format!(
            "{n} park{} in {helped} got the docking targets {} added to their focus industries in {}.",
            if n == 1 { "" } else { "s" },
            codes.join(";"),
            out.display()
        ));
    }
    l.write(args.listing.format, args.listing.out.as_deref())
}

/// The helped city of the pair `text` names.
fn helped_locality(ctx: &crate::context::Context, text: &str) -> Result<String> {
    let pair = super::resolve_pair(ctx, text)?;
    let bundle = ctx.bundle();
    let p = bundle
        .programme
        .pair(&pair)
        .context("a resolved pair is in the programme")?;
    Ok(p.helped.clone())
}

/// Largest parks file rewritten.
const MAX_PARKS_BYTES: u64 = 64 << 20;

/// Copies the parks CSV `from` to `to`, adding `codes` to the `focus_industries` (`;`
/// separated, no repeats) of the parks whose `locality` is `helped`; returns how many.
fn add_targets(from: &Path, to: &Path, helped: &str, codes: &[String]) -> Result<usize> {
    let size = std::fs::metadata(from)
        .map_err(|e| UserError::new(format!("cannot read {}: {e}", from.display())))?
        .len();
    if size > MAX_PARKS_BYTES {
        user_bail!("{} is larger than 64 MiB", from.display());
    }
    let mut reader = csv::Reader::from_path(from)
        .map_err(|e| UserError::new(format!("{}: {e}", from.display())))?;
    let header = reader.headers()?.clone();
    let col = |name: &str| -> Result<usize> {
        match header.iter().position(|h| h.trim() == name) {
            Some(i) => Ok(i),
            None => user_bail!(
                "{}: no column {name:?} (a parks file of tandem match)",
                from.display()
            ),
        }
    };
    let (locality, focus) = (col("locality")?, col("focus_industries")?);
    let mut writer =
        csv::Writer::from_path(to).with_context(|| format!("writing {}", to.display()))?;
    writer.write_record(&header)?;
    let mut changed = 0;
    for record in reader.records() {
        let record = record.map_err(|e| UserError::new(format!("{}: {e}", from.display())))?;
        let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.get(locality).is_some_and(|l| l.trim() == helped) {
            let mut list: Vec<String> = cells[focus]
                .split(';')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            for c in codes {
                if !list.contains(c) {
                    list.push(c.clone());
                }
            }
            cells[focus] = list.join(";");
            changed += 1;
        }
        writer.write_record(&cells)?;
    }
    writer.flush()?;
    Ok(changed)
}

/// The chain in `path`: `shipped:KEY` (a shipped chain by its id or its pair's id, see
/// `tandem chain list`), an Excel workbook (`.xlsx`), JSON (`.json`) or else TOML; bounded in
/// size.
pub(crate) fn read_chain(path: &Path) -> Result<Chain> {
    if let Some(key) = path.to_str().and_then(|p| p.strip_prefix(SHIPPED)) {
        return tandem_data::chains::shipped_chain(key).cloned().ok_or_else(|| {
            UserError::new(format!(
                "no shipped chain {key:?}: `tandem chain list` shows the shipped chains and their pairs"
            ))
            .into()
        });
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        let limits = tandem_sheet::Limits::DEFAULT;
        let bytes = tandem_sheet::read_file(path, &limits)
            .map_err(|e| UserError::new(format!("{}: {e}", path.display())))?;
        return tandem_platform::chain_book::read(&bytes)
            .map_err(|e| UserError::new(format!("{}: {e}", path.display())).into());
    }
    let text = super::input::read_text(path, "the chain", MAX_CHAIN_BYTES)?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if json {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| UserError::new(format!("the chain {}: {e}", path.display())).into())
}

fn listing(chain: &Chain, gaps: &[ChainGap], sectors: i64) -> Listing {
    let mut l = Listing::new(format!(
        "{} ({}): segments to fill",
        chain.name_en, chain.pair
    ));
    l.column("rank", "Rank")
        .column("node", "Segment")
        .column("status", "Helped side")
        .column("helper_enterprises", "Helper firms")
        .column("helped_enterprises", "Helped firms")
        .column("score", "Score")
        .column("links", "Helper-side neighbours (a_ij)")
        .column("target_industry", "Docking target");
    l.rows = gaps
        .iter()
        .enumerate()
        .map(|(k, g)| row(k, g, sectors))
        .collect();
    l.notes = vec![
        format!("Chain: {} — {}.", chain.name_en, chain.source),
        format!(
            "A segment is missing with no helped-side enterprise and weak below {:.0}% of the helper's; it is a gap when a supplier or buyer segment has helper-side enterprises. Score = (1 missing, 0.5 weak) x the sum over those neighbours of the strongest technical coefficient a_ij between their sectors (2020 national table, {sectors} sectors).",
            chain.weak_share * 100.0
        ),
        "The docking target is the segment's first sector, to look for helper-side enterprises to bring in (tandem matching reads io42: codes in a demand's industry column).".into(),
    ];
    l
}

fn row(k: usize, g: &ChainGap, sectors: i64) -> Vec<Cell> {
    let links = g
        .links
        .iter()
        .map(|l| {
            let dir = if l.supplies_gap { "supplies" } else { "buys" };
            format!(
                "{} {dir} ({} firms, a {}→{} = {:.4})",
                l.node, l.helper_enterprises, l.sectors.0, l.sectors.1, l.coefficient
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        Cell::Integer(k as i64 + 1),
        Cell::text(format!("{} {}", g.node, g.name_en)),
        Cell::text(match g.status {
            NodeStatus::Missing => "missing",
            NodeStatus::Weak => "weak",
            NodeStatus::Present => "present",
        }),
        Cell::Integer(g.helper_enterprises as i64),
        Cell::Integer(g.helped_enterprises as i64),
        Cell::Number(g.score, 4),
        Cell::text(links),
        Cell::text(format!("io{sectors}:{}", g.sectors[0])),
    ]
}

/// The chain maps in `paths`, each one's `pair` resolved to a programme pair (a pair id, or
/// either city's id or name).
pub fn load_chains(ctx: &crate::context::Context, paths: &[PathBuf]) -> Result<Vec<Chain>> {
    paths
        .iter()
        .map(|p| {
            let mut chain = read_chain(p)?;
            chain.pair = super::resolve_pair(ctx, &chain.pair)
                .map_err(|e| crate::UserError::new(format!("chain {}: pair: {e}", p.display())))?;
            Ok(chain)
        })
        .collect()
}
