//! Problems found while importing, and the report that collects all of them.

use serde::Serialize;
use std::fmt;

/// Where in an imported file a problem is.
///
/// `row` is 1-based and counts the header as row 1 (for CSV it is the line the record
/// starts on; for spreadsheets the sheet's own row number); `column` is 1-based.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    /// The sheet of a spreadsheet; `None` for text files.
    pub sheet: Option<String>,
    pub row: Option<usize>,
    pub column: Option<usize>,
    /// The column's header text.
    pub column_name: Option<String>,
}

impl Location {
    /// A location naming only the file (and sheet).
    pub fn file(file: &str, sheet: Option<&str>) -> Location {
        Location {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            ..Location::default()
        }
    }

    /// The same file and sheet at a row and column.
    pub fn at(&self, row: usize, column: Option<(usize, &str)>) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: Some(row),
            column: column.map(|c| c.0),
            column_name: column.map(|c| c.1.to_string()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, " [sheet {sheet}]")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
            if let Some(name) = &self.column_name {
                write!(f, " ({name})")?;
            }
        }
        Ok(())
    }
}

/// The rule a problem breaks. [`Rule::code`] is the stable identifier written to reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The file could not be read (I/O error, not a CSV or spreadsheet, broken XLSX).
    Unreadable,
    /// The bytes are not valid text in the chosen or detected encoding.
    Encoding,
    /// The layout could not be detected, or a requested sheet does not exist.
    Layout,
    /// A column the layout needs is missing from the header.
    MissingColumn,
    /// A row has more cells than the header has columns.
    ExtraCells,
    /// The locality name matches no known locality.
    UnknownLocality,
    /// The locality name matches several localities.
    AmbiguousLocality,
    /// The indicator matches no indicator of the catalogue.
    UnknownIndicator,
    /// The unit is not one tandem knows.
    UnknownUnit,
    /// No unit is given for a value (cell, column header, unit column or option).
    MissingUnit,
    /// The unit measures something else than the indicator (万人 for GDP).
    WrongDimension,
    /// One column holds values in different units.
    MixedUnits,
    /// A value cell is not a number.
    NonNumeric,
    /// A negative value for an indicator that cannot be negative.
    Negative,
    /// A value above the indicator's maximum (a share above 100 %).
    AboveMax,
    /// The year is not an integer.
    InvalidYear,
    /// No year is given for a value.
    MissingYear,
    /// The year is outside the accepted range.
    YearOutOfRange,
    /// The same key appears twice with different values.
    DuplicateConflict,
    /// Sector values do not add up to the total (levels vs GDP, shares vs 100 %).
    SectorSum,
    /// A value has no source.
    MissingSource,
    /// The source rank is not 1-6 or `unrated`.
    InvalidSourceRank,
    /// An input-output table could not be parsed or does not balance.
    IoTable,
    /// A file contains no data rows.
    Empty,
    /// A spreadsheet is over a limit of the bounded reader (`tandem_sheet::Limits`): too
    /// big, too many rows, columns or cells, or a compressed bomb.
    TooLarge,
    /// A date that does not parse in any of the accepted formats (registry import).
    InvalidDate,
    /// Dates in the wrong order: a firm closed before it was founded (registry import).
    DateOrder,
    /// An industry code that is not 4 digits of a known GB/T 4754 division (registry import).
    UnknownIndustry,
    /// A required value is empty (registry import: missing stays null only where allowed).
    MissingValue,
}

impl Rule {
    /// The stable snake_case identifier (`unknown_locality`).
    pub fn code(self) -> &'static str {
        match self {
            Rule::Unreadable => "unreadable",
            Rule::Encoding => "encoding",
            Rule::Layout => "layout",
            Rule::MissingColumn => "missing_column",
            Rule::ExtraCells => "extra_cells",
            Rule::UnknownLocality => "unknown_locality",
            Rule::AmbiguousLocality => "ambiguous_locality",
            Rule::UnknownIndicator => "unknown_indicator",
            Rule::UnknownUnit => "unknown_unit",
            Rule::MissingUnit => "missing_unit",
            Rule::WrongDimension => "wrong_dimension",
            Rule::MixedUnits => "mixed_units",
            Rule::NonNumeric => "non_numeric",
            Rule::Negative => "negative",
            Rule::AboveMax => "above_max",
            Rule::InvalidYear => "invalid_year",
            Rule::MissingYear => "missing_year",
            Rule::YearOutOfRange => "year_out_of_range",
            Rule::DuplicateConflict => "duplicate_conflict",
            Rule::SectorSum => "sector_sum",
            Rule::MissingSource => "missing_source",
            Rule::InvalidSourceRank => "invalid_source_rank",
            Rule::IoTable => "io_table",
            Rule::Empty => "empty",
            Rule::TooLarge => "too_large",
            Rule::InvalidDate => "invalid_date",
            Rule::DateOrder => "date_order",
            Rule::UnknownIndustry => "unknown_industry",
            Rule::MissingValue => "missing_value",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem: where, which rule, and a message for people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub location: Location,
    pub rule: Rule,
    pub message: String,
}

impl Problem {
    /// A problem at `location` breaking `rule`.
    pub fn new(location: Location, rule: Rule, message: impl Into<String>) -> Problem {
        Problem {
            location,
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.location, self.rule, self.message)
    }
}

/// Every problem of a failed import. An import with at least one problem imports nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, thiserror::Error)]
pub struct ImportReport {
    /// All problems, in file order, then row order; cross-file checks last.
    pub problems: Vec<Problem>,
}

impl ImportReport {
    /// The problems breaking `rule`.
    pub fn with_rule(&self, rule: Rule) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.rule == rule)
    }

    /// The report as CSV with columns `file,sheet,row,column,column_name,rule,message`
    /// (one line per problem), for `--report FILE`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail; errors would only come from the sink.
        let _ = w.write_record([
            "file",
            "sheet",
            "row",
            "column",
            "column_name",
            "rule",
            "message",
        ]);
        for p in &self.problems {
            let l = &p.location;
            let _ = w.write_record([
                l.file.as_str(),
                l.sheet.as_deref().unwrap_or(""),
                &l.row.map(|r| r.to_string()).unwrap_or_default(),
                &l.column.map(|c| c.to_string()).unwrap_or_default(),
                l.column_name.as_deref().unwrap_or(""),
                p.rule.code(),
                &p.message,
            ]);
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{n} problem{} found; nothing was imported",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}
