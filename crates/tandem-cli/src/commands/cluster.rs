//! `tandem cluster scheduler|executor`: the roles of a Ballista cluster for registry queries,
//! in tandem's own binary so that every node runs the same DataFusion and Ballista as the
//! client. Built only with the `registry-query` feature.
// Without the engine the arguments are still parsed (so `--help` shows them), but nothing
// reads them: running only says how to build the engine.
#![cfg_attr(not(feature = "registry-query"), allow(dead_code))]

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;

/// What a binary built without the feature says.
#[cfg(not(feature = "registry-query"))]
pub const NOT_BUILT: &str = "this tandem was built without the registry query engine (DataFusion and Ballista); \
build it with `cargo build --release --features registry-query` (README: Enterprise registry microdata)";

/// `tandem cluster ...`.
#[derive(clap::Subcommand, Debug)]
pub enum ClusterCommand {
    /// Run a scheduler: clients send queries here (`--engine ballista://HOST:PORT`) and
    /// executors register here.
    #[command(after_help = "Example:
  tandem cluster scheduler --bind 0.0.0.0:50050 --external-host sched.example.org")]
    Scheduler(SchedulerArgs),
    /// Run an executor: it registers with the scheduler, runs query tasks, and serves their
    /// output to the other executors and to clients.
    #[command(after_help = "Example:
  tandem cluster executor --scheduler sched.example.org:50050 --bind 0.0.0.0:50051 --work-dir /var/tmp/tandem")]
    Executor(ExecutorArgs),
}

/// `tandem cluster scheduler`.
#[derive(clap::Args, Debug)]
pub struct SchedulerArgs {
    /// Address of the scheduler's gRPC service.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50050")]
    pub bind: SocketAddr,
    /// Host name clients and executors reach it by (default: the bind address).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor is taken as dead and its tasks are
    /// run elsewhere.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub executor_timeout: u64,
}

/// `tandem cluster executor`.
#[derive(clap::Args, Debug)]
pub struct ExecutorArgs {
    /// The scheduler's HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub scheduler: String,
    /// Address of the executor's Arrow Flight service (results and shuffle data).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50051")]
    pub bind: SocketAddr,
    /// Port of its gRPC service, on the bind host (default: the Flight port + 1).
    #[arg(long, value_name = "PORT")]
    pub grpc_port: Option<u16>,
    /// Host name the scheduler, clients and other executors reach it by (default: the bind
    /// address).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Tasks run at once (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub concurrent_tasks: usize,
    /// Directory for shuffle files (default: a new temporary directory, deleted on exit).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler (keep well under its --executor-timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub heartbeat: u64,
}

/// Runs a cluster role until it is stopped.
#[cfg(feature = "registry-query")]
pub fn run(cmd: ClusterCommand) -> Result<()> {
    use tandem_registry_query::cluster;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Deep plans recurse while being (de)serialised; Ballista's own binaries use 32 MiB.
        .thread_stack_size(32 * 1024 * 1024)
        .build()?;
    init_logging();
    let result = match cmd {
        ClusterCommand::Scheduler(a) => {
            runtime.block_on(cluster::run_scheduler(&cluster::SchedulerOptions {
                bind: a.bind,
                external_host: a.external_host,
                executor_timeout_seconds: a.executor_timeout,
            }))
        }
        ClusterCommand::Executor(a) => {
            let temp;
            let work_dir = match a.work_dir {
                Some(dir) => dir,
                None => {
                    temp = tempfile::tempdir()?;
                    temp.path().to_path_buf()
                }
            };
            let grpc_port = a.grpc_port.unwrap_or(a.bind.port().wrapping_add(1));
            runtime.block_on(cluster::run_executor(&cluster::ExecutorOptions {
                scheduler: a.scheduler,
                bind: a.bind,
                grpc_port,
                external_host: a.external_host,
                concurrent_tasks: a.concurrent_tasks,
                work_dir,
                heartbeat_seconds: a.heartbeat,
            }))
        }
    };
    result.map_err(|e| crate::UserError::new(e.to_string()).into())
}

/// Without the feature: say how to get it.
#[cfg(not(feature = "registry-query"))]
pub fn run(_cmd: ClusterCommand) -> Result<()> {
    crate::user_bail!("{NOT_BUILT}")
}

/// Log lines on standard error, `info` and up unless RUST_LOG says otherwise.
#[cfg(feature = "registry-query")]
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// A spinner with the elapsed time on standard error while a query runs (hidden when quiet
/// or not a terminal).
#[cfg(feature = "registry-query")]
pub(crate) fn spinner(quiet: bool, message: &str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressStyle};
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
