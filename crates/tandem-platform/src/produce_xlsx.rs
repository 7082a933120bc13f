//! A pair's farm-produce totals ([`crate::produce::pair_totals`]) as an XLSX workbook: a
//! sheet of years (with the helper-side and certified shares), a sheet of products by year,
//! and a sheet stating the formulas. A share with a zero denominator is an empty cell, never
//! 0; a year without deliveries has no row.

use crate::auth::User;
use crate::db::Db;
use crate::produce::{pair_totals, PairTotals};
use crate::sheets::SheetError;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn xlsx_error(e: XlsxError) -> SheetError {
    SheetError::Xlsx(e.to_string())
}

/// One cell: a number, or nothing when missing.
enum Cell<'a> {
    Num(Option<f64>),
    Text(&'a str),
}

/// Writes a bold header row and then `rows`, freezing the header.
fn write_table(
    ws: &mut Worksheet,
    name: &str,
    header: &[&str],
    rows: &[Vec<Cell<'_>>],
    bold: &Format,
) -> Result<(), SheetError> {
    ws.set_name(name).map_err(xlsx_error)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)
            .map_err(xlsx_error)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Num(Some(x)) => ws.write_number(r, c as u16, *x).map(|_| ()),
                Cell::Num(None) => Ok(()),
                Cell::Text(t) => ws.write_string(r, c as u16, *t).map(|_| ()),
            }
            .map_err(xlsx_error)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    ws.autofit();
    Ok(())
}

/// The rules written on the notes sheet (the module docs of `crate::produce`, shortened).
const NOTES: &[&str] = &[
    "year = the year of the delivery's month (YYYY-MM)",
    "helper_volume_share = tonnes delivered to buyers whose locality (buyer_locality_id) is the pair's helper locality / all tonnes delivered from the pair's bases, per year",
    "helper_value_share = the same with values (yuan)",
    "certified = a certification of the contract's base was valid on every day of the month (derived when read)",
    "an empty share has a zero denominator; a year without deliveries has no row (missing is not zero)",
];

/// The workbook of `t`.
pub fn totals_workbook(t: &PairTotals) -> Result<Vec<u8>, SheetError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let yuan = |f: tandem_ledger::money::Fen| Cell::Num(Some(f.to_yuan_f64()));
    let years: Vec<Vec<Cell>> = t
        .years
        .iter()
        .map(|y| {
            vec![
                Cell::Num(Some(y.year as f64)),
                Cell::Num(Some(y.deliveries as f64)),
                Cell::Num(Some(y.volume_t)),
                yuan(y.value_yuan),
                Cell::Num(Some(y.helper_volume_t)),
                yuan(y.helper_value_yuan),
                Cell::Num(y.helper_volume_share),
                Cell::Num(y.helper_value_share),
                Cell::Num(Some(y.certified_volume_t)),
                Cell::Num(y.certified_volume_share),
            ]
        })
        .collect();
    let header = [
        "year",
        "deliveries",
        "volume_t",
        "value_yuan",
        "helper_volume_t",
        "helper_value_yuan",
        "helper_volume_share",
        "helper_value_share",
        "certified_volume_t",
        "certified_volume_share",
    ];
    write_table(wb.add_worksheet(), "years", &header, &years, &bold)?;
    let products: Vec<Vec<Cell>> = t
        .by_product
        .iter()
        .map(|p| {
            vec![
                Cell::Text(&p.product),
                Cell::Num(Some(p.year as f64)),
                Cell::Num(Some(p.deliveries as f64)),
                Cell::Num(Some(p.volume_t)),
                yuan(p.value_yuan),
                Cell::Num(Some(p.helper_volume_t)),
                Cell::Num(Some(p.certified_volume_t)),
            ]
        })
        .collect();
    let header = [
        "product",
        "year",
        "deliveries",
        "volume_t",
        "value_yuan",
        "helper_volume_t",
        "certified_volume_t",
    ];
    write_table(wb.add_worksheet(), "products", &header, &products, &bold)?;
    let mut notes = vec![
        vec![Cell::Text("pair_id"), Cell::Text(&t.pair_id)],
        vec![Cell::Text("helper_id"), Cell::Text(&t.helper_id)],
    ];
    notes.extend(
        NOTES
            .iter()
            .map(|n| vec![Cell::Text("rule"), Cell::Text(n)]),
    );
    write_table(
        wb.add_worksheet(),
        "notes",
        &["what", "value"],
        &notes,
        &bold,
    )?;
    wb.save_to_buffer().map_err(xlsx_error)
}

/// The produce totals of `pair` as XLSX, if `user` may read them.
pub fn export_totals(db: &Db, user: &User, pair: &str) -> Result<Vec<u8>, SheetError> {
    totals_workbook(&pair_totals(db, user, pair)?)
}
