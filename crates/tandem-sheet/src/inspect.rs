//! Inspection of a workbook's ZIP package before calamine opens it: the format, the entry
//! count, and every entry decompressed against one budget, with the parts calamine sizes its
//! memory from (shared strings, styles) scanned on the way.

use crate::{grouped, Limit, Limits, SheetError};
use quick_xml::events::{BytesStart, Event};
use std::io::{self, BufReader, Cursor, Read};
use zip::ZipArchive;

/// The signature of an OLE2 compound file: Excel 97-2003 `.xls`, and also any `.xlsx` saved
/// with a password (Office wraps the encrypted package in one).
const OLE: [u8; 4] = [0xD0, 0xCF, 0x11, 0xE0];

/// The longest attribute value accepted in the styles part. calamine copies a font's name and
/// a number format's code into every cell format that uses them (a 152-byte style each);
/// Excel allows 31 characters for a font name and 255 for a format code, so 512 bytes is
/// generous and bounds the styles to [`Limits::max_styles`] × 1.2 KB (19 MB by default).
const MAX_STYLE_VALUE: usize = 512;

/// Checks `bytes` as an XLSX package; `Ok` means calamine may open it.
pub(crate) fn inspect(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    if bytes.starts_with(&OLE) {
        return Err(SheetError::Unsupported(
            "an Excel 97-2003 workbook (.xls) or a password-protected workbook",
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(SheetError::Malformed(
            "the file is not a ZIP archive (an .xlsx file is one); save it from Excel or \
             LibreOffice as an Excel workbook (.xlsx)"
                .into(),
        ));
    }
    // The directory is parsed whole by the ZIP reader: refuse a huge one before it does.
    if let Some(n) = declared_entries(bytes) {
        check_entries(n, limits, "the ZIP directory declares")?;
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| SheetError::Malformed(format!("not a readable ZIP archive ({e})")))?;
    check_entries(zip.len() as u64, limits, "the ZIP archive has")?;
    refuse_other_formats(&mut zip)?;
    let mut budget = Budget {
        used: 0,
        limit: limits.max_decompressed_bytes,
    };
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| SheetError::Malformed(format!("ZIP entry {i}: {e}")))?;
        let name = entry
            .name()
            .map_or_else(|_| format!("ZIP entry {i}"), |n| n.into_owned());
        let declared = budget.used.saturating_add(entry.size());
        if declared > budget.limit {
            return Err(SheetError::too_large(
                Limit::DecompressedBytes,
                limits,
                format!(
                    "{name} declares {} bytes uncompressed, {} with the parts before it",
                    grouped(entry.size()),
                    grouped(declared)
                ),
            ));
        }
        let part = Part::of(&name);
        let mut reader = Counted {
            inner: entry,
            budget: &mut budget,
        };
        let scanned = match part {
            Part::SharedStrings => scan_shared_strings(&mut reader, limits),
            Part::Styles => scan_styles(&mut reader, limits),
            Part::Other => io::copy(&mut reader, &mut io::sink())
                .map(drop)
                .map_err(|e| SheetError::Malformed(e.to_string())),
        };
        if budget.used > budget.limit {
            return Err(SheetError::too_large(
                Limit::DecompressedBytes,
                limits,
                format!(
                    "the workbook's parts decompress to more than {} bytes (inflating stopped \
                     in {name})",
                    grouped(budget.used)
                ),
            ));
        }
        scanned.map_err(|e| match e {
            SheetError::Malformed(m) => SheetError::Malformed(format!("{name}: {m}")),
            other => other,
        })?;
    }
    Ok(())
}

fn check_entries(n: u64, limits: &Limits, what: &str) -> Result<(), SheetError> {
    if n > limits.max_entries {
        return Err(SheetError::too_large(
            Limit::Entries,
            limits,
            format!("{what} {} entries", grouped(n)),
        ));
    }
    Ok(())
}

/// The total entry count in the end-of-central-directory record (ZIP64 when the classic
/// field is saturated); `None` when the record is not found (the ZIP reader then fails).
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    let last = bytes.len().checked_sub(22)?;
    // The record ends the file but for a comment of up to 65,535 bytes.
    let pos = (last.saturating_sub(65_535)..=last)
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let total = u16::from_le_bytes([bytes[pos + 10], bytes[pos + 11]]);
    if total != u16::MAX {
        return Some(u64::from(total));
    }
    let locator = bytes.get(pos.checked_sub(20)?..pos)?;
    if !locator.starts_with(b"PK\x06\x07") {
        return Some(u64::from(total));
    }
    let offset = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let record = bytes.get(offset..offset.checked_add(40)?)?;
    if !record.starts_with(b"PK\x06\x06") {
        return None;
    }
    Some(u64::from_le_bytes(record[32..40].try_into().ok()?))
}

/// Refuses an OpenDocument spreadsheet or an Excel binary workbook, which are ZIP files too.
fn refuse_other_formats(zip: &mut ZipArchive<Cursor<&[u8]>>) -> Result<(), SheetError> {
    let names: Vec<String> = zip
        .file_names()
        .flatten()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    if names.iter().any(|n| n == "xl/workbook.bin") {
        return Err(SheetError::Unsupported("an Excel binary workbook (.xlsb)"));
    }
    if let Ok(entry) = zip.by_name("mimetype") {
        let mut head = Vec::new();
        // The media type is short; reading more would only feed a bomb.
        if entry.take(64).read_to_end(&mut head).is_ok()
            && head.starts_with(b"application/vnd.oasis.opendocument")
        {
            return Err(SheetError::Unsupported(
                "an OpenDocument spreadsheet (.ods)",
            ));
        }
    }
    Ok(())
}

/// The parts calamine sizes memory from, recognised by file name whatever their folder or
/// case (calamine looks them up without regard to case, under the folder the package's
/// relationships name).
#[derive(Clone, Copy)]
enum Part {
    SharedStrings,
    Styles,
    Other,
}

impl Part {
    fn of(name: &str) -> Part {
        let file = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        match file.as_str() {
            "sharedstrings.xml" => Part::SharedStrings,
            "styles.xml" => Part::Styles,
            _ => Part::Other,
        }
    }
}

/// Decompressed bytes of all entries so far, against the limit.
struct Budget {
    used: u64,
    limit: u64,
}

/// A reader that charges what it yields to the budget and fails once the budget is spent,
/// so an entry is never decompressed much beyond the limit whatever its header says.
struct Counted<'b, R> {
    inner: R,
    budget: &'b mut Budget,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.used > self.budget.limit {
            return Err(io::Error::other("decompression budget spent"));
        }
        let n = self.inner.read(buf)?;
        self.budget.used = self.budget.used.saturating_add(n as u64);
        Ok(n)
    }
}

/// An XML reader configured as calamine configures its own, so that what passes here is
/// what calamine will see.
fn xml_reader<R: Read>(reader: R) -> quick_xml::Reader<BufReader<R>> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

fn xml_error(e: quick_xml::Error) -> SheetError {
    SheetError::Malformed(format!("not well-formed XML: {e}"))
}

/// Counts the shared strings and their text, all of which calamine keeps in memory; it also
/// reserves `uniqueCount` slots before reading any.
fn scan_shared_strings<R: Read>(reader: R, limits: &Limits) -> Result<(), SheetError> {
    let mut xml = xml_reader(reader);
    let mut buf = Vec::new();
    let mut count = 0u64;
    let mut text = 0u64;
    let too_many = |found: String| SheetError::too_large(Limit::SharedStrings, limits, found);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                let declared = attribute(&e, "uniqueCount").and_then(|v| v.parse::<u64>().ok());
                if let Some(n) = declared.filter(|n| *n > limits.max_shared_strings) {
                    return Err(too_many(format!(
                        "the shared-strings table declares {} strings",
                        grouped(n)
                    )));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                count += 1;
                if count > limits.max_shared_strings {
                    return Err(too_many(format!(
                        "the shared-strings table has more than {} strings",
                        grouped(limits.max_shared_strings)
                    )));
                }
            }
            Event::Text(t) => {
                text = text.saturating_add(t.len() as u64);
                check_text(text, limits)?;
            }
            Event::CData(t) => {
                text = text.saturating_add(t.len() as u64);
                check_text(text, limits)?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn check_text(text: u64, limits: &Limits) -> Result<(), SheetError> {
    if text > limits.max_text_bytes {
        return Err(SheetError::too_large(
            Limit::TextBytes,
            limits,
            format!(
                "the shared-strings table holds more than {} bytes of text",
                grouped(limits.max_text_bytes)
            ),
        ));
    }
    Ok(())
}

/// Counts the style records and bounds their attribute values: calamine builds a full style
/// (with copies of its font name and number format) for every cell format.
fn scan_styles<R: Read>(reader: R, limits: &Limits) -> Result<(), SheetError> {
    let mut xml = xml_reader(reader);
    let mut buf = Vec::new();
    let kinds = ["xf", "font", "fill", "border", "numFmt"];
    let mut counts = [0u64; 5];
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) => {
                if let Some(k) = kinds.iter().position(|k| e.local_name().as_ref() == *k) {
                    counts[k] += 1;
                    if counts[k] > limits.max_styles {
                        return Err(SheetError::too_large(
                            Limit::Styles,
                            limits,
                            format!(
                                "the styles part has more than {} {} records",
                                grouped(limits.max_styles),
                                kinds[k]
                            ),
                        ));
                    }
                }
                check_style_values(&e)?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn check_style_values(e: &BytesStart<'_>) -> Result<(), SheetError> {
    for attr in e.attributes().with_checks(false).flatten() {
        if attr.value.len() > MAX_STYLE_VALUE {
            return Err(SheetError::Malformed(format!(
                "a style attribute ({}) is {} bytes long; no real style needs more than {} bytes",
                attr.key.as_ref(),
                grouped(attr.value.len() as u64),
                grouped(MAX_STYLE_VALUE as u64)
            )));
        }
    }
    Ok(())
}

/// The raw value of attribute `key` (without namespace handling: these attributes have none).
fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_stops_a_stream_soon_after_the_limit_whatever_it_declared() {
        let mut budget = Budget {
            used: 0,
            limit: 100_000,
        };
        // An endless stream, as an inflater fed a lying header would give.
        let mut reader = Counted {
            inner: io::repeat(b'x'),
            budget: &mut budget,
        };
        assert!(io::copy(&mut reader, &mut io::sink()).is_err());
        assert!(budget.used > budget.limit);
        assert!(budget.used <= budget.limit + 64 * 1024, "{}", budget.used);
    }

    #[test]
    fn the_declared_entry_count_is_read_from_the_end_of_the_directory() {
        let zip = crate::testkit::many_entries(7);
        // 5 parts of the skeleton and the sheet, plus the padding.
        assert_eq!(declared_entries(&zip), Some(12));
        assert_eq!(declared_entries(b"PK\x03\x04"), None);
    }
}
