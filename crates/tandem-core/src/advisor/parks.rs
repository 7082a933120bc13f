//! Problem (1) decided from park assessments, when a pair has them.
//!
//! The plans ask the helped side's parks to meet "the same standards as the helper side", so a
//! park scheme's benchmarks are the helper city's park levels, and an assessment already holds,
//! for every indicator, the park's value and that benchmark. The advisor reads each park's
//! latest assessed year:
//!
//! | quantity | formula |
//! |---|---|
//! | attainment of indicator k | `a_k = v_k / b_k` (more is better), `b_k / v_k` (a cost such as energy per output; `v_k = 0` attains fully) |
//! | park level | `m = median_k a_k` over the indicators with a value (missing is left out, never 0) |
//! | park lags | `m < 1`: below the helper's benchmark on more than half of its assessed indicators |
//! | detected | at least half of the assessed parks lag |
//! | confidence | `min(1, P/2) · min(1, K/5) · (0.5 + 0.5·s)`, P parks, K the fewest indicators with a value in a park, s the share of parks on the verdict's side |
//!
//! Evidence names each park's year, scheme, tier, median attainment and its weakest
//! indicators with value, benchmark and attainment. The median, not the weighted score, is used
//! because a score is capped (a park far ahead on one indicator must not hide a gap on the
//! others) and weights are the province's policy, not a statement of need.

use super::types::*;

/// How many of a park's weakest indicators the evidence names.
pub const WEAKEST_SHOWN: usize = 3;

/// A park's median attainment and its assessed indicators, weakest first.
pub struct ParkLevel<'a> {
    /// The assessment.
    pub park: &'a ParkAssessment,
    /// The median attainment over the indicators with a value.
    pub median: f64,
    /// The indicators with a value and their attainment, lowest first.
    pub weakest_first: Vec<(&'a AssessedIndicator, f64)>,
}

/// The park's level (module table); `None` when no indicator has a value.
pub fn park_level(park: &ParkAssessment) -> Option<ParkLevel<'_>> {
    let mut scored: Vec<(&AssessedIndicator, f64)> = park
        .indicators
        .iter()
        .filter_map(|i| i.attainment().map(|a| (i, a)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    scored.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n = scored.len();
    let median = if n % 2 == 1 {
        scored[n / 2].1
    } else {
        (scored[n / 2 - 1].1 + scored[n / 2].1) / 2.0
    };
    Some(ParkLevel {
        park,
        median,
        weakest_first: scored,
    })
}

/// Each park's latest assessed year among `all` (the pair's assessments).
pub fn latest_per_park(all: &[ParkAssessment]) -> Vec<&ParkAssessment> {
    let mut latest: std::collections::BTreeMap<&str, &ParkAssessment> = Default::default();
    for a in all {
        let slot = latest.entry(a.park.as_str()).or_insert(a);
        if a.year > slot.year {
            *slot = a;
        }
    }
    latest.into_values().collect()
}

fn rule() -> Text {
    Text::new(
        "按园区评价判定：取各园区最近一年，每项指标对支援方标杆的达标度（正向 值/标杆，逆向 标杆/值）取中位数，中位数 < 1 即该园区落后；落后园区占已评价园区 ≥ 50% 即判定存在。",
        "Decided from park assessments: for each park's latest year, the median attainment of the helper's benchmark over its indicators (value / benchmark, or benchmark / value for a cost); a median below 1 means the park lags; detected when at least half of the assessed parks lag.",
    )
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn park_evidence(level: &ParkLevel<'_>) -> Evidence {
    let (p, median, weakest) = (level.park, level.median, &level.weakest_first);
    let tier = p.tier.as_deref().unwrap_or("—");
    let list = |zh: bool| {
        weakest
            .iter()
            .take(WEAKEST_SHOWN)
            .map(|(i, a)| {
                let label = if zh { &i.label.zh } else { &i.label.en };
                let v = i.value.map_or("—".into(), |v| format!("{v:.4}"));
                if zh {
                    format!("{label} {v}（标杆 {}，达标 {}）", i.benchmark, pct(*a))
                } else {
                    format!("{label} {v} (benchmark {}, {})", i.benchmark, pct(*a))
                }
            })
            .collect::<Vec<_>>()
            .join(if zh { "；" } else { "; " })
    };
    Evidence {
        text: Text::new(
            format!(
                "{} {}年（{}，等级{tier}）：达标度中位数{}；最弱：{}",
                p.park,
                p.year,
                p.scheme,
                pct(median),
                list(true)
            ),
            format!(
                "{} {} ({}, tier {tier}): median attainment {}; weakest: {}",
                p.park,
                p.year,
                p.scheme,
                pct(median),
                list(false)
            ),
        ),
        event: None,
        figure: None,
    }
}

/// Rule (1) from assessments (module table). `None` when no park of the pair has an assessed
/// indicator, so the caller falls back on the event rule.
pub fn facilities_lag_from_assessments(pair: &[ParkAssessment]) -> Option<ProblemFinding> {
    let latest = latest_per_park(pair);
    let levels: Vec<ParkLevel<'_>> = latest.iter().filter_map(|p| park_level(p)).collect();
    if levels.is_empty() {
        return None;
    }
    let parks = levels.len();
    let lagging = levels.iter().filter(|l| l.median < 1.0).count();
    let detected = 2 * lagging >= parks;
    let side = if detected { lagging } else { parks - lagging };
    let fewest = levels
        .iter()
        .map(|l| l.weakest_first.len())
        .min()
        .unwrap_or(0);
    let confidence = (parks as f64 / 2.0).min(1.0)
        * (fewest as f64 / 5.0).min(1.0)
        * (0.5 + 0.5 * side as f64 / parks as f64);
    let evidence = levels.iter().map(park_evidence).collect();
    let unscored = latest.len() - parks;
    Some(ProblemFinding {
        problem: ProblemKind::FacilitiesLag,
        title: super::problems::title(ProblemKind::FacilitiesLag),
        verdict: if detected {
            Verdict::Detected
        } else {
            Verdict::NotDetected
        },
        confidence: confidence.clamp(0.0, 1.0),
        rule: rule(),
        explanation: Text::new(
            format!("已评价园区{parks}个，其中{lagging}个整体低于支援方标杆；另有{unscored}个园区无可用指标。"),
            format!("{parks} assessed parks, {lagging} below the helper's benchmark overall; {unscored} more parks have no indicator with a value."),
        ),
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(id: &str, value: Option<f64>, benchmark: f64, cost: bool) -> AssessedIndicator {
        AssessedIndicator {
            id: id.into(),
            label: Text::new(id, id),
            value,
            benchmark,
            cost,
        }
    }

    fn park(name: &str, year: i32, indicators: Vec<AssessedIndicator>) -> ParkAssessment {
        ParkAssessment {
            pair_id: "p".into(),
            park: name.into(),
            year,
            scheme: "s".into(),
            scheme_source: "hand".into(),
            tier: Some("C".into()),
            total: None,
            not_scored: None,
            indicators,
        }
    }

    #[test]
    fn a_worked_example_by_hand() {
        // Park A: tax per mu 6 vs 15 (0.4), output per mu 300 vs 400 (0.75), energy 0.8 vs
        // benchmark 0.5 (cost: 0.625), occupancy 0.9 vs 0.85 (1.0588), R&D missing.
        // Sorted 0.4, 0.625, 0.75, 1.0588: median (0.625 + 0.75) / 2 = 0.6875 < 1, lags.
        let a = park(
            "A",
            2025,
            vec![
                ind("tax", Some(6.0), 15.0, false),
                ind("output", Some(300.0), 400.0, false),
                ind("energy", Some(0.8), 0.5, true),
                ind("occupancy", Some(0.9), 0.85, false),
                ind("rd", None, 2.0, false),
            ],
        );
        // Park B: 1.2, 1.1, 0.9: median 1.1, does not lag.
        let b = park(
            "B",
            2025,
            vec![
                ind("tax", Some(18.0), 15.0, false),
                ind("output", Some(440.0), 400.0, false),
                ind("energy", Some(0.5 / 0.9), 0.5, true),
            ],
        );
        let level = park_level(&a).unwrap();
        assert!((level.median - 0.6875).abs() < 1e-12);
        assert_eq!(level.weakest_first[0].0.id, "tax");
        let f = facilities_lag_from_assessments(&[a, b]).unwrap();
        // One of two parks lags: half, detected. P = 2, K = 3 (park B), s = 1/2:
        // 1 · 0.6 · 0.75 = 0.45.
        assert_eq!(f.verdict, Verdict::Detected);
        assert!((f.confidence - 0.45).abs() < 1e-12, "{}", f.confidence);
        assert!(f.evidence[0].text.en.contains("median attainment 69%"));
        assert!(f.evidence[0]
            .text
            .en
            .contains("weakest: tax 6.0000 (benchmark 15, 40%)"));
    }

    #[test]
    fn only_the_latest_year_of_each_park_counts_and_missing_is_not_zero() {
        let old = park("A", 2023, vec![ind("tax", Some(1.0), 15.0, false)]);
        let new = park("A", 2025, vec![ind("tax", Some(20.0), 15.0, false)]);
        let f = facilities_lag_from_assessments(&[old, new]).unwrap();
        assert_eq!(f.verdict, Verdict::NotDetected);
        let empty = park("C", 2025, vec![ind("tax", None, 15.0, false)]);
        assert!(facilities_lag_from_assessments(&[empty]).is_none());
    }
}
