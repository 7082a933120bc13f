//! Industry code lists and concordances, as bundled data.
//!
//! * IO-42 and IO-153: the sectors of China's input-output tables, codes and names taken from
//!   the bundled 2020 tables (the 2017 and 2018 42-sector tables use the same list).
//! * GB/T 4754-2017 sections (门类 A-T, 20) and divisions (大类 01-97, 97 codes with none
//!   unused), from data/classifications/gbt4754_2017_*.csv.
//! * Concordances: GB/T 4754-2017 division -> IO-42 sector, IO-153 -> IO-42 sector, and
//!   division -> section; the reverse directions and section -> IO-42 are derived.
//!
//! data/classifications/README.md ([`README_MD`]) gives the provenance and the doubtful
//! cases of the division -> IO-42 mapping.

use crate::bundled::{bundle, CsvFile, DataError};
use std::collections::HashSet;
use std::sync::OnceLock;
use tandem_core::{Classification, Concordance, Sector};

/// data/classifications/README.md: provenance and doubtful cases.
pub const README_MD: &str = include_str!("../../../data/classifications/README.md");
/// data/classifications/gbt4754_2017_sections.csv (`code,name_zh,name_en`).
pub const SECTIONS_CSV: &str =
    include_str!("../../../data/classifications/gbt4754_2017_sections.csv");
/// data/classifications/gbt4754_2017_divisions.csv (`code,section,name_zh,name_en`).
pub const DIVISIONS_CSV: &str =
    include_str!("../../../data/classifications/gbt4754_2017_divisions.csv");
/// data/classifications/concordance_gbt4754_io42.csv (`gbt4754_division,io42_code,note`).
pub const CONCORDANCE_GBT4754_IO42_CSV: &str =
    include_str!("../../../data/classifications/concordance_gbt4754_io42.csv");
/// data/classifications/concordance_io153_io42.csv (`io153_code,io42_code`).
pub const CONCORDANCE_IO153_IO42_CSV: &str =
    include_str!("../../../data/classifications/concordance_io153_io42.csv");

/// The bundled code lists and concordances, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifications {
    /// The 42 sectors of the input-output tables, `01`..`42`.
    pub io42: Vec<Sector>,
    /// The 153 products of the 2020 input-output table, `001`..`153`.
    pub io153: Vec<Sector>,
    /// GB/T 4754-2017 sections `A`..`T`.
    pub sections: Vec<Sector>,
    /// GB/T 4754-2017 divisions `01`..`97`.
    pub divisions: Vec<Sector>,
    /// Division -> section (each division in exactly one section).
    pub division_section: Concordance,
    /// Division -> IO-42 sector.
    pub division_io42: Concordance,
    /// IO-153 -> IO-42 sector.
    pub io153_io42: Concordance,
}

static CLASSIFICATIONS: OnceLock<Classifications> = OnceLock::new();

/// The bundled classifications, parsed on first use.
///
/// # Panics
/// If a bundled classification file is defective (a build defect; the tests call
/// [`Classifications::load`] to see the located error).
pub fn classifications() -> &'static Classifications {
    CLASSIFICATIONS.get_or_init(|| {
        Classifications::load().unwrap_or_else(|e| {
            panic!("the bundled classification files are defective (build defect): {e}")
        })
    })
}

impl Classifications {
    /// Parses the bundled classification files, taking the IO sector lists from the bundled
    /// 2020 input-output tables.
    ///
    /// # Errors
    /// The first defect found, located by file, row and column; a missing IO table is
    /// reported against its file.
    pub fn load() -> Result<Classifications, DataError> {
        let b = bundle();
        let table_sectors = |c: Classification, file: &str| {
            b.io_table(2020, &c)
                .map(|t| t.sectors.clone())
                .ok_or_else(|| DataError::Cell {
                    file: file.to_string(),
                    row: 1,
                    column: String::new(),
                    rule: format!("no bundled 2020 {c} input-output table"),
                })
        };
        let io42 = table_sectors(Classification::Io42, "data/io/china_2020_42.csv")?;
        let io153 = table_sectors(Classification::Io153, "data/io/china_2020_153.csv")?;
        let sections = parse_sections(
            SECTIONS_CSV,
            "data/classifications/gbt4754_2017_sections.csv",
        )?;
        let (divisions, division_section) = parse_divisions(
            DIVISIONS_CSV,
            "data/classifications/gbt4754_2017_divisions.csv",
            &sections,
        )?;
        let division_io42 = parse_concordance(
            CONCORDANCE_GBT4754_IO42_CSV,
            "data/classifications/concordance_gbt4754_io42.csv",
            (
                Classification::Gbt4754Division,
                "gbt4754_division",
                &divisions,
            ),
            (Classification::Io42, "io42_code", &io42),
        )?;
        let io153_io42 = parse_concordance(
            CONCORDANCE_IO153_IO42_CSV,
            "data/classifications/concordance_io153_io42.csv",
            (Classification::Io153, "io153_code", &io153),
            (Classification::Io42, "io42_code", &io42),
        )?;
        Ok(Classifications {
            io42,
            io153,
            sections,
            divisions,
            division_section,
            division_io42,
            io153_io42,
        })
    }
}

/// The sectors of a bundled classification, in code order; empty for a
/// [`Classification::Custom`] one (user classifications are not bundled).
pub fn sectors(c: &Classification) -> Vec<Sector> {
    let all = classifications();
    match c {
        Classification::Io42 => all.io42.clone(),
        Classification::Io153 => all.io153.clone(),
        Classification::Gbt4754Section => all.sections.clone(),
        Classification::Gbt4754Division => all.divisions.clone(),
        Classification::Custom(_) => Vec::new(),
    }
}

/// The concordance from one bundled classification to another, if tandem has one.
///
/// Available: division -> IO-42, IO-153 -> IO-42, division -> section, section -> IO-42
/// (through the divisions), each also the other way round, and the identity of any bundled
/// classification onto itself. `None` for anything else (IO-153 <-> GB/T 4754 would be a
/// guess through IO-42 and is not offered).
pub fn concordance(from: &Classification, to: &Classification) -> Option<Concordance> {
    use Classification::{Gbt4754Division as Div, Gbt4754Section as Sec, Io153, Io42};
    let all = classifications();
    match (from, to) {
        (Div, Io42) => Some(all.division_io42.clone()),
        (Io153, Io42) => Some(all.io153_io42.clone()),
        (Div, Sec) => Some(all.division_section.clone()),
        (Sec, Io42) => Some(compose(&all.division_section.inverse(), &all.division_io42)),
        (Io42, Div | Io153 | Sec) | (Sec, Div) => concordance(to, from).map(|c| c.inverse()),
        (a, b) if a == b && !matches!(a, Classification::Custom(_)) => Some(Concordance::new(
            a.clone(),
            b.clone(),
            sectors(a).into_iter().map(|s| (s.code.clone(), s.code)),
        )),
        _ => None,
    }
}

/// `a` then `b`: links x -> z wherever a maps x -> y and b maps y -> z.
fn compose(a: &Concordance, b: &Concordance) -> Concordance {
    Concordance::new(
        a.from.clone(),
        b.to.clone(),
        a.links().iter().flat_map(|(x, y)| {
            b.targets(y)
                .into_iter()
                .map(move |z| (x.clone(), z.to_string()))
        }),
    )
}

/// Parses a sections file: `code,name_zh,name_en`, codes unique.
///
/// # Errors
/// Missing columns or cells, a duplicate code.
pub fn parse_sections(text: &str, file: &str) -> Result<Vec<Sector>, DataError> {
    let csv = CsvFile::parse(text, file, &["code", "name_zh", "name_en"])?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in csv.rows() {
        let code = row.required("code")?;
        if !seen.insert(code.to_string()) {
            return Err(row.error("code", format!("duplicate code {code}")));
        }
        out.push(Sector {
            classification: Classification::Gbt4754Section,
            code: code.to_string(),
            name_en: row.required("name_en")?.to_string(),
            name_zh: row.required("name_zh")?.to_string(),
        });
    }
    Ok(out)
}

/// Parses a divisions file: `code,section,name_zh,name_en`; every section must be one of
/// `sections`. Returns the divisions and the division -> section concordance.
///
/// # Errors
/// Missing columns or cells, a duplicate code, an unknown section.
pub fn parse_divisions(
    text: &str,
    file: &str,
    sections: &[Sector],
) -> Result<(Vec<Sector>, Concordance), DataError> {
    let csv = CsvFile::parse(text, file, &["code", "section", "name_zh", "name_en"])?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut links = Vec::new();
    for row in csv.rows() {
        let code = row.required("code")?;
        if !seen.insert(code.to_string()) {
            return Err(row.error("code", format!("duplicate code {code}")));
        }
        let section = row.required("section")?;
        if !sections.iter().any(|s| s.code == section) {
            return Err(row.error("section", format!("unknown section {section}")));
        }
        links.push((code.to_string(), section.to_string()));
        out.push(Sector {
            classification: Classification::Gbt4754Division,
            code: code.to_string(),
            name_en: row.required("name_en")?.to_string(),
            name_zh: row.required("name_zh")?.to_string(),
        });
    }
    let concordance = Concordance::new(
        Classification::Gbt4754Division,
        Classification::Gbt4754Section,
        links,
    );
    Ok((out, concordance))
}

/// Parses a concordance file with one link per row, from the column `from.1` to the column
/// `to.1`; every code must belong to its classification's sector list (`from.2`, `to.2`).
/// Other columns (notes) are ignored.
///
/// # Errors
/// Missing columns or cells, a code not in its classification, a repeated link.
pub fn parse_concordance(
    text: &str,
    file: &str,
    from: (Classification, &str, &[Sector]),
    to: (Classification, &str, &[Sector]),
) -> Result<Concordance, DataError> {
    let csv = CsvFile::parse(text, file, &[from.1, to.1])?;
    let mut links = HashSet::new();
    for row in csv.rows() {
        let f = row.required(from.1)?;
        if !from.2.iter().any(|s| s.code == f) {
            return Err(row.error(from.1, format!("{f} is not a {} code", from.0)));
        }
        let t = row.required(to.1)?;
        if !to.2.iter().any(|s| s.code == t) {
            return Err(row.error(to.1, format!("{t} is not a {} code", to.0)));
        }
        if !links.insert((f.to_string(), t.to_string())) {
            return Err(row.error(to.1, format!("the link {f} -> {t} is repeated")));
        }
    }
    Ok(Concordance::new(from.0, to.0, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<Sector> {
        list.iter()
            .map(|c| Sector {
                classification: Classification::Custom("t".into()),
                code: c.to_string(),
                name_en: c.to_string(),
                name_zh: c.to_string(),
            })
            .collect()
    }

    #[test]
    fn concordance_codes_are_checked() {
        let a = codes(&["1", "2"]);
        let b = codes(&["x"]);
        let text = "from,to\n1,x\n2,y\n";
        let from = (Classification::Custom("a".into()), "from", &a[..]);
        let to = (Classification::Custom("b".into()), "to", &b[..]);
        let e = parse_concordance(text, "c.csv", from.clone(), to.clone()).unwrap_err();
        assert_eq!(e.to_string(), "c.csv, row 3, column to: y is not a b code");
        let e = parse_concordance("from,to\n1,x\n1,x\n", "c.csv", from.clone(), to.clone())
            .unwrap_err();
        assert!(e.to_string().contains("repeated"), "{e}");
        let c = parse_concordance("from,to\n1,x\n2,x\n", "c.csv", from, to).unwrap();
        assert_eq!(c.sources("x"), ["1", "2"]);
    }

    #[test]
    fn divisions_need_known_sections() {
        let sections = parse_sections("code,name_zh,name_en\nA,农业,Farming\n", "s.csv").unwrap();
        let e = parse_divisions(
            "code,section,name_zh,name_en\n01,B,x,y\n",
            "d.csv",
            &sections,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "d.csv, row 2, column section: unknown section B"
        );
        let e = parse_sections("code,name_zh,name_en\nA,a,a\nA,b,b\n", "s.csv").unwrap_err();
        assert!(e.to_string().contains("row 3") && e.to_string().contains("duplicate code A"));
    }

    #[test]
    fn composition_follows_both_links() {
        let a = Concordance::new(
            Classification::Gbt4754Section,
            Classification::Gbt4754Division,
            [
                ("A".to_string(), "01".to_string()),
                ("A".into(), "02".into()),
                ("B".into(), "06".into()),
            ],
        );
        let b = Concordance::new(
            Classification::Gbt4754Division,
            Classification::Io42,
            [
                ("01".to_string(), "01".to_string()),
                ("02".into(), "01".into()),
                ("06".into(), "02".into()),
            ],
        );
        let c = compose(&a, &b);
        assert_eq!(c.from, Classification::Gbt4754Section);
        assert_eq!(c.to, Classification::Io42);
        assert_eq!(c.targets("A"), ["01"]);
        assert_eq!(c.targets("B"), ["02"]);
    }
}
