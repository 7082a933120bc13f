//! SQL fragments shared by the queries: where a firm was on a day, the years, the pairs.
//!
//! Each query is one statement of common table expressions over the four registry tables
//! (docs/REGISTRY.md). The fragments are plain SQL that DataFusion, Ballista and DuckDB all
//! accept (the benchmark runs the same text on DuckDB), so a query prints its statement with
//! `--sql` and a reader can check it by eye.

use std::ops::RangeInclusive;

use crate::{PairCities, QueryError};

/// Which city a firm belongs to on a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CityBasis {
    /// The city where it was registered on that day: its founding city until its first
    /// address change, then each change's destination until the next (the default).
    #[default]
    AtDate,
    /// Always its founding city (`firms.city_id`), ignoring address changes: what studies
    /// that only have the registration city use, and what the synthetic generator's truth
    /// counts.
    AtFounding,
}

impl std::str::FromStr for CityBasis {
    type Err = QueryError;

    fn from_str(text: &str) -> Result<CityBasis, QueryError> {
        match text {
            "at-date" => Ok(CityBasis::AtDate),
            "at-founding" => Ok(CityBasis::AtFounding),
            _ => Err(QueryError::Invalid(format!(
                "bad city basis `{text}`: write `at-date` (follow address changes) or `at-founding`"
            ))),
        }
    }
}

/// Industry detail of a panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndustryLevel {
    /// GB/T 4754-2017 division (2 digits, `industry_division`).
    Division,
    /// GB/T 4754-2017 class (4 digits, `industry`).
    Class,
}

impl IndustryLevel {
    /// The firms column holding this level.
    pub fn column(self) -> &'static str {
        match self {
            IndustryLevel::Division => "industry_division",
            IndustryLevel::Class => "industry",
        }
    }

    /// From a number of digits, 2 or 4.
    ///
    /// # Errors
    /// Any other number.
    pub fn from_digits(digits: u8) -> Result<IndustryLevel, QueryError> {
        match digits {
            2 => Ok(IndustryLevel::Division),
            4 => Ok(IndustryLevel::Class),
            _ => Err(QueryError::Invalid(format!(
                "--digits must be 2 (division) or 4 (class), not {digits}"
            ))),
        }
    }
}

/// `spells(firm_id, city_id, since, until)`: where each firm was registered, one row per
/// stay. `since` is null for the first stay (the founding city, also before the founding date,
/// so that a link dated a little before a founding still finds its city); `until` (exclusive)
/// is null for the last. A firm is in `city_id` on day `d` when
/// `(since IS NULL OR since <= d) AND (until IS NULL OR d < until)`.
/// Two moves of one firm on the same day are ordered by destination, so every engine builds
/// the same stays.
pub fn spells(basis: CityBasis) -> String {
    match basis {
        CityBasis::AtFounding => "spells AS (
  SELECT firm_id, city_id, CAST(NULL AS DATE) AS since, CAST(NULL AS DATE) AS until
  FROM firms
)"
        .to_string(),
        // No window function: Ballista 55 runs a window that feeds a branch of a UNION ALL
        // once per partition of the union (the cluster tests found it). So the next move
        // comes from an inner self-join and an aggregate (a firm has a handful of moves, so it
        // costs nothing), and each founding stay ends at the firm's first move, if any, by
        // one equi left join of the firms with their first moves (one pass over the firms;
        // an anti-join for the firms that never moved and an inner join for the others read
        // them twice). A left join is exact on both engines: the embedded engine shares a
        // collected build side's matches between its tasks, and the Ballista session
        // partitions every join (`engine.rs`), because Ballista repeats the unmatched rows
        // of a collected preserved side once per task. An exact duplicate record is one
        // move: the GROUP BY of `moves` merges it, and a duplicate changes no MIN, so the raw
        // table serves where a DISTINCT copy would be evaluated once per reference
        // (DataFusion does not materialise common table expressions).
        CityBasis::AtDate => format!(
            "{MOVES},
spells AS (
  SELECT f.firm_id, f.city_id, CAST(NULL AS DATE) AS since, m.until
  FROM firms f LEFT JOIN first_moves m ON m.firm_id = f.firm_id
  UNION ALL
  SELECT firm_id, to_city_id AS city_id, date AS since, next_date AS until FROM moves
)"
        ),
    }
}

/// `moves(firm_id, to_city_id, date, next_date)`, each address change with the date of the
/// firm's next one (null for its last), and `first_moves(firm_id, until)`, the date of each
/// moving firm's first change: the stays after the founding one, and when that one ends.
const MOVES: &str = "moves AS (
  SELECT firm_id, to_city_id, date, MIN(next_date) AS next_date
  FROM (
    SELECT firm_id, to_city_id, date, CAST(NULL AS DATE) AS next_date FROM address_changes
    UNION ALL
    SELECT a.firm_id, a.to_city_id, a.date, b.date AS next_date
    FROM address_changes a JOIN address_changes b ON b.firm_id = a.firm_id
      AND (b.date > a.date OR (b.date = a.date AND b.to_city_id > a.to_city_id))
  ) AS m
  GROUP BY firm_id, to_city_id, date
),
first_moves AS (
  SELECT firm_id, MIN(date) AS until FROM address_changes GROUP BY firm_id
)";

/// `firm_stays(city_id, since, until, COLUMNS)`: the stays of [`spells`], each with the
/// columns `columns` of its firm. The founding stays come with their firm's columns from the
/// same read of `firms`, and only the later stays (a few per cent) join `firms`; [`spells`]
/// joined back to `firms` would join two tables of every firm (at 20 M firms the panel took
/// 15 % longer that way, DuckDB 18 %).
pub fn firm_stays(basis: CityBasis, columns: &[&str]) -> String {
    let firm_columns: Vec<String> = columns.iter().map(|c| format!("f.{c}")).collect();
    let firm_columns = firm_columns.join(", ");
    match basis {
        CityBasis::AtFounding => format!(
            "firm_stays AS (
  SELECT f.city_id, CAST(NULL AS DATE) AS since, CAST(NULL AS DATE) AS until, {firm_columns}
  FROM firms f
)"
        ),
        CityBasis::AtDate => format!(
            "{MOVES},
firm_stays AS (
  SELECT f.city_id, CAST(NULL AS DATE) AS since, m.until, {firm_columns}
  FROM firms f LEFT JOIN first_moves m ON m.firm_id = f.firm_id
  UNION ALL
  SELECT mv.to_city_id AS city_id, mv.date AS since, mv.next_date AS until, {firm_columns}
  FROM moves mv JOIN firms f ON f.firm_id = mv.firm_id
)"
        ),
    }
}

/// The condition "the spell `s` covers the day `day`" (a column or literal).
pub fn covers(s: &str, day: &str) -> String {
    format!(
        "({s}.since IS NULL OR {s}.since <= {day}) AND ({s}.until IS NULL OR {day} < {s}.until)"
    )
}

/// The calendar year of a date expression, as BIGINT (one integer type for every year column,
/// so joins need no casts).
pub fn year(expr: &str) -> String {
    format!("CAST(date_part('year', {expr}) AS BIGINT)")
}

/// `located_links`: every shareholder link with the year and the cities of its investor
/// (`origin_city_id`) and investee (`destination_city_id`) on its date. Needs `spells`.
pub fn located_links() -> String {
    format!(
        "located_links AS (
  SELECT l.investor_firm_id, l.investee_firm_id, l.share, l.amount_yuan, l.date,
         {year} AS year, si.city_id AS origin_city_id, sd.city_id AS destination_city_id
  FROM links l
  JOIN spells si ON si.firm_id = l.investor_firm_id AND {cover_i}
  JOIN spells sd ON sd.firm_id = l.investee_firm_id AND {cover_d}
)",
        year = year("l.date"),
        cover_i = covers("si", "l.date"),
        cover_d = covers("sd", "l.date"),
    )
}

/// `years(year)`: the years of `range`, as a VALUES list.
///
/// # Errors
/// An empty range or one outside 1900-2100.
pub fn years(range: &RangeInclusive<i32>) -> Result<String, QueryError> {
    if range.is_empty() || *range.start() < 1900 || *range.end() > 2100 {
        return Err(QueryError::Invalid(format!(
            "the years {}-{} are not a range within 1900-2100",
            range.start(),
            range.end()
        )));
    }
    let rows: Vec<String> = range
        .clone()
        .map(|y| format!("(CAST({y} AS BIGINT))"))
        .collect();
    Ok(format!(
        "years AS (SELECT year FROM (VALUES {}) AS v(year))",
        rows.join(", ")
    ))
}

/// `pairs(pair_id, helper_city, helped_city, start_year, helper_scope)` as a VALUES list.
///
/// # Errors
/// No pairs.
pub fn pairs(pairs: &[PairCities]) -> Result<String, QueryError> {
    if pairs.is_empty() {
        return Err(QueryError::Invalid("no pairs to query".into()));
    }
    let rows: Vec<String> = pairs
        .iter()
        .map(|p| {
            format!(
                "({}, {}, {}, CAST({} AS BIGINT), {})",
                literal(&p.pair_id),
                literal(&p.helper_city),
                literal(&p.helped_city),
                p.start_year,
                literal(p.helper_scope)
            )
        })
        .collect();
    Ok(format!(
        "pairs AS (
  SELECT * FROM (VALUES {}) AS v(pair_id, helper_city, helped_city, start_year, helper_scope)
)",
        rows.join(",\n    ")
    ))
}

/// Which cities of the pairs a filter keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairSide {
    /// The helper cities.
    Helper,
    /// The helped cities.
    Helped,
    /// Both.
    Either,
}

/// The distinct cities of `pairs` on `side`, sorted, as a SQL list for `column IN (...)`.
///
/// A query about the pairs joins with `pairs`, which already keeps only their cities; the
/// same condition written out as literals lets the engine drop the other cities' rows where
/// they are read (DataFusion pushes a literal filter through joins, unions and group keys,
/// but infers none from a join with a VALUES list). With a programme of 8 pairs among some
/// 300 cities, the stays and links then enter the big joins a few per cent at a time.
/// The result is unchanged: every row the list drops, the join with `pairs` drops too.
///
/// # Errors
/// No pairs.
pub fn pair_cities(pairs: &[PairCities], side: PairSide) -> Result<String, QueryError> {
    if pairs.is_empty() {
        return Err(QueryError::Invalid("no pairs to query".into()));
    }
    let mut cities: Vec<&str> = pairs
        .iter()
        .flat_map(|p| match side {
            PairSide::Helper => vec![p.helper_city.as_str()],
            PairSide::Helped => vec![p.helped_city.as_str()],
            PairSide::Either => vec![p.helper_city.as_str(), p.helped_city.as_str()],
        })
        .collect();
    cities.sort_unstable();
    cities.dedup();
    let literals: Vec<String> = cities.into_iter().map(literal).collect();
    Ok(literals.join(", "))
}

/// A date literal for the last day of `year`.
pub fn year_end(year: i32) -> String {
    format!("DATE '{year:04}-12-31'")
}

/// A SQL string literal: `'` doubled, so no value can end the literal early.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_be_escaped_from() {
        assert_eq!(literal("a'b"), "'a''b'");
        assert_eq!(
            literal("'; DROP TABLE firms; --"),
            "'''; DROP TABLE firms; --'"
        );
    }

    #[test]
    fn pair_cities_are_distinct_sorted_literals() {
        let pair = |helper: &str, helped: &str| PairCities {
            pair_id: format!("{helper}-{helped}"),
            helper_city: helper.into(),
            helped_city: helped.into(),
            start_year: 2021,
            helper_scope: "city",
        };
        let pairs = [pair("b", "x"), pair("a", "y'"), pair("b", "z")];
        assert_eq!(pair_cities(&pairs, PairSide::Helper).unwrap(), "'a', 'b'");
        assert_eq!(
            pair_cities(&pairs, PairSide::Helped).unwrap(),
            "'x', 'y''', 'z'"
        );
        assert_eq!(
            pair_cities(&pairs, PairSide::Either).unwrap(),
            "'a', 'b', 'x', 'y''', 'z'"
        );
        assert!(pair_cities(&[], PairSide::Either).is_err());
    }

    #[test]
    fn years_are_bounded() {
        assert!(years(&(2000..=2023))
            .unwrap()
            .contains("(CAST(2023 AS BIGINT))"));
        let (first, last) = (2023, 2000);
        assert!(
            years(&(first..=last)).is_err(),
            "a range that runs backwards"
        );
        assert!(years(&(1000..=2000)).is_err());
    }
}
