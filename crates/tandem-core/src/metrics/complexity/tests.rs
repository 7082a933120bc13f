//! Unit and property tests of the complexity family (the golden comparison with
//! py-ecomplexity is in `tests/golden_complexity.rs`).

use super::*;
use proptest::prelude::*;

/// A small activity matrix with a nested structure (big, diverse regions hold the rare
/// industries) plus noise, regions x industries row-major.
fn nested_values(regions: usize, industries: usize, noise: &[f64]) -> Vec<f64> {
    let mut v = Vec::with_capacity(regions * industries);
    for c in 0..regions {
        for p in 0..industries {
            let reach = (regions - c) as f64 / regions as f64;
            let rarity = (p + 1) as f64 / industries as f64;
            let base = if rarity <= reach + 0.15 { 100.0 } else { 5.0 };
            v.push(base * (1.0 + noise[(c * industries + p) % noise.len()]));
        }
    }
    v
}

fn mcp_of(values: &[f64], regions: usize, industries: usize) -> Vec<f64> {
    let y = complexity_year(values, regions, industries, &ComplexityOptions::default()).unwrap();
    y.mcp.iter().map(|m| m.unwrap()).collect()
}

#[test]
fn eigenvector_satisfies_the_eigen_equation_on_both_sides() {
    // Wide (regions < industries: the region-side Gram matrix is decomposed) and tall
    // (the industry side) inputs: in both, kp must solve Mpp kp = λ2 kp for the
    // non-symmetric Mpp = (M/u)ᵀ(M/d) that py-ecomplexity decomposes directly.
    let noise: Vec<f64> = (0..97).map(|k| ((k * 37 % 97) as f64) / 97.0).collect();
    for (nr, np) in [(6, 11), (11, 6), (7, 7)] {
        let mcp = mcp_of(&nested_values(nr, np, &noise), nr, np);
        let d = diversity(&mcp, nr, np).unwrap();
        let u = ubiquity(&mcp, nr, np).unwrap();
        let ep = eci_pci(&mcp, nr, np, PciScale::EciMoments).unwrap();
        let lambda = ep.eigenvalues.second;
        assert!(lambda > 0.0 && lambda < 1.0, "{nr}x{np}: λ2 = {lambda}");
        assert!((ep.eigenvalues.first - 1.0).abs() < 1e-12);
        let norm: f64 = ep.kp.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-12);
        for p in 0..np {
            let mut lhs = 0.0;
            for q in 0..np {
                let mpp: f64 = (0..nr)
                    .map(|c| mcp[c * np + p] * mcp[c * np + q] / (u[p] * d[c]))
                    .sum();
                lhs += mpp * ep.kp[q];
            }
            assert!(
                (lhs - lambda * ep.kp[p]).abs() < 1e-12,
                "{nr}x{np} product {p}: {lhs} vs {}",
                lambda * ep.kp[p]
            );
        }
        // kc = (M/d) kp
        for c in 0..nr {
            let kc: f64 = (0..np).map(|p| mcp[c * np + p] * ep.kp[p]).sum::<f64>() / d[c];
            assert!((kc - ep.kc[c]).abs() < 1e-14);
        }
    }
}

#[test]
fn empty_regions_and_industries_are_dropped_and_reported_as_none() {
    let noise: Vec<f64> = (0..31).map(|k| ((k * 7 % 31) as f64) / 31.0).collect();
    let (nr, np) = (6, 8);
    let base = nested_values(nr, np, &noise);
    // Insert an empty region (row 2) and an empty industry (column 5).
    let (fr, fp) = (nr + 1, np + 1);
    let mut full = vec![0.0; fr * fp];
    for c in 0..nr {
        for p in 0..np {
            let (cc, pp) = (
                if c >= 2 { c + 1 } else { c },
                if p >= 5 { p + 1 } else { p },
            );
            full[cc * fp + pp] = base[c * np + p];
        }
    }
    let opts = ComplexityOptions::default();
    let small = complexity_year(&base, nr, np, &opts).unwrap();
    let big = complexity_year(&full, fr, fp, &opts).unwrap();
    assert_eq!(big.kept_regions, vec![0, 1, 3, 4, 5, 6]);
    assert_eq!(big.kept_industries, vec![0, 1, 2, 3, 4, 6, 7, 8]);
    for p in 0..fp {
        assert_eq!(big.rca[2 * fp + p], None);
        assert_eq!(big.density[2 * fp + p], None);
    }
    for c in 0..fr {
        assert_eq!(big.mcp[c * fp + 5], None);
        assert_eq!(big.cog[c * fp + 5], None);
    }
    assert_eq!(
        (big.eci[2], big.coi[2], big.diversity[2]),
        (None, None, None)
    );
    assert_eq!((big.pci[5], big.ubiquity[5]), (None, None));
    // The kept cells equal the computation without the empty row and column.
    for (a, &c) in big.kept_regions.iter().enumerate() {
        assert_eq!(big.eci[c], small.eci[a]);
        for (b, &p) in big.kept_industries.iter().enumerate() {
            assert_eq!(big.density[c * fp + p], small.density[a * np + b]);
            assert_eq!(big.cog[c * fp + p], small.cog[a * np + b]);
        }
    }
}

#[test]
fn degenerate_years_are_errors() {
    // Two disconnected blocks: λ2 = λ1 = 1, the ECI eigenvector is not determined.
    #[rustfmt::skip]
    let blocks = [
        9.0, 9.0, 0.0, 0.0,
        9.0, 8.0, 0.0, 0.0,
        0.0, 0.0, 7.0, 9.0,
        0.0, 0.0, 9.0, 7.0,
    ];
    let err = complexity_year(&blocks, 4, 4, &ComplexityOptions::default()).unwrap_err();
    assert!(
        matches!(&err, MetricError::EigenGap { first, second, min_gap, .. } if first - second < *min_gap),
        "{err}"
    );
    assert!(err.to_string().contains("disconnected"), "{err}");
    // One active region only.
    let one = [0.0, 0.0, 1.0, 2.0];
    assert!(matches!(
        complexity_year(&one, 2, 2, &ComplexityOptions::default()),
        Err(MetricError::TooFew {
            needed: 2,
            got: 1,
            ..
        })
    ));
    assert!(matches!(
        complexity_year(&[0.0; 4], 2, 2, &ComplexityOptions::default()),
        Err(MetricError::NoActivity(_))
    ));
    assert!(matches!(
        complexity_year(&[1.0, -1.0, 2.0, 3.0], 2, 2, &ComplexityOptions::default()),
        Err(MetricError::Negative { value, .. }) if value == -1.0
    ));
    assert!(matches!(
        complexity_year(&[1.0, f64::NAN, 2.0, 3.0], 2, 2, &ComplexityOptions::default()),
        Err(MetricError::NonFinite { value, at, .. }) if value.is_nan() && at == "region 0, industry 1 (0-based)"
    ));
    assert!(matches!(
        complexity_year(&[1.0, 2.0, 3.0], 2, 2, &ComplexityOptions::default()),
        Err(MetricError::Shape {
            expected: 4,
            got: 3,
            ..
        })
    ));
    assert!(matches!(
        diversity(&[1.0, 0.5], 1, 2),
        Err(MetricError::OutOfRange { parameter, value, .. })
            if value == 0.5 && parameter == "Mcp at region 0, industry 1 (0-based)"
    ));
    assert!(matches!(
        proximity(&[1.0, 0.0, 1.0, 0.0], 2, 2, ProximityKind::MinConditional),
        Err(MetricError::ZeroUbiquity { industry: 1, .. })
    ));
}

#[test]
fn a_threshold_that_leaves_a_region_without_advantage_is_an_error() {
    // Region 1 has exactly the national mix: RCA = 1 everywhere, so nothing at threshold 1.5.
    #[rustfmt::skip]
    let values = [
        30.0, 10.0, 10.0,
        20.0, 20.0, 20.0,
        10.0, 30.0, 30.0,
    ];
    let opts = ComplexityOptions {
        rca_threshold: 1.5,
        ..ComplexityOptions::default()
    };
    let err = complexity_year(&values, 3, 3, &opts).unwrap_err();
    assert!(
        matches!(&err, MetricError::ZeroDiversity { what, region: 1 } if what.contains("1.5")),
        "{err}"
    );
    let bad = ComplexityOptions {
        rca_threshold: f64::NAN,
        ..ComplexityOptions::default()
    };
    assert!(matches!(
        complexity_year(&values, 3, 3, &bad),
        Err(MetricError::OutOfRange { parameter, value, .. })
            if parameter.contains("threshold") && value.is_nan()
    ));
}

#[test]
fn panel_errors_name_the_year() {
    let mut records = Vec::new();
    for (c, region) in ["a", "b", "c", "d"].iter().enumerate() {
        for (p, industry) in ["x", "y", "z", "w"].iter().enumerate() {
            // 2020 is two disconnected blocks.
            let v = if (c < 2) == (p < 2) {
                5.0 + (c + p) as f64
            } else {
                0.0
            };
            records.push((*region, *industry, 2020, v));
        }
    }
    let panel = Panel::from_records("employment", records).unwrap();
    let err = complexity_panel(&panel, &ComplexityOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("year 2020: "), "{err}");
}

/// A panel row of a dropped region or industry is empty in every column, as py-ecomplexity's
/// merged output row: the kept side's diversity, ECI, COI (or ubiquity, PCI) are not
/// repeated into it.
#[test]
fn panel_rows_of_dropped_regions_and_industries_are_empty() {
    let x = [
        [9.0, 8.0, 7.0, 6.0, 0.0],
        [8.0, 7.0, 6.0, 0.5, 0.0],
        [7.0, 6.0, 0.5, 0.5, 0.0],
        [6.0, 0.5, 0.5, 0.5, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ];
    let (regions, industries) = (["a", "b", "c", "d", "e"], ["p", "q", "r", "s", "t"]);
    let mut records = Vec::new();
    for (c, region) in regions.iter().enumerate() {
        for (p, industry) in industries.iter().enumerate() {
            records.push((*region, *industry, 2020, x[c][p]));
        }
    }
    let panel = Panel::from_records("employment", records).unwrap();
    let rows = complexity_panel(&panel, &ComplexityOptions::default())
        .unwrap()
        .to_rows();
    for row in rows {
        let values = [
            row.rca,
            row.mcp,
            row.diversity,
            row.ubiquity,
            row.eci,
            row.pci,
            row.density,
            row.coi,
            row.cog,
        ];
        let dropped = row.region == "e" || row.industry == "t";
        let what = (row.region, row.industry);
        assert!(
            values.iter().all(|v| v.is_none() == dropped),
            "{what:?}: {values:?}"
        );
    }
}

/// A block of several years gives each year's own result, whichever thread and parallelism
/// solved it (5 years: whole rounds on threads, the last year with every core), and an
/// error carries the index of the earliest failing year.
#[test]
fn a_block_of_years_equals_its_years_one_by_one() {
    let (nr, np) = (9, 14);
    let opts = ComplexityOptions::default();
    let years: Vec<Vec<f64>> = (0..5)
        .map(|t| nested_values(nr, np, &[0.0, 0.1 * t as f64, -0.05, 0.2, 0.03]))
        .collect();
    let block: Vec<f64> = years.concat();
    let solved = complexity_block(&block, None, None, 5, nr, np, &opts).unwrap();
    for (t, values) in years.iter().enumerate() {
        assert_eq!(
            solved[t].clone().scattered(),
            complexity_year(values, nr, np, &opts).unwrap(),
            "year {t}"
        );
    }
    let mut broken = block.clone();
    // Year 3 and year 4 lose every region but one: too few regions.
    for t in [3, 4] {
        broken[t * nr * np + np..(t + 1) * nr * np].fill(0.0);
    }
    let (t, e) = complexity_block(&broken, None, None, 5, nr, np, &opts).unwrap_err();
    assert_eq!(t, 3);
    assert!(matches!(e, MetricError::TooFew { .. }), "{e}");
    let (t, e) = complexity_block(&block[1..], None, None, 5, nr, np, &opts).unwrap_err();
    assert_eq!(t, 0);
    assert!(matches!(e, MetricError::Shape { .. }), "{e}");
}

/// A given proximity (py-ecomplexity's `proximity_edgelist`) replaces the computed one: the
/// computed one given back changes nothing (an idle industry's rows are not read, a NaN
/// diagonal is 1), another one gives density by its formula, and ECI stays.
#[test]
fn a_given_proximity_replaces_the_computed_one() {
    let (nr, np) = (9, 14);
    let opts = ComplexityOptions::default();
    let mut values = nested_values(nr, np, &[0.0, 0.1, -0.05, 0.2, 0.03]);
    for c in 0..nr {
        values[c * np + 5] = 0.0; // industry 5 is idle
    }
    let own = complexity_block(&values, None, None, 1, nr, np, &opts).unwrap();
    let kept = own[0].kept_industries.clone();
    let k = kept.len();
    assert_eq!(k, np - 1);
    let mut full = vec![7.0; np * np];
    for (a, &p) in kept.iter().enumerate() {
        for (b, &q) in kept.iter().enumerate() {
            full[p * np + q] = own[0].proximity[a * k + b];
        }
    }
    full[3 * np + 3] = f64::NAN;
    let given = complexity_block(&values, None, Some(&full), 1, nr, np, &opts).unwrap();
    assert_eq!(given, own);

    // Another proximity: density is Σ_p' M_cp' φ_pp' / Σ_p' φ_pp' over the kept industries.
    let other: Vec<f64> = (0..np * np)
        .map(|i| {
            if i / np == i % np {
                1.0
            } else {
                ((i * 37) % 11) as f64 / 10.0
            }
        })
        .collect();
    let got = &complexity_block(&values, None, Some(&other), 1, nr, np, &opts).unwrap()[0];
    let phi = |a: usize, b: usize| other[kept[a] * np + kept[b]];
    let nc = got.kept_regions.len();
    for c in 0..nc {
        for a in 0..k {
            let num: f64 = (0..k).map(|b| got.mcp[c * k + b] * phi(a, b)).sum();
            let den: f64 = (0..k).map(|b| phi(a, b)).sum();
            let density = got.density[c * k + a].unwrap();
            assert!(
                (density - num / den).abs() < 1e-12,
                "region {c}, industry {a}"
            );
        }
    }
    assert_eq!(got.eci, own[0].eci);
    assert_ne!(got.coi, own[0].coi);

    let mut negative = other.clone();
    negative[np + 2] = -0.1;
    let (_, e) = complexity_block(&values, None, Some(&negative), 1, nr, np, &opts).unwrap_err();
    assert!(matches!(e, MetricError::OutOfRange { .. }), "{e}");
    assert!(
        e.to_string().contains("industry 1 (0-based) to industry 2"),
        "{e}"
    );
    let (_, e) = complexity_block(&values, None, Some(&other[1..]), 1, nr, np, &opts).unwrap_err();
    assert!(matches!(e, MetricError::Shape { .. }), "{e}");
}

#[test]
fn asymmetric_proximity_is_the_conditional_probability() {
    // Industry 0 in regions {0,1,2}, industry 1 in {0,1}, industry 2 in {2}.
    #[rustfmt::skip]
    let mcp = [
        1.0, 1.0, 0.0,
        1.0, 1.0, 0.0,
        1.0, 0.0, 1.0,
    ];
    let sym = proximity(&mcp, 3, 3, ProximityKind::MinConditional).unwrap();
    let asym = proximity(&mcp, 3, 3, ProximityKind::Asymmetric).unwrap();
    // P(1 | 0) = 2/3, P(0 | 1) = 1, min = 2/3; P(2 | 1) = 0.
    assert_eq!(asym[1], 2.0 / 3.0);
    assert_eq!(asym[3], 1.0);
    assert_eq!(sym[1], 2.0 / 3.0);
    assert_eq!(sym[3], 2.0 / 3.0);
    assert_eq!(sym[5], 0.0);
    assert_eq!(asym[2], 1.0 / 3.0);
    assert_eq!(asym[6], 1.0);
    for p in 0..3 {
        assert_eq!(sym[p * 3 + p], 1.0);
        assert_eq!(asym[p * 3 + p], 1.0);
    }
    // Density of region 2 around industry 1 (it has 0 and 2, not 1):
    // with diagonal (2/3 + 0) / (2/3 + 1 + 0); without: 100 · (2/3) / (2/3).
    let with = relatedness_density(&mcp, 3, 3, &sym, DensityVariant::IncludeDiagonal).unwrap();
    let without =
        relatedness_density(&mcp, 3, 3, &sym, DensityVariant::ExcludeDiagonalX100).unwrap();
    assert!((with[2 * 3 + 1].unwrap() - (2.0 / 3.0) / (5.0 / 3.0)).abs() < 1e-15);
    assert!((without[2 * 3 + 1].unwrap() - 100.0).abs() < 1e-12);
    // An industry related to no other one has no no-diagonal density.
    let isolated = [1.0, 0.0, 0.0, 1.0];
    let phi = proximity(&isolated, 2, 2, ProximityKind::MinConditional).unwrap();
    let d0 =
        relatedness_density(&isolated, 2, 2, &phi, DensityVariant::ExcludeDiagonalX100).unwrap();
    assert_eq!(d0, vec![None; 4]);
}

#[test]
fn public_building_blocks_agree_with_the_year_pipeline() {
    let noise: Vec<f64> = (0..53).map(|k| ((k * 11 % 53) as f64) / 53.0).collect();
    let (nr, np) = (9, 7);
    let values = nested_values(nr, np, &noise);
    let year = complexity_year(&values, nr, np, &ComplexityOptions::default()).unwrap();
    let mcp: Vec<f64> = year.mcp.iter().map(|m| m.unwrap()).collect();
    let phi = proximity(&mcp, nr, np, ProximityKind::MinConditional).unwrap();
    assert_eq!(phi, year.proximity);
    let dens = relatedness_density(&mcp, nr, np, &phi, DensityVariant::IncludeDiagonal).unwrap();
    assert_eq!(dens, year.density);
    let ep = eci_pci(&mcp, nr, np, PciScale::EciMoments).unwrap();
    let out = complexity_outlook(&mcp, nr, np, &phi, &ep).unwrap();
    assert_eq!(
        out.coi.iter().map(|v| Some(*v)).collect::<Vec<_>>(),
        year.coi
    );
    assert_eq!(
        out.cog.iter().map(|v| Some(*v)).collect::<Vec<_>>(),
        year.cog
    );
    // COG is zero where the region already has the industry, COI has mean 0 and sd 1.
    for (k, m) in mcp.iter().enumerate() {
        if *m == 1.0 {
            assert_eq!(out.cog[k], 0.0);
        }
    }
    let (mean, sd) = basic::mean_sd(&out.coi);
    assert!(mean.abs() < 1e-12 && (sd - 1.0).abs() < 1e-12);
    // The own-moments PCI is a z-score and a monotone transform of the default PCI.
    let own = eci_pci(&mcp, nr, np, PciScale::OwnMoments).unwrap();
    let (m2, s2) = basic::mean_sd(&own.pci);
    assert!(m2.abs() < 1e-12 && (s2 - 1.0).abs() < 1e-12);
    for p in 0..np {
        for q in 0..np {
            assert_eq!(own.pci[p] < own.pci[q], ep.pci[p] < ep.pci[q]);
        }
    }
}

#[test]
fn fitness_ranks_a_nested_matrix() {
    // Perfectly nested: region 0 has everything, industry 2 only the most diverse region.
    #[rustfmt::skip]
    let mcp = [
        1.0, 1.0, 1.0,
        1.0, 1.0, 0.0,
        1.0, 0.0, 0.0,
    ];
    let fc = fitness_complexity(&mcp, 3, 3, &FitnessOptions::default()).unwrap();
    assert!(fc.fitness[0] > fc.fitness[1] && fc.fitness[1] > fc.fitness[2]);
    assert!(fc.complexity[2] > fc.complexity[1] && fc.complexity[1] > fc.complexity[0]);
    // For a perfectly nested matrix the lower fitnesses decay towards 0 without a fixed
    // point (Pugliese et al. 2016), so the cap is reached and reported.
    assert!(!fc.converged);
    assert_eq!(fc.iterations, FitnessOptions::default().max_iterations);
    for v in fc.fitness.iter().chain(&fc.complexity) {
        assert!(v.is_finite() && *v >= 0.0);
    }
    assert!((fc.fitness.iter().sum::<f64>() / 3.0 - 1.0).abs() < 1e-12);
    assert!((fc.complexity.iter().sum::<f64>() / 3.0 - 1.0).abs() < 1e-12);
}

#[test]
fn fitness_converges_to_a_fixed_point_when_not_nested() {
    #[rustfmt::skip]
    let mcp = [
        1.0, 1.0, 1.0, 1.0,
        1.0, 1.0, 1.0, 0.0,
        1.0, 1.0, 0.0, 0.0,
        1.0, 0.0, 0.0, 1.0,
    ];
    let fc = fitness_complexity(&mcp, 4, 4, &FitnessOptions::default()).unwrap();
    assert!(
        fc.converged && fc.iterations < 1000,
        "{} iterations",
        fc.iterations
    );
    // Fixed point: F ∝ M Q and Q ∝ 1 / (Mᵀ (1/F)).
    let f_raw: Vec<f64> = (0..4)
        .map(|c| (0..4).map(|p| mcp[c * 4 + p] * fc.complexity[p]).sum())
        .collect();
    let q_raw: Vec<f64> = (0..4)
        .map(|p| 1.0 / (0..4).map(|c| mcp[c * 4 + p] / fc.fitness[c]).sum::<f64>())
        .collect();
    for c in 0..4 {
        assert!((f_raw[c] / f_raw[0] - fc.fitness[c] / fc.fitness[0]).abs() < 1e-8);
        assert!((q_raw[c] / q_raw[0] - fc.complexity[c] / fc.complexity[0]).abs() < 1e-8);
    }
    // The region holding a superset of another's industries is at least as fit.
    assert!(fc.fitness[0] > fc.fitness[1] && fc.fitness[1] > fc.fitness[2]);
    assert!(fc.fitness[0] > fc.fitness[3]);
    // Relabelling regions and industries relabels the result.
    let perm = [2usize, 0, 3, 1];
    let mut permuted = vec![0.0; 16];
    for c in 0..4 {
        for p in 0..4 {
            permuted[perm[c] * 4 + perm[p]] = mcp[c * 4 + p];
        }
    }
    let fp = fitness_complexity(&permuted, 4, 4, &FitnessOptions::default()).unwrap();
    for (k, &to) in perm.iter().enumerate() {
        assert!((fp.fitness[to] - fc.fitness[k]).abs() < 1e-12);
        assert!((fp.complexity[to] - fc.complexity[k]).abs() < 1e-12);
    }
    assert!(matches!(
        fitness_complexity(
            &mcp,
            4,
            4,
            &FitnessOptions {
                tolerance: 0.0,
                max_iterations: 5
            }
        ),
        Err(MetricError::OutOfRange { value: 0.0, .. })
    ));
}

fn activity() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (3usize..12, 3usize..14).prop_flat_map(|(nr, np)| {
        (
            Just(nr),
            Just(np),
            proptest::collection::vec(
                prop_oneof![1 => Just(0.0), 4 => (1u32..5000).prop_map(f64::from)],
                nr * np,
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn complexity_invariants_hold((nr, np, values) in activity()) {
        let year = complexity_year(&values, nr, np, &ComplexityOptions::default());
        // Random matrices can be degenerate (disconnected, constant diversity); those are
        // errors by design and are skipped, but most cases must get through.
        prop_assume!(year.is_ok());
        let year = year.unwrap();
        let kr = &year.kept_regions;
        let kp = &year.kept_industries;
        let eci: Vec<f64> = kr.iter().map(|c| year.eci[*c].unwrap()).collect();
        let (mean, sd) = basic::mean_sd(&eci);
        prop_assert!(mean.abs() < 1e-10, "mean ECI {}", mean);
        prop_assert!((sd - 1.0).abs() < 1e-10, "sd ECI {}", sd);
        // ECI_c = mean PCI over the industries with Mcp = 1.
        for &c in kr {
            let pcis: Vec<f64> = kp
                .iter()
                .filter(|p| year.mcp[c * np + **p] == Some(1.0))
                .map(|p| year.pci[*p].unwrap())
                .collect();
            let m = pcis.iter().sum::<f64>() / pcis.len() as f64;
            prop_assert!((m - year.eci[c].unwrap()).abs() < 1e-9, "region {}", c);
        }
        // Proximity symmetric, unit diagonal, within [0, 1].
        let n = kp.len();
        for a in 0..n {
            prop_assert_eq!(year.proximity[a * n + a], 1.0);
            for b in 0..n {
                let v = year.proximity[a * n + b];
                prop_assert!((0.0..=1.0).contains(&v));
                prop_assert_eq!(v, year.proximity[b * n + a]);
            }
        }
        // Density within [0, 1] wherever defined, and defined on every kept cell.
        for &c in kr {
            for &p in kp {
                let d = year.density[c * np + p];
                prop_assert!(d.is_some_and(|v| (0.0..=1.0).contains(&v)));
            }
        }
        // The EconGeo variant stays within [0, 100].
        let opts = ComplexityOptions { density: DensityVariant::ExcludeDiagonalX100, ..ComplexityOptions::default() };
        let variant = complexity_year(&values, nr, np, &opts).unwrap();
        for d in variant.density.iter().flatten() {
            prop_assert!((0.0..=100.0).contains(d));
        }
    }

    #[test]
    fn fitness_is_normalised_and_finite((nr, np, values) in activity()) {
        let year = complexity_year(&values, nr, np, &ComplexityOptions::default());
        prop_assume!(year.is_ok());
        let year = year.unwrap();
        let (kr, kp) = (&year.kept_regions, &year.kept_industries);
        let mcp: Vec<f64> = kr
            .iter()
            .flat_map(|c| kp.iter().map(move |p| (c, p)))
            .map(|(c, p)| year.mcp[c * np + p].unwrap())
            .collect();
        let fc = fitness_complexity(&mcp, kr.len(), kp.len(), &FitnessOptions { tolerance: 1e-9, max_iterations: 300 }).unwrap();
        let mf = fc.fitness.iter().sum::<f64>() / kr.len() as f64;
        let mq = fc.complexity.iter().sum::<f64>() / kp.len() as f64;
        prop_assert!((mf - 1.0).abs() < 1e-9 && (mq - 1.0).abs() < 1e-9);
        prop_assert!(fc.fitness.iter().chain(&fc.complexity).all(|v| v.is_finite() && *v >= 0.0));
        // More diverse with the same industries plus more: a region whose industries contain
        // another's is at least as fit.
        for a in 0..kr.len() {
            for b in 0..kr.len() {
                let contains = (0..kp.len()).all(|p| mcp[a * kp.len() + p] >= mcp[b * kp.len() + p]);
                if contains {
                    prop_assert!(fc.fitness[a] >= fc.fitness[b] * (1.0 - 1e-9));
                }
            }
        }
    }
}

/// The presence tests against identities: with populations proportional to the regions'
/// totals, RPOP is RCA, so `"rpop"` gives the RCA results; `"both"` then doubles `M`, which
/// leaves ECI, PCI, COI and COG unchanged and doubles density; `"manual"` with the RCA
/// presence as values gives the RCA results with the values as RCA.
#[test]
fn presence_tests_agree_with_rca_where_they_must() {
    let (nr, np) = (9, 14);
    let values = nested_values(nr, np, &[0.0, 0.1, -0.05, 0.2, 0.03, -0.12, 0.07]);
    let totals: Vec<f64> = values
        .chunks(np)
        .map(|r| 3.0 * r.iter().sum::<f64>())
        .collect();
    let rca = complexity_year(&values, nr, np, &ComplexityOptions::default()).unwrap();
    let with = |presence| ComplexityOptions {
        presence,
        ..ComplexityOptions::default()
    };
    let close = |a: &[Option<f64>], b: &[Option<f64>], factor: f64, what: &str| {
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            let (x, y) = (x.unwrap(), y.unwrap() * factor);
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                "{what} {k}: {x} vs {y}"
            );
        }
    };
    let rpop = with(Presence::Rpop { threshold: 1.0 });
    let got = complexity_year_with_population(&values, &totals, nr, np, &rpop).unwrap();
    assert_eq!(got.mcp, rca.mcp);
    close(got.rpop.as_ref().unwrap(), &rca.rca, 1.0, "rpop");
    close(&got.eci, &rca.eci, 1.0, "eci");
    let both = with(Presence::Both { threshold: 1.0 });
    let got = complexity_year_with_population(&values, &totals, nr, np, &both).unwrap();
    assert!(got
        .mcp
        .iter()
        .zip(&rca.mcp)
        .all(|(b, r)| b.unwrap() == 2.0 * r.unwrap()));
    close(&got.eci, &rca.eci, 1.0, "eci");
    close(&got.pci, &rca.pci, 1.0, "pci");
    close(&got.density, &rca.density, 2.0, "density");
    let mcp: Vec<f64> = rca.mcp.iter().map(|m| m.unwrap()).collect();
    let got = complexity_year(&mcp, nr, np, &with(Presence::Manual)).unwrap();
    assert_eq!(got.rca, rca.mcp);
    for (a, b, what) in [
        (&got.eci, &rca.eci, "eci"),
        (&got.density, &rca.density, "density"),
        (&got.cog, &rca.cog, "cog"),
    ] {
        close(a, b, 1.0, what);
    }
    // The RPOP tests need the population; a bad one names the region.
    let e = complexity_year(&values, nr, np, &rpop).unwrap_err();
    assert!(
        matches!(e, MetricError::Shape { .. }) && e.to_string().contains("population"),
        "{e}"
    );
    let mut holes = totals.clone();
    holes[4] = f64::NAN;
    let e = complexity_year_with_population(&values, &holes, nr, np, &rpop).unwrap_err();
    assert!(e.to_string().contains("population of region 4"), "{e}");
    let bad = with(Presence::Rpop { threshold: 0.0 });
    let e = complexity_year_with_population(&values, &totals, nr, np, &bad).unwrap_err();
    assert!(e.to_string().contains("RPOP threshold"), "{e}");
    // A block passes each year's population.
    let block = [values.clone(), values.clone()].concat();
    let pops = [totals.clone(), totals.iter().map(|t| t * 2.0).collect()].concat();
    let years = complexity_block(&block, Some(&pops), None, 2, nr, np, &rpop).unwrap();
    assert_eq!(years[1].clone().scattered().mcp, rca.mcp);
    assert!(complexity_block(&block, Some(&pops[1..]), None, 2, nr, np, &rpop).is_err());
}

/// Continuous proximity is (1 + Pearson correlation of the RCA columns) / 2, worked out here
/// for two industries by hand; density then weighs RCA. A constant column and the "both"
/// presence test are errors.
#[test]
fn continuous_proximity_is_the_rca_correlation_and_density_weighs_rca() {
    let (nr, np) = (9, 14);
    let values = nested_values(nr, np, &[0.0, 0.1, -0.05, 0.2, 0.03, -0.12, 0.07]);
    let opts = ComplexityOptions {
        continuous: true,
        ..ComplexityOptions::default()
    };
    let got = complexity_year(&values, nr, np, &opts).unwrap();
    let rca: Vec<f64> = got.rca.iter().map(|r| r.unwrap()).collect();
    let column = |p: usize| (0..nr).map(|c| rca[c * np + p]).collect::<Vec<_>>();
    let (a, b) = (column(2), column(9));
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let (ma, mb) = (mean(&a), mean(&b));
    let cov = |x: &[f64], mx: f64, y: &[f64], my: f64| {
        x.iter()
            .zip(y)
            .map(|(u, v)| (u - mx) * (v - my))
            .sum::<f64>()
    };
    let r = cov(&a, ma, &b, mb) / (cov(&a, ma, &a, ma) * cov(&b, mb, &b, mb)).sqrt();
    assert!((got.proximity[2 * np + 9] - (1.0 + r) / 2.0).abs() < 1e-14);
    assert!((got.proximity[2 * np + 2] - 1.0).abs() < 1e-14);
    // Density of region 4 around industry 2: Σ_q RCA_4q φ_2q / Σ_q φ_2q.
    let phi_row = &got.proximity[2 * np..3 * np];
    let want =
        (0..np).map(|q| rca[4 * np + q] * phi_row[q]).sum::<f64>() / phi_row.iter().sum::<f64>();
    assert!((got.density[4 * np + 2].unwrap() - want).abs() < 1e-12);
    let flat = faer::Mat::from_fn(4, 3, |c, p| if p == 1 { 2.0 } else { (c * (p + 1)) as f64 });
    let e =
        relatedness::correlation_proximity(flat.as_ref(), &[3, 5, 8], faer::Par::Seq).unwrap_err();
    assert!(e.to_string().contains("industry 5"), "{e}");
    let both = ComplexityOptions {
        presence: Presence::Both { threshold: 1.0 },
        ..opts
    };
    let totals: Vec<f64> = values.chunks(np).map(|r| r.iter().sum()).collect();
    let e = complexity_year_with_population(&values, &totals, nr, np, &both).unwrap_err();
    assert!(e.to_string().contains("continuous proximity"), "{e}");
}
