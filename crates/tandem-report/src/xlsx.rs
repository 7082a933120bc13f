//! The workbook: one sheet per table, a title row, a bold header row, then the rows.
//! A missing value is the visible "no data" text (orange), never an empty cell or 0.

use crate::tables::{Cell, Sheet};
use crate::ReportError;
use rust_xlsxwriter::{Color, Format, Workbook};
use std::path::Path;

/// Writes `sheets` to `path`. The "no data" wording is taken from the first sheet's language
/// (the caller builds every sheet in one language).
pub(crate) fn write(sheets: &[Sheet], path: &Path, no_data: &str) -> Result<(), ReportError> {
    let err = |e: rust_xlsxwriter::XlsxError| ReportError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut wb = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xEEF1F4));
    let title = Format::new().set_italic();
    let missing = Format::new()
        .set_font_color(Color::RGB(0x9A3412))
        .set_italic();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name).map_err(err)?;
        ws.write_string_with_format(0, 0, &sheet.title, &title)
            .map_err(err)?;
        for (c, col) in sheet.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| ReportError::Xlsx {
                path: path.to_path_buf(),
                message: "too many columns".into(),
            })?;
            ws.write_string_with_format(1, c, &col.label, &bold)
                .map_err(err)?;
            ws.set_column_width(
                c,
                (col.label.chars().count() as f64 * 1.6).clamp(10.0, 40.0),
            )
            .map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 2).map_err(|_| ReportError::Xlsx {
                path: path.to_path_buf(),
                message: "too many rows".into(),
            })?;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, t).map_err(err)?,
                    Cell::Number(n) => ws.write_number(r, c, *n).map_err(err)?,
                    Cell::Missing => ws
                        .write_string_with_format(r, c, no_data, &missing)
                        .map_err(err)?,
                };
            }
        }
        ws.set_freeze_panes(2, 0).map_err(err)?;
    }
    wb.save(path).map_err(err)
}
