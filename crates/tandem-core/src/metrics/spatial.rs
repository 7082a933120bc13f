//! Spatial interaction (family E): great-circle distance, gravity linkage (经济联系强度)
//! and linkage shares (经济联系隶属度), Hansen accessibility and Huff probabilities.
//!
//! Distance matrices are row-major `&[f64]`: `n x n` for region pairs (the diagonal is
//! ignored where self-interaction is excluded) or `origins x destinations`.

use super::specialisation::{check_levels, check_value, positive_total};
use super::MetricError;

/// Mean Earth radius used for distances, km (IUGG mean radius; golden `distance_km.csv`).
/// REAT `dist.calc` uses 6378 km, about 0.1% more.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance by the haversine formula, km:
/// `d = 2R · asin √(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))`, R = [`EARTH_RADIUS_KM`].
///
/// Coordinates in decimal degrees (latitude in [−90, 90], longitude in [−180, 180]);
/// anything else, or a non-finite value, is [`MetricError::OutOfRange`]. Reference: Sinnott
/// (1984), "Virtues of the haversine", *Sky and Telescope* 68(2).
///
/// ```
/// use tandem_core::metrics::spatial::haversine_km;
/// // one degree of latitude = R · π / 180
/// let d = haversine_km(30.0, 120.0, 31.0, 120.0).unwrap();
/// assert!((d - 6371.0 * std::f64::consts::PI / 180.0).abs() < 1e-9);
/// ```
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Result<f64, MetricError> {
    for (name, v, limit) in [
        ("latitude 1", lat1, 90.0),
        ("longitude 1", lon1, 180.0),
        ("latitude 2", lat2, 90.0),
        ("longitude 2", lon2, 180.0),
    ] {
        if !(v.is_finite() && v.abs() <= limit) {
            return Err(MetricError::OutOfRange {
                what: "haversine distance".into(),
                parameter: name.into(),
                value: v,
                allowed: format!("a coordinate in [-{limit}, {limit}] degrees"),
            });
        }
    }
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    Ok(2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin())
}

/// Gravity linkage of two cities:
/// `R_ij = √(P_i G_i) · √(P_j G_j) / D_ij^b`.
///
/// Units: P in 10k persons, G in 100 million yuan and D in km give the usual Chinese
/// 经济联系强度 numbers (golden `own_gravity.csv`); any consistent units work, but values
/// are comparable only within one choice. `b` is the distance-decay exponent, 2 by
/// default in that literature. Reference: 顾朝林 & 庞海峰 (2008), 基于重力模型的中国城市体系
/// 空间联系层次分析, 《地理研究》27(1). Errors: a non-positive or non-finite distance,
/// negative masses or a non-finite exponent are refused.
///
/// ```
/// use tandem_core::metrics::spatial::gravity_linkage;
/// let r = gravity_linkage(4.0, 1.0, 1.0, 9.0, 10.0, 2.0).unwrap();
/// assert!((r - 2.0 * 3.0 / 100.0).abs() < 1e-12);
/// ```
pub fn gravity_linkage(
    population_i: f64,
    gdp_i: f64,
    population_j: f64,
    gdp_j: f64,
    distance: f64,
    exponent: f64,
) -> Result<f64, MetricError> {
    for (name, v) in [
        ("population i", population_i),
        ("GDP i", gdp_i),
        ("population j", population_j),
        ("GDP j", gdp_j),
    ] {
        check_value("gravity linkage", v, name)?;
    }
    check_distance("gravity linkage", distance, "between i and j")?;
    if !exponent.is_finite() {
        return Err(MetricError::OutOfRange {
            what: "gravity linkage".into(),
            parameter: "the distance exponent".into(),
            value: exponent,
            allowed: "finite".into(),
        });
    }
    Ok((population_i * gdp_i).sqrt() * (population_j * gdp_j).sqrt() / distance.powf(exponent))
}

fn check_distance(what: &str, d: f64, at: &str) -> Result<(), MetricError> {
    if !(d.is_finite() && d > 0.0) {
        return Err(MetricError::OutOfRange {
            what: what.to_string(),
            parameter: format!("the distance ({at})"),
            value: d,
            allowed: "a finite positive number (two places at distance 0 have infinite linkage)"
                .into(),
        });
    }
    Ok(())
}

/// Gravity linkage of every ordered pair of `n` cities (row-major `n x n`, diagonal
/// `None`): `R_ij` as in [`gravity_linkage`], with `distances[i * n + j]` in km.
///
/// Off-diagonal distances must be positive (two cities at distance 0 have infinite
/// linkage: [`MetricError::OutOfRange`] naming the pair); the diagonal is not read.
///
/// ```
/// use tandem_core::metrics::spatial::gravity_matrix;
/// let r = gravity_matrix(&[4.0, 1.0], &[1.0, 9.0], &[0.0, 10.0, 10.0, 0.0], 2.0).unwrap();
/// assert_eq!(r[0], None);
/// assert!((r[1].unwrap() - 0.06).abs() < 1e-12 && r[1] == r[2]);
/// ```
pub fn gravity_matrix(
    population: &[f64],
    gdp: &[f64],
    distances: &[f64],
    exponent: f64,
) -> Result<Vec<Option<f64>>, MetricError> {
    let n = population.len();
    if gdp.len() != n {
        return Err(MetricError::Shape {
            what: "gravity matrix: GDP".into(),
            expected: n,
            got: gdp.len(),
        });
    }
    if distances.len() != n * n {
        return Err(MetricError::Shape {
            what: format!("gravity matrix: distances for {n} cities"),
            expected: n * n,
            got: distances.len(),
        });
    }
    let mut out = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            if i == j {
                out.push(None);
                continue;
            }
            let d = distances[i * n + j];
            check_distance("gravity matrix", d, &format!("pair ({i}, {j})"))?;
            out.push(Some(gravity_linkage(
                population[i],
                gdp[i],
                population[j],
                gdp[j],
                d,
                exponent,
            )?));
        }
    }
    Ok(out)
}

/// Linkage share of each partner (经济联系隶属度): `F_ij = R_ij / Σ_k R_ik` over i's
/// partners, row-major like the input, `None` where `R_ij` is `None` (the diagonal).
///
/// Unit: fraction; each row sums to 1. A city whose linkages are all 0 (no population or
/// GDP) has undefined shares: its row is `None`. Negative or non-finite linkages are
/// refused; a non-square input is [`MetricError::Shape`].
///
/// ```
/// use tandem_core::metrics::spatial::linkage_shares;
/// let f = linkage_shares(&[None, Some(1.0), Some(3.0), Some(2.0), None, Some(2.0), Some(1.0), Some(1.0), None]).unwrap();
/// assert_eq!(f[1], Some(0.25));
/// assert_eq!(f[3], Some(0.5));
/// ```
pub fn linkage_shares(linkages: &[Option<f64>]) -> Result<Vec<Option<f64>>, MetricError> {
    let n = (linkages.len() as f64).sqrt().round() as usize;
    if n * n != linkages.len() {
        return Err(MetricError::Shape {
            what: "linkage shares: square matrix".into(),
            expected: n * n,
            got: linkages.len(),
        });
    }
    let mut out = Vec::with_capacity(linkages.len());
    for i in 0..n {
        let row = &linkages[i * n..(i + 1) * n];
        for (j, v) in row.iter().enumerate() {
            if let Some(v) = v {
                check_value("linkage shares", *v, &format!("pair ({i}, {j})"))?;
            }
        }
        let total: f64 = row.iter().flatten().sum();
        out.extend(
            row.iter()
                .map(|v| v.and_then(|x| (total > 0.0).then(|| x / total))),
        );
    }
    Ok(out)
}

/// Distance-decay function of [`hansen_accessibility`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decay {
    /// `f(d) = d^(−β)`; needs d > 0.
    Power { beta: f64 },
    /// `f(d) = exp(−β d)`; defined at d = 0.
    Exponential { beta: f64 },
}

impl Decay {
    fn weight(self, d: f64, at: &str) -> Result<f64, MetricError> {
        let beta = match self {
            Decay::Power { beta } | Decay::Exponential { beta } => beta,
        };
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(MetricError::OutOfRange {
                what: "distance decay".into(),
                parameter: "beta".into(),
                value: beta,
                allowed: "finite and non-negative".into(),
            });
        }
        match self {
            Decay::Power { .. } => {
                check_distance("power distance decay", d, at)?;
                Ok(d.powf(-beta))
            }
            Decay::Exponential { .. } => {
                check_value("exponential distance decay: distance", d, at)?;
                Ok((-beta * d).exp())
            }
        }
    }
}

/// Hansen accessibility of each origin: `A_i = Σ_j M_j f(d_ij)`.
///
/// `masses` = opportunities at the `m` destinations (jobs, GDP), `distances` =
/// `n_origins x m` row-major. Unit: mass × decay weight; compare within one decay choice.
/// Reference: Hansen (1959), "How accessibility shapes land use", *JAIP* 25(2); REAT
/// `hansen`. With [`Decay::Power`] a zero distance is an error (infinite weight): leave the
/// origin's own cell out, or give it an internal distance (e.g. ⅓ √(area/π)).
///
/// ```
/// use tandem_core::metrics::spatial::{hansen_accessibility, Decay};
/// let a = hansen_accessibility(&[100.0, 50.0], &[10.0, 5.0], Decay::Power { beta: 1.0 }).unwrap();
/// assert!((a[0] - 20.0).abs() < 1e-12);
/// ```
pub fn hansen_accessibility(
    masses: &[f64],
    distances: &[f64],
    decay: Decay,
) -> Result<Vec<f64>, MetricError> {
    check_levels("Hansen accessibility: masses", masses)?;
    let m = masses.len();
    if !distances.chunks_exact(m).remainder().is_empty() || distances.is_empty() {
        return Err(MetricError::Shape {
            what: format!("Hansen accessibility: distances (origins x {m} destinations)"),
            expected: m * (distances.len() / m).max(1),
            got: distances.len(),
        });
    }
    distances
        .chunks(m)
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .zip(masses)
                .enumerate()
                .map(|(j, (d, mass))| {
                    Ok(mass * decay.weight(*d, &format!("origin {i}, destination {j}"))?)
                })
                .sum()
        })
        .collect()
}

/// Huff probabilities that origin i patronises destination j:
/// `P_ij = (S_j^α / d_ij^β) / Σ_k (S_k^α / d_ik^β)`.
///
/// `attractiveness` S over `m` destinations (floor space, GDP, jobs), `distances`
/// `n_origins x m` row-major, all positive. Unit: probability; each origin's row sums to 1.
/// Reference: Huff (1964), "Defining and estimating a trading area", *Journal of
/// Marketing* 28(3); REAT `huff`. A zero distance or an origin for which every destination
/// has zero attractiveness is [`MetricError::OutOfRange`] / [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::spatial::huff_probabilities;
/// let p = huff_probabilities(&[1.0, 4.0], &[1.0, 2.0], 1.0, 2.0).unwrap();
/// assert!((p[0] - 0.5).abs() < 1e-12 && (p[1] - 0.5).abs() < 1e-12);
/// ```
pub fn huff_probabilities(
    attractiveness: &[f64],
    distances: &[f64],
    alpha: f64,
    beta: f64,
) -> Result<Vec<f64>, MetricError> {
    positive_total("Huff probabilities: attractiveness", attractiveness)?;
    for (name, v) in [("alpha", alpha), ("beta", beta)] {
        if !v.is_finite() {
            return Err(MetricError::OutOfRange {
                what: "Huff probabilities".into(),
                parameter: name.into(),
                value: v,
                allowed: "finite".into(),
            });
        }
    }
    let m = attractiveness.len();
    if !distances.chunks_exact(m).remainder().is_empty() || distances.is_empty() {
        return Err(MetricError::Shape {
            what: format!("Huff probabilities: distances (origins x {m} destinations)"),
            expected: m * (distances.len() / m).max(1),
            got: distances.len(),
        });
    }
    let mut out = Vec::with_capacity(distances.len());
    for (i, row) in distances.chunks(m).enumerate() {
        let mut utility = Vec::with_capacity(m);
        for (j, (d, s)) in row.iter().zip(attractiveness).enumerate() {
            check_distance(
                "Huff probabilities",
                *d,
                &format!("origin {i}, destination {j}"),
            )?;
            utility.push(if *s > 0.0 {
                s.powf(alpha) / d.powf(beta)
            } else {
                0.0
            });
        }
        let total: f64 = utility.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(MetricError::NoActivity(format!(
                "Huff probabilities: origin {i} (no destination has positive finite utility)"
            )));
        }
        out.extend(utility.iter().map(|u| u / total));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // antipodes: half the circumference
        let d = haversine_km(0.0, 0.0, 0.0, 180.0).unwrap();
        assert!((d - EARTH_RADIUS_KM * std::f64::consts::PI).abs() < 1e-9);
        assert_eq!(haversine_km(31.2, 121.5, 31.2, 121.5).unwrap(), 0.0);
        assert!(haversine_km(91.0, 0.0, 0.0, 0.0).is_err());
        assert!(haversine_km(f64::NAN, 0.0, 0.0, 0.0).is_err());
    }

    #[test]
    fn zero_distances_and_bad_parameters_are_errors() {
        assert!(gravity_linkage(1.0, 1.0, 1.0, 1.0, 0.0, 2.0).is_err());
        assert!(gravity_matrix(&[1.0, 1.0], &[1.0, 1.0], &[0.0, 0.0, 1.0, 0.0], 2.0).is_err());
        assert!(hansen_accessibility(&[1.0], &[0.0], Decay::Power { beta: 2.0 }).is_err());
        let a = hansen_accessibility(&[1.0], &[0.0], Decay::Exponential { beta: 0.1 }).unwrap();
        assert_eq!(a, vec![1.0]);
        assert!(huff_probabilities(&[0.0, 0.0], &[1.0, 1.0], 1.0, 2.0).is_err());
        assert!(huff_probabilities(&[1.0, 1.0], &[1.0, 1.0, 1.0], 1.0, 2.0).is_err());
    }

    #[test]
    fn isolated_city_has_no_shares() {
        let r = gravity_matrix(
            &[0.0, 1.0, 1.0],
            &[0.0, 1.0, 1.0],
            &[0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0],
            2.0,
        )
        .unwrap();
        let f = linkage_shares(&r).unwrap();
        assert!(f[0..3].iter().all(Option::is_none));
        assert_eq!(f[5], Some(1.0));
        assert_eq!(f[3], Some(0.0));
    }
}
