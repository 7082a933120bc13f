//! Hostile workbooks, each written by hand with the `zip` crate (`tandem_sheet::testkit`):
//! every one is refused with the limit it breaks (or as malformed), quickly and without
//! allocating what it asks for; honest workbooks read exactly as calamine reads them.

use calamine::Reader;
use proptest::prelude::*;
use tandem_sheet::testkit;
use tandem_sheet::{read_file, Data, Limit, Limits, SheetError, Workbook};

/// Opens `bytes` and reads its first sheet under the default limits.
fn read(bytes: &[u8]) -> Result<(String, tandem_sheet::Grid), SheetError> {
    Workbook::open(bytes, &Limits::DEFAULT)?.read_first_sheet()
}

/// The limit a read broke; panics with the outcome otherwise.
fn broken_limit(bytes: &[u8]) -> (Limit, String) {
    match read(bytes) {
        Err(e @ SheetError::TooLarge { .. }) => {
            let SheetError::TooLarge { limit, .. } = &e else {
                unreachable!()
            };
            (*limit, e.to_string())
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn the_issue_12_attack_is_a_column_limit_error() {
    let bytes = testkit::a1_and_xfd1048576("Sheet1");
    assert!(
        bytes.len() < 2048,
        "the attack is about 1.5 KB: {}",
        bytes.len()
    );
    let (limit, message) = broken_limit(&bytes);
    assert_eq!(limit, Limit::Columns);
    assert!(message.contains("XFD1048576"), "{message}");
    assert!(message.contains("(limit: max_columns = 256)"), "{message}");
}

#[test]
fn a_far_row_is_a_row_limit_error_and_a_wide_used_range_a_cell_limit_error() {
    let far_down = testkit::workbook("S", &[(0, 0, "a"), (1_000_000, 0, "b")]);
    let (limit, message) = broken_limit(&far_down);
    assert_eq!(limit, Limit::Rows);
    assert!(message.contains("A1000001"), "{message}");
    // Both cells within the row and column limits, but the rectangle between them is not.
    let corners = testkit::workbook("S", &[(0, 0, "a"), (199_999, 255, "b")]);
    let (limit, message) = broken_limit(&corners);
    assert_eq!(limit, Limit::Cells);
    assert!(message.contains("A1:IV200000"), "{message}");
}

#[test]
fn a_lying_dimension_allocates_nothing_and_reads_the_real_cells() {
    let (name, grid) = read(&testkit::lying_dimension("S")).unwrap();
    assert_eq!(name, "S");
    assert_eq!((grid.height(), grid.width()), (2, 2));
    assert_eq!(grid.get(1, 1), Some(&Data::Float(2.0)));
}

#[test]
fn a_deflate_bomb_is_stopped_at_the_decompression_limit() {
    let bytes = testkit::deflate_bomb(300 << 20);
    assert!(
        bytes.len() < 1 << 20,
        "300 MiB deflate to {} bytes",
        bytes.len()
    );
    let (limit, message) = broken_limit(&bytes);
    assert_eq!(limit, Limit::DecompressedBytes);
    assert!(
        message.contains("max_decompressed_bytes = 134,217,728"),
        "{message}"
    );
    assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
}

#[test]
fn headers_that_lie_about_the_size_do_not_let_a_bomb_through() {
    // 200 MiB declared as 1 KB: the bytes are counted as they come out of the inflater.
    let bytes = testkit::lying_sizes(200 << 20, 1024);
    match read(&bytes) {
        Err(SheetError::TooLarge {
            limit: Limit::DecompressedBytes,
            ..
        })
        | Err(SheetError::Malformed(_)) => {}
        other => panic!("a lying header must not pass: {other:?}"),
    }
    // Declared larger than the limit: refused before inflating anything.
    let bytes = testkit::lying_sizes(1 << 10, u32::MAX);
    assert!(read(&bytes).is_err());
}

#[test]
fn shared_strings_bombs_are_refused() {
    let (limit, message) = broken_limit(&testkit::shared_strings_bomb(1_000_001));
    assert_eq!(limit, Limit::SharedStrings);
    assert!(message.contains("max_shared_strings"), "{message}");
    let (limit, message) = broken_limit(&testkit::shared_strings_count_lie());
    assert_eq!(limit, Limit::SharedStrings);
    assert!(message.contains("4,000,000,000"), "{message}");
}

#[test]
fn one_shared_string_copied_into_many_cells_is_a_text_limit_error() {
    // 1 MiB × 64 cells = 64 MiB of copies from a ZIP of a few KB.
    let bytes = testkit::shared_string_amplification(1 << 20, 64);
    assert!(bytes.len() < 64 << 10, "{} bytes", bytes.len());
    let (limit, _) = broken_limit(&bytes);
    assert_eq!(limit, Limit::TextBytes);
}

#[test]
fn a_shared_strings_table_full_of_text_is_refused_before_calamine_holds_it() {
    // 40 MiB of text in one shared string, deflated to some 40 KB.
    let bytes = testkit::shared_string_amplification(40 << 20, 1);
    let (limit, message) = broken_limit(&bytes);
    assert_eq!(limit, Limit::TextBytes);
    assert!(message.contains("shared-strings table"), "{message}");
}

#[test]
fn a_style_attribute_no_real_style_needs_is_refused() {
    let styles = format!(
        r#"<styleSheet><fonts><font><name val="{}"/></font></fonts><cellXfs><xf fontId="0"/></cellXfs></styleSheet>"#,
        "F".repeat(100_000)
    );
    let sheet = testkit::sheet_xml(
        None,
        &format!("<row>{}</row>", testkit::cell_xml(0, 0, "1")),
    );
    let bytes = testkit::xlsx("S", &sheet, &[("xl/styles.xml", styles.as_bytes())]);
    match read(&bytes) {
        Err(SheetError::Malformed(m)) => assert!(m.contains("xl/styles.xml"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_styles_bomb_is_refused() {
    let (limit, message) = broken_limit(&testkit::styles_bomb(20_000));
    assert_eq!(limit, Limit::Styles);
    assert!(message.contains("xf"), "{message}");
    // An honest number of styles reads.
    assert!(read(&testkit::styles_bomb(100)).is_ok());
}

#[test]
fn too_many_entries_are_refused() {
    let (limit, message) = broken_limit(&testkit::many_entries(1_000));
    assert_eq!(limit, Limit::Entries);
    assert!(message.contains("1,005 entries"), "{message}");
    assert!(read(&testkit::many_entries(10)).is_ok());
}

#[test]
fn not_a_zip_and_other_formats_are_refused_with_what_to_do() {
    for bytes in [
        &b""[..],
        b"hello",
        b"PK\x03\x04 not really a zip",
        b"id,name\n1,x\n",
    ] {
        match read(bytes) {
            Err(SheetError::Malformed(m)) => assert!(!m.is_empty()),
            other => panic!("{bytes:?}: {other:?}"),
        }
    }
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    let e = read(&ole).unwrap_err();
    assert!(matches!(e, SheetError::Unsupported(_)), "{e:?}");
    assert!(e.to_string().contains(".xlsx"), "{e}");
    let ods = testkit::zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", b"<office:document-content/>"),
    ]);
    let e = read(&ods).unwrap_err();
    assert!(e.to_string().contains(".ods"), "{e}");
    assert!(!e.is_limit());
}

#[test]
fn a_file_over_the_byte_limit_is_refused_before_it_is_read_whole() {
    let dir = std::env::temp_dir().join(format!("tandem-sheet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.xlsx");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let small = Limits {
        max_file_bytes: 1000,
        ..Limits::DEFAULT
    };
    let e = read_file(&path, &small).unwrap_err();
    assert!(e.is_limit());
    assert!(e.to_string().contains("4,096 bytes"), "{e}");
    assert!(e.to_string().contains("max_file_bytes = 1,000"), "{e}");
    let e = Workbook::open(&[b'P'; 2000], &small).err().unwrap();
    assert!(e.is_limit(), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_sheet_names_the_sheets_there_are() {
    let bytes = testkit::workbook("projects", &[(0, 0, "id"), (0, 1, "name")]);
    let mut book = Workbook::open(&bytes, &Limits::DEFAULT).unwrap();
    assert_eq!(book.sheet_names(), vec!["projects".to_string()]);
    let e = book.read_sheet("tasks").unwrap_err();
    assert!(e.to_string().contains("projects"), "{e}");
}

/// What calamine's own dense reader gives for `bytes` (used only on small honest files).
fn calamine_range(bytes: &[u8]) -> (Option<(u32, u32)>, Vec<Vec<Data>>) {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    (range.start(), range.rows().map(|r| r.to_vec()).collect())
}

/// A cell value for rust_xlsxwriter.
#[derive(Clone, Debug)]
enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(u8),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z中文 ]{0,8}".prop_map(Value::Text),
        (-1e6f64..1e6).prop_map(Value::Number),
        any::<bool>().prop_map(Value::Bool),
        (1u8..28).prop_map(Value::Date),
    ]
}

fn xlsxwriter_book(cells: &[(u32, u16, Value)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (row, col, v) in cells {
        match v {
            Value::Text(s) => sheet.write_string(*row, *col, s).map(drop),
            Value::Number(n) => sheet.write_number(*row, *col, *n).map(drop),
            Value::Bool(b) => sheet.write_boolean(*row, *col, *b).map(drop),
            Value::Date(d) => {
                let when = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 2, *d).unwrap();
                sheet
                    .write_datetime_with_format(*row, *col, &when, &date)
                    .map(drop)
            }
        }
        .unwrap();
    }
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]
    /// Honest workbooks read exactly as calamine's dense reader reads them: same start,
    /// same rows, same values (strings, numbers, booleans, dates).
    #[test]
    fn honest_workbooks_read_as_calamine_reads_them(
        cells in prop::collection::vec((0u32..40, 0u16..12, value()), 0..30),
    ) {
        let bytes = xlsxwriter_book(&cells);
        let (_, grid) = read(&bytes).unwrap();
        let (start, rows) = calamine_range(&bytes);
        prop_assert_eq!(grid.start(), start);
        let ours: Vec<Vec<Data>> = grid.rows().map(|r| r.to_vec()).collect();
        prop_assert_eq!(ours, rows);
    }

    /// Cells anywhere, including far beyond the limits: a limit error or a grid, never a
    /// panic or a huge allocation.
    #[test]
    fn cells_at_any_position_are_read_or_refused(
        cells in prop::collection::vec((0u32..1_048_576, 0u32..16_384, "[a-z0-9]{1,4}"), 1..6),
    ) {
        let cells: Vec<(u32, u32, &str)> = cells.iter().map(|(r, c, t)| (*r, *c, t.as_str())).collect();
        match read(&testkit::workbook("S", &cells)) {
            Ok((_, grid)) => prop_assert!((grid.width() * grid.height()) as u64 <= Limits::DEFAULT.max_cells),
            Err(e) => prop_assert!(e.is_limit(), "{e}"),
        }
    }
}
