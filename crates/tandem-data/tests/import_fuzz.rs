//! Property tests: arbitrary and mutated input makes the importers return errors, never
//! panic.

mod import_support;

use import_support::*;
use proptest::prelude::*;
use std::sync::OnceLock;
use tandem_core::Locality;
use tandem_data::import::{import_bytes, read_panel_bytes, ImportOptions, Layout, PanelOptions};

fn locs() -> &'static [Locality] {
    static LOCS: OnceLock<Vec<Locality>> = OnceLock::new();
    LOCS.get_or_init(localities)
}

/// A small valid yearbook workbook to mutate.
fn valid_xlsx() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "地区").unwrap();
        s.write_string(0, 1, "地区生产总值(亿元)").unwrap();
        s.write_string(0, 2, "来源").unwrap();
        s.write_string(1, 0, "亳州").unwrap();
        s.write_number(1, 1, 1972.4).unwrap();
        s.write_string(1, 2, "bulletin").unwrap();
        book.save_to_buffer().unwrap()
    })
}

fn opts() -> ImportOptions {
    ImportOptions {
        year: Some(2021),
        ..ImportOptions::default()
    }
}

/// Runs every reader on the bytes; the point is that none panics.
fn exercise(name: &str, bytes: &[u8]) {
    for layout in [
        None,
        Some(Layout::Long),
        Some(Layout::Wide),
        Some(Layout::IoTable),
    ] {
        let o = ImportOptions {
            layout,
            source: Some("s".into()),
            ..opts()
        };
        let _ = import_bytes(name, bytes, &o, locs());
    }
    let _ = read_panel_bytes(name, bytes, &PanelOptions::default());
}

/// CSV-like text built from cells that are close to valid: names, numbers, markers,
/// units, quotes, full-width characters.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("宿州".to_string()),
        Just("Suzhou".to_string()),
        Just("ah-bozhou".to_string()),
        Just("gdp".to_string()),
        Just("地区生产总值(亿元)".to_string()),
        Just("…".to_string()),
        Just("\"a,b\"".to_string()),
        Just("\"".to_string()),
        "[0-9.,eE+-]{0,8}",
        "[0-9]{1,5}(亿元|万元|%|万人)?",
        "\\PC{0,6}",
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just("locality_id,year,indicator,value,unit,source_url".to_string()),
        Just("地区,地区生产总值(亿元),常住人口（万人）,年份".to_string()),
        Just("Code,Description,DescriptionInChinese,01,02,TFU,GO".to_string()),
        Just("region,industry,year,value".to_string()),
    ];
    (
        header,
        prop::collection::vec(prop::collection::vec(cell(), 0..8), 0..6),
    )
        .prop_map(|(h, rows)| {
            let mut text = h;
            for r in rows {
                text.push('\n');
                text.push_str(&r.join(","));
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_csv(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise("fuzz.csv", &bytes);
    }

    #[test]
    fn near_valid_csv_text(text in csv_text()) {
        exercise("fuzz_2020.csv", text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_as_xlsx(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise("fuzz.xlsx", &bytes);
        // Random bytes are no workbook: the import must fail with a report.
        let o = ImportOptions { source: Some("s".into()), ..opts() };
        let report = import_bytes("fuzz.xlsx", &bytes, &o, locs()).unwrap_err();
        prop_assert!(!report.problems.is_empty());
        // With the zip magic so the spreadsheet reader is the one that sees them.
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        exercise("fuzz.xlsx", &zipped);
    }

    #[test]
    fn mutated_valid_xlsx(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_xlsx().to_vec();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        exercise("fuzz.xlsx", &bytes);
    }
}

#[test]
fn the_unmutated_workbook_imports() {
    // Guards the mutation test: its starting point must be a valid import.
    let o = ImportOptions {
        source: Some("s".into()),
        ..opts()
    };
    let batch = import_bytes("ok.xlsx", valid_xlsx(), &o, locs()).unwrap();
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(batch.observations[0].source.citation, "bulletin");
}
