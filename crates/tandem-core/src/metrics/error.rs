use crate::model::{IoTableError, PanelError};

/// Why an indicator could not be computed. Never a silent NaN: every degenerate input
/// (no activity, one region only, a singular matrix) is named here.
///
/// The variants carry the offending values, so that callers can match on them and the
/// message can say what is wrong and what to do next. `what` always names the indicator
/// (and, where it helps, the input) the error belongs to.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// An input has the wrong number of values.
    #[error("{what}: expected {expected} values, got {got}")]
    Shape {
        what: String,
        expected: usize,
        got: usize,
    },
    /// All values are zero or the input is empty, so there is nothing to measure.
    #[error("{0}: no data (all values are zero or the input is empty)")]
    NoActivity(String),
    /// A negative value where the indicator needs non-negative data.
    #[error("{what}: negative value {value} at {at}; this indicator is defined for non-negative data only")]
    Negative {
        what: String,
        value: f64,
        at: String,
    },
    /// Fewer observations (regions, years, criteria, ...) than the indicator needs.
    #[error("{what}: needs at least {needed}, got {got}")]
    TooFew {
        what: String,
        needed: usize,
        got: usize,
    },
    /// Zero or negative where a logarithm is taken (growth rates, log dispersion).
    #[error("{what}: value {value} at {at} is not positive; this indicator takes logarithms, so it needs values > 0")]
    NonPositive {
        what: String,
        value: f64,
        at: String,
    },
    /// A regression is not identified (a regressor is constant or collinear) or its
    /// inference is undefined (the residuals are all zero); also a quantity that must vary
    /// to be standardised or signed (diversity behind ECI, the raw outlook behind COI, the
    /// alternatives of TOPSIS) but is the same everywhere.
    #[error("{what}: no variation: {detail}")]
    NoVariation { what: String, detail: String },
    /// A NaN or infinite input value. Missing data must be absent, not NaN.
    #[error("{what}: value {value} at {at} is not a finite number; correct it (a missing value must be left out, not given as NaN)")]
    NonFinite {
        /// The indicator and input.
        what: String,
        /// The value found (NaN or ±inf).
        value: f64,
        /// Where it is (cell, observation, unit).
        at: String,
    },
    /// A parameter or input value outside the range the formula is defined on (a
    /// coordinate beyond ±90°, a share above 1, a threshold ≤ 0, an entry that is not the
    /// reciprocal it must be, ...).
    #[error("{what}: {parameter} = {value} is out of range; it must be {allowed}")]
    OutOfRange {
        /// The indicator.
        what: String,
        /// The parameter or cell, named as in the documentation.
        parameter: String,
        /// The value given.
        value: f64,
        /// The allowed values, as a phrase that completes "it must be ...".
        allowed: String,
    },
    /// An index (region, industry, sector) beyond the end of the matrix it addresses.
    #[error("{what} index {index} is out of range: there are {len}, numbered from 0")]
    IndexOutOfRange {
        /// What is indexed ("region", "hypothetical extraction: sector").
        what: String,
        /// The index given.
        index: usize,
        /// How many there are.
        len: usize,
    },
    /// A ratio whose denominator is 0 at one place (income without population, output
    /// without employment, a smallest value of 0), so the ratio is infinite or 0/0.
    #[error("{what}: {denominator} is 0 at {at} while {numerator} is {value}, so the ratio is {}; drop {at} or correct the data", ratio_kind(*.value))]
    ZeroDenominator {
        /// The indicator.
        what: String,
        /// Where (region, sector, position).
        at: String,
        /// The numerator's name.
        numerator: String,
        /// The numerator's value there.
        value: f64,
        /// The denominator's name (its value is 0).
        denominator: String,
    },
    /// A region with `M_cp = 0` in every industry: its complexity index is undefined.
    #[error("{what}: region {region} (0-based) has diversity 0 (Mcp = 0 in every industry), so its complexity is undefined; drop it first, or lower the threshold that defines Mcp (RCA or RPOP)")]
    ZeroDiversity {
        /// The indicator (with the RCA threshold when one was applied).
        what: String,
        /// The region's index (0-based) in the caller's input.
        region: usize,
    },
    /// An industry with `M_cp = 0` in every region: its complexity and proximities are
    /// undefined.
    #[error("{what}: industry {industry} (0-based) has ubiquity 0 (Mcp = 0 in every region), so its complexity and proximities are undefined; drop it first, or lower the threshold that defines Mcp (RCA or RPOP)")]
    ZeroUbiquity {
        /// The indicator (with the RCA threshold when one was applied).
        what: String,
        /// The industry's index (0-based) in the caller's input.
        industry: usize,
    },
    /// The second eigenvalue is too close to the first or the third, so the eigenvector
    /// an index is built on is not determined by the data.
    #[error("{what}: the second eigenvalue is not separated (eigenvalues {first:.12}, {second:.12}, {}; gaps must be at least {min_gap:e}), so the complexity eigenvector is not determined by the data{}", third_eigenvalue(*.third), eigen_gap_hint(*.first, *.second, *.min_gap))]
    EigenGap {
        /// The indicator.
        what: String,
        /// The largest eigenvalue.
        first: f64,
        /// The second largest.
        second: f64,
        /// The third largest, if the matrix has one.
        third: Option<f64>,
        /// The smallest gap accepted.
        min_gap: f64,
    },
    /// An iteration reached its cap without meeting its tolerance.
    #[error("{what}: did not converge in {iterations} iterations (last change {last_change:.3e}, tolerance {tolerance:.1e}); the input is probably nearly degenerate, so check it")]
    NotConverged {
        /// The indicator and method.
        what: String,
        /// Iterations run.
        iterations: usize,
        /// The change below which it stops.
        tolerance: f64,
        /// The change of the last iteration.
        last_change: f64,
    },
    /// A normalised iteration (fitness-complexity) whose mean became 0, infinite or NaN.
    #[error("{what}: the mean {quantity} became {mean} at iteration {iteration}, so the iteration has collapsed; the presence matrix is too far from nested for this method, so use ECI/PCI instead")]
    Collapsed {
        /// The indicator.
        what: String,
        /// The quantity normalised ("fitness", "complexity").
        quantity: String,
        /// Its mean.
        mean: f64,
        /// The iteration (1-based) at which it happened.
        iteration: usize,
    },
    /// The symmetric eigensolver stopped at its internal iteration limit.
    #[error("{what}: the symmetric eigensolver did not converge (it reached its iteration limit); the matrix is numerically degenerate, so check the input for extreme values")]
    EigensolverFailed {
        /// The indicator.
        what: String,
    },
    /// Something the indicator needs by name is not in the input.
    #[error("{what}: {item} is missing (not among {among})")]
    Missing {
        /// The indicator or input.
        what: String,
        /// What was looked for (`value-added row `TVA``, a unit).
        item: String,
        /// What was there.
        among: String,
    },
    /// A key that must be unique is given more than once.
    #[error("{what}: {item} is given more than once; keep one")]
    Duplicate {
        /// The indicator.
        what: String,
        /// The repeated key (a year, a unit).
        item: String,
    },
    /// A window of years that crosses a break in a series (a boundary change, a new
    /// statistical definition), so its two ends are not comparable.
    #[error("{what} {}-{} crosses a series break; use a window within {within:?}", .window.0, .window.1)]
    CrossesBreak {
        /// The indicator.
        what: String,
        /// The window asked for, `(from, to)`.
        window: (i32, i32),
        /// The windows within it that cross no break.
        within: Vec<(i32, i32)>,
    },
    /// The panel could not be read (a year that is not in it, an absent cell).
    #[error(transparent)]
    Panel(#[from] PanelError),
    /// The input-output table is malformed (a block of the wrong size).
    #[error("input-output table {year}: {source}")]
    IoTable {
        /// The table's year.
        year: i32,
        /// What is wrong with it.
        source: IoTableError,
    },
    /// The technical coefficients have spectral radius ≥ 1 (Leontief).
    #[error("the technical-coefficient matrix is not productive: spectral radius {spectral_radius:.4} >= 1, so (I - A) has no non-negative inverse")]
    NotProductive { spectral_radius: f64 },
    /// `I − A` has a vanishing pivot (Leontief).
    #[error("I - A is singular (pivot {pivot:.3e} at column {column}): the Leontief inverse does not exist")]
    Singular { column: usize, pivot: f64 },
}

impl MetricError {
    /// The same error with `prefix` put before its `what` (e.g. `"year 2020"`), so that an
    /// error from one cross-section of a panel names it. Variants without a `what` (a
    /// panel or table error, which name their own context, and the Leontief errors) are
    /// returned unchanged.
    pub fn in_context(self, prefix: &str) -> MetricError {
        let with = |what: String| format!("{prefix}: {what}");
        use MetricError as E;
        match self {
            E::Shape {
                what,
                expected,
                got,
            } => E::Shape {
                what: with(what),
                expected,
                got,
            },
            E::NoActivity(what) => E::NoActivity(with(what)),
            E::Negative { what, value, at } => E::Negative {
                what: with(what),
                value,
                at,
            },
            E::TooFew { what, needed, got } => E::TooFew {
                what: with(what),
                needed,
                got,
            },
            E::NonPositive { what, value, at } => E::NonPositive {
                what: with(what),
                value,
                at,
            },
            E::NoVariation { what, detail } => E::NoVariation {
                what: with(what),
                detail,
            },
            E::NonFinite { what, value, at } => E::NonFinite {
                what: with(what),
                value,
                at,
            },
            E::OutOfRange {
                what,
                parameter,
                value,
                allowed,
            } => E::OutOfRange {
                what: with(what),
                parameter,
                value,
                allowed,
            },
            E::IndexOutOfRange { what, index, len } => E::IndexOutOfRange {
                what: with(what),
                index,
                len,
            },
            E::ZeroDenominator {
                what,
                at,
                numerator,
                value,
                denominator,
            } => E::ZeroDenominator {
                what: with(what),
                at,
                numerator,
                value,
                denominator,
            },
            E::ZeroDiversity { what, region } => E::ZeroDiversity {
                what: with(what),
                region,
            },
            E::ZeroUbiquity { what, industry } => E::ZeroUbiquity {
                what: with(what),
                industry,
            },
            E::EigenGap {
                what,
                first,
                second,
                third,
                min_gap,
            } => E::EigenGap {
                what: with(what),
                first,
                second,
                third,
                min_gap,
            },
            E::NotConverged {
                what,
                iterations,
                tolerance,
                last_change,
            } => E::NotConverged {
                what: with(what),
                iterations,
                tolerance,
                last_change,
            },
            E::Collapsed {
                what,
                quantity,
                mean,
                iteration,
            } => E::Collapsed {
                what: with(what),
                quantity,
                mean,
                iteration,
            },
            E::EigensolverFailed { what } => E::EigensolverFailed { what: with(what) },
            E::Missing { what, item, among } => E::Missing {
                what: with(what),
                item,
                among,
            },
            E::Duplicate { what, item } => E::Duplicate {
                what: with(what),
                item,
            },
            E::CrossesBreak {
                what,
                window,
                within,
            } => E::CrossesBreak {
                what: with(what),
                window,
                within,
            },
            e
            @ (E::Panel(_) | E::IoTable { .. } | E::NotProductive { .. } | E::Singular { .. }) => e,
        }
    }
}

/// "infinite" for `x / 0` with `x ≠ 0`, "undefined (0/0)" otherwise.
fn ratio_kind(numerator: f64) -> &'static str {
    if numerator == 0.0 {
        "undefined (0/0)"
    } else {
        "infinite"
    }
}

/// The third eigenvalue, or "-" when the matrix has only two.
fn third_eigenvalue(third: Option<f64>) -> String {
    third.map_or_else(|| "-".to_string(), |t| format!("{t:.12}"))
}

/// Why the top gap closes: two equal leading eigenvalues mean disconnected components.
fn eigen_gap_hint(first: f64, second: f64, min_gap: f64) -> &'static str {
    if first - second < min_gap {
        " (the region-industry network is disconnected: compute each connected part separately)"
    } else {
        " (the second and third eigenvalues nearly coincide)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `e` and checks that every fragment appears in the message.
    fn says(e: MetricError, fragments: &[&str]) {
        let msg = e.to_string();
        for f in fragments {
            assert!(msg.contains(f), "{f:?} missing from {msg:?}");
        }
    }

    #[test]
    fn each_new_variant_names_its_values() {
        says(
            MetricError::NonFinite {
                what: "OLS: y".into(),
                value: f64::NAN,
                at: "observation 3".into(),
            },
            &["OLS: y", "NaN", "observation 3", "not a finite number"],
        );
        says(
            MetricError::OutOfRange {
                what: "haversine distance".into(),
                parameter: "latitude 1".into(),
                value: 91.0,
                allowed: "a coordinate in [-90, 90] degrees".into(),
            },
            &[
                "haversine distance",
                "latitude 1 = 91",
                "it must be a coordinate in [-90, 90] degrees",
            ],
        );
        says(
            MetricError::IndexOutOfRange {
                what: "region".into(),
                index: 5,
                len: 3,
            },
            &["region index 5", "there are 3, numbered from 0"],
        );
        says(
            MetricError::ZeroDenominator {
                what: "Williamson CV".into(),
                at: "region 1".into(),
                numerator: "income".into(),
                value: 2.5,
                denominator: "population".into(),
            },
            &[
                "Williamson CV",
                "population is 0 at region 1",
                "income is 2.5",
                "infinite",
                "drop region 1",
            ],
        );
        says(
            MetricError::ZeroDenominator {
                what: "COI".into(),
                at: "industry 4".into(),
                numerator: "the density numerator".into(),
                value: 0.0,
                denominator: "the proximity row sum".into(),
            },
            &["undefined (0/0)"],
        );
        says(
            MetricError::ZeroDiversity {
                what: "complexity (RCA threshold 1.5)".into(),
                region: 1,
            },
            &[
                "threshold 1.5",
                "region 1 (0-based)",
                "diversity 0",
                "drop it",
            ],
        );
        says(
            MetricError::ZeroUbiquity {
                what: "proximity".into(),
                industry: 2,
            },
            &["proximity", "industry 2 (0-based)", "ubiquity 0"],
        );
        says(
            MetricError::EigenGap {
                what: "ECI/PCI".into(),
                first: 1.0,
                second: 1.0,
                third: Some(0.25),
                min_gap: 1e-9,
            },
            &[
                "ECI/PCI",
                "1.000000000000, 1.000000000000, 0.250000000000",
                "1e-9",
                "not separated",
                "disconnected",
            ],
        );
        says(
            MetricError::EigenGap {
                what: "ECI/PCI".into(),
                first: 1.0,
                second: 0.5,
                third: None,
                min_gap: 1e-9,
            },
            &["0.500000000000, -;", "nearly coincide"],
        );
        says(
            MetricError::NotConverged {
                what: "AHP power iteration".into(),
                iterations: 10_000,
                tolerance: 1e-15,
                last_change: 2.5e-12,
            },
            &[
                "AHP power iteration",
                "10000 iterations",
                "2.500e-12",
                "1.0e-15",
            ],
        );
        says(
            MetricError::Collapsed {
                what: "fitness-complexity".into(),
                quantity: "fitness".into(),
                mean: 0.0,
                iteration: 7,
            },
            &["mean fitness became 0", "iteration 7", "collapsed"],
        );
        says(
            MetricError::EigensolverFailed {
                what: "ECI/PCI".into(),
            },
            &["ECI/PCI", "eigensolver did not converge"],
        );
        says(
            MetricError::Missing {
                what: "input-output table 2017".into(),
                item: "value-added row `TVA`".into(),
                among: "the value-added rows VA001".into(),
            },
            &["input-output table 2017", "`TVA` is missing", "VA001"],
        );
        says(
            MetricError::Duplicate {
                what: "sigma-convergence".into(),
                item: "year 2020".into(),
            },
            &["sigma-convergence", "year 2020 is given more than once"],
        );
        says(
            MetricError::CrossesBreak {
                what: "beta-convergence".into(),
                window: (2010, 2015),
                within: vec![(2010, 2011), (2012, 2015)],
            },
            &[
                "beta-convergence 2010-2015 crosses a series break",
                "[(2010, 2011), (2012, 2015)]",
            ],
        );
        says(
            MetricError::Panel(PanelError::UnknownYear(1999)),
            &["year 1999 is not in the panel"],
        );
        says(
            MetricError::IoTable {
                year: 2017,
                source: IoTableError::Shape {
                    what: "gross output".into(),
                    got: 3,
                    expected: 4,
                    n: 4,
                },
            },
            &[
                "input-output table 2017",
                "gross output has 3 entries, expected 4",
            ],
        );
    }

    #[test]
    fn in_context_prefixes_what_and_keeps_the_values() {
        let e = MetricError::ZeroDiversity {
            what: "complexity".into(),
            region: 3,
        }
        .in_context("year 2020");
        assert_eq!(
            e,
            MetricError::ZeroDiversity {
                what: "year 2020: complexity".into(),
                region: 3,
            }
        );
        assert!(e.to_string().starts_with("year 2020: complexity: region 3"));
        let leontief = MetricError::Singular {
            column: 1,
            pivot: 0.0,
        };
        assert_eq!(leontief.clone().in_context("year 2020"), leontief);
    }
}
