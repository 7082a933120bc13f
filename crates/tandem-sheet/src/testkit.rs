//! Workbooks written by hand, part by part, for tests of this crate and of every upload and
//! import that uses it: small honest ones, and the hostile ones this crate exists to refuse
//! (the ~1.5 KB `A1` + `XFD1048576` sheet, deflate and shared-strings bombs, lying headers).
//! Nothing here is used by the readers themselves.

use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A ZIP archive of the given parts, deflated.
pub fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        w.start_file(*name, options())
            .expect("start a ZIP entry in memory");
        w.write_all(content).expect("write to memory");
    }
    w.finish().expect("finish a ZIP in memory").into_inner()
}

/// The parts every workbook has, for one sheet named `sheet` at `xl/worksheets/sheet1.xml`.
fn skeleton(sheet: &str) -> Vec<(&'static str, Vec<u8>)> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        xml_escape(sheet)
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    vec![
        ("[Content_Types].xml", content_types.as_bytes().to_vec()),
        ("_rels/.rels", rels.into_bytes()),
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.into_bytes()),
    ]
}

/// A worksheet part around `sheet_data` (the `<row>` elements), with `<dimension>` when
/// given.
pub fn sheet_xml(dimension: Option<&str>, sheet_data: &str) -> String {
    let dimension = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN_NS}">{dimension}<sheetData>{sheet_data}</sheetData></worksheet>"#
    )
}

/// A workbook with one sheet named `sheet` whose XML is `sheet_xml`, plus `extra` parts
/// (`xl/sharedStrings.xml`, `xl/styles.xml`…).
pub fn xlsx(sheet: &str, sheet_xml: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let skeleton = skeleton(sheet);
    let mut parts: Vec<(&str, &[u8])> = skeleton.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    parts.push(("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()));
    parts.extend_from_slice(extra);
    zip(&parts)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One `<c>` element: a number when `text` parses as one, else an inline string.
pub fn cell_xml(row: u32, col: u32, text: &str) -> String {
    let r = crate::a1(row, col);
    if text.trim() == text && !text.is_empty() && text.parse::<f64>().is_ok_and(f64::is_finite) {
        format!(r#"<c r="{r}"><v>{text}</v></c>"#)
    } else {
        format!(
            r#"<c r="{r}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
            xml_escape(text)
        )
    }
}

/// A workbook with one sheet `sheet` holding `cells` (0-based row, column, text; numbers
/// are written as numbers), rows in the order given.
pub fn workbook(sheet: &str, cells: &[(u32, u32, &str)]) -> Vec<u8> {
    let mut data = String::new();
    for (row, col, text) in cells {
        data.push_str(&format!(
            r#"<row r="{}">{}</row>"#,
            row + 1,
            cell_xml(*row, *col, text)
        ));
    }
    xlsx(sheet, &sheet_xml(None, &data), &[])
}

/// The attack of issue #12: a sheet whose only cells are `A1` and `XFD1048576` (about 1.5
/// KB). A dense reader allocates 16,384 × 1,048,576 cells for it.
pub fn a1_and_xfd1048576(sheet: &str) -> Vec<u8> {
    workbook(sheet, &[(0, 0, "1"), (1_048_575, 16_383, "1")])
}

/// A small sheet whose `<dimension>` claims the whole grid (`A1:XFD1048576`).
pub fn lying_dimension(sheet: &str) -> Vec<u8> {
    let data = format!(
        "<row r=\"1\">{}{}</row><row r=\"2\">{}{}</row>",
        cell_xml(0, 0, "a"),
        cell_xml(0, 1, "b"),
        cell_xml(1, 0, "1"),
        cell_xml(1, 1, "2")
    );
    xlsx(sheet, &sheet_xml(Some("A1:XFD1048576"), &data), &[])
}

/// A sheet part of `uncompressed` bytes of cell XML (rows of `<c><v>1</v></c>`), streamed
/// into the archive so the bomb is never whole in memory: 256 MiB deflate to about 260 KB.
pub fn deflate_bomb(uncompressed: u64) -> Vec<u8> {
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in skeleton("Sheet1") {
        w.start_file(name, options()).expect("start a ZIP entry");
        w.write_all(&content).expect("write to memory");
    }
    // The best deflate level gets close to deflate's ceiling of about 1,000 to 1.
    let best = options().compression_level(Some(9));
    w.start_file("xl/worksheets/sheet1.xml", best)
        .expect("start a ZIP entry");
    let head = sheet_xml(None, "\u{0}");
    let (open, close) = head
        .split_once('\u{0}')
        .expect("the marker is in the template");
    w.write_all(open.as_bytes()).expect("write");
    let row = "<row><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>".repeat(1024);
    let mut written = open.len() as u64;
    while written < uncompressed {
        w.write_all(row.as_bytes()).expect("write");
        written += row.len() as u64;
    }
    w.write_all(close.as_bytes()).expect("write");
    w.finish().expect("finish").into_inner()
}

/// A shared-strings part with `count` empty strings, and a sheet using the first.
pub fn shared_strings_bomb(count: u64) -> Vec<u8> {
    let mut sst = format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">"#);
    for _ in 0..count {
        sst.push_str("<si><t/></si>");
    }
    sst.push_str("</sst>");
    with_shared_strings(&sst, 1)
}

/// A shared-strings part that declares four billion strings (calamine reserves them before
/// reading any) and holds one.
pub fn shared_strings_count_lie() -> Vec<u8> {
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>"#
    );
    with_shared_strings(&sst, 1)
}

/// One shared string of `string_bytes` bytes used by `cells` cells: each cell gets its own
/// copy, so a few KB of ZIP become `string_bytes × cells` bytes of text.
pub fn shared_string_amplification(string_bytes: usize, cells: u32) -> Vec<u8> {
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "x".repeat(string_bytes)
    );
    with_shared_strings(&sst, cells)
}

/// A workbook with `sst` as its shared-strings part and `cells` cells in column A using
/// string 0.
fn with_shared_strings(sst: &str, cells: u32) -> Vec<u8> {
    let mut data = String::new();
    for row in 0..cells {
        data.push_str(&format!(
            r#"<row r="{}"><c r="A{}" t="s"><v>0</v></c></row>"#,
            row + 1,
            row + 1
        ));
    }
    xlsx(
        "Sheet1",
        &sheet_xml(None, &data),
        &[("xl/sharedStrings.xml", sst.as_bytes())],
    )
}

/// A styles part with `count` cell formats, each of which calamine turns into a full style.
pub fn styles_bomb(count: u64) -> Vec<u8> {
    let mut styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><name val="Calibri"/></font></fonts><cellXfs count="{count}">"#
    );
    for _ in 0..count {
        styles.push_str(r#"<xf numFmtId="0" fontId="0"/>"#);
    }
    styles.push_str("</cellXfs></styleSheet>");
    xlsx(
        "Sheet1",
        &sheet_xml(None, &format!("<row r=\"1\">{}</row>", cell_xml(0, 0, "1"))),
        &[("xl/styles.xml", styles.as_bytes())],
    )
}

/// A workbook padded with `count` extra empty entries.
pub fn many_entries(count: usize) -> Vec<u8> {
    let names: Vec<String> = (0..count).map(|i| format!("pad/{i}.xml")).collect();
    let extra: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    xlsx(
        "Sheet1",
        &sheet_xml(None, &format!("<row r=\"1\">{}</row>", cell_xml(0, 0, "1"))),
        &extra,
    )
}

/// A sheet part of `actual` bytes whose local and central headers both declare
/// `declared` bytes uncompressed: a reader trusting the headers would let it through.
pub fn lying_sizes(actual: u64, declared: u32) -> Vec<u8> {
    let mut bytes = deflate_bomb(actual);
    let name = b"xl/worksheets/sheet1.xml";
    let name_len = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    for i in 0..bytes.len().saturating_sub(46 + name.len()) {
        // Local header: name at 30, its length at 26, uncompressed size at 22.
        if bytes[i..].starts_with(b"PK\x03\x04")
            && name_len(&bytes, i + 26) == name.len()
            && bytes[i + 30..].starts_with(name)
        {
            bytes[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
        }
        // Central header: name at 46, its length at 28, uncompressed size at 24.
        if bytes[i..].starts_with(b"PK\x01\x02")
            && name_len(&bytes, i + 28) == name.len()
            && bytes[i + 46..].starts_with(name)
        {
            bytes[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
        }
    }
    bytes
}
