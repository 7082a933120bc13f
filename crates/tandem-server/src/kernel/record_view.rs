use crate::kernel::labels::{locality_name, pair_title, stage_label, status_label};
use crate::kernel::page::t;
use crate::kernel::session::{blocking, Session};
use crate::kernel::state::AppState;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{format_yuan, Entity, Kind};
use tandem_platform::service::{self, ListQuery, PlatformError, Record};
use tandem_report::text::esc;
use tandem_report::Lang;

/// Lists of records for a page, read as the user.
pub(crate) async fn list_as(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    filters: Vec<(String, String)>,
    page_no: i64,
) -> Result<service::Page, PlatformError> {
    let db = state.db.clone();
    let user = s.user.clone();
    blocking(move || {
        service::list(
            &db,
            &user,
            e,
            &ListQuery {
                filters,
                page: page_no,
                per_page: 50,
                search: None,
            },
        )
    })
    .await
    .map_err(|_| PlatformError::Db(tandem_platform::DbError::Other("worker failed".into())))?
}

pub(crate) fn project_rows(items: &[Map<String, Json>], lang: Lang) -> String {
    let mut rows = String::new();
    for p in items {
        let flags = p
            .get("review_flags")
            .and_then(Json::as_array)
            .map(|a| a.len())
            .unwrap_or(0);
        let _ = write!(
            rows,
            "<tr><td><a href=\"/projects/{id}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.get("name").and_then(Json::as_str).unwrap_or("")),
            esc(&stage_label(p.get("stage").and_then(Json::as_str).unwrap_or(""), lang)),
            p.get("amount_agreed_yuan").filter(|v| !v.is_null()).map(|v| v.to_string()).unwrap_or_else(|| t(lang, "未填", "—")),
            p.get("paid_in_yuan").filter(|v| !v.is_null()).map(|v| v.to_string()).unwrap_or_else(|| t(lang, "未填", "—")),
            esc(&t(lang, if p.get("initiated_by").and_then(Json::as_str) == Some("enterprise") { "企业" } else { "政府" }, p.get("initiated_by").and_then(Json::as_str).unwrap_or(""))),
            if flags > 0 { format!("<span class=\"flag\">{}</span>", t(lang, "待核查", "flagged")) } else { String::new() },
            id = p.get("id").map(|v| v.to_string()).unwrap_or_default(),
        );
    }
    format!(
        "<div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>",
        t(lang, "项目", "Project"),
        t(lang, "阶段", "Stage"),
        t(lang, "协议额（元）", "Agreed (yuan)"),
        t(lang, "到位（元）", "Paid-in (yuan)"),
        t(lang, "发起方", "Initiated by"),
    )
}

/// The titles of the records `rec` refers to that the session's user may read (see
/// [`service::ref_titles`]), for [`fields_table`].
pub(crate) async fn ref_titles(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    rec: &Map<String, Json>,
) -> HashMap<&'static str, String> {
    let db = state.db.clone();
    let user = s.user.clone();
    let rec = rec.clone();
    blocking(move || service::ref_titles(&db, &user, e, &rec))
        .await
        .unwrap_or_default()
}

/// A record's fields as a table; references link to the record, named by `titles` where known.
pub(crate) fn fields_table(
    e: &Entity,
    rec: &Map<String, Json>,
    titles: &HashMap<&'static str, String>,
    lang: Lang,
) -> String {
    let mut rows = String::new();
    for f in e.fields {
        let v = rec.get(f.name).cloned().unwrap_or(Json::Null);
        let shown = match (&v, f.kind) {
            (Json::Null, _) => format!(
                "<span class=\"note\">{}</span>",
                t(lang, "未填", "not recorded")
            ),
            (Json::Array(a), _) => esc(&a
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(", ")),
            (Json::Number(n), Kind::Money) => {
                format_yuan((n.as_f64().unwrap_or(0.0) * 100.0).round() as i64)
            }
            (Json::String(s), Kind::Enum(_)) if f.name == "stage" => esc(&stage_label(s, lang)),
            (Json::String(s), Kind::Enum(_)) if f.name == "status" => esc(&status_label(s, lang)),
            (Json::String(s), Kind::Ref("pairs")) => format!(
                "<a href=\"/pairs/{}\">{}</a>",
                esc(s),
                esc(&pair_title(s, lang))
            ),
            (v, Kind::Ref(target)) => format!(
                "<a href=\"/r/{target}/{}\">{}</a>",
                esc(&v.to_string()),
                match titles.get(f.name) {
                    Some(title) => format!("{} (#{})", esc(title), esc(&v.to_string())),
                    None => esc(&v.to_string()),
                }
            ),
            (Json::String(s), _) if f.name.ends_with("locality_id") => esc(&locality_name(s, lang)),
            (Json::String(s), _) => esc(s),
            (v, _) => esc(&v.to_string()),
        };
        let _ = write!(
            rows,
            "<tr><th>{}</th><td data-field=\"{}\">{shown}</td></tr>",
            esc(lang.pick(f.zh, f.en)),
            f.name
        );
    }
    format!("<div class=\"scroll\"><table class=\"fields\"><tbody>{rows}</tbody></table></div>")
}

pub(crate) fn record_url(e: &Entity, rec: &Record) -> String {
    let id = rec.id_text();
    match e.name {
        "projects" => format!("/projects/{id}"),
        "parks" => format!("/parks/{id}"),
        "pairs" => format!("/pairs/{id}"),
        "demands" => format!("/demands/{id}"),
        _ => format!("/r/{}/{id}", e.name),
    }
}

pub(crate) async fn get_as(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    id: &str,
) -> Result<Record, PlatformError> {
    let db = state.db.clone();
    let user = s.user.clone();
    let id = id.to_string();
    blocking(move || service::get(&db, &user, e, &id))
        .await
        .map_err(|_| PlatformError::Db(tandem_platform::DbError::Other("worker failed".into())))?
}

/// The fields that differ between a history entry's `before` and `after` (except `skip`), as
/// `field: old → new` lines of markup, escaped.
pub(crate) fn changed_fields(before: Option<&Json>, after: Option<&Json>, skip: &[&str]) -> String {
    let before = before.and_then(Json::as_object);
    let after = after.and_then(Json::as_object);
    let keys: std::collections::BTreeSet<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|m| m.keys())
        .collect();
    let show = |v: Option<&Json>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    let mut changes = String::new();
    for k in keys.into_iter().filter(|k| !skip.contains(&k.as_str())) {
        let (b, a) = (before.and_then(|m| m.get(k)), after.and_then(|m| m.get(k)));
        if b != a {
            let _ = write!(
                changes,
                "<div><code>{}</code>: {} → {}</div>",
                esc(k),
                esc(&show(b)),
                esc(&show(a))
            );
        }
    }
    changes
}
