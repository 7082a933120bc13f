//! One small SQL interface over the two engines the platform runs on.
//!
//! SQLite (bundled, WAL, `synchronous=FULL`) is the embedded default; PostgreSQL is the server
//! option. The rest of the platform writes portable SQL with `?` placeholders and reads rows as
//! [`Value`]s, so the schema, queries and tests are shared; this module alone knows the engines.
//!
//! Concurrency: SQLite gets one writer connection behind a mutex (writers queue here instead of
//! failing with `SQLITE_BUSY`) and a small pool of readers, which WAL lets run beside the
//! writer. PostgreSQL gets a pool of clients; every write runs in a transaction.

use crate::error::shorten;
pub use crate::error::DbError;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A value bound to or read from SQL. Booleans are stored as integers 0/1 on both engines.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Real(v) if v.fract() == 0.0 => Some(*v as i64),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Real(v) => Some(*v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// A result row: its values in the order selected and the names of its columns (shared by
/// every row of one result, as the engine reports them: the `AS` alias where there is one, so
/// queries read by name alias every expression).
///
/// Positional access (`row[0]`, `row.first()`, iteration) goes through `Deref` to the
/// values. Code that turns rows into structs reads them by name instead ([`Row::int`],
/// [`Row::opt_text`]...), so a reordered `SELECT` cannot shift a value into the wrong field,
/// and a missing or mistyped column is a [`DbError::Column`] naming it, never a default.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row of `values` under `columns` (one name per value).
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        debug_assert_eq!(columns.len(), values.len(), "one name per value");
        Row { columns, values }
    }

    /// The column names, in select order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in select order.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The value of column `name` (an exact name first, else one differing only in ASCII
    /// case: PostgreSQL folds unquoted aliases to lower case), or [`DbError::Column`].
    pub fn value(&self, name: &str) -> Result<&Value, DbError> {
        let at = self.columns.iter().position(|c| c == name).or_else(|| {
            self.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        });
        match at {
            Some(i) => Ok(&self.values[i]),
            None => Err(DbError::Column {
                column: name.to_string(),
                expected: "a column of the result",
                found: format!("none (the row has: {})", self.columns.join(", ")),
            }),
        }
    }

    fn typed<'a, T>(
        &'a self,
        name: &str,
        expected: &'static str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, DbError> {
        let v = self.value(name)?;
        if v.is_null() {
            return Ok(None);
        }
        read(v).map(Some).ok_or_else(|| DbError::Column {
            column: name.to_string(),
            expected,
            found: describe(v),
        })
    }

    fn required<T>(&self, name: &str, expected: &'static str, v: Option<T>) -> Result<T, DbError> {
        v.ok_or_else(|| DbError::Column {
            column: name.to_string(),
            expected,
            found: "NULL".into(),
        })
    }

    /// Column `name` as an integer; NULL or another type is an error.
    pub fn int(&self, name: &str) -> Result<i64, DbError> {
        let v = self.opt_int(name)?;
        self.required(name, "an integer", v)
    }

    /// Column `name` as an integer, `None` for NULL; another type is an error.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, DbError> {
        self.typed(name, "an integer", Value::as_i64)
    }

    /// Column `name` as a number (integer or real); NULL or text is an error.
    pub fn real(&self, name: &str) -> Result<f64, DbError> {
        let v = self.opt_real(name)?;
        self.required(name, "a number", v)
    }

    /// Column `name` as a number (integer or real), `None` for NULL; text is an error.
    pub fn opt_real(&self, name: &str) -> Result<Option<f64>, DbError> {
        self.typed(name, "a number", Value::as_f64)
    }

    /// Column `name` as text; NULL or a number is an error.
    pub fn text(&self, name: &str) -> Result<&str, DbError> {
        let v = self.opt_text(name)?;
        self.required(name, "text", v)
    }

    /// Column `name` as text, `None` for NULL; a number is an error.
    pub fn opt_text(&self, name: &str) -> Result<Option<&str>, DbError> {
        self.typed(name, "text", Value::as_str)
    }
}

/// A value as an error message shows it (its type, and text shortened).
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => format!("the integer {i}"),
        Value::Real(r) => format!("the number {r}"),
        Value::Text(t) => {
            let short: String = t.chars().take(40).collect();
            format!("the text {short:?}")
        }
    }
}

impl std::ops::Deref for Row {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.values
    }
}

impl IntoIterator for Row {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.values.into_iter()
    }
}

impl<'a> IntoIterator for &'a Row {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.values.iter()
    }
}

impl From<Row> for Vec<Value> {
    fn from(r: Row) -> Vec<Value> {
        r.values
    }
}

/// Which engine a database runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A SQLite failure as a [`DbError`], constraint violations classified by their extended
/// result code.
fn sqlite_error(sql: &str, e: rusqlite::Error) -> DbError {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(failure, message) = &e else {
        return DbError::query(sql, e);
    };
    // SQLite names no constraint, only `table.column, ...` after "failed: " in its message;
    // that is kept for the user to read, the classification is the code's.
    let columns = || {
        message
            .as_deref()
            .and_then(|m| m.split_once("failed: "))
            .map(|(_, columns)| columns.to_string())
    };
    match failure.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            DbError::UniqueViolation {
                constraint: columns(),
                sql: shorten(sql),
                reason: e.to_string(),
            }
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DbError::ForeignKeyViolation {
            constraint: None,
            sql: shorten(sql),
            reason: e.to_string(),
        },
        _ => DbError::query(sql, e),
    }
}

/// A PostgreSQL failure as a [`DbError`], constraint violations classified by SQLSTATE.
fn pg_error(sql: &str, e: &postgres::Error) -> DbError {
    use postgres::error::SqlState;
    let Some(db) = e.as_db_error() else {
        return DbError::query(sql, pg_reason(e));
    };
    let constraint = db.constraint().map(str::to_string);
    let (sql, reason) = (shorten(sql), pg_reason(e));
    match db.code() {
        c if *c == SqlState::UNIQUE_VIOLATION => DbError::UniqueViolation {
            constraint,
            sql,
            reason,
        },
        c if *c == SqlState::FOREIGN_KEY_VIOLATION => DbError::ForeignKeyViolation {
            constraint,
            sql,
            reason,
        },
        _ => DbError::Query { sql, reason },
    }
}

/// A connection inside a transaction (writes) or a read snapshot (reads).
pub trait Conn {
    fn engine(&self) -> Engine;
    /// Runs a statement, returning the rows it yields (possibly none).
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs a statement, returning the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;

    /// The first row, if any.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// The first column of the first row as an integer (counts, ids).
    fn query_i64(&mut self, sql: &str, params: &[Value]) -> Result<i64, DbError> {
        self.query_one(sql, params)?
            .and_then(|r| r.first().and_then(Value::as_i64))
            .ok_or_else(|| DbError::query(sql, "expected an integer result"))
    }
}

/// How a database is reached: `sqlite://PATH` (or a bare path) or `postgres://…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Target {
    /// Parses a database URL.
    pub fn parse(url: &str) -> Result<Target, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Target::Postgres(url.to_string()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::Url(url.to_string()));
            }
            Ok(Target::Sqlite(path.into()))
        } else if url.contains("://") || url.is_empty() {
            Err(DbError::Url(url.to_string()))
        } else {
            Ok(Target::Sqlite(url.into()))
        }
    }

    /// The target for display, with any password hidden.
    pub fn redacted(&self) -> String {
        match self {
            Target::Sqlite(p) => format!("sqlite://{}", p.display()),
            Target::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    // postgres://user:secret@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((cred, host)) = rest.split_once('@') {
            if let Some((user, _)) = cred.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

/// Creates the SQLite file at `path` (and its folder) readable and writable by its owner
/// only, or takes group and other permissions off an existing one and its `-wal`, `-shm`
/// and `-journal` files: a platform database holds password hashes, session and CSRF
/// secrets and confidential demands (issue #12; earlier versions created it 0644). SQLite
/// creates its `-wal`, `-shm` and `-journal` files with the database file's permissions, so
/// they follow. A folder created here is the owner's only (0700); an existing one is left
/// as it is.
///
/// An existing file that is not ours to change (another owner) is opened as it is.
pub fn make_private_sqlite(path: &std::path::Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir)?;
        }
    }
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
            let file = std::path::Path::new(&name);
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
    Ok(())
}

/// A small blocking pool: connections are taken and returned; takers wait when none is free.
struct Pool<C> {
    free: Mutex<Vec<C>>,
    ready: Condvar,
}

impl<C> Pool<C> {
    fn new(conns: Vec<C>) -> Self {
        Pool {
            free: Mutex::new(conns),
            ready: Condvar::new(),
        }
    }
    fn take(&self) -> C {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = free.pop() {
                return c;
            }
            free = self.ready.wait(free).unwrap_or_else(|e| e.into_inner());
        }
    }
    fn give(&self, c: C) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).push(c);
        self.ready.notify_one();
    }
}

enum Backend {
    Sqlite {
        path: std::path::PathBuf,
        writer: Mutex<rusqlite::Connection>,
        readers: Pool<rusqlite::Connection>,
    },
    Postgres {
        url: String,
        pool: Pool<postgres::Client>,
    },
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres { pool, .. } = self {
            // Closing a synchronous PostgreSQL client blocks on its own runtime, which panics
            // on a thread that drives async tasks (where the last handle may well be dropped,
            // e.g. at server shutdown). Close the clients on a thread of their own.
            let clients = std::mem::take(&mut *pool.free.lock().unwrap_or_else(|e| e.into_inner()));
            let _ = std::thread::spawn(move || drop(clients)).join();
        }
    }
}

/// A database handle; cheap to clone and shared by every request.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
    /// Incremented after every committed write by this process; caches of derived figures
    /// compare it to know whether they are still current.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Row counts of list queries by SQL and parameters, with the generation they were taken
    /// at (see [`Db::count`]).
    counts: Arc<Mutex<std::collections::HashMap<String, (u64, i64)>>>,
    /// Per-user creation budgets and the bulk-write turn ([`crate::limits`]).
    limits: Arc<crate::limits::Limits>,
}

const SQLITE_READERS: usize = 4;
const POSTGRES_CLIENTS: usize = 8;

impl Db {
    /// Opens (creating a SQLite file if needed) the database at `target`.
    pub fn open(target: &Target) -> Result<Db, DbError> {
        match target {
            Target::Sqlite(path) => {
                make_private_sqlite(path).map_err(|e| DbError::Open {
                    target: target.redacted(),
                    reason: format!(
                        "{e}; check that the folder exists or can be created and that you \
                         own the file"
                    ),
                })?;
                let open = || -> Result<rusqlite::Connection, DbError> {
                    let c = rusqlite::Connection::open(path).map_err(|e| DbError::Open {
                        target: target.redacted(),
                        reason: e.to_string(),
                    })?;
                    c.busy_timeout(Duration::from_secs(10))
                        .and_then(|_| {
                            // WAL lets readers run beside the writer; FULL makes a commit
                            // durable before it is acknowledged, so a crash loses nothing
                            // that was reported written.
                            c.execute_batch(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                                 PRAGMA foreign_keys=ON;",
                            )
                        })
                        .map_err(|e| DbError::Open {
                            target: target.redacted(),
                            reason: e.to_string(),
                        })?;
                    Ok(c)
                };
                let writer = open()?;
                let readers = (0..SQLITE_READERS)
                    .map(|_| open())
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Db {
                    generation: Default::default(),
                    counts: Default::default(),
                    limits: Default::default(),
                    backend: Arc::new(Backend::Sqlite {
                        path: path.clone(),
                        writer: Mutex::new(writer),
                        readers: Pool::new(readers),
                    }),
                })
            }
            Target::Postgres(url) => {
                let clients = (0..POSTGRES_CLIENTS)
                    .map(|_| {
                        postgres::Client::connect(url, postgres::NoTls).map_err(|e| DbError::Open {
                            target: target.redacted(),
                            reason: format!("{e}; is the server running and the URL right?"),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Db {
                    generation: Default::default(),
                    counts: Default::default(),
                    limits: Default::default(),
                    backend: Arc::new(Backend::Postgres {
                        url: url.clone(),
                        pool: Pool::new(clients),
                    }),
                })
            }
        }
    }

    /// The limits on bulk work through this handle and its clones ([`crate::limits`]).
    pub fn limits(&self) -> &crate::limits::Limits {
        &self.limits
    }

    /// How many writes this process has committed (see the field's note).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// `SELECT COUNT(*) ...` for a list's total, remembered until this process next writes.
    /// Only on SQLite: the embedded database has no writers this process does not hear of
    /// (the dashboard cache relies on the same). A list request then costs one query, the
    /// page, instead of two; counting the rows costs as much as reading a page of them.
    pub fn count(&self, c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
        if self.engine() != Engine::Sqlite {
            return c.query_i64(sql, params);
        }
        let key = format!("{sql}\u{0}{params:?}");
        // The generation is read before counting: if a write commits meanwhile, the entry is
        // already out of date and is never served.
        let generation = self.generation();
        if let Some(&(g, n)) = self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if g == generation {
                return Ok(n);
            }
        }
        let n = c.query_i64(sql, params)?;
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= 4_096 {
            counts.clear();
        }
        counts.insert(key, (generation, n));
        Ok(n)
    }

    fn committed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub fn engine(&self) -> Engine {
        match &*self.backend {
            Backend::Sqlite { .. } => Engine::Sqlite,
            Backend::Postgres { .. } => Engine::Postgres,
        }
    }

    /// Where the database is, for display (passwords hidden).
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Backend::Postgres { url, .. } => redact_password(url),
        }
    }

    /// Runs `f` in one write transaction: committed if it returns `Ok`, rolled back otherwise.
    pub fn write<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        match &*self.backend {
            Backend::Sqlite { writer, .. } => {
                let mut c = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| DbError::query("BEGIN IMMEDIATE", e))?;
                let mut conn = SqliteConn(&tx);
                let out = f(&mut conn)?;
                tx.commit().map_err(|e| sqlite_error("COMMIT", e))?;
                self.committed();
                Ok(out)
            }
            Backend::Postgres { pool, url } => {
                let mut client = PooledPg::take(pool, url);
                let c = client.client();
                let mut tx = c
                    .transaction()
                    .map_err(|e| DbError::query("BEGIN", pg_reason(&e)))?;
                let out = f(&mut PgConn(&mut tx))?;
                tx.commit().map_err(|e| pg_error("COMMIT", &e))?;
                self.committed();
                Ok(out)
            }
        }
    }

    /// Runs `f` on a read connection (a consistent snapshot for its duration).
    pub fn read<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        match &*self.backend {
            Backend::Sqlite { readers, .. } => {
                let mut c = readers.take();
                let result = (|| {
                    let tx = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)
                        .map_err(|e| DbError::query("BEGIN", e))?;
                    let out = f(&mut SqliteConn(&tx))?;
                    tx.finish().map_err(|e| DbError::query("END", e))?;
                    Ok(out)
                })();
                readers.give(c);
                result
            }
            Backend::Postgres { pool, url } => {
                let mut client = PooledPg::take(pool, url);
                let c = client.client();
                let mut tx = c
                    .build_transaction()
                    .read_only(true)
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .start()
                    .map_err(|e| DbError::query("BEGIN", pg_reason(&e)))?;
                let out = f(&mut PgConn(&mut tx))?;
                tx.commit()
                    .map_err(|e| DbError::query("COMMIT", pg_reason(&e)))?;
                Ok(out)
            }
        }
    }

    /// Copies a SQLite database to `dest` with the online backup API (consistent while the
    /// server runs). `None` on PostgreSQL, whose physical backups belong to its own tools.
    pub fn sqlite_snapshot(&self, dest: &std::path::Path) -> Option<Result<(), DbError>> {
        match &*self.backend {
            Backend::Sqlite { writer, .. } => {
                if let Err(e) = make_private_sqlite(dest) {
                    return Some(Err(DbError::Other(format!(
                        "cannot create {}: {e}",
                        dest.display()
                    ))));
                }
                let c = writer.lock().unwrap_or_else(|e| e.into_inner());
                Some(c.backup(rusqlite::MAIN_DB, dest, None).map_err(|e| {
                    DbError::Other(format!("backup to {} failed: {e}", dest.display()))
                }))
            }
            Backend::Postgres { .. } => None,
        }
    }
}

/// Returns a PostgreSQL client to the pool even when the caller's closure fails or panics; a
/// client whose connection broke is replaced by a fresh one.
struct PooledPg<'a> {
    pool: &'a Pool<postgres::Client>,
    url: &'a str,
    client: Option<postgres::Client>,
}

impl<'a> PooledPg<'a> {
    /// Takes a client from the pool (waiting for one if all are in use).
    fn take(pool: &'a Pool<postgres::Client>, url: &'a str) -> PooledPg<'a> {
        PooledPg {
            pool,
            url,
            client: Some(pool.take()),
        }
    }

    fn client(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledPg<'_> {
    fn drop(&mut self) {
        if let Some(mut c) = self.client.take() {
            if c.is_closed() {
                // If reconnecting fails, the closed client goes back: the next user gets a
                // clear connection error instead of waiting forever on an empty pool.
                if let Ok(fresh) = postgres::Client::connect(self.url, postgres::NoTls) {
                    c = fresh;
                }
            }
            self.pool.give(c);
        }
    }
}

fn pg_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

struct SqliteConn<'a>(&'a rusqlite::Transaction<'a>);

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(f) => rusqlite::types::Value::Real(*f),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

impl Conn for SqliteConn<'_> {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self
            .0
            .prepare_cached(sql)
            .map_err(|e| sqlite_error(sql, e))?;
        let n = stmt.column_count();
        let columns: Arc<[String]> = stmt.column_names().into_iter().map(String::from).collect();
        let bound: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(bound.iter()))
            .map_err(|e| sqlite_error(sql, e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| sqlite_error(sql, e))? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i).map_err(|e| sqlite_error(sql, e))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Text(hex::encode(b)),
                });
            }
            out.push(Row::new(columns.clone(), row));
        }
        Ok(out)
    }
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self
            .0
            .prepare_cached(sql)
            .map_err(|e| sqlite_error(sql, e))?;
        let bound: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        stmt.execute(rusqlite::params_from_iter(bound.iter()))
            .map(|n| n as u64)
            .map_err(|e| sqlite_error(sql, e))
    }
    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.execute_batch(sql).map_err(|e| sqlite_error(sql, e))
    }
}

/// Rewrites `?` placeholders as PostgreSQL's `$1, $2, …`, leaving quoted text alone.
pub fn to_postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut in_quote = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                in_quote = !in_quote;
                out.push(ch);
            }
            '?' if !in_quote => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

struct PgConn<'a, 'b>(&'a mut postgres::Transaction<'b>);

/// Binds a [`Value`] to whatever type PostgreSQL inferred for the parameter.
#[derive(Debug)]
struct PgParam<'a>(&'a Value);

impl postgres::types::ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self.0 {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Real(v) => match *ty {
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}

impl Conn for PgConn<'_, '_> {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        use postgres::types::Type;
        let pg_sql = to_postgres_placeholders(sql);
        let bound: Vec<PgParam> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self
            .0
            .query(pg_sql.as_str(), &refs)
            .map_err(|e| pg_error(sql, &e))?;
        let mut out = Vec::with_capacity(rows.len());
        // Every row of a result has the same columns: name them once.
        let columns: Arc<[String]> = match rows.first() {
            Some(r) => r.columns().iter().map(|c| c.name().to_string()).collect(),
            None => Arc::from(Vec::new()),
        };
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let err = |e: postgres::Error| pg_error(sql, &e);
                row.push(match *col.type_() {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(err)?.into(),
                    Type::INT4 => r
                        .try_get::<_, Option<i32>>(i)
                        .map_err(err)?
                        .map(|v| Value::Int(v as i64))
                        .unwrap_or(Value::Null),
                    Type::INT2 => r
                        .try_get::<_, Option<i16>>(i)
                        .map_err(err)?
                        .map(|v| Value::Int(v as i64))
                        .unwrap_or(Value::Null),
                    Type::BOOL => r
                        .try_get::<_, Option<bool>>(i)
                        .map_err(err)?
                        .map(|v| Value::Int(v as i64))
                        .unwrap_or(Value::Null),
                    Type::FLOAT8 => r
                        .try_get::<_, Option<f64>>(i)
                        .map_err(err)?
                        .map(Value::Real)
                        .unwrap_or(Value::Null),
                    Type::FLOAT4 => r
                        .try_get::<_, Option<f32>>(i)
                        .map_err(err)?
                        .map(|v| Value::Real(v as f64))
                        .unwrap_or(Value::Null),
                    _ => r.try_get::<_, Option<String>>(i).map_err(err)?.into(),
                });
            }
            out.push(Row::new(columns.clone(), row));
        }
        Ok(out)
    }
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let pg_sql = to_postgres_placeholders(sql);
        let bound: Vec<PgParam> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        self.0
            .execute(pg_sql.as_str(), &refs)
            .map_err(|e| pg_error(sql, &e))
    }
    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.batch_execute(sql).map_err(|e| pg_error(sql, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            to_postgres_placeholders("SELECT ? , '?' , x = ? AND y = 'it''s ?' OR z = ?"),
            "SELECT $1 , '?' , x = $2 AND y = 'it''s ?' OR z = $3"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            Target::parse("sqlite:///tmp/a.db").unwrap(),
            Target::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            Target::parse("a.db").unwrap(),
            Target::Sqlite("a.db".into())
        );
        assert!(matches!(
            Target::parse("postgres://u:pw@h/db").unwrap(),
            Target::Postgres(_)
        ));
        assert!(Target::parse("mysql://x").is_err());
        assert!(Target::parse("sqlite://").is_err());
        assert_eq!(
            Target::parse("postgres://u:pw@h/db").unwrap().redacted(),
            "postgres://u:***@h/db"
        );
    }
}
