//! Persistence: the local workspace database.
//!
//! A workspace is one SQLite file holding the datasets a user imported. Each import is one
//! transaction: a dataset is stored whole or not at all, so a failed import leaves the file
//! exactly as it was. The bundled data is never copied in; callers layer a dataset over it
//! (see [`tandem_core::layer`]).
//!
//! The schema is versioned with SQLite's `user_version`; [`Workspace::open`] applies the
//! migrations it finds missing, in order, inside a transaction.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tandem_core::{IoTable, Observation, Source, SourceQuality, Unit};

/// Errors from the workspace database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open workspace database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the folder {path} for the workspace database: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the workspace database {path} readable only by you: {source}; check that you own the file")]
    Private {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("dataset `{0}` already exists: choose another name with --dataset, or pass --replace to overwrite it")]
    DatasetExists(String),
    #[error("no dataset named `{name}` in the workspace{hint}")]
    NoDataset { name: String, hint: String },
    #[error("dataset name `{0}` is not allowed: use letters, digits, '-', '_' or '.', and not `bundled`")]
    BadName(String),
    #[error("the workspace database {path} has schema version {found}, newer than this tandem understands ({supported}); upgrade tandem")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("workspace database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored record is corrupt ({0}); run `tandem data list` and re-import the dataset")]
    Corrupt(String),
}

/// The migrations, in order; migration `k` brings the schema from version `k` to `k + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE dataset (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    imported_at TEXT NOT NULL,
    files       TEXT NOT NULL,
    notes       TEXT NOT NULL
);
CREATE TABLE observation (
    dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    locality   TEXT NOT NULL,
    year       INTEGER NOT NULL,
    indicator  TEXT NOT NULL,
    value      REAL NOT NULL,
    unit       TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source <> ''),
    quality    INTEGER,
    PRIMARY KEY (dataset_id, locality, year, indicator)
) WITHOUT ROWID;
CREATE TABLE io_table (
    dataset_id     INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    year           INTEGER NOT NULL,
    classification TEXT NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (dataset_id, year, classification)
);
"#];

/// A dataset to store: what an import produced.
#[derive(Clone, Debug, Default)]
pub struct NewDataset {
    pub name: String,
    /// The files it came from, as given.
    pub files: Vec<String>,
    /// Conversions and skipped cells the importer reported.
    pub notes: Vec<String>,
    pub observations: Vec<Observation>,
    pub io_tables: Vec<IoTable>,
}

/// A stored dataset with its coverage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatasetSummary {
    pub name: String,
    pub imported_at: String,
    pub files: Vec<String>,
    pub observations: usize,
    pub localities: usize,
    pub years: Vec<i32>,
    pub indicators: usize,
    pub io_tables: usize,
}

/// An open workspace database.
pub struct Workspace {
    conn: Connection,
    path: PathBuf,
}

/// The default workspace file: `$TANDEM_DB`, else `$XDG_DATA_HOME/tandem/workspace.sqlite`,
/// else `$HOME/.local/share/tandem/workspace.sqlite`, else `./tandem-workspace.sqlite`.
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TANDEM_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|p| !p.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        });
    match base {
        Some(b) => b.join("tandem").join("workspace.sqlite"),
        None => PathBuf::from("tandem-workspace.sqlite"),
    }
}

/// Creates `dir` (and its parents) readable by its owner only (0700) when it does not exist.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the database file readable and writable by its owner only (0600), or takes group
/// and other permissions off an existing one and its `-wal`, `-shm` and `-journal` files
/// (earlier versions created them 0644). SQLite creates those files with the database
/// file's permissions, so they follow. A file owned by someone else is left as it is. (The
/// platform database does the same: `tandem_platform::db::make_private_sqlite`.)
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            let Ok(meta) = std::fs::metadata(file) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                match std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))
                {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "bundled"
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Workspace {
    /// Opens (creating on first use) the workspace database at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<Workspace, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        make_private(path).map_err(|source| StoreError::Private {
            path: path.to_path_buf(),
            source,
        })?;
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut ws = Workspace {
            conn,
            path: path.to_path_buf(),
        };
        ws.configure()?;
        ws.migrate()?;
        Ok(ws)
    }

    /// An in-memory workspace (tests, one-shot analyses).
    pub fn in_memory() -> Result<Workspace, StoreError> {
        let mut ws = Workspace {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        };
        ws.configure()?;
        ws.migrate()?;
        Ok(ws)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> Result<(), StoreError> {
        // WAL keeps readers going while an import writes; FULL sync so an acknowledged
        // import survives a power cut.
        self.conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
        )?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                supported,
            });
        }
        for sql in &MIGRATIONS[version as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", supported)?;
        tx.commit()?;
        Ok(())
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Stores a dataset in one transaction. With `replace`, an existing dataset of the same
    /// name is removed in the same transaction; otherwise an existing name is an error. On any
    /// error nothing is written.
    pub fn import(&mut self, dataset: &NewDataset, replace: bool) -> Result<(), StoreError> {
        if !valid_name(&dataset.name) {
            return Err(StoreError::BadName(dataset.name.clone()));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM dataset WHERE name = ?1",
                [&dataset.name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            if !replace {
                return Err(StoreError::DatasetExists(dataset.name.clone()));
            }
            tx.execute("DELETE FROM dataset WHERE id = ?1", [id])?;
        }
        tx.execute(
            "INSERT INTO dataset (name, imported_at, files, notes) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?2, ?3)",
            params![
                dataset.name,
                serde_json::to_string(&dataset.files).expect("strings serialise"),
                serde_json::to_string(&dataset.notes).expect("strings serialise"),
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO observation (dataset_id, locality, year, indicator, value, unit, source, quality) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for o in &dataset.observations {
                let quality = match o.source.quality {
                    SourceQuality::Rank(r) => Some(r as i64),
                    SourceQuality::Unrated => None,
                };
                insert.execute(params![
                    id,
                    o.locality,
                    o.year,
                    o.indicator,
                    o.value,
                    o.unit.code(),
                    o.source.citation,
                    quality
                ])?;
            }
            let mut insert_io = tx.prepare(
                "INSERT INTO io_table (dataset_id, year, classification, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for t in &dataset.io_tables {
                insert_io.execute(params![
                    id,
                    t.year,
                    t.classification.code(),
                    serde_json::to_string(t).expect("IO tables serialise"),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn dataset_id(&self, name: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT id FROM dataset WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                let names = self.dataset_names().unwrap_or_default();
                let hint = if names.is_empty() {
                    " (it is empty: import files with `tandem data import FILE...`)".to_string()
                } else {
                    format!(" (it has: {})", names.join(", "))
                };
                StoreError::NoDataset {
                    name: name.to_string(),
                    hint,
                }
            })
    }

    /// Names of the stored datasets, sorted.
    pub fn dataset_names(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM dataset ORDER BY name")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(names)
    }

    /// Removes a dataset and everything in it.
    pub fn remove(&mut self, name: &str) -> Result<(), StoreError> {
        let id = self.dataset_id(name)?;
        self.conn
            .execute("DELETE FROM dataset WHERE id = ?1", [id])?;
        Ok(())
    }

    /// The observations of one dataset, sorted by locality, year and indicator.
    pub fn observations(&self, name: &str) -> Result<Vec<Observation>, StoreError> {
        let id = self.dataset_id(name)?;
        let mut stmt = self.conn.prepare(
            "SELECT locality, year, indicator, value, unit, source, quality FROM observation WHERE dataset_id = ?1 ORDER BY locality, year, indicator",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (locality, year, indicator, value, unit, citation, quality) = row?;
            let unit = Unit::parse(&unit)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown unit `{unit}`")))?;
            let quality = match quality {
                Some(r) => SourceQuality::Rank(
                    u8::try_from(r).map_err(|_| StoreError::Corrupt(format!("source rank {r}")))?,
                ),
                None => SourceQuality::Unrated,
            };
            out.push(Observation {
                locality,
                year,
                indicator,
                value,
                unit,
                source: Source::new(citation, quality, name.to_string()),
            });
        }
        Ok(out)
    }

    /// The input-output tables of one dataset.
    pub fn io_tables(&self, name: &str) -> Result<Vec<IoTable>, StoreError> {
        let id = self.dataset_id(name)?;
        let mut stmt = self.conn.prepare(
            "SELECT body FROM io_table WHERE dataset_id = ?1 ORDER BY year, classification",
        )?;
        let bodies = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        bodies
            .iter()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| StoreError::Corrupt(format!("IO table: {e}")))
            })
            .collect()
    }

    /// Every dataset with its coverage.
    pub fn datasets(&self) -> Result<Vec<DatasetSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, imported_at, files FROM dataset ORDER BY name")?;
        let heads = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        for (name, imported_at, files) in heads {
            let obs = self.observations(&name)?;
            let files: Vec<String> = serde_json::from_str(&files)
                .map_err(|e| StoreError::Corrupt(format!("file list: {e}")))?;
            let years: BTreeSet<i32> = obs.iter().map(|o| o.year).collect();
            let localities: BTreeSet<&str> = obs.iter().map(|o| o.locality.as_str()).collect();
            let indicators: BTreeSet<&str> = obs.iter().map(|o| o.indicator.as_str()).collect();
            let io_tables: i64 = self.conn.query_row(
                "SELECT count(*) FROM io_table JOIN dataset ON dataset.id = io_table.dataset_id WHERE dataset.name = ?1",
                [&name],
                |r| r.get(0),
            )?;
            out.push(DatasetSummary {
                observations: obs.len(),
                localities: localities.len(),
                years: years.into_iter().collect(),
                indicators: indicators.len(),
                io_tables: io_tables as usize,
                name,
                imported_at,
                files,
            });
        }
        Ok(out)
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(result))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(locality: &str, year: i32, value: f64) -> Observation {
        Observation {
            locality: locality.into(),
            year,
            indicator: "gdp".into(),
            value,
            unit: Unit::HundredMillionYuan,
            source: Source::new(
                "https://example.org/bulletin",
                SourceQuality::Rank(1),
                "ignored",
            ),
        }
    }

    /// Issue #12: the workspace file, its write-ahead log and shared-memory file are created
    /// 0600 in a 0700 folder, and an existing 0644 file (earlier versions) is tightened.
    #[cfg(unix)]
    #[test]
    fn the_workspace_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("ws.sqlite");
        let ws = Workspace::open(&path).unwrap();
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        drop(ws);
        let old = dir.path().join("old.sqlite");
        drop(Connection::open(&old).unwrap());
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _ws = Workspace::open(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
    }

    fn dataset(name: &str, observations: Vec<Observation>) -> NewDataset {
        NewDataset {
            name: name.into(),
            files: vec!["a.csv".into()],
            notes: vec![],
            observations,
            io_tables: vec![],
        }
    }

    #[test]
    fn import_round_trips_and_summarises() {
        let mut ws = Workspace::in_memory().unwrap();
        assert_eq!(ws.schema_version().unwrap(), MIGRATIONS.len() as i64);
        ws.import(
            &dataset(
                "mine",
                vec![obs("ah-fuyang", 2022, 3233.3), obs("ah-bozhou", 2021, 2.0)],
            ),
            false,
        )
        .unwrap();
        let back = ws.observations("mine").unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].locality, "ah-bozhou");
        assert_eq!(back[1].value, 3233.3);
        assert_eq!(back[1].source.dataset, "mine");
        assert_eq!(back[1].source.quality, SourceQuality::Rank(1));
        let summary = &ws.datasets().unwrap()[0];
        assert_eq!(
            (summary.observations, summary.localities, summary.indicators),
            (2, 2, 1)
        );
        assert_eq!(summary.years, [2021, 2022]);
    }

    #[test]
    fn duplicate_name_needs_replace() {
        let mut ws = Workspace::in_memory().unwrap();
        ws.import(&dataset("mine", vec![obs("a", 2020, 1.0)]), false)
            .unwrap();
        let err = ws
            .import(&dataset("mine", vec![obs("a", 2020, 2.0)]), false)
            .unwrap_err();
        assert!(matches!(err, StoreError::DatasetExists(_)));
        assert_eq!(ws.observations("mine").unwrap()[0].value, 1.0);
        ws.import(&dataset("mine", vec![obs("a", 2020, 2.0)]), true)
            .unwrap();
        assert_eq!(ws.observations("mine").unwrap()[0].value, 2.0);
    }

    #[test]
    fn failing_import_writes_nothing() {
        let mut ws = Workspace::in_memory().unwrap();
        ws.import(&dataset("first", vec![obs("a", 2020, 1.0)]), false)
            .unwrap();
        // The second row repeats a key: the primary key refuses it after the first row was
        // inserted, and the whole transaction must roll back, including the replace.
        let bad = dataset("first", vec![obs("b", 2020, 1.0), obs("b", 2020, 1.0)]);
        assert!(ws.import(&bad, true).is_err());
        let back = ws.observations("first").unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].locality, "a");
        assert_eq!(ws.dataset_names().unwrap(), ["first"]);
    }

    #[test]
    fn names_are_checked() {
        let mut ws = Workspace::in_memory().unwrap();
        for bad in ["", "bundled", "a b", "x/y"] {
            assert!(matches!(
                ws.import(&dataset(bad, vec![]), false),
                Err(StoreError::BadName(_))
            ));
        }
        let err = ws.observations("nope").unwrap_err();
        assert!(err.to_string().contains("tandem data import"), "{err}");
    }

    #[test]
    fn file_database_persists_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/ws.sqlite");
        {
            let mut ws = Workspace::open(&path).unwrap();
            ws.import(&dataset("mine", vec![obs("a", 2020, 1.0)]), false)
                .unwrap();
        }
        let ws = Workspace::open(&path).unwrap();
        assert_eq!(ws.observations("mine").unwrap().len(), 1);
        ws.integrity_check().unwrap();
        ws.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(ws);
        assert!(matches!(
            Workspace::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
