//! Investment between cities: shareholder links whose investor and investee are registered in
//! different cities on the link's date.
//!
//! - [`flows`]: per year and (origin, destination) city, the number of links, how many of
//!   them state an amount, and the subscribed capital (`amount_yuan`, the sum of the known
//!   amounts: unknown amounts are not zero, compare `links_with_amount` with `links`);
//! - [`pair_flows`]: the same per pair of the programme and direction (helper -> helped and
//!   back), every year of the range, with two shares of the destination's new capital:
//!   `share_of_inbound_firm_capital` = helper -> helped amount / amount of all links into
//!   firms of the helped city that year (local shareholders included), and
//!   `share_of_new_registered_capital` = helper -> helped amount / registered capital of the
//!   firms founded in the helped city that year; each null when its denominator is zero or
//!   unknown;
//! - [`helper_share`]: those shares before and after each pair's start year (sums of numerators
//!   over sums of denominators across the years of each period, not means of yearly ratios).
//!
//! Amounts are sums of integers (yuan), so every engine gives the same numbers to the yuan.

use std::ops::RangeInclusive;

use crate::sql::{self, CityBasis, PairSide};
use crate::{PairCities, QueryError, RecordBatch, Registry, Tuning};

/// The statement of [`flows`]. Columns: `year`, `origin_city_id`, `destination_city_id`,
/// `links`, `links_with_amount`, `amount_yuan`; ordered by year, origin, destination.
///
/// # Errors
/// A bad year range.
pub fn flows_sql(years: &RangeInclusive<i32>, basis: CityBasis) -> Result<String, QueryError> {
    sql::years(years)?;
    Ok(format!(
        "WITH {spells},
{located}
SELECT year, origin_city_id, destination_city_id, COUNT(*) AS links,
       COUNT(amount_yuan) AS links_with_amount, SUM(amount_yuan) AS amount_yuan
FROM located_links
WHERE origin_city_id <> destination_city_id AND year BETWEEN {from} AND {to}
GROUP BY year, origin_city_id, destination_city_id
ORDER BY year, origin_city_id, destination_city_id",
        spells = sql::spells(basis),
        located = sql::located_links(),
        from = years.start(),
        to = years.end(),
    ))
}

/// How [`flows_sql`] runs best: it reads every firm's stays to probe them into the links' hash
/// table, and most firms have no link, so the joins' filters applied while the firms are
/// decoded skip most of them (20 % faster at 20 M firms; [`Tuning`]).
pub const FLOWS_TUNING: Tuning = Tuning {
    row_filters_in_scans: true,
};

/// Inter-city investment flows per year.
///
/// # Errors
/// A bad year range, or the query failed.
pub async fn flows(
    registry: &Registry,
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry
        .run_tuned(&flows_sql(years, basis)?, FLOWS_TUNING)
        .await
}

/// The common table expressions of the pair queries, ending with `pair_years`: one row per
/// pair, direction and year with the flow and its two denominators. The facts are gathered by
/// inner joins into one UNION ALL and summed, instead of left joins onto the grid of pairs and
/// years: Ballista 55 gets a left join wrong when it collects the preserved side into every
/// task (see `sql::spells`). A denominator stays null when no fact gives it. The flows into a
/// pair's destination give both the pair's own flow (those from its origin) and the
/// destination's inbound total in one join, because each reference to `city_flows` would
/// evaluate the located links again. Both are restricted to the pairs' cities by literals
/// (`sql::pair_cities`), so that only those cities' stays enter the joins.
fn pair_years_ctes(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    Ok(format!(
        "WITH {spells},
{located},
{pairs},
{years},
directions AS (
  SELECT pair_id, 'helper->helped' AS direction, helper_city AS origin_city_id,
         helped_city AS destination_city_id, start_year, helper_scope FROM pairs
  UNION ALL
  SELECT pair_id, 'helped->helper', helped_city, helper_city, start_year, helper_scope FROM pairs
),
city_flows AS (
  SELECT year, origin_city_id, destination_city_id, COUNT(*) AS links,
         COUNT(amount_yuan) AS links_with_amount, SUM(amount_yuan) AS amount_yuan
  FROM located_links WHERE destination_city_id IN ({destinations})
  GROUP BY year, origin_city_id, destination_city_id
),
founded AS (
  SELECT city_id, {founded_year} AS year, SUM(registered_capital_yuan) AS capital_yuan
  FROM firms WHERE city_id IN ({destinations}) GROUP BY city_id, {founded_year}
),
pair_facts AS (
  SELECT d.pair_id, d.direction, d.origin_city_id, d.destination_city_id, d.helper_scope,
         d.start_year, y.year, CAST(0 AS BIGINT) AS links, CAST(0 AS BIGINT) AS links_with_amount,
         CAST(0 AS BIGINT) AS amount_yuan, CAST(NULL AS BIGINT) AS inbound_yuan,
         CAST(NULL AS BIGINT) AS new_capital_yuan
  FROM directions d CROSS JOIN years y
  UNION ALL
  SELECT d.pair_id, d.direction, d.origin_city_id, d.destination_city_id, d.helper_scope,
         d.start_year, f.year,
         CASE WHEN f.origin_city_id = d.origin_city_id THEN f.links ELSE 0 END AS links,
         CASE WHEN f.origin_city_id = d.origin_city_id THEN f.links_with_amount ELSE 0 END
           AS links_with_amount,
         CASE WHEN f.origin_city_id = d.origin_city_id THEN f.amount_yuan ELSE 0 END
           AS amount_yuan,
         f.amount_yuan AS inbound_yuan, CAST(NULL AS BIGINT) AS new_capital_yuan
  FROM directions d JOIN city_flows f ON f.destination_city_id = d.destination_city_id
  UNION ALL
  SELECT d.pair_id, d.direction, d.origin_city_id, d.destination_city_id, d.helper_scope,
         d.start_year, n.year, CAST(0 AS BIGINT) AS links, CAST(0 AS BIGINT) AS links_with_amount,
         CAST(0 AS BIGINT) AS amount_yuan, CAST(NULL AS BIGINT) AS inbound_yuan,
         n.capital_yuan AS new_capital_yuan
  FROM directions d JOIN founded n ON n.city_id = d.destination_city_id
),
pair_years AS (
  SELECT pair_id, direction, origin_city_id, destination_city_id, helper_scope, year,
         CASE WHEN year < start_year THEN 'before' ELSE 'after' END AS period,
         SUM(links) AS links, SUM(links_with_amount) AS links_with_amount,
         SUM(amount_yuan) AS amount_yuan, SUM(inbound_yuan) AS destination_inbound_yuan,
         SUM(new_capital_yuan) AS destination_new_registered_capital_yuan
  FROM pair_facts
  WHERE year BETWEEN {from} AND {to}
  GROUP BY pair_id, direction, origin_city_id, destination_city_id, helper_scope, start_year, year
)",
        spells = sql::spells(basis),
        located = sql::located_links(),
        pairs = sql::pairs(pairs)?,
        years = sql::years(years)?,
        founded_year = sql::year("founded"),
        destinations = sql::pair_cities(pairs, PairSide::Either)?,
        from = years.start(),
        to = years.end(),
    ))
}

/// `numerator / denominator` as DOUBLE, null when the denominator is null or zero.
fn share(numerator: &str, denominator: &str) -> String {
    format!("CAST({numerator} AS DOUBLE) / CAST(NULLIF({denominator}, 0) AS DOUBLE)")
}

/// The statement of [`pair_flows`]. Columns: `pair_id`, `direction`, `origin_city_id`,
/// `destination_city_id`, `helper_scope`, `year`, `period` (`before` the pair's start year or
/// `after`), `links`, `links_with_amount`, `amount_yuan`, `destination_inbound_yuan`,
/// `share_of_inbound_firm_capital`, `destination_new_registered_capital_yuan`,
/// `share_of_new_registered_capital`; ordered by pair, direction, year.
///
/// # Errors
/// A bad year range or no pairs.
pub fn pair_flows_sql(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    Ok(format!(
        "{ctes}
SELECT pair_id, direction, origin_city_id, destination_city_id, helper_scope, year, period,
       links, links_with_amount, amount_yuan, destination_inbound_yuan,
       {inbound_share} AS share_of_inbound_firm_capital,
       destination_new_registered_capital_yuan,
       {new_share} AS share_of_new_registered_capital
FROM pair_years
ORDER BY pair_id, direction, year",
        ctes = pair_years_ctes(pairs, years, basis)?,
        inbound_share = share("amount_yuan", "destination_inbound_yuan"),
        new_share = share("amount_yuan", "destination_new_registered_capital_yuan"),
    ))
}

/// Investment flows per pair, direction and year.
///
/// # Errors
/// A bad year range, no pairs, or the query failed.
pub async fn pair_flows(
    registry: &Registry,
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry.run(&pair_flows_sql(pairs, years, basis)?).await
}

/// The statement of [`helper_share`]. Columns: `pair_id`, `direction`, `helper_scope`,
/// `period`, `first_year`, `last_year`, `links`, `amount_yuan`, `destination_inbound_yuan`,
/// `share_of_inbound_firm_capital`, `destination_new_registered_capital_yuan`,
/// `share_of_new_registered_capital`, `links_per_year`; ordered by pair, direction, period
/// (`before` first).
///
/// # Errors
/// A bad year range or no pairs.
pub fn helper_share_sql(
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<String, QueryError> {
    Ok(format!(
        "{ctes}
SELECT pair_id, direction, helper_scope, period, MIN(year) AS first_year, MAX(year) AS last_year,
       SUM(links) AS links, SUM(amount_yuan) AS amount_yuan,
       SUM(destination_inbound_yuan) AS destination_inbound_yuan,
       {inbound_share} AS share_of_inbound_firm_capital,
       SUM(destination_new_registered_capital_yuan) AS destination_new_registered_capital_yuan,
       {new_share} AS share_of_new_registered_capital,
       CAST(SUM(links) AS DOUBLE) / CAST(COUNT(*) AS DOUBLE) AS links_per_year
FROM pair_years
GROUP BY pair_id, direction, helper_scope, period
ORDER BY pair_id, direction, CASE WHEN period = 'before' THEN 0 ELSE 1 END",
        ctes = pair_years_ctes(pairs, years, basis)?,
        inbound_share = share("SUM(amount_yuan)", "SUM(destination_inbound_yuan)"),
        new_share = share(
            "SUM(amount_yuan)",
            "SUM(destination_new_registered_capital_yuan)"
        ),
    ))
}

/// The share of each helped city's new capital that comes from its helper (and back), before
/// and after the pair's start year.
///
/// # Errors
/// A bad year range, no pairs, or the query failed.
pub async fn helper_share(
    registry: &Registry,
    pairs: &[PairCities],
    years: &RangeInclusive<i32>,
    basis: CityBasis,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry.run(&helper_share_sql(pairs, years, basis)?).await
}
