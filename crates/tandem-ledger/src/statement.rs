//! Statements per party and period range, as XLSX and print-ready HTML.
//!
//! A statement lists the party's effective entries (the latest settlement or correction per
//! key) in the range, **the two books apart**: the split (assessment) figures first, under the
//! label [`LABEL_ZH`] / [`LABEL_EN`], and the official statistics separately. In the XLSX they
//! are two sheets; in the HTML two sections. Totals are per book and revenue type (units
//! differ across types, so nothing is summed across types).

use crate::agreement::{Period, RevenueType};
use crate::money::Fen;
use crate::settle::{Book, Entry, EntryKind};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The assessment label in Chinese.
pub const LABEL_ZH: &str = "考核口径数据——官方统计仍在活动发生地";
/// The assessment label in English.
pub const LABEL_EN: &str = "assessment figures — official statistics stay where activity happens";

/// A party's statement for a period range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Party id.
    pub party: String,
    /// First period.
    pub from: Period,
    /// Last period.
    pub to: Period,
    /// Effective entries `(seq, entry)` of the party in the range, ledger order.
    pub entries: Vec<(u64, Entry)>,
}

/// Errors writing statements.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    /// XLSX writer error.
    #[error("statement {path}: {source}")]
    Xlsx {
        /// File.
        path: String,
        /// The writer's error.
        source: XlsxError,
    },
    /// I/O error.
    #[error("statement {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Statement {
    /// Selects `party`'s entries in `from..=to` from the ledger's effective entries.
    pub fn build(effective: &[(u64, Entry)], party: &str, from: Period, to: Period) -> Statement {
        Statement {
            party: party.to_string(),
            from,
            to,
            entries: effective
                .iter()
                .filter(|(_, e)| e.party == party && e.period >= from && e.period <= to)
                .cloned()
                .collect(),
        }
    }

    /// The entries of one book.
    pub fn book(&self, book: Book) -> impl Iterator<Item = &(u64, Entry)> {
        self.entries.iter().filter(move |(_, e)| e.book == book)
    }

    /// Totals of `credited` and `amount` per revenue type for one book.
    pub fn totals(&self, book: Book) -> BTreeMap<RevenueType, (Fen, Fen)> {
        let mut t: BTreeMap<RevenueType, (i128, i128)> = BTreeMap::new();
        for (_, e) in self.book(book) {
            let x = t.entry(e.revenue_type).or_default();
            x.0 += i128::from(e.credited.0);
            x.1 += i128::from(e.amount.0);
        }
        t.into_iter()
            .map(|(k, (c, a))| {
                // Sums of i64 entries of one ledger saturate rather than wrap on absurd input.
                let clamp =
                    |v: i128| Fen(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64);
                (k, (clamp(c), clamp(a)))
            })
            .collect()
    }

    /// Writes the statement as an XLSX workbook: sheet `assessment` and sheet `official`.
    pub fn write_xlsx(&self, path: &Path) -> Result<(), StatementError> {
        let p = path.display().to_string();
        let xerr = |source| StatementError::Xlsx {
            path: p.clone(),
            source,
        };
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        for book in [Book::Assessment, Book::Official] {
            let ws = wb.add_worksheet();
            ws.set_name(book.as_str()).map_err(xerr)?;
            let title = match book {
                Book::Assessment => format!("{LABEL_ZH} / {LABEL_EN}"),
                Book::Official => {
                    "官方统计（在地统计） / official statistics (where activity happens)"
                        .to_string()
                }
            };
            ws.write_string_with_format(0, 0, &title, &bold)
                .map_err(xerr)?;
            ws.write_string(
                1,
                0,
                format!("party {} · {}..{}", self.party, self.from, self.to),
            )
            .map_err(xerr)?;
            let head = [
                "seq",
                "kind",
                "corrects",
                "period",
                "agreement",
                "version",
                "revenue_type",
                "unit",
                "agreement_year",
                "base_total",
                "credited",
                "amount",
                "ytd_credited",
                "ytd_amount",
                "explanation",
            ];
            for (c, h) in head.iter().enumerate() {
                ws.write_string_with_format(3, c as u16, *h, &bold)
                    .map_err(xerr)?;
            }
            let mut r = 4u32;
            for (seq, e) in self.book(book) {
                ws.write_number(r, 0, *seq as f64).map_err(xerr)?;
                ws.write_string(r, 1, kind_str(e.kind)).map_err(xerr)?;
                if let Some(c) = e.corrects {
                    ws.write_number(r, 2, c as f64).map_err(xerr)?;
                }
                ws.write_string(r, 3, e.period.to_string()).map_err(xerr)?;
                ws.write_string(r, 4, &e.agreement).map_err(xerr)?;
                ws.write_number(r, 5, f64::from(e.version)).map_err(xerr)?;
                ws.write_string(r, 6, e.revenue_type.as_str())
                    .map_err(xerr)?;
                ws.write_string(r, 7, &e.unit).map_err(xerr)?;
                ws.write_number(r, 8, f64::from(e.agreement_year))
                    .map_err(xerr)?;
                for (c, v) in [
                    (9u16, e.base_total),
                    (10, e.credited),
                    (11, e.amount),
                    (12, e.ytd_credited),
                    (13, e.ytd_amount),
                ] {
                    ws.write_number_with_format(r, c, v.to_yuan_f64(), &money)
                        .map_err(xerr)?;
                }
                ws.write_string(r, 14, explanation(e)).map_err(xerr)?;
                r += 1;
            }
            r += 1;
            ws.write_string_with_format(r, 0, "total / 合计", &bold)
                .map_err(xerr)?;
            for (ty, (c, a)) in self.totals(book) {
                ws.write_string(r, 6, ty.as_str()).map_err(xerr)?;
                ws.write_string(r, 7, ty.unit()).map_err(xerr)?;
                ws.write_number_with_format(r, 10, c.to_yuan_f64(), &money)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 11, a.to_yuan_f64(), &money)
                    .map_err(xerr)?;
                r += 1;
            }
            ws.set_column_width(14, 90).map_err(xerr)?;
        }
        wb.save(path).map_err(xerr)?;
        Ok(())
    }

    /// The statement as one self-contained HTML page with print CSS.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>Statement {p} {f}..{t}</title>\n<style>\n\
             body{{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;color:#111}}\n\
             .label{{border:2px solid #b00;color:#b00;padding:.4em .8em;font-weight:bold;display:inline-block}}\n\
             table{{border-collapse:collapse;width:100%;margin:1em 0;font-size:10pt}}\n\
             th,td{{border:1px solid #999;padding:2px 6px;vertical-align:top}}\n\
             td.n{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}\n\
             section{{margin-bottom:2em}}\n\
             @media print{{body{{margin:0}} @page{{size:A4 landscape;margin:12mm}} \
             section{{break-inside:auto}} section.official{{break-before:page}} \
             tr{{break-inside:avoid}} thead{{display:table-header-group}}}}\n\
             </style>\n</head>\n<body>\n<h1>利益分享结算单 / Benefit-sharing statement</h1>\n\
             <p>party <b>{p}</b> · {f} – {t}</p>\n",
            p = esc(&self.party),
            f = self.from,
            t = self.to
        );
        for book in [Book::Assessment, Book::Official] {
            let (class, title) = match book {
                Book::Assessment => ("assessment", format!("{LABEL_ZH}<br>{LABEL_EN}")),
                Book::Official => (
                    "official",
                    "官方统计（在地统计）<br>official statistics (where activity happens)"
                        .to_string(),
                ),
            };
            let _ = write!(
                h,
                "<section class=\"{class}\">\n<h2>{}</h2>\n<p class=\"label\">{title}</p>\n\
                 <table>\n<thead><tr><th>#</th><th>period</th><th>agreement</th><th>type</th>\
                 <th>unit</th><th>year</th><th>base total</th><th>credited</th><th>amount</th>\
                 <th>year to date</th><th>explanation</th></tr></thead>\n<tbody>\n",
                book.as_str()
            );
            for (seq, e) in self.book(book) {
                let corr = match (e.kind, e.corrects) {
                    (EntryKind::Correction, Some(c)) => format!(" (corrects #{c})"),
                    _ => String::new(),
                };
                let _ = writeln!(
                    h,
                    "<tr><td>{seq}{corr}</td><td>{}</td><td>{} v{}</td><td>{}</td><td>{}</td>\
                     <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    e.period,
                    esc(&e.agreement),
                    e.version,
                    e.revenue_type,
                    esc(&e.unit),
                    e.agreement_year,
                    e.base_total,
                    e.credited,
                    e.amount,
                    e.ytd_amount,
                    esc(&explanation(e))
                );
            }
            h.push_str("</tbody>\n</table>\n<table>\n<thead><tr><th>total / 合计</th><th>unit</th><th>credited</th><th>amount</th></tr></thead>\n<tbody>\n");
            for (ty, (c, a)) in self.totals(book) {
                let _ = writeln!(
                    h,
                    "<tr><td>{ty}</td><td>{}</td><td class=\"n\">{c}</td><td class=\"n\">{a}</td></tr>",
                    ty.unit()
                );
            }
            h.push_str("</tbody>\n</table>\n</section>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }

    /// Writes [`Statement::to_html`] to `path`.
    pub fn write_html(&self, path: &Path) -> Result<(), StatementError> {
        std::fs::write(path, self.to_html()).map_err(|source| StatementError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Settlement => "settlement",
        EntryKind::Correction => "correction",
    }
}

fn explanation(e: &Entry) -> String {
    e.lines
        .iter()
        .map(|l| format!("[{}] {} ({})", l.rule, l.text, l.amount))
        .collect::<Vec<_>>()
        .join("; ")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
