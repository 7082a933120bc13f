//! Farm-produce supply (issue #17, part 5): a pair's produce page with its totals by year and
//! by product, the share delivered to the helper side, its certificates (expired and expiring
//! ones flagged) and its latest deliveries; the same totals as JSON and XLSX. The bases,
//! buyers, contracts, deliveries and fairs themselves are ordinary records (`/r/supply_bases`,
//! `/r/deliveries`…); what this feature adds is their sum, `tandem_platform::produce`.

use crate::kernel::error::ApiError;
use crate::kernel::labels::{locality_name, pair_title, pct};
use crate::kernel::openapi::{errors, with};
use crate::kernel::page::{failure, page, t, PageLang};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tandem_platform::auth::produce::may_read_totals;
use tandem_platform::entity::format_yuan;
use tandem_platform::produce::{
    self, CertificationLine, CertificationStatus, DeliveryLine, PairTotals, EXPIRING_DAYS,
};
use tandem_platform::service::PlatformError;
use tandem_platform::DbError;
use tandem_report::Lang;

/// How many of the latest deliveries the page lists.
const RECENT: usize = 50;

/// A failure of [`run`] as a page: the platform's refusal explained, a worker failure as is.
fn page_failure(lang: Lang, s: &Session, e: ApiError) -> Response {
    match e {
        ApiError::Platform(p) => failure(lang, Some(s), &p),
        other => other.into_response(),
    }
}

/// Tonnes with at most two decimals.
fn tonnes(x: f64) -> String {
    format!("{x:.2}")
}

/// Yuan, exactly, grouped by thousands.
fn yuan(f: tandem_ledger::money::Fen) -> String {
    format_yuan(f.0)
}

fn yes_no(b: bool, lang: Lang) -> String {
    if b {
        t(lang, "是", "yes")
    } else {
        t(lang, "否", "no")
    }
}

/// The years table: volume, value, helper side and certified shares.
fn years_table(r: &PairTotals, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "逐年交付", "Deliveries by year")) }
        @if r.years.is_empty() {
            p.note { (t(lang, "尚无交付记录（不是零：没有数据）。", "No delivery recorded yet (not zero: no data).")) }
        } @else {
            div.scroll { table #years {
                thead { tr {
                    th { (t(lang, "年份", "Year")) }
                    th { (t(lang, "笔数", "Deliveries")) }
                    th { (t(lang, "数量（吨）", "Volume (t)")) }
                    th { (t(lang, "金额（元）", "Value (yuan)")) }
                    th { (t(lang, "售往支援方（吨）", "To the helper side (t)")) }
                    th { (t(lang, "支援方占比（数量）", "Helper-side share (volume)")) }
                    th { (t(lang, "支援方占比（金额）", "Helper-side share (value)")) }
                    th { (t(lang, "认证产品占比（数量，推算）", "Certified share (volume, derived)")) }
                } }
                tbody { @for y in &r.years {
                    tr data-year=(y.year) {
                        td { (y.year) }
                        td { (y.deliveries) }
                        td.volume { (tonnes(y.volume_t)) }
                        td { (yuan(y.value_yuan)) }
                        td { (tonnes(y.helper_volume_t)) }
                        td.share { (pct(y.helper_volume_share, lang)) }
                        td { (pct(y.helper_value_share, lang)) }
                        td { (pct(y.certified_volume_share, lang)) }
                    }
                } }
            } }
        }
    }
}

/// The (product, year) table.
fn products_table(r: &PairTotals, lang: Lang) -> Markup {
    html! {
        @if !r.by_product.is_empty() {
            h2 { (t(lang, "分产品交付", "Deliveries by product")) }
            div.scroll { table #products {
                thead { tr {
                    th { (t(lang, "产品", "Product")) }
                    th { (t(lang, "年份", "Year")) }
                    th { (t(lang, "笔数", "Deliveries")) }
                    th { (t(lang, "数量（吨）", "Volume (t)")) }
                    th { (t(lang, "金额（元）", "Value (yuan)")) }
                    th { (t(lang, "售往支援方（吨）", "To the helper side (t)")) }
                    th { (t(lang, "认证（吨，推算）", "Certified (t, derived)")) }
                } }
                tbody { @for p in &r.by_product {
                    tr {
                        td { (p.product) }
                        td { (p.year) }
                        td { (p.deliveries) }
                        td { (tonnes(p.volume_t)) }
                        td { (yuan(p.value_yuan)) }
                        td { (tonnes(p.helper_volume_t)) }
                        td { (tonnes(p.certified_volume_t)) }
                    }
                } }
            } }
        }
    }
}

fn status_label(s: CertificationStatus, lang: Lang) -> String {
    match s {
        CertificationStatus::NotYetValid => t(lang, "未生效", "not yet valid"),
        CertificationStatus::Valid => t(lang, "有效", "valid"),
        CertificationStatus::Expiring => t(lang, "即将到期", "expiring"),
        CertificationStatus::Expired => t(lang, "已过期", "expired"),
    }
}

fn kind_label(kind: &str, lang: Lang) -> String {
    match kind {
        "green_food" => t(lang, "绿色食品", "green food"),
        "organic" => t(lang, "有机产品", "organic"),
        "geographical_indication" => t(lang, "地理标志", "geographical indication"),
        "gap" => t(lang, "良好农业规范", "GAP"),
        _ => t(lang, "其他", "other"),
    }
}

/// The certificates, those expired or expiring flagged.
fn certifications_table(cs: &[CertificationLine], lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "基地认证", "Base certifications")) }
        @if cs.is_empty() {
            p.note { (t(lang, "尚无认证记录。", "No certification recorded.")) }
        } @else {
            div.scroll { table #certifications {
                thead { tr {
                    th { (t(lang, "基地", "Base")) }
                    th { (t(lang, "类型", "Kind")) }
                    th { (t(lang, "证书编号", "Certificate")) }
                    th { (t(lang, "发证机构", "Issuer")) }
                    th { (t(lang, "有效期", "Valid")) }
                    th { (t(lang, "状态（今日）", "Status (today)")) }
                } }
                tbody { @for c in cs {
                    tr data-status=(serde_json::to_value(c.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()) {
                        td { a href={ "/r/supply_bases/" (c.base_id) } { (c.base) } }
                        td { (kind_label(&c.kind, lang)) }
                        td { a href={ "/r/base_certifications/" (c.id) } { (c.certificate_no) } }
                        td { (c.issuer) }
                        td { (c.issued_on) " – " (c.valid_until) }
                        @if matches!(c.status, CertificationStatus::Expired | CertificationStatus::Expiring) {
                            td.flag { (status_label(c.status, lang)) }
                        } @else {
                            td { (status_label(c.status, lang)) }
                        }
                    }
                } }
            } }
            p.note { (match lang {
                Lang::Zh => format!("有效期在 {EXPIRING_DAYS} 天内结束的标为即将到期。"),
                Lang::En => format!("Certificates ending within {EXPIRING_DAYS} days are flagged as expiring."),
            }) }
        }
    }
}

/// The latest deliveries the user may read, with the derived flags labelled as such.
fn deliveries_table(ds: &[DeliveryLine], lang: Lang) -> Markup {
    html! {
        @if !ds.is_empty() {
            h2 { (t(lang, "最近交付", "Latest deliveries")) }
            div.scroll { table #deliveries {
                thead { tr {
                    th { (t(lang, "月份", "Month")) }
                    th { (t(lang, "产品", "Product")) }
                    th { (t(lang, "数量（吨）", "Volume (t)")) }
                    th { (t(lang, "金额（元）", "Value (yuan)")) }
                    th { (t(lang, "采购商", "Buyer")) }
                    th { (t(lang, "售往支援方（推算）", "To the helper side (derived)")) }
                    th { (t(lang, "认证期内（推算）", "Under a valid certificate (derived)")) }
                } }
                tbody { @for d in ds {
                    tr {
                        td { a href={ "/r/deliveries/" (d.id) } { (d.month) } }
                        td { (d.product) }
                        td { (tonnes(d.volume_t)) }
                        td { (yuan(d.value_yuan)) }
                        td { (d.buyer) " (" (locality_name(&d.buyer_locality_id, lang)) ")" }
                        td { (yes_no(d.to_helper, lang)) }
                        td { (yes_no(d.certified, lang)) }
                    }
                } }
            } }
        }
    }
}

/// How the figures are made, in the page's language.
fn formulas(r: &PairTotals, lang: Lang) -> Markup {
    let helper = locality_name(&r.helper_id, lang);
    html! {
        p.note { (match lang {
            Lang::Zh => format!("支援方占比 = 当年售给采购所在地为本结对支援方（{helper}）的采购商的交付数量（金额）÷ 当年本结对基地的全部交付数量（金额）。认证 = 合同基地有一份认证覆盖交付月份的每一天（读取时推算，不录入）。没有交付的年份不列出；分母为零的占比显示为无数据，而不是 0。"),
            Lang::En => format!("Helper-side share = tonnes (yuan) delivered in the year to buyers located in the pair's helper locality ({helper}) ÷ all tonnes (yuan) delivered from the pair's bases that year. Certified = a certificate of the contract's base covers every day of the delivery's month (derived when read, never typed). Years without deliveries are not listed; a share with a zero denominator shows n/a, not 0."),
        }) }
    }
}

/// Links to the pair's produce records, the JSON and the XLSX.
fn record_links(pair: &str, lang: Lang) -> Markup {
    let links = [
        ("supply_bases", t(lang, "供应基地", "Supply bases")),
        ("base_certifications", t(lang, "认证", "Certifications")),
        ("produce_buyers", t(lang, "采购商", "Buyers")),
        ("supply_contracts", t(lang, "合同", "Contracts")),
        ("deliveries", t(lang, "交付", "Deliveries")),
        ("produce_events", t(lang, "产销对接活动", "Fairs")),
    ];
    html! {
        p #produce-links {
            @for (i, (e, label)) in links.iter().enumerate() {
                @if i > 0 { " · " }
                a href={ "/r/" (e) "?pair_id=" (pair) } { (label) }
            }
            " · " a href={ "/api/produce/pairs/" (pair) "/totals" } { "JSON" }
            " · " a href={ "/produce/pairs/" (pair) "/totals.xlsx" } { "XLSX" }
        }
    }
}

/// What the pair page shows: the totals, the certificates and the latest deliveries.
type PairView = (PairTotals, Vec<CertificationLine>, Vec<DeliveryLine>);

async fn pair_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(pair): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let p = pair.clone();
    let view = run(
        &state.db,
        &s.user,
        move |db, user| -> Result<PairView, PlatformError> {
            Ok((
                produce::pair_totals(db, user, &p)?,
                produce::certifications(db, user, &p, None)?,
                produce::recent_deliveries(db, user, &p, RECENT)?,
            ))
        },
    )
    .await;
    let (totals, certs, deliveries) = match view {
        Ok(v) => v,
        Err(e) => return page_failure(lang, &s, e),
    };
    let body = html! {
        p { a href={ "/pairs/" (pair) } { (pair_title(&pair, lang)) } }
        (record_links(&pair, lang))
        (years_table(&totals, lang))
        (formulas(&totals, lang))
        (products_table(&totals, lang))
        (certifications_table(&certs, lang))
        (deliveries_table(&deliveries, lang))
    };
    let title = format!(
        "{} · {}",
        t(lang, "农产品供应", "Farm-produce supply"),
        pair_title(&pair, lang)
    );
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// `/produce`: the pairs whose produce totals the user may read.
async fn index_page(PageSession(s): PageSession, page_lang: PageLang) -> Response {
    let lang = page_lang.lang;
    let pairs: Vec<String> = tandem_data::bundled::bundle()
        .programme
        .pairs
        .iter()
        .map(|p| p.id.clone())
        .filter(|p| may_read_totals(&s.user, p))
        .collect();
    let body = html! {
        p { (t(lang, "皖北作为沪苏浙绿色农产品供应基地：各结对的供应基地、采购商、合同与交付。", "Northern Anhui as the green-food supply base of Shanghai, Jiangsu and Zhejiang: each pair's supply bases, buyers, contracts and deliveries.")) }
        @if pairs.is_empty() {
            p.note { (t(lang, "您的角色不能查看农产品供应汇总。", "Your role does not read the produce totals.")) }
        }
        ul { @for p in &pairs { li { a href={ "/produce/pairs/" (p) } { (pair_title(p, lang)) } } } }
    };
    page_lang.remember(
        page(
            lang,
            Some(&s),
            &t(lang, "农产品供应", "Farm-produce supply"),
            body,
        )
        .into_response(),
    )
}

/// `GET /produce/pairs/{pair}/totals.xlsx`.
async fn totals_xlsx(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(pair): Path<String>,
) -> Response {
    let p = pair.clone();
    let export = run(&state.db, &s.user, move |db, user| {
        tandem_platform::produce_xlsx::export_totals(db, user, &p).map_err(|e| match e {
            tandem_platform::sheets::SheetError::Platform(p) => p,
            other => PlatformError::Db(DbError::Other(other.to_string())),
        })
    });
    match export.await {
        // The pair exists (its totals were read), so its id is a slug: safe in a file name.
        Ok(bytes) => {
            crate::kernel::http::xlsx_download(&format!("tandem-produce-{pair}.xlsx"), bytes)
        }
        Err(ApiError::Platform(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

/// `GET /api/produce/pairs/{pair}/totals`.
async fn api_totals(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(pair): Path<String>,
) -> Result<Json<PairTotals>, ApiError> {
    let r = run(&state.db, &s.user, move |db, user| {
        produce::pair_totals(db, user, &pair)
    })
    .await?;
    Ok(Json(r))
}

/// `?on=YYYY-MM-DD`: the day certificates are judged on; today when absent.
#[derive(Deserialize)]
struct OnDay {
    on: Option<String>,
}

/// `GET /api/produce/pairs/{pair}/certifications`.
async fn api_certifications(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(pair): Path<String>,
    Query(q): Query<OnDay>,
) -> Result<Json<Value>, ApiError> {
    let r = run(&state.db, &s.user, move |db, user| {
        produce::certifications(db, user, &pair, q.on.as_deref())
    })
    .await?;
    Ok(Json(json!({ "items": r, "expiring_days": EXPIRING_DAYS })))
}

/// The produce routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/produce/pairs/{pair}/totals", get(api_totals))
        .route(
            "/produce/pairs/{pair}/certifications",
            get(api_certifications),
        )
}

/// The produce pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/produce", get(index_page))
        .route("/produce/pairs/{pair}", get(pair_page))
        .route("/produce/pairs/{pair}/totals.xlsx", get(totals_xlsx))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    let pair =
        json!({"name": "pair", "in": "path", "required": true, "schema": {"type": "string"}});
    let share = json!({"type": "number", "nullable": true, "description": "null when the denominator is zero"});
    let year = json!({"type": "object", "properties": {
        "year": {"type": "integer"}, "deliveries": {"type": "integer"},
        "volume_t": {"type": "number"}, "value_yuan": {"type": "string", "description": "yuan, exact, two decimals"},
        "helper_volume_t": {"type": "number"}, "helper_value_yuan": {"type": "string"},
        "helper_volume_share": share, "helper_value_share": share,
        "certified_volume_t": {"type": "number"}, "certified_volume_share": share}});
    let product = json!({"type": "object", "properties": {
        "product": {"type": "string"}, "year": {"type": "integer"}, "deliveries": {"type": "integer"},
        "volume_t": {"type": "number"}, "value_yuan": {"type": "string"},
        "helper_volume_t": {"type": "number"}, "certified_volume_t": {"type": "number"}}});
    paths.insert(
        "/api/produce/pairs/{pair}/totals".into(),
        json!({"get": {"summary": "A pair's farm-produce deliveries by year and product, with the share delivered to buyers in the helper locality (years without deliveries absent)",
            "tags": ["produce"], "parameters": [pair],
            "responses": with(errors(), json!({"200": {"description": "the totals",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "pair_id": {"type": "string"}, "helper_id": {"type": "string"},
                    "years": {"type": "array", "items": year},
                    "by_product": {"type": "array", "items": product}}}}}}}))}}),
    );
    let cert = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "base_id": {"type": "integer"}, "base": {"type": "string"},
        "kind": {"type": "string"}, "certificate_no": {"type": "string"}, "issuer": {"type": "string"},
        "issued_on": {"type": "string", "format": "date"}, "valid_until": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["not_yet_valid", "valid", "expiring", "expired"]}}});
    paths.insert(
        "/api/produce/pairs/{pair}/certifications".into(),
        json!({"get": {"summary": "The certifications of a pair's supply bases with their status on a day (expiring = ends within expiring_days)",
            "tags": ["produce"],
            "parameters": [pair, {"name": "on", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}}],
            "responses": with(errors(), json!({"200": {"description": "the certifications, the first to end first",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "items": {"type": "array", "items": cert}, "expiring_days": {"type": "integer"}}}}}}}))}}),
    );
    paths
}
