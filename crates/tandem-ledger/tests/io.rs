//! Revenue import (CSV, XLSX) and statements (XLSX, HTML) on real files.

use calamine::{open_workbook_auto, Reader};
use tandem_ledger::import::{read_revenues, ImportError};
use tandem_ledger::settle::{effective_entries, settle, Book};
use tandem_ledger::statement::{Statement, LABEL_EN, LABEL_ZH};
use tandem_ledger::{Agreement, Fen, Period, RevenueType};

const CSV: &str = "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount
E1,liusong-park,C3612,songjiang,2021-03,vat_local_share,1000000.01
E2,liusong-park,C3612,,2021-03,vat_local_share,5
";

fn agreement() -> Agreement {
    Agreement::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/ledger/agreements/a-joint-fund-liusong.toml"),
    )
    .unwrap()
}

#[test]
fn csv_import_reads_exact_amounts() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.csv");
    std::fs::write(&f, CSV).unwrap();
    let r = read_revenues(&f).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].amount, Fen(100_000_001));
    assert_eq!(r[0].recommended_by.as_deref(), Some("songjiang"));
    assert_eq!(r[1].recommended_by, None);
    assert_eq!(r[1].revenue_type, RevenueType::VatLocalShare);
}

#[test]
fn csv_errors_name_file_row_column_and_rule_and_import_nothing() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("bad.csv");
    std::fs::write(
        &f,
        "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount
E1,P,C1,,2021-13,vat_local_share,1
E2,P,C1,,2021-01,vat,1
E3,P,C1,,2021-01,cit_local_share,1.234
E3,P,C1,,2021-01,cit_local_share,1
E3,P,C1,,2021-01,cit_local_share,2
",
    )
    .unwrap();
    let e = read_revenues(&f).unwrap_err();
    let msg = e.to_string();
    let ImportError::Invalid { total, problems } = e else {
        panic!("{msg}")
    };
    assert_eq!(total, 4, "{msg}");
    assert_eq!(
        (problems[0].row, problems[0].column.as_str()),
        (2, "period")
    );
    assert!(
        msg.contains("bad.csv: row 3, column revenue_type: unknown revenue type `vat`"),
        "{msg}"
    );
    assert!(msg.contains("row 4, column amount"), "{msg}");
    assert!(msg.contains("more than 2 decimals"), "{msg}");
    assert!(msg.contains("row 6, column enterprise_id: duplicate record for enterprise E3 2021-01 cit_local_share (also row 5)"), "{msg}");
    std::fs::write(&f, "enterprise_id,park_id\nE1,P\n").unwrap();
    let msg = read_revenues(&f).unwrap_err().to_string();
    assert!(msg.contains("row 1: missing column `industry`"), "{msg}");
}

#[test]
fn xlsx_import_matches_csv() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in CSV.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            // Amounts as numbers, as a spreadsheet user would type them.
            match cell.parse::<f64>() {
                Ok(v) if c == 6 => ws.write_number(r as u32, c as u16, v).map(|_| ()),
                _ => ws.write_string(r as u32, c as u16, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save(&f).unwrap();
    let x = read_revenues(&f).unwrap();
    let c = {
        let g = d.path().join("r.csv");
        std::fs::write(&g, CSV).unwrap();
        read_revenues(&g).unwrap()
    };
    assert_eq!(x, c);
}

#[test]
fn a_workbook_bomb_is_an_error_naming_the_limit() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("bomb.xlsx");
    std::fs::write(&f, tandem_sheet::testkit::a1_and_xfd1048576("revenues")).unwrap();
    let e = read_revenues(&f).unwrap_err();
    let ImportError::Workbook { error, .. } = &e else {
        panic!("expected a workbook error, got {e:?}");
    };
    assert!(error.is_limit());
    let text = e.to_string();
    assert!(text.contains("bomb.xlsx"), "{text}");
    assert!(text.contains("max_columns = 256"), "{text}");
}

#[test]
fn statements_keep_the_two_books_apart_and_carry_the_label() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.csv");
    std::fs::write(&f, CSV).unwrap();
    let recs = read_revenues(&f).unwrap();
    let p = |s: &str| s.parse::<Period>().unwrap();
    let es = settle(&[agreement()], &recs, p("2021-01"), p("2021-12")).unwrap();
    let ledger: Vec<(u64, _)> = es
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i as u64 + 1, e))
        .collect();
    let st = Statement::build(
        &effective_entries(&ledger),
        "luan",
        p("2021-01"),
        p("2021-12"),
    );
    assert_eq!(st.book(Book::Assessment).count(), 1);
    assert_eq!(st.book(Book::Official).count(), 1);
    let html = st.to_html();
    assert!(html.contains(LABEL_ZH) && html.contains(LABEL_EN));
    assert!(html.contains("@media print"));
    let a = html.find("<section class=\"assessment\">").unwrap();
    let o = html.find("<section class=\"official\">").unwrap();
    assert!(a < o);
    // The assessment section shows luan's 60% (600,000.01) and the official the whole total.
    assert!(html[a..o].contains("600000.01"));
    assert!(html[o..].contains("1000000.01"));
    assert!(
        !html.contains("<script") && !html.contains("http"),
        "self-contained"
    );
    let x = d.path().join("s.xlsx");
    st.write_xlsx(&x).unwrap();
    let mut wb = open_workbook_auto(&x).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["assessment".to_string(), "official".to_string()]
    );
    let r = wb.worksheet_range("assessment").unwrap();
    let title = r.get_value((0, 0)).unwrap().to_string();
    assert!(title.contains(LABEL_EN), "{title}");
    assert_eq!(r.get_value((4, 11)).unwrap().to_string(), "600000.01");
}
