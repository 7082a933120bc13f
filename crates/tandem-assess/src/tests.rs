use super::*;
use std::collections::BTreeMap;

fn unit(id: &str, industry: &str, figures: &[(&str, Option<f64>)]) -> Unit {
    Unit {
        id: id.into(),
        industry: Some(industry.into()),
        group: None,
        figures: figures
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// Figures of an enterprise in the example scheme's columns: land (mu), years in production,
/// tax, value added (10^4 yuan), R&D %, energy (tce), emissions (t), employees.
fn figures(v: [f64; 8]) -> Vec<(&'static str, Option<f64>)> {
    let columns = [
        "land_mu",
        "years_in_production",
        "tax_10k_yuan",
        "value_added_10k_yuan",
        "rd_percent",
        "energy_tce",
        "emissions_t",
        "employees",
    ];
    columns.iter().zip(v).map(|(c, v)| (*c, Some(v))).collect()
}

#[test]
fn the_example_scheme_scores_a_worked_example_by_hand() {
    let scheme = Scheme::parse(EXAMPLE_PER_MU).unwrap();
    // 20 mu, tax 300 (15 per mu = the benchmark: 35), value added 2,000 (100 per mu: ratio
    // 1.25, 25), R&D 3 % (ratio 1.5, 22.5), energy 1,200 tce (0.6 per 10^4 yuan: 0.5 / 0.6,
    // 8.333…), emissions 30 t (0.015: ratio 1.333…, 13.333…), 100 employees (20 each: 0.8, 8).
    let a = unit(
        "e1",
        "C30",
        &figures([20.0, 5.0, 300.0, 2000.0, 3.0, 1200.0, 30.0, 100.0]),
    );
    // The industry benchmark for C36 is 25 per mu: tax of 15 per mu scores 35 · 0.6 = 21.
    let b = unit(
        "e2",
        "C36",
        &figures([20.0, 5.0, 300.0, 2000.0, 3.0, 1200.0, 30.0, 100.0]),
    );
    let run = assess(&scheme, 2025, &[a, b]).unwrap();
    let total_a = 35.0 + 25.0 + 22.5 + 10.0 * 0.5 / 0.6 + 10.0 * 0.02 / 0.015 + 8.0;
    let got = run.units[0].total.unwrap();
    assert!((got - total_a).abs() < 1e-9, "{got} vs {total_a}");
    assert_eq!(
        run.units[0].tier.as_deref(),
        Some("A"),
        "{total_a:.3} >= 110"
    );
    let got_b = run.units[1].total.unwrap();
    assert!((got_b - (total_a - 14.0)).abs() < 1e-9);
    assert_eq!(run.units[1].tier.as_deref(), Some("B"));
    assert_eq!(run.units[1].indicators[0].benchmark, 25.0);
    assert_eq!((run.units[0].rank, run.units[1].rank), (Some(1), Some(2)));
}

#[test]
fn eligibility_rules_exclude_or_class_and_missing_is_not_zero() {
    let scheme = Scheme::parse(EXAMPLE_PER_MU).unwrap();
    let small = unit(
        "small",
        "C30",
        &figures([2.0, 5.0, 30.0, 200.0, 1.0, 50.0, 1.0, 10.0]),
    );
    let new = unit(
        "new",
        "C30",
        &figures([10.0, 1.0, 30.0, 200.0, 1.0, 50.0, 1.0, 10.0]),
    );
    let mut gap = figures([10.0, 5.0, 30.0, 200.0, 1.0, 50.0, 1.0, 10.0]);
    gap[4].1 = None; // no R&D figure
    let gap = unit("gap", "C30", &gap);
    let run = assess(&scheme, 2025, &[small, new, gap]).unwrap();
    let [small, new, gap] = [&run.units[0], &run.units[1], &run.units[2]];
    assert!(small.not_scored.as_deref().unwrap().contains("3 mu"));
    assert_eq!((small.tier.as_deref(), small.total), (None, None));
    assert_eq!(new.tier.as_deref(), Some("new"));
    assert!(new.not_scored_zh.as_deref().unwrap().contains("2 年"));
    // Missing R&D: no total, no tier, the other indicators still shown.
    assert_eq!((gap.total, gap.tier.as_deref()), (None, None));
    assert_eq!(gap.indicators[2].value, None);
    assert!(gap.indicators[0].score.is_some());
}

#[test]
fn shares_tier_the_scored_units() {
    let mut text = EXAMPLE_PER_MU.replace(
        "method = \"thresholds\"\nminimums = [110.0, 90.0, 60.0]",
        "method = \"shares\"\nshares = [0.25, 0.25, 0.25, 0.25]",
    );
    text = text.replace("min = 2.0", "min = 0.0");
    let scheme = Scheme::parse(&text).unwrap();
    let units: Vec<Unit> = (0..8)
        .map(|i| {
            let tax = 50.0 + 40.0 * i as f64;
            unit(
                &format!("e{i}"),
                "C30",
                &figures([20.0, 5.0, tax, 2000.0, 2.0, 1000.0, 40.0, 80.0]),
            )
        })
        .collect();
    let run = assess(&scheme, 2025, &units).unwrap();
    let tiers: Vec<&str> = run
        .units
        .iter()
        .map(|u| u.tier.as_deref().unwrap())
        .collect();
    assert_eq!(tiers, ["D", "D", "C", "C", "B", "B", "A", "A"]);
}

#[test]
fn a_broken_scheme_names_its_field() {
    let cases = [
        ("weight = 35", "weight = -1", "indicators[0].weight"),
        (
            "benchmark = 15.0",
            "benchmark = 0.0",
            "indicators[0].benchmark",
        ),
        ("C36 = 25.0", "C36 = -2.0", "indicators[0].benchmarks.C36"),
        (
            "minimums = [110.0, 90.0, 60.0]",
            "minimums = [90.0, 110.0, 60.0]",
            "tiers.minimums",
        ),
        (
            "minimums = [110.0, 90.0, 60.0]",
            "minimums = [110.0, 90.0]",
            "tiers.minimums",
        ),
        ("cap = 1.5", "cap = 0", "cap"),
    ];
    for (from, to, field_name) in cases {
        let text = EXAMPLE_PER_MU.replacen(from, to, 1);
        match Scheme::parse(&text) {
            Err(SchemeError::Field { field, .. }) => assert_eq!(field, field_name),
            other => panic!("{to}: {other:?}"),
        }
    }
    let unknown = EXAMPLE_PER_MU.replacen("cap = 1.5", "cap = 1.5\nkap = 2", 1);
    assert!(matches!(Scheme::parse(&unknown), Err(SchemeError::Toml(_))));
}

#[test]
fn a_negative_figure_is_refused_with_the_unit() {
    let scheme = Scheme::parse(EXAMPLE_PER_MU).unwrap();
    let bad = unit(
        "e9",
        "C30",
        &figures([20.0, 5.0, -300.0, 2000.0, 3.0, 1200.0, 30.0, 100.0]),
    );
    let e = assess(&scheme, 2025, &[bad]).unwrap_err();
    assert!(
        e.to_string().contains("unit e9, indicator tax_per_mu"),
        "{e}"
    );
}

#[test]
fn the_scheme_lists_the_columns_it_reads() {
    let scheme = Scheme::parse(EXAMPLE_PER_MU).unwrap();
    assert_eq!(
        scheme.columns(),
        [
            "land_mu",
            "years_in_production",
            "tax_10k_yuan",
            "value_added_10k_yuan",
            "rd_percent",
            "energy_tce",
            "emissions_t",
            "employees"
        ]
    );
}

#[test]
fn equal_totals_share_a_rank_and_the_next_rank_is_skipped() {
    let scheme = Scheme::parse(EXAMPLE_PER_MU).unwrap();
    let same = figures([20.0, 5.0, 300.0, 2000.0, 3.0, 1200.0, 30.0, 100.0]);
    let lower = figures([20.0, 5.0, 200.0, 2000.0, 3.0, 1200.0, 30.0, 100.0]);
    let run = assess(
        &scheme,
        2025,
        &[
            unit("low", "C30", &lower),
            unit("a", "C30", &same),
            unit("b", "C30", &same),
        ],
    )
    .unwrap();
    let ranks: Vec<_> = run.units.iter().map(|u| u.rank).collect();
    assert_eq!(
        ranks,
        [Some(3), Some(1), Some(1)],
        "competition ranking 1, 1, 3"
    );
}

#[test]
fn every_shipped_scheme_parses_and_is_found_by_its_id() {
    for (id, text) in SHIPPED {
        let s = Scheme::parse(text).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(s.id, *id);
        assert_eq!(shipped(id), Some(*text));
        assert!(!s.source.is_empty());
    }
    assert_eq!(shipped("no-such-scheme"), None);
}

/// The Linhai 2014-2016 rule, value / benchmark x weight, summed, by hand: 20 mu, tax 450
/// (22.5 per mu: 1.5 x 40 = 60), sales 4,500 (225 per mu: 0.75 x 10 = 7.5), value added
/// 1,200 on 600 tce (2 per tce: 2/3 x 20 = 13.333…), 2 t COD (600 per t: 1.2 x 15 = 18),
/// 10,000 t water (0.12 per t: 1.2 x 5 = 6), 100 employees (12 each: 0.8 x 10 = 8):
/// 112.833…, class A under the illustrative thresholds. An enterprise exactly at every
/// benchmark scores the weights' sum, 100.
#[test]
fn the_linhai_scheme_scores_a_hand_computed_enterprise() {
    let scheme = Scheme::parse(LINHAI_PER_MU_2014).unwrap();
    let columns = [
        "land_mu",
        "tax_10k_yuan",
        "sales_10k_yuan",
        "value_added_10k_yuan",
        "energy_tce",
        "cod_t",
        "water_t",
        "employees",
    ];
    let make = |id: &str, v: [f64; 8]| {
        let figures: Vec<(&str, Option<f64>)> =
            columns.iter().zip(v).map(|(c, v)| (*c, Some(v))).collect();
        unit(id, "C", &figures)
    };
    let a = make(
        "a",
        [20.0, 450.0, 4500.0, 1200.0, 600.0, 2.0, 10_000.0, 100.0],
    );
    // At the benchmarks: 15 and 300 per mu, 3 per tce, 500 per t COD, 0.1 per t water, 15
    // per employee.
    let at = make(
        "at",
        [10.0, 150.0, 3000.0, 1500.0, 500.0, 3.0, 15_000.0, 100.0],
    );
    let small = make(
        "small",
        [2.0, 450.0, 4500.0, 1200.0, 600.0, 2.0, 10_000.0, 100.0],
    );
    let run = assess(&scheme, 2016, &[a, at, small]).unwrap();
    let want = 60.0 + 7.5 + 40.0 / 3.0 + 18.0 + 6.0 + 8.0;
    assert!((run.units[0].total.unwrap() - want).abs() < 1e-9);
    assert_eq!(run.units[0].tier.as_deref(), Some("A"));
    assert!((run.units[1].total.unwrap() - 100.0).abs() < 1e-9);
    assert_eq!(run.units[2].total, None);
    assert!(run.units[2].not_scored.as_deref().unwrap().contains("3 mu"));
}

#[test]
fn a_park_run_becomes_the_advisors_park_assessments() {
    let scheme = Scheme::parse(PARKS_VS_HELPER_EXAMPLE).unwrap();
    let mut park = unit(
        "Park A",
        "-",
        &[
            ("land_mu", Some(1000.0)),
            ("output_10k_yuan", Some(300_000.0)),
            ("tax_10k_yuan", Some(12_000.0)),
            ("investment_10k_yuan", None),
            ("land_occupied_mu", Some(700.0)),
            ("factory_occupied_m2", Some(50_000.0)),
            ("factory_m2", Some(100_000.0)),
            ("high_tech_enterprises", Some(6.0)),
            ("enterprises_above_size", Some(60.0)),
            ("energy_tce", Some(30_000.0)),
            ("service_staff_per_100_enterprises", Some(2.0)),
        ],
    );
    park.group = Some("pair-xuzhou-huaibei".into());
    let run = assess(&scheme, 2025, &[park.clone()]).unwrap();
    let parks = park_assessments(&run).unwrap();
    assert_eq!(parks.len(), 1);
    let p = &parks[0];
    assert_eq!((p.pair_id.as_str(), p.year), ("pair-xuzhou-huaibei", 2025));
    assert_eq!(p.indicators.len(), scheme.indicators.len());
    // Output per mu 300 against 600: half the helper's level; investment missing stays None.
    assert_eq!(p.indicators[0].attainment(), Some(0.5));
    assert_eq!(p.indicators[2].value, None);
    // Energy per output 0.1 against 0.05 (a cost): attains half.
    assert!((p.indicators[6].attainment().unwrap() - 0.5).abs() < 1e-12);
    park.group = None;
    let run = assess(&scheme, 2025, &[park]).unwrap();
    assert_eq!(
        park_assessments(&run),
        Err(AdviceError::NoPair("Park A".into()))
    );
    let enterprises = assess(&Scheme::parse(EXAMPLE_PER_MU).unwrap(), 2025, &[]).unwrap();
    assert!(matches!(
        park_assessments(&enterprises),
        Err(AdviceError::NotParks(_))
    ));
}

/// A three-indicator scheme of `x`, `y`, `z` (benchmark 1, cap 1.5) with `weighting` TOML.
fn weighted_scheme(weighting: &str, weights: bool) -> String {
    let mut s = String::from(
        "id = \"w\"\nname_zh = \"w\"\nname_en = \"w\"\nsource = \"test\"\nsubject = \"parks\"\ncap = 1.5\n\n[[eligibility]]\ncolumn = \"land\"\nmin = 1.0\notherwise = \"exclude\"\nreason_zh = \"地\"\nreason_en = \"land\"\n",
    );
    for c in ["x", "y", "z"] {
        s.push_str(&format!(
            "\n[[indicators]]\nid = \"{c}\"\nlabel_zh = \"{c}\"\nlabel_en = \"{c}\"\nnumerator = \"{c}\"\ndirection = \"benefit\"\nbenchmark = 2.0\n{}",
            if weights { "weight = 10\n" } else { "" }
        ));
    }
    s + "\n"
        + weighting
        + "\n\n[tiers]\nlabels = [\"A\", \"B\"]\nmethod = \"thresholds\"\nminimums = [50.0]\n"
}

fn xyz(id: &str, land: f64, v: [f64; 3]) -> Unit {
    unit(
        id,
        "-",
        &[
            ("land", Some(land)),
            ("x", Some(v[0])),
            ("y", Some(v[1])),
            ("z", Some(v[2])),
        ],
    )
}

/// Saaty's consistent 4 : 2 : 1 judgements give weights 4/7, 2/7, 1/7 of 100 points
/// (λ_max = 3, CR = 0); a unit at every benchmark scores the 100 points.
#[test]
fn ahp_weighting_sets_the_points_from_the_judgements() {
    let toml = weighted_scheme(
        "[weighting]\nmethod = \"ahp\"\npoints = 100.0\nmatrix = [[1.0, 2.0, 4.0], [0.5, 1.0, 2.0], [0.25, 0.5, 1.0]]",
        false,
    );
    let scheme = Scheme::parse(&toml).unwrap();
    let run = assess(&scheme, 2025, &[xyz("at", 5.0, [2.0, 2.0, 2.0])]).unwrap();
    for (got, want) in run
        .weights
        .iter()
        .zip([400.0 / 7.0, 200.0 / 7.0, 100.0 / 7.0])
    {
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
    assert!((run.units[0].total.unwrap() - 100.0).abs() < 1e-9);
    assert!((run.units[0].indicators[2].weight - 100.0 / 7.0).abs() < 1e-9);
    assert!(run.weighting_note.as_deref().unwrap().contains("CR 0.0000"));
}

#[test]
fn inconsistent_judgements_and_mixed_weights_are_refused_naming_the_field() {
    // x > y (9), y > z (9) but z > x (9): a cycle, CR far above 0.1.
    let cyclic = weighted_scheme(
        "[weighting]\nmethod = \"ahp\"\npoints = 100.0\nmatrix = [[1.0, 9.0, 0.1111111111], [0.1111111111, 1.0, 9.0], [9.0, 0.1111111111, 1.0]]",
        false,
    );
    let e = Scheme::parse(&cyclic).unwrap_err().to_string();
    assert!(e.contains("weighting.matrix") && e.contains("CR ="), "{e}");
    let short = weighted_scheme(
        "[weighting]\nmethod = \"ahp\"\npoints = 100.0\nmatrix = [[1.0, 2.0], [0.5, 1.0]]",
        false,
    );
    assert!(Scheme::parse(&short)
        .unwrap_err()
        .to_string()
        .contains("3 rows"));
    let both = weighted_scheme("[weighting]\nmethod = \"entropy\"\npoints = 100.0", true);
    let e = Scheme::parse(&both).unwrap_err().to_string();
    assert!(e.contains("indicators[0].weight"), "{e}");
    let none = weighted_scheme("", false);
    let e = Scheme::parse(&none).unwrap_err().to_string();
    assert!(e.contains("[weighting]"), "{e}");
}

/// Entropy over the eligible units: x varies (1, 2, 3), y and z are constant (no information,
/// weight 0), so x takes all 100 points: totals 100 · min(1.5, x / 2) = 50, 100, 150. The
/// unit on too little land is not assessed and does not weigh.
#[test]
fn entropy_weighting_uses_the_eligible_units_values() {
    let toml = weighted_scheme("[weighting]\nmethod = \"entropy\"\npoints = 100.0", false);
    let scheme = Scheme::parse(&toml).unwrap();
    let units = [
        xyz("a", 5.0, [1.0, 4.0, 4.0]),
        xyz("b", 5.0, [2.0, 4.0, 4.0]),
        xyz("c", 5.0, [3.0, 4.0, 4.0]),
        xyz("tiny", 0.5, [9.0, 1.0, 100.0]),
    ];
    let run = assess(&scheme, 2025, &units).unwrap();
    assert_eq!(run.weights, vec![100.0, 0.0, 0.0]);
    let totals: Vec<_> = run.units.iter().map(|u| u.total).collect();
    assert_eq!(totals, [Some(50.0), Some(100.0), Some(150.0), None]);
    assert!(run
        .weighting_note
        .as_deref()
        .unwrap()
        .contains("3 eligible units"));
    // One unit is too few to weigh by entropy.
    assert!(assess(&scheme, 2025, &units[..1]).is_err());
}
