//! Docking on live records (issue #7): enterprises' demands matched with parks' offers through
//! `tandem-matching`, the workflow from a proposed match to a project in the platform's
//! lifecycle, stalled matches, stale park data, capital shortlists for projects and the
//! aggregate figures researchers may read.
//!
//! Conversions from records to the engine's types:
//! * land: the platform records mu (亩), the engine hectares; 1 ha = [`MU_PER_HA`] mu;
//! * power: both sides record kW and the engine's kVA fields receive them unchanged, so the
//!   capacity check compares like with like (no power factor is assumed);
//! * a demand's origin is its enterprise's `origin_locality_id`, an offer's locality its
//!   park's `locality_id`;
//! * industries are resolved by [`MatchContext::resolve_industry`] (`io42:18`, `C36`,
//!   `gbt4754:36`) when a record is saved, so matching never meets an unknown code;
//! * an offer without a land price takes the median price of the offers that state one (a
//!   neutral cost score rather than the best one), 0 if none does; an offer without a
//!   capacity is not capacity-limited ([`UNSTATED_CAPACITY`]);
//! * a restricted demand may be matched with the parks it is shared with and the parks of the
//!   pairs it is shared with or filed through; only the first kind lets the park's operator
//!   see the match (`auth::demand_visible`).

use crate::auth::{self, Action, Role, Scope, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::entity::{self, DEMANDS, MATCHES, PARKS, PROJECTS};
use crate::service::{self, audit, fetch, scope_of, PlatformError, Record};
use serde::Serialize;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, HashMap, HashSet};
use tandem_matching::capital::CapitalComponentScore;
use tandem_matching::{
    CapitalProblem, CapitalProvider, Date, Demand, MatchContext, ParkOffer, Problem, ProjectNeed,
    RegionMode, Stage, Visibility, Weights,
};

/// Mu (亩) per hectare: 1 mu = 10,000/15 m² (the statutory definition).
pub const MU_PER_HA: f64 = 15.0;
/// How many parks are stored as proposed matches per demand.
pub const SHORTLIST_SIZE: usize = 10;
/// A proposed or contacted match with no progress for more than this many days is stalled
/// (a month: the programme's monthly coordination rhythm).
pub const STALLED_DAYS: i64 = 30;
/// A project that came from a match and has stayed in one stage (before `paying_tax`) for more
/// than this many days is stuck (a quarter: land and construction stages are long, but a
/// quarter without any step is worth a question).
pub const STUCK_STAGE_DAYS: i64 = 90;
/// The capacity given to the engine for an offer that does not state one.
pub const UNSTATED_CAPACITY: u32 = 1_000;

use crate::docking_rules::invalid;
pub use crate::docking_rules::{check_capital_provider, check_demand, check_park_offer, context};
/// The items of a list field (in [`crate::lists`]; kept here for callers).
pub use crate::lists::list_items;

/// Checks what the generic field rules cannot for a docking record (`demands`,
/// `park_offers`, `capital_providers`): the record type's own check
/// ([`crate::entity::Rules::check`], one of [`check_demand`], [`check_park_offer`],
/// [`check_capital_provider`]); other types pass. The record service calls the check through
/// the descriptor; this is for callers that have only the type's name.
pub fn check_record(
    c: &mut dyn Conn,
    entity: &str,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    match entity::entity(entity).and_then(|e| e.rules.check) {
        Some(check) => check(c, fields),
        None => Ok(()),
    }
}

/// Who may run the docking workflow on a record they can read: the programme's staff, the
/// pairs' officers and (for matches of their park) park operators. Enterprises see their
/// matches but the bureau does the contacting; researchers see aggregates only.
fn may_work(user: &User, find: bool) -> bool {
    match user.role {
        Role::Admin | Role::Coordinator | Role::Officer { .. } => true,
        Role::ParkOperator { .. } => !find,
        Role::Enterprise { .. } | Role::Researcher => false,
    }
}

/// Whether `user` may act for a demand in the docking workflow: who may update it (its
/// enterprise, its filing pair's officers, coordinators), and the officers of a pair the
/// enterprise shared it with by name, which is an explicit request to that pair's bureau to
/// act. Seeing an *open* demand (every officer does) is not enough.
fn may_act_on_demand(user: &User, demand: &Record) -> bool {
    let scope = scope_of(&DEMANDS, &demand.fields);
    auth::allowed(user, Action::Update, "demands", &scope)
        || matches!(&user.role, Role::Officer { pair_id, .. } if scope.shared_pairs.contains(pair_id))
}

/// Whether `user` may move a match along its workflow: the demand's side (who may update the
/// demand) or the park's side (who may update the match's park). Seeing a match is not
/// enough: every officer reads open demands and their matches.
fn may_act_on_match(c: &mut dyn Conn, user: &User, m: &Record) -> Result<bool, PlatformError> {
    let demand_id = m.required_int("demand_id")?;
    if let Some(d) = fetch(c, &DEMANDS, &Value::Int(demand_id))? {
        if may_act_on_demand(user, &d) {
            return Ok(true);
        }
    }
    let park_id = m.required_int("park_id")?;
    Ok(match fetch(c, &PARKS, &Value::Int(park_id))? {
        Some(p) => auth::allowed(user, Action::Update, "parks", &scope_of(&PARKS, &p.fields)),
        None => false,
    })
}

fn deny(user: &User, what: &str) -> PlatformError {
    PlatformError::Forbidden(format!(
        "{} ({}) may not {what}",
        user.username,
        user.role.name()
    ))
}

/// One component of a stored explanation.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ExplainedComponent {
    /// The component's key (`industry`, `capacity`, `cost`, `distance`, `incentives`,
    /// `pair`, `region`).
    pub component: String,
    /// Its value in [0, 1].
    pub value: f64,
    /// Its normalised weight.
    pub weight: f64,
    /// `value * weight`.
    pub contribution: f64,
    /// Where the value comes from (the engine's sentence).
    pub reason: String,
}

/// What a match stores as its explanation (JSON in `matches.explanation`).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct StoredExplanation {
    /// The total score in [0, 1].
    pub total: f64,
    /// The offer that scored best for this park.
    pub offer_id: i64,
    /// The offer's title.
    pub offer_title: String,
    /// The offer's freshness date.
    pub fresh_until: String,
    /// Whether the offer was past its freshness date when the match was computed.
    pub stale: bool,
    /// The seven components.
    pub components: Vec<ExplainedComponent>,
}

/// A candidate of a shortlist (a park for a demand, or a demand for a park).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// The demand.
    pub demand_id: i64,
    /// The park.
    pub park_id: i64,
    /// Rank, 1 = best.
    pub rank: usize,
    /// Score and components.
    pub explanation: StoredExplanation,
}

struct LiveOffer {
    id: i64,
    park_id: i64,
    pair_id: String,
    title: String,
    fresh_until: String,
}

/// The live offers joined with their parks, every column named as [`OfferRow`] reads it.
const OFFER_SQL: &str = "SELECT o.id AS id, o.park_id AS park_id, p.pair_id AS pair_id, \
     o.title AS title, p.name AS park_name, p.locality_id AS locality_id, o.land_mu AS land_mu, \
     o.building_m2 AS building_m2, o.power_kw AS power_kw, o.labour AS labour, \
     o.land_price_yuan_m2 AS land_price_yuan_m2, o.incentive_rating AS incentive_rating, \
     o.incentives AS incentives, o.services AS services, \
     o.focus_industries AS focus_industries, o.excluded_industries AS excluded_industries, \
     o.capacity AS capacity, o.fresh_until AS fresh_until \
     FROM park_offers o JOIN parks p ON p.id = o.park_id ORDER BY o.id";

/// One row of [`OFFER_SQL`]: an offer as stored, `None` where it states nothing.
struct OfferRow {
    id: i64,
    park_id: i64,
    pair_id: String,
    title: String,
    park_name: String,
    locality_id: String,
    land_mu: Option<f64>,
    building_m2: Option<f64>,
    power_kw: Option<f64>,
    labour: Option<f64>,
    land_price_yuan_m2: Option<f64>,
    incentive_rating: Option<f64>,
    incentives: Option<String>,
    services: Option<String>,
    focus_industries: Option<String>,
    excluded_industries: Option<String>,
    capacity: Option<i64>,
    fresh_until: String,
}

impl TryFrom<&Row> for OfferRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<OfferRow, DbError> {
        let text = |c: &str| r.opt_text(c).map(|t| t.map(str::to_string));
        Ok(OfferRow {
            id: r.int("id")?,
            park_id: r.int("park_id")?,
            pair_id: r.text("pair_id")?.to_string(),
            title: r.text("title")?.to_string(),
            park_name: r.text("park_name")?.to_string(),
            locality_id: r.text("locality_id")?.to_string(),
            land_mu: r.opt_real("land_mu")?,
            building_m2: r.opt_real("building_m2")?,
            power_kw: r.opt_real("power_kw")?,
            labour: r.opt_real("labour")?,
            land_price_yuan_m2: r.opt_real("land_price_yuan_m2")?,
            incentive_rating: r.opt_real("incentive_rating")?,
            incentives: text("incentives")?,
            services: text("services")?,
            focus_industries: text("focus_industries")?,
            excluded_industries: text("excluded_industries")?,
            capacity: r.opt_int("capacity")?,
            fresh_until: r.text("fresh_until")?.to_string(),
        })
    }
}

/// The median of the land prices the offers state (0 if none does): the price given to an
/// offer that states none, a neutral cost score rather than the best one.
fn median_land_price(offers: &[OfferRow]) -> f64 {
    let mut prices: Vec<f64> = offers.iter().filter_map(|o| o.land_price_yuan_m2).collect();
    prices.sort_by(f64::total_cmp);
    match prices.len() {
        0 => 0.0,
        n if n % 2 == 1 => prices[n / 2],
        n => (prices[n / 2 - 1] + prices[n / 2]) / 2.0,
    }
}

/// The live offers as engine parks (skipping any whose park's locality or dates the engine
/// cannot use, which the record checks make impossible for offers saved through the
/// platform). Quantities an offer does not state count as none (0), except the land price
/// ([`median_land_price`]) and the capacity ([`UNSTATED_CAPACITY`]).
fn load_offers(
    c: &mut dyn Conn,
    ctx: &MatchContext,
) -> Result<(Vec<ParkOffer>, Vec<LiveOffer>), DbError> {
    let rows = c
        .query(OFFER_SQL, &[])?
        .iter()
        .map(OfferRow::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let median = median_land_price(&rows);
    let codes = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .filter_map(|s| ctx.resolve_industry(s).ok())
            .collect()
    };
    let words = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or("")
            .split(['\n', ';', '；', '、'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut parks = Vec::new();
    let mut live = Vec::new();
    for o in rows {
        let (Some(date), Some(_)) = (Date::parse(&o.fresh_until), ctx.place(&o.locality_id)) else {
            continue;
        };
        parks.push(ParkOffer {
            id: o.id.to_string(),
            name: format!("{} {}", o.park_name, o.title),
            land_ha: o.land_mu.unwrap_or(0.0) / MU_PER_HA,
            building_m2: o.building_m2.unwrap_or(0.0),
            power_kva: o.power_kw.unwrap_or(0.0),
            labour: o.labour.unwrap_or(0.0),
            land_price_yuan_m2: o.land_price_yuan_m2.unwrap_or(median),
            incentives: o.incentive_rating.unwrap_or(0.0).clamp(0.0, 1.0),
            incentive_list: words(&o.incentives),
            services: words(&o.services),
            focus_industries: codes(&o.focus_industries),
            exclusions: codes(&o.excluded_industries),
            data_freshness: date,
            capacity: o
                .capacity
                .map(|n| n.clamp(0, u32::MAX as i64) as u32)
                .unwrap_or(UNSTATED_CAPACITY),
            locality: o.locality_id,
        });
        live.push(LiveOffer {
            id: o.id,
            park_id: o.park_id,
            pair_id: o.pair_id,
            title: o.title,
            fresh_until: o.fresh_until,
        });
    }
    Ok((parks, live))
}

/// The demands joined with their enterprises, every column named as [`DemandRow`] reads it.
const DEMAND_SQL: &str = "SELECT d.id AS id, d.enterprise_id AS enterprise_id, \
     e.origin_locality_id AS origin_locality_id, d.industry AS industry, d.land_mu AS land_mu, \
     d.building_m2 AS building_m2, d.power_kw AS power_kw, d.labour AS labour, \
     d.budget_fen AS budget_fen, d.preferred_regions AS preferred_regions, \
     d.deadline AS deadline, d.confidentiality AS confidentiality, \
     d.shared_with_parks AS shared_with_parks, d.shared_with_pairs AS shared_with_pairs, \
     d.pair_id AS pair_id FROM demands d JOIN enterprises e ON e.id = d.enterprise_id";

/// One row of [`DEMAND_SQL`]: a demand as stored, `None` where it states nothing.
struct DemandRow {
    id: i64,
    enterprise_id: i64,
    origin_locality_id: String,
    industry: String,
    land_mu: Option<f64>,
    building_m2: Option<f64>,
    power_kw: Option<f64>,
    labour: Option<f64>,
    budget_fen: Option<i64>,
    preferred_regions: Option<String>,
    deadline: Option<String>,
    confidentiality: String,
    shared_with_parks: Option<String>,
    shared_with_pairs: Option<String>,
    pair_id: Option<String>,
}

impl TryFrom<&Row> for DemandRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<DemandRow, DbError> {
        let text = |c: &str| r.opt_text(c).map(|t| t.map(str::to_string));
        Ok(DemandRow {
            id: r.int("id")?,
            enterprise_id: r.int("enterprise_id")?,
            origin_locality_id: r.text("origin_locality_id")?.to_string(),
            industry: r.text("industry")?.to_string(),
            land_mu: r.opt_real("land_mu")?,
            building_m2: r.opt_real("building_m2")?,
            power_kw: r.opt_real("power_kw")?,
            labour: r.opt_real("labour")?,
            budget_fen: r.opt_int("budget_fen")?,
            preferred_regions: text("preferred_regions")?,
            deadline: text("deadline")?,
            confidentiality: r.text("confidentiality")?.to_string(),
            shared_with_parks: text("shared_with_parks")?,
            shared_with_pairs: text("shared_with_pairs")?,
            pair_id: text("pair_id")?,
        })
    }
}

/// The items of a comma-separated list column (none for NULL).
fn split_list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A demand as an engine demand (quantities it does not state count as none, 0); `offers`
/// gives the parks' ids and pairs for a restricted demand's visibility.
fn to_demand(
    ctx: &MatchContext,
    d: &DemandRow,
    offers: &[LiveOffer],
) -> Result<Demand, PlatformError> {
    let id = d.id;
    let industry_input = d.industry.clone();
    let industry = ctx.resolve_industry(&industry_input).map_err(|rule| {
        invalid(
            "industry",
            "unknown_industry",
            format!("demand {id}: industry {industry_input}: {rule}"),
            format!("需求 {id}：行业 {industry_input} 无法识别"),
        )
    })?;
    let visibility = if d.confidentiality == "open" {
        Visibility::Public
    } else {
        let parks: HashSet<String> = split_list(&d.shared_with_parks).into_iter().collect();
        let mut pairs: HashSet<String> = split_list(&d.shared_with_pairs).into_iter().collect();
        pairs.extend(d.pair_id.clone());
        Visibility::Restricted(
            offers
                .iter()
                .filter(|o| parks.contains(&o.park_id.to_string()) || pairs.contains(&o.pair_id))
                .map(|o| o.id.to_string())
                .collect(),
        )
    };
    Ok(Demand {
        id: id.to_string(),
        enterprise: d.enterprise_id.to_string(),
        origin: d.origin_locality_id.clone(),
        industry_input,
        industry,
        land_ha: d.land_mu.unwrap_or(0.0) / MU_PER_HA,
        building_m2: d.building_m2.unwrap_or(0.0),
        power_kva: d.power_kw.unwrap_or(0.0),
        labour: d.labour.unwrap_or(0.0),
        budget_yuan: d.budget_fen.map(|fen| fen as f64 / 100.0),
        preferred_regions: split_list(&d.preferred_regions)
            .into_iter()
            .filter(|p| ctx.place(p).is_some())
            .collect(),
        region_mode: RegionMode::Prefer,
        deadline: d.deadline.as_deref().and_then(Date::parse),
        visibility,
        suppliers: Vec::new(),
    })
}

fn matching_error(e: tandem_matching::MatchError) -> PlatformError {
    invalid(
        "matching",
        "matching_input",
        e.to_string(),
        format!("匹配数据有误：{e}"),
    )
}

fn explained(
    problem: &Problem<'_>,
    d: usize,
    p: usize,
    offer: &LiveOffer,
    today: Date,
) -> Option<StoredExplanation> {
    let e = problem.explain(d, p, Some(today));
    Some(StoredExplanation {
        total: e.total?,
        offer_id: offer.id,
        offer_title: offer.title.clone(),
        fresh_until: offer.fresh_until.clone(),
        stale: e.stale,
        components: e
            .components
            .into_iter()
            .map(|c| ExplainedComponent {
                component: c.component.key().to_string(),
                value: c.value,
                weight: c.weight,
                contribution: c.contribution,
                reason: c.reason,
            })
            .collect(),
    })
}

fn today_date() -> Date {
    Date::parse(&clock::today()).unwrap_or(Date {
        year: 2026,
        month: 1,
        day: 1,
    })
}

/// The best parks for demand `d` of `problem`: every feasible offer scored, the best offer
/// per park kept, ranked by score (ties: lower offer id first), at most `k`.
fn rank_parks(
    problem: &Problem<'_>,
    d: usize,
    offers: &[LiveOffer],
    k: usize,
    today: Date,
) -> Vec<(usize, StoredExplanation)> {
    let mut scored: Vec<(usize, f64)> = (0..offers.len())
        .filter_map(|p| problem.score(d, p).map(|s| (p, s)))
        .collect();
    scored.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(offers[a.0].id.cmp(&offers[b.0].id))
    });
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (p, _) in scored {
        if out.len() == k {
            break;
        }
        if seen.insert(offers[p].park_id) {
            if let Some(x) = explained(problem, d, p, &offers[p], today) {
                out.push((p, x));
            }
        }
    }
    out
}

fn read_checked(
    c: &mut dyn Conn,
    user: &User,
    e: &'static entity::Entity,
    id: i64,
) -> Result<Record, PlatformError> {
    let rec = fetch(c, e, &Value::Int(id))?
        .ok_or_else(|| PlatformError::NotFound(format!("{} {id}", e.name)))?;
    if !auth::allowed(user, Action::Read, e.name, &scope_of(e, &rec.fields)) {
        return Err(PlatformError::NotFound(format!("{} {id}", e.name)));
    }
    Ok(rec)
}

/// Computes the shortlist of parks for a demand and stores its top [`SHORTLIST_SIZE`] as
/// `proposed` matches with their explanations, replacing the demand's earlier proposed
/// matches. Matches already contacted, converted or declined are kept, and their parks are not
/// proposed again. One transaction, every inserted and removed match in the audit log.
/// Returns the demand's matches after the refresh, best first.
///
/// # Errors
/// `NotFound` if the user may not read the demand; `Forbidden` for roles that do not run the
/// workflow (enterprises, park operators, researchers) or a closed demand; `Invalid` if the
/// demand's data cannot be matched.
pub fn refresh_matches(db: &Db, user: &User, demand_id: i64) -> Result<Vec<Record>, PlatformError> {
    let ctx = context()?;
    let today = clock::today();
    let today_d = today_date();
    db.write(|c| {
        let demand = demand_to_match(c, user, demand_id)?;
        let (parks, offers) = load_offers(c, ctx)?;
        let demands = vec![load_demand(c, ctx, demand_id, &offers)?];
        let problem =
            Problem::new(ctx, Weights::shipped(), &demands, &parks).map_err(matching_error)?;
        let settled = settled_parks(c, demand_id)?;
        remove_proposed_matches(c, user, demand_id)?;
        let ranked = rank_parks(
            &problem,
            0,
            &offers,
            SHORTLIST_SIZE + settled.len(),
            today_d,
        );
        let mut rank = 0;
        for (p, x) in ranked {
            let offer = &offers[p];
            if settled.contains(&offer.park_id) || rank == SHORTLIST_SIZE {
                continue;
            }
            rank += 1;
            let proposal = Proposal {
                demand_id,
                demand: &demand,
                offer,
                rank,
                explanation: &x,
            };
            insert_proposal(c, user, &proposal, &today)?;
        }
        demand_matches_in(c, user, demand_id)
    })
}

/// The demand `demand_id`, if the user may read it (else `NotFound`), may run matching for it
/// (else `Forbidden`) and it is not closed (else `Invalid`).
fn demand_to_match(c: &mut dyn Conn, user: &User, demand_id: i64) -> Result<Record, PlatformError> {
    let demand = read_checked(c, user, &DEMANDS, demand_id)?;
    // Reading a demand (every officer reads open ones) is not the right to act on it.
    if !may_work(user, true) || !may_act_on_demand(user, &demand) {
        return Err(deny(user, &format!("run matching for demand {demand_id}")));
    }
    if demand.text("status") == Some("closed") {
        return Err(invalid(
            "status",
            "closed",
            format!("demand {demand_id} is closed"),
            format!("需求 {demand_id} 已关闭"),
        ));
    }
    Ok(demand)
}

/// Demand `demand_id` as an engine demand ([`DEMAND_SQL`], [`to_demand`]).
fn load_demand(
    c: &mut dyn Conn,
    ctx: &MatchContext,
    demand_id: i64,
    offers: &[LiveOffer],
) -> Result<Demand, PlatformError> {
    let row = c
        .query_one(
            &format!("{DEMAND_SQL} WHERE d.id = ?"),
            &[Value::Int(demand_id)],
        )?
        .ok_or_else(|| PlatformError::NotFound(format!("demands {demand_id}")))?;
    to_demand(ctx, &DemandRow::try_from(&row)?, offers)
}

/// The parks of the demand's matches that are past `proposed` (contacted, converted or
/// declined): they are not proposed again.
fn settled_parks(c: &mut dyn Conn, demand_id: i64) -> Result<HashSet<i64>, DbError> {
    c.query(
        "SELECT park_id FROM matches WHERE demand_id = ? AND status <> 'proposed'",
        &[Value::Int(demand_id)],
    )?
    .iter()
    .map(|r| r.int("park_id"))
    .collect()
}

/// Deletes the demand's `proposed` matches (oldest first), each with its audit row.
fn remove_proposed_matches(
    c: &mut dyn Conn,
    user: &User,
    demand_id: i64,
) -> Result<(), PlatformError> {
    let old = c.query(
        "SELECT id FROM matches WHERE demand_id = ? AND status = 'proposed' ORDER BY id",
        &[Value::Int(demand_id)],
    )?;
    for r in old {
        let idv = Value::Int(r.int("id")?);
        if let Some(before) = fetch(c, &MATCHES, &idv)? {
            c.execute(
                "DELETE FROM matches WHERE id = ?",
                std::slice::from_ref(&idv),
            )?;
            audit(
                c,
                &user.actor(),
                "matches",
                &before.id_text(),
                "delete",
                Some(&before.fields),
                None,
            )?;
        }
    }
    Ok(())
}

/// A park proposed for a demand: the demand (its id and record), the park's best offer, its
/// place on the shortlist (1 = best) and the explanation of its score.
struct Proposal<'a> {
    demand_id: i64,
    demand: &'a Record,
    offer: &'a LiveOffer,
    rank: usize,
    explanation: &'a StoredExplanation,
}

/// Stores a proposal as a `proposed` match dated `today`, copying the demand's enterprise,
/// pair and sharing (so the match is readable by who may read the demand), with its audit
/// row.
fn insert_proposal(
    c: &mut dyn Conn,
    user: &User,
    proposal: &Proposal<'_>,
    today: &str,
) -> Result<(), PlatformError> {
    let Proposal {
        demand_id,
        demand,
        offer,
        rank,
        explanation: x,
    } = proposal;
    let list = |k: &str| -> Value {
        let items = list_items(demand.fields.get(k));
        if items.is_empty() {
            Value::Null
        } else {
            Value::Text(items.join(","))
        }
    };
    let id = c.query_i64(
        "INSERT INTO matches (demand_id, park_id, offer_id, enterprise_id, pair_id, \
         confidentiality, shared_with_parks, shared_with_pairs, score, rank, stale, \
         explanation, status, proposed_on, status_date, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?) RETURNING id",
        &[
            Value::Int(*demand_id),
            Value::Int(offer.park_id),
            Value::Int(offer.id),
            demand
                .int("enterprise_id")
                .map(Value::Int)
                .unwrap_or(Value::Null),
            demand.text("pair_id").map(str::to_string).into(),
            demand.text("confidentiality").map(str::to_string).into(),
            list("shared_with_parks"),
            list("shared_with_pairs"),
            Value::Real(x.total),
            Value::Int(*rank as i64),
            Value::Int(i64::from(x.stale)),
            Value::Text(serde_json::to_string(x).unwrap_or_default()),
            today.into(),
            today.into(),
            clock::now_timestamp().into(),
        ],
    )?;
    if let Some(after) = fetch(c, &MATCHES, &Value::Int(id))? {
        audit(
            c,
            &user.actor(),
            "matches",
            &after.id_text(),
            "create",
            None,
            Some(&after.fields),
        )?;
    }
    Ok(())
}

fn demand_matches_in(
    c: &mut dyn Conn,
    user: &User,
    demand_id: i64,
) -> Result<Vec<Record>, PlatformError> {
    let rows = c.query(
        &format!(
            "SELECT {} FROM matches WHERE demand_id = ? ORDER BY CASE status WHEN 'proposed' \
             THEN 1 ELSE 0 END, rank, id",
            MATCHES.select_list()
        ),
        &[Value::Int(demand_id)],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let fields = entity::row_to_json(&MATCHES, r);
            let version = fields.get("version").and_then(Json::as_i64).unwrap_or(0);
            Record { fields, version }
        })
        .filter(|rec| {
            auth::allowed(
                user,
                Action::Read,
                "matches",
                &scope_of(&MATCHES, &rec.fields),
            )
        })
        .collect())
}

/// The matches of a demand the user may read (proposed last, each group by rank).
pub fn demand_matches(db: &Db, user: &User, demand_id: i64) -> Result<Vec<Record>, PlatformError> {
    db.read(|c| {
        read_checked(c, user, &DEMANDS, demand_id)?;
        demand_matches_in(c, user, demand_id)
    })
}

/// The stored explanation of a match.
pub fn explanation_of(rec: &Record) -> Option<StoredExplanation> {
    rec.text("explanation")
        .and_then(|s| serde_json::from_str(s).ok())
}

/// A step of the match workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// proposed → contacted.
    Contact,
    /// contacted → project (creates the project).
    Convert,
    /// proposed or contacted → declined.
    Decline,
}

impl Step {
    /// `contact`, `convert` or `decline`.
    pub fn parse(text: &str) -> Option<Step> {
        Some(match text {
            "contact" => Step::Contact,
            "convert" | "project" => Step::Convert,
            "decline" => Step::Decline,
            _ => return None,
        })
    }
}

/// Moves a match one step along its workflow, on `date` (`YYYY-MM-DD`, not in the future;
/// today when `None`). Contact: proposed → contacted. Convert: contacted → project, creating a
/// project at stage `lead` in the match's park and pair, for the demand's enterprise, with the
/// demand's industry and its budget as the agreed amount, linking it to the match and marking
/// the demand `matched`. Decline: proposed or contacted → declined. One transaction with
/// audit rows for every record touched. `expected_version` (when given) must be the match's
/// current version.
///
/// # Errors
/// `NotFound` if the user may not read the match; `Forbidden` for roles that do not run the
/// workflow, or (convert) if the user may not create the project; `Invalid` for a step out of
/// order or a bad date; `Conflict` for a stale version.
pub fn step(
    db: &Db,
    user: &User,
    match_id: i64,
    step: Step,
    date: Option<&str>,
    expected_version: Option<i64>,
) -> Result<Record, PlatformError> {
    let (date, day) = step_date(date)?;
    db.write(|c| {
        let before = match_to_step(c, user, match_id, expected_version)?;
        check_step_order(&before, match_id, step, day)?;
        let project_id = match step {
            Step::Convert => Some(convert_to_project(c, user, &before)?),
            Step::Contact | Step::Decline => None,
        };
        let change = StepChange {
            match_id,
            step,
            date: &date,
            project_id,
        };
        write_step(c, user, &before, &change)
    })
}

/// A step's date, as text and as a day number: `date` trimmed, or today when it is absent or
/// empty; `YYYY-MM-DD` and not in the future (a day of slack for time zones).
fn step_date(date: Option<&str>) -> Result<(String, i64), PlatformError> {
    let date = date
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .unwrap_or_else(clock::today);
    let Some(day) = clock::parse_date(&date) else {
        return Err(invalid(
            "date",
            "bad_date",
            format!("date must be YYYY-MM-DD (got {date:?})"),
            format!("日期必须是 YYYY-MM-DD 格式（收到 {date:?}）"),
        ));
    };
    if day > clock::parse_date(&clock::today()).unwrap_or(i64::MAX) + 1 {
        return Err(invalid(
            "date",
            "in_future",
            "a step cannot be recorded before it happens".into(),
            "日期不能晚于今天".into(),
        ));
    }
    Ok((date, day))
}

/// The match `match_id` as stored, if the user may read it (else `NotFound`), may move it
/// (else `Forbidden`) and it is at `expected_version` when one is given (else `Conflict`).
fn match_to_step(
    c: &mut dyn Conn,
    user: &User,
    match_id: i64,
    expected_version: Option<i64>,
) -> Result<Record, PlatformError> {
    let before = read_checked(c, user, &MATCHES, match_id)?;
    if !may_work(user, false) || !may_act_on_match(c, user, &before)? {
        return Err(deny(user, &format!("change match {match_id}")));
    }
    if let Some(v) = expected_version {
        if v != before.version {
            return Err(PlatformError::Conflict {
                version: before.version,
                current: Box::new(before.fields),
            });
        }
    }
    Ok(before)
}

/// Refuses a step the match's status does not allow (contact from proposed, convert from
/// contacted, decline from either), or one dated before the match's last step.
fn check_step_order(
    before: &Record,
    match_id: i64,
    step: Step,
    day: i64,
) -> Result<(), PlatformError> {
    let status = before.text("status").unwrap_or("proposed").to_string();
    let ok = matches!(
        (step, status.as_str()),
        (Step::Contact, "proposed")
            | (Step::Convert, "contacted")
            | (Step::Decline, "proposed" | "contacted")
    );
    if !ok {
        let (en, zh) = match step {
            Step::Contact => (
                "only a proposed match can be contacted",
                "只有推荐状态的匹配可以标记为已对接",
            ),
            Step::Convert => (
                "only a contacted match can become a project (contact it first)",
                "只有已对接的匹配可以转为项目（请先对接）",
            ),
            Step::Decline => (
                "only a proposed or contacted match can be declined",
                "只有推荐或已对接的匹配可以谢绝",
            ),
        };
        return Err(invalid(
            "status",
            "out_of_order",
            format!("match {match_id} is {status}: {en}"),
            format!("匹配 {match_id} 当前为 {status}：{zh}"),
        ));
    }
    if let Some(prev) = before.text("status_date").and_then(clock::parse_date) {
        if day < prev {
            return Err(invalid(
                "date",
                "before_previous",
                "the date is before the match's last step".into(),
                "日期早于上一步".into(),
            ));
        }
    }
    Ok(())
}

/// The conversion of a match: creates its project (stage `lead`, in the match's park and that
/// park's pair, for the demand's enterprise, named and classed as the demand, the demand's
/// budget as the agreed amount) as `user`, and marks the demand `matched` (with its audit
/// row, if it was not already). Returns the project's id.
fn convert_to_project(
    c: &mut dyn Conn,
    user: &User,
    before: &Record,
) -> Result<i64, PlatformError> {
    let demand_id = before.required_int("demand_id")?;
    let demand = fetch(c, &DEMANDS, &Value::Int(demand_id))?
        .ok_or_else(|| PlatformError::NotFound(format!("demands {demand_id}")))?;
    let park = before.required_int("park_id")?;
    let pair = c
        .query_one(
            "SELECT pair_id FROM parks WHERE id = ?",
            &[Value::Int(park)],
        )?
        .map(|r| r.text("pair_id").map(str::to_string))
        .transpose()?;
    let body = json!({
        "pair_id": pair,
        "park_id": park,
        "enterprise_id": demand.int("enterprise_id"),
        "name": demand.text("title").unwrap_or(""),
        "industry": demand.text("industry"),
        "amount_agreed_yuan": demand.fields.get("budget_yuan").cloned().unwrap_or(Json::Null),
        "initiated_by": "enterprise",
    });
    let body = body.as_object().cloned().unwrap_or_default();
    let project = service::create_body_in(c, user, &PROJECTS, &body)?;
    let project_id = project.required_int("id")?;
    let n = c.execute(
        "UPDATE demands SET status = 'matched', version = version + 1, updated_at = ? \
         WHERE id = ? AND status <> 'matched'",
        &[clock::now_timestamp().into(), Value::Int(demand_id)],
    )?;
    if n > 0 {
        if let Some(after) = fetch(c, &DEMANDS, &Value::Int(demand_id))? {
            audit(
                c,
                &user.actor(),
                "demands",
                &after.id_text(),
                "update",
                Some(&demand.fields),
                Some(&after.fields),
            )?;
        }
    }
    Ok(project_id)
}

/// A checked step as it is written to its match: which match, the step, its date and the
/// project a conversion created.
struct StepChange<'a> {
    match_id: i64,
    step: Step,
    date: &'a str,
    project_id: Option<i64>,
}

/// The status a match has after a step.
fn status_after(step: Step) -> &'static str {
    match step {
        Step::Contact => "contacted",
        Step::Decline => "declined",
        Step::Convert => "project",
    }
}

/// Writes a step to its match at the version read (`contacted_at` set by a contact, the
/// project kept unless a conversion made one) with its audit row; returns the match after it.
fn write_step(
    c: &mut dyn Conn,
    user: &User,
    before: &Record,
    change: &StepChange<'_>,
) -> Result<Record, PlatformError> {
    let contacted = if change.step == Step::Contact {
        Value::Text(change.date.to_string())
    } else {
        before.text("contacted_at").map(str::to_string).into()
    };
    let project = match change.project_id {
        Some(id) => Value::Int(id),
        None => before
            .int("project_id")
            .map(Value::Int)
            .unwrap_or(Value::Null),
    };
    let n = c.execute(
        "UPDATE matches SET status = ?, contacted_at = ?, status_date = ?, project_id = ?, \
         version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        &[
            status_after(change.step).into(),
            contacted,
            change.date.into(),
            project,
            clock::now_timestamp().into(),
            Value::Int(change.match_id),
            Value::Int(before.version),
        ],
    )?;
    if n == 0 {
        return Err(DbError::Other("match changed during the update".into()).into());
    }
    let after = fetch(c, &MATCHES, &Value::Int(change.match_id))?
        .ok_or_else(|| DbError::Other("match vanished".into()))?;
    audit(
        c,
        &user.actor(),
        "matches",
        &after.id_text(),
        step_name(change.step),
        Some(&before.fields),
        Some(&after.fields),
    )?;
    Ok(after)
}

fn step_name(s: Step) -> &'static str {
    match s {
        Step::Contact => "contact",
        Step::Convert => "convert",
        Step::Decline => "decline",
    }
}

/// Closes a demand (no more matching); its matches stay as they are.
///
/// # Errors
/// As a record update of the demand.
pub fn close_demand(db: &Db, user: &User, demand_id: i64) -> Result<Record, PlatformError> {
    db.write(|c| {
        let before = read_checked(c, user, &DEMANDS, demand_id)?;
        if !auth::allowed(user, Action::Update, "demands", &scope_of(&DEMANDS, &before.fields)) {
            return Err(deny(user, "close this demand"));
        }
        c.execute(
            "UPDATE demands SET status = 'closed', version = version + 1, updated_at = ? WHERE id = ?",
            &[clock::now_timestamp().into(), Value::Int(demand_id)],
        )?;
        let after = fetch(c, &DEMANDS, &Value::Int(demand_id))?.ok_or_else(|| DbError::Other("demand vanished".into()))?;
        audit(c, &user.actor(), "demands", &after.id_text(), "close", Some(&before.fields), Some(&after.fields))?;
        Ok(after)
    })
}

/// The demands a park's offers suit best, among the open demands the user may read and the
/// engine lets the park see (a restricted demand not shared with it is never shown), best
/// first, at most `k`. Not stored.
///
/// # Errors
/// `NotFound` for an unknown park; `Invalid` if stored data cannot be matched.
pub fn park_shortlist(
    db: &Db,
    user: &User,
    park_id: i64,
    k: usize,
) -> Result<Vec<Candidate>, PlatformError> {
    let ctx = context()?;
    let today = today_date();
    db.read(|c| {
        read_checked(c, user, &entity::PARKS, park_id)?;
        let (parks, offers) = load_offers(c, ctx)?;
        let (mut where_sql, params) = match auth::read_filter(user, "demands") {
            Some((sql, p)) => (format!(" AND {}", qualify_columns(&sql, "d")), p),
            None => (String::new(), Vec::new()),
        };
        where_sql.insert_str(0, " WHERE d.status = 'open'");
        let rows = c
            .query(&format!("{DEMAND_SQL}{where_sql} ORDER BY d.id"), &params)?
            .iter()
            .map(DemandRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let demands: Vec<Demand> = rows
            .iter()
            .map(|r| to_demand(ctx, r, &offers))
            .collect::<Result<_, _>>()?;
        let problem =
            Problem::new(ctx, Weights::shipped(), &demands, &parks).map_err(matching_error)?;
        let mine: Vec<usize> = (0..offers.len())
            .filter(|&p| offers[p].park_id == park_id)
            .collect();
        let mut best: BTreeMap<i64, (f64, StoredExplanation)> = BTreeMap::new();
        for (d, row) in rows.iter().enumerate() {
            for &p in &mine {
                if let Some(s) = problem.score(d, p) {
                    let id = row.id;
                    if best.get(&id).is_none_or(|(b, _)| s > *b) {
                        if let Some(x) = explained(&problem, d, p, &offers[p], today) {
                            best.insert(id, (s, x));
                        }
                    }
                }
            }
        }
        let mut v: Vec<(i64, f64, StoredExplanation)> =
            best.into_iter().map(|(id, (s, x))| (id, s, x)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(v.into_iter()
            .take(k)
            .enumerate()
            .map(|(i, (demand_id, _, explanation))| Candidate {
                demand_id,
                park_id,
                rank: i + 1,
                explanation,
            })
            .collect())
    })
}

/// The scope columns `auth::read_filter` names for demands and matches.
const SCOPE_COLUMNS: &[&str] = &[
    "confidentiality",
    "pair_id",
    "shared_with_pairs",
    "shared_with_parks",
    "enterprise_id",
    "park_id",
];

/// Qualifies the bare scope column names of a demands or matches read filter with a table
/// alias (`d.pair_id`), for queries that join other tables having the same column names.
/// No scope column name contains another, so replacing one never touches another.
fn qualify_columns(sql: &str, alias: &str) -> String {
    let mut out = sql.to_string();
    for col in SCOPE_COLUMNS {
        out = out.replace(col, &format!("{alias}.{col}"));
    }
    out
}

/// A stalled match or a stuck project from a match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stalled {
    /// The match.
    pub match_id: i64,
    /// The demand.
    pub demand_id: i64,
    /// The demand's title.
    pub demand_title: String,
    /// The park.
    pub park_id: i64,
    /// The park's name.
    pub park_name: String,
    /// `proposed`, `contacted`, or `project`.
    pub status: String,
    /// For a project: its id and stage.
    pub project_id: Option<i64>,
    pub project_stage: Option<String>,
    /// The date of the last progress (the match's last step, or the project's stage date).
    pub since: String,
    /// Days without progress at the reference date.
    pub days: i64,
}

/// Matches with no progress for more than [`STALLED_DAYS`] (proposed or contacted) and
/// projects from matches in the same stage (before `paying_tax`) for more than
/// [`STUCK_STAGE_DAYS`], at `as_of` (`YYYY-MM-DD`), among the matches the user may read;
/// longest-waiting first.
///
/// # Errors
/// `Invalid` for a bad date; database errors.
pub fn stalled_as_of(db: &Db, user: &User, as_of: &str) -> Result<Vec<Stalled>, PlatformError> {
    let Some(today) = clock::parse_date(as_of) else {
        return Err(invalid(
            "as_of",
            "bad_date",
            format!("as_of must be YYYY-MM-DD (got {as_of:?})"),
            "日期格式应为 YYYY-MM-DD".into(),
        ));
    };
    let (filter, params) = match auth::read_filter(user, "matches") {
        Some((sql, p)) => (format!(" AND {}", qualify_columns(&sql, "m")), p),
        None => (String::new(), Vec::new()),
    };
    db.read(|c| {
        let rows = c.query(
            &format!(
                "SELECT m.id AS match_id, m.demand_id AS demand_id, d.title AS demand_title, \
                 m.park_id AS park_id, p.name AS park_name, m.status AS status, \
                 m.project_id AS project_id, pr.stage AS project_stage, \
                 COALESCE(pr.stage_date, m.status_date) AS project_since, \
                 m.status_date AS status_date \
                 FROM matches m JOIN demands d ON d.id = m.demand_id JOIN parks p ON p.id = m.park_id \
                 LEFT JOIN projects pr ON pr.id = m.project_id \
                 WHERE m.status IN ('proposed', 'contacted', 'project'){filter} ORDER BY m.id"
            ),
            &params,
        )?;
        let mut out = Vec::new();
        for r in &rows {
            out.extend(stalled_from_row(r, today)?);
        }
        out.sort_by(|a, b| b.days.cmp(&a.days).then(a.match_id.cmp(&b.match_id)));
        Ok(out)
    })
}

/// The match of a row of [`stalled_as_of`]'s query if it is stalled at day `today`: its
/// last step (a project's: its stage date) more than [`STALLED_DAYS`] ago, or
/// [`STUCK_STAGE_DAYS`] for a project before `paying_tax`. A match without a date of its
/// last step cannot be judged and is left out.
fn stalled_from_row(r: &Row, today: i64) -> Result<Option<Stalled>, DbError> {
    let status = r.text("status")?.to_string();
    let project_stage = r.opt_text("project_stage")?.map(str::to_string);
    let since = if status == "project" {
        r.opt_text("project_since")?
    } else {
        r.opt_text("status_date")?
    };
    let Some((since, day)) = since.and_then(|s| Some((s.to_string(), clock::parse_date(s)?)))
    else {
        return Ok(None);
    };
    let days = today - day;
    let limit = match (status.as_str(), project_stage.as_deref()) {
        ("project", Some("paying_tax")) => return Ok(None),
        ("project", _) => STUCK_STAGE_DAYS,
        _ => STALLED_DAYS,
    };
    if days <= limit {
        return Ok(None);
    }
    Ok(Some(Stalled {
        match_id: r.int("match_id")?,
        demand_id: r.int("demand_id")?,
        demand_title: r.text("demand_title")?.to_string(),
        park_id: r.int("park_id")?,
        park_name: r.text("park_name")?.to_string(),
        status,
        project_id: r.opt_int("project_id")?,
        project_stage,
        since,
        days,
    }))
}

/// [`stalled_as_of`] today.
///
/// # Errors
/// As [`stalled_as_of`].
pub fn stalled(db: &Db, user: &User) -> Result<Vec<Stalled>, PlatformError> {
    stalled_as_of(db, user, &clock::today())
}

/// An offer past its freshness date.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StaleOffer {
    pub offer_id: i64,
    pub title: String,
    pub park_id: i64,
    pub park_name: String,
    pub fresh_until: String,
}

impl TryFrom<&Row> for StaleOffer {
    type Error = DbError;
    /// Reads the columns named as the fields.
    fn try_from(r: &Row) -> Result<StaleOffer, DbError> {
        Ok(StaleOffer {
            offer_id: r.int("offer_id")?,
            title: r.text("title")?.to_string(),
            park_id: r.int("park_id")?,
            park_name: r.text("park_name")?.to_string(),
            fresh_until: r.text("fresh_until")?.to_string(),
        })
    }
}

/// Park offers whose `fresh_until` is before `as_of` (offers are public records).
///
/// # Errors
/// Database errors.
pub fn stale_offers_as_of(db: &Db, as_of: &str) -> Result<Vec<StaleOffer>, PlatformError> {
    db.read(|c| {
        let rows = c.query(
            "SELECT o.id AS offer_id, o.title AS title, o.park_id AS park_id, \
             p.name AS park_name, o.fresh_until AS fresh_until FROM park_offers o \
             JOIN parks p ON p.id = o.park_id WHERE o.fresh_until < ? ORDER BY o.fresh_until, o.id",
            &[as_of.into()],
        )?;
        Ok(rows
            .iter()
            .map(StaleOffer::try_from)
            .collect::<Result<_, _>>()?)
    })
}

/// Breakdown cells counting fewer demands than this are merged into [`SMALL_CELLS`]: with a
/// handful of demands, "one demand in industry X filed through pair Y" would point at one
/// enterprise. This is the frequency (threshold) rule of statistical disclosure control, with
/// the common minimum of 3 (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012,
/// §5.2).
pub const MIN_CELL: i64 = 3;
/// The key of the merged small cells in a breakdown.
pub const SMALL_CELLS: &str = "fewer_than_3_each";

/// Merges the cells of `counts` below [`MIN_CELL`] into one [`SMALL_CELLS`] cell, so the
/// breakdown still sums to the total but names no small group.
pub fn suppress_small_cells(counts: BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut small = 0;
    for (key, n) in counts {
        if n < MIN_CELL {
            small += n;
        } else {
            out.insert(key, n);
        }
    }
    if small > 0 {
        out.insert(SMALL_CELLS.to_string(), small);
    }
    out
}

/// Aggregate docking figures, readable by every signed-in user (researchers included): they
/// count all demands and matches and name none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Demands by status.
    pub demands_by_status: BTreeMap<String, i64>,
    /// Demands by industry as recorded; industries with fewer than [`MIN_CELL`] demands are
    /// counted together under [`SMALL_CELLS`].
    pub demands_by_industry: BTreeMap<String, i64>,
    /// Demands by filing pair (`none` for demands filed by the enterprise itself); pairs with
    /// fewer than [`MIN_CELL`] demands are counted together under [`SMALL_CELLS`].
    pub demands_by_pair: BTreeMap<String, i64>,
    /// Matches by status.
    pub matches_by_status: BTreeMap<String, i64>,
    /// Matches ever contacted (status contacted or project, or declined after a contact).
    pub contacted: i64,
    /// Matches that became projects.
    pub projects: i64,
    /// `contacted / matches`, `None` without matches.
    pub contact_rate: Option<f64>,
    /// `projects / contacted`, `None` without contacted matches.
    pub project_rate: Option<f64>,
    /// `projects / matches`, `None` without matches.
    pub match_to_project_rate: Option<f64>,
    /// Stalled matches and stuck projects ([`stalled_as_of`] over every match).
    pub stalled: i64,
    /// The reference date.
    pub as_of: String,
}

/// The aggregate figures at `as_of`.
///
/// # Errors
/// Database errors; `Invalid` for a bad date.
pub fn summary_as_of(db: &Db, as_of: &str) -> Result<Summary, PlatformError> {
    // Counts by `cell`; a NULL cell (a demand filed by the enterprise itself has no pair) is
    // the cell `none`.
    let group = |c: &mut dyn Conn, sql: &str| -> Result<BTreeMap<String, i64>, DbError> {
        c.query(sql, &[])?
            .iter()
            .map(|r| {
                Ok((
                    r.opt_text("cell")?.unwrap_or("none").to_string(),
                    r.int("n")?,
                ))
            })
            .collect()
    };
    let (by_status, by_industry, by_pair, m_status, contacted) =
        db.read(|c| -> Result<_, DbError> {
            Ok((
                group(
                    c,
                    "SELECT status AS cell, COUNT(*) AS n FROM demands GROUP BY status",
                )?,
                group(
                    c,
                    "SELECT industry AS cell, COUNT(*) AS n FROM demands GROUP BY industry",
                )?,
                group(
                    c,
                    "SELECT pair_id AS cell, COUNT(*) AS n FROM demands GROUP BY pair_id",
                )?,
                group(
                    c,
                    "SELECT status AS cell, COUNT(*) AS n FROM matches GROUP BY status",
                )?,
                c.query_i64(
                    "SELECT COUNT(*) FROM matches WHERE contacted_at IS NOT NULL",
                    &[],
                )?,
            ))
        })?;
    // Aggregates cover every match, whatever the asker may read individually.
    let all = User {
        id: 0,
        username: "summary".into(),
        display_name: String::new(),
        role: Role::Coordinator,
    };
    let stalled = stalled_as_of(db, &all, as_of)?.len() as i64;
    let total: i64 = m_status.values().sum();
    let projects = m_status.get("project").copied().unwrap_or(0);
    let rate = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    Ok(Summary {
        demands_by_status: by_status,
        demands_by_industry: suppress_small_cells(by_industry),
        demands_by_pair: suppress_small_cells(by_pair),
        matches_by_status: m_status,
        contacted,
        projects,
        contact_rate: rate(contacted, total),
        project_rate: rate(projects, contacted),
        match_to_project_rate: rate(projects, total),
        stalled,
        as_of: as_of.to_string(),
    })
}

/// [`summary_as_of`] today.
///
/// # Errors
/// As [`summary_as_of`].
pub fn summary(db: &Db) -> Result<Summary, PlatformError> {
    summary_as_of(db, &clock::today())
}

/// A capital provider on a project's shortlist.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapitalCandidate {
    pub provider_id: i64,
    pub name: String,
    pub kind: String,
    pub rank: usize,
    pub score: f64,
    pub components: Vec<CapitalComponentScore>,
}

/// A capital provider as stored, read by column name.
struct ProviderRow {
    id: i64,
    name: String,
    kind: String,
    home_locality_id: Option<String>,
    industries: Option<String>,
    regions: Option<String>,
    ticket_min_fen: i64,
    ticket_max_fen: i64,
    stages: Option<String>,
}

impl TryFrom<&Row> for ProviderRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<ProviderRow, DbError> {
        let text = |c: &str| r.opt_text(c).map(|t| t.map(str::to_string));
        Ok(ProviderRow {
            id: r.int("id")?,
            name: r.text("name")?.to_string(),
            kind: r.text("kind")?.to_string(),
            home_locality_id: text("home_locality_id")?,
            industries: text("industries")?,
            regions: text("regions")?,
            ticket_min_fen: r.int("ticket_min_fen")?,
            ticket_max_fen: r.int("ticket_max_fen")?,
            stages: text("stages")?,
        })
    }
}

impl ProviderRow {
    /// The provider as the capital engine's, keeping only the places, industries and stages
    /// the engine knows.
    fn to_engine(&self, ctx: &MatchContext) -> CapitalProvider {
        CapitalProvider {
            id: self.id.to_string(),
            name: self.name.clone(),
            home: self
                .home_locality_id
                .clone()
                .filter(|h| ctx.place(h).is_some()),
            industries: split_list(&self.industries)
                .iter()
                .filter_map(|s| ctx.resolve_industry(s).ok())
                .collect(),
            ticket_min_yuan: self.ticket_min_fen as f64 / 100.0,
            ticket_max_yuan: self.ticket_max_fen as f64 / 100.0,
            regions: split_list(&self.regions)
                .into_iter()
                .filter(|s| ctx.place(s).is_some())
                .collect(),
            stages: split_list(&self.stages)
                .iter()
                .filter_map(|s| Stage::parse(s))
                .collect(),
        }
    }
}

/// The platform's lifecycle stage as the capital engine's stage: before construction
/// (lead, signed, land) is preparation; construction; production and paying tax are operation.
pub fn capital_stage(stage: &str) -> Stage {
    match stage {
        "construction" => Stage::Construction,
        "production" | "paying_tax" => Stage::Operation,
        _ => Stage::Preparation,
    }
}

/// The best capital providers for a project the user may read, at most `k`, with the
/// explained components. The project's locality is its park's (else its pair's helped city),
/// its amount the agreed amount.
///
/// # Errors
/// `NotFound` if the user may not read the project; `Invalid` if the project has no agreed
/// amount or no resolvable industry.
pub fn capital_shortlist(
    db: &Db,
    user: &User,
    project_id: i64,
    k: usize,
) -> Result<Vec<CapitalCandidate>, PlatformError> {
    let ctx = context()?;
    db.read(|c| {
        let p = read_checked(c, user, &PROJECTS, project_id)?;
        let locality = match p.int("park_id") {
            Some(park) => c.query_one("SELECT locality_id AS locality FROM parks WHERE id = ?", &[Value::Int(park)])?,
            None => c.query_one("SELECT helped_id AS locality FROM pairs WHERE id = ?", &[p.text("pair_id").unwrap_or("").into()])?,
        }
        .map(|r| r.text("locality").map(str::to_string))
        .transpose()?
        .unwrap_or_default();
        let industry_input = p.text("industry").unwrap_or("").to_string();
        let industry = ctx.resolve_industry(&industry_input).map_err(|rule| {
            invalid("industry", "unknown_industry", format!("project {project_id}: industry {industry_input:?}: {rule}; record it as io42:18 or C36 to match capital"), format!("项目 {project_id} 的行业 {industry_input:?} 无法识别，请填写如 io42:18 或 C36"))
        })?;
        let amount = p.fields.get("amount_agreed_yuan").and_then(Json::as_f64).filter(|a| *a > 0.0).ok_or_else(|| {
            invalid("amount_agreed_yuan", "required", format!("project {project_id} has no agreed amount to match capital with"), format!("项目 {project_id} 没有协议投资额，无法匹配资金"))
        })?;
        let projects = vec![ProjectNeed {
            id: project_id.to_string(),
            locality,
            industry_input,
            industry,
            amount_yuan: amount,
            stage: capital_stage(p.text("stage").unwrap_or("lead")),
        }];
        let rows = c
            .query(
                "SELECT id, name, kind, home_locality_id, industries, regions, ticket_min_fen, ticket_max_fen, stages FROM capital_providers ORDER BY id",
                &[],
            )?
            .iter()
            .map(ProviderRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let funds: Vec<CapitalProvider> = rows.iter().map(|r| r.to_engine(ctx)).collect();
        let problem = CapitalProblem::new(ctx, Weights::shipped(), &projects, &funds).map_err(matching_error)?;
        let lists = problem.shortlists(k);
        let by_id: HashMap<String, usize> = funds.iter().enumerate().map(|(i, f)| (f.id.clone(), i)).collect();
        Ok(lists.per_demand[0]
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let f = e.index as usize;
                let (score, components) = problem.explain(0, f).ok()?;
                let row = &rows[*by_id.get(&funds[f].id)?];
                Some(CapitalCandidate {
                    provider_id: row.id,
                    name: row.name.clone(),
                    kind: row.kind.clone(),
                    rank: i + 1,
                    score,
                    components,
                })
            })
            .collect())
    })
}

/// The scope of a demand (for callers deciding what to show).
pub fn demand_scope(rec: &Record) -> Scope {
    scope_of(&DEMANDS, &rec.fields)
}

/// Whether the user may run matching for `demand` (shows the button).
pub fn may_find(user: &User, demand: &Record) -> bool {
    may_work(user, true) && may_act_on_demand(user, demand)
}

/// Whether the user may move `demand`'s matches along the workflow (shows the buttons): the
/// demand's side, or a park operator (who sees only its own park's matches). Officers acting
/// for a park of theirs matched to another pair's demand use the API, which checks each
/// match's park.
pub fn may_step(user: &User, demand: &Record) -> bool {
    may_work(user, false)
        && (may_act_on_demand(user, demand) || matches!(user.role, Role::ParkOperator { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role's filter for demands and matches comes out with each scope column qualified
    /// once (none left bare, none doubled).
    #[test]
    fn read_filters_are_qualified_with_the_alias() {
        let roles = [
            Role::Officer {
                pair_id: "pair-xuzhou-huaibei".into(),
                side: "helped".into(),
            },
            Role::ParkOperator { park_id: 7 },
            Role::Enterprise { enterprise_id: 3 },
        ];
        for role in roles {
            let user = User {
                id: 1,
                username: "u".into(),
                display_name: "u".into(),
                role,
            };
            for (entity, alias) in [("demands", "d"), ("matches", "m")] {
                let (sql, _) = auth::read_filter(&user, entity).expect("a restricted role");
                let q = qualify_columns(&sql, alias);
                for col in SCOPE_COLUMNS {
                    let bare = q.matches(col).count();
                    let qualified = q.matches(&format!("{alias}.{col}")).count();
                    assert_eq!(bare, qualified, "{entity} {col}: {q}");
                    assert!(!q.contains(&format!("{alias}.{alias}.")), "{q}");
                }
                assert!(q.contains(&format!("{alias}.")), "{entity}: {q}");
            }
        }
    }
}
