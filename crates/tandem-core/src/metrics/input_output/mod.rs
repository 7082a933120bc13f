//! Input-output analysis (投入产出分析): technical and allocation coefficients, the Leontief
//! and Ghosh inverses, multipliers, linkages (影响力系数 / 感应度系数), hypothetical
//! extraction, environmentally extended multipliers and location-quotient regionalisation.
//!
//! In the style of pymrio, the algebra is kept apart from loading and reporting: every
//! function here takes dense row-major `&[f64]` matrices with explicit dimensions and
//! returns plain vectors, except the few [`IoTable`]-level entry points
//! ([`linkages`], [`multipliers`], [`employment_multipliers`], [`table_technical_coefficients`],
//! [`regionalise_table`]) that the CLI calls.
//!
//! Notation (Miller & Blair 2009, *Input-Output Analysis*, 2nd ed., ch. 2, 6, 12):
//! `Z` intermediate flows (z_ij = sales of sector i to sector j), `x` gross output,
//! `A = Z diag(x)⁻¹` technical coefficients, `L = (I − A)⁻¹` the Leontief inverse,
//! `B = diag(x)⁻¹ Z` allocation coefficients, `G = (I − B)⁻¹` the Ghosh inverse,
//! `F` extension flows (value added, emissions, employment), `S = F diag(x)⁻¹`,
//! `M = S L`. Monetary flows are in the table's unit (10,000 yuan for the NBS tables);
//! coefficients, inverses and output multipliers are dimensionless (yuan per yuan).
//!
//! Degenerate inputs are errors, never NaN: a sector with zero gross output gets zero
//! coefficients (pymrio's convention), a negative or non-finite flow is rejected, a
//! non-productive coefficient matrix is [`MetricError::NotProductive`] and a singular
//! `I − A` is [`MetricError::Singular`].

mod coefficients;
mod extraction;
mod inverse;
mod linkages;
mod multipliers;
mod regional;
mod table;

pub use coefficients::{
    allocation_coefficients, direct_coefficients, gross_output_from_flows, stressor_coefficients,
    technical_coefficients,
};
pub use extraction::{
    hypothetical_extraction, hypothetical_extraction_all, Extraction, ExtractionLoss,
};
pub use inverse::{
    ghosh_inverse, leontief_inverse, leontief_inverse_with, productivity, Parallelism, Productivity,
};
pub use linkages::{
    backward_linkages, column_sums, direct_backward_linkages, direct_forward_linkages,
    forward_linkages, row_sums,
};
pub use multipliers::{
    coefficient_multipliers, downstream_multipliers, extension_multipliers, output_multipliers,
    type_i_multipliers,
};
pub use regional::{
    cross_industry_location_quotients, flegg_lambda, flegg_location_quotients,
    regionalise_coefficients, simple_location_quotients, LqMethod, FLQ_DEFAULT_DELTA,
};
pub use table::{
    employment_multipliers, linkages, multipliers, regionalise_table, table_technical_coefficients,
    EmploymentMultiplier, SectorLinkage, SectorMultipliers,
};

use super::MetricError;
#[cfg(doc)]
use crate::IoTable;

/// Checks that `values` has `expected` entries.
fn check_len(what: &str, values: &[f64], expected: usize) -> Result<(), MetricError> {
    if values.len() == expected {
        Ok(())
    } else {
        Err(MetricError::Shape {
            what: what.to_string(),
            expected,
            got: values.len(),
        })
    }
}

/// Checks that a row-major matrix with `ncols` columns holds only finite, non-negative
/// values; names the first offending cell as `row i, column j` (0-based).
fn check_non_negative(what: &str, values: &[f64], ncols: usize) -> Result<(), MetricError> {
    for (k, &v) in values.iter().enumerate() {
        let at = || format!("row {}, column {}", k / ncols.max(1), k % ncols.max(1));
        if !v.is_finite() {
            return Err(MetricError::NonFinite {
                what: what.to_string(),
                value: v,
                at: at(),
            });
        }
        if v < 0.0 {
            return Err(MetricError::Negative {
                what: what.to_string(),
                value: v,
                at: at(),
            });
        }
    }
    Ok(())
}

/// Checks that every value is finite; names the first offending cell.
fn check_finite(what: &str, values: &[f64], ncols: usize) -> Result<(), MetricError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(MetricError::NonFinite {
            what: what.to_string(),
            value: values[k],
            at: format!("row {}, column {}", k / ncols.max(1), k % ncols.max(1)),
        }),
    }
}

/// Checks that `n >= 1` and `m` is `n x n`.
fn check_square(what: &str, m: &[f64], n: usize) -> Result<(), MetricError> {
    if n == 0 {
        return Err(MetricError::TooFew {
            what: format!("{what}: sectors"),
            needed: 1,
            got: 0,
        });
    }
    check_len(what, m, n * n)
}

#[cfg(test)]
mod tests;
