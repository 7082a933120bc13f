//! tandem's data edge: the bundled data set compiled into the binary, importers with
//! validation, and exporters. Knows nothing of the CLI or the database.

pub mod bundled;
pub mod chains;
pub mod classification;
pub mod encoding;
pub mod export;
pub mod import;
pub mod io_csv;
pub mod resolve;
