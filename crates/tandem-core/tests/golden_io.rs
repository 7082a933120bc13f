//! Input-output analysis against pymrio 0.7.0 (`load_test()` + `calc_all(include_ghosh=True)`)
//! and the plain numpy script's `own_io_linkages.csv` (see tests/golden/README.md).
//!
//! Tolerance: 1e-12 relative, element by element (an expected 0 must come out within
//! 1e-12 of its row's largest value). LU in faer and LAPACK gesv in numpy round
//! differently, but on this well-conditioned system (ρ(A) = 0.20) the worst relative gap
//! of L is ~1.5e-15, so no looser tolerance is needed.

use std::collections::HashMap;
use std::path::PathBuf;
use tandem_core::metrics::input_output as io;

/// A wide CSV: header labels, row labels, row-major values.
struct Table {
    cols: Vec<String>,
    rows: Vec<String>,
    values: Vec<f64>,
}

fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

/// Parses a `row,label...` CSV without quoting (the golden files have none; checked).
fn read(rel: &str) -> Table {
    let path = golden(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(!header.contains('"'), "{rel}: quoted header not supported");
    let cols: Vec<String> = header.split(',').skip(1).map(str::to_string).collect();
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (k, line) in lines.enumerate() {
        let mut cells = line.split(',');
        rows.push(cells.next().expect("row label").to_string());
        let before = values.len();
        values.extend(cells.map(|c| {
            c.parse::<f64>()
                .unwrap_or_else(|e| panic!("{rel} line {}: {c:?}: {e}", k + 2))
        }));
        assert_eq!(values.len() - before, cols.len(), "{rel} line {}", k + 2);
    }
    Table { cols, rows, values }
}

/// Worst elementwise relative error and where it is (an expected 0 is measured against
/// the largest |value| of its row).
fn worst(got: &[f64], want: &[f64], ncols: usize) -> (f64, usize) {
    assert_eq!(got.len(), want.len());
    let mut worst = (0.0_f64, 0);
    for (r, (g_row, w_row)) in got.chunks(ncols).zip(want.chunks(ncols)).enumerate() {
        let scale = w_row.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for (c, (g, w)) in g_row.iter().zip(w_row).enumerate() {
            let denom = if *w == 0.0 { scale } else { w.abs() };
            let err = (g - w).abs() / denom.max(f64::MIN_POSITIVE);
            if err > worst.0 {
                worst = (err, r * ncols + c);
            }
        }
    }
    worst
}

fn assert_close(what: &str, got: &[f64], want: &[f64], ncols: usize, tol: f64) {
    let (err, at) = worst(got, want, ncols);
    assert!(
        err <= tol,
        "{what}: error {err:.3e} > {tol:.0e} at row {}, column {} (got {}, want {})",
        at / ncols,
        at % ncols,
        got[at],
        want[at]
    );
}

const TOL: f64 = 1e-12;

struct System {
    labels: Vec<String>,
    n: usize,
    z: Vec<f64>,
    x: Vec<f64>,
}

fn system() -> System {
    let z = read("inputs/mrio_Z.csv");
    let y = read("inputs/mrio_Y.csv");
    assert_eq!(z.rows, z.cols);
    assert_eq!(y.rows, z.rows);
    let n = z.rows.len();
    assert_eq!(n, 48);
    let x = io::gross_output_from_flows(&z.values, n, &y.values, y.cols.len()).unwrap();
    System {
        labels: z.rows,
        n,
        z: z.values,
        x,
    }
}

#[test]
fn gross_output_and_coefficients_match_pymrio() {
    let s = system();
    let want_x = read("outputs/mrio_x.csv");
    assert_eq!(want_x.rows, s.labels);
    assert_close("x", &s.x, &want_x.values, 1, TOL);

    let a = io::technical_coefficients(&s.z, &s.x).unwrap();
    let want_a = read("outputs/mrio_A.csv");
    assert_eq!(want_a.cols, s.labels);
    assert_close("A", &a, &want_a.values, s.n, TOL);

    let b = io::allocation_coefficients(&s.z, &s.x).unwrap();
    let want_b = read("outputs/mrio_B.csv");
    assert_close("B", &b, &want_b.values, s.n, TOL);
}

#[test]
fn leontief_and_ghosh_inverses_match_pymrio() {
    let s = system();
    let a = io::technical_coefficients(&s.z, &s.x).unwrap();
    let l = io::leontief_inverse(&a, s.n).unwrap();
    let want_l = read("outputs/mrio_L.csv");
    assert_eq!(want_l.rows, s.labels);
    assert_close("L", &l, &want_l.values, s.n, TOL);

    let b = io::allocation_coefficients(&s.z, &s.x).unwrap();
    let g = io::ghosh_inverse(&b, s.n).unwrap();
    assert_close("G", &g, &read("outputs/mrio_G.csv").values, s.n, TOL);

    // The run metadata records ρ(A) = 0.2013710565033186; the cheap norm bound must
    // certify productivity without iterating.
    let p = io::productivity(&a, s.n).unwrap();
    assert!(p.is_productive());
    assert!(matches!(p, io::Productivity::NormBound { bound } if bound >= 0.2013710565033186));

    let om = io::output_multipliers(&l, s.n).unwrap();
    let want = read("outputs/mrio_output_multiplier.csv");
    assert_eq!(want.rows, s.labels);
    assert_close("output multipliers", &om, &want.values, 1, TOL);
}

#[test]
fn extension_multipliers_match_pymrio() {
    let s = system();
    let a = io::technical_coefficients(&s.z, &s.x).unwrap();
    let l = io::leontief_inverse(&a, s.n).unwrap();
    let b = io::allocation_coefficients(&s.z, &s.x).unwrap();
    let g = io::ghosh_inverse(&b, s.n).unwrap();
    for tag in ["factor_inputs", "emissions"] {
        let f = read(&format!("inputs/mrio_F_{tag}.csv"));
        assert_eq!(f.cols, s.labels);
        let k = f.rows.len();
        let st = io::stressor_coefficients(&f.values, k, &s.x).unwrap();
        let want_s = read(&format!("outputs/mrio_S_{tag}.csv"));
        assert_eq!(want_s.rows, f.rows);
        assert_close(&format!("S {tag}"), &st, &want_s.values, s.n, TOL);

        let m = io::extension_multipliers(&st, k, &l, s.n).unwrap();
        assert_close(
            &format!("M {tag}"),
            &m,
            &read(&format!("outputs/mrio_M_{tag}.csv")).values,
            s.n,
            TOL,
        );

        let md = io::downstream_multipliers(&st, k, &g, s.n).unwrap();
        let want_md = read(&format!("outputs/mrio_M_down_{tag}.csv"));
        assert_close(&format!("M_down {tag}"), &md, &want_md.values, s.n, TOL);
    }
}

#[test]
fn linkages_match_own_script() {
    let s = system();
    let a = io::technical_coefficients(&s.z, &s.x).unwrap();
    let l = io::leontief_inverse(&a, s.n).unwrap();
    let b = io::allocation_coefficients(&s.z, &s.x).unwrap();
    let g = io::ghosh_inverse(&b, s.n).unwrap();

    // own_io_linkages.csv is long (one row per sector, named columns).
    let want = read("outputs/own_io_linkages.csv");
    assert_eq!(want.rows, s.labels);
    let col: HashMap<&str, Vec<f64>> = want
        .cols
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let v = want.values.chunks(want.cols.len()).map(|r| r[c]).collect();
            (name.as_str(), v)
        })
        .collect();
    let check = |name: &str, got: Vec<f64>| assert_close(name, &got, &col[name], 1, TOL);
    check(
        "output_multiplier",
        io::output_multipliers(&l, s.n).unwrap(),
    );
    check(
        "backward_linkage_index",
        io::backward_linkages(&l, s.n).unwrap(),
    );
    check(
        "forward_linkage_index_leontief",
        io::forward_linkages(&l, s.n).unwrap(),
    );
    check(
        "forward_linkage_index_ghosh",
        io::forward_linkages(&g, s.n).unwrap(),
    );
    check(
        "direct_backward",
        io::direct_backward_linkages(&a, s.n).unwrap(),
    );
    check(
        "direct_forward",
        io::direct_forward_linkages(&b, s.n).unwrap(),
    );
}

/// The worst errors, printed for the record (`cargo test -- --nocapture`), so a change of
/// factorisation that moves them towards the tolerance is visible before it fails.
#[test]
fn report_worst_errors() {
    let s = system();
    let a = io::technical_coefficients(&s.z, &s.x).unwrap();
    let l = io::leontief_inverse(&a, s.n).unwrap();
    let want_l = read("outputs/mrio_L.csv");
    let (err, _) = worst(&l, &want_l.values, s.n);
    println!("L: worst elementwise relative error {err:.3e} (tolerance {TOL:.0e})");
    assert!(err <= TOL);
}

/// The CLI entry point on the same system packed as an `IoTable` (GO = x, one final-use
/// column TFU = Y·1): every column of own_io_linkages.csv.
#[test]
fn table_level_linkages_match_own_script() {
    use tandem_core::{Classification, IoTable, IoTableKind, NamedVector, Sector};
    let s = system();
    let y = read("inputs/mrio_Y.csv");
    let k = y.cols.len();
    let tfu: Vec<f64> = y.values.chunks(k).map(|r| r.iter().sum()).collect();
    let classification = Classification::Custom("pymrio-test".into());
    let table = IoTable {
        year: 2000,
        classification: classification.clone(),
        kind: IoTableKind::Competitive,
        sectors: s
            .labels
            .iter()
            .map(|c| Sector {
                classification: classification.clone(),
                code: c.clone(),
                name_en: c.clone(),
                name_zh: c.clone(),
            })
            .collect(),
        intermediate: s.z.clone(),
        intermediate_imports: None,
        final_use: vec![NamedVector {
            code: "TFU".into(),
            values: tfu,
        }],
        final_use_imports: None,
        imports: None,
        gross_output: s.x.clone(),
        value_added: vec![],
        source: "pymrio 0.7.0 load_test()".into(),
    };
    table.check_balance(1e-12).unwrap();
    let got = io::linkages(&table).unwrap();
    let want = read("outputs/own_io_linkages.csv");
    let ncols = want.cols.len();
    let column = |name: &str| {
        let c = want.cols.iter().position(|h| h == name).unwrap();
        want.values
            .chunks(ncols)
            .map(|r| r[c])
            .collect::<Vec<f64>>()
    };
    let pick = |f: fn(&io::SectorLinkage) -> f64| got.iter().map(f).collect::<Vec<f64>>();
    assert_eq!(
        got.iter().map(|g| g.code.clone()).collect::<Vec<_>>(),
        s.labels
    );
    assert_close(
        "output_multiplier",
        &pick(|g| g.output_multiplier),
        &column("output_multiplier"),
        1,
        TOL,
    );
    assert_close(
        "backward",
        &pick(|g| g.backward_linkage),
        &column("backward_linkage_index"),
        1,
        TOL,
    );
    assert_close(
        "forward",
        &pick(|g| g.forward_linkage),
        &column("forward_linkage_index_leontief"),
        1,
        TOL,
    );
    assert_close(
        "forward ghosh",
        &pick(|g| g.forward_linkage_ghosh),
        &column("forward_linkage_index_ghosh"),
        1,
        TOL,
    );
    assert_close(
        "direct backward",
        &pick(|g| g.direct_backward),
        &column("direct_backward"),
        1,
        TOL,
    );
    assert_close(
        "direct forward",
        &pick(|g| g.direct_forward),
        &column("direct_forward"),
        1,
        TOL,
    );

    // Value-added multipliers need TVA and VA001: absent here, so a named error.
    let err = io::multipliers(&table).unwrap_err();
    assert!(err.to_string().contains("TVA"), "{err}");
    // The factor-inputs extension as TVA (and, for the test, as VA001 too): the table-level
    // value-added multipliers equal pymrio's M for factor_inputs.
    let f = read("inputs/mrio_F_factor_inputs.csv");
    let mut with_va = table.clone();
    for code in ["TVA", "VA001"] {
        with_va.value_added.push(NamedVector {
            code: code.into(),
            values: f.values.clone(),
        });
    }
    let m = io::multipliers(&with_va).unwrap();
    let want_m = read("outputs/mrio_M_factor_inputs.csv");
    assert_close(
        "VA multipliers",
        &m.iter().map(|r| r.value_added).collect::<Vec<_>>(),
        &want_m.values,
        s.n,
        TOL,
    );
    assert_close(
        "income multipliers",
        &m.iter().map(|r| r.income).collect::<Vec<_>>(),
        &want_m.values,
        s.n,
        TOL,
    );
    // A negative flow is named by its sector codes.
    let mut bad = table.clone();
    bad.intermediate[1] = -1.0;
    let err = io::linkages(&bad).unwrap_err();
    assert!(
        err.to_string()
            .contains("row reg1|food, column reg1|mining"),
        "{err}"
    );
}
