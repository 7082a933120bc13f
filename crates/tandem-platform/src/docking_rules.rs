//! The docking records' own checks, called through their descriptors
//! ([`crate::entity::Rules::check`]): industries that resolve in the matching context,
//! localities that exist, parks and pairs a demand is shared with, capital providers' stages
//! and tickets. Apart from the workflow in [`crate::docking`] so that the descriptors can name
//! them without the record service and the workflow depending on each other.

use crate::db::{Conn, DbError, Value};
use crate::error::{FieldError, PlatformError};
use crate::lists::list_items;
use serde_json::{Map, Value as Json};
use std::sync::OnceLock;
use tandem_matching::{MatchContext, Stage};

/// The matching context from the bundled data, built once per process.
pub fn context() -> Result<&'static MatchContext, PlatformError> {
    static CTX: OnceLock<Result<MatchContext, String>> = OnceLock::new();
    CTX.get_or_init(|| MatchContext::bundled().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PlatformError::Db(DbError::Other(format!("matching context: {e}"))))
}

pub(crate) fn invalid(field: &str, rule: &'static str, en: String, zh: String) -> PlatformError {
    PlatformError::Invalid(vec![FieldError::new(field, rule, en, zh)])
}

fn known_locality(id: &str) -> bool {
    tandem_data::bundled::bundle()
        .localities
        .iter()
        .any(|l| l.id == id)
}

/// Every code of list field `field` must resolve to an industry of the matching context.
fn check_industries(
    ctx: &MatchContext,
    fields: &Map<String, Json>,
    field: &str,
    errors: &mut Vec<FieldError>,
) {
    for code in list_items(fields.get(field)) {
        if let Err(rule) = ctx.resolve_industry(&code) {
            errors.push(FieldError::new(
                field,
                "unknown_industry",
                format!(
                    "{field}: {code}: {rule} (write io42:18 or a GB/T 4754 division such as C36)"
                ),
                format!("{field}：{code} 不是可识别的行业代码（如 io42:18 或 C36）"),
            ));
        }
    }
}

/// Every id of list field `field` must be a known locality.
fn check_localities(fields: &Map<String, Json>, field: &str, errors: &mut Vec<FieldError>) {
    for id in list_items(fields.get(field)) {
        if !known_locality(&id) {
            errors.push(FieldError::new(
                field,
                "not_found",
                format!("{field}: {id} is not a known locality id (e.g. ah-huaibei)"),
                format!("{field}：{id} 不是已知地区编号（如 ah-huaibei）"),
            ));
        }
    }
}

fn invalid_if_any(errors: Vec<FieldError>) -> Result<(), PlatformError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

/// A demand's check ([`crate::entity::DEMANDS`]): its industry resolves, its preferred
/// regions exist, and the parks and pairs it is shared with exist.
pub fn check_demand(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    let ctx = context()?;
    let mut errors = Vec::new();
    check_industries(ctx, fields, "industry", &mut errors);
    check_localities(fields, "preferred_regions", &mut errors);
    for id in list_items(fields.get("shared_with_parks")) {
        // Only the canonical form (`7`, not `07` or `+7`): the read filter matches the
        // stored text, so another spelling would let `allowed` and `read_filter` differ.
        let exists = match id.parse::<i64>() {
            Ok(n) if n.to_string() == id => c
                .query_one("SELECT id FROM parks WHERE id = ?", &[Value::Int(n)])?
                .is_some(),
            _ => false,
        };
        if !exists {
            errors.push(FieldError::new(
                "shared_with_parks",
                "not_found",
                format!(
                    "shared_with_parks: no park numbered {id:?} (write the park's number, e.g. 7)"
                ),
                format!("可见园区：没有编号为 {id} 的园区（请填园区编号，如 7）"),
            ));
        }
    }
    for id in list_items(fields.get("shared_with_pairs")) {
        if c.query_one("SELECT id FROM pairs WHERE id = ?", &[id.clone().into()])?
            .is_none()
        {
            errors.push(FieldError::new(
                "shared_with_pairs",
                "not_found",
                format!("shared_with_pairs: pair {id} does not exist"),
                format!("可见结对：结对 {id} 不存在"),
            ));
        }
    }
    invalid_if_any(errors)
}

/// A park offer's check ([`crate::entity::PARK_OFFERS`]): its industries resolve; its pair
/// is derived from its park (so the scope checked is the stored one; a trigger stores it).
pub fn check_park_offer(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let ctx = context()?;
    let mut errors = Vec::new();
    check_industries(ctx, fields, "focus_industries", &mut errors);
    check_industries(ctx, fields, "excluded_industries", &mut errors);
    if let Some(park) = fields.get("park_id").and_then(Json::as_i64) {
        let pair = c
            .query_one(
                "SELECT pair_id FROM parks WHERE id = ?",
                &[Value::Int(park)],
            )?
            .map(|r| r.text("pair_id").map(str::to_string))
            .transpose()?;
        fields.insert(
            "pair_id".into(),
            pair.map(Json::String).unwrap_or(Json::Null),
        );
    }
    invalid_if_any(errors)
}

/// A capital provider's check ([`crate::entity::CAPITAL_PROVIDERS`]): industries resolve,
/// regions exist, stages are known, and the smallest ticket is above 0 and at most the
/// largest.
pub fn check_capital_provider(
    _c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let ctx = context()?;
    let mut errors = Vec::new();
    check_industries(ctx, fields, "industries", &mut errors);
    check_localities(fields, "regions", &mut errors);
    for s in list_items(fields.get("stages")) {
        if Stage::parse(&s).is_none() {
            errors.push(FieldError::new(
                "stages",
                "not_allowed",
                format!("stages: {s} is not preparation, construction or operation"),
                format!("投资阶段：{s} 不是 preparation、construction 或 operation"),
            ));
        }
    }
    let yuan = |k: &str| fields.get(k).and_then(Json::as_f64);
    if let (Some(lo), Some(hi)) = (yuan("ticket_min_yuan"), yuan("ticket_max_yuan")) {
        if lo <= 0.0 || lo > hi {
            errors.push(FieldError::new(
                "ticket_min_yuan",
                "out_of_range",
                "the smallest ticket must be above 0 and at most the largest".into(),
                "单笔下限须大于 0 且不超过单笔上限".into(),
            ));
        }
    }
    invalid_if_any(errors)
}
