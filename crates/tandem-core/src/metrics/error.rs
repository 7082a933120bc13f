/// Why an indicator could not be computed. Never a silent NaN: every degenerate input
/// (no activity, one region only, a singular matrix) is named here.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error("{what}: expected {expected} values, got {got}")]
    Shape {
        what: String,
        expected: usize,
        got: usize,
    },
    #[error("{0}: no data (all values are zero or the input is empty)")]
    NoActivity(String),
    #[error("{what}: negative value {value} at {at}; this indicator is defined for non-negative data only")]
    Negative {
        what: String,
        value: f64,
        at: String,
    },
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
    /// inference is undefined (the residuals are all zero).
    #[error("{what}: no variation: {detail}")]
    NoVariation { what: String, detail: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the technical-coefficient matrix is not productive: spectral radius {spectral_radius:.4} >= 1, so (I - A) has no non-negative inverse")]
    NotProductive { spectral_radius: f64 },
    #[error("I - A is singular (pivot {pivot:.3e} at column {column}): the Leontief inverse does not exist")]
    Singular { column: usize, pivot: f64 },
}
