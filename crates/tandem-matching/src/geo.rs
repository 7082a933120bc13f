//! Great-circle distance (tandem-core's haversine, so the whole project measures distance
//! one way) and the distance decay of the matching score.

pub use tandem_core::metrics::spatial::{haversine_km, EARTH_RADIUS_KM};

/// Exponential distance decay `f(d) = exp(−d / λ)`, in (0, 1], as in the exponential form
/// of spatial-interaction (gravity) models (Wilson 1971, "A family of spatial interaction
/// models", *Environment and Planning* 3:1; Fotheringham & O'Kelly 1989). `f(0) = 1`; the
/// score halves every `λ ln 2` km. `lambda_km` must be positive (checked when weights load).
pub fn decay(d_km: f64, lambda_km: f64) -> f64 {
    (-d_km / lambda_km).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_halves_every_lambda_ln2() {
        assert!((decay(300.0 * std::f64::consts::LN_2, 300.0) - 0.5).abs() < 1e-15);
        assert_eq!(decay(0.0, 300.0), 1.0);
        assert!((decay(300.0, 300.0) - (-1.0f64).exp()).abs() < 1e-15);
    }
}
