//! Input-output tables in the CSV layout of `data/io` (see `data/io/README.md`).
//!
//! One file holds one table. Columns: `Code`, `Description` (English), `DescriptionInChinese`,
//! optionally `Origin`, then one column per sector code (intermediate use, codes made of
//! digits such as `01` or `001`), then the final-use columns (`TIU`, `TC`, `FU201`, `EX`,
//! `TFU`, ..., `IM` in a competitive table) and `GO` (gross output).
//!
//! * With an `Origin` column the table is non-competitive (非竞争型): rows with
//!   `Origin=Domestic` form the domestic block, rows with `Origin=Imports` the imports block,
//!   rows with `Origin=TOT` the totals and value added.
//! * Without it the table is competitive (竞争型): one block of sector rows, imports as the
//!   `IM` column, which goes into [`IoTable::imports`].
//!
//! Value-added rows (`VA001`..`VA004`, any other `VA...` code, and `TVA`) go into
//! [`IoTable::value_added`], read over the sector columns only. The total rows `TII` (total
//! intermediate input) and `TI` (total input) are accepted and not stored: they are sums of
//! what is stored. `TIU` (total intermediate use) is likewise a row sum and not stored.
//!
//! Every cell read into the table must be a finite number; an empty cell is an error except in
//! the final-use columns of value-added and total rows, which the NBS tables leave blank.

use std::collections::{HashMap, HashSet};
use tandem_core::{Classification, IoTable, IoTableKind, NamedVector, Sector};

/// The rule an input-output CSV broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IoCsvRule {
    /// The text is not CSV the reader can split into fields.
    #[error("malformed CSV: {0}")]
    Malformed(String),
    /// The file has no header row.
    #[error("empty file: no header row")]
    Empty,
    /// A required column is absent from the header.
    #[error("missing column {0}")]
    MissingColumn(String),
    /// Two header cells carry the same name.
    #[error("duplicate column {0}")]
    DuplicateColumn(String),
    /// No sector columns follow the description columns.
    #[error("no sector columns: expected numeric sector codes (01, 001, ...) after the description columns")]
    NoSectorColumns,
    /// A row has a different number of fields from the header.
    #[error("the row has {got} fields but the header has {expected}")]
    FieldCount { got: usize, expected: usize },
    /// A cell that must hold a number is empty.
    #[error("empty cell where a number is required")]
    EmptyCell,
    /// A cell that must hold a number holds something else (text, NaN, infinity).
    #[error("not a number: {0:?}")]
    NotANumber(String),
    /// The `Origin` cell is not `Domestic`, `Imports` or `TOT`.
    #[error("unknown Origin {0:?}: expected Domestic, Imports or TOT")]
    UnknownOrigin(String),
    /// A row code that is neither a sector code nor a known total or value-added row.
    #[error("unknown row code {0:?}: expected a sector code, TII, VA001..VA004, TVA or TI")]
    UnknownRowCode(String),
    /// The same row code appears twice in one block.
    #[error("duplicate row code {0}")]
    DuplicateRowCode(String),
    /// The sector rows do not list the sector columns' codes in the same order.
    #[error("sector codes of rows and columns differ: {0}")]
    SectorCodesDiffer(String),
}

/// A defect in an input-output CSV, located by file, row and column.
///
/// `row` is 1-based and counts the header as row 1, so it matches the line a spreadsheet
/// shows (for files without line breaks inside quoted cells).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, row {row}, column {column}: {rule}")]
pub struct IoCsvError {
    /// The file name given to [`parse_io_table`].
    pub file: String,
    /// 1-based row, header = 1.
    pub row: usize,
    /// The column's header name (`Code`, `GO`, a sector code); empty if the whole row is at fault.
    pub column: String,
    /// What is wrong.
    pub rule: IoCsvRule,
}

/// Which block a sector row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Domestic,
    Imports,
}

/// One parsed sector row.
struct SectorRow {
    row: usize,
    code: String,
    name_en: String,
    name_zh: String,
    intermediate: Vec<f64>,
    final_use: Vec<f64>,
    imports: Option<f64>,
    gross_output: f64,
}

/// Column positions found in the header.
struct Columns {
    names: Vec<String>,
    code: usize,
    name_en: usize,
    name_zh: usize,
    origin: Option<usize>,
    sectors: Vec<usize>,
    final_use: Vec<usize>,
    imports: Option<usize>,
    gross_output: usize,
}

/// Parses one input-output table.
///
/// `file` is only used in error messages; `year` and `source` are stored in the table. The
/// classification follows the number of sectors: 42 -> [`Classification::Io42`], 153 ->
/// [`Classification::Io153`], any other `n` -> `Classification::Custom("io{n}")`.
///
/// The table's accounts are not checked here (call [`IoTable::check_balance`]); its shape
/// is, and holds by construction.
///
/// # Errors
/// An [`IoCsvError`] naming the file, the 1-based row (header = row 1), the column and the
/// rule: a missing `Code`/`Description`/`DescriptionInChinese`/`TFU`/`GO` column, an empty or
/// non-numeric cell in a sector row or in a value-added row's sector columns, an unknown
/// `Origin` or row code, a duplicate row code, or sector rows whose codes do not match the
/// sector columns in order.
pub fn parse_io_table(
    text: &str,
    file: &str,
    year: i32,
    source: &str,
) -> Result<IoTable, IoCsvError> {
    let err = |row: usize, column: &str, rule: IoCsvRule| IoCsvError {
        file: file.to_string(),
        row,
        column: column.to_string(),
        rule,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(index + 1, "", IoCsvRule::Malformed(e.to_string())))?;
        records.push(record);
    }
    let (header, body) = records
        .split_first()
        .ok_or_else(|| err(1, "", IoCsvRule::Empty))?;
    let columns = read_header(header).map_err(|(column, rule)| err(1, &column, rule))?;
    let kind = if columns.origin.is_some() {
        IoTableKind::NonCompetitive
    } else {
        IoTableKind::Competitive
    };
    let n = columns.sectors.len();
    let classification = match n {
        42 => Classification::Io42,
        153 => Classification::Io153,
        _ => Classification::Custom(format!("io{n}")),
    };

    let mut domestic: Vec<SectorRow> = Vec::new();
    let mut imports: Vec<SectorRow> = Vec::new();
    let mut value_added: Vec<NamedVector> = Vec::new();
    let mut seen: HashMap<&'static str, HashSet<String>> = HashMap::new();
    for (index, record) in body.iter().enumerate() {
        let row = index + 2;
        if record.len() != columns.names.len() {
            let column = columns.names.get(record.len()).map_or("", |s| s.as_str());
            return Err(err(
                row,
                column,
                IoCsvRule::FieldCount {
                    got: record.len(),
                    expected: columns.names.len(),
                },
            ));
        }
        let code = record[columns.code].trim().to_string();
        let origin = columns.origin.map(|i| record[i].trim());
        let block = match origin {
            Some(o) if o.eq_ignore_ascii_case("domestic") => Some(Block::Domestic),
            Some(o) if o.eq_ignore_ascii_case("imports") => Some(Block::Imports),
            Some(o) if o.eq_ignore_ascii_case("tot") => None,
            Some(o) => {
                return Err(err(row, "Origin", IoCsvRule::UnknownOrigin(o.to_string())));
            }
            None if is_sector_code(&code) => Some(Block::Domestic),
            None => None,
        };
        let block_name = match block {
            Some(Block::Domestic) => "domestic",
            Some(Block::Imports) => "imports",
            None => "totals",
        };
        if !seen.entry(block_name).or_default().insert(code.clone()) {
            return Err(err(row, "Code", IoCsvRule::DuplicateRowCode(code)));
        }
        let number = |i: usize| -> Result<f64, IoCsvError> {
            parse_number(&record[i]).map_err(|rule| err(row, &columns.names[i], rule))
        };
        match block {
            Some(b) => {
                let sector_row = SectorRow {
                    row,
                    name_en: record[columns.name_en].trim().to_string(),
                    name_zh: record[columns.name_zh].trim().to_string(),
                    intermediate: columns
                        .sectors
                        .iter()
                        .map(|&i| number(i))
                        .collect::<Result<_, _>>()?,
                    final_use: columns
                        .final_use
                        .iter()
                        .map(|&i| number(i))
                        .collect::<Result<_, _>>()?,
                    imports: columns.imports.map(number).transpose()?,
                    gross_output: number(columns.gross_output)?,
                    code,
                };
                match b {
                    Block::Domestic => domestic.push(sector_row),
                    Block::Imports => imports.push(sector_row),
                }
            }
            None if code == "TII" || code == "TI" => {}
            None if code == "TVA" || code.starts_with("VA") => {
                let values = columns
                    .sectors
                    .iter()
                    .map(|&i| number(i))
                    .collect::<Result<_, _>>()?;
                value_added.push(NamedVector { code, values });
            }
            None => return Err(err(row, "Code", IoCsvRule::UnknownRowCode(code))),
        }
    }

    let sector_codes: Vec<&str> = columns
        .sectors
        .iter()
        .map(|&i| columns.names[i].as_str())
        .collect();
    check_codes(&domestic, &sector_codes, "Domestic")
        .map_err(|(row, column, rule)| err(row, &column, rule))?;
    if kind == IoTableKind::NonCompetitive {
        check_codes(&imports, &sector_codes, "Imports")
            .map_err(|(row, column, rule)| err(row, &column, rule))?;
    }

    let sectors = domestic
        .iter()
        .map(|r| Sector {
            classification: classification.clone(),
            code: r.code.clone(),
            name_en: r.name_en.clone(),
            name_zh: r.name_zh.clone(),
        })
        .collect();
    let final_use_names: Vec<String> = columns
        .final_use
        .iter()
        .map(|&i| columns.names[i].clone())
        .collect();
    let table = IoTable {
        year,
        classification,
        kind,
        sectors,
        intermediate: flatten(&domestic),
        intermediate_imports: (kind == IoTableKind::NonCompetitive).then(|| flatten(&imports)),
        final_use: final_use_vectors(&final_use_names, &domestic),
        final_use_imports: (kind == IoTableKind::NonCompetitive)
            .then(|| final_use_vectors(&final_use_names, &imports)),
        imports: columns
            .imports
            .map(|_| domestic.iter().map(|r| r.imports.unwrap_or(0.0)).collect()),
        gross_output: domestic.iter().map(|r| r.gross_output).collect(),
        value_added,
        source: source.to_string(),
    };
    debug_assert!(table.check_shape().is_ok());
    Ok(table)
}

/// Whether a code names a sector (digits only: `01`, `001`).
fn is_sector_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a numeric cell, refusing empty cells, text, NaN and infinities.
fn parse_number(cell: &str) -> Result<f64, IoCsvRule> {
    let t = cell.trim();
    if t.is_empty() {
        return Err(IoCsvRule::EmptyCell);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(IoCsvRule::NotANumber(t.to_string())),
    }
}

/// Finds the named and the sector columns; returns the offending column and rule on failure.
fn read_header(header: &csv::StringRecord) -> Result<Columns, (String, IoCsvRule)> {
    let names: Vec<String> = header.iter().map(|s| s.trim().to_string()).collect();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if positions.insert(name.as_str(), i).is_some() {
            return Err((name.clone(), IoCsvRule::DuplicateColumn(name.clone())));
        }
    }
    let required = |name: &str| {
        positions
            .get(name)
            .copied()
            .ok_or_else(|| (name.to_string(), IoCsvRule::MissingColumn(name.to_string())))
    };
    let code = required("Code")?;
    let name_en = required("Description")?;
    let name_zh = required("DescriptionInChinese")?;
    let origin = positions.get("Origin").copied();
    let gross_output = required("GO")?;
    required("TFU")?;
    let imports = positions.get("IM").copied();
    let meta_end = [Some(code), Some(name_en), Some(name_zh), origin]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
    // Sector columns: the run of digit-coded columns right after the description columns.
    let sectors: Vec<usize> = (meta_end + 1..names.len())
        .take_while(|&i| is_sector_code(&names[i]))
        .collect();
    if sectors.is_empty() {
        let column = names.get(meta_end + 1).cloned().unwrap_or_default();
        return Err((column, IoCsvRule::NoSectorColumns));
    }
    let after_sectors = sectors.last().map_or(meta_end + 1, |&i| i + 1);
    if let Some(i) = (after_sectors..names.len()).find(|&i| is_sector_code(&names[i])) {
        return Err((
            names[i].clone(),
            IoCsvRule::SectorCodesDiffer(format!(
                "sector column {} stands among the final-use columns",
                names[i]
            )),
        ));
    }
    // TIU is the row sum of intermediate use, GO and IM have fields of their own.
    let final_use = (after_sectors..names.len())
        .filter(|&i| !matches!(names[i].as_str(), "TIU" | "GO" | "IM"))
        .collect();
    Ok(Columns {
        names,
        code,
        name_en,
        name_zh,
        origin,
        sectors,
        final_use,
        imports,
        gross_output,
    })
}

/// Checks that a block's rows carry the sector columns' codes in the same order.
fn check_codes(
    rows: &[SectorRow],
    sector_codes: &[&str],
    block: &str,
) -> Result<(), (usize, String, IoCsvRule)> {
    for (i, expected) in sector_codes.iter().enumerate() {
        match rows.get(i) {
            Some(r) if r.code == *expected => {}
            Some(r) => {
                return Err((
                    r.row,
                    "Code".to_string(),
                    IoCsvRule::SectorCodesDiffer(format!(
                        "{block} row {} stands where sector column {expected} expects its row",
                        r.code
                    )),
                ))
            }
            None => {
                return Err((
                    1,
                    expected.to_string(),
                    IoCsvRule::SectorCodesDiffer(format!(
                        "sector column {expected} has no {block} row"
                    )),
                ))
            }
        }
    }
    if let Some(extra) = rows.get(sector_codes.len()) {
        return Err((
            extra.row,
            "Code".to_string(),
            IoCsvRule::SectorCodesDiffer(format!(
                "{block} row {} has no sector column",
                extra.code
            )),
        ));
    }
    Ok(())
}

/// The intermediate-use block of some rows, row-major.
fn flatten(rows: &[SectorRow]) -> Vec<f64> {
    rows.iter()
        .flat_map(|r| r.intermediate.iter().copied())
        .collect()
}

/// The final-use columns of some rows, one vector per column.
fn final_use_vectors(names: &[String], rows: &[SectorRow]) -> Vec<NamedVector> {
    names
        .iter()
        .enumerate()
        .map(|(k, code)| NamedVector {
            code: code.clone(),
            values: rows.iter().map(|r| r.final_use[k]).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPETITIVE: &str = "\
Code,Description,DescriptionInChinese,01,02,TIU,TC,EX,TFU,IM,GO
01,Farming,农业,10,20,30,60,15,75,5,100
02,Industry,工业,30,40,70,20,20,40,10,100
TII,Total intermediate input,中间投入合计,40,60,100,,,,,
VA001,Compensation,劳动者报酬,35,25,60,,,,,
TVA,Total value-added,增加值合计,60,40,100,,,,,
TI,Total inputs,总投入,100,100,200,,,,,
";

    const NON_COMPETITIVE: &str = "\
Code,Description,DescriptionInChinese,Origin,01,02,03,TIU,TC,EX,TFU,GO
01,A,甲,Domestic,1,2,3,6,4,0,4,10
02,B,乙,Domestic,2,2,2,6,10,4,14,20
03,C,丙,Domestic,0,1,1,2,27,1,28,30
01,A,甲,Imports,0.5,0,0,0.5,0.5,0,0.5,1
02,B,乙,Imports,0,1,0,1,1,0,1,2
03,C,丙,Imports,0,0,0,0,3,0,3,3
TII,Total,中间投入合计,TOT,3.5,6,6,15.5,45.5,5,50.5,66
VA001,Comp,劳动者报酬,TOT,3,10,20,33,,,,
VA004,Surplus,营业盈余,TOT,3.5,4,4,11.5,,,,
TVA,Total value-added,增加值合计,TOT,6.5,14,24,44.5,,,,
TI,Total inputs,总投入,TOT,10,20,30,60,,,,
";

    #[test]
    fn competitive_table_is_read_and_balances() {
        let t = parse_io_table(COMPETITIVE, "c.csv", 2020, "hand-made").unwrap();
        assert_eq!(t.kind, IoTableKind::Competitive);
        assert_eq!(t.classification, Classification::Custom("io2".into()));
        assert_eq!(t.sectors[1].code, "02");
        assert_eq!(t.sectors[1].name_en, "Industry");
        assert_eq!(t.sectors[1].name_zh, "工业");
        assert_eq!(t.intermediate, vec![10.0, 20.0, 30.0, 40.0]);
        assert_eq!(t.imports, Some(vec![5.0, 10.0]));
        assert_eq!(t.gross_output, vec![100.0, 100.0]);
        let codes: Vec<&str> = t.final_use.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["TC", "EX", "TFU"]);
        assert_eq!(t.final_use_column("TFU"), Some(&[75.0, 40.0][..]));
        assert_eq!(t.value_added_row("VA001"), Some(&[35.0, 25.0][..]));
        assert_eq!(t.value_added_row("TVA"), Some(&[60.0, 40.0][..]));
        assert!(t.intermediate_imports.is_none() && t.final_use_imports.is_none());
        t.check_balance(1e-12).unwrap();
    }

    #[test]
    fn non_competitive_table_splits_blocks() {
        let t = parse_io_table(NON_COMPETITIVE, "n.csv", 2017, "hand-made").unwrap();
        assert_eq!(t.kind, IoTableKind::NonCompetitive);
        assert_eq!(t.classification, Classification::Custom("io3".into()));
        assert_eq!(t.year, 2017);
        assert_eq!(t.n(), 3);
        assert_eq!(t.intermediate[3..6], [2.0, 2.0, 2.0]);
        let m = t.intermediate_imports.as_ref().unwrap();
        assert_eq!(m[..3], [0.5, 0.0, 0.0]);
        assert_eq!(m[4], 1.0);
        let fu_im = t.final_use_imports.as_ref().unwrap();
        let tfu_im = fu_im.iter().find(|c| c.code == "TFU").unwrap();
        assert_eq!(tfu_im.values, vec![0.5, 1.0, 3.0]);
        assert_eq!(t.final_use_column("TFU"), Some(&[4.0, 14.0, 28.0][..]));
        assert_eq!(t.gross_output, vec![10.0, 20.0, 30.0]);
        assert!(t.imports.is_none());
        assert_eq!(t.value_added.len(), 3);
        assert_eq!(t.value_added_row("VA004"), Some(&[3.5, 4.0, 4.0][..]));
        t.check_balance(1e-12).unwrap();
    }

    fn broken(text: &str) -> IoCsvError {
        parse_io_table(text, "broken.csv", 2020, "test").unwrap_err()
    }

    #[test]
    fn text_in_the_intermediate_block_is_located() {
        let text = COMPETITIVE.replace("02,Industry,工业,30,40", "02,Industry,工业,30,n/a");
        let e = broken(&text);
        assert_eq!((e.row, e.column.as_str()), (3, "02"));
        assert_eq!(e.rule, IoCsvRule::NotANumber("n/a".into()));
        let message = e.to_string();
        assert!(
            message.contains("broken.csv") && message.contains("row 3"),
            "{message}"
        );
        assert!(
            message.contains("column 02") && message.contains("not a number"),
            "{message}"
        );
    }

    #[test]
    fn empty_and_nan_cells_in_sector_rows_are_errors() {
        let e = broken(&COMPETITIVE.replace("01,Farming,农业,10,20", "01,Farming,农业,,20"));
        assert_eq!(
            (e.row, e.column.as_str(), e.rule),
            (2, "01", IoCsvRule::EmptyCell)
        );
        let e = broken(&COMPETITIVE.replace("75,5,100", "75,5,NaN"));
        assert_eq!((e.row, e.column.as_str()), (2, "GO"));
        assert!(matches!(e.rule, IoCsvRule::NotANumber(_)));
        // The value-added rows' sector columns are part of the table too.
        let e = broken(&COMPETITIVE.replace(
            "VA001,Compensation,劳动者报酬,35",
            "VA001,Compensation,劳动者报酬,",
        ));
        assert_eq!(
            (e.row, e.column.as_str(), e.rule),
            (5, "01", IoCsvRule::EmptyCell)
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let e = broken(&COMPETITIVE.replace(",GO\n", ",OUT\n"));
        assert_eq!((e.row, e.column.as_str()), (1, "GO"));
        assert_eq!(e.rule, IoCsvRule::MissingColumn("GO".into()));
        assert!(e.to_string().contains("missing column GO"));
        let e = broken(&COMPETITIVE.replace("Code,", "Id,"));
        assert_eq!(e.rule, IoCsvRule::MissingColumn("Code".into()));
        let e = broken("Code,Description,DescriptionInChinese,TFU,GO\n");
        assert_eq!(e.rule, IoCsvRule::NoSectorColumns);
        assert_eq!(broken("").rule, IoCsvRule::Empty);
    }

    #[test]
    fn row_and_column_codes_must_agree() {
        // Rows in a different order from the columns.
        let swapped = NON_COMPETITIVE
            .replace("02,B,乙,Domestic", "XX")
            .replace("03,C,丙,Domestic", "02,B,乙,Domestic")
            .replace("XX", "03,C,丙,Domestic");
        let e = broken(&swapped);
        assert_eq!((e.row, e.column.as_str()), (3, "Code"));
        assert!(matches!(e.rule, IoCsvRule::SectorCodesDiffer(_)));
        assert!(e
            .to_string()
            .contains("sector codes of rows and columns differ"));
        // An imports row missing.
        let e = broken(&NON_COMPETITIVE.replace("03,C,丙,Imports,0,0,0,0,3,0,3,3\n", ""));
        assert_eq!((e.row, e.column.as_str()), (1, "03"));
        assert!(matches!(e.rule, IoCsvRule::SectorCodesDiffer(_)));
        // A sector row with no column.
        let extra = COMPETITIVE.replace("TII,", "03,Extra,多,1,1,2,0,0,0,0,2\nTII,");
        let e = broken(&extra);
        assert_eq!(e.row, 4);
        assert!(matches!(e.rule, IoCsvRule::SectorCodesDiffer(_)));
    }

    #[test]
    fn duplicates_and_unknown_rows_are_errors() {
        let dup = COMPETITIVE.replace("02,Industry", "01,Industry");
        let e = broken(&dup);
        assert_eq!((e.row, e.column.as_str()), (3, "Code"));
        assert_eq!(e.rule, IoCsvRule::DuplicateRowCode("01".into()));
        assert!(e.to_string().contains("duplicate row code 01"));
        let e = broken(&COMPETITIVE.replace("TVA,Total", "XYZ,Total"));
        assert_eq!(e.rule, IoCsvRule::UnknownRowCode("XYZ".into()));
        let e = broken(&NON_COMPETITIVE.replace("02,B,乙,Imports", "02,B,乙,Foreign"));
        assert_eq!((e.row, e.column.as_str()), (6, "Origin"));
        assert_eq!(e.rule, IoCsvRule::UnknownOrigin("Foreign".into()));
        let e = broken(&COMPETITIVE.replace("Code,Description,", "Code,Code,Description,"));
        assert_eq!(e.rule, IoCsvRule::DuplicateColumn("Code".into()));
    }

    #[test]
    fn ragged_rows_are_errors() {
        let e = broken(&COMPETITIVE.replace("40,70,20,20,40,10,100", "40,70,20,20,40,10"));
        assert_eq!(e.row, 3);
        assert_eq!(e.column, "GO");
        assert_eq!(
            e.rule,
            IoCsvRule::FieldCount {
                got: 10,
                expected: 11
            }
        );
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let text = format!("\u{feff}{}", COMPETITIVE.replace('\n', "\r\n"));
        let t = parse_io_table(&text, "c.csv", 2020, "x").unwrap();
        assert_eq!(t.gross_output, vec![100.0, 100.0]);
        assert_eq!(t.sectors[0].code, "01");
    }
}
