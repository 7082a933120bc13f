//! The farm-produce supply records (issue #17, part 5): northern Anhui as the green-food
//! supply base of Shanghai, Jiangsu and Zhejiang. A pair records its supply bases (with their
//! certifications), the buyers it deals with, supply contracts from a base to a buyer, the
//! monthly deliveries under a contract and the fairs where producers and buyers meet;
//! `crate::produce` adds them up per pair.
//!
//! Bases, buyers and fairs name their pair; certifications, contracts and deliveries carry
//! their parent's pair (derived here, kept equal by the migration's triggers when a base or
//! contract moves), so each row's visibility is decided from the row itself. The rules the
//! field kinds cannot check alone:
//!
//! * a certification is issued before it expires (`issued_on <= valid_until`);
//! * a contract's base and buyer belong to the same pair (a contract never joins a base of one
//!   pair to a buyer another pair recorded: that would let an officer use, and learn about,
//!   another pair's records); its product is one of the base's products; it starts on or
//!   before it ends;
//! * a delivery's month is `YYYY-MM` (1949-01 to 2100-12) inside its contract's period, its
//!   volume is above zero, and its product is its contract's (derived, never typed).
//!
//! A coordinator who moves a base to another pair moves its certifications, contracts and
//! deliveries with it (the triggers); its buyers stay with the pair that recorded them, so
//! such a contract joins two pairs until it is next written (when the rule above is checked
//! again), and the new pair's officers see its buyer by number only
//! (`crate::produce::recent_deliveries`).

use super::{derived, f, filtered, list_items, Entity, Field, IdKind, Kind, Rules};
use crate::clock::parse_date;
use crate::db::{Conn, Value};
use crate::error::{FieldError, PlatformError};
use serde_json::{Map, Value as Json};

/// Kinds of certification of a supply base: China's green food (绿色食品), organic (有机产品),
/// geographical indication (地理标志), good agricultural practice (GAP) or another scheme.
pub const CERTIFICATION_KINDS: &[&str] = &[
    "green_food",
    "organic",
    "geographical_indication",
    "gap",
    "other",
];

/// Kinds of produce buyer.
pub const BUYER_KINDS: &[&str] = &[
    "wholesaler",
    "retailer",
    "processor",
    "canteen",
    "ecommerce",
    "other",
];

/// Largest volume of one delivery (tonnes): a month's deliveries under one contract.
pub const MAX_DELIVERY_T: f64 = 1.0e6;
/// Largest volume of a contract or a base's yearly capacity (tonnes).
pub const MAX_VOLUME_T: f64 = 1.0e7;

/// The pair a record names itself.
const PAIR: Field = filtered(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    true,
    "结对",
    "Pair",
));

/// The pair a record takes from its parent (base or contract).
const DERIVED_PAIR: Field = filtered(derived(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    false,
    "结对（由上级记录得出）",
    "Pair (derived)",
)));

/// The supply base a certification or contract belongs to.
const BASE_REF: Field = filtered(f(
    "base_id",
    "base_id",
    Kind::Ref("supply_bases"),
    true,
    "供应基地",
    "Supply base",
));

/// A supply base of a pair's helped side: where, what and how much.
pub static SUPPLY_BASES: Entity = Entity {
    name: "supply_bases",
    table: "supply_bases",
    id_kind: IdKind::Serial,
    zh: "农产品供应基地",
    en: "Supply bases",
    title: "name",
    rules: Rules::NONE,
    fields: &[
        PAIR,
        f("name", "name", Kind::Text(200), true, "基地名称", "Name"),
        f(
            "county",
            "county",
            Kind::Text(100),
            true,
            "所在县区/地点",
            "County / location",
        ),
        f(
            "lat",
            "lat",
            Kind::Real(-90.0, 90.0),
            false,
            "纬度",
            "Latitude",
        ),
        f(
            "lon",
            "lon",
            Kind::Real(-180.0, 180.0),
            false,
            "经度",
            "Longitude",
        ),
        f(
            "products",
            "products",
            Kind::List,
            true,
            "产品（逗号分隔，如 大米,小麦）",
            "Products (comma-separated, e.g. rice,wheat)",
        ),
        f(
            "capacity_t",
            "capacity_t",
            Kind::Real(0.0, MAX_VOLUME_T),
            false,
            "年产能（吨）",
            "Capacity (tonnes a year)",
        ),
        f("source", "source", Kind::Text(500), false, "来源", "Source"),
    ],
};

/// A certification of a base (green food, organic…), valid from `issued_on` to `valid_until`.
pub static BASE_CERTIFICATIONS: Entity = Entity {
    name: "base_certifications",
    table: "base_certifications",
    id_kind: IdKind::Serial,
    zh: "基地认证",
    en: "Base certifications",
    title: "certificate_no",
    rules: Rules {
        check: Some(check_certification),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        BASE_REF,
        DERIVED_PAIR,
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(CERTIFICATION_KINDS),
            true,
            "认证类型（green_food 绿色食品 / organic 有机 / geographical_indication 地理标志 / gap 良好农业规范 / other 其他）",
            "Kind",
        )),
        f(
            "certificate_no",
            "certificate_no",
            Kind::Text(100),
            true,
            "证书编号",
            "Certificate number",
        ),
        f(
            "issuer",
            "issuer",
            Kind::Text(200),
            true,
            "发证机构",
            "Issuer",
        ),
        f(
            "issued_on",
            "issued_on",
            Kind::Date,
            true,
            "发证日期",
            "Issued on",
        ),
        f(
            "valid_until",
            "valid_until",
            Kind::Date,
            true,
            "有效期至",
            "Valid until",
        ),
    ],
};

/// A buyer of produce the pair deals with, and the locality where it buys.
pub static PRODUCE_BUYERS: Entity = Entity {
    name: "produce_buyers",
    table: "produce_buyers",
    id_kind: IdKind::Serial,
    zh: "农产品采购商",
    en: "Produce buyers",
    title: "name",
    rules: Rules::NONE,
    fields: &[
        PAIR,
        f("name", "name", Kind::Text(200), true, "名称", "Name"),
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(BUYER_KINDS),
            true,
            "类型（wholesaler 批发 / retailer 零售 / processor 加工 / canteen 食堂 / ecommerce 电商 / other 其他）",
            "Kind",
        )),
        filtered(f(
            "buyer_locality_id",
            "buyer_locality_id",
            Kind::Text(64),
            true,
            "采购所在地（地区编号，如 sh-minhang）",
            "Where it buys (locality id, e.g. sh-minhang)",
        )),
        f(
            "place",
            "place",
            Kind::Text(200),
            false,
            "地址/市场",
            "Address / market",
        ),
    ],
};

/// A supply contract from a base to a buyer of the same pair, for one product.
pub static SUPPLY_CONTRACTS: Entity = Entity {
    name: "supply_contracts",
    table: "supply_contracts",
    id_kind: IdKind::Serial,
    zh: "供销合同",
    en: "Supply contracts",
    title: "contract_no",
    rules: Rules {
        check: Some(check_contract),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        BASE_REF,
        filtered(f(
            "buyer_id",
            "buyer_id",
            Kind::Ref("produce_buyers"),
            true,
            "采购商",
            "Buyer",
        )),
        DERIVED_PAIR,
        f(
            "contract_no",
            "contract_no",
            Kind::Text(100),
            true,
            "合同编号",
            "Contract number",
        ),
        filtered(f(
            "product",
            "product",
            Kind::Text(64),
            true,
            "产品（须为基地产品之一）",
            "Product (one of the base's)",
        )),
        f(
            "volume_t",
            "volume_t",
            Kind::Real(0.0, MAX_VOLUME_T),
            true,
            "合同数量（吨）",
            "Volume (tonnes)",
        ),
        f(
            "value_yuan",
            "value_fen",
            Kind::Money,
            false,
            "合同金额（元）",
            "Value (yuan)",
        ),
        f(
            "start_on",
            "start_on",
            Kind::Date,
            true,
            "起始日期",
            "Starts on",
        ),
        f("end_on", "end_on", Kind::Date, true, "截止日期", "Ends on"),
    ],
};

/// A month's delivery under a contract.
pub static DELIVERIES: Entity = Entity {
    name: "deliveries",
    table: "deliveries",
    id_kind: IdKind::Serial,
    zh: "交付记录",
    en: "Deliveries",
    title: "month",
    rules: Rules {
        check: Some(check_delivery),
        derived: &["pair_id", "product"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "contract_id",
            "contract_id",
            Kind::Ref("supply_contracts"),
            true,
            "合同",
            "Contract",
        )),
        DERIVED_PAIR,
        filtered(derived(f(
            "product",
            "product",
            Kind::Text(64),
            false,
            "产品（由合同得出）",
            "Product (derived from the contract)",
        ))),
        filtered(f(
            "month",
            "month",
            Kind::Text(7),
            true,
            "月份（YYYY-MM）",
            "Month (YYYY-MM)",
        )),
        f(
            "volume_t",
            "volume_t",
            Kind::Real(0.0, MAX_DELIVERY_T),
            true,
            "交付数量（吨）",
            "Volume (tonnes)",
        ),
        f(
            "value_yuan",
            "value_fen",
            Kind::Money,
            true,
            "交付金额（元）",
            "Value (yuan)",
        ),
        f(
            "note",
            "note",
            Kind::Text(300),
            false,
            "备注（批次、单据号）",
            "Note (batch, invoice)",
        ),
    ],
};

/// A fair or matchmaking event where the pair's producers and buyers meet.
pub static PRODUCE_EVENTS: Entity = Entity {
    name: "produce_events",
    table: "produce_events",
    id_kind: IdKind::Serial,
    zh: "产销对接活动",
    en: "Produce fairs",
    title: "title",
    rules: Rules::NONE,
    fields: &[
        PAIR,
        f("title", "title", Kind::Text(200), true, "活动名称", "Title"),
        f("held_on", "held_on", Kind::Date, true, "日期", "Date"),
        f("place", "place", Kind::Text(200), true, "地点", "Place"),
        f(
            "producers",
            "producers",
            Kind::Int(0, 100_000),
            false,
            "参加生产方（家）",
            "Producers attending",
        ),
        f(
            "buyers",
            "buyers",
            Kind::Int(0, 100_000),
            false,
            "参加采购方（家）",
            "Buyers attending",
        ),
        f(
            "deals",
            "deals",
            Kind::Int(0, 100_000),
            false,
            "签约（项）",
            "Deals signed",
        ),
        f(
            "value_yuan",
            "value_fen",
            Kind::Money,
            false,
            "签约金额（元）",
            "Value of the deals (yuan)",
        ),
        f("source", "source", Kind::Text(500), false, "来源", "Source"),
    ],
};

/// Reads one text column of a row of `table` by id.
fn text_of(
    c: &mut dyn Conn,
    table: &str,
    column: &str,
    id: i64,
) -> Result<Option<String>, PlatformError> {
    let row = c.query_one(
        &format!("SELECT {column} AS v FROM {table} WHERE id = ?"),
        &[Value::Int(id)],
    )?;
    Ok(match row {
        Some(r) => r.opt_text("v")?.map(str::to_string),
        None => None,
    })
}

/// Sets `fields[name]` to `value` (JSON null when missing).
fn set(fields: &mut Map<String, Json>, name: &str, value: Option<String>) {
    fields.insert(name.into(), value.map(Json::String).unwrap_or(Json::Null));
}

fn int(fields: &Map<String, Json>, name: &str) -> Option<i64> {
    fields.get(name).and_then(Json::as_i64)
}

fn text<'a>(fields: &'a Map<String, Json>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Json::as_str)
}

/// `Err(Invalid)` with `errors` unless it is empty.
fn verdict(errors: Vec<FieldError>) -> Result<(), PlatformError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

/// An error unless the dates `from..=to` are in order (each a valid date, by its field).
fn dates_in_order(fields: &Map<String, Json>, from: &str, to: &str, errors: &mut Vec<FieldError>) {
    let day = |k: &str| text(fields, k).and_then(parse_date);
    if let (Some(a), Some(b)) = (day(from), day(to)) {
        if a > b {
            errors.push(FieldError::new(
                to,
                "before_start",
                format!("{to} must not be before {from}"),
                format!("{to} 不能早于 {from}"),
            ));
        }
    }
}

/// A certification's pair is its base's; it is issued before it expires.
fn check_certification(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    if let Some(base) = int(fields, "base_id") {
        let pair = text_of(c, "supply_bases", "pair_id", base)?;
        set(fields, "pair_id", pair);
    }
    let mut errors = Vec::new();
    dates_in_order(fields, "issued_on", "valid_until", &mut errors);
    verdict(errors)
}

/// A contract's pair is its base's; its buyer is of the same pair, its product one of the
/// base's, and it starts on or before it ends.
fn check_contract(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    let mut errors = Vec::new();
    if let Some(base) = int(fields, "base_id") {
        let pair = text_of(c, "supply_bases", "pair_id", base)?;
        let products = text_of(c, "supply_bases", "products", base)?;
        let offered = list_items(products.map(Json::String).as_ref());
        if let Some(p) = text(fields, "product") {
            if !offered.iter().any(|o| o == p) {
                errors.push(FieldError::new(
                    "product",
                    "not_a_base_product",
                    format!(
                        "{p} is not a product of base {base} ({})",
                        offered.join(", ")
                    ),
                    format!("{p} 不是基地 {base} 的产品（{}）", offered.join("、")),
                ));
            }
        }
        if let Some(buyer) = int(fields, "buyer_id") {
            let buyer_pair = text_of(c, "produce_buyers", "pair_id", buyer)?;
            if buyer_pair.is_some() && buyer_pair != pair {
                errors.push(FieldError::new(
                    "buyer_id",
                    "other_pair",
                    format!("buyer {buyer} is not a buyer of the base's pair"),
                    format!("采购商 {buyer} 不属于该基地所在的结对"),
                ));
            }
        }
        set(fields, "pair_id", pair);
    }
    dates_in_order(fields, "start_on", "end_on", &mut errors);
    verdict(errors)
}

/// The first day of a month `YYYY-MM` (1949-01 to 2100-12) as days since the epoch.
pub fn month_start(month: &str) -> Option<i64> {
    let year: i64 = month.get(..4)?.parse().ok()?;
    if month.len() != 7 || !(1949..=2100).contains(&year) {
        return None;
    }
    parse_date(&format!("{month}-01"))
}

/// The last day of a month `YYYY-MM` as days since the epoch.
pub fn month_end(month: &str) -> Option<i64> {
    let start = month_start(month)?;
    let (y, m, _) = crate::clock::civil_from_days(start);
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Some(crate::clock::days_from_civil(ny, nm, 1) - 1)
}

/// A delivery's pair and product are its contract's; its month is `YYYY-MM` inside the
/// contract's period and its volume above zero.
fn check_delivery(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    let mut errors = Vec::new();
    let month = text(fields, "month").map(str::to_string);
    let span = month
        .as_deref()
        .and_then(|m| month_start(m).zip(month_end(m)));
    if month.is_some() && span.is_none() {
        errors.push(FieldError::new(
            "month",
            "bad_month",
            "month must be YYYY-MM, from 1949-01 to 2100-12".into(),
            "月份必须是 YYYY-MM 格式（1949-01 至 2100-12）".into(),
        ));
    }
    if fields
        .get("volume_t")
        .and_then(Json::as_f64)
        .is_some_and(|v| v <= 0.0)
    {
        errors.push(FieldError::new(
            "volume_t",
            "not_positive",
            "a delivery's volume must be above zero".into(),
            "交付数量必须大于零".into(),
        ));
    }
    if let Some(contract) = int(fields, "contract_id") {
        let pair = text_of(c, "supply_contracts", "pair_id", contract)?;
        let product = text_of(c, "supply_contracts", "product", contract)?;
        let start = text_of(c, "supply_contracts", "start_on", contract)?;
        let end = text_of(c, "supply_contracts", "end_on", contract)?;
        let period = start
            .as_deref()
            .and_then(parse_date)
            .zip(end.as_deref().and_then(parse_date));
        if let (Some((first, last)), Some((from, to))) = (span, period) {
            // The month overlaps the contract's period: a contract running from the 15th
            // delivers in that month.
            if last < from || first > to {
                errors.push(FieldError::new(
                    "month",
                    "outside_contract",
                    format!(
                        "the month is outside contract {contract}'s period ({} to {})",
                        start.as_deref().unwrap_or_default(),
                        end.as_deref().unwrap_or_default()
                    ),
                    format!(
                        "该月份不在合同 {contract} 的期限内（{} 至 {}）",
                        start.as_deref().unwrap_or_default(),
                        end.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        set(fields, "pair_id", pair);
        set(fields, "product", product);
    }
    verdict(errors)
}
