//! Deliberately broken files: one per rule, each asserting the rule, row and column, and
//! that a file with any problem yields no data.

mod import_support;

use import_support::*;
use tandem_data::import::{
    import_bytes, import_many, read_panel_bytes, ImportOptions, ImportReport, PanelOptions, Rule,
    Tolerances,
};

const HEADER: &str = "locality_id,year,indicator,value,unit,source_url\n";

/// Imports a long CSV made of HEADER + `rows`; the import must fail.
fn long_err(rows: &str) -> ImportReport {
    long_err_with(rows, &ImportOptions::default())
}

fn long_err_with(rows: &str, opts: &ImportOptions) -> ImportReport {
    let text = format!("{HEADER}{rows}");
    match import_bytes("bad.csv", text.as_bytes(), opts, &localities()) {
        Ok(batch) => panic!("expected a failed import, got {batch:?}"),
        Err(report) => report,
    }
}

const GOOD: &str = "ah-bozhou,2021,gdp,1972.4,100m_yuan,https://example.org/b\n";

#[test]
fn unknown_locality_with_suggestions() {
    let r = long_err(&format!(
        "{GOOD}宿洲市,2021,gdp,2167.7,100m_yuan,https://example.org/s\n"
    ));
    let p = only(&r, Rule::UnknownLocality);
    assert_at(&p, 3, 1);
    assert_eq!(p.location.file, "bad.csv");
    assert_eq!(p.location.column_name.as_deref(), Some("locality_id"));
    assert!(p.message.contains("ah-suzhou (宿州市"), "{}", p.message);
}

#[test]
fn english_suzhou_is_ambiguous() {
    let r = long_err("Suzhou,2021,gdp,2167.7,100m_yuan,https://example.org/s\n");
    let p = only(&r, Rule::AmbiguousLocality);
    assert_at(&p, 2, 1);
    assert!(
        p.message.contains("js-suzhou") && p.message.contains("ah-suzhou"),
        "{}",
        p.message
    );
}

#[test]
fn unknown_indicator_in_a_cell_and_in_a_header() {
    let r = long_err(&format!(
        "{GOOD}ah-bozhou,2021,gpd,1972.4,100m_yuan,https://example.org/b\n"
    ));
    let p = only(&r, Rule::UnknownIndicator);
    assert_at(&p, 3, 3);
    assert!(p.message.contains("did you mean gdp"), "{}", p.message);

    let wide = "地区,地区生产总值(亿元),幸福指数\n亳州,1972.4,88\n";
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    let p = only(&r, Rule::UnknownIndicator);
    assert_at(&p, 1, 3);
}

#[test]
fn unknown_unit() {
    let r = long_err("ah-bozhou,2021,gdp,1972.4,furlongs,https://example.org/b\n");
    assert_at(&only(&r, Rule::UnknownUnit), 2, 5);
}

#[test]
fn missing_unit() {
    let r = long_err("ah-bozhou,2021,gdp,1972.4,,https://example.org/b\n");
    assert_at(&only(&r, Rule::MissingUnit), 2, 5);
    // --unit fills it in.
    let text = format!("{HEADER}ah-bozhou,2021,gdp,1972.4,,https://example.org/b\n");
    let opts = ImportOptions {
        unit: Some(tandem_core::Unit::HundredMillionYuan),
        ..ImportOptions::default()
    };
    assert!(import_bytes("ok.csv", text.as_bytes(), &opts, &localities()).is_ok());
}

#[test]
fn non_numeric_value() {
    let r = long_err(&format!(
        "{GOOD}ah-bozhou,2022,gdp,约2142,100m_yuan,https://example.org/b\n"
    ));
    assert_at(&only(&r, Rule::NonNumeric), 3, 4);
    let r = long_err("ah-bozhou,2022,gdp,NaN,100m_yuan,https://example.org/b\n");
    assert_at(&only(&r, Rule::NonNumeric), 2, 4);
}

#[test]
fn negative_where_impossible() {
    let r =
        long_err("ah-bozhou,2022,population_resident,-497.5,10k_persons,https://example.org/b\n");
    let p = only(&r, Rule::Negative);
    assert_at(&p, 2, 4);
    assert!(p.message.contains("population_resident"));
}

#[test]
fn share_above_100_percent() {
    let r = long_err("ah-bozhou,2022,urbanization_rate,143,percent,https://example.org/b\n");
    assert_at(&only(&r, Rule::AboveMax), 2, 4);
    // 1.43 as a ratio is 143 %: the check runs after conversion.
    let r = long_err("ah-bozhou,2022,urbanization_rate,1.43,ratio,https://example.org/b\n");
    assert_at(&only(&r, Rule::AboveMax), 2, 4);
}

#[test]
fn duplicate_with_conflicting_value_in_one_file() {
    let r = long_err(&format!(
        "{GOOD}亳州,2021,gdp,1980,100m_yuan,https://example.org/c\n"
    ));
    let p = only(&r, Rule::DuplicateConflict);
    assert_at(&p, 3, 4);
    assert!(p.message.contains("row 2"), "{}", p.message);
}

#[test]
fn duplicate_with_conflicting_value_across_files() {
    let a = format!("{HEADER}{GOOD}");
    let b = format!("{HEADER}ah-bozhou,2021,gdp,1990,100m_yuan,https://example.org/c\n");
    let r = import_many(
        &[("a.csv", a.as_bytes()), ("b.csv", b.as_bytes())],
        &ImportOptions::default(),
        &localities(),
    )
    .unwrap_err();
    let p = only(&r, Rule::DuplicateConflict);
    assert_eq!(p.location.file, "b.csv");
    assert_at(&p, 2, 4);
    assert!(p.message.contains("a.csv"), "{}", p.message);
}

const SECTORS: &str = "\
ah-suzhou,2021,gdp,2167.7,100m_yuan,s
ah-suzhou,2021,va_primary,325.8,100m_yuan,s
ah-suzhou,2021,va_secondary,775.3,100m_yuan,s
ah-suzhou,2021,va_tertiary,1166.6,100m_yuan,s
";

#[test]
fn sector_levels_must_add_up_to_gdp() {
    // The parts add up to 2267.7, 4.6 % above GDP.
    let r = long_err(SECTORS);
    let p = only(&r, Rule::SectorSum);
    assert_at(&p, 2, 4); // reported at the GDP cell
    assert!(p.message.contains("2267.7"), "{}", p.message);
    // The tolerance is settable.
    let loose = ImportOptions {
        tolerances: Tolerances {
            level_relative: 0.05,
            ..Tolerances::default()
        },
        ..ImportOptions::default()
    };
    let text = format!("{HEADER}{SECTORS}");
    assert!(import_bytes("s.csv", text.as_bytes(), &loose, &localities()).is_ok());
}

#[test]
fn sector_shares_must_add_up_to_100() {
    let rows = "\
ah-suzhou,2021,share_primary,15.0,percent,s
ah-suzhou,2021,share_secondary,35.8,percent,s
ah-suzhou,2021,share_tertiary,48.2,percent,s
";
    let p = only(&long_err(rows), Rule::SectorSum);
    assert_at(&p, 4, 4);
    assert!(p.message.contains("99 %"), "{}", p.message);
    // Within 0.5 percentage points is accepted (rounded shares).
    let ok = rows.replace("48.2", "48.9");
    let text = format!("{HEADER}{ok}");
    assert!(import_bytes(
        "s.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        &localities()
    )
    .is_ok());
}

#[test]
fn years_out_of_range_and_invalid() {
    let r = long_err(&format!(
        "{GOOD}ah-bozhou,2202,gdp,1972.4,100m_yuan,s\nah-bozhou,2021.5,gdp,1,100m_yuan,s\n"
    ));
    assert_at(&only(&r, Rule::YearOutOfRange), 3, 2);
    assert_at(&only(&r, Rule::InvalidYear), 4, 2);
    // A year option outside the range is reported once, not once per value.
    let wide = "地  区,地区生产总值(亿元)\n亳州,1972.4\n阜阳,3071.5\n";
    let opts = ImportOptions {
        year: Some(1800),
        ..opts_with_source()
    };
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    assert_eq!(r.problems.len(), 1, "{r}");
    assert_eq!(only(&r, Rule::YearOutOfRange).location.row, None);
    let narrow = ImportOptions {
        years: 2022..=2030,
        ..ImportOptions::default()
    };
    let r = long_err_with(GOOD, &narrow);
    let p = only(&r, Rule::YearOutOfRange);
    assert!(p.message.contains("2022-2030"), "{}", p.message);
}

#[test]
fn mixed_units_in_one_wide_column() {
    let wide = "地区,地区生产总值\n宿州,12.3亿元\n蚌埠,4500万元\n";
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    let p = only(&r, Rule::MixedUnits);
    assert_at(&p, 3, 2);
    assert!(p.message.contains("row 2"), "{}", p.message);

    // A unit column that changes between rows mixes units in each value column.
    let wide = "地区,单位,地区生产总值\n宿州,亿元,2167.7\n蚌埠,万元,21151000\n";
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    assert_at(&only(&r, Rule::MixedUnits), 3, 3);

    // A cell unit contradicting the header's unit.
    let wide = "地区,地区生产总值(亿元)\n宿州,4500万元\n";
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    assert_at(&only(&r, Rule::MixedUnits), 2, 2);
}

#[test]
fn unit_of_the_wrong_dimension() {
    let r = long_err("ah-bozhou,2021,gdp,497.5,10k_persons,s\n");
    let p = only(&r, Rule::WrongDimension);
    assert_at(&p, 2, 4);
    assert!(p.message.contains("gdp"));
    let wide = "地区,常住人口(亿元)\n亳州,497.5\n";
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let r = import_bytes("w.csv", wide.as_bytes(), &opts, &localities()).unwrap_err();
    assert_at(&only(&r, Rule::WrongDimension), 2, 2);
}

#[test]
fn every_value_needs_a_source() {
    let text = "locality_id,year,indicator,value,unit\nah-bozhou,2021,gdp,1972.4,100m_yuan\n";
    let r = import_bytes(
        "nosrc.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        &localities(),
    )
    .unwrap_err();
    let p = only(&r, Rule::MissingSource);
    assert_eq!(p.location.row, Some(1));
    assert_eq!(
        p.message,
        "no source: add a source_url column or pass --source"
    );
    // An empty source cell without --source is reported at that cell.
    let r = long_err(&format!("{GOOD}ah-bozhou,2022,gdp,2142.8,100m_yuan,\n"));
    assert_at(&only(&r, Rule::MissingSource), 3, 6);
}

#[test]
fn invalid_source_rank() {
    let text = "locality_id,year,indicator,value,unit,source_url,source_rank\nah-bozhou,2021,gdp,1972.4,100m_yuan,s,9\n";
    let r = import_bytes(
        "r.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        &localities(),
    )
    .unwrap_err();
    assert_at(&only(&r, Rule::InvalidSourceRank), 2, 7);
}

#[test]
fn undecodable_bytes() {
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"ah-bozhou,2021,gdp,\xFF\xFF,100m_yuan,s\n");
    let r = import_bytes("enc.csv", &bytes, &ImportOptions::default(), &localities()).unwrap_err();
    let p = only(&r, Rule::Encoding);
    assert!(
        p.message.contains(&format!("offset {}", HEADER.len() + 19)),
        "{}",
        p.message
    );
}

#[test]
fn missing_columns_and_extra_cells() {
    let text = "locality_id,year,value\nah-bozhou,2021,1\n";
    let r = import_bytes(
        "m.csv",
        text.as_bytes(),
        &ImportOptions {
            layout: Some(tandem_data::import::Layout::Long),
            ..ImportOptions::default()
        },
        &localities(),
    )
    .unwrap_err();
    let p = only(&r, Rule::MissingColumn);
    assert!(p.message.contains("indicator"), "{}", p.message);
    let r = long_err("ah-bozhou,2021,gdp,1972.4,100m_yuan,s,surprise\n");
    assert_at(&only(&r, Rule::ExtraCells), 2, 7);
}

#[test]
fn one_bad_row_among_good_ones_yields_no_data_and_all_problems_are_listed() {
    let rows = "\
ah-bozhou,2021,gdp,1972.4,100m_yuan,s
ah-fuyang,2021,gdp,3071.5,100m_yuan,s
ah-luan,2021,gdp,-1,100m_yuan,s
ah-huaibei,2021,gdp,1223,100m_yuan,s
";
    let r = long_err(rows);
    assert_eq!(r.problems.len(), 1, "{r}");
    assert_at(&only(&r, Rule::Negative), 4, 4);

    // Several problems in one file: every one is reported, in row order.
    let rows = "\
Atlantis,2021,gdp,1,100m_yuan,s
ah-bozhou,1800,gdp,1,100m_yuan,s
ah-bozhou,2021,gdp,abc,100m_yuan,s
";
    let r = long_err(rows);
    let rules: Vec<Rule> = r.problems.iter().map(|p| p.rule).collect();
    assert_eq!(
        rules,
        [
            Rule::UnknownLocality,
            Rule::YearOutOfRange,
            Rule::NonNumeric
        ]
    );
    let rows: Vec<Option<usize>> = r.problems.iter().map(|p| p.location.row).collect();
    assert_eq!(rows, [Some(2), Some(3), Some(4)]);
}

#[test]
fn report_as_csv_and_text() {
    let r = long_err("Suzhou,2021,gdp,1,100m_yuan,s\nah-bozhou,2021,gdp,x,100m_yuan,s\n");
    let csv_text = r.to_csv();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "file",
            "sheet",
            "row",
            "column",
            "column_name",
            "rule",
            "message"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], "bad.csv");
    assert_eq!(&records[0][2], "2");
    assert_eq!(&records[0][3], "1");
    assert_eq!(&records[0][5], "ambiguous_locality");
    assert_eq!(&records[1][5], "non_numeric");
    let text = r.to_string();
    assert!(
        text.starts_with("2 problems found; nothing was imported"),
        "{text}"
    );
    assert!(
        text.contains("bad.csv, row 3, column 4 (value): [non_numeric]"),
        "{text}"
    );
}

#[test]
fn xlsx_problems_name_the_sheet() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    s.set_name("GDP").unwrap();
    s.write_string(0, 0, "地区").unwrap();
    s.write_string(0, 1, "地区生产总值(亿元)").unwrap();
    s.write_string(1, 0, "亳州").unwrap();
    s.write_number(1, 1, 1972.4).unwrap();
    s.write_string(2, 0, "淮北").unwrap();
    s.write_string(2, 1, "n.a").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let r = import_bytes("y.xlsx", &bytes, &opts, &localities()).unwrap_err();
    let p = only(&r, Rule::NonNumeric);
    assert_eq!(p.location.sheet.as_deref(), Some("GDP"));
    assert_at(&p, 3, 2);
    // A sheet that does not exist.
    let opts = ImportOptions {
        sheet: Some("人口".into()),
        ..opts
    };
    let r = import_bytes("y.xlsx", &bytes, &opts, &localities()).unwrap_err();
    assert!(only(&r, Rule::Layout).message.contains("GDP"));
}

#[test]
fn broken_spreadsheet_is_unreadable() {
    let r = import_bytes(
        "x.xlsx",
        b"PK\x03\x04 not really a zip",
        &ImportOptions::default(),
        &localities(),
    )
    .unwrap_err();
    only(&r, Rule::Unreadable);
}

#[test]
fn spreadsheet_bombs_are_too_large_and_old_formats_unreadable() {
    // The ~1.5 KB sheet whose cells A1 and XFD1048576 asked calamine for 512 GiB (issue #12).
    let bomb = tandem_sheet::testkit::a1_and_xfd1048576("Sheet1");
    let r = import_bytes("bomb.xlsx", &bomb, &ImportOptions::default(), &localities()).unwrap_err();
    let p = only(&r, Rule::TooLarge);
    assert!(p.message.contains("max_columns = 256"), "{}", p.message);
    assert_eq!(p.location.file, "bomb.xlsx");
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let r = import_bytes("old.xls", &xls, &ImportOptions::default(), &localities()).unwrap_err();
    assert!(only(&r, Rule::Unreadable).message.contains(".xlsx"));
}

#[test]
fn io_tables_need_a_year_a_source_and_balance() {
    let text = std::fs::read(fixtures().join("io_small_2020.csv")).unwrap();
    let locs = localities();
    let with_source = ImportOptions {
        source: Some("s".into()),
        ..ImportOptions::default()
    };
    let r = import_bytes("table.csv", &text, &with_source, &locs).unwrap_err();
    only(&r, Rule::MissingYear);
    let r = import_bytes("io_2020.csv", &text, &ImportOptions::default(), &locs).unwrap_err();
    only(&r, Rule::MissingSource);
    // Gross output of sector 02 off by 10: the row no longer balances.
    let broken = String::from_utf8(text.clone())
        .unwrap()
        .replace(",10,150\n", ",10,160\n");
    let r = import_bytes("io_2020.csv", broken.as_bytes(), &with_source, &locs).unwrap_err();
    assert!(only(&r, Rule::IoTable).message.contains("02"));
    // A defect found by the IO parser keeps its row and column.
    let broken = String::from_utf8(text)
        .unwrap()
        .replace("01,Agriculture,农业,12,", "01,Agriculture,农业,x,");
    let r = import_bytes("io_2020.csv", broken.as_bytes(), &with_source, &locs).unwrap_err();
    let p = only(&r, Rule::IoTable);
    assert_at(&p, 2, 4);
}

#[test]
fn panel_rules() {
    let text = "region,industry,year,value\nA,x,2020,1\nA,x,2020,1\nA,y,2020,-2\nB,x,2020,abc\nB,y,20x0,1\n";
    let r = read_panel_bytes("p.csv", text.as_bytes(), &PanelOptions::default()).unwrap_err();
    assert_at(&only(&r, Rule::DuplicateConflict), 3, 4);
    assert_at(&only(&r, Rule::Negative), 4, 4);
    assert_at(&only(&r, Rule::NonNumeric), 5, 4);
    assert_at(&only(&r, Rule::InvalidYear), 6, 3);
    let r = read_panel_bytes(
        "p.csv",
        b"region,year,value\nA,2020,1\n",
        &PanelOptions::default(),
    )
    .unwrap_err();
    assert!(only(&r, Rule::MissingColumn).message.contains("industry"));
}

#[test]
fn a_file_that_cannot_be_read_is_reported_with_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{HEADER}{GOOD}")).unwrap();
    let missing = dir.path().join("missing.csv");
    let r = tandem_data::import::import_files(
        &[good, missing.clone()],
        &ImportOptions::default(),
        &localities(),
    )
    .unwrap_err();
    let p = only(&r, Rule::Unreadable);
    assert_eq!(p.location.file, missing.display().to_string());
    assert_eq!(r.problems.len(), 1);
}

#[test]
fn a_row_with_several_problems_reports_each() {
    // Unknown locality, wrong unit dimension and a missing source in one row.
    let r = long_err("宿洲,2021,gdp,1,万人,\n");
    let rules: Vec<Rule> = r.problems.iter().map(|p| p.rule).collect();
    assert_eq!(
        rules,
        [
            Rule::UnknownLocality,
            Rule::MissingSource,
            Rule::WrongDimension
        ]
    );
    // In a yearbook table: a bad year cell does not hide a share above 100 %.
    let wide = "地区,年份,城镇化率(%)\n亳州,20x1,143\n";
    let r = import_bytes("w.csv", wide.as_bytes(), &opts_with_source(), &localities()).unwrap_err();
    assert_at(&only(&r, Rule::InvalidYear), 2, 2);
    assert_at(&only(&r, Rule::AboveMax), 2, 3);
    assert_eq!(r.problems.len(), 2, "{r}");
}
