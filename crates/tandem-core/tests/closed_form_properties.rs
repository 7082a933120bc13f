//! Property tests of the closed-form indicators: identities that hold for any valid input.

use proptest::prelude::*;
use tandem_core::metrics::disparity::{gini, theil_decomposition, TheilKind};
use tandem_core::metrics::shift_share::{esteban_marquillas, shift_share};
use tandem_core::metrics::spatial::huff_probabilities;
use tandem_core::metrics::specialisation::{
    hoover_localisation, krugman_dissimilarity, location_quotients, region_shares, RegionIndustry,
};
use tandem_core::metrics::structure::{moore_structural_change, sector_shares};

/// A region x industry matrix with some exact zeros and every row and column non-empty
/// (a positive diagonal-ish cell is forced per row).
fn matrix() -> impl Strategy<Value = (Vec<f64>, usize, usize)> {
    (1usize..7, 1usize..9).prop_flat_map(|(r, i)| {
        prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..1e6], r * i).prop_map(move |mut v| {
            for k in 0..r {
                v[k * i + k % i] += 1.0;
            }
            (v, r, i)
        })
    })
}

fn positive_vec(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.01f64..1e4, len)
}

proptest! {
    /// Σ_i s_ri = 1 for every region with activity.
    #[test]
    fn shares_sum_to_one((v, r, i) in matrix()) {
        let m = RegionIndustry::new(&v, r, i).unwrap();
        let s = region_shares(&m);
        for row in s.chunks(i) {
            let total: f64 = row.iter().map(|x| x.unwrap()).sum();
            prop_assert!((total - 1.0).abs() < 1e-12);
        }
        let flat = sector_shares(m.row(0)).unwrap();
        prop_assert!((flat.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    /// Σ_r (E_r / E) · LQ_ri = 1 for every industry with E_i > 0 (the share-weighted mean
    /// location quotient of an industry over regions is 1).
    #[test]
    fn region_weighted_mean_lq_is_one((v, r, i) in matrix()) {
        let m = RegionIndustry::new(&v, r, i).unwrap();
        let lq = location_quotients(&m).unwrap();
        let er = m.region_totals();
        let e = m.total();
        for (k, ei) in m.industry_totals().iter().enumerate() {
            if *ei > 0.0 {
                let mean: f64 = (0..r).map(|q| er[q] / e * lq[q * i + k].unwrap()).sum();
                prop_assert!((mean - 1.0).abs() < 1e-9, "industry {}: {}", k, mean);
            } else {
                prop_assert!((0..r).all(|q| lq[q * i + k].is_none()));
            }
        }
    }

    /// Krugman dissimilarity is in [0, 2], symmetric, and 0 for a region with itself;
    /// Hoover localisation is in [0, 1).
    #[test]
    fn krugman_and_hoover_ranges((v, r, i) in matrix()) {
        let m = RegionIndustry::new(&v, r, i).unwrap();
        for a in 0..r {
            for b in 0..r {
                let k = krugman_dissimilarity(m.row(a), m.row(b)).unwrap();
                prop_assert!((0.0..=2.0 + 1e-12).contains(&k));
                let back = krugman_dissimilarity(m.row(b), m.row(a)).unwrap();
                prop_assert!((k - back).abs() < 1e-12);
            }
            prop_assert!(krugman_dissimilarity(m.row(a), m.row(a)).unwrap() == 0.0);
        }
        for k in 0..i {
            if let Ok(h) = hoover_localisation(&m, k) {
                prop_assert!((0.0..1.0).contains(&h));
            }
        }
    }

    /// Theil T and L: between + within = total for any grouping.
    #[test]
    fn theil_between_plus_within_is_total(
        (g, p, groups) in (2usize..12).prop_flat_map(|n| (
            positive_vec(n..n + 1),
            positive_vec(n..n + 1),
            prop::collection::vec(0usize..4, n),
        ))
    ) {
        for kind in [TheilKind::T, TheilKind::L] {
            let d = theil_decomposition(&g, &p, &groups, kind).unwrap();
            prop_assert!(d.total >= -1e-15);
            prop_assert!(d.between >= -1e-15 && d.within >= -1e-15);
            prop_assert!((d.total - d.between - d.within).abs() < 1e-12 * d.total.max(1.0));
        }
    }

    /// Gini is in [0, 1) and never above 1 − 1/n.
    #[test]
    fn gini_in_unit_interval(x in prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..1e6], 1..40)) {
        prop_assume!(x.iter().sum::<f64>() > 0.0);
        let g = gini(&x).unwrap();
        let n = x.len() as f64;
        prop_assert!((0.0..1.0).contains(&g));
        prop_assert!(g <= 1.0 - 1.0 / n + 1e-12);
    }

    /// Huff probabilities of every origin sum to 1 and are in [0, 1].
    #[test]
    fn huff_rows_sum_to_one(
        (s, d) in (1usize..8, 1usize..6).prop_flat_map(|(m, n)| (
            positive_vec(m..m + 1),
            prop::collection::vec(0.1f64..3000.0, n * m),
        )),
        alpha in 0.0f64..3.0,
        beta in 0.0f64..3.0,
    ) {
        let p = huff_probabilities(&s, &d, alpha, beta).unwrap();
        for row in p.chunks(s.len()) {
            prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|x| (0.0..=1.0).contains(x)));
        }
    }

    /// Shift-share components add up to the change, and Esteban-Marquillas' competitive
    /// and allocation effects add up to the regional share.
    #[test]
    fn shift_share_components_add_up((v, r, i) in matrix(), growth in prop::collection::vec(0.0f64..2.0, 1..64)) {
        let end: Vec<f64> = v.iter().enumerate().map(|(k, x)| x * growth[k % growth.len()]).collect();
        let base = RegionIndustry::new(&v, r, i).unwrap();
        let end = RegionIndustry::new(&end, r, i).unwrap();
        for c in shift_share(&base, &end).unwrap() {
            let scale = c.change.abs().max(c.national_share.abs()).max(1.0);
            prop_assert!((c.national_share + c.industry_mix + c.regional_share - c.change).abs() < 1e-9 * scale);
        }
        for c in esteban_marquillas(&base, &end).unwrap() {
            if let (Some(ce), Some(ae)) = (c.competitive_effect, c.allocation_effect) {
                let scale = c.classic.regional_share.abs().max(c.homothetic).max(1.0);
                prop_assert!((ce + ae - c.classic.regional_share).abs() < 1e-9 * scale);
            }
        }
    }

    /// The Moore angle is in [0, π/2] and agrees with its cosine.
    #[test]
    fn moore_angle_range(a in positive_vec(1..10), scale in 0.1f64..10.0) {
        let b: Vec<f64> = a.iter().rev().map(|x| x * scale).collect();
        let m = moore_structural_change(&a, &b).unwrap();
        prop_assert!((0.0..=std::f64::consts::FRAC_PI_2).contains(&m.angle_radians));
        prop_assert!((m.angle_radians.cos() - m.cosine).abs() < 1e-12);
    }
}
