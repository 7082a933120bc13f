//! `tandem registry generate`: a seeded synthetic enterprise registry (tandem-registry) as
//! Parquet files and a manifest of what was planted.

use anyhow::Result;
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
