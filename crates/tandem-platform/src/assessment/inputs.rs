//! A run's inputs: one year's annual figures as [`tandem_assess::Unit`]s, and the columns a
//! scheme may read.
//!
//! Enterprise units carry every figure of `enterprise_figures` under its field name, plus two
//! derived columns: `years_in_production` (the year assessed minus the year production
//! started) and, where `rd_percent` is empty but R&D spending and revenue are given,
//! `rd_percent` = R&D spending / revenue × 100. Park units carry the figures of `park_figures`
//! (`one_stop_service` as 1 for yes, 0 for no). A figure not reported stays missing (`None`),
//! never 0.

use crate::db::{Conn, DbError, Row, Value};
use crate::error::{FieldError, PlatformError};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;
use tandem_assess::{Scheme, SchemeError, Subject, Unit};

/// The number columns of `enterprise_figures` a scheme may read.
pub const ENTERPRISE_COLUMNS: &[&str] = &[
    "land_mu",
    "revenue_10k_yuan",
    "tax_10k_yuan",
    "value_added_10k_yuan",
    "rd_10k_yuan",
    "rd_percent",
    "energy_tce",
    "emissions_t",
    "employees",
    "production_start_year",
];

/// Columns derived from an enterprise's figures.
pub const ENTERPRISE_DERIVED: &[&str] = &["years_in_production"];

/// The number columns of `park_figures` a scheme may read.
pub const PARK_COLUMNS: &[&str] = &[
    "land_mu",
    "land_occupied_mu",
    "factory_m2",
    "factory_occupied_m2",
    "output_10k_yuan",
    "tax_10k_yuan",
    "investment_10k_yuan",
    "service_providers",
    "staff",
];

/// Every column a scheme of `subject` may read; `None` for a subject the platform does not
/// keep figures for.
pub fn columns_for(subject: Subject) -> Option<Vec<&'static str>> {
    match subject {
        Subject::Enterprises => Some([ENTERPRISE_COLUMNS, ENTERPRISE_DERIVED].concat()),
        Subject::Parks => Some([PARK_COLUMNS, &["one_stop_service"]].concat()),
        Subject::Environment => None,
    }
}

/// Parses a scheme and checks that the platform keeps every column it reads. Every problem
/// is a field error: `scheme` for the TOML, `scheme.<path>` for a field of it,
/// `scheme.columns` for each column the platform does not keep.
pub fn parse_scheme(text: &str) -> Result<Scheme, PlatformError> {
    let field = |path: String, rule: &'static str, en: String| {
        let zh = format!("评价方案有误：{en}");
        FieldError::new(&path, rule, en, zh)
    };
    if text.len() > super::model::MAX_SCHEME_BYTES {
        return Err(PlatformError::TooLarge(format!(
            "the scheme is {} bytes; at most {} are accepted",
            text.len(),
            super::model::MAX_SCHEME_BYTES
        )));
    }
    let scheme = Scheme::parse(text).map_err(|e| {
        PlatformError::Invalid(vec![match e {
            SchemeError::Toml(m) => field("scheme".into(), "scheme_toml", m),
            SchemeError::Field { field: f, rule } => {
                field(format!("scheme.{f}"), "scheme_field", rule)
            }
        }])
    })?;
    let Some(known) = columns_for(scheme.subject) else {
        return Err(PlatformError::Invalid(vec![field(
            "scheme.subject".into(),
            "not_supported",
            "the platform keeps figures of enterprises and parks only".into(),
        )]));
    };
    let unknown: Vec<FieldError> = scheme
        .columns()
        .into_iter()
        .filter(|c| !known.contains(c))
        .map(|c| {
            field(
                "scheme.columns".into(),
                "unknown_column",
                format!(
                    "the scheme reads {c:?}, which the platform does not keep; known: {}",
                    known.join(", ")
                ),
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(scheme)
    } else {
        Err(PlatformError::Invalid(unknown))
    }
}

/// The enterprises' units of `park` in `year`, in enterprise id order.
pub fn enterprise_units(c: &mut dyn Conn, park: i64, year: i64) -> Result<Vec<Unit>, DbError> {
    let sql = format!(
        "SELECT f.enterprise_id AS unit_id, e.industry AS industry, {} \
         FROM enterprise_figures f JOIN enterprises e ON e.id = f.enterprise_id \
         WHERE f.park_id = ? AND f.year = ? ORDER BY f.enterprise_id",
        ENTERPRISE_COLUMNS
            .iter()
            .map(|c| format!("f.{c} AS {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = c.query(&sql, &[Value::Int(park), Value::Int(year)])?;
    rows.iter()
        .map(|r| enterprise_unit(r, park, year))
        .collect()
}

/// One enterprise's unit; its group is its park.
fn enterprise_unit(r: &Row, park: i64, year: i64) -> Result<Unit, DbError> {
    let mut figures = BTreeMap::new();
    for col in ENTERPRISE_COLUMNS {
        figures.insert(col.to_string(), r.opt_real(col)?);
    }
    let start = r.opt_real("production_start_year")?;
    figures.insert("years_in_production".into(), start.map(|s| year as f64 - s));
    if figures["rd_percent"].is_none() {
        let (rd, revenue) = (figures["rd_10k_yuan"], figures["revenue_10k_yuan"]);
        if let (Some(rd), Some(revenue)) = (rd, revenue.filter(|r| *r > 0.0)) {
            figures.insert("rd_percent".into(), Some(rd / revenue * 100.0));
        }
    }
    Ok(Unit {
        id: r.int("unit_id")?.to_string(),
        industry: r.opt_text("industry")?.map(str::to_string),
        group: Some(park.to_string()),
        figures,
    })
}

/// The parks' units of `pair` in `year`, in park id order; their group is the pair, so a run
/// reads as the advisor's park assessments (`tandem_assess::park_assessments`).
pub fn park_units(c: &mut dyn Conn, pair: &str, year: i64) -> Result<Vec<Unit>, DbError> {
    let sql = format!(
        "SELECT park_id AS unit_id, one_stop_service, {} FROM park_figures \
         WHERE pair_id = ? AND year = ? ORDER BY park_id",
        PARK_COLUMNS.join(", ")
    );
    let rows = c.query(&sql, &[pair.into(), Value::Int(year)])?;
    rows.iter()
        .map(|r| {
            let mut figures = BTreeMap::new();
            for col in PARK_COLUMNS {
                figures.insert(col.to_string(), r.opt_real(col)?);
            }
            let one_stop = r.opt_text("one_stop_service")?;
            figures.insert(
                "one_stop_service".into(),
                one_stop.map(|v| if v == "yes" { 1.0 } else { 0.0 }),
            );
            Ok(Unit {
                id: r.int("unit_id")?.to_string(),
                industry: None,
                group: Some(pair.to_string()),
                figures,
            })
        })
        .collect()
}

/// Units as stored in a run (`inputs_json`).
pub fn units_to_json(units: &[Unit]) -> Json {
    Json::Array(
        units
            .iter()
            .map(|u| {
                let figures: Map<String, Json> = u
                    .figures
                    .iter()
                    .map(|(k, v)| (k.clone(), v.map(Json::from).unwrap_or(Json::Null)))
                    .collect();
                json!({"id": u.id, "industry": u.industry, "group": u.group, "figures": figures})
            })
            .collect(),
    )
}

/// Units back from a run's `inputs_json`; `None` if it is not what [`units_to_json`] writes.
pub fn units_from_json(inputs: &Json) -> Option<Vec<Unit>> {
    inputs
        .as_array()?
        .iter()
        .map(|u| {
            let figures = u["figures"]
                .as_object()?
                .iter()
                .map(|(k, v)| match v {
                    Json::Null => Some((k.clone(), None)),
                    v => v.as_f64().map(|x| (k.clone(), Some(x))),
                })
                .collect::<Option<BTreeMap<_, _>>>()?;
            Some(Unit {
                id: u["id"].as_str()?.to_string(),
                industry: u["industry"].as_str().map(str::to_string),
                group: u["group"].as_str().map(str::to_string),
                figures,
            })
        })
        .collect()
}
