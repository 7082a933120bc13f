//! The error of the compiled-in panel's files.

/// A defect in the compiled-in panel (a build defect: the tests decode it).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PanelError {
    /// A row of one of the panel's files breaks a rule.
    #[error("{file}, row {row}: {rule}")]
    Row {
        /// data/city_panel/... file.
        file: &'static str,
        /// 1-based, the header is row 1.
        row: usize,
        /// What is wrong.
        rule: String,
    },
}
