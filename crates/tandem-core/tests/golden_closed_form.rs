//! The closed-form indicators against the golden reference files
//! (`tests/golden/outputs/own_*.csv`, `ecomplexity_panel.csv`), computed from the golden
//! inputs (`tests/golden/inputs/`). Tolerance: 1e-12 relative (golden README), measured
//! against the larger of the two values or, for quantities that are differences of larger
//! numbers (shift-share components), against the scale of the cell.
//!
//! The CSV files are plain (no quotes, no embedded commas), so they are parsed with std.

use std::collections::HashMap;
use std::path::PathBuf;

use tandem_core::metrics::disparity::{
    theil_decomposition, theil_l, theil_l_unweighted, theil_t, theil_t_unweighted, williamson_cv,
    TheilKind,
};
use tandem_core::metrics::gradient::{
    comparative_labour_productivity, industrial_gradient_coefficients,
};
use tandem_core::metrics::shift_share::{shift_share, sum_by_region};
use tandem_core::metrics::spatial::{
    gravity_linkage, gravity_matrix, haversine_km, linkage_shares,
};
use tandem_core::metrics::specialisation::{
    balassa_rca, binary_presence, entropy, hachman, herfindahl, hoover_index, hoover_localisation,
    hoover_specialisation, krugman_dissimilarity, krugman_specialisation, location_quotient_panel,
    location_quotients, LogBase, RegionIndustry,
};
use tandem_core::metrics::structure::structural_similarity;
use tandem_core::{Absent, Panel};

const REL: f64 = 1e-12;

fn golden(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(path)
}

/// Rows of a CSV file as maps column name -> text.
fn read_csv(path: &str) -> Vec<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(golden(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_else(|| panic!("{path} is empty"))
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    lines
        .enumerate()
        .map(|(k, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(
                fields.len(),
                header.len(),
                "{path} line {}: field count",
                k + 2
            );
            header
                .iter()
                .cloned()
                .zip(fields.iter().map(|f| f.trim().to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    let text = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    text.parse()
        .unwrap_or_else(|e| panic!("column {column}: `{text}` is not a number: {e}"))
}

/// An empty field (pandas' NaN) is `None`.
fn opt(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    let text = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    (!text.is_empty()).then(|| num(row, column))
}

fn text<'a>(row: &'a HashMap<String, String>, column: &str) -> &'a str {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
}

#[track_caller]
fn assert_close(got: f64, want: f64, scale: f64, what: &str) {
    let tol = REL * got.abs().max(want.abs()).max(scale);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.17e}, golden {want:.17e}, diff {:.3e} > {tol:.3e}",
        (got - want).abs()
    );
}

#[track_caller]
fn assert_close_opt(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(g), Some(w)) => assert_close(g, w, 0.0, what),
        (None, None) => {}
        _ => panic!("{what}: got {got:?}, golden {want:?}"),
    }
}

/// The golden panel: one `Panel` per measure.
fn panels() -> (Panel, Panel) {
    let rows = read_csv("inputs/panel.csv");
    let records = |measure: &str| {
        rows.iter()
            .map(|r| {
                (
                    text(r, "region").to_string(),
                    text(r, "industry").to_string(),
                    num(r, "year") as i32,
                    num(r, measure),
                )
            })
            .collect::<Vec<_>>()
    };
    (
        Panel::from_records("employment", records("employment")).unwrap(),
        Panel::from_records("output", records("output")).unwrap(),
    )
}

struct Year {
    employment: Vec<f64>,
    output: Vec<f64>,
}

fn year(employment: &Panel, output: &Panel, y: i32) -> Year {
    Year {
        employment: employment.year_matrix(y, Absent::Refuse).unwrap(),
        output: output.year_matrix(y, Absent::Refuse).unwrap(),
    }
}

fn index(names: &[String]) -> HashMap<&str, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect()
}

#[test]
fn location_quotient_output_lq_clp_and_gradient_coefficient() {
    let (emp, out) = panels();
    assert_eq!((emp.regions().len(), emp.industries().len()), (12, 20));
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ri = index(emp.regions());
    let ii = index(emp.industries());
    let panel_lq = location_quotient_panel(&emp).unwrap();
    let panel_at: HashMap<(String, String, i32), Option<f64>> = panel_lq
        .into_iter()
        .map(|c| ((c.region, c.industry, c.year), c.value))
        .collect();
    let mut per_year = HashMap::new();
    for y in emp.years() {
        let m = year(&emp, &out, *y);
        let e = RegionIndustry::new(&m.employment, nr, ni).unwrap();
        let o = RegionIndustry::new(&m.output, nr, ni).unwrap();
        per_year.insert(
            *y,
            (
                location_quotients(&e).unwrap(),
                location_quotients(&o).unwrap(),
                comparative_labour_productivity(&o, &e).unwrap(),
                industrial_gradient_coefficients(&o, &e).unwrap(),
            ),
        );
    }
    let rows = read_csv("outputs/own_location_quotient.csv");
    assert_eq!(rows.len(), 720);
    let mut undefined_clp = 0;
    for row in &rows {
        let y = num(row, "year") as i32;
        let (r, i) = (text(row, "region"), text(row, "industry"));
        let k = ri[r] * ni + ii[i];
        let (lq, lqy, clp, igc) = &per_year[&y];
        let what = format!("{y} {r} {i}");
        assert_close_opt(lq[k], Some(num(row, "lq")), &format!("lq {what}"));
        assert_close_opt(
            panel_at[&(r.to_string(), i.to_string(), y)],
            Some(num(row, "lq")),
            &format!("panel lq {what}"),
        );
        assert_close_opt(
            lqy[k],
            Some(num(row, "lq_output")),
            &format!("lq_output {what}"),
        );
        let want_clp = opt(row, "comparative_labour_productivity");
        undefined_clp += usize::from(want_clp.is_none());
        assert_close_opt(clp[k], want_clp, &format!("CLP {what}"));
        assert_close_opt(
            igc[k],
            opt(row, "industrial_gradient_coefficient"),
            &format!("IGC {what}"),
        );
    }
    // the fixture has 150 zero-employment cells, where CLP is undefined
    assert_eq!(undefined_clp, 150);
}

#[test]
fn rca_and_mcp_match_ecomplexity() {
    let (emp, out) = panels();
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ri = index(emp.regions());
    let ii = index(emp.industries());
    let mut per_year = HashMap::new();
    for y in emp.years() {
        let m = year(&emp, &out, *y);
        let rca = balassa_rca(&RegionIndustry::new(&m.employment, nr, ni).unwrap()).unwrap();
        let mcp = binary_presence(&rca, 1.0).unwrap();
        per_year.insert(*y, (rca, mcp));
    }
    let rows = read_csv("outputs/ecomplexity_panel.csv");
    assert_eq!(rows.len(), 720);
    let mut present = 0;
    for row in &rows {
        let y = num(row, "year") as i32;
        let (r, i) = (text(row, "region"), text(row, "industry"));
        let k = ri[r] * ni + ii[i];
        let (rca, mcp) = &per_year[&y];
        assert_close_opt(rca[k], Some(num(row, "rca")), &format!("rca {y} {r} {i}"));
        assert_eq!(f64::from(mcp[k]), num(row, "mcp"), "mcp {y} {r} {i}");
        present += usize::from(mcp[k]);
    }
    assert!(present > 0 && present < 720);
}

#[test]
fn pairwise_krugman_and_structural_similarity() {
    let (emp, out) = panels();
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ri = index(emp.regions());
    let rows = read_csv("outputs/own_pairwise_structure.csv");
    assert_eq!(rows.len(), 3 * nr * nr);
    for row in &rows {
        let y = num(row, "year") as i32;
        let m = year(&emp, &out, y);
        let e = RegionIndustry::new(&m.employment, nr, ni).unwrap();
        let (a, b) = (text(row, "region_a"), text(row, "region_b"));
        let (ra, rb) = (e.row(ri[a]), e.row(ri[b]));
        let what = format!("{y} {a} {b}");
        assert_close(
            krugman_dissimilarity(ra, rb).unwrap(),
            num(row, "krugman"),
            0.0,
            &format!("krugman {what}"),
        );
        assert_close(
            structural_similarity(ra, rb).unwrap(),
            num(row, "cosine_similarity"),
            0.0,
            &format!("cosine {what}"),
        );
    }
}

#[test]
fn region_structure_indicators() {
    let (emp, out) = panels();
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ri = index(emp.regions());
    let rows = read_csv("outputs/own_region_structure.csv");
    assert_eq!(rows.len(), 36);
    for row in &rows {
        let y = num(row, "year") as i32;
        let m = year(&emp, &out, y);
        let e = RegionIndustry::new(&m.employment, nr, ni).unwrap();
        let r = text(row, "region");
        let k = ri[r];
        let what = format!("{y} {r}");
        assert_close(
            krugman_specialisation(&e, k).unwrap(),
            num(row, "krugman_vs_total"),
            0.0,
            &format!("krugman_vs_total {what}"),
        );
        assert_close(
            hoover_specialisation(&e, k).unwrap(),
            num(row, "hoover_specialisation"),
            0.0,
            &format!("hoover_specialisation {what}"),
        );
        assert_close(
            herfindahl(e.row(k)).unwrap(),
            num(row, "herfindahl"),
            0.0,
            &format!("herfindahl {what}"),
        );
        assert_close(
            entropy(e.row(k), LogBase::Natural).unwrap(),
            num(row, "entropy_ln"),
            0.0,
            &format!("entropy {what}"),
        );
        assert_close(
            hachman(&e, k).unwrap(),
            num(row, "hachman"),
            0.0,
            &format!("hachman {what}"),
        );
    }
}

#[test]
fn industry_hoover_localisation() {
    let (emp, out) = panels();
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ii = index(emp.industries());
    let rows = read_csv("outputs/own_industry_hoover.csv");
    assert_eq!(rows.len(), 60);
    for row in &rows {
        let y = num(row, "year") as i32;
        let m = year(&emp, &out, y);
        let e = RegionIndustry::new(&m.employment, nr, ni).unwrap();
        let i = text(row, "industry");
        assert_close(
            hoover_localisation(&e, ii[i]).unwrap(),
            num(row, "hoover_localisation"),
            0.0,
            &format!("hoover {y} {i}"),
        );
    }
}

/// regions.csv for one year, sorted by region: (names, group labels, population, GDP).
fn regions_of(year: i32) -> (Vec<String>, Vec<usize>, Vec<f64>, Vec<f64>) {
    let mut rows: Vec<_> = read_csv("inputs/regions.csv")
        .into_iter()
        .filter(|r| num(r, "year") as i32 == year)
        .collect();
    rows.sort_by(|a, b| text(a, "region").cmp(text(b, "region")));
    let names = rows.iter().map(|r| text(r, "region").to_string()).collect();
    let groups = rows
        .iter()
        .map(|r| match text(r, "group") {
            "developed" => 0,
            "receiving" => 1,
            other => panic!("unknown group {other}"),
        })
        .collect();
    let pop = rows.iter().map(|r| num(r, "population_10k")).collect();
    let gdp = rows.iter().map(|r| num(r, "gdp_100m_cny")).collect();
    (names, groups, pop, gdp)
}

#[test]
fn inequality_of_gdp_per_capita() {
    let rows = read_csv("outputs/own_inequality.csv");
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let y = num(row, "year") as i32;
        let (_, groups, pop, gdp) = regions_of(y);
        let pc: Vec<f64> = gdp.iter().zip(&pop).map(|(g, p)| g / p).collect();
        let check = |got: f64, column: &str| {
            assert_close(got, num(row, column), 0.0, &format!("{column} {y}"))
        };
        check(theil_t(&gdp, &pop).unwrap(), "theil_T_gdp_weighted");
        check(theil_l(&gdp, &pop).unwrap(), "theil_L_pop_weighted");
        check(theil_t_unweighted(&pc).unwrap(), "theil_T_unweighted");
        check(theil_l_unweighted(&pc).unwrap(), "theil_L_unweighted");
        let d = theil_decomposition(&gdp, &pop, &groups, TheilKind::T).unwrap();
        check(d.total, "theil_T_gdp_weighted");
        check(d.between, "theil_T_between_groups");
        check(d.within, "theil_T_within_groups");
        check(
            hoover_index(&gdp, &pop).unwrap(),
            "hoover_gdp_vs_population",
        );
        check(williamson_cv(&gdp, &pop).unwrap(), "williamson_cv");
    }
}

#[test]
fn gravity_linkage_and_shares() {
    let distances = read_csv("inputs/distance_km.csv");
    let rows = read_csv("outputs/own_gravity.csv");
    assert_eq!(rows.len(), 3 * 132);
    for y in [2019, 2020, 2021] {
        let (names, _, pop, gdp) = regions_of(y);
        let n = names.len();
        let at = index(&names);
        let mut d = vec![0.0; n * n];
        for row in &distances {
            d[at[text(row, "region_a")] * n + at[text(row, "region_b")]] = num(row, "distance_km");
        }
        let r = gravity_matrix(&pop, &gdp, &d, 2.0).unwrap();
        let f = linkage_shares(&r).unwrap();
        for row in rows.iter().filter(|row| num(row, "year") as i32 == y) {
            let (a, b) = (at[text(row, "region_a")], at[text(row, "region_b")]);
            let what = format!("{y} {} {}", names[a], names[b]);
            assert_eq!(d[a * n + b], num(row, "distance_km"), "distance {what}");
            let single =
                gravity_linkage(pop[a], gdp[a], pop[b], gdp[b], num(row, "distance_km"), 2.0)
                    .unwrap();
            assert_close(single, num(row, "gravity_R"), 0.0, &format!("R {what}"));
            assert_close_opt(
                r[a * n + b],
                Some(num(row, "gravity_R")),
                &format!("R matrix {what}"),
            );
            let total: f64 = r[a * n..(a + 1) * n].iter().flatten().sum();
            assert_close(
                total,
                num(row, "total_R_of_a"),
                0.0,
                &format!("total R {what}"),
            );
            assert_close_opt(
                f[a * n + b],
                Some(num(row, "share_F_ab")),
                &format!("F {what}"),
            );
        }
    }
}

#[test]
fn haversine_reproduces_the_rounded_distances() {
    let coords: HashMap<String, (f64, f64)> = read_csv("inputs/region_coords.csv")
        .iter()
        .map(|r| {
            (
                text(r, "region").to_string(),
                (num(r, "lat"), num(r, "lon")),
            )
        })
        .collect();
    for row in read_csv("inputs/distance_km.csv") {
        let (a, b) = (
            &coords[text(&row, "region_a")],
            &coords[text(&row, "region_b")],
        );
        let d = haversine_km(a.0, a.1, b.0, b.1).unwrap();
        // distance_km.csv is rounded to 0.1 km
        assert!(
            (d - num(&row, "distance_km")).abs() <= 0.05 + 1e-9,
            "{row:?}: {d}"
        );
    }
}

#[test]
fn classic_shift_share_2019_to_2021() {
    let (emp, out) = panels();
    let (nr, ni) = (emp.regions().len(), emp.industries().len());
    let ri = index(emp.regions());
    let ii = index(emp.industries());
    let m0 = year(&emp, &out, 2019).employment;
    let m1 = year(&emp, &out, 2021).employment;
    let base = RegionIndustry::new(&m0, nr, ni).unwrap();
    let end = RegionIndustry::new(&m1, nr, ni).unwrap();
    let cells = shift_share(&base, &end).unwrap();
    let rows = read_csv("outputs/own_shift_share.csv");
    assert_eq!(rows.len(), nr * ni);
    for row in &rows {
        let (r, i) = (text(row, "region"), text(row, "industry"));
        let c = cells[ri[r] * ni + ii[i]];
        let scale = num(row, "emp0").max(num(row, "emp1"));
        let what = format!("{r} {i}");
        assert_eq!(c.change, num(row, "change"), "change {what}");
        assert_close(
            c.national_share,
            num(row, "national_share"),
            scale,
            &format!("NS {what}"),
        );
        assert_close(
            c.industry_mix,
            num(row, "industry_mix"),
            scale,
            &format!("IM {what}"),
        );
        assert_close(
            c.regional_share,
            num(row, "regional_share"),
            scale,
            &format!("RS {what}"),
        );
    }
    // region totals add up to the region's change
    for (r, total) in sum_by_region(&cells, nr, ni).unwrap().iter().enumerate() {
        let change: f64 = end.row(r).iter().sum::<f64>() - base.row(r).iter().sum::<f64>();
        let parts = total.national_share + total.industry_mix + total.regional_share;
        assert!((parts - change).abs() <= 1e-9 * change.abs().max(1.0));
    }
}
