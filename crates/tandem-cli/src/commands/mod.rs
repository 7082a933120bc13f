//! One module per subcommand: argument struct plus a thin `run`.

pub mod advise;
pub mod assess;
pub mod chain;
pub mod cluster;
pub mod data;
pub mod evaluate;
pub mod input;
pub mod ledger;
pub mod localities;
pub mod matching;
pub mod metrics;
pub mod pairs;
pub mod panel;
pub mod platform;
pub mod registry;
pub mod registry_query;
pub mod report;

/// Options shared by listing commands.
#[derive(clap::Args, Debug, Clone)]
pub struct ListingArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::output::Format::Table)]
    pub format: crate::output::Format,
    /// Write to this file instead of standard output (required for xlsx and parquet).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

/// Language of a command's text, pages or pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

/// The programme pair `text` names: a pair id, or either city's id or name (ambiguous names
/// refused with the candidates).
pub(crate) fn resolve_pair(ctx: &crate::context::Context, text: &str) -> anyhow::Result<String> {
    let programme = &ctx.bundle().programme;
    if let Some(p) = programme.pair(text.trim()) {
        return Ok(p.id.clone());
    }
    let resolver = tandem_data::resolve::LocalityResolver::new(ctx.localities());
    let loc = resolver.resolve(text).map_err(|e| {
        crate::UserError::new(format!(
            "{e}; give a pair id ({}) or a paired locality",
            programme
                .pairs
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    match programme.pair_of(&loc.id) {
        Some(p) => Ok(p.id.clone()),
        None => crate::user_bail!(
            "{} ({}) is not in a pair of the programme; `tandem pairs` lists the pairs",
            loc.name_zh,
            loc.id
        ),
    }
}
