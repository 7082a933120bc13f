//! The two roles of a Ballista cluster, run by `tandem cluster scheduler` and
//! `tandem cluster executor`, so that the client, the scheduler and every executor are the same
//! binary with the same DataFusion and Ballista.
//!
//! The scheduler accepts jobs from clients (`--engine ballista://HOST:PORT`), splits their
//! plans into stages and hands tasks to executors; each executor runs tasks, keeps shuffle
//! output in its work directory and serves it to the others over Arrow Flight. Executors send
//! a heartbeat; one silent for longer than the scheduler's executor timeout is removed and its
//! tasks are run again elsewhere (lost shuffle output makes its stage run again), up to four
//! failures of a task or stage, after which the job fails with the executor's error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::QueryError;

/// How a scheduler runs.
#[derive(Clone, Debug)]
pub struct SchedulerOptions {
    /// Address of its gRPC service (clients and executors connect here).
    pub bind: SocketAddr,
    /// Host name clients and executors use to reach it, when not the bind address.
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor is dead.
    pub executor_timeout_seconds: u64,
}

/// Runs a scheduler until the process ends.
///
/// # Errors
/// The address cannot be bound, or the server stopped with an error.
pub async fn run_scheduler(opts: &SchedulerOptions) -> Result<(), QueryError> {
    let timeout = opts.executor_timeout_seconds.max(2);
    let config = SchedulerConfig {
        bind_host: opts.bind.ip().to_string(),
        bind_port: opts.bind.port(),
        external_host: opts
            .external_host
            .clone()
            .unwrap_or_else(|| opts.bind.ip().to_string()),
        executor_timeout_seconds: timeout,
        // Check for silent executors often enough that the timeout is what decides.
        expire_dead_executor_interval_seconds: (timeout / 3).max(1),
        no_executors_grace_period_seconds: timeout,
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| QueryError::Cluster(e.to_string()))?;
    start_server(cluster, opts.bind, Arc::new(config))
        .await
        .map_err(|e| QueryError::Cluster(format!("scheduler on {}: {e}", opts.bind)))
}

/// How an executor runs.
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    /// The scheduler's `host:port`.
    pub scheduler: String,
    /// Address of its Arrow Flight service (other executors and clients fetch results here).
    pub bind: SocketAddr,
    /// Port of its gRPC service (the scheduler pushes tasks here).
    pub grpc_port: u16,
    /// Host name others use to reach it, when not the bind address.
    pub external_host: Option<String>,
    /// Tasks run at once (0: one per core).
    pub concurrent_tasks: usize,
    /// Directory for shuffle files (must exist).
    pub work_dir: PathBuf,
    /// Seconds between heartbeats (keep well under the scheduler's executor timeout).
    pub heartbeat_seconds: u64,
}

/// Runs an executor until the process ends or the scheduler goes away.
///
/// # Errors
/// A bad scheduler address, an address that cannot be bound, or the executor stopped with an
/// error.
pub async fn run_executor(opts: &ExecutorOptions) -> Result<(), QueryError> {
    let (host, port) = opts
        .scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            QueryError::Cluster(format!(
                "bad scheduler address `{}`: write HOST:PORT",
                opts.scheduler
            ))
        })?;
    let work_dir = opts.work_dir.to_str().ok_or_else(|| {
        QueryError::Cluster(format!("{} is not valid UTF-8", opts.work_dir.display()))
    })?;
    let config = ExecutorProcessConfig {
        bind_host: opts.bind.ip().to_string(),
        port: opts.bind.port(),
        grpc_port: opts.grpc_port,
        external_host: Some(
            opts.external_host
                .clone()
                .unwrap_or_else(|| opts.bind.ip().to_string()),
        ),
        scheduler_host: host,
        scheduler_port: port,
        // Wait for a scheduler that is still starting, but not for ever.
        scheduler_connect_timeout_seconds: 30,
        vcores: opts.concurrent_tasks,
        work_dir: Some(work_dir.to_string()),
        executor_heartbeat_interval_seconds: opts.heartbeat_seconds.max(1),
        print_thread_info: false,
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| QueryError::Cluster(format!("executor on {}: {e}", opts.bind)))
}
