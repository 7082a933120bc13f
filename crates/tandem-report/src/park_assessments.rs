//! The pair page's park section, shown when the advisor was given park assessments
//! (`tandem report --assessment RUN.json`): each park's tier over the years, its weakest
//! indicators in its latest year and its gap to the helper's parks (the scheme's benchmarks).
//!
//! Attainment is the advisor's (`tandem_core::advisor::parks`): value / benchmark, or
//! benchmark / value for a cost; the park's level is the median over its indicators with a
//! value. Missing values are shown as missing, never as 0.

use crate::labels::tx;
use crate::page::{table, td, td_num, th, th_num};
use crate::text::{esc, Lang};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use tandem_core::advisor::parks::{latest_per_park, park_level, WEAKEST_SHOWN};
use tandem_core::advisor::{PairDiagnosis, ParkAssessment};

/// The section, or an empty string when the pair has no park assessment.
pub(crate) fn section(d: &PairDiagnosis, lang: Lang) -> String {
    if d.park_assessments.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h2 id=\"parks\">{}</h2><p class=\"note\">{}</p>",
        lang.pick("园区评价", "Park assessments"),
        esc(lang.pick(
            "标杆为方案设定的支援方园区水平；达标度 = 值/标杆（逆向指标为 标杆/值），园区水平取各指标达标度的中位数；缺失值不计为0。",
            "Benchmarks are the scheme's helper-side park levels; attainment = value / benchmark (benchmark / value for a cost), and a park's level is the median attainment over its indicators; a missing value is never counted as 0.",
        ))
    );
    out.push_str(&tiers_over_time(&d.park_assessments, lang));
    for p in latest_per_park(&d.park_assessments) {
        out.push_str(&weakest(p, lang));
    }
    out
}

/// Parks by years: the tier and total of each park in each assessed year.
///
/// One row per park and scheme: tiers and totals of different schemes are not comparable, so
/// a park assessed under two schemes gets two rows, never one mixed line.
fn tiers_over_time(all: &[ParkAssessment], lang: Lang) -> String {
    let years: BTreeSet<i32> = all.iter().map(|a| a.year).collect();
    let mut by_park: BTreeMap<(&str, &str), BTreeMap<i32, &ParkAssessment>> = BTreeMap::new();
    for a in all {
        by_park
            .entry((&a.park, &a.scheme))
            .or_default()
            .insert(a.year, a);
    }
    let mut head = vec![
        th(lang.pick("园区", "Park")),
        th(lang.pick("方案", "Scheme")),
    ];
    head.extend(years.iter().map(|y| th_num(&y.to_string())));
    let rows: Vec<Vec<String>> = by_park
        .iter()
        .map(|((park, scheme), by_year)| {
            let mut row = vec![td(esc(park)), td(esc(scheme))];
            row.extend(
                years
                    .iter()
                    .map(|y| td_num(by_year.get(y).map_or(String::new(), |a| cell(a, lang)))),
            );
            row
        })
        .collect();
    let caption = esc(lang.pick(
        "每格：等级（总分）；空格 = 当年未评价。",
        "Each cell: tier (total); empty = not assessed that year.",
    ));
    table(&head, &rows, Some(&caption))
}

fn cell(a: &ParkAssessment, lang: Lang) -> String {
    match (&a.tier, a.total, &a.not_scored) {
        (Some(t), Some(total), _) => format!("{} ({total:.1})", esc(t)),
        (Some(t), None, _) => esc(t),
        (None, _, Some(why)) => format!(
            "<span class=\"note\" title=\"{}\">{}</span>",
            esc(tx(why, lang)),
            lang.pick("未评", "not scored")
        ),
        (None, _, None) => lang.pick("缺数据", "missing figures").to_string(),
    }
}

/// A park's latest year: its level against the helper's parks and its weakest indicators.
fn weakest(p: &ParkAssessment, lang: Lang) -> String {
    let level = park_level(p);
    let missing = p.indicators.len() - level.as_ref().map_or(0, |l| l.weakest_first.len());
    let mut out = format!(
        "<h3>{} — {}</h3><p class=\"note\">{}: {}</p>",
        esc(&p.park),
        p.year,
        esc(&p.scheme),
        esc(&p.scheme_source)
    );
    let Some(level) = level else {
        let _ = write!(
            out,
            "<p>{}</p>",
            lang.pick("无可用指标。", "No indicator has a value.")
        );
        return out;
    };
    let head = [
        th(lang.pick("最弱指标", "Weakest indicators")),
        th_num(lang.pick("值", "Value")),
        th_num(lang.pick("支援方标杆", "Helper's benchmark")),
        th_num(lang.pick("达标度", "Attainment")),
    ];
    let rows: Vec<Vec<String>> = level
        .weakest_first
        .iter()
        .take(WEAKEST_SHOWN)
        .map(|(i, a)| {
            vec![
                td(esc(tx(&i.label, lang))),
                td_num(i.value.map_or(String::new(), |v| format!("{v:.4}"))),
                td_num(format!("{}", i.benchmark)),
                td_num(format!("{:.0}%", a * 100.0)),
            ]
        })
        .collect();
    let (n, median) = (level.weakest_first.len(), level.median);
    let caption = match lang {
        Lang::Zh => format!("园区水平（达标度中位数）为支援方标杆的 {:.0}%；{n} 项指标有值，{missing} 项缺失。", median * 100.0),
        Lang::En => format!("Park level (median attainment): {:.0}% of the helper's benchmark; {n} indicators with a value, {missing} missing.", median * 100.0),
    };
    out.push_str(&table(&head, &rows, Some(&esc(&caption))));
    out
}
