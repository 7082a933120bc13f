//! The complexity family against py-ecomplexity 0.5.3 and the numpy density variants
//! (`tests/golden/`, see its README for the exact calls and tolerances).

use std::collections::HashMap;
use std::path::PathBuf;
use tandem_core::metrics::complexity::{
    complexity_panel, complexity_year, ComplexityOptions, DensityVariant,
};
use tandem_core::{Absent, Panel};

/// Closed-form values (RCA, Mcp, diversity, ubiquity, proximity, density).
const REL_TOL: f64 = 1e-12;
/// Eigenvector-based values (ECI, PCI, COI, COG).
const ABS_TOL: f64 = 1e-9;

fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

/// A CSV file without quoting (the golden files use none) as header + rows.
fn read_csv(rel: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(golden(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.len(),
            header.len(),
            "{rel}: row {} has {} fields",
            i + 2,
            r.len()
        );
    }
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn employment_panel() -> Panel {
    let (h, rows) = read_csv("inputs/panel.csv");
    let (y, r, i, e) = (
        col(&h, "year"),
        col(&h, "region"),
        col(&h, "industry"),
        col(&h, "employment"),
    );
    Panel::from_records(
        "employment",
        rows.iter().map(|row| {
            (
                row[r].clone(),
                row[i].clone(),
                row[y].parse::<i32>().unwrap(),
                num(&row[e]),
            )
        }),
    )
    .unwrap()
}

fn assert_close(what: &str, got: f64, want: f64, rel: Option<f64>, abs: Option<f64>) {
    let diff = (got - want).abs();
    let ok = match (rel, abs) {
        (Some(t), _) => diff <= t * want.abs().max(f64::MIN_POSITIVE) || diff == 0.0,
        (None, Some(t)) => diff <= t,
        (None, None) => unreachable!(),
    };
    assert!(
        ok,
        "{what}: got {got:.17e}, want {want:.17e} (diff {diff:e})"
    );
}

#[test]
fn panel_matches_ecomplexity_in_every_column() {
    let panel = employment_panel();
    let rows = complexity_panel(&panel, &ComplexityOptions::default())
        .unwrap()
        .to_rows();
    let (h, want) = read_csv("outputs/ecomplexity_panel.csv");
    assert_eq!(
        rows.len(),
        want.len(),
        "one row per region x industry x year"
    );
    let key = |y: &str, r: &str, i: &str| format!("{y}|{r}|{i}");
    let by_key: HashMap<String, &Vec<String>> = want
        .iter()
        .map(|w| {
            (
                key(
                    &w[col(&h, "year")],
                    &w[col(&h, "region")],
                    &w[col(&h, "industry")],
                ),
                w,
            )
        })
        .collect();
    let mut max_eig = 0.0f64;
    for row in &rows {
        let k = key(&row.year.to_string(), row.region, row.industry);
        let w = by_key
            .get(&k)
            .unwrap_or_else(|| panic!("{k} not in the golden file"));
        let fields = [
            ("rca", row.rca, true),
            ("mcp", row.mcp, true),
            ("diversity", row.diversity, true),
            ("ubiquity", row.ubiquity, true),
            ("density", row.density, true),
            ("eci", row.eci, false),
            ("pci", row.pci, false),
            ("coi", row.coi, false),
            ("cog", row.cog, false),
        ];
        for (name, got, closed_form) in fields {
            let want = num(&w[col(&h, name)]);
            let got = got.unwrap_or_else(|| panic!("{k} {name}: None, want {want}"));
            if closed_form {
                assert_close(&format!("{k} {name}"), got, want, Some(REL_TOL), None);
            } else {
                assert_close(&format!("{k} {name}"), got, want, None, Some(ABS_TOL));
                max_eig = max_eig.max((got - want).abs());
            }
        }
    }
    // The symmetric solver agrees far better than the tolerance; report it for the record.
    eprintln!("max |diff| of eci/pci/coi/cog vs py-ecomplexity: {max_eig:e}");
}

#[test]
fn proximity_matches_ecomplexity() {
    let panel = employment_panel();
    let (h, want) = read_csv("outputs/ecomplexity_proximity.csv");
    let (yc, c1, c2, cp) = (
        col(&h, "year"),
        col(&h, "industry_1"),
        col(&h, "industry_2"),
        col(&h, "proximity"),
    );
    let industries = panel.industries();
    let mut checked = 0;
    for &year in panel.years() {
        let values = panel.year_matrix(year, Absent::AsZero).unwrap();
        let out = complexity_year(
            &values,
            panel.regions().len(),
            industries.len(),
            &ComplexityOptions::default(),
        )
        .unwrap();
        let n = out.kept_industries.len();
        assert_eq!(n, industries.len(), "no industry is empty in the fixture");
        let pos: HashMap<&str, usize> = out
            .kept_industries
            .iter()
            .enumerate()
            .map(|(k, &i)| (industries[i].as_str(), k))
            .collect();
        for w in want.iter().filter(|w| w[yc] == year.to_string()) {
            let (a, b) = (pos[w[c1].as_str()], pos[w[c2].as_str()]);
            let what = format!("{year} {} {}", w[c1], w[c2]);
            assert_close(
                &what,
                out.proximity[a * n + b],
                num(&w[cp]),
                Some(REL_TOL),
                None,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, want.len());
    assert_eq!(checked, 3 * 20 * 20);
}

#[test]
fn density_without_diagonal_matches_the_econgeo_scale_variant() {
    let opts = ComplexityOptions {
        density: DensityVariant::ExcludeDiagonalX100,
        ..ComplexityOptions::default()
    };
    let panel = employment_panel();
    let rows = complexity_panel(&panel, &opts).unwrap().to_rows();
    let (h, want) = read_csv("outputs/own_density_variants.csv");
    let by_key: HashMap<(String, String, String), f64> = want
        .iter()
        .map(|w| {
            (
                (
                    w[col(&h, "year")].clone(),
                    w[col(&h, "region")].clone(),
                    w[col(&h, "industry")].clone(),
                ),
                num(&w[col(&h, "density_nodiag_x100")]),
            )
        })
        .collect();
    assert_eq!(by_key.len(), rows.len());
    for row in &rows {
        let k = (
            row.year.to_string(),
            row.region.to_string(),
            row.industry.to_string(),
        );
        let what = format!("{k:?} density_nodiag_x100");
        assert_close(&what, row.density.unwrap(), by_key[&k], Some(REL_TOL), None);
    }
    // The variant changes only the density column.
    let default = complexity_panel(&panel, &ComplexityOptions::default())
        .unwrap()
        .to_rows();
    for (a, b) in rows.iter().zip(&default) {
        assert_eq!((a.eci, a.pci, a.coi, a.cog), (b.eci, b.pci, b.coi, b.cog));
    }
}
