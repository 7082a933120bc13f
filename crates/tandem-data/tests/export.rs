//! Exports in CSV, JSON and XLSX keep every field and source, and re-import unchanged.

mod import_support;

use calamine::{Data, Reader};
use import_support::*;
use std::collections::BTreeSet;
use tandem_core::{Observation, Source, SourceQuality, Unit};
use tandem_data::export::{
    export_observations, export_observations_to_path, ExportError, ExportFormat, Selection, COLUMNS,
};
use tandem_data::import::{import_bytes, ImportOptions};

fn obs(
    loc: &str,
    year: i32,
    ind: &str,
    value: f64,
    unit: Unit,
    citation: &str,
    q: SourceQuality,
) -> Observation {
    Observation {
        locality: loc.into(),
        year,
        indicator: ind.into(),
        value,
        unit,
        source: Source::new(citation, q, "bundled"),
    }
}

fn sample() -> Vec<Observation> {
    vec![
        obs(
            "js-suzhou",
            2021,
            "gdp",
            22718.3,
            Unit::HundredMillionYuan,
            "https://example.org/js, \"bulletin\"",
            SourceQuality::Rank(1),
        ),
        obs(
            "ah-suzhou",
            2022,
            "gdp",
            2300.6,
            Unit::HundredMillionYuan,
            "宿州市统计公报",
            SourceQuality::Rank(2),
        ),
        obs(
            "ah-suzhou",
            2021,
            "gdp",
            2167.7,
            Unit::HundredMillionYuan,
            "宿州市统计公报",
            SourceQuality::Rank(2),
        ),
        obs(
            "ah-suzhou",
            2021,
            "urbanization_rate",
            46.15,
            Unit::Percent,
            "https://example.org/u",
            SourceQuality::Unrated,
        ),
    ]
}

#[test]
fn csv_has_the_columns_names_and_sources_sorted() {
    let mut out = Vec::new();
    export_observations(&sample(), &localities(), ExportFormat::Csv, &mut out).unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    // Sorted by locality, indicator, year.
    assert_eq!(&rows[0][0], "ah-suzhou");
    assert_eq!((&rows[0][3], &rows[0][4]), ("2021", "gdp"));
    assert_eq!((&rows[1][3], &rows[1][4]), ("2022", "gdp"));
    assert_eq!(&rows[2][4], "urbanization_rate");
    assert_eq!(
        rows[3].iter().collect::<Vec<_>>(),
        [
            "js-suzhou",
            "苏州市",
            "Suzhou (Jiangsu)",
            "2021",
            "gdp",
            "22718.3",
            "100m_yuan",
            "https://example.org/js, \"bulletin\"",
            "rank 1",
            "bundled"
        ]
    );
    assert_eq!(&rows[2][8], "unrated");
}

#[test]
fn csv_export_imports_back_unchanged() {
    let locs = localities();
    let original = sample();
    let mut out = Vec::new();
    export_observations(&original, &locs, ExportFormat::Csv, &mut out).unwrap();
    let opts = ImportOptions {
        dataset: "bundled".into(),
        ..ImportOptions::default()
    };
    let batch = import_bytes("export.csv", &out, &opts, &locs).unwrap_or_else(|r| panic!("{r}"));
    let mut back = batch.observations;
    let mut want = original;
    let key = |o: &Observation| (o.locality.clone(), o.indicator.clone(), o.year);
    back.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(back, want);
}

#[test]
fn json_is_an_array_of_objects() {
    let mut out = Vec::new();
    export_observations(&sample(), &localities(), ExportFormat::Json, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    let first = arr[0].as_object().unwrap();
    assert_eq!(
        first.keys().cloned().collect::<BTreeSet<_>>(),
        COLUMNS.iter().map(|c| c.to_string()).collect()
    );
    assert_eq!(first["locality_name_zh"], "宿州市");
    assert_eq!(first["value"], 2167.7);
    assert_eq!(first["year"], 2021);
    assert_eq!(first["source_quality"], "rank 2");
}

#[test]
fn xlsx_has_observations_and_sources_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.xlsx");
    export_observations_to_path(&sample(), &localities(), None, &path).unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["observations", "sources"]);
    let obs = book.worksheet_range("observations").unwrap();
    assert_eq!(obs.get_size(), (5, 10));
    assert_eq!(obs.get((1, 0)), Some(&Data::String("ah-suzhou".into())));
    assert_eq!(obs.get((1, 5)), Some(&Data::Float(2167.7)));
    let sources = book.worksheet_range("sources").unwrap();
    // Three distinct sources; 宿州市统计公报 is cited twice.
    assert_eq!(sources.get_size(), (4, 4));
    let row = sources
        .rows()
        .find(|r| r[0] == Data::String("宿州市统计公报".into()))
        .unwrap();
    assert_eq!(row[3], Data::Float(2.0));
    // The XLSX export also imports back.
    let bytes = std::fs::read(&path).unwrap();
    let opts = ImportOptions {
        dataset: "bundled".into(),
        ..ImportOptions::default()
    };
    let batch =
        import_bytes("out.xlsx", &bytes, &opts, &localities()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(batch.observations.len(), 4);
}

#[test]
fn format_from_path_and_unknown_extension() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        export_observations_to_path(&sample(), &localities(), None, &dir.path().join("out.txt"))
            .unwrap_err();
    assert!(matches!(err, ExportError::UnknownFormat(_)));
    assert!(!dir.path().join("out.txt").exists());
    assert_eq!(ExportFormat::parse("JSON"), Some(ExportFormat::Json));
    assert_eq!(
        ExportFormat::from_path(std::path::Path::new("a/b.csv")),
        Some(ExportFormat::Csv)
    );
}

#[test]
fn selection_filters_by_locality_year_and_indicator() {
    let all = sample();
    assert_eq!(Selection::default().filter(&all).len(), 4);
    let sel = Selection {
        localities: Some(["ah-suzhou".to_string()].into()),
        years: Some(2021..=2021),
        indicators: None,
    };
    let picked = sel.filter(&all);
    assert_eq!(picked.len(), 2);
    assert!(picked
        .iter()
        .all(|o| o.locality == "ah-suzhou" && o.year == 2021));
    let sel = Selection {
        indicators: Some(["urbanization_rate".to_string()].into()),
        ..Selection::default()
    };
    assert!(sel.matches(&all[3]));
    assert!(!sel.matches(&all[0]));
}
