//! `--format parquet`: runs the real `tandem` binary, reads the file back with the parquet
//! crate's own reader and checks it cell by cell against the same command's CSV.

use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tandem(db: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    (dir, db)
}

/// The Parquet type of a column as this test names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Utf8,
    Int64,
    Double,
    Null,
}

/// Runs `args` with `--format csv` and with `--format parquet --out FILE`, checks that the
/// Parquet file holds exactly the CSV's header, rows and cells (numbers parsed, empty CSV
/// cells as nulls), and returns each column's kind and the file's key/value metadata.
fn parquet_matches_csv(
    dir: &Path,
    db: &Path,
    args: &[&str],
) -> (BTreeMap<String, Kind>, BTreeMap<String, String>) {
    let csv_run = tandem(db, &[args, &["--format", "csv"]].concat());
    assert_eq!(csv_run.code, 0, "{args:?} csv: {}", csv_run.stderr);
    let path = dir.join(format!("{}.parquet", args.join("_")));
    let pq_run = tandem(
        db,
        &[
            args,
            &["--format", "parquet", "--out", path.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(pq_run.code, 0, "{args:?} parquet: {}", pq_run.stderr);
    assert!(pq_run.stdout.is_empty(), "{}", pq_run.stdout);

    let mut csv = csv::Reader::from_reader(csv_run.stdout.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();

    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows(), records.len() as i64, "{args:?}: row count");
    let mut kinds = Vec::new();
    for col in meta.schema_descr().columns() {
        assert_eq!(
            col.self_type().get_basic_info().repetition(),
            Repetition::OPTIONAL,
            "{args:?}: {} is nullable",
            col.name()
        );
        let kind = match (col.physical_type(), col.logical_type_ref()) {
            (Physical::BYTE_ARRAY, Some(&LogicalType::String)) => Kind::Utf8,
            (Physical::INT64, None) => Kind::Int64,
            (Physical::DOUBLE, None) => Kind::Double,
            (Physical::INT32, Some(&LogicalType::Unknown)) => Kind::Null,
            other => panic!("{args:?}: {} has unexpected type {other:?}", col.name()),
        };
        kinds.push((col.name().to_string(), kind));
    }
    let names: Vec<&str> = kinds.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, header, "{args:?}: columns are the CSV keys");

    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), records.len(), "{args:?}: rows read back");
    for (r, (row, record)) in rows.iter().zip(&records).enumerate() {
        let fields: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        assert_eq!(fields.len(), record.len());
        for ((field, cell), (name, kind)) in fields.iter().zip(record).zip(&kinds) {
            let at = format!("{args:?} row {r} column {name}: csv `{cell}`, parquet {field:?}");
            match (kind, field) {
                // Missing is null, never 0 or "" standing in for it.
                (_, Field::Null) => assert_eq!(cell, "", "{at}"),
                (Kind::Utf8, Field::Str(s)) => assert_eq!(s, cell, "{at}"),
                (Kind::Int64, Field::Long(v)) => {
                    assert_eq!(Ok(*v), cell.parse::<i64>(), "{at}")
                }
                (Kind::Double, Field::Double(v)) => {
                    assert_eq!(Ok(*v), cell.parse::<f64>(), "{at}")
                }
                _ => panic!("{at}: field does not fit the column type"),
            }
        }
    }
    let kv = meta
        .key_value_metadata()
        .expect("key/value metadata")
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect();
    (kinds.into_iter().collect(), kv)
}

fn nulls_in(path: &Path) -> usize {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .filter(|(_, f)| matches!(f, Field::Null))
                .count()
        })
        .sum()
}

#[test]
fn pairs_parquet_is_typed_and_equals_the_csv() {
    let (dir, db) = workspace();
    let (kinds, kv) = parquet_matches_csv(dir.path(), &db, &["pairs"]);
    for (name, kind) in &kinds {
        let want = if name.ends_with("_year") {
            Kind::Int64
        } else if name.ends_with("_yuan") || name.ends_with("_ratio") {
            Kind::Double
        } else {
            Kind::Utf8
        };
        assert_eq!(*kind, want, "{name}");
    }
    assert!(kinds.contains_key("pair_id") && kinds.contains_key("gdp_ratio_year"));
    assert!(kv["title"].contains("8 pairs"), "{kv:?}");
    assert_eq!(
        kv["created_by"],
        format!("tandem {}", env!("CARGO_PKG_VERSION"))
    );
    // The bundled data has gaps (n/a in the table): they are nulls in the file.
    assert!(nulls_in(&dir.path().join("pairs.parquet")) > 0);
}

#[test]
fn localities_parquet_is_typed_and_equals_the_csv() {
    let (dir, db) = workspace();
    let (kinds, kv) = parquet_matches_csv(dir.path(), &db, &["localities"]);
    let want = [
        ("id", Kind::Utf8),
        ("adcode", Kind::Int64),
        ("name_zh", Kind::Utf8),
        ("name_en", Kind::Utf8),
        ("province", Kind::Utf8),
        ("level", Kind::Utf8),
        ("role", Kind::Utf8),
        ("lat", Kind::Double),
        ("lon", Kind::Double),
        ("area_km2", Kind::Double),
    ];
    assert_eq!(
        kinds,
        want.iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    );
    assert!(kv["title"].starts_with("Localities"), "{kv:?}");
    // --programme narrows the same listing; the file follows.
    parquet_matches_csv(dir.path(), &db, &["localities", "--programme"]);
}

#[test]
fn metrics_listing_parquet_equals_the_csv() {
    let (dir, db) = workspace();
    let (kinds, _) =
        parquet_matches_csv(dir.path(), &db, &["metrics", "gravity", "--year", "2021"]);
    assert_eq!(kinds["distance_km"], Kind::Double);
    assert_eq!(kinds["rank"], Kind::Int64);
    assert_eq!(kinds["helped_id"], Kind::Utf8);
}

#[test]
fn parquet_needs_out_and_never_goes_to_standard_output() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["pairs", "--format", "parquet"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "binary on stdout");
    assert!(r.stderr.contains("--out FILE.parquet"), "{}", r.stderr);
    let help = tandem(&db, &["localities", "--help"]);
    assert!(help.stdout.contains("parquet"), "{}", help.stdout);
}
