//! Industry chains (issue #17): a chain's page with its picture and its gaps, and the gaps as
//! JSON. The chain and its parts are ordinary records (`/r/chains`, `/r/chain_nodes`…); what
//! this feature adds is their reading as one map, `tandem_platform::chains::report`.

use crate::kernel::error::ApiError;
use crate::kernel::labels::pair_title;
use crate::kernel::openapi::{errors, with};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, page, t, PageLang};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tandem_core::chain::{ChainGap, NodeStatus};
use tandem_platform::chains::{self, ChainReport};
use tandem_platform::entity;
use tandem_platform::service::{self, PlatformError};
use tandem_report::Lang;

/// A failure of [`run`] as a page: the platform's refusal explained, a worker failure as is.
fn page_failure(lang: Lang, s: &Session, e: ApiError) -> Response {
    match e {
        ApiError::Platform(p) => failure(lang, Some(s), &p),
        other => other.into_response(),
    }
}

fn status_label(status: NodeStatus, lang: Lang) -> String {
    match status {
        NodeStatus::Missing => t(lang, "缺失", "missing"),
        NodeStatus::Weak => t(lang, "薄弱", "weak"),
        NodeStatus::Present => t(lang, "已有", "present"),
    }
}

/// A gap's helper-side neighbours, with the technical coefficient linking each.
fn neighbours(g: &ChainGap, lang: Lang) -> String {
    g.links
        .iter()
        .map(|l| {
            let dir = match (l.supplies_gap, lang) {
                (true, Lang::Zh) => "供应",
                (false, Lang::Zh) => "采购",
                (true, Lang::En) => "supplies",
                (false, Lang::En) => "buys",
            };
            format!(
                "{} {dir} ({} {}, a{}→{} = {:.4})",
                l.node,
                l.helper_enterprises,
                t(lang, "家", "firms"),
                l.sectors.0,
                l.sectors.1,
                l.coefficient
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A park offer of the chain's pair that a gap can be added to: its id and title.
type OfferChoice = (String, String);

/// The form that makes gap `node` a docking target of one of `offers` (or, without offers,
/// a link to create one).
fn target_form(chain: &str, node: &str, offers: &[OfferChoice], s: &Session, lang: Lang) -> Markup {
    html! {
        @if offers.is_empty() {
            a.small href="/r/park_offers/new" { (t(lang, "先为本结对园区登记供给", "Record a park offer of the pair first")) }
        } @else {
            form.inline method="post" action={ "/chains/" (chain) "/gaps/" (node) "/target" } {
                input type="hidden" name="_csrf" value=(s.csrf);
                select name="park_offer_id" aria-label=(t(lang, "园区供给", "Park offer")) {
                    @for (id, title) in offers { option value=(id) { (title) } }
                }
                button.small type="submit" { (t(lang, "设为对接目标", "Make it a docking target")) }
            }
        }
    }
}

/// The gap table: rank, segment, status, firms on each side, score, neighbours, target.
fn gap_table(r: &ChainReport, offers: &[OfferChoice], s: &Session, lang: Lang) -> Markup {
    let chain = r.chain.id.as_str();
    html! {
        h2 { (t(lang, "待补环节", "Segments to fill")) }
        @if r.gaps.is_empty() {
            p.note { (t(lang, "没有待补环节：受援方已覆盖支援方有企业的各环节的上下游。", "No gap: the helped side covers the suppliers and buyers of every segment the helper side has.")) }
        } @else {
            div.scroll { table.gaps {
                thead { tr {
                    th { (t(lang, "排名", "Rank")) }
                    th { (t(lang, "环节", "Segment")) }
                    th { (t(lang, "受援方状态", "Helped side")) }
                    th { (t(lang, "支援方企业", "Helper firms")) }
                    th { (t(lang, "受援方企业", "Helped firms")) }
                    th { (t(lang, "得分", "Score")) }
                    th { (t(lang, "支援方上下游（直接消耗系数）", "Helper-side neighbours (a_ij)")) }
                    th { (t(lang, "对接目标", "Docking target")) }
                } }
                tbody {
                    @for (k, g) in r.gaps.iter().enumerate() {
                        tr data-node=(g.node) {
                            td { (k + 1) }
                            td { (g.node) " " (lang.pick(&g.name_zh, &g.name_en)) }
                            td { (status_label(g.status, lang)) }
                            td { (g.helper_enterprises) }
                            td { (g.helped_enterprises) }
                            td { (format!("{:.4}", g.score)) }
                            td { (neighbours(g, lang)) }
                            td {
                                code { (chains::docking_target(g)) }
                                " " (target_form(chain, &g.node, offers, s, lang))
                            }
                        }
                    }
                }
            } }
        }
        p.note {
            (match lang {
                Lang::Zh => format!("受援方无企业为缺失，企业数低于支援方的 {:.0}% 为薄弱；其上游或下游环节有支援方企业时列为待补环节。得分 =（缺失 1，薄弱 0.5）× 这些上下游环节与其部门间最强直接消耗系数之和（2020 年全国 42 部门投入产出表）。对接目标为该环节的第一个部门（对接匹配读取需求行业中的 io42: 代码）。", r.chain.weak_share * 100.0),
                Lang::En => format!("A segment is missing with no helped-side enterprise and weak below {:.0}% of the helper's; it is a gap when a supplier or buyer segment has helper-side enterprises. Score = (1 missing, 0.5 weak) x the sum over those neighbours of the strongest technical coefficient a_ij between their sectors (2020 national table, 42 sectors). The docking target is the segment's first sector (docking reads io42: codes in a demand's industry).", r.chain.weak_share * 100.0),
            })
        }
    }
}

async fn chain_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let cid = id.clone();
    let (r, offers) = match run(&state.db, &s.user, move |db, user| {
        let r = chains::report(db, user, &cid)?;
        let offers = pair_offers(db, user, &r.chain.pair)?;
        Ok((r, offers))
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return page_failure(lang, &s, e),
    };
    let svg = tandem_report::chain_map::chain_svg(&r.chain, &r.gaps, lang);
    let focus = r.record.text("focus_industry").unwrap_or_default();
    let body = html! {
        p {
            a href={ "/pairs/" (r.chain.pair) } { (pair_title(&r.chain.pair, lang)) }
            @if !focus.is_empty() { " · " (t(lang, "主导产业", "Focus industry")) "：" (focus) }
            " · " (t(lang, "来源", "Source")) "：" (r.chain.source)
        }
        p {
            a href={ "/r/chains/" (id) } { (t(lang, "编辑产业链", "Edit the chain")) }
            " · "
            a href={ "/r/chain_nodes?chain_id=" (id) } { (t(lang, "环节", "Segments")) " (" (r.chain.nodes.len()) ")" }
            " · "
            a href={ "/r/chain_edges?chain_id=" (id) } { (t(lang, "供应关系", "Supply edges")) " (" (r.chain.edges.len()) ")" }
            " · "
            a href={ "/r/chain_placements?chain_id=" (id) } { (t(lang, "企业", "Enterprises")) " (" (r.chain.enterprises.len()) ")" }
            " · "
            a href={ "/api/chains/" (id) "/gaps" } { "JSON" }
        }
        // The picture is tandem_report's own SVG, generated from the records with every
        // text escaped by its writer: trusted markup, inlined as is.
        div.scroll id="chain-map" { (PreEscaped(svg)) }
        (gap_table(&r, &offers, &s, lang))
    };
    let title = lang.pick(&r.chain.name_zh, &r.chain.name_en).to_string();
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The most park offers the target form lists.
const MAX_OFFERS_LISTED: i64 = 100;

/// The park offers of `pair` that `user` may read (the update itself is checked again when
/// the form is posted).
fn pair_offers(
    db: &tandem_platform::Db,
    user: &tandem_platform::User,
    pair: &str,
) -> Result<Vec<OfferChoice>, PlatformError> {
    let q = service::ListQuery {
        filters: vec![("pair_id".into(), pair.into())],
        search: None,
        page: 1,
        per_page: MAX_OFFERS_LISTED,
    };
    let page = service::list(db, user, &entity::PARK_OFFERS, &q)?;
    Ok(page
        .items
        .iter()
        .map(|o| {
            let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
            let id = o.get("id").map(|v| v.to_string()).unwrap_or_default();
            (id, text("title").to_string())
        })
        .collect())
}

/// The target form's fields.
#[derive(Deserialize)]
struct TargetForm {
    #[serde(rename = "_csrf", default)]
    csrf: Option<String>,
    #[serde(default)]
    park_offer_id: String,
}

/// `POST /chains/{id}/gaps/{node}/target`: the form's action; back to the chain's page.
async fn target_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path((id, node)): Path<(String, String)>,
    Form(form): Form<TargetForm>,
) -> Response {
    if !csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let cid = id.clone();
    match run(&state.db, &s.user, move |db, user| {
        chains::target_gap(db, user, &cid, &node, &form.park_offer_id)
    })
    .await
    {
        Ok(offer) => Redirect::to(&format!("/r/park_offers/{}", offer.id_text())).into_response(),
        Err(e) => page_failure(lang, &s, e),
    }
}

/// The API's target request.
#[derive(Deserialize)]
struct TargetRequest {
    park_offer_id: i64,
}

/// `POST /api/chains/{id}/gaps/{node}/target`: the park offer as it is afterwards.
async fn api_target(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((id, node)): Path<(String, String)>,
    Json(req): Json<TargetRequest>,
) -> Result<Json<Value>, ApiError> {
    let offer = run(&state.db, &s.user, move |db, user| {
        chains::target_gap(db, user, &id, &node, &req.park_offer_id.to_string())
    })
    .await?;
    Ok(Json(Value::Object(offer.fields)))
}

/// The gaps as JSON: the chain, the table used, each gap ranked with its docking target.
fn gaps_json(r: &ChainReport) -> Value {
    let gaps: Vec<Value> = r
        .gaps
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let mut v = serde_json::to_value(g).unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                m.insert("rank".into(), json!(k + 1));
                m.insert("docking_target".into(), json!(chains::docking_target(g)));
            }
            v
        })
        .collect();
    json!({
        "chain": {
            "id": r.record.fields.get("id"),
            "pair_id": r.chain.pair,
            "name_zh": r.chain.name_zh,
            "name_en": r.chain.name_en,
            "focus_industry": r.record.fields.get("focus_industry"),
            "source": r.chain.source,
            "weak_share": r.chain.weak_share,
            "segments": r.chain.nodes.len(),
            "edges": r.chain.edges.len(),
            "enterprises": r.chain.enterprises.len(),
        },
        "table": "China 2020 national input-output table, 42 sectors (bundled)",
        "gaps": gaps,
    })
}

/// `GET /api/chains/{id}/gaps`.
async fn api_gaps(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = run(&state.db, &s.user, move |db, user| {
        chains::report(db, user, &id)
    })
    .await?;
    Ok(Json(gaps_json(&r)))
}

/// The chain routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/chains/{id}/gaps", get(api_gaps))
        .route("/chains/{id}/gaps/{node}/target", post(api_target))
}

/// The chain pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/chains/{id}", get(chain_page))
        .route("/chains/{id}/gaps/{node}/target", post(target_page))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    let gap = json!({"type": "object", "properties": {
        "rank": {"type": "integer"}, "node": {"type": "string"},
        "name_zh": {"type": "string"}, "name_en": {"type": "string"},
        "sectors": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": ["missing", "weak", "present"]},
        "helper_enterprises": {"type": "integer"}, "helped_enterprises": {"type": "integer"},
        "links": {"type": "array", "items": {"type": "object"}},
        "score": {"type": "number"},
        "docking_target": {"type": "string", "description": "io42:<code> of the segment's first sector"}}});
    paths.insert(
        "/api/chains/{id}/gaps".into(),
        json!({"get": {"summary": "The segments to fill in a chain (its gaps against the 2020 42-sector table)",
            "tags": ["chains"],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": with(errors(), json!({"200": {"description": "the chain and its gaps, highest score first",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "chain": {"type": "object"}, "table": {"type": "string"},
                    "gaps": {"type": "array", "items": gap}}}}}}}))}}),
    );
    paths.insert(
        "/api/chains/{id}/gaps/{node}/target".into(),
        json!({"post": {"summary": "Make a gap a docking target: add its io42 code to the focus industries of a park offer of the chain's pair",
            "tags": ["chains"],
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                {"name": "node", "in": "path", "required": true, "schema": {"type": "string"}, "description": "the gap's segment key"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["park_offer_id"],
                "properties": {"park_offer_id": {"type": "integer"}}}}}},
            "responses": with(errors(), json!({"200": {"description": "the park offer as it is afterwards (unchanged when it already named the code)",
                "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths
}
