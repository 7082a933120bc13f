//! The two roles of a Ballista cluster, run by `tandem cluster scheduler` and
//! `tandem cluster executor`, so that the client, the scheduler and every executor are the same
//! binary with the same DataFusion and Ballista.
//!
//! The scheduler accepts jobs from clients (`--engine ballista://HOST:PORT`), splits their
//! plans into stages and hands tasks to executors; each executor runs tasks, keeps shuffle
//! output in its work directory and serves it to the others over Arrow Flight. Executors send
//! a heartbeat; one silent for longer than the scheduler's executor timeout is removed.
//!
//! Ballista 55 would then run the lost executor's tasks again elsewhere and roll back the
//! stages whose shuffle output it held. That recovery returns wrong rows: in the cluster tests,
//! a 4-digit panel came back with other values when an executor was killed 4 s into the query,
//! and with 2.9 M rows instead of 1.0 M when killed at 8 s (with push scheduling it mostly
//! stalled instead, and once returned other values too). So tandem's scheduler does not let
//! a job outlive an executor: when one is removed, every running job fails
//! ([`LostExecutorGuard`]) before the rollback starts, and the client reports the failure and
//! what to do. A job submitted after the loss runs on the executors that remain.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ballista_core::serde::protobuf::ExecutorHeartbeat;
use ballista_core::serde::scheduler::{ExecutorData, ExecutorMetadata};
use ballista_core::JobId;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::{
    BallistaCluster, BoundTask, ClusterState, ClusterStateEventStream, ExecutorSlot,
};
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service};
use ballista_scheduler::scheduler_server::SchedulerServer;
use ballista_scheduler::state::task_manager::JobInfoCache;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

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
    let guard = Arc::new(LostExecutorGuard {
        inner: cluster.cluster_state(),
        scheduler: OnceLock::new(),
    });
    let cluster = BallistaCluster::new(guard.clone(), cluster.job_state());
    let failed = |e: ballista_core::error::BallistaError| {
        QueryError::Cluster(format!("scheduler on {}: {e}", opts.bind))
    };
    let scheduler = create_scheduler(cluster, Arc::new(config))
        .await
        .map_err(failed)?;
    // Set once, before the service accepts its first executor.
    let _ = guard.scheduler.set(scheduler.clone());
    start_grpc_service(opts.bind, scheduler)
        .await
        .map_err(failed)
}

/// The scheduler this binary runs.
type Scheduler = SchedulerServer<LogicalPlanNode, PhysicalPlanNode>;

/// The scheduler's cluster state (Ballista's own, in memory), except that removing an executor
/// first cancels every running job (see the module's documentation).
///
/// Ballista removes an executor here before it posts the event that rolls the jobs' stages
/// back, and its event loop handles events in order, so the cancellations come first: no
/// rolled-back stage runs again.
struct LostExecutorGuard {
    inner: Arc<dyn ClusterState>,
    scheduler: OnceLock<Scheduler>,
}

impl LostExecutorGuard {
    async fn cancel_running_jobs(&self, lost: &str) {
        let Some(scheduler) = self.scheduler.get() else {
            return;
        };
        let running: Vec<JobId> = scheduler
            .state
            .task_manager
            .get_running_job_cache()
            .keys()
            .cloned()
            .collect();
        for job in running {
            tracing::warn!(
                "executor {lost} was lost while job {job} ran: cancelling the job, because \
                 Ballista 55's recovery can return wrong rows; the client reports it"
            );
            if let Err(e) = scheduler.cancel_job(job.clone()).await {
                tracing::error!("could not cancel job {job} after losing executor {lost}: {e}");
            }
        }
    }
}

#[async_trait::async_trait]
impl ClusterState for LostExecutorGuard {
    async fn init(&self) -> ballista_core::error::Result<()> {
        self.inner.init().await
    }

    async fn bind_schedulable_tasks(
        &self,
        distribution: TaskDistributionPolicy,
        active_jobs: Arc<HashMap<JobId, JobInfoCache>>,
        executors: Option<HashSet<String>>,
    ) -> ballista_core::error::Result<Vec<BoundTask>> {
        self.inner
            .bind_schedulable_tasks(distribution, active_jobs, executors)
            .await
    }

    async fn unbind_tasks(&self, slots: Vec<ExecutorSlot>) -> ballista_core::error::Result<()> {
        self.inner.unbind_tasks(slots).await
    }

    async fn register_executor(
        &self,
        metadata: ExecutorMetadata,
        spec: ExecutorData,
    ) -> ballista_core::error::Result<()> {
        self.inner.register_executor(metadata, spec).await
    }

    async fn save_executor_metadata(
        &self,
        metadata: ExecutorMetadata,
    ) -> ballista_core::error::Result<()> {
        self.inner.save_executor_metadata(metadata).await
    }

    async fn get_executor_metadata(
        &self,
        executor_id: &str,
    ) -> ballista_core::error::Result<ExecutorMetadata> {
        self.inner.get_executor_metadata(executor_id).await
    }

    async fn registered_executor_metadata(&self) -> Vec<ExecutorMetadata> {
        self.inner.registered_executor_metadata().await
    }

    async fn save_executor_heartbeat(
        &self,
        heartbeat: ExecutorHeartbeat,
    ) -> ballista_core::error::Result<()> {
        self.inner.save_executor_heartbeat(heartbeat).await
    }

    async fn remove_executor(&self, executor_id: &str) -> ballista_core::error::Result<()> {
        self.cancel_running_jobs(executor_id).await;
        self.inner.remove_executor(executor_id).await
    }

    fn executor_heartbeats(&self) -> HashMap<String, ExecutorHeartbeat> {
        self.inner.executor_heartbeats()
    }

    fn get_executor_heartbeat(&self, executor_id: &str) -> Option<ExecutorHeartbeat> {
        self.inner.get_executor_heartbeat(executor_id)
    }

    async fn cluster_state_events(&self) -> ballista_core::error::Result<ClusterStateEventStream> {
        self.inner.cluster_state_events().await
    }
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
