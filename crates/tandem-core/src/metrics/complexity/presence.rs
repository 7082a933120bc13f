//! The presence matrix `M_cp` from activity values: py-ecomplexity's `presence_test`.

use crate::metrics::MetricError;

/// How `M_cp` is derived from a year's activity values (py-ecomplexity 0.5.3's
/// `presence_test`). The RCA threshold is [`super::ComplexityOptions::rca_threshold`].
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Presence {
    /// `M_cp = 1[RCA_cp ≥ rca_threshold]` (`"rca"`, the default).
    #[default]
    Rca,
    /// `M_cp = 1[RPOP_cp ≥ threshold]` (`"rpop"`), with [`rpop`]: activity per head relative
    /// to the whole. Needs each region's population.
    Rpop {
        /// py-ecomplexity's `rpop_mcp_threshold` (default 1); positive and finite.
        threshold: f64,
    },
    /// `M_cp = 1[RCA_cp ≥ rca_threshold] + 1[RPOP_cp ≥ threshold]`, so 0, 1 or 2
    /// (`"both"`, as py-ecomplexity computes it: the sum, not a logical and/or).
    Both {
        /// py-ecomplexity's `rpop_mcp_threshold` (default 1); positive and finite.
        threshold: f64,
    },
    /// `M_cp = X_cp`: the values are a presence computed elsewhere, 0/1 or a continuous
    /// degree (`"manual"`); RCA is then reported as the values themselves, as
    /// py-ecomplexity does.
    Manual,
}

impl Presence {
    /// The RPOP threshold, when this test uses RPOP.
    pub fn rpop_threshold(&self) -> Option<f64> {
        match self {
            Presence::Rpop { threshold } | Presence::Both { threshold } => Some(*threshold),
            Presence::Rca | Presence::Manual => None,
        }
    }

    /// What a region or industry without presence lacked, for error messages.
    pub(super) fn lacking(&self, rca_threshold: f64) -> String {
        match self {
            Presence::Rca => format!("RCA below the threshold {rca_threshold}"),
            Presence::Rpop { threshold } => format!("RPOP below the threshold {threshold}"),
            Presence::Both { threshold } => format!(
                "RCA below the threshold {rca_threshold} and RPOP below the threshold {threshold}"
            ),
            Presence::Manual => "no presence in the values given".into(),
        }
    }
}

/// Revealed comparative advantage per head (RPOP) of a row-major regions x industries matrix
/// whose industry totals are positive:
///
/// `RPOP_cp = (X_cp / pop_c) / (Σ_c' X_c'p / Σ_c' pop_c')`,
///
/// the region's activity per inhabitant in the industry relative to the industry's activity
/// per inhabitant over all regions given (Hidalgo's per-capita presence test; py-ecomplexity
/// 0.5.3 `calculate_rpop`, in its operation order). `population[c]` must be positive and
/// finite (otherwise [`MetricError::OutOfRange`] naming region `c` of `population`, 0-based,
/// or `names[c]` when given).
pub fn rpop(
    values: &[f64],
    population: &[f64],
    industries: usize,
    names: Option<&[usize]>,
) -> Result<Vec<f64>, MetricError> {
    if let Some(c) = population.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        let region = names.map_or(c, |n| n[c]);
        return Err(MetricError::OutOfRange {
            what: "complexity (RPOP)".into(),
            parameter: format!("the population of region {region} (0-based)"),
            value: population[c],
            allowed: "positive and finite (give the population of every region with activity)"
                .into(),
        });
    }
    let col_tot = super::basic::col_sums(values, industries);
    let world: f64 = population.iter().sum();
    let per_head: Vec<f64> = col_tot.iter().map(|t| t / world).collect();
    let mut out = Vec::with_capacity(values.len());
    for (row, pop) in values.chunks_exact(industries).zip(population) {
        out.extend(row.iter().zip(&per_head).map(|(x, h)| (x / pop) / h));
    }
    Ok(out)
}

/// `M` by the presence test from the kept values, their RCA and (for the RPOP tests) RPOP.
pub(super) fn presence_matrix(
    presence: Presence,
    values: &[f64],
    rca: &[f64],
    rpop: Option<&[f64]>,
    rca_threshold: f64,
) -> Vec<f64> {
    let at_least = |x: f64, t: f64| if x >= t { 1.0 } else { 0.0 };
    match (presence, rpop) {
        (Presence::Rpop { threshold }, Some(rpop)) => {
            rpop.iter().map(|r| at_least(*r, threshold)).collect()
        }
        (Presence::Both { threshold }, Some(rpop)) => rca
            .iter()
            .zip(rpop)
            .map(|(a, r)| at_least(*a, rca_threshold) + at_least(*r, threshold))
            .collect(),
        (Presence::Manual, _) => values.to_vec(),
        _ => rca.iter().map(|r| at_least(*r, rca_threshold)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worked example: 2 regions x 2 industries, populations 1 and 3.
    /// Industry totals 4 and 6 over 4 inhabitants: 1 and 1.5 per head.
    /// RPOP = (X / pop) / per head: region 0: 3/1/1 = 3, 1/1/1.5 = 2/3; region 1:
    /// 1/3/1 = 1/3, 5/3/1.5 = 10/9.
    #[test]
    fn rpop_is_activity_per_head_relative_to_the_whole() {
        let values = [3.0, 1.0, 1.0, 5.0];
        let got = rpop(&values, &[1.0, 3.0], 2, None).unwrap();
        let want = [3.0, 2.0 / 3.0, 1.0 / 3.0, 10.0 / 9.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{got:?}");
        }
        let rca = super::super::basic::balassa_rca(&values, 2, 2);
        let both = presence_matrix(
            Presence::Both { threshold: 1.0 },
            &values,
            &rca,
            Some(&got),
            1.0,
        );
        // RCA: region 0 leads industry 0 (0.75/0.4), region 1 industry 1 (0.833/0.6).
        assert_eq!(both, [2.0, 0.0, 0.0, 2.0]);
        let manual = presence_matrix(Presence::Manual, &values, &rca, None, 1.0);
        assert_eq!(manual, values);
    }

    #[test]
    fn a_missing_or_zero_population_is_an_error_naming_the_region() {
        for bad in [f64::NAN, 0.0, -1.0, f64::INFINITY] {
            let e = rpop(&[1.0, 2.0, 3.0, 4.0], &[1.0, bad], 2, Some(&[4, 7])).unwrap_err();
            assert!(e.to_string().contains("population of region 7"), "{e}");
        }
    }
}
