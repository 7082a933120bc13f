//! City x industry x year panels from the registry: the stock of firms at each year's end,
//! births, deaths and registered capital.
//!
//! Definitions (year `t`, city `c`, industry `k`):
//!
//! - `firms`: firms of industry `k` registered in `c` on 31 December of `t` and open then
//!   (`founded <= 31 Dec t` and `closed` null or later); "registered in `c`" follows
//!   [`CityBasis`];
//! - `births`: firms founded in `t` in `c` (the founding city);
//! - `deaths`: firms closed in `t` while registered in `c`;
//! - `capital_yuan`: registered capital of the `firms` whose capital is known, and
//!   `capital_firms` how many those are (null capital is unknown, not zero; `capital_yuan` is
//!   null when no firm's capital is known); `births_capital_yuan` likewise for births.
//!
//! The stock is computed without expanding firms into years: each stay of a firm in a city
//! adds +1 at the year-end it is first counted and -1 at the first year-end it is not (at the
//! year after the panel when it is still there), and a running sum gives the stock, so the
//! work is linear in firms (a firm-year expansion would be 20x the rows). Because every stay's
//! +1 and -1 fall in the same city and industry, each (city, industry)'s changes add up to
//! zero, so one running sum over all rows in (city, industry, year) order restarts at zero at
//! every new (city, industry): no per-group window, which DataFusion evaluates group by group.
//! Each stay is read once and gives two rows, its +1 with its birth and its -1 with its death
//! (`unnest`), because DataFusion evaluates a common table expression once per reference.
//! Rows where `firms`, `births` and `deaths` are all zero are left out: a registry is a
//! census, so an absent (city, industry, year) is a true zero. Identity checked by the tests:
//! `firms(t) = firms(t-1) + births(t) - deaths(t) + moves in - moves out`.

use std::ops::RangeInclusive;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;

use crate::sql::{self, CityBasis, IndustryLevel};
use crate::{QueryError, RecordBatch, Registry};

/// The options of a panel.
#[derive(Clone, Debug)]
pub struct PanelOptions {
    /// Industry detail.
    pub level: IndustryLevel,
    /// Years of the panel.
    pub years: RangeInclusive<i32>,
    /// Which city a firm belongs to.
    pub basis: CityBasis,
}

impl Default for PanelOptions {
    fn default() -> Self {
        PanelOptions {
            level: IndustryLevel::Division,
            years: 2000..=2023,
            basis: CityBasis::AtDate,
        }
    }
}

/// The panel's statement. Columns: `city_id`, `industry`, `year`, `firms`, `births`,
/// `deaths`, `capital_yuan`, `capital_firms`, `births_capital_yuan`; ordered by city,
/// industry, year.
///
/// # Errors
/// A bad year range.
pub fn panel_sql(opts: &PanelOptions) -> Result<String, QueryError> {
    Ok(format!(
        "{facts},
cells AS (
  SELECT city_id, industry, year, SUM(d_firms) AS d_firms,
         COALESCE(SUM(d_capital), 0) AS d_capital, SUM(d_capital_firms) AS d_capital_firms,
         SUM(births) AS births, SUM(births_capital_yuan) AS births_capital_yuan,
         SUM(deaths) AS deaths
  FROM facts GROUP BY city_id, industry, year
),
stock AS (
  SELECT city_id, industry, year, births, births_capital_yuan, deaths,
         SUM(d_firms) OVER running AS firms,
         SUM(d_capital) OVER running AS capital,
         SUM(d_capital_firms) OVER running AS capital_firms
  FROM cells
  WINDOW running AS (ORDER BY city_id, industry, year
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT city_id, industry, year, firms, births, deaths,
       CASE WHEN capital_firms = 0 THEN NULL ELSE capital END AS capital_yuan,
       capital_firms, births_capital_yuan
FROM stock
WHERE year <= {to} AND (firms > 0 OR births > 0 OR deaths > 0)
ORDER BY city_id, industry, year",
        facts = facts_ctes(opts)?,
        to = opts.years.end(),
    ))
}

/// The common table expressions up to `facts`: one row per change of the stock (+1 and -1 of
/// each counted stay, with its capital, its birth and its death), and a zero row for every
/// (city, industry) that could have firms in every year, so that the running sum has a row
/// for each year.
///
/// Each stay gives two rows (`unnest`, one read of the stays): sign 1 is its +1 and the
/// firm's birth, sign -1 its -1 and its death.
/// - The +1 and the birth share a row because a firm's founding stay (the one without a
///   `since`) is in its founding city from its founding year, so when the birth is in the
///   panel's years the +1 (if the stay is counted at all) falls in the same year. Births used
///   to be a third branch reading the firms again: a third of the rows of the aggregate that
///   dominates the query (at 20 M firms, 17 M of 54 M rows, and a fifth of its time).
/// - The -1 and the death share a row because a firm that closed during a stay left it that
///   year: `exit_year` is then the closing year, so when the death is in the panel's years
///   the -1 (if the stay was counted at all) falls in the same year.
///
/// A stay that began and ended within one year, or before the first year, is not counted but
/// its birth and death still are. The changes are products with the sign and casts of
/// conditions rather than CASE expressions, which DataFusion evaluates branch by branch on
/// every one of these rows (tens of millions at 20 M firms); a capital that counts only under
/// a condition is multiplied by `NULLIF(condition, 0)`, null otherwise, so that a sum of
/// capitals stays null when no known capital enters it.
fn facts_ctes(opts: &PanelOptions) -> Result<String, QueryError> {
    let ind = opts.level.column();
    Ok(format!(
        "{stays},
keys AS (
  SELECT city_id, {ind} AS industry FROM firms
  UNION
  SELECT a.to_city_id AS city_id, f.{ind} AS industry
  FROM address_changes a JOIN firms f ON f.firm_id = a.firm_id
),
facts AS (
  SELECT k.city_id, k.industry, y.year, CAST(0 AS BIGINT) AS d_firms,
         CAST(NULL AS BIGINT) AS d_capital, CAST(0 AS BIGINT) AS d_capital_firms,
         CAST(0 AS BIGINT) AS births, CAST(NULL AS BIGINT) AS births_capital_yuan,
         CAST(0 AS BIGINT) AS deaths
  FROM keys k CROSS JOIN years y
  UNION ALL
  SELECT city_id, industry,
         CASE WHEN sign = 1 THEN first_year ELSE end_year END AS year,
         CAST(in_stock AS BIGINT) * sign AS d_firms,
         capital * sign * NULLIF(CAST(in_stock AS BIGINT), 0) AS d_capital,
         CAST(in_stock AND capital IS NOT NULL AS BIGINT) * sign AS d_capital_firms,
         CAST(sign = 1 AND born AS BIGINT) AS births,
         capital * NULLIF(CAST(sign = 1 AND born AS BIGINT), 0) AS births_capital_yuan,
         CAST(sign = -1 AND died AS BIGINT) AS deaths
  FROM (
    SELECT counted.*, end_year > first_year AS in_stock,
           COALESCE(death_year BETWEEN {from} AND {to}, FALSE) AS died,
           unnest([CAST(1 AS BIGINT), CAST(-1 AS BIGINT)]) AS sign
    FROM counted
  ) AS e
  WHERE in_stock OR (sign = 1 AND born) OR (sign = -1 AND died)
)",
        stays = stays_ctes(opts)?,
        from = opts.years.start(),
        to = opts.years.end(),
    ))
}

/// `firm_stays`, `years`, and `counted`: each stay that begins by the panel's last year, with
/// its first counted year (`first_year`, not before the panel's first), the year-end from
/// which it is no longer counted (`end_year`: its exit, or the year after the panel), the
/// year of the firm's closing when the firm closed during this stay (`death_year`, else
/// null), and whether it is the founding stay of a firm founded in the panel's years
/// (`born`; its `first_year` is then the founding year).
///
/// A -1 falls in `end_year` whether or not the stay was counted: when a firm dies during a
/// stay, its exit is the closing year, so `end_year` is the death year.
fn stays_ctes(opts: &PanelOptions) -> Result<String, QueryError> {
    let (from, to) = (*opts.years.start(), *opts.years.end());
    let ind = opts.level.column();
    Ok(format!(
        "WITH {firm_stays},
{years},
stays AS (
  SELECT s.city_id, s.{ind} AS industry, s.registered_capital_yuan AS capital,
         {entry} AS entry_year,
         CASE WHEN s.until IS NULL AND s.closed IS NULL THEN NULL
              WHEN s.until IS NULL THEN {closed_year}
              WHEN s.closed IS NULL THEN {until_year}
              WHEN s.closed < s.until THEN {closed_year}
              ELSE {until_year} END AS exit_year,
         CASE WHEN s.closed IS NOT NULL AND {covers_closed} THEN {closed_year} END AS death_year,
         s.since IS NULL AS founding_stay
  FROM firm_stays s
),
counted AS (
  SELECT city_id, industry, capital, death_year, founding_stay AND entry_year >= {from} AS born,
         CASE WHEN entry_year < {from} THEN CAST({from} AS BIGINT) ELSE entry_year END AS first_year,
         CASE WHEN exit_year IS NULL OR exit_year > {to} THEN CAST({after} AS BIGINT)
              ELSE exit_year END AS end_year
  FROM stays
  WHERE entry_year <= {to}
)",
        firm_stays = sql::firm_stays(
            opts.basis,
            &[ind, "registered_capital_yuan", "founded", "closed"]
        ),
        years = sql::years(&opts.years)?,
        entry = sql::year("COALESCE(s.since, s.founded)"),
        closed_year = sql::year("s.closed"),
        until_year = sql::year("s.until"),
        covers_closed = sql::covers("s", "s.closed"),
        after = to + 1,
    ))
}

/// Runs the panel on `registry`.
///
/// # Errors
/// A bad year range, or the query failed.
pub async fn panel(
    registry: &Registry,
    opts: &PanelOptions,
) -> Result<Vec<RecordBatch>, QueryError> {
    registry.run(&panel_sql(opts)?).await
}

/// One year of a panel as the indicator library's input: the cities (rows), the industries
/// (columns) and the firm counts, row-major, zero where a city has no firm of an industry.
#[derive(Clone, Debug, PartialEq)]
pub struct CountsMatrix {
    /// The year.
    pub year: i32,
    /// City ids, sorted.
    pub cities: Vec<String>,
    /// Industry codes, sorted.
    pub industries: Vec<String>,
    /// `cities.len() x industries.len()` firm counts, row-major.
    pub counts: Vec<f64>,
}

/// Picks `year` out of a panel's batches and lays the firm counts out as a city x industry
/// matrix, for `tandem_core::metrics` (location quotients, complexity, relatedness).
///
/// # Errors
/// Batches that are not a panel's.
pub fn counts_matrix(batches: &[RecordBatch], year: i32) -> Result<CountsMatrix, QueryError> {
    let mut cells: Vec<(String, String, f64)> = Vec::new();
    for b in batches {
        let col = |name: &str| {
            b.column_by_name(name)
                .ok_or_else(|| QueryError::Invalid(format!("not a panel: no column `{name}`")))
        };
        let city = string_values(col("city_id")?.as_ref());
        let industry = string_values(col("industry")?.as_ref());
        let int = |name: &str| {
            col(name)?
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| QueryError::Invalid(format!("not a panel: `{name}` is not BIGINT")))
        };
        let (years, firms) = (int("year")?, int("firms")?);
        for i in 0..b.num_rows() {
            if years.value(i) == i64::from(year) && firms.value(i) > 0 {
                cells.push((city[i].clone(), industry[i].clone(), firms.value(i) as f64));
            }
        }
    }
    let mut cities: Vec<String> = cells.iter().map(|c| c.0.clone()).collect();
    let mut industries: Vec<String> = cells.iter().map(|c| c.1.clone()).collect();
    for v in [&mut cities, &mut industries] {
        v.sort();
        v.dedup();
    }
    let mut counts = vec![0.0; cities.len() * industries.len()];
    for (c, k, n) in cells {
        let r = cities.binary_search(&c).expect("collected above");
        let j = industries.binary_search(&k).expect("collected above");
        counts[r * industries.len() + j] = n;
    }
    Ok(CountsMatrix {
        year,
        cities,
        industries,
        counts,
    })
}

/// The values of a string column (Utf8, LargeUtf8 or Utf8View), null as "".
pub(crate) fn string_values(array: &dyn Array) -> Vec<String> {
    let cast =
        datafusion::arrow::compute::cast(array, &datafusion::arrow::datatypes::DataType::Utf8)
            .expect("string columns cast to Utf8");
    cast.as_string::<i32>()
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect()
}

/// One measure of a panel as sector-panel rows `(region, industry, year, value)` (the input of
/// `tandem advise --panel`); rows whose value is null are left out.
///
/// # Errors
/// Batches that are not a panel's, or an unknown measure.
pub fn sector_panel_rows(
    batches: &[RecordBatch],
    measure: &str,
) -> Result<Vec<(String, String, i64, i64)>, QueryError> {
    if !["firms", "births", "deaths", "capital_yuan"].contains(&measure) {
        return Err(QueryError::Invalid(format!(
            "bad measure `{measure}`: firms, births, deaths or capital_yuan"
        )));
    }
    let mut rows = Vec::new();
    for b in batches {
        let col = |name: &str| {
            b.column_by_name(name)
                .ok_or_else(|| QueryError::Invalid(format!("not a panel: no column `{name}`")))
        };
        let int = |name: &str| {
            col(name)?
                .as_primitive_opt::<Int64Type>()
                .cloned()
                .ok_or_else(|| QueryError::Invalid(format!("not a panel: `{name}` is not BIGINT")))
        };
        let city = string_values(col("city_id")?.as_ref());
        let industry = string_values(col("industry")?.as_ref());
        let (years, values) = (int("year")?, int(measure)?);
        for i in 0..b.num_rows() {
            if values.is_valid(i) {
                rows.push((
                    city[i].clone(),
                    industry[i].clone(),
                    years.value(i),
                    values.value(i),
                ));
            }
        }
    }
    Ok(rows)
}
