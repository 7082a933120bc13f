//! The four tables of a registry, as Parquet columns (docs/REGISTRY.md documents each).
//!
//! Money is in yuan (whole yuan, INT64), dates are Parquet DATE, cities are tandem locality ids
//! with their GB/T 2260 code, and a missing value is null, never 0.

use crate::table::{Column, Kind};

const fn col(name: &'static str, kind: Kind, nullable: bool) -> Column {
    Column {
        name,
        kind,
        nullable,
    }
}

/// firms.parquet: one row per firm ever registered.
pub const FIRMS: &[Column] = &[
    col("firm_id", Kind::Int64, false),
    col("uscc", Kind::Utf8, true),
    col("county_code", Kind::Int32, true),
    col("city_id", Kind::Utf8, false),
    col("city_adcode", Kind::Int32, false),
    col("industry", Kind::Utf8, false),
    col("industry_division", Kind::Utf8, false),
    col("founded", Kind::Date, false),
    col("closed", Kind::Date, true),
    col("registered_capital_yuan", Kind::Int64, true),
    col("ownership", Kind::Utf8, false),
];

/// establishments.parquet: branches (分支机构) of firms.
pub const ESTABLISHMENTS: &[Column] = &[
    col("branch_id", Kind::Int64, false),
    col("firm_id", Kind::Int64, false),
    col("city_id", Kind::Utf8, false),
    col("city_adcode", Kind::Int32, false),
    col("founded", Kind::Date, false),
    col("closed", Kind::Date, true),
];

/// links.parquet: shareholder links, an investor firm holding a share of an investee firm.
pub const LINKS: &[Column] = &[
    col("investor_firm_id", Kind::Int64, false),
    col("investee_firm_id", Kind::Int64, false),
    col("share", Kind::Double, true),
    col("amount_yuan", Kind::Int64, true),
    col("date", Kind::Date, false),
];

/// address_changes.parquet: a firm's registered address moving from one city to another.
pub const ADDRESS_CHANGES: &[Column] = &[
    col("firm_id", Kind::Int64, false),
    col("date", Kind::Date, false),
    col("from_city_id", Kind::Utf8, false),
    col("to_city_id", Kind::Utf8, false),
];

/// The files of a registry directory and their tables, in writing order.
pub const TABLES: &[(&str, &[Column])] = &[
    ("firms.parquet", FIRMS),
    ("establishments.parquet", ESTABLISHMENTS),
    ("links.parquet", LINKS),
    ("address_changes.parquet", ADDRESS_CHANGES),
];

/// Ownership types (企业类型, simplified): the values of `firms.ownership`.
pub const OWNERSHIP: &[&str] = &["private", "state", "collective", "foreign", "other"];
