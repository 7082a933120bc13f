use crate::kernel::labels::{locality_name, pair_title, stage_label, status_label};
use crate::kernel::page::t;
use crate::kernel::session::{blocking, Session};
use crate::kernel::state::AppState;
use maud::{html, Markup};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use tandem_platform::entity::{self, format_yuan, Entity, Kind};
use tandem_platform::service::{self, ListQuery, PlatformError, Record};
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

/// The table of a list of projects: name (linked), stage, amounts (or "not recorded"), who
/// initiated it, and a flag when the review found something.
pub(crate) fn project_rows(items: &[Map<String, Json>], lang: Lang) -> Markup {
    let text =
        |p: &Map<String, Json>, k: &str| p.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    let amount = |p: &Map<String, Json>, k: &str| {
        p.get(k)
            .filter(|v| !v.is_null())
            .map_or_else(|| t(lang, "未填", "—"), |v| v.to_string())
    };
    html! {
        div.scroll { table {
            thead { tr {
                th { (t(lang, "项目", "Project")) }
                th { (t(lang, "阶段", "Stage")) }
                th.num { (t(lang, "协议额（元）", "Agreed (yuan)")) }
                th.num { (t(lang, "到位（元）", "Paid-in (yuan)")) }
                th { (t(lang, "发起方", "Initiated by")) }
                th {}
            } }
            tbody { @for p in items {
                @let initiated = text(p, "initiated_by");
                @let flags = p.get("review_flags").and_then(Json::as_array).map_or(0, Vec::len);
                tr {
                    td { a href={ "/projects/" (p.get("id").map(|v| v.to_string()).unwrap_or_default()) } { (text(p, "name")) } }
                    td { (stage_label(&text(p, "stage"), lang)) }
                    td.num { (amount(p, "amount_agreed_yuan")) }
                    td.num { (amount(p, "paid_in_yuan")) }
                    td { (t(lang, if initiated == "enterprise" { "企业" } else { "政府" }, &initiated)) }
                    td { @if flags > 0 { span.flag { (t(lang, "待核查", "flagged")) } } }
                }
            } }
        } }
    }
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

/// A record's fields as a two-column table: labels in `lang`, values shown for people (names
/// for ids, labels for codes, links for references, "not recorded" for a missing value).
pub(crate) fn fields_table(
    e: &Entity,
    rec: &Map<String, Json>,
    titles: &HashMap<&'static str, String>,
    lang: Lang,
) -> Markup {
    html! {
        div.scroll { table.fields { tbody { @for f in e.fields {
            tr {
                th { (lang.pick(f.zh, f.en)) }
                td data-field=(f.name) { (field_value(f, rec.get(f.name).unwrap_or(&Json::Null), titles, lang)) }
            }
        } } } }
    }
}

/// One field's value as shown on a record page.
fn field_value(
    f: &entity::Field,
    v: &Json,
    titles: &HashMap<&'static str, String>,
    lang: Lang,
) -> Markup {
    match (v, f.kind) {
        (Json::Null, _) => html! { span.note { (t(lang, "未填", "not recorded")) } },
        (Json::Array(a), _) => {
            html! { (a.iter().filter_map(Json::as_str).collect::<Vec<_>>().join(", ")) }
        }
        // Exact: the number's decimal text is parsed into fen, never multiplied as a float.
        (Json::Number(n), Kind::Money) => match entity::yuan_to_fen(v) {
            Ok(fen) => html! { (format_yuan(fen)) },
            Err(_) => html! { (n.to_string()) },
        },
        (Json::String(s), Kind::Enum(_)) if f.name == "stage" => html! { (stage_label(s, lang)) },
        (Json::String(s), Kind::Enum(_)) if f.name == "status" => html! { (status_label(s, lang)) },
        (Json::String(s), Kind::Ref("pairs")) => {
            html! { a href={ "/pairs/" (s) } { (pair_title(s, lang)) } }
        }
        (v, Kind::Ref(target)) => {
            let id = v.to_string();
            html! {
                a href={ "/r/" (target) "/" (id) } {
                    @match titles.get(f.name) {
                        Some(title) => { (title) " (#" (id) ")" },
                        None => { (id) },
                    }
                }
            }
        }
        (Json::String(s), _) if f.name.ends_with("locality_id") => {
            html! { (locality_name(s, lang)) }
        }
        (Json::String(s), _) => html! { (s) },
        (v, _) => html! { (v.to_string()) },
    }
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

/// What a history entry changed: one line per field whose value differs.
pub(crate) fn changed_fields(before: Option<&Json>, after: Option<&Json>, skip: &[&str]) -> Markup {
    let before = before.and_then(Json::as_object);
    let after = after.and_then(Json::as_object);
    let keys: std::collections::BTreeSet<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|m| m.keys())
        .filter(|k| !skip.contains(&k.as_str()))
        .collect();
    let show = |v: Option<&Json>| v.map_or_else(|| "—".to_string(), |v| v.to_string());
    html! { @for k in keys {
        @let (b, a) = (before.and_then(|m| m.get(k)), after.and_then(|m| m.get(k)));
        @if b != a { div { code { (k) } ": " (show(b)) " → " (show(a)) } }
    } }
}
