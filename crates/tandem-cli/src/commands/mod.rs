//! One module per subcommand: argument struct plus a thin `run`.

pub mod advise;
pub mod assess;
pub mod chain;
mod chain_book;
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
