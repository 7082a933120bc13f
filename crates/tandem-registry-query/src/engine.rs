//! Where queries run: DataFusion in this process, or a Ballista cluster, over one registry
//! directory.
//!
//! Both engines get the same SQL and plan it with the same DataFusion version (Ballista is
//! pinned to the DataFusion it was built with, and the scheduler and executors are this same
//! binary), so a query's result does not depend on the engine; the cluster tests check that.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use crate::QueryError;

/// The four tables of a registry directory (docs/REGISTRY.md), registered under these names.
pub const TABLES: [&str; 4] = ["firms", "establishments", "links", "address_changes"];

/// A query engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion in this process, one partition per core.
    Embedded,
    /// A Ballista cluster: the scheduler's `host:port`.
    Ballista {
        /// `host:port` of `tandem cluster scheduler`.
        scheduler: String,
    },
}

impl FromStr for Engine {
    type Err = QueryError;

    /// `embedded`, or `ballista://HOST:PORT`.
    fn from_str(text: &str) -> Result<Engine, QueryError> {
        let bad = || QueryError::Engine(text.to_string());
        if text == "embedded" {
            return Ok(Engine::Embedded);
        }
        let address = text.strip_prefix("ballista://").ok_or_else(bad)?;
        let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(bad());
        }
        Ok(Engine::Ballista {
            scheduler: address.to_string(),
        })
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Embedded => f.write_str("embedded"),
            Engine::Ballista { scheduler } => write!(f, "ballista://{scheduler}"),
        }
    }
}

/// A registry directory opened on an engine: its tables registered, ready for queries.
pub struct Registry {
    ctx: SessionContext,
    dir: PathBuf,
    engine: Engine,
    timeout: Option<Duration>,
    memory_limit: Option<u64>,
}

impl Registry {
    /// Opens the registry in `dir` on `engine`. The directory must hold the four tables;
    /// Ballista's executors read the same path, so on a real cluster it must be on storage
    /// every host sees at that path (README, "Running a registry cluster").
    ///
    /// The embedded engine's memory is not limited; see [`Registry::open_limited`].
    ///
    /// # Errors
    /// A missing table file, or a scheduler that cannot be reached.
    pub async fn open(dir: &Path, engine: &Engine) -> Result<Registry, QueryError> {
        Registry::open_limited(dir, engine, None).await
    }

    /// [`Registry::open`] with the memory the embedded engine may hold for a query's hash
    /// tables, sorts and aggregates (`None`: no limit). Past it, sorts and aggregates spill
    /// to the system's temporary directory, and what cannot spill (the build side of a
    /// join) fails the query with [`QueryError::OutOfMemory`] instead of the process being
    /// killed by the system. A cluster's executors have their own memory; the limit does not
    /// apply to them.
    ///
    /// DataFusion 55 counts what a sort holds by the buffers its string columns share, not by
    /// the rows it keeps, so it overstates a sort's memory many times over: the 4-digit panel
    /// of 5 million firms counts 17 GB against a measured peak of 1.2 GB. A limit therefore
    /// stops such queries long before the machine would, which is why none is the default.
    ///
    /// # Errors
    /// As [`Registry::open`].
    pub async fn open_limited(
        dir: &Path,
        engine: &Engine,
        memory_limit: Option<u64>,
    ) -> Result<Registry, QueryError> {
        let dir = std::path::absolute(dir).map_err(|e| QueryError::Write {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        for table in TABLES {
            let path = dir.join(format!("{table}.parquet"));
            if !path.is_file() {
                return Err(QueryError::MissingTable { path });
            }
        }
        let ctx = match engine {
            Engine::Embedded => {
                SessionContext::new_with_config_rt(session_config(), runtime(memory_limit)?)
            }
            Engine::Ballista { scheduler } => {
                SessionContext::remote_with_state(&format!("df://{scheduler}"), ballista_state())
                    .await?
            }
        };
        for table in TABLES {
            let path = dir.join(format!("{table}.parquet"));
            ctx.register_parquet(table, path_text(&path)?, ParquetReadOptions::default())
                .await?;
        }
        Ok(Registry {
            ctx,
            dir,
            engine: engine.clone(),
            timeout: None,
            memory_limit: memory_limit.filter(|_| *engine == Engine::Embedded),
        })
    }

    /// Limits every query's run time; a query over the limit fails with
    /// [`QueryError::Timeout`] (on a cluster the job may go on until the scheduler drops it).
    pub fn with_timeout(mut self, limit: Duration) -> Registry {
        self.timeout = Some(limit);
        self
    }

    /// The registry directory (absolute).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The engine the registry was opened on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs one SQL statement and collects its result.
    ///
    /// On Ballista a statement's final `ORDER BY` runs here, in the client, over the collected
    /// rows: Ballista 55 merges its sorted partitions by a key from which it has dropped
    /// columns that are constant within a partition (the literal `kind` of a UNION ALL branch),
    /// so its order can differ from the statement's (found by the cluster tests). The results
    /// are aggregated or filtered rows, small next to the registry.
    ///
    /// # Errors
    /// Planning or execution failed, or the time limit passed.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, QueryError> {
        self.run_tuned(sql, Tuning::default()).await
    }

    /// [`Registry::run`] with settings that suit this statement ([`Tuning`]).
    ///
    /// # Errors
    /// As [`Registry::run`].
    pub async fn run_tuned(
        &self,
        sql: &str,
        tuning: Tuning,
    ) -> Result<Vec<RecordBatch>, QueryError> {
        match (&self.engine, final_order_by(sql)) {
            (Engine::Ballista { .. }, Some((body, order))) => {
                let batches = self.collect(&self.ctx, body, tuning).await?;
                let local = SessionContext::new_with_config(session_config());
                let table = MemTable::try_new(batches[0].schema(), vec![batches])?;
                local.register_table("result", Arc::new(table))?;
                let sorted = format!("SELECT * FROM result ORDER BY {order}");
                self.collect(&local, &sorted, Tuning::default()).await
            }
            _ => self.collect(&self.ctx, sql, tuning).await,
        }
    }

    async fn collect(
        &self,
        ctx: &SessionContext,
        sql: &str,
        tuning: Tuning,
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let frame = if tuning == Tuning::default() {
            ctx.sql(sql).await?
        } else {
            let mut state = ctx.state();
            tuning.apply(state.config_mut());
            let plan = state.create_logical_plan(sql).await?;
            datafusion::dataframe::DataFrame::new(state, plan)
        };
        let schema = Arc::new(frame.schema().as_arrow().clone());
        let collected = match self.timeout {
            None => frame.collect().await,
            Some(limit) => tokio::time::timeout(limit, frame.collect())
                .await
                .map_err(|_| QueryError::Timeout(limit.as_secs()))?,
        };
        let mut batches = collected.map_err(|e| self.classify(e))?;
        // An empty result still has its columns (a Parquet or CSV output needs them).
        if batches.is_empty() {
            batches.push(RecordBatch::new_empty(schema));
        }
        Ok(batches)
    }

    /// A failure for want of memory under the limit becomes [`QueryError::OutOfMemory`], and
    /// a job the cluster cancelled [`QueryError::Cancelled`]; others stay DataFusion's.
    fn classify(&self, error: datafusion::error::DataFusionError) -> QueryError {
        use datafusion::error::DataFusionError;
        match (self.memory_limit, error.find_root()) {
            (Some(limit), DataFusionError::ResourcesExhausted(detail)) => QueryError::OutOfMemory {
                limit_mib: limit >> 20,
                detail: detail.clone(),
            },
            (_, DataFusionError::Execution(message)) => match cancelled_job(message) {
                Some(job) => QueryError::Cancelled(format!("job {job}")),
                None => QueryError::DataFusion(error),
            },
            _ => QueryError::DataFusion(error),
        }
    }
}

/// Settings for one statement, on top of the session's: what helps one query can slow
/// another, so a query function says which it wants ([`Registry::run_tuned`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tuning {
    /// Evaluate the filters pushed into the Parquet scans row by row while decoding
    /// (`datafusion.execution.parquet.pushdown_filters` and `reorder_filters`), the joins'
    /// dynamic filters among them, so that rows no join can match are never decoded. Off by
    /// default: at 20 M firms it made flows by city 20 % faster, left flows by period as it
    /// was, and made transfers and the helper-origin figure 10-30 % slower.
    pub row_filters_in_scans: bool,
}

impl Tuning {
    fn apply(self, config: &mut SessionConfig) {
        let parquet = &mut config.options_mut().execution.parquet;
        parquet.pushdown_filters = self.row_filters_in_scans;
        parquet.reorder_filters = self.row_filters_in_scans;
    }
}

/// The job named by Ballista's report of a cancelled job, `Job ID failed: Cancelled`.
fn cancelled_job(message: &str) -> Option<&str> {
    let (_, job) = message
        .strip_suffix(" failed: Cancelled")?
        .rsplit_once("Job ")?;
    Some(job)
}

/// The embedded engine's runtime: a memory pool of `limit` bytes (none without one) and
/// spill files in the system's temporary directory.
fn runtime(
    limit: Option<u64>,
) -> Result<Arc<datafusion::execution::runtime_env::RuntimeEnv>, QueryError> {
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    let builder = RuntimeEnvBuilder::new();
    let builder = match limit {
        Some(bytes) => builder.with_memory_limit(usize::try_from(bytes).unwrap_or(usize::MAX), 1.0),
        None => builder,
    };
    Ok(builder.build_arc()?)
}

/// Splits a statement into its body and its final top-level `ORDER BY` keys, when it ends
/// with one (the keys then contain no closing parenthesis of an enclosing query).
fn final_order_by(sql: &str) -> Option<(&str, &str)> {
    let at = sql.rfind("\nORDER BY ")?;
    let keys = sql[at + "\nORDER BY ".len()..]
        .trim_end()
        .trim_end_matches(';');
    let depth = keys.chars().fold(0i32, |d, c| match c {
        '(' => d + 1,
        ')' => d - 1,
        _ => d,
    });
    (depth == 0).then_some((&sql[..at], keys))
}

/// The embedded engine's settings: one partition per core (DataFusion's default), Parquet
/// statistics used for pruning, and joins that build a hash table of up to
/// [`COLLECTED_JOIN_ROWS`] rows (or [`COLLECTED_JOIN_BYTES`]) once for all partitions.
///
/// DataFusion's defaults (128 Ki rows, 1 MiB) make every join of the shareholder links (half
/// a million rows at 5 M firms) with the firms' stays repartition both sides by hash, the
/// five million stays included; collecting the smaller side instead and probing the stays
/// where they are took about a third off flows by period, transfers, origin and the
/// 2-digit panel at 5 M firms, with the same rows (the benchmark in the README). In one
/// process a collected build side is shared by the tasks, so every join type stays exact (on
/// Ballista it is not, see [`ballista_state`]).
fn session_config() -> SessionConfig {
    SessionConfig::new()
        .with_information_schema(false)
        .set_usize(
            "datafusion.optimizer.hash_join_single_partition_threshold",
            COLLECTED_JOIN_BYTES,
        )
        .set_usize(
            "datafusion.optimizer.hash_join_single_partition_threshold_rows",
            COLLECTED_JOIN_ROWS,
        )
}

/// The most rows a join's build side may have to be collected once (see [`session_config`]).
const COLLECTED_JOIN_ROWS: usize = 4 << 20;

/// The most bytes a join's build side may have to be collected once.
const COLLECTED_JOIN_BYTES: usize = 512 << 20;

/// A Ballista client session whose joins all repartition both sides. A join that collects its
/// smaller side into every task ("CollectLeft") is right in one process, where the tasks share
/// which collected rows found a match, but a left or full join run as separate Ballista tasks
/// emits the unmatched collected rows once per task: duplicated rows, found by the cluster
/// tests. Thresholds of 0 rule that mode out.
///
/// Adaptive planning is off: Ballista 55's adaptive planner drops a stage whose input turns
/// out empty (a registry without address changes, or a filter that leaves a join side
/// empty), says in its log that cancelling stages "is not implemented", then fails to record
/// the tasks' results ("Error updating task metrics"), and the job never finishes. The static
/// planner runs such plans to the end.
fn ballista_state() -> datafusion::execution::SessionState {
    use ballista::prelude::SessionConfigExt;
    let config = SessionConfig::new_with_ballista()
        .set_bool(
            ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED,
            false,
        )
        .set_usize(
            "datafusion.optimizer.hash_join_single_partition_threshold",
            0,
        )
        .set_usize(
            "datafusion.optimizer.hash_join_single_partition_threshold_rows",
            0,
        );
    datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build()
}

fn path_text(path: &Path) -> Result<&str, QueryError> {
    path.to_str().ok_or_else(|| {
        QueryError::Invalid(format!(
            "{} is not valid UTF-8; DataFusion needs a UTF-8 path (move the registry)",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_order_by_is_split_off_only_at_the_top_level() {
        let (body, keys) =
            final_order_by("WITH a AS (SELECT 1)\nSELECT x FROM a\nORDER BY x, y").unwrap();
        assert_eq!(
            (body, keys),
            ("WITH a AS (SELECT 1)\nSELECT x FROM a", "x, y")
        );
        assert!(final_order_by("SELECT * FROM (SELECT x FROM t\nORDER BY x)").is_none());
        assert!(final_order_by("SELECT 1").is_none());
    }

    #[test]
    fn a_cancelled_job_is_told_apart_from_other_failures() {
        assert_eq!(
            cancelled_job("Job 038J5RF0BE000 failed: Cancelled"),
            Some("038J5RF0BE000")
        );
        assert_eq!(cancelled_job("Job 038J5RF0BE000 failed: disk full"), None);
        assert_eq!(cancelled_job("Cancelled"), None);
    }

    #[test]
    fn engines_parse_and_print_back() {
        assert_eq!("embedded".parse::<Engine>().unwrap(), Engine::Embedded);
        let e: Engine = "ballista://127.0.0.1:50050".parse().unwrap();
        assert_eq!(e.to_string(), "ballista://127.0.0.1:50050");
        for bad in [
            "",
            "duckdb",
            "ballista://",
            "ballista://host",
            "ballista://:1",
            "ballista://h:99999",
        ] {
            assert!(bad.parse::<Engine>().is_err(), "{bad}");
        }
    }
}
