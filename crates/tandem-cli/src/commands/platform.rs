//! `tandem serve`, `tandem user …`, `tandem backup` and `tandem restore`: the operating
//! platform's commands. The work is in `tandem_platform` and `tandem_server`.

use anyhow::{Context as _, Result};
use std::path::PathBuf;
use tandem_platform::accounts::{self, By};
use tandem_platform::auth::{self, NewUser, Role};
use tandem_platform::{backup, Db, PlatformError, Target};

/// Where the platform database is.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseArg {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`; default: $TANDEM_PLATFORM_DB,
    /// else platform.sqlite in the tandem data directory.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

impl DatabaseArg {
    /// The database named by `--database`, else $TANDEM_PLATFORM_DB or the default file.
    pub(crate) fn target(&self) -> Result<Target> {
        match &self.database {
            Some(url) => {
                Target::parse(url).map_err(|e| crate::UserError::new(e.to_string()).into())
            }
            None => Ok(tandem_platform::default_target()),
        }
    }

    /// Opens (creating, migrating and seeding if needed) the platform database.
    fn open(&self) -> Result<Db> {
        let target = self.target()?;
        tandem_platform::open(&target).map_err(|e| crate::UserError::new(e.to_string()).into())
    }
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// Address to listen on. Use 0.0.0.0:8080 to accept other machines (put TLS in front).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The address of a reverse proxy in front of tandem (repeat for several). Only from these
    /// is `X-Forwarded-For` believed, so the sign-in limiter counts per real client instead of
    /// locking everyone out together; they are also exempt from the per-client connection cap.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections served at once (more wait in the kernel's backlog).
    #[arg(long, value_name = "N", default_value_t = tandem_server::net::MAX_CONNECTIONS)]
    max_connections: usize,
    /// What the server logs to standard error: `warn` (quiet: refusals worth a look and
    /// failures), `info` (also one line per request: method, route, status, latency, user id),
    /// `debug`, or a filter such as `tandem_server=info`. $TANDEM_LOG sets the default.
    #[arg(
        long,
        value_name = "FILTER",
        env = "TANDEM_LOG",
        default_value = "warn"
    )]
    log: String,
    /// Log lines as text for people or as JSON objects for log collectors.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// The format of the server's log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, with the request span's fields.
    Json,
}

/// Sends the server's `tracing` events to standard error, filtered by `filter`.
fn init_logging(filter: &str, format: LogFormat) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| {
        crate::UserError::new(format!(
            "--log {filter:?}: {e}; use a level (error, warn, info, debug) or a filter such as tandem_server=info"
        ))
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

pub fn serve(args: ServeArgs) -> Result<()> {
    init_logging(&args.log, args.log_format)?;
    let db = args.db.open()?;
    let users = db.read(|c| c.query_i64("SELECT COUNT(*) FROM users", &[]))?;
    let where_ = db.describe();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut options = tandem_server::net::ServeOptions::new(args.listen);
    options.trusted_proxies = args.trusted_proxies.clone();
    options.max_connections = args.max_connections;
    runtime
        .block_on(tandem_server::serve(db, options, |addr| {
            println!("tandem platform: database {where_}");
            println!("open http://{addr}/ in a browser");
            if users == 0 {
                println!(
                    "no accounts yet: create one with\n  tandem user add --database {where_} --username admin --role admin"
                );
            }
            use std::io::Write;
            let _ = std::io::stdout().flush();
        }))
        .map_err(|e| crate::UserError::new(format!("cannot listen on {}: {e}", args.listen)))?;
    Ok(())
}

/// Account commands.
#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is read from $TANDEM_PASSWORD or standard input
    /// (never from the command line, where it would show in the process list).
    #[command(after_help = "Examples:
  printf 'a long secret\\n' | tandem user add --username admin --role admin
  TANDEM_PASSWORD=… tandem user add --username li --role officer --pair pair-xuzhou-huaibei --side helped
  tandem user add --username park7 --role park_operator --park 7 < pw.txt")]
    Add(UserAddArgs),
    /// List the accounts: id, user name, role (and what it is bound to), enabled or
    /// disabled, last sign-in (`-` when not known), tab-separated.
    #[command(after_help = "Examples:
  tandem user list
  tandem user list --database postgres://tandem@localhost/tandem")]
    List(DatabaseArg),
    /// Disable an account: it can no longer sign in and its sessions end. A server on the
    /// same database notices within 5 seconds.
    #[command(after_help = "Examples:
  tandem user disable --username li
  tandem user disable --username li --database postgres://tandem@localhost/tandem")]
    Disable(UserNameArgs),
    /// Enable a disabled account again (its old sessions stay ended).
    #[command(after_help = "Examples:
  tandem user enable --username li")]
    Enable(UserNameArgs),
    /// Set a new password for an account and end its sessions. The password is read from
    /// $TANDEM_PASSWORD or standard input, as for `tandem user add`.
    #[command(after_help = "Examples:
  printf 'a new long secret\\n' | tandem user reset-password --username li
  TANDEM_PASSWORD=… tandem user reset-password --username li")]
    ResetPassword(UserNameArgs),
    /// End every session of an account (sign the user out everywhere).
    #[command(after_help = "Examples:
  tandem user end-sessions --username li")]
    EndSessions(UserNameArgs),
}

/// An existing account, by user name.
#[derive(clap::Args, Debug)]
pub struct UserNameArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// The account's user name (`tandem user list` shows them).
    #[arg(long)]
    username: String,
}

#[derive(clap::Args, Debug)]
pub struct UserAddArgs {
    #[command(flatten)]
    db: DatabaseArg,
    #[arg(long)]
    username: String,
    /// Shown in the UI; defaults to the user name.
    #[arg(long)]
    display_name: Option<String>,
    /// admin, coordinator, officer, park_operator, enterprise or researcher.
    #[arg(long)]
    role: String,
    /// For an officer: the pair (see `tandem pairs`).
    #[arg(long)]
    pair: Option<String>,
    /// For an officer: helper or helped.
    #[arg(long)]
    side: Option<String>,
    /// For a park operator: the park's id.
    #[arg(long)]
    park: Option<i64>,
    /// For an enterprise user: the enterprise's id.
    #[arg(long)]
    enterprise: Option<i64>,
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("TANDEM_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn user(cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add(a) => {
            let role = match a.role.as_str() {
                "admin" => Role::Admin,
                "coordinator" => Role::Coordinator,
                "researcher" => Role::Researcher,
                "officer" => Role::Officer {
                    pair_id: a.pair.clone().ok_or_else(|| {
                        crate::UserError::new(
                            "an officer needs --pair (see `tandem pairs`) and --side",
                        )
                    })?,
                    side: a.side.clone().ok_or_else(|| {
                        crate::UserError::new("an officer needs --side helper or --side helped")
                    })?,
                },
                "park_operator" => Role::ParkOperator {
                    park_id: a
                        .park
                        .ok_or_else(|| crate::UserError::new("a park operator needs --park ID"))?,
                },
                "enterprise" => Role::Enterprise {
                    enterprise_id: a.enterprise.ok_or_else(|| {
                        crate::UserError::new("an enterprise user needs --enterprise ID")
                    })?,
                },
                other => crate::user_bail!(
                    "unknown role {other:?}; use one of: {}",
                    auth::ROLE_NAMES.join(", ")
                ),
            };
            let db = a.db.open()?;
            let password = read_password()?;
            let new = NewUser {
                username: a.username.clone(),
                display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
                password,
                role,
            };
            let who = command_line_actor();
            let account = accounts::create(&db, By::CommandLine(&who), &new)
                .map_err(|e| crate::UserError::new(e.to_string()))?;
            println!(
                "created user {} (#{}, {}) in {}",
                a.username,
                account.user.id,
                a.role,
                db.describe()
            );
            Ok(())
        }
        UserCommand::List(d) => list_users(&d),
        UserCommand::Disable(a) => change_account(&a, Change::Disable),
        UserCommand::Enable(a) => change_account(&a, Change::Enable),
        UserCommand::ResetPassword(a) => change_account(&a, Change::ResetPassword),
        UserCommand::EndSessions(a) => change_account(&a, Change::EndSessions),
    }
}

/// Who the audit log names for account changes made here: the operating-system account.
fn command_line_actor() -> String {
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("tandem user, OS user {os_user}")
}

fn list_users(d: &DatabaseArg) -> Result<()> {
    let db = d.open()?;
    let who = command_line_actor();
    for a in accounts::list(&db, By::CommandLine(&who))? {
        let binding = match &a.user.role {
            Role::Officer { pair_id, side } => format!(" {pair_id} {side}"),
            Role::ParkOperator { park_id } => format!(" park {park_id}"),
            Role::Enterprise { enterprise_id } => format!(" enterprise {enterprise_id}"),
            _ => String::new(),
        };
        println!(
            "{}\t{}\t{}{binding}\t{}\t{}",
            a.user.id,
            a.user.username,
            a.user.role.name(),
            if a.disabled { "disabled" } else { "enabled" },
            a.last_sign_in_at.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

/// An account change of `tandem user`.
#[derive(Clone, Copy)]
enum Change {
    Disable,
    Enable,
    ResetPassword,
    EndSessions,
}

fn change_account(a: &UserNameArgs, change: Change) -> Result<()> {
    let db = a.db.open()?;
    let who = command_line_actor();
    let by = By::CommandLine(&who);
    let account = accounts::find(&db, by, &a.username)?.ok_or_else(|| {
        crate::UserError::new(format!(
            "there is no account {:?} in {}; `tandem user list --database {}` shows the \
             accounts",
            a.username,
            db.describe(),
            db.describe()
        ))
    })?;
    let id = account.user.id;
    let user_facing = |e: PlatformError| -> anyhow::Error {
        match e {
            PlatformError::Db(db) => db.into(),
            other => crate::UserError::new(other.to_string()).into(),
        }
    };
    let (changed, done) = match change {
        Change::Disable => (accounts::disable(&db, by, id), "disabled"),
        Change::Enable => (accounts::enable(&db, by, id), "enabled"),
        Change::EndSessions => (accounts::end_sessions(&db, by, id), "ended the sessions of"),
        Change::ResetPassword => {
            let password = read_password()?;
            let result = accounts::reset_password(&db, by, id, Some(&password));
            (result.map(|(c, _)| c), "set a new password for")
        }
    };
    let changed = changed.map_err(user_facing)?;
    let ended = match changed.sessions_ended {
        0 => String::new(),
        1 => "; 1 session ended".into(),
        n => format!("; {n} sessions ended"),
    };
    println!("{done} {} (#{id}) in {}{ended}", a.username, db.describe());
    if matches!(
        change,
        Change::Disable | Change::EndSessions | Change::ResetPassword
    ) {
        println!(
            "a running tandem serve on this database stops accepting the old sessions within \
             {} seconds",
            tandem_server::session::SESSION_CACHE_SECONDS
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// The backup file to write (JSON; portable between SQLite and PostgreSQL).
    out: PathBuf,
}

pub fn backup(a: BackupArgs) -> Result<()> {
    let db = a.db.open()?;
    let (doc, counts) = backup::backup(&db)?;
    // Owner-only, written beside the target and renamed (see `backup::write_file`).
    backup::write_file(&a.out, &doc).map_err(|e| {
        crate::UserError::new(format!(
            "cannot write {}: {e}; check that its folder exists and is writable",
            a.out.display()
        ))
    })?;
    let rows: usize = counts.iter().map(|(_, n)| n).sum();
    println!(
        "backed up {} ({rows} rows in {} tables) to {}",
        db.describe(),
        counts.len(),
        a.out.display()
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The database to restore into; must be new (empty). Default as for `tandem serve`.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// A file written by `tandem backup`.
    file: PathBuf,
}

pub fn restore(a: RestoreArgs) -> Result<()> {
    let text = std::fs::read(&a.file)
        .map_err(|e| crate::UserError::new(format!("cannot read {}: {e}", a.file.display())))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| crate::UserError::new(format!("{} is not JSON: {e}", a.file.display())))?;
    let target = DatabaseArg {
        database: a.database,
    }
    .target()?;
    // Migrate only: seeding would make the database non-empty before the restore.
    let db = Db::open(&target).map_err(|e| crate::UserError::new(e.to_string()))?;
    tandem_platform::migrate::migrate(&db)?;
    let counts = backup::restore(&db, &doc)
        .map_err(|e| crate::UserError::new(format!("{}: {e}", a.file.display())))?;
    let rows: usize = counts.iter().map(|(_, n)| n).sum();
    println!("restored {rows} rows into {}", db.describe());
    Ok(())
}
