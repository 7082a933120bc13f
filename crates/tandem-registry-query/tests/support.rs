//! Shared by the query tests: generated registries, a plain reading of their files, and the
//! query results as rows.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use tandem_registry::{generate, Effect, Manifest, Options, Params};
use tandem_registry_query::RecordBatch;

/// The planted effect of the test registries: strong and early, so that a small registry
/// has enough events (Huaibei is small).
pub const EFFECT: &str = "pair-xuzhou-huaibei:2012:100";

/// A generated registry kept for the whole test binary.
pub struct Generated {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub manifest: Manifest,
}

fn make(firms: u64, seed: u64, effects: &[&str]) -> Generated {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        firms,
        seed,
        effects: effects.iter().map(|e| Effect::parse(e).unwrap()).collect(),
        params: Params::default(),
    };
    let manifest = generate(&opts, dir.path(), &mut |_, _, _| {}).unwrap();
    Generated {
        path: dir.path().to_path_buf(),
        _dir: dir,
        manifest,
    }
}

/// 200,000 firms with the effect.
pub fn with_effect() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| make(200_000, 11, &[EFFECT]))
}

/// The same seed without it.
pub fn without_effect() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| make(200_000, 11, &[]))
}

/// A runtime for the async queries.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A Parquet file's rows as maps column -> field.
pub fn read_rows(path: &Path) -> Vec<BTreeMap<String, Field>> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .map(|(n, f)| (n.clone(), f.clone()))
                .collect()
        })
        .collect()
}

/// An integer, date or null field.
pub fn opt_int(f: &Field) -> Option<i64> {
    match f {
        Field::Null => None,
        Field::Long(i) => Some(*i),
        Field::Int(i) => Some(i64::from(*i)),
        Field::Date(d) => Some(i64::from(*d)),
        other => panic!("not an integer: {other:?}"),
    }
}

pub fn int(f: &Field) -> i64 {
    opt_int(f).expect("not null")
}

pub fn text(f: &Field) -> String {
    match f {
        Field::Str(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    }
}

/// Query results as rows of displayed values (null as ""), in result order.
pub fn result_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let opts = FormatOptions::default().with_null("");
    let mut rows = Vec::new();
    for b in batches {
        let formatters: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap())
            .collect();
        for i in 0..b.num_rows() {
            rows.push(formatters.iter().map(|f| f.value(i).to_string()).collect());
        }
    }
    rows
}

/// Column names of a result.
pub fn columns(batches: &[RecordBatch]) -> Vec<String> {
    batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Index of a column by name.
pub fn col(batches: &[RecordBatch], name: &str) -> usize {
    columns(batches)
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// True when the column is a 64-bit integer (every count and amount is).
pub fn is_int64(batches: &[RecordBatch], name: &str) -> bool {
    batches[0].column(col(batches, name)).data_type() == &DataType::Int64
}

/// The year of a day number.
pub fn year(day: i64) -> i64 {
    tandem_core::calendar::civil_from_days(day).0
}

/// The day number of 31 December of `year`.
pub fn year_end(year: i64) -> i64 {
    tandem_core::calendar::days_from_civil(year, 12, 31)
}

/// The tables read plainly, for reference computations.
pub struct Tables {
    pub firms: BTreeMap<i64, Firm>,
    pub links: Vec<Link>,
    pub moves: Vec<Move>,
    pub branches: Vec<Branch>,
}

pub struct Firm {
    pub city: String,
    pub division: String,
    pub founded: i64,
    pub closed: Option<i64>,
    pub capital: Option<i64>,
    /// Stays: (city, since, until), since None for the first.
    pub stays: Vec<(String, Option<i64>, Option<i64>)>,
}

pub struct Link {
    pub investor: i64,
    pub investee: i64,
    pub share: Option<f64>,
    pub amount: Option<i64>,
    pub date: i64,
}

pub struct Move {
    pub firm: i64,
    pub date: i64,
    pub from: String,
    pub to: String,
}

pub struct Branch {
    pub id: i64,
    pub firm: i64,
    pub city: String,
    pub founded: i64,
    pub closed: Option<i64>,
}

impl Firm {
    /// The city on `day` when following moves, or the founding city.
    pub fn city_on(&self, day: i64, at_date: bool) -> Option<&str> {
        if !at_date {
            return Some(&self.city);
        }
        self.stays
            .iter()
            .find(|(_, since, until)| {
                since.is_none_or(|s| s <= day) && until.is_none_or(|u| day < u)
            })
            .map(|(c, _, _)| c.as_str())
    }
}

/// Reads the four tables and builds each firm's stays the way docs/REGISTRY.md defines them.
pub fn read_tables(dir: &Path) -> Tables {
    let mut firms: BTreeMap<i64, Firm> = read_rows(&dir.join("firms.parquet"))
        .iter()
        .map(|r| {
            (
                int(&r["firm_id"]),
                Firm {
                    city: text(&r["city_id"]),
                    division: text(&r["industry_division"]),
                    founded: int(&r["founded"]),
                    closed: opt_int(&r["closed"]),
                    capital: opt_int(&r["registered_capital_yuan"]),
                    stays: Vec::new(),
                },
            )
        })
        .collect();
    let mut moves: Vec<Move> = read_rows(&dir.join("address_changes.parquet"))
        .iter()
        .map(|r| Move {
            firm: int(&r["firm_id"]),
            date: int(&r["date"]),
            from: text(&r["from_city_id"]),
            to: text(&r["to_city_id"]),
        })
        .collect();
    moves.sort_by(|a, b| (a.firm, a.date, &a.to).cmp(&(b.firm, b.date, &b.to)));
    let mut by_firm: BTreeMap<i64, Vec<&Move>> = BTreeMap::new();
    for m in &moves {
        by_firm.entry(m.firm).or_default().push(m);
    }
    for (id, f) in firms.iter_mut() {
        let mine = by_firm.get(id).map(Vec::as_slice).unwrap_or(&[]);
        f.stays
            .push((f.city.clone(), None, mine.first().map(|m| m.date)));
        for (i, m) in mine.iter().enumerate() {
            f.stays
                .push((m.to.clone(), Some(m.date), mine.get(i + 1).map(|n| n.date)));
        }
    }
    let links = read_rows(&dir.join("links.parquet"))
        .iter()
        .map(|r| Link {
            investor: int(&r["investor_firm_id"]),
            investee: int(&r["investee_firm_id"]),
            share: match &r["share"] {
                Field::Double(v) => Some(*v),
                _ => None,
            },
            amount: opt_int(&r["amount_yuan"]),
            date: int(&r["date"]),
        })
        .collect();
    let branches = read_rows(&dir.join("establishments.parquet"))
        .iter()
        .map(|r| Branch {
            id: int(&r["branch_id"]),
            firm: int(&r["firm_id"]),
            city: text(&r["city_id"]),
            founded: int(&r["founded"]),
            closed: opt_int(&r["closed"]),
        })
        .collect();
    Tables {
        firms,
        links,
        moves,
        branches,
    }
}
