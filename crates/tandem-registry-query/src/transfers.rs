//! Transfer detection: industry moving from helper cities to helped cities, firm by firm.
//!
//! Three kinds of event, for each pair of the programme:
//!
//! - `relocation`: an address change from the helper city to the helped city (the firm is
//!   `firm_id`, and also `helper_firm_id`);
//! - `subsidiary`: a firm founded in the helped city with a shareholder registered in the
//!   helper city, the link registered within [`SUBSIDIARY_WINDOW_DAYS`] days of the founding
//!   (`firm_id` is the new firm, `helper_firm_id` the shareholder, with its `share` and
//!   `amount_yuan`; `share > 0.5` is a majority-owned subsidiary in the strict sense);
//! - `branch`: a branch opened in the helped city by a firm registered in the helper city on
//!   that day (`firm_id` = `helper_firm_id` = the parent, `branch_id` the branch).
//!
//! The industry of an event is that of `firm_id`. [`transfer_events`] lists the events,
//! [`transfer_counts`] counts them by pair, kind, year and industry division, and
//! [`helper_origin`] gives the platform's figure "enterprises of helper origin in the helped
//! city" at a year's end.

use std::ops::RangeInclusive;

use crate::sql::{self, CityBasis, PairSide};
use crate::{PairCities, QueryError, RecordBatch, Registry};

/// Days after a firm's founding within which a helper-city shareholder makes it a new
/// subsidiary (a later investment is a capital injection, counted by the flows).
pub const SUBSIDIARY_WINDOW_DAYS: u32 = 90;

/// The common table expressions ending with `events`.
fn events_ctes(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    sql::years(years)?;
    Ok(format!(
        "WITH {spells},
{located},
{pairs},
relocations AS (
  SELECT p.pair_id, 'relocation' AS kind, a.date, a.firm_id, a.firm_id AS helper_firm_id,
         CAST(NULL AS BIGINT) AS branch_id, CAST(NULL AS DOUBLE) AS share,
         CAST(NULL AS BIGINT) AS amount_yuan
  FROM address_changes a
  JOIN pairs p ON a.from_city_id = p.helper_city AND a.to_city_id = p.helped_city
),
subsidiaries AS (
  SELECT p.pair_id, 'subsidiary' AS kind, l.date, l.investee_firm_id AS firm_id,
         l.investor_firm_id AS helper_firm_id, CAST(NULL AS BIGINT) AS branch_id,
         l.share, l.amount_yuan
  FROM located_links l
  JOIN pairs p ON l.origin_city_id = p.helper_city AND l.destination_city_id = p.helped_city
  JOIN firms f ON f.firm_id = l.investee_firm_id
  WHERE l.date <= f.founded + INTERVAL '{window} days'
    AND l.origin_city_id IN ({helpers}) AND l.destination_city_id IN ({helped})
),
branches AS (
  SELECT p.pair_id, 'branch' AS kind, e.founded AS date, e.firm_id, e.firm_id AS helper_firm_id,
         e.branch_id, CAST(NULL AS DOUBLE) AS share, CAST(NULL AS BIGINT) AS amount_yuan
  FROM establishments e
  JOIN pairs p ON e.city_id = p.helped_city
  JOIN spells s ON s.firm_id = e.firm_id AND s.city_id = p.helper_city AND {covers_branch}
  WHERE s.city_id IN ({helpers}) AND e.city_id IN ({helped})
),
all_events AS (
  SELECT * FROM relocations UNION ALL SELECT * FROM subsidiaries UNION ALL SELECT * FROM branches
),
events AS (
  SELECT e.pair_id, e.kind, {year} AS year, e.date, f.industry, f.industry_division,
         e.firm_id, e.helper_firm_id, e.branch_id, e.share, e.amount_yuan
  FROM all_events e JOIN firms f ON f.firm_id = e.firm_id
  WHERE {year} BETWEEN {from} AND {to}
)",
        spells = sql::spells(basis),
        located = sql::located_links(),
        pairs = sql::pairs(pairs)?,
        window = SUBSIDIARY_WINDOW_DAYS,
        covers_branch = sql::covers("s", "e.founded"),
        helpers = sql::pair_cities(pairs, PairSide::Helper)?,
        helped = sql::pair_cities(pairs, PairSide::Helped)?,
        year = sql::year("e.date"),
        from = years.start(),
        to = years.end(),
    ))
}

/// The statement of [`transfer_events`]. Columns: `pair_id`, `kind`, `year`, `date`,
/// `industry`, `industry_division`, `firm_id`, `helper_firm_id`, `branch_id`, `share`,
/// `amount_yuan`; ordered by pair, kind, date, firm, helper firm, branch, share, amount.
///
/// # Errors
/// A bad year range or no pairs.
pub fn transfer_events_sql(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    Ok(format!(
        "{}
SELECT * FROM events
ORDER BY pair_id, kind, date, firm_id, helper_firm_id, branch_id, share, amount_yuan",
        events_ctes(pairs, years, basis)?
    ))
}

/// Every transfer event, with the firms.
///
/// # Errors
/// A bad year range, no pairs, or the query failed.
pub async fn transfer_events(
    registry: &Registry,
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry
        .run(&transfer_events_sql(pairs, years, basis)?)
        .await
}

/// The statement of [`transfer_counts`]. Columns: `pair_id`, `kind`, `year`,
/// `industry_division`, `events`, `firms` (distinct `firm_id`), `majority` (subsidiaries with
/// `share > 0.5`; 0 for the other kinds), `amount_yuan` (subsidiaries' known amounts); ordered
/// by pair, kind, year, division.
///
/// # Errors
/// A bad year range or no pairs.
pub fn transfer_counts_sql(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    Ok(format!(
        "{}
SELECT pair_id, kind, year, industry_division, COUNT(*) AS events,
       COUNT(DISTINCT firm_id) AS firms,
       SUM(CASE WHEN share > 0.5 THEN 1 ELSE 0 END) AS majority,
       SUM(amount_yuan) AS amount_yuan
FROM events
GROUP BY pair_id, kind, year, industry_division
ORDER BY pair_id, kind, year, industry_division",
        events_ctes(pairs, years, basis)?
    ))
}

/// Transfer events counted by pair, kind, year and industry division.
///
/// # Errors
/// A bad year range, no pairs, or the query failed.
pub async fn transfer_counts(
    registry: &Registry,
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry
        .run(&transfer_counts_sql(pairs, years, basis)?)
        .await
}

/// The statement of [`helper_origin`]. Columns: `pair_id`, `helper_scope`, `as_of_year`,
/// `helped_open_firms` (firms registered in the helped city and open on 31 December),
/// `relocated_from_helper` (of them, founded in the helper city or moved out of it on or before
/// that day), `with_helper_shareholder` (of them, with a shareholder registered in the helper
/// city at the link's date, on or before that day), `helper_origin_firms` (either),
/// `helper_origin_share` (= helper_origin_firms / helped_open_firms), `helper_branches_open`
/// (branches open in the helped city whose parent was in the helper city when it opened them).
///
/// # Errors
/// A year outside 1900-2100 or no pairs.
pub fn helper_origin_sql(
    pairs: &[PairCities],
    as_of: i32,
    basis: CityBasis,
) -> Result<String, QueryError> {
    sql::years(&(as_of..=as_of))?;
    let end = sql::year_end(as_of);
    Ok(format!(
        "WITH {spells},
{pairs},
open_firms AS (
  SELECT s.firm_id, s.city_id, f.city_id AS founding_city_id
  FROM spells s JOIN firms f ON f.firm_id = s.firm_id
  WHERE f.founded <= {end} AND (f.closed IS NULL OR f.closed > {end}) AND {covers_end}
    AND s.city_id IN ({helped})
),
helped_open AS (
  SELECT p.pair_id, p.helper_city, o.firm_id, o.founding_city_id
  FROM open_firms o JOIN pairs p ON o.city_id = p.helped_city
),
moved_out AS (
  SELECT DISTINCT p.pair_id, a.firm_id
  FROM address_changes a JOIN pairs p ON a.from_city_id = p.helper_city
  WHERE a.date <= {end}
),
invested AS (
  SELECT DISTINCT p.pair_id, l.investee_firm_id AS firm_id
  FROM links l
  JOIN spells s ON s.firm_id = l.investor_firm_id AND {covers_link}
  JOIN pairs p ON s.city_id = p.helper_city
  WHERE l.date <= {end} AND s.city_id IN ({helpers})
),
flag_facts AS (
  SELECT pair_id, firm_id, 1 AS open_in_helped,
         CASE WHEN founding_city_id = helper_city THEN 1 ELSE 0 END AS relocated, 0 AS invested
  FROM helped_open
  UNION ALL
  SELECT pair_id, firm_id, 0 AS open_in_helped, 1 AS relocated, 0 AS invested FROM moved_out
  UNION ALL
  SELECT pair_id, firm_id, 0 AS open_in_helped, 0 AS relocated, 1 AS invested FROM invested
),
flagged AS (
  SELECT pair_id, firm_id, MAX(relocated) AS relocated, MAX(invested) AS invested
  FROM flag_facts GROUP BY pair_id, firm_id
  HAVING MAX(open_in_helped) = 1
),
branches_open AS (
  SELECT p.pair_id, e.branch_id
  FROM establishments e
  JOIN pairs p ON e.city_id = p.helped_city
  JOIN spells s ON s.firm_id = e.firm_id AND s.city_id = p.helper_city AND {covers_branch}
  WHERE e.founded <= {end} AND (e.closed IS NULL OR e.closed > {end})
    AND s.city_id IN ({helpers}) AND e.city_id IN ({helped})
),
pair_facts AS (
  SELECT pair_id, 0 AS firms, 0 AS relocated, 0 AS invested, 0 AS either, 0 AS branches FROM pairs
  UNION ALL
  SELECT pair_id, 1 AS firms, relocated, invested,
         CASE WHEN relocated + invested > 0 THEN 1 ELSE 0 END AS either, 0 AS branches
  FROM flagged
  UNION ALL
  SELECT pair_id, 0 AS firms, 0 AS relocated, 0 AS invested, 0 AS either, 1 AS branches
  FROM branches_open
),
per_pair AS (
  SELECT pair_id, CAST(SUM(firms) AS BIGINT) AS helped_open_firms,
         CAST(SUM(relocated) AS BIGINT) AS relocated_from_helper,
         CAST(SUM(invested) AS BIGINT) AS with_helper_shareholder,
         CAST(SUM(either) AS BIGINT) AS helper_origin_firms,
         CAST(SUM(branches) AS BIGINT) AS helper_branches_open
  FROM pair_facts GROUP BY pair_id
)
SELECT p.pair_id, p.helper_scope, CAST({as_of} AS BIGINT) AS as_of_year,
       c.helped_open_firms, c.relocated_from_helper, c.with_helper_shareholder,
       c.helper_origin_firms,
       CAST(c.helper_origin_firms AS DOUBLE) / CAST(NULLIF(c.helped_open_firms, 0) AS DOUBLE)
         AS helper_origin_share,
       c.helper_branches_open
FROM pairs p JOIN per_pair c ON c.pair_id = p.pair_id
ORDER BY pair_id",
        spells = sql::spells(basis),
        pairs = sql::pairs(pairs)?,
        covers_end = sql::covers("s", &end),
        covers_link = sql::covers("s", "l.date"),
        covers_branch = sql::covers("s", "e.founded"),
        helpers = sql::pair_cities(pairs, PairSide::Helper)?,
        helped = sql::pair_cities(pairs, PairSide::Helped)?,
    ))
}

/// The platform's figure per pair: firms of helper origin in the helped city at the end of
/// `as_of`.
///
/// # Errors
/// A bad year, no pairs, or the query failed.
pub async fn helper_origin(
    registry: &Registry,
    pairs: &[PairCities],
    as_of: i32,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry.run(&helper_origin_sql(pairs, as_of, basis)?).await
}
