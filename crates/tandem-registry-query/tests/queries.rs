//! Every registry query on the embedded engine, against a firm-by-firm recount from the
//! Parquet files read plainly (no DataFusion), and detection against the generator's planted
//! truth.

mod support;

use std::collections::BTreeMap;

use support::*;
use tandem_registry_query::sql::{CityBasis, IndustryLevel};
use tandem_registry_query::{flows, panel, transfers, Engine, PairCities, QueryError, Registry};

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2023;

fn open(dir: &std::path::Path) -> Registry {
    block_on(Registry::open(dir, &Engine::Embedded)).unwrap()
}

/// (city, division, year) -> [firms, births, deaths, capital, capital_firms, births_capital]
type PanelCells = BTreeMap<(String, String, i64), [Option<i64>; 6]>;

fn recount_panel(t: &Tables, at_date: bool) -> PanelCells {
    let mut cells: BTreeMap<(String, String, i64), [i64; 6]> = BTreeMap::new();
    let mut births_known: BTreeMap<(String, String, i64), bool> = BTreeMap::new();
    for f in t.firms.values() {
        for y in 2000..=2023 {
            let end = year_end(y);
            let open = f.founded <= end && f.closed.is_none_or(|c| c > end);
            let city = f.city_on(end, at_date);
            if let (true, Some(city)) = (open, city) {
                let c = cells
                    .entry((city.into(), f.division.clone(), y))
                    .or_default();
                c[0] += 1;
                if let Some(k) = f.capital {
                    c[3] += k;
                    c[4] += 1;
                }
            }
        }
        let by = year(f.founded);
        if (2000..=2023).contains(&by) {
            let key = (f.city.clone(), f.division.clone(), by);
            let c = cells.entry(key.clone()).or_default();
            c[1] += 1;
            c[5] += f.capital.unwrap_or(0);
            *births_known.entry(key).or_default() |= f.capital.is_some();
        }
        if let Some(closed) = f.closed.filter(|c| (2000..=2023).contains(&year(*c))) {
            if let Some(city) = f.city_on(closed, at_date) {
                cells
                    .entry((city.into(), f.division.clone(), year(closed)))
                    .or_default()[2] += 1;
            }
        }
    }
    cells
        .into_iter()
        .map(|(k, c)| {
            let births_capital = births_known
                .get(&k)
                .copied()
                .unwrap_or(false)
                .then_some(c[5]);
            let capital = (c[4] > 0).then_some(c[3]);
            (
                k,
                [
                    Some(c[0]),
                    Some(c[1]),
                    Some(c[2]),
                    capital,
                    Some(c[4]),
                    births_capital,
                ],
            )
        })
        .collect()
}

fn panel_cells(batches: &[tandem_registry_query::RecordBatch]) -> PanelCells {
    let num = |s: &str| (!s.is_empty()).then(|| s.parse::<i64>().unwrap());
    result_rows(batches)
        .into_iter()
        .map(|r| {
            let key = (r[0].clone(), r[1].clone(), r[2].parse().unwrap());
            (
                key,
                [
                    num(&r[3]),
                    num(&r[4]),
                    num(&r[5]),
                    num(&r[6]),
                    num(&r[7]),
                    num(&r[8]),
                ],
            )
        })
        .collect()
}

#[test]
fn the_panel_equals_a_firm_by_firm_count_on_both_city_bases() {
    let g = with_effect();
    let tables = read_tables(&g.path);
    let registry = open(&g.path);
    for (basis, at_date) in [(CityBasis::AtDate, true), (CityBasis::AtFounding, false)] {
        let opts = panel::PanelOptions {
            level: IndustryLevel::Division,
            years: YEARS,
            basis,
        };
        let batches = block_on(panel::panel(&registry, &opts)).unwrap();
        assert_eq!(
            columns(&batches),
            [
                "city_id",
                "industry",
                "year",
                "firms",
                "births",
                "deaths",
                "capital_yuan",
                "capital_firms",
                "births_capital_yuan"
            ]
        );
        for name in ["year", "firms", "births", "deaths", "capital_yuan"] {
            assert!(is_int64(&batches, name), "{name} is BIGINT");
        }
        let got = panel_cells(&batches);
        let want = recount_panel(&tables, at_date);
        assert_eq!(got.len(), want.len(), "{basis:?}: number of cells");
        for (k, v) in &want {
            assert_eq!(got.get(k), Some(v), "{basis:?}: cell {k:?}");
        }
        // Rows come in key order.
        let keys: Vec<_> = got.keys().cloned().collect();
        let rows: Vec<_> = result_rows(&batches)
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].parse::<i64>().unwrap()))
            .collect();
        assert_eq!(rows, keys);
    }
}

#[test]
fn four_digit_panels_add_up_to_the_divisions() {
    let g = with_effect();
    let registry = open(&g.path);
    let run = |level| {
        let opts = panel::PanelOptions {
            level,
            years: 2020..=2023,
            basis: CityBasis::AtDate,
        };
        block_on(panel::panel(&registry, &opts)).unwrap()
    };
    let (classes, divisions) = (run(IndustryLevel::Class), run(IndustryLevel::Division));
    let mut summed: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in result_rows(&classes) {
        assert_eq!(r[1].len(), 4, "a class code has 4 digits");
        *summed
            .entry((r[0].clone(), r[1][..2].to_string(), r[2].clone()))
            .or_default() += r[3].parse::<i64>().unwrap();
    }
    for r in result_rows(&divisions) {
        let n: i64 = r[3].parse().unwrap();
        assert_eq!(
            summed
                .get(&(r[0].clone(), r[1].clone(), r[2].clone()))
                .copied()
                .unwrap_or(0),
            n
        );
    }
}

#[test]
fn flows_equal_a_link_by_link_count() {
    let g = with_effect();
    let t = read_tables(&g.path);
    let registry = open(&g.path);
    for (basis, at_date) in [(CityBasis::AtDate, true), (CityBasis::AtFounding, false)] {
        let batches = block_on(flows::flows(&registry, &YEARS, basis)).unwrap();
        assert_eq!(
            columns(&batches),
            [
                "year",
                "origin_city_id",
                "destination_city_id",
                "links",
                "links_with_amount",
                "amount_yuan"
            ]
        );
        let mut want: BTreeMap<(i64, String, String), [i64; 3]> = BTreeMap::new();
        for l in &t.links {
            let (Some(o), Some(d)) = (
                t.firms[&l.investor].city_on(l.date, at_date),
                t.firms[&l.investee].city_on(l.date, at_date),
            ) else {
                continue;
            };
            if o != d && (2000..=2023).contains(&year(l.date)) {
                let c = want.entry((year(l.date), o.into(), d.into())).or_default();
                c[0] += 1;
                c[1] += i64::from(l.amount.is_some());
                c[2] += l.amount.unwrap_or(0);
            }
        }
        let got: BTreeMap<(i64, String, String), [i64; 3]> = result_rows(&batches)
            .into_iter()
            .map(|r| {
                let n = |i: usize| r[i].parse::<i64>().unwrap();
                ((n(0), r[1].clone(), r[2].clone()), [n(3), n(4), n(5)])
            })
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{basis:?}");
        // `flows` runs with row filters in the scans (FLOWS_TUNING); the same statement
        // without them gives the same rows.
        let untuned = block_on(registry.run(&flows::flows_sql(&YEARS, basis).unwrap())).unwrap();
        assert_eq!(result_rows(&untuned), result_rows(&batches), "{basis:?}");
    }
}

fn xuzhou() -> PairCities {
    PairCities::bundled_pair("pair-xuzhou-huaibei").unwrap()
}

/// Sum of a numeric column over the rows that `keep` accepts.
fn sum_where(
    batches: &[tandem_registry_query::RecordBatch],
    column: &str,
    keep: impl Fn(&[String], &[String]) -> bool,
) -> i64 {
    let names = columns(batches);
    let c = col(batches, column);
    result_rows(batches)
        .iter()
        .filter(|r| keep(&names, r))
        .map(|r| r[c].parse::<i64>().unwrap_or(0))
        .sum()
}

fn field<'a>(names: &[String], row: &'a [String], name: &str) -> &'a str {
    &row[names.iter().position(|n| n == name).unwrap()]
}

#[test]
fn pair_flows_recover_the_planted_helper_to_helped_links_exactly() {
    let g = with_effect();
    let truth = &g.manifest.effects[0];
    let from = i64::from(truth.effect.as_ref().unwrap().from_year);
    let registry = open(&g.path);
    let batches = block_on(flows::pair_flows(
        &registry,
        &[xuzhou()],
        &YEARS,
        CityBasis::AtFounding,
    ))
    .unwrap();
    let links = sum_where(&batches, "links", |n, r| {
        field(n, r, "direction") == "helper->helped"
            && field(n, r, "year").parse::<i64>().unwrap() >= from
    });
    assert!(
        truth.planted_links > 50,
        "the effect planted {} links",
        truth.planted_links
    );
    assert_eq!(links as u64, truth.helper_to_helped_links_from_year);
    // Every year of the range is there, twice (both directions).
    assert_eq!(result_rows(&batches).len(), 2 * 24);
}

#[test]
fn the_effect_is_the_difference_between_the_registries_with_and_without_it() {
    let (a, b) = (with_effect(), without_effect());
    let truth = &a.manifest.effects[0];
    let from = i64::from(truth.effect.as_ref().unwrap().from_year);
    let count = |dir: &std::path::Path, kind: &str| {
        let batches = block_on(transfers::transfer_counts(
            &open(dir),
            &[xuzhou()],
            &YEARS,
            CityBasis::AtFounding,
        ))
        .unwrap();
        sum_where(&batches, "events", |n, r| {
            field(n, r, "kind") == kind && field(n, r, "year").parse::<i64>().unwrap() >= from
        })
    };
    assert_eq!(
        (count(&a.path, "relocation") - count(&b.path, "relocation")) as u64,
        truth.planted_relocations
    );
    assert_eq!(
        (count(&a.path, "subsidiary") - count(&b.path, "subsidiary")) as u64,
        truth.planted_links
    );
    assert_eq!(
        count(&a.path, "branch"),
        count(&b.path, "branch"),
        "branches are not planted"
    );
}

/// The effect's multiplier as a researcher would estimate it from the queries, given the
/// baseline rate: new subsidiaries of helper firms in the helped city from the effect year,
/// per helped-city firm founded then, over the baseline helper-shareholder rate λ
/// (manifest.json). Without an effect the count is 0.7 λ per new firm (the baseline links
/// registered at the founding; the other 0.3 come later and are not subsidiaries), with one
/// (0.7 + (M - 1)) λ, so M = count / (N λ) + 0.3.
fn estimated_multiplier(dir: &std::path::Path, lambda: f64) -> (f64, i64) {
    let p = xuzhou();
    let registry = open(dir);
    let from = |n: &[String], r: &[String]| field(n, r, "year").parse::<i64>().unwrap() >= 2012;
    let events = block_on(transfers::transfer_counts(
        &registry,
        std::slice::from_ref(&p),
        &YEARS,
        CityBasis::AtFounding,
    ))
    .unwrap();
    let subsidiaries = sum_where(&events, "events", |n, r| {
        field(n, r, "kind") == "subsidiary" && from(n, r)
    });
    let opts = panel::PanelOptions {
        basis: CityBasis::AtFounding,
        ..panel::PanelOptions::default()
    };
    let cells = block_on(panel::panel(&registry, &opts)).unwrap();
    let births = sum_where(&cells, "births", |n, r| {
        field(n, r, "city_id") == p.helped_city && from(n, r)
    });
    (
        subsidiaries as f64 / (births as f64 * lambda) + 0.3,
        subsidiaries,
    )
}

#[test]
fn detection_estimates_the_planted_multiplier_and_finds_none_where_none_was_planted() {
    let truth = &with_effect().manifest.effects[0];
    let lambda = truth.baseline_links_per_firm;
    let (with, n_with) = estimated_multiplier(&with_effect().path, lambda);
    let (without, n_without) = estimated_multiplier(&without_effect().path, lambda);
    eprintln!("estimated multiplier (planted 100): {with:.1} from {n_with} subsidiaries; without the effect {without:.1} from {n_without}");
    // ~50 planted events: a Poisson count within 3 standard deviations (~45 %).
    assert!(
        (with - 100.0).abs() < 45.0,
        "estimated {with} for a planted 100"
    );
    assert!(
        without < 10.0,
        "estimated {without} where nothing was planted"
    );
}

#[test]
fn transfer_events_equal_a_firm_by_firm_listing() {
    let g = with_effect();
    let t = read_tables(&g.path);
    let p = xuzhou();
    let batches = block_on(transfers::transfer_events(
        &open(&g.path),
        std::slice::from_ref(&p),
        &YEARS,
        CityBasis::AtDate,
    ))
    .unwrap();
    let names = columns(&batches);
    let got: Vec<(String, i64, i64)> = result_rows(&batches)
        .iter()
        .map(|r| {
            let n = |c: &str| field(&names, r, c).parse::<i64>().unwrap();
            (
                field(&names, r, "kind").to_string(),
                n("firm_id"),
                n("helper_firm_id"),
            )
        })
        .collect();
    let in_years = |d: i64| (2000..=2023).contains(&year(d));
    let mut want: Vec<(String, i64, i64)> = Vec::new();
    for m in t
        .moves
        .iter()
        .filter(|m| m.from == p.helper_city && m.to == p.helped_city && in_years(m.date))
    {
        want.push(("relocation".into(), m.firm, m.firm));
    }
    for l in &t.links {
        let investee = &t.firms[&l.investee];
        let located = t.firms[&l.investor].city_on(l.date, true) == Some(p.helper_city.as_str())
            && investee.city_on(l.date, true) == Some(p.helped_city.as_str());
        if located && l.date <= investee.founded + 90 && in_years(l.date) {
            want.push(("subsidiary".into(), l.investee, l.investor));
        }
    }
    for b in &t.branches {
        if b.city == p.helped_city
            && t.firms[&b.firm].city_on(b.founded, true) == Some(p.helper_city.as_str())
            && in_years(b.founded)
        {
            want.push(("branch".into(), b.firm, b.firm));
        }
    }
    let (mut got_sorted, mut want_sorted) = (got.clone(), want);
    got_sorted.sort();
    want_sorted.sort();
    assert!(want_sorted.iter().any(|e| e.0 == "subsidiary"));
    assert_eq!(got_sorted, want_sorted);
    assert!(columns(&batches).contains(&"industry_division".to_string()));
}

#[test]
fn the_helper_origin_figure_equals_a_firm_by_firm_count() {
    let g = with_effect();
    let t = read_tables(&g.path);
    let p = xuzhou();
    let end = year_end(2023);
    let batches = block_on(transfers::helper_origin(
        &open(&g.path),
        std::slice::from_ref(&p),
        2023,
        CityBasis::AtDate,
    ))
    .unwrap();
    let names = columns(&batches);
    let row = &result_rows(&batches)[0];
    let n = |c: &str| field(&names, row, c).parse::<i64>().unwrap();
    let (mut open_firms, mut relocated, mut invested, mut either) = (0, 0, 0, 0);
    for (id, f) in &t.firms {
        let open = f.founded <= end && f.closed.is_none_or(|c| c > end);
        if !open || f.city_on(end, true) != Some(p.helped_city.as_str()) {
            continue;
        }
        open_firms += 1;
        let r = f.city == p.helper_city
            || t.moves
                .iter()
                .any(|m| m.firm == *id && m.from == p.helper_city && m.date <= end);
        let i = t.links.iter().any(|l| {
            l.investee == *id
                && l.date <= end
                && t.firms[&l.investor].city_on(l.date, true) == Some(p.helper_city.as_str())
        });
        relocated += i64::from(r);
        invested += i64::from(i);
        either += i64::from(r || i);
    }
    assert_eq!(n("helped_open_firms"), open_firms);
    assert_eq!(n("relocated_from_helper"), relocated);
    assert_eq!(n("with_helper_shareholder"), invested);
    assert_eq!(n("helper_origin_firms"), either);
    assert!(either > 0);
    let share: f64 = field(&names, row, "helper_origin_share").parse().unwrap();
    assert!((share - either as f64 / open_firms as f64).abs() < 1e-15);
}

#[test]
fn a_panel_year_feeds_the_indicator_library() {
    use tandem_core::metrics::specialisation::{location_quotients, RegionIndustry};
    let g = with_effect();
    let opts = panel::PanelOptions::default();
    let batches = block_on(panel::panel(&open(&g.path), &opts)).unwrap();
    let m = panel::counts_matrix(&batches, 2020).unwrap();
    let (r, k) = (m.cities.len(), m.industries.len());
    assert!(r > 100 && k > 50, "{r} cities x {k} divisions");
    let lq = location_quotients(&RegionIndustry::new(&m.counts, r, k).unwrap()).unwrap();
    // LQ_ci = (x_ci / x_c.) / (x_.i / x_..), checked for one cell by hand.
    let row: f64 = m.counts[..k].iter().sum();
    let col: f64 = (0..r).map(|c| m.counts[c * k]).sum();
    let all: f64 = m.counts.iter().sum();
    let want = (m.counts[0] / row) / (col / all);
    assert!((lq[0].unwrap() - want).abs() < 1e-12);
    let cells = panel_cells(&batches);
    assert_eq!(
        m.counts.iter().sum::<f64>() as i64,
        cells
            .iter()
            .filter(|(k, _)| k.2 == 2020)
            .map(|(_, v)| v[0].unwrap())
            .sum::<i64>()
    );
}

#[test]
fn a_missing_table_or_a_slow_query_fails_with_a_message_that_says_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    match block_on(Registry::open(empty.path(), &Engine::Embedded)) {
        Err(e @ QueryError::MissingTable { .. }) => {
            assert!(e.to_string().contains("tandem registry generate"))
        }
        other => panic!("{:?}", other.err()),
    }
    let registry = open(&with_effect().path).with_timeout(std::time::Duration::from_nanos(1));
    let opts = panel::PanelOptions::default();
    match block_on(panel::panel(&registry, &opts)) {
        Err(e @ QueryError::Timeout(_)) => assert!(e.to_string().contains("--timeout")),
        other => panic!("expected a timeout, got {:?}", other.map(|b| b.len())),
    }
}

/// A query that needs more memory than the embedded engine may use stops with an error that
/// names the limit and the way out, and the same query runs under the default limit.
#[test]
fn a_query_over_the_memory_limit_fails_with_the_limit_and_what_to_do() {
    let g = with_effect();
    let limited = block_on(Registry::open_limited(
        &g.path,
        &Engine::Embedded,
        Some(1 << 20),
    ))
    .unwrap();
    let run = |registry: &Registry| {
        block_on(flows::pair_flows(
            registry,
            &[xuzhou()],
            &YEARS,
            CityBasis::AtDate,
        ))
    };
    match run(&limited) {
        Err(e @ QueryError::OutOfMemory { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("1 MiB") && text.contains("--memory-limit"),
                "{text}"
            );
        }
        other => panic!("expected out of memory, got {:?}", other.map(|b| b.len())),
    }
    let fine = run(&open(&g.path)).unwrap();
    assert!(fine.iter().map(|b| b.num_rows()).sum::<usize>() > 0);
}

#[test]
fn sql_text_with_quotes_stays_inside_its_literal() {
    let mut p = xuzhou();
    p.pair_id = "x'); DROP TABLE firms; --".into();
    let sql = tandem_registry_query::sql::pairs(&[p]).unwrap();
    assert!(sql.contains("'x''); DROP TABLE firms; --'"));
    // And it runs as a value, not as SQL.
    let g = with_effect();
    let mut q = xuzhou();
    q.pair_id = "it's".into();
    let batches = block_on(transfers::helper_origin(
        &open(&g.path),
        &[q],
        2023,
        CityBasis::AtDate,
    ))
    .unwrap();
    assert_eq!(result_rows(&batches)[0][0], "it's");
}
