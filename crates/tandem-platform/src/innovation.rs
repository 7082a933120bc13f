//! Innovation cooperation on live records (issue #17, part 4): enterprises' technology needs
//! scored against institutes' capabilities through the matching engine (`tandem-matching`),
//! matches stored with the engine's explanation, the counts of what each pair has achieved
//! (patents, licences, projects by milestone reached) and the matches as the advisor's input.
//! The records are `crate::entity::innovation`'s.
//!
//! ## How a need and a capability meet the engine
//!
//! The engine scores a *demand* (an enterprise that moves) against a *park* (where it lands).
//! Technology moves the same way, from the institute to the enterprise, so a capability is
//! the engine's demand and a need its park:
//!
//! | engine input | from |
//! |---|---|
//! | demand origin | the institute's `locality_id`, else its pair's city of its side |
//! | demand industry | one of the capability's sectors (each is scored, the best kept) |
//! | park locality | the need's enterprise's `origin_locality_id` |
//! | park focus industries | the need's sectors |
//!
//! The engine then gives, with its own sentences:
//! * **industry** `I = w_f F + w_r Ω + w_l Λ`: proximity of the capability's sector to the
//!   need's sectors, relatedness density of the enterprise's city around it, and the strongest
//!   input-output link to the city's or the need's industries;
//! * **distance** `D = exp(−d/λ)` between the institute's and the enterprise's cities;
//! * **pair** `P = 1` when the institute's city is the helper of the enterprise's city.
//!
//! The engine's other four components do not fit and get weight 0: capacity (land, building,
//! power, labour: a technology needs none), cost (land price against budget: a capability has
//! no price, so a need's budget is shown but not scored), incentives (a park's package) and
//! region (a demand's preferred regions). The engine's weights of the three that fit are
//! renormalised among themselves (shipped: 0.3, 0.1, 0.1 → 0.6, 0.2, 0.2), giving the
//! engine's score `E`.
//!
//! Two components are added, because nothing in the engine reads them:
//! * **keywords** `K = |k_n ∩ k_c| / |k_n|`, the share of the need's keywords found (case
//!   folded) among the capability's keywords or in its title or description;
//!   [`NO_KEYWORDS_VALUE`] when the need gives none (missing is not zero, nor one);
//! * **readiness** `T = TRL / 9`, the capability's technology readiness level.
//!
//! Total `S = (1 − w_K − w_T) E + w_K K + w_T T` with `w_K` = [`KEYWORD_WEIGHT`] and `w_T` =
//! [`READINESS_WEIGHT`]; each component is listed with its share of that weight, so the
//! contributions add up to `S`.
//!
//! A capability or need whose city the engine does not know (no coordinates) is not scored
//! and is listed as such, never given a score of 0.

use crate::auth::{allowed, read_filter, Action, Role, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::docking::ExplainedComponent;
use crate::docking_rules::context;
use crate::entity::innovation::{TECH_CAPABILITIES, TECH_MATCHES, TECH_NEEDS};
use crate::entity::{list_items, Entity};
use crate::error::PlatformError;
use crate::service::{audit, fetch, scope_of, Record};
use serde::{Deserialize, Serialize};
use tandem_matching::{Component, Weights};
use tandem_matching::{Date, Demand, MatchContext, ParkOffer, Problem, RegionMode, Visibility};

mod counts;
mod projects;
pub use counts::{advice_records, counts, PairCounts};
pub use projects::{may_start_project, start_project, NewProject};

/// The weight of the keyword component.
pub const KEYWORD_WEIGHT: f64 = 0.25;
/// The weight of the readiness component.
pub const READINESS_WEIGHT: f64 = 0.10;
/// The keyword score of a need that gives no keyword.
pub const NO_KEYWORDS_VALUE: f64 = 0.5;
/// The most candidates a shortlist returns.
pub const SHORTLIST_K: usize = 20;
/// The most needs or capabilities read for one shortlist (bounded work per request).
pub const MAX_CANDIDATES: usize = 5_000;

/// The score of a need with a capability and how it was reached (stored as JSON in
/// `tech_matches.explanation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TechExplanation {
    /// The total in [0, 1].
    pub total: f64,
    /// The capability's sector that scored best (IO-42 code).
    pub sector: String,
    /// The institute's locality as scored (where the technology comes from).
    pub from_locality: String,
    /// The enterprise's locality as scored (where it goes).
    pub to_locality: String,
    /// industry, distance, pair (the engine's), keywords, readiness (added).
    pub components: Vec<ExplainedComponent>,
}

impl TechExplanation {
    /// The explanation in one line: each component's key, value and reason.
    pub fn summary(&self) -> String {
        self.components
            .iter()
            .map(|c| format!("{} {:.2}: {}", c.component, c.value, c.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A candidate of a shortlist: a capability for a need or a need for a capability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// The need (the subject, or the candidate for a capability).
    pub need_id: i64,
    /// The capability (the candidate for a need, or the subject).
    pub capability_id: i64,
    /// The need's or the capability's title (the side being ranked).
    pub title: String,
    /// The institute (for a capability) or the enterprise (for a need).
    pub owner: String,
    /// Rank, 1 = best.
    pub rank: usize,
    /// The score and how it was reached.
    pub explanation: TechExplanation,
    /// The stored match of the two, if one exists and the user may read it.
    pub stored: Option<StoredMatch>,
}

/// A stored match as a shortlist shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredMatch {
    /// The match's id.
    pub id: i64,
    /// Its need.
    pub need_id: i64,
    /// Its capability.
    pub capability_id: i64,
    /// `proposed`, `contacted`, `project` or `declined`.
    pub status: String,
}

/// A record that could not be scored, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unscored {
    /// The need's or capability's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Why it was not scored (a locality without coordinates, none at all).
    pub reason: String,
}

/// A ranked shortlist with what could not be scored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shortlist {
    /// The need or capability the list is for (serialised by the caller, as a record).
    #[serde(skip)]
    pub subject: Record,
    /// The candidates, best first.
    pub candidates: Vec<Candidate>,
    /// The records (the subject or candidates) that could not be scored.
    pub unscored: Vec<Unscored>,
}

/// A need as scored.
#[derive(Clone, Debug)]
struct NeedRow {
    id: i64,
    title: String,
    enterprise: String,
    locality: Option<String>,
    sectors: Vec<String>,
    keywords: Vec<String>,
}

impl TryFrom<&Row> for NeedRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<Self, DbError> {
        Ok(NeedRow {
            id: r.int("id")?,
            title: r.text("title")?.to_string(),
            enterprise: r.text("enterprise")?.to_string(),
            locality: r.opt_text("locality")?.map(str::to_string),
            sectors: list_items(Some(&serde_json::Value::from(r.text("sectors")?))),
            keywords: list_items(
                r.opt_text("keywords")?
                    .map(serde_json::Value::from)
                    .as_ref(),
            ),
        })
    }
}

/// A capability as scored.
#[derive(Clone, Debug)]
struct CapRow {
    id: i64,
    title: String,
    text: String,
    institute: String,
    locality: Option<String>,
    sectors: Vec<String>,
    keywords: Vec<String>,
    readiness: i64,
}

impl TryFrom<&Row> for CapRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<Self, DbError> {
        Ok(CapRow {
            id: r.int("id")?,
            title: r.text("title")?.to_string(),
            text: format!(
                "{} {}",
                r.text("title")?,
                r.opt_text("description")?.unwrap_or_default()
            ),
            institute: r.text("institute")?.to_string(),
            locality: r.opt_text("locality")?.map(str::to_string),
            sectors: list_items(Some(&serde_json::Value::from(r.text("sectors")?))),
            keywords: list_items(
                r.opt_text("keywords")?
                    .map(serde_json::Value::from)
                    .as_ref(),
            ),
            readiness: r.int("readiness")?,
        })
    }
}

const NEED_SQL: &str = "SELECT n.id AS id, n.title AS title, n.sectors AS sectors, \
     n.keywords AS keywords, e.name AS enterprise, e.origin_locality_id AS locality \
     FROM tech_needs n JOIN enterprises e ON e.id = n.enterprise_id";

const CAP_SQL: &str = "SELECT c.id AS id, c.title AS title, c.description AS description, \
     c.sectors AS sectors, c.keywords AS keywords, c.readiness AS readiness, \
     i.name AS institute, COALESCE(i.locality_id, CASE WHEN i.side = 'helper' \
     THEN p.helper_id ELSE p.helped_id END) AS locality \
     FROM tech_capabilities c JOIN institutes i ON i.id = c.institute_id \
     JOIN pairs p ON p.id = i.pair_id";

/// `sql` (aliasing the type's table as `alias`) restricted to the rows of `entity` the user
/// may read and to `extra`, at most [`MAX_CANDIDATES`] + 1 rows, by id.
fn readable_rows(
    c: &mut dyn Conn,
    user: &User,
    sql: &str,
    entity: &Entity,
    alias: &str,
    extra: (&str, Vec<Value>),
) -> Result<Vec<Row>, PlatformError> {
    let (filter, mut params) = read_filter(user, entity.name).unwrap_or(("1 = 1".into(), vec![]));
    params.extend(extra.1);
    let q = format!(
        "{sql} WHERE {alias}.id IN (SELECT id FROM {} WHERE {filter}) AND {} \
         ORDER BY {alias}.id LIMIT {}",
        entity.table,
        extra.0,
        MAX_CANDIDATES + 1
    );
    let rows = c.query(&q, &params)?;
    if rows.len() > MAX_CANDIDATES {
        return Err(PlatformError::invalid(
            entity.name,
            "too_many",
            format!("more than {MAX_CANDIDATES} {} to rank", entity.name),
            format!("待排序的{}超过 {MAX_CANDIDATES} 条", entity.zh),
        ));
    }
    Ok(rows)
}

/// The engine's weights for innovation: the three components that fit, renormalised.
fn engine_weights() -> Weights {
    let mut w = Weights::shipped();
    let d = &mut w.demand_park;
    let sum = d.industry + d.distance + d.pair;
    d.industry /= sum;
    d.distance /= sum;
    d.pair /= sum;
    d.capacity = 0.0;
    d.cost = 0.0;
    d.incentives = 0.0;
    d.region = 0.0;
    w
}

/// The five components' weights in the total, in order (industry, distance, pair, keywords,
/// readiness): what a page states about the score.
pub fn component_weights() -> [(&'static str, f64); 5] {
    let d = engine_weights().demand_park;
    [
        ("industry", d.industry * ENGINE_SHARE),
        ("distance", d.distance * ENGINE_SHARE),
        ("pair", d.pair * ENGINE_SHARE),
        ("keywords", KEYWORD_WEIGHT),
        ("readiness", READINESS_WEIGHT),
    ]
}

/// The engine's demand for sector `sector` of a capability from `origin`.
fn as_demand(cap: &CapRow, sector: &str, origin: &str) -> Demand {
    Demand {
        id: format!("{}:{sector}", cap.id),
        enterprise: cap.institute.clone(),
        origin: origin.to_string(),
        industry_input: sector.to_string(),
        industry: sector.to_string(),
        land_ha: 0.0,
        building_m2: 0.0,
        power_kva: 0.0,
        labour: 0.0,
        budget_yuan: None,
        preferred_regions: Vec::new(),
        region_mode: RegionMode::Prefer,
        deadline: None,
        visibility: Visibility::Public,
        suppliers: Vec::new(),
    }
}

/// The engine's park for a need in `locality`: no resources, no price, one place, never
/// stale (the need's deadline is not a freshness date).
fn as_park(need: &NeedRow, locality: &str) -> ParkOffer {
    ParkOffer {
        id: need.id.to_string(),
        name: need.title.clone(),
        locality: locality.to_string(),
        land_ha: 0.0,
        building_m2: 0.0,
        power_kva: 0.0,
        labour: 0.0,
        land_price_yuan_m2: 0.0,
        incentives: 0.0,
        incentive_list: Vec::new(),
        services: Vec::new(),
        focus_industries: need.sectors.clone(),
        exclusions: Vec::new(),
        data_freshness: Date {
            year: 9999,
            month: 12,
            day: 31,
        },
        capacity: 1,
    }
}

/// The locality of a row if the engine knows it, else why not.
fn known_place(ctx: &MatchContext, locality: &Option<String>) -> Result<String, String> {
    match locality {
        Some(l) if ctx.place(l).is_some() => Ok(l.clone()),
        Some(l) => Err(format!(
            "locality {l} has no coordinates in the matching data"
        )),
        None => Err("no locality".into()),
    }
}

/// The keyword component: value and reason.
fn keyword_score(need: &NeedRow, cap: &CapRow) -> (f64, String) {
    if need.keywords.is_empty() {
        return (
            NO_KEYWORDS_VALUE,
            format!("the need gives no keywords (={NO_KEYWORDS_VALUE})"),
        );
    }
    let text = cap.text.to_lowercase();
    let theirs: Vec<String> = cap.keywords.iter().map(|k| k.to_lowercase()).collect();
    let (found, missing): (Vec<&String>, Vec<&String>) = need.keywords.iter().partition(|k| {
        let k = k.to_lowercase();
        theirs.contains(&k) || text.contains(&k)
    });
    let value = found.len() as f64 / need.keywords.len() as f64;
    let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let mut reason = format!(
        "{} of {} keywords found: {}",
        found.len(),
        need.keywords.len(),
        list(&found)
    );
    if !missing.is_empty() {
        reason.push_str(&format!("; not found: {}", list(&missing)));
    }
    (value, reason)
}

/// One component with its share of the total weight.
fn component(key: &str, value: f64, weight: f64, reason: String) -> ExplainedComponent {
    ExplainedComponent {
        component: key.to_string(),
        value,
        weight,
        contribution: value * weight,
        reason,
    }
}

/// Everything scored at once: the engine's problem over the capabilities (one demand per
/// capability sector; the demands of the `k`-th scored capability are `spans[k]`) and the
/// needs (one park each).
struct Scored<'a> {
    problem: Problem<'a>,
    spans: Vec<std::ops::Range<usize>>,
    places: Vec<String>,
}

impl Scored<'_> {
    /// For each scored capability and need (park): the capability's sector (demand) with the
    /// best engine score and that score, `None` when the engine finds every sector
    /// infeasible. One scratch, prepared once per demand (the engine's own pair loop).
    #[allow(clippy::type_complexity)]
    fn best_sectors(&self) -> Vec<Vec<Option<(usize, f64)>>> {
        let np = self.problem.n_parks();
        let mut best = vec![vec![None; np]; self.spans.len()];
        let mut sc = self.problem.scratch();
        for (k, span) in self.spans.iter().enumerate() {
            for d in span.clone() {
                self.problem.prepare(d, &mut sc);
                for (p, slot) in best[k].iter_mut().enumerate() {
                    let Some(v) = self.problem.fast_score(d, p, &sc) else {
                        continue;
                    };
                    if slot.is_none_or(|(_, b)| v > b) {
                        *slot = Some((d, v));
                    }
                }
            }
        }
        best
    }
}

/// The engine's share of the total (what the added components leave).
const ENGINE_SHARE: f64 = 1.0 - KEYWORD_WEIGHT - READINESS_WEIGHT;

/// The explained score of need `p` (park index) with a capability through its sector
/// (demand) `d`.
fn explain_pair(
    s: &Scored<'_>,
    need: &NeedRow,
    cap: &CapRow,
    d: usize,
    p: usize,
) -> Option<TechExplanation> {
    let e = s.problem.explain(d, p, None);
    let mut components: Vec<ExplainedComponent> = e
        .components
        .into_iter()
        .filter(|c| {
            matches!(
                c.component,
                Component::Industry | Component::Distance | Component::Pair
            )
        })
        .map(|c| {
            component(
                c.component.key(),
                c.value,
                c.weight * ENGINE_SHARE,
                c.reason,
            )
        })
        .collect();
    let (kv, kr) = keyword_score(need, cap);
    components.push(component("keywords", kv, KEYWORD_WEIGHT, kr));
    let t = cap.readiness as f64 / 9.0;
    let tr = format!("technology readiness level {} of 9", cap.readiness);
    components.push(component("readiness", t, READINESS_WEIGHT, tr));
    Some(TechExplanation {
        total: ENGINE_SHARE * e.total? + KEYWORD_WEIGHT * kv + READINESS_WEIGHT * t,
        sector: s.problem.demands[d].industry.clone(),
        from_locality: s.problem.demands[d].origin.clone(),
        to_locality: s.places[p].clone(),
        components,
    })
}

/// The engine's inputs for `needs` and `caps`; those whose place is unknown go to
/// `unscored` (as need or capability, per `unscored_side`) and are left out.
struct Inputs {
    demands: Vec<Demand>,
    spans: Vec<std::ops::Range<usize>>,
    parks: Vec<ParkOffer>,
    /// Indices into the needs and capabilities given, of those scored.
    need_at: Vec<usize>,
    cap_at: Vec<usize>,
    unscored_needs: Vec<Unscored>,
    unscored_caps: Vec<Unscored>,
}

fn inputs(ctx: &MatchContext, needs: &[NeedRow], caps: &[CapRow]) -> Inputs {
    let mut i = Inputs {
        demands: Vec::new(),
        spans: Vec::new(),
        parks: Vec::new(),
        need_at: Vec::new(),
        cap_at: Vec::new(),
        unscored_needs: Vec::new(),
        unscored_caps: Vec::new(),
    };
    for (k, cap) in caps.iter().enumerate() {
        match known_place(ctx, &cap.locality) {
            Ok(origin) => {
                i.cap_at.push(k);
                let start = i.demands.len();
                i.demands
                    .extend(cap.sectors.iter().map(|s| as_demand(cap, s, &origin)));
                i.spans.push(start..i.demands.len());
            }
            Err(reason) => i.unscored_caps.push(Unscored {
                id: cap.id,
                title: cap.title.clone(),
                reason: format!("institute: {reason}"),
            }),
        }
    }
    for (k, need) in needs.iter().enumerate() {
        match known_place(ctx, &need.locality) {
            Ok(place) => {
                i.need_at.push(k);
                i.parks.push(as_park(need, &place));
            }
            Err(reason) => i.unscored_needs.push(Unscored {
                id: need.id,
                title: need.title.clone(),
                reason: format!("enterprise: {reason}"),
            }),
        }
    }
    i
}

fn matching_error(e: tandem_matching::MatchError) -> PlatformError {
    PlatformError::invalid(
        "matching",
        "matching_input",
        e.to_string(),
        format!("匹配数据有误：{e}"),
    )
}

/// The best `k` (need, capability) pairs of `needs` × `caps` the engine can score, best
/// first (ties: lower need id, then lower capability id), as (need index, capability index,
/// explanation); with what could not be scored. Only the `k` kept are explained.
#[allow(clippy::type_complexity)]
fn score_all(
    needs: &[NeedRow],
    caps: &[CapRow],
    k: usize,
) -> Result<(Vec<(usize, usize, TechExplanation)>, Inputs), PlatformError> {
    let ctx = context()?;
    let mut inp = inputs(ctx, needs, caps);
    let demands = std::mem::take(&mut inp.demands);
    let parks = std::mem::take(&mut inp.parks);
    let problem = Problem::new(ctx, engine_weights(), &demands, &parks).map_err(matching_error)?;
    let scored = Scored {
        places: parks.iter().map(|p| p.locality.clone()).collect(),
        spans: std::mem::take(&mut inp.spans),
        problem,
    };
    // (need index, capability index, park, demand, total), the total computed as
    // `explain_pair` does from the engine's bit-identical fast score.
    let mut ranked: Vec<(usize, usize, usize, usize, f64)> = Vec::new();
    for (ck, row) in scored.best_sectors().into_iter().enumerate() {
        let cap = &caps[inp.cap_at[ck]];
        for (p, best) in row.into_iter().enumerate() {
            let Some((d, v)) = best else { continue };
            let need = &needs[inp.need_at[p]];
            let total = ENGINE_SHARE * v
                + KEYWORD_WEIGHT * keyword_score(need, cap).0
                + READINESS_WEIGHT * (cap.readiness as f64 / 9.0);
            ranked.push((inp.need_at[p], inp.cap_at[ck], p, d, total));
        }
    }
    ranked.sort_by(|a, b| {
        b.4.total_cmp(&a.4)
            .then(needs[a.0].id.cmp(&needs[b.0].id))
            .then(caps[a.1].id.cmp(&caps[b.1].id))
    });
    let out = ranked
        .into_iter()
        .take(k)
        .filter_map(|(n, c, p, d, _)| {
            explain_pair(&scored, &needs[n], &caps[c], d, p).map(|x| (n, c, x))
        })
        .collect();
    Ok((out, inp))
}

/// Record `id` of `e` if the user may read it (`NotFound` otherwise, as for a missing one).
fn read_checked(
    c: &mut dyn Conn,
    user: &User,
    e: &'static Entity,
    id: i64,
) -> Result<Record, PlatformError> {
    let not_found = || PlatformError::NotFound(format!("{} {id}", e.name));
    let rec = fetch(c, e, &Value::Int(id))?.ok_or_else(not_found)?;
    if !allowed(user, Action::Read, e.name, &scope_of(e, &rec.fields)) {
        return Err(not_found());
    }
    Ok(rec)
}

/// The stored matches of need `need` (or of capability `cap`) the user may read, by the
/// other side's id.
fn match_ids(
    c: &mut dyn Conn,
    user: &User,
    column: &str,
    id: i64,
) -> Result<Vec<StoredMatch>, PlatformError> {
    let (filter, mut params) =
        read_filter(user, TECH_MATCHES.name).unwrap_or(("1 = 1".into(), vec![]));
    params.push(Value::Int(id));
    let rows = c.query(
        &format!(
            "SELECT id, need_id, capability_id, status FROM tech_matches \
             WHERE ({filter}) AND {column} = ?"
        ),
        &params,
    )?;
    rows.iter()
        .map(|r| {
            Ok(StoredMatch {
                id: r.int("id")?,
                need_id: r.int("need_id")?,
                capability_id: r.int("capability_id")?,
                status: r.text("status")?.to_string(),
            })
        })
        .collect()
}

/// The capabilities that suit need `need_id` best, among those the user may read, best first,
/// at most `k`, each with the engine's explanation; with the capabilities that could not be
/// scored. Not stored: [`create_match`] stores one.
///
/// # Errors
/// `NotFound` if the user may not read the need; `Invalid` if stored data cannot be matched.
pub fn need_shortlist(
    db: &Db,
    user: &User,
    need_id: i64,
    k: usize,
) -> Result<Shortlist, PlatformError> {
    db.read(|c| {
        let subject = read_checked(c, user, &TECH_NEEDS, need_id)?;
        let need_rows = readable_rows(
            c,
            user,
            NEED_SQL,
            &TECH_NEEDS,
            "n",
            ("n.id = ?", vec![Value::Int(need_id)]),
        )?;
        let needs = need_rows
            .iter()
            .map(NeedRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let cap_rows = readable_rows(c, user, CAP_SQL, &TECH_CAPABILITIES, "c", ("1 = 1", vec![]))?;
        let caps = cap_rows
            .iter()
            .map(CapRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let (scored, inp) = score_all(&needs, &caps, k)?;
        let matched = match_ids(c, user, "need_id", need_id)?;
        let candidates = scored
            .into_iter()
            .enumerate()
            .map(|(r, (_, ci, x))| Candidate {
                need_id,
                capability_id: caps[ci].id,
                title: caps[ci].title.clone(),
                owner: caps[ci].institute.clone(),
                rank: r + 1,
                explanation: x,
                stored: matched
                    .iter()
                    .find(|m| m.capability_id == caps[ci].id)
                    .cloned(),
            })
            .collect();
        let mut unscored = inp.unscored_needs;
        unscored.extend(inp.unscored_caps);
        Ok(Shortlist {
            subject,
            candidates,
            unscored,
        })
    })
}

/// The open needs that capability `cap_id` suits best, among those the user may read, best
/// first, at most `k`, each with the engine's explanation. Not stored.
///
/// # Errors
/// `NotFound` if the user may not read the capability; `Invalid` if data cannot be matched.
pub fn capability_shortlist(
    db: &Db,
    user: &User,
    cap_id: i64,
    k: usize,
) -> Result<Shortlist, PlatformError> {
    db.read(|c| {
        let subject = read_checked(c, user, &TECH_CAPABILITIES, cap_id)?;
        let cap_rows = readable_rows(
            c,
            user,
            CAP_SQL,
            &TECH_CAPABILITIES,
            "c",
            ("c.id = ?", vec![Value::Int(cap_id)]),
        )?;
        let caps = cap_rows
            .iter()
            .map(CapRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let need_rows = readable_rows(
            c,
            user,
            NEED_SQL,
            &TECH_NEEDS,
            "n",
            ("n.status = 'open'", vec![]),
        )?;
        let needs = need_rows
            .iter()
            .map(NeedRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let (scored, inp) = score_all(&needs, &caps, k)?;
        let matched = match_ids(c, user, "capability_id", cap_id)?;
        let candidates = scored
            .into_iter()
            .enumerate()
            .map(|(r, (ni, _, x))| Candidate {
                need_id: needs[ni].id,
                capability_id: cap_id,
                title: needs[ni].title.clone(),
                owner: needs[ni].enterprise.clone(),
                rank: r + 1,
                explanation: x,
                stored: matched.iter().find(|m| m.need_id == needs[ni].id).cloned(),
            })
            .collect();
        let mut unscored = inp.unscored_caps;
        unscored.extend(inp.unscored_needs);
        Ok(Shortlist {
            subject,
            candidates,
            unscored,
        })
    })
}

/// Stores the match of need `need_id` with capability `cap_id` as `proposed`, with the score
/// and explanation the shortlist shows, copying the need's pair and enterprise and the
/// capability's institute (so the match is read by who may read the need), with its audit row.
/// Who may: whoever may update the need (its enterprise, its pair's officers, the staff).
///
/// # Errors
/// `NotFound` if the user may not read the need or the capability; `Forbidden` if they may
/// not update the need; `Invalid` if the need is not open, the two are already matched or the
/// pair cannot be scored (an unknown locality).
pub fn create_match(
    db: &Db,
    user: &User,
    need_id: i64,
    cap_id: i64,
) -> Result<Record, PlatformError> {
    db.write(|c| {
        let need = read_checked(c, user, &TECH_NEEDS, need_id)?;
        if !allowed(
            user,
            Action::Update,
            TECH_NEEDS.name,
            &scope_of(&TECH_NEEDS, &need.fields),
        ) {
            return Err(PlatformError::Forbidden(format!(
                "{} ({}) may not match technology need {need_id}",
                user.username,
                user.role.name()
            )));
        }
        if need.text("status") != Some("open") {
            return Err(PlatformError::invalid(
                "status",
                "not_open",
                format!("technology need {need_id} is not open"),
                format!("技术需求 {need_id} 不在征集中"),
            ));
        }
        let cap = read_checked(c, user, &TECH_CAPABILITIES, cap_id)?;
        let x = score_one(c, user, need_id, cap_id)?;
        insert_match(c, user, &need, &cap, &x)
    })
}

/// The explained score of one need with one capability (both already read-checked).
fn score_one(
    c: &mut dyn Conn,
    user: &User,
    need_id: i64,
    cap_id: i64,
) -> Result<TechExplanation, PlatformError> {
    let need_rows = readable_rows(
        c,
        user,
        NEED_SQL,
        &TECH_NEEDS,
        "n",
        ("n.id = ?", vec![Value::Int(need_id)]),
    )?;
    let needs = need_rows
        .iter()
        .map(NeedRow::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let cap_rows = readable_rows(
        c,
        user,
        CAP_SQL,
        &TECH_CAPABILITIES,
        "c",
        ("c.id = ?", vec![Value::Int(cap_id)]),
    )?;
    let caps = cap_rows
        .iter()
        .map(CapRow::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let (mut scored, inp) = score_all(&needs, &caps, 1)?;
    if let Some(u) = inp.unscored_needs.iter().chain(&inp.unscored_caps).next() {
        return Err(PlatformError::invalid(
            "locality",
            "unscored",
            format!("{} cannot be scored: {}", u.title, u.reason),
            format!("{} 无法评分：{}", u.title, u.reason),
        ));
    }
    scored.pop().map(|(_, _, x)| x).ok_or_else(|| {
        PlatformError::invalid(
            "matching",
            "infeasible",
            "the engine finds this pair infeasible".into(),
            "匹配引擎认为二者不可匹配".into(),
        )
    })
}

/// Inserts a proposed match with its audit row; a second match of the same two is refused.
fn insert_match(
    c: &mut dyn Conn,
    user: &User,
    need: &Record,
    cap: &Record,
    x: &TechExplanation,
) -> Result<Record, PlatformError> {
    let today = clock::today();
    let res = c.query_i64(
        "INSERT INTO tech_matches (need_id, capability_id, pair_id, enterprise_id, institute_id, \
         score, explanation, status, proposed_on, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?) RETURNING id",
        &[
            Value::Int(need.required_int("id")?),
            Value::Int(cap.required_int("id")?),
            need.text("pair_id").map(str::to_string).into(),
            need.int("enterprise_id")
                .map(Value::Int)
                .unwrap_or(Value::Null),
            cap.int("institute_id")
                .map(Value::Int)
                .unwrap_or(Value::Null),
            Value::Real(x.total),
            Value::Text(serde_json::to_string(x).unwrap_or_default()),
            today.into(),
            clock::now_timestamp().into(),
        ],
    );
    let id = match res {
        Err(e) if e.is_unique_violation() => {
            return Err(PlatformError::invalid(
                "capability_id",
                "taken",
                "this need is already matched with this capability".into(),
                "该需求已与该技术供给匹配".into(),
            ))
        }
        other => other?,
    };
    let rec = fetch(c, &TECH_MATCHES, &Value::Int(id))?
        .ok_or_else(|| DbError::Other("insert vanished".into()))?;
    audit(
        c,
        &user.actor(),
        TECH_MATCHES.name,
        &rec.id_text(),
        "create",
        None,
        Some(&rec.fields),
    )?;
    Ok(rec)
}

/// The stored explanation of a match.
pub fn explanation_of(rec: &Record) -> Option<TechExplanation> {
    rec.text("explanation")
        .and_then(|s| serde_json::from_str(s).ok())
}

/// Whether `user` may create matches for this need (and so sees the button): who may update it.
pub fn may_match(user: &User, need: &Record) -> bool {
    !matches!(user.role, Role::Researcher)
        && allowed(
            user,
            Action::Update,
            TECH_NEEDS.name,
            &scope_of(&TECH_NEEDS, &need.fields),
        )
}
