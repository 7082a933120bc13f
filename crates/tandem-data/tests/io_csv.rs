//! The input-output parser on the real NBS tables: what it reads must satisfy the accounts
//! the published tables satisfy, including the ones the parser does not store (the TII and TI
//! rows, the TIU column).

use tandem_core::{Classification, IoTable, IoTableKind};
use tandem_data::bundled::{IO_2017_42_CSV, IO_2018_42_CSV, IO_2020_153_CSV, IO_2020_42_CSV};
use tandem_data::io_csv::{parse_io_table, IoCsvRule};

fn tables() -> Vec<IoTable> {
    [
        (IO_2017_42_CSV, "china_2017_42.csv", 2017),
        (IO_2018_42_CSV, "china_2018_42.csv", 2018),
        (IO_2020_42_CSV, "china_2020_42.csv", 2020),
        (IO_2020_153_CSV, "china_2020_153.csv", 2020),
    ]
    .into_iter()
    .map(|(text, file, year)| {
        parse_io_table(text, file, year, "NBS").unwrap_or_else(|e| panic!("{e}"))
    })
    .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn column_accounts_hold_total_input_equals_gross_output() {
    for t in tables() {
        let n = t.n();
        let tva = t.value_added_row("TVA").unwrap();
        for j in 0..n {
            let mut input: f64 = (0..n).map(|i| t.intermediate[i * n + j]).sum();
            if let Some(m) = &t.intermediate_imports {
                input += (0..n).map(|i| m[i * n + j]).sum::<f64>();
            }
            let total = input + tva[j];
            assert!(
                close(total, t.gross_output[j]),
                "{} {}: column {} input {total} vs GO {}",
                t.year,
                t.classification,
                t.sectors[j].code,
                t.gross_output[j]
            );
        }
    }
}

#[test]
fn value_added_components_add_up() {
    for t in tables() {
        let tva = t.value_added_row("TVA").unwrap();
        for (j, total) in tva.iter().enumerate() {
            let parts: f64 = ["VA001", "VA002", "VA003", "VA004"]
                .iter()
                .map(|c| t.value_added_row(c).unwrap()[j])
                .sum();
            assert!(
                close(parts, *total),
                "{} {} {}",
                t.year,
                t.classification,
                t.sectors[j].code
            );
        }
    }
}

#[test]
fn final_use_components_add_up() {
    for t in tables() {
        let col = |c: &str| {
            t.final_use_column(c)
                .unwrap_or_else(|| panic!("{} {c}", t.year))
        };
        assert!(
            t.final_use_column("TIU").is_none(),
            "TIU is intermediate use, not final use"
        );
        for i in 0..t.n() {
            let parts = col("TC")[i] + col("FU201")[i] + col("FU202")[i] + col("EX")[i];
            assert!(
                close(parts, col("TFU")[i]),
                "{} {}",
                t.year,
                t.sectors[i].code
            );
        }
    }
}

#[test]
fn layouts_are_detected() {
    let t = tables();
    for t in &t[..3] {
        assert_eq!(t.kind, IoTableKind::NonCompetitive);
        assert_eq!(t.classification, Classification::Io42);
        assert!(t.imports.is_none());
        assert_eq!(
            t.final_use_imports.as_ref().unwrap().len(),
            t.final_use.len()
        );
    }
    let c = &t[3];
    assert_eq!(c.kind, IoTableKind::Competitive);
    assert_eq!(c.classification, Classification::Io153);
    assert!(c.intermediate_imports.is_none());
    assert_eq!(c.imports.as_ref().unwrap().len(), 153);
    let codes: Vec<&str> = c.final_use.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(
        codes,
        ["FU101", "FU102", "THC", "FU103", "TC", "FU201", "FU202", "GCF", "EX", "TFU"]
    );
    assert_eq!(c.sectors[78].name_en, "Manufacture of automobiles");
    assert_eq!(c.sectors[78].name_zh, "汽车整车");
}

#[test]
fn a_damaged_real_table_is_located() {
    // Row 3 is sector 02 (header = row 1); blank its first intermediate cell.
    let mut lines: Vec<String> = IO_2020_42_CSV.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[2].splitn(6, ',').collect();
    assert_eq!(fields[0], "02");
    lines[2] = format!(
        "{},{},{},{},,{}",
        fields[0], fields[1], fields[2], fields[3], fields[5]
    );
    let e = parse_io_table(&lines.join("\n"), "china_2020_42.csv", 2020, "NBS").unwrap_err();
    assert_eq!(
        (e.row, e.column.as_str(), &e.rule),
        (3, "01", &IoCsvRule::EmptyCell)
    );
    assert_eq!(
        e.to_string(),
        "china_2020_42.csv, row 3, column 01: empty cell where a number is required"
    );
}
