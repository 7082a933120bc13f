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
//! adds +1 at the year-end it is first counted and -1 at the first year-end it is not, and a
//! running sum over the years gives the stock, so the work is linear in firms (a firm-year
//! expansion would be 20x the rows). Rows where `firms`, `births` and `deaths` are all zero are
//! left out: a registry is a census, so an absent (city, industry, year) is a true zero.
//! Identity checked by the tests: `firms(t) = firms(t-1) + births(t) - deaths(t) + moves in -
//! moves out`.

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
        "{events},
keys AS (
  SELECT city_id, industry FROM changes
  UNION SELECT city_id, industry FROM births
  UNION SELECT city_id, industry FROM deaths
),
facts AS (
  SELECT k.city_id, k.industry, y.year, CAST(0 AS BIGINT) AS d_firms,
         CAST(NULL AS BIGINT) AS d_capital, CAST(0 AS BIGINT) AS d_capital_firms,
         CAST(0 AS BIGINT) AS births, CAST(NULL AS BIGINT) AS births_capital_yuan,
         CAST(0 AS BIGINT) AS deaths
  FROM keys k CROSS JOIN years y
  UNION ALL
  SELECT city_id, industry, year, d_firms, d_capital, d_capital_firms,
         CAST(0 AS BIGINT) AS births, CAST(NULL AS BIGINT) AS births_capital_yuan,
         CAST(0 AS BIGINT) AS deaths
  FROM changes
  UNION ALL
  SELECT city_id, industry, year, CAST(0 AS BIGINT) AS d_firms, CAST(NULL AS BIGINT) AS d_capital,
         CAST(0 AS BIGINT) AS d_capital_firms, births, births_capital_yuan,
         CAST(0 AS BIGINT) AS deaths
  FROM births
  UNION ALL
  SELECT city_id, industry, year, CAST(0 AS BIGINT) AS d_firms, CAST(NULL AS BIGINT) AS d_capital,
         CAST(0 AS BIGINT) AS d_capital_firms, CAST(0 AS BIGINT) AS births,
         CAST(NULL AS BIGINT) AS births_capital_yuan, deaths
  FROM deaths
),
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
  WINDOW running AS (PARTITION BY city_id, industry ORDER BY year
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT city_id, industry, year, firms, births, deaths,
       CASE WHEN capital_firms = 0 THEN NULL ELSE capital END AS capital_yuan,
       capital_firms, births_capital_yuan
FROM stock
WHERE firms > 0 OR births > 0 OR deaths > 0
ORDER BY city_id, industry, year",
        events = events_ctes(opts)?,
    ))
}

/// The common table expressions up to `births` and `deaths`: `spells`, `years`, each stay's
/// first and last counted year, and the stock's +1/-1 changes per city, industry and year.
fn events_ctes(opts: &PanelOptions) -> Result<String, QueryError> {
    let (from, to) = (*opts.years.start(), *opts.years.end());
    let ind = opts.level.column();
    Ok(format!(
        "WITH {spells},
{years},
stays AS (
  SELECT s.city_id, f.{ind} AS industry, f.registered_capital_yuan AS capital,
         {entry} AS entry_year,
         CASE WHEN s.until IS NULL AND f.closed IS NULL THEN NULL
              WHEN s.until IS NULL THEN {closed_year}
              WHEN f.closed IS NULL THEN {until_year}
              WHEN f.closed < s.until THEN {closed_year}
              ELSE {until_year} END AS exit_year
  FROM spells s JOIN firms f ON f.firm_id = s.firm_id
),
counted AS (
  SELECT city_id, industry, capital,
         CASE WHEN entry_year < {from} THEN CAST({from} AS BIGINT) ELSE entry_year END AS first_year,
         exit_year
  FROM stays
  WHERE entry_year <= {to}
),
deltas AS (
  SELECT city_id, industry, first_year AS year, CAST(1 AS BIGINT) AS d_firms, capital AS d_capital,
         CASE WHEN capital IS NULL THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END AS d_capital_firms
  FROM counted WHERE exit_year IS NULL OR exit_year > first_year
  UNION ALL
  SELECT city_id, industry, exit_year AS year, CAST(-1 AS BIGINT), -capital,
         CASE WHEN capital IS NULL THEN CAST(0 AS BIGINT) ELSE CAST(-1 AS BIGINT) END
  FROM counted WHERE exit_year > first_year AND exit_year <= {to}
),
changes AS (
  SELECT city_id, industry, year, SUM(d_firms) AS d_firms, SUM(d_capital) AS d_capital,
         SUM(d_capital_firms) AS d_capital_firms
  FROM deltas GROUP BY city_id, industry, year
),
births AS (
  SELECT city_id, {ind} AS industry, {founded_year} AS year, COUNT(*) AS births,
         SUM(registered_capital_yuan) AS births_capital_yuan
  FROM firms WHERE {founded_year} BETWEEN {from} AND {to}
  GROUP BY city_id, {ind}, {founded_year}
),
deaths AS (
  SELECT s.city_id, f.{ind} AS industry, {closed_year} AS year, COUNT(*) AS deaths
  FROM firms f JOIN spells s ON s.firm_id = f.firm_id AND {covers_closed}
  WHERE f.closed IS NOT NULL AND {closed_year} BETWEEN {from} AND {to}
  GROUP BY s.city_id, f.{ind}, {closed_year}
)",
        spells = sql::spells(opts.basis),
        years = sql::years(&opts.years)?,
        entry = sql::year("COALESCE(s.since, f.founded)"),
        closed_year = sql::year("f.closed"),
        until_year = sql::year("s.until"),
        founded_year = sql::year("founded"),
        covers_closed = sql::covers("s", "f.closed"),
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
