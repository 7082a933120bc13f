//! Farm-produce supply per pair (issue #17, part 5): northern Anhui as the green-food supply
//! base of Shanghai, Jiangsu and Zhejiang. The records are described in
//! [`crate::entity::produce`]; this module adds them up.
//!
//! # Rules and formulas
//!
//! * **Year** of a delivery: the year of its month (`2024-03` is 2024).
//! * **Volumes and values by product and year**: the sums of the pair's deliveries' tonnes
//!   and yuan per (product, year). The product is the contract's (a delivery carries it,
//!   derived); products are added up as written, so `大米` and `rice` are two products.
//! * **Helper-side share** of a year:
//!   `helper_volume_share = Σ volume of deliveries to buyers whose locality is the pair's
//!   helper locality / Σ volume of all the pair's deliveries`, the same with values for
//!   `helper_value_share`. A buyer's locality is the one it buys in (`buyer_locality_id`),
//!   compared exactly with the pair's `helper_id`: a buyer elsewhere in the helper's province
//!   is "elsewhere".
//! * **Certified** (derived, never stored or typed): a delivery was made under a valid
//!   certification when a certification of its contract's base was valid on every day of the
//!   delivery's month (`issued_on <= first day` and `valid_until >= last day`), since a
//!   month's deliveries are not dated to the day. It is computed when read, so a certificate
//!   recorded or corrected later is taken into account at once.
//!   `certified_volume_share = certified volume / volume`.
//! * **Missing is not zero**: a year without deliveries is absent (not a row of zeros); a
//!   share whose denominator is zero is `None`; a product or year appears only with at least
//!   one delivery.
//! * **Certification status** on a day: `not_yet_valid` before `issued_on`, `expired` after
//!   `valid_until`, `expiring` when it ends within [`EXPIRING_DAYS`] days, else `valid`.
//!
//! # Who reads what
//!
//! The totals of a pair are read under [`may_read_totals`] (the pair's officers, researchers,
//! coordinators, the administrator); anyone else is told the pair's totals are not found.
//! The certifications and deliveries listed on the pair's page are read through the read
//! policy of their own types ([`crate::auth::read_filter`]), so a researcher sees the pair's
//! certifications but no delivery.

use crate::auth::produce::may_read_totals;
use crate::auth::{allowed, read_filter, Action, Scope, User};
use crate::clock::{parse_date, today};
use crate::db::{Conn, Db, Row, Value};
use crate::entity::produce::{month_end, month_start};
use crate::error::PlatformError;
use serde::Serialize;
use std::collections::BTreeMap;
use tandem_ledger::money::Fen;

/// A certification ending within this many days is flagged as expiring.
pub const EXPIRING_DAYS: i64 = 90;

/// The most deliveries of one pair added up in one request; a pair with more is refused
/// rather than read without bound.
pub const MAX_DELIVERIES: usize = 200_000;

/// One year of a pair's deliveries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearTotals {
    pub year: i64,
    /// Deliveries counted.
    pub deliveries: usize,
    /// Tonnes delivered.
    pub volume_t: f64,
    /// Yuan, exact.
    pub value_yuan: Fen,
    /// Tonnes delivered to buyers in the pair's helper locality.
    pub helper_volume_t: f64,
    /// Yuan delivered to buyers in the pair's helper locality.
    pub helper_value_yuan: Fen,
    /// `helper_volume_t / volume_t`; `None` when nothing was delivered.
    pub helper_volume_share: Option<f64>,
    /// `helper_value_yuan / value_yuan`; `None` when the value is zero.
    pub helper_value_share: Option<f64>,
    /// Tonnes delivered under a valid certification (derived).
    pub certified_volume_t: f64,
    /// `certified_volume_t / volume_t`; `None` when nothing was delivered.
    pub certified_volume_share: Option<f64>,
}

/// One product in one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductYear {
    pub product: String,
    pub year: i64,
    pub deliveries: usize,
    pub volume_t: f64,
    pub value_yuan: Fen,
    pub helper_volume_t: f64,
    pub certified_volume_t: f64,
}

/// A pair's produce totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairTotals {
    pub pair_id: String,
    /// The pair's helper locality: buyers there are the helper side.
    pub helper_id: String,
    /// Years with at least one delivery, oldest first.
    pub years: Vec<YearTotals>,
    /// (product, year) with at least one delivery, by product then year.
    pub by_product: Vec<ProductYear>,
}

/// A delivery as read for the totals and the page, with its derived flags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeliveryLine {
    pub id: i64,
    pub contract_id: i64,
    pub month: String,
    pub product: String,
    pub volume_t: f64,
    pub value_yuan: Fen,
    pub buyer_id: i64,
    /// The buyer's name, or `#id` when the user may not read the buyer (a buyer of another
    /// pair, after a coordinator moved a base with its contracts), and its locality.
    pub buyer: String,
    /// The buyer's pair, to decide whether its name is shown.
    #[serde(skip)]
    pub buyer_pair: String,
    pub buyer_locality_id: String,
    /// Whether the buyer buys in the pair's helper locality (derived).
    pub to_helper: bool,
    /// Whether a certification of the base covered the whole month (derived).
    pub certified: bool,
}

/// A certification's standing on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificationStatus {
    NotYetValid,
    Valid,
    Expiring,
    Expired,
}

impl CertificationStatus {
    /// The status on day `on` of a certification valid from `issued` to `until` (days since
    /// the epoch).
    pub fn on(on: i64, issued: i64, until: i64) -> CertificationStatus {
        if on < issued {
            CertificationStatus::NotYetValid
        } else if on > until {
            CertificationStatus::Expired
        } else if until - on <= EXPIRING_DAYS {
            CertificationStatus::Expiring
        } else {
            CertificationStatus::Valid
        }
    }
}

/// A certification of one of the pair's bases, with its status on the day asked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CertificationLine {
    pub id: i64,
    pub base_id: i64,
    pub base: String,
    pub kind: String,
    pub certificate_no: String,
    pub issuer: String,
    pub issued_on: String,
    pub valid_until: String,
    pub status: CertificationStatus,
}

/// The not-found answer for a pair the user may not read (or that does not exist).
fn not_found(pair: &str) -> PlatformError {
    PlatformError::NotFound(format!("produce totals of pair {pair:?}"))
}

/// The pair's helper locality, if the pair exists.
fn helper_of(c: &mut dyn Conn, pair: &str) -> Result<Option<String>, PlatformError> {
    let row = c.query_one("SELECT helper_id FROM pairs WHERE id = ?", &[pair.into()])?;
    Ok(match row {
        Some(r) => Some(r.text("helper_id")?.to_string()),
        None => None,
    })
}

/// The certification periods (issued, until) of the pair's bases, by base.
fn periods(c: &mut dyn Conn, pair: &str) -> Result<BTreeMap<i64, Vec<(i64, i64)>>, PlatformError> {
    let rows = c.query(
        "SELECT base_id, issued_on, valid_until FROM base_certifications WHERE pair_id = ?",
        &[pair.into()],
    )?;
    let mut out: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for r in &rows {
        if let (Some(a), Some(b)) = (
            parse_date(r.text("issued_on")?),
            parse_date(r.text("valid_until")?),
        ) {
            out.entry(r.int("base_id")?).or_default().push((a, b));
        }
    }
    Ok(out)
}

const DELIVERY_COLUMNS: &str = "d.id AS id, d.contract_id AS contract_id, d.month AS month, \
     d.product AS product, d.volume_t AS volume_t, d.value_fen AS value_fen, \
     k.base_id AS base_id, k.buyer_id AS buyer_id, b.name AS buyer, b.pair_id AS buyer_pair, \
     b.buyer_locality_id AS buyer_locality_id";

/// The pair's deliveries (newest month first, at most `limit` + 1 so a caller can tell there
/// are more), with the certification and helper flags derived. `filter` is a read filter of
/// deliveries, applied to the rows of the table as they are.
fn delivery_lines(
    c: &mut dyn Conn,
    pair: &str,
    helper: &str,
    filter: Option<(String, Vec<Value>)>,
    limit: usize,
) -> Result<Vec<DeliveryLine>, PlatformError> {
    let mut sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries d \
         JOIN supply_contracts k ON k.id = d.contract_id \
         JOIN produce_buyers b ON b.id = k.buyer_id WHERE d.pair_id = ?"
    );
    let mut params: Vec<Value> = vec![pair.into()];
    if let Some((f, p)) = filter {
        sql.push_str(&format!(
            " AND d.id IN (SELECT id FROM deliveries WHERE {f})"
        ));
        params.extend(p);
    }
    sql.push_str(&format!(
        " ORDER BY d.month DESC, d.id DESC LIMIT {}",
        limit + 1
    ));
    let rows = c.query(&sql, &params)?;
    let periods = periods(c, pair)?;
    rows.iter()
        .map(|r| delivery_line(r, helper, &periods))
        .collect()
}

/// One delivery row as a [`DeliveryLine`].
fn delivery_line(
    r: &Row,
    helper: &str,
    periods: &BTreeMap<i64, Vec<(i64, i64)>>,
) -> Result<DeliveryLine, PlatformError> {
    let month = r.text("month")?.to_string();
    let span = month_start(&month).zip(month_end(&month));
    let certified = match (span, periods.get(&r.int("base_id")?)) {
        (Some((first, last)), Some(ps)) => ps.iter().any(|(a, b)| *a <= first && *b >= last),
        _ => false,
    };
    let locality = r.text("buyer_locality_id")?.to_string();
    Ok(DeliveryLine {
        id: r.int("id")?,
        contract_id: r.int("contract_id")?,
        product: r.opt_text("product")?.unwrap_or_default().to_string(),
        volume_t: r.real("volume_t")?,
        value_yuan: Fen(r.opt_int("value_fen")?.unwrap_or(0)),
        buyer_id: r.int("buyer_id")?,
        buyer: r.text("buyer")?.to_string(),
        buyer_pair: r.text("buyer_pair")?.to_string(),
        to_helper: locality == helper,
        buyer_locality_id: locality,
        certified,
        month,
    })
}

/// Reads the pair's helper locality if `user` may read the pair's produce totals.
fn readable_pair(c: &mut dyn Conn, user: &User, pair: &str) -> Result<String, PlatformError> {
    if !may_read_totals(user, pair) {
        return Err(not_found(pair));
    }
    helper_of(c, pair)?.ok_or_else(|| not_found(pair))
}

/// The produce totals of `pair`, if `user` may read them ([`may_read_totals`]).
pub fn pair_totals(db: &Db, user: &User, pair: &str) -> Result<PairTotals, PlatformError> {
    db.read(|c| {
        let helper = readable_pair(c, user, pair)?;
        let lines = delivery_lines(c, pair, &helper, None, MAX_DELIVERIES)?;
        if lines.len() > MAX_DELIVERIES {
            return Err(PlatformError::TooLarge(format!(
                "pair {pair} has more than {MAX_DELIVERIES} deliveries to add up"
            )));
        }
        totals_of(pair, &helper, &lines)
    })
}

/// Sums of fen, refused rather than wrapped when they leave the range of [`Fen`].
fn fen_sum(parts: impl Iterator<Item = Fen>) -> Result<Fen, PlatformError> {
    let total: i128 = parts.map(|f| i128::from(f.0)).sum();
    Fen::from_i128(total).map_err(|_| {
        PlatformError::TooLarge("a produce value total exceeds the money range".into())
    })
}

/// `part / whole`, `None` when `whole` is zero.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Adds `lines` up by year and by (product, year), per the module's formulas.
pub fn totals_of(
    pair: &str,
    helper: &str,
    lines: &[DeliveryLine],
) -> Result<PairTotals, PlatformError> {
    let year = |l: &DeliveryLine| {
        l.month
            .get(..4)
            .and_then(|y| y.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut by_year: BTreeMap<i64, Vec<&DeliveryLine>> = BTreeMap::new();
    let mut by_product: BTreeMap<(String, i64), Vec<&DeliveryLine>> = BTreeMap::new();
    for l in lines {
        by_year.entry(year(l)).or_default().push(l);
        by_product
            .entry((l.product.clone(), year(l)))
            .or_default()
            .push(l);
    }
    let volume = |ls: &[&DeliveryLine], keep: &dyn Fn(&DeliveryLine) -> bool| -> f64 {
        // Folded from +0.0: an empty float sum is -0.0, shown as "-0%".
        ls.iter()
            .filter(|l| keep(l))
            .fold(0.0, |sum, l| sum + l.volume_t)
    };
    let mut years = Vec::with_capacity(by_year.len());
    for (y, ls) in &by_year {
        let v = volume(ls, &|_| true);
        let helper_v = volume(ls, &|l| l.to_helper);
        let certified_v = volume(ls, &|l| l.certified);
        let value = fen_sum(ls.iter().map(|l| l.value_yuan))?;
        let helper_value = fen_sum(ls.iter().filter(|l| l.to_helper).map(|l| l.value_yuan))?;
        years.push(YearTotals {
            year: *y,
            deliveries: ls.len(),
            volume_t: v,
            value_yuan: value,
            helper_volume_t: helper_v,
            helper_value_yuan: helper_value,
            helper_volume_share: share(helper_v, v),
            helper_value_share: share(helper_value.0 as f64, value.0 as f64),
            certified_volume_t: certified_v,
            certified_volume_share: share(certified_v, v),
        });
    }
    let mut products = Vec::with_capacity(by_product.len());
    for ((product, y), ls) in by_product {
        products.push(ProductYear {
            volume_t: volume(&ls, &|_| true),
            value_yuan: fen_sum(ls.iter().map(|l| l.value_yuan))?,
            helper_volume_t: volume(&ls, &|l| l.to_helper),
            certified_volume_t: volume(&ls, &|l| l.certified),
            deliveries: ls.len(),
            product,
            year: y,
        });
    }
    Ok(PairTotals {
        pair_id: pair.to_string(),
        helper_id: helper.to_string(),
        years,
        by_product: products,
    })
}

/// The latest `limit` deliveries of `pair` that `user` may read (through the deliveries'
/// read policy), with their derived flags; the pair itself must be readable.
pub fn recent_deliveries(
    db: &Db,
    user: &User,
    pair: &str,
    limit: usize,
) -> Result<Vec<DeliveryLine>, PlatformError> {
    db.read(|c| {
        let helper = readable_pair(c, user, pair)?;
        let filter = read_filter(user, "deliveries");
        let limit = limit.min(MAX_DELIVERIES);
        let mut lines = delivery_lines(c, pair, &helper, filter, limit)?;
        lines.truncate(limit);
        // A buyer is named only to those who may read it (its locality is part of the
        // delivery's derived flag, its name is not).
        for l in &mut lines {
            let scope = Scope {
                pair_id: Some(l.buyer_pair.clone()),
                ..Scope::default()
            };
            if !allowed(user, Action::Read, "produce_buyers", &scope) {
                l.buyer = format!("#{}", l.buyer_id);
            }
        }
        Ok(lines)
    })
}

/// The certifications of `pair`'s bases that `user` may read (through the certifications'
/// read policy), with their status on day `on` (`YYYY-MM-DD`; today when `None`), the ones
/// ending first first.
pub fn certifications(
    db: &Db,
    user: &User,
    pair: &str,
    on: Option<&str>,
) -> Result<Vec<CertificationLine>, PlatformError> {
    let day = on.map(str::to_string).unwrap_or_else(today);
    let day = parse_date(&day).ok_or_else(|| {
        PlatformError::invalid(
            "on",
            "bad_date",
            format!("on must be a date YYYY-MM-DD (got {day:?})"),
            format!("日期必须是 YYYY-MM-DD 格式（收到 {day:?}）"),
        )
    })?;
    db.read(|c| {
        readable_pair(c, user, pair)?;
        let mut sql = "SELECT c.id AS id, c.base_id AS base_id, s.name AS base, c.kind AS kind, \
             c.certificate_no AS certificate_no, c.issuer AS issuer, c.issued_on AS issued_on, \
             c.valid_until AS valid_until FROM base_certifications c \
             JOIN supply_bases s ON s.id = c.base_id WHERE c.pair_id = ?"
            .to_string();
        let mut params: Vec<Value> = vec![pair.into()];
        if let Some((f, p)) = read_filter(user, "base_certifications") {
            sql.push_str(&format!(
                " AND c.id IN (SELECT id FROM base_certifications WHERE {f})"
            ));
            params.extend(p);
        }
        sql.push_str(&format!(
            " ORDER BY c.valid_until, c.id LIMIT {MAX_DELIVERIES}"
        ));
        let rows = c.query(&sql, &params)?;
        rows.iter().map(|r| certification_line(r, day)).collect()
    })
}

/// One certification row with its status on `day`.
fn certification_line(r: &Row, day: i64) -> Result<CertificationLine, PlatformError> {
    let issued_on = r.text("issued_on")?.to_string();
    let valid_until = r.text("valid_until")?.to_string();
    let (a, b) = (
        parse_date(&issued_on).unwrap_or(i64::MAX),
        parse_date(&valid_until).unwrap_or(i64::MIN),
    );
    Ok(CertificationLine {
        id: r.int("id")?,
        base_id: r.int("base_id")?,
        base: r.text("base")?.to_string(),
        kind: r.text("kind")?.to_string(),
        certificate_no: r.text("certificate_no")?.to_string(),
        issuer: r.text("issuer")?.to_string(),
        status: CertificationStatus::on(day, a, b),
        issued_on,
        valid_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        month: &str,
        product: &str,
        t: f64,
        fen: i64,
        helper: bool,
        cert: bool,
    ) -> DeliveryLine {
        DeliveryLine {
            id: 1,
            contract_id: 1,
            month: month.into(),
            product: product.into(),
            volume_t: t,
            value_yuan: Fen(fen),
            buyer_id: 1,
            buyer: "b".into(),
            buyer_pair: "p".into(),
            buyer_locality_id: if helper { "sh-minhang" } else { "js-nanjing" }.into(),
            to_helper: helper,
            certified: cert,
        }
    }

    #[test]
    fn shares_by_year_and_missing_years_absent() {
        let lines = [
            line("2023-05", "rice", 30.0, 30_000, true, true),
            line("2023-06", "rice", 10.0, 10_000, false, false),
            line("2025-01", "wheat", 5.0, 0, false, true),
        ];
        let t = totals_of("p", "sh-minhang", &lines).unwrap();
        assert_eq!(
            t.years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [2023, 2025]
        );
        let y = &t.years[0];
        assert_eq!(y.volume_t, 40.0);
        assert_eq!(y.helper_volume_share, Some(0.75));
        assert_eq!(y.helper_value_share, Some(0.75));
        assert_eq!(y.certified_volume_share, Some(0.75));
        // A year whose value is zero has no value share, not a share of zero.
        assert_eq!(t.years[1].helper_value_share, None);
        assert_eq!(t.years[1].helper_volume_share, Some(0.0));
        assert!(t.years[1].helper_volume_share.unwrap().is_sign_positive());
        assert_eq!(t.by_product.len(), 2);
        assert_eq!(t.by_product[0].product, "rice");
        assert_eq!(t.by_product[0].helper_volume_t, 30.0);
        let none = totals_of("p", "h", &[]).unwrap();
        assert!(none.years.is_empty() && none.by_product.is_empty());
    }

    #[test]
    fn certification_status_on_a_day() {
        let d = |s: &str| parse_date(s).unwrap();
        let on = |s: &str| CertificationStatus::on(d(s), d("2024-01-01"), d("2024-12-31"));
        assert_eq!(on("2023-12-31"), CertificationStatus::NotYetValid);
        assert_eq!(on("2024-06-01"), CertificationStatus::Valid);
        assert_eq!(on("2024-10-02"), CertificationStatus::Expiring);
        assert_eq!(on("2024-12-31"), CertificationStatus::Expiring);
        assert_eq!(on("2025-01-01"), CertificationStatus::Expired);
    }

    #[test]
    fn months_have_their_first_and_last_days() {
        let d = |s: &str| parse_date(s).unwrap();
        assert_eq!(month_start("2024-02"), Some(d("2024-02-01")));
        assert_eq!(month_end("2024-02"), Some(d("2024-02-29")));
        assert_eq!(month_end("2023-12"), Some(d("2023-12-31")));
        for bad in [
            "2024-13",
            "2024-1",
            "24-01",
            "1900-01",
            "2024-01-01",
            "abcd-ef",
        ] {
            assert_eq!(month_start(bad), None, "{bad}");
        }
    }
}
