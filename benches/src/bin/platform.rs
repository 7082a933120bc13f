//! Benchmark: the operating platform under load, loopback only and bounded in time.
//!
//! A fresh SQLite platform database gets the bundled programme plus a synthetic one of
//! realistic size (default 10,000 projects over the 8 pairs with parks, enterprises, lifecycle
//! stages and amounts, and 2,000 plan tasks), written in one transaction with direct INSERTs.
//! The server (`tandem_server::serve`) runs in this process on `127.0.0.1:0`; an administrator
//! signs in; then C threads (default 64), each with its own keep-alive connection, request for
//! a fixed duration, round robin:
//!
//! * `GET /api/dashboard` — the programme dashboard's figures (JSON);
//! * `GET /` — the dashboard page (HTML with the map);
//! * `GET /api/projects?page=N&per_page=50` — a page of the project list, N spread over all
//!   pages;
//! * `GET /api/projects?pair_id=P` — one pair's projects (first page);
//! * `GET /healthz` — the in-run peer: a trivial handler on the same stack (router, middleware,
//!   connection handling), so each endpoint's p99 is also given as a ratio to it.
//!
//! Prints per endpoint: requests, throughput, p50, p99 and max latency (nearest-rank
//! percentiles of every request's wall time, from sending to the last body byte), p99 over the
//! peer's p99, and the target line `dashboard p99 < 50 ms: PASS|FAIL`, judged on the worse of
//! the JSON and the page dashboards. The dashboard is cached by the server between writes
//! (for at most `tandem_server::DASHBOARD_MAX_AGE`), so the run also prints the uncached
//! computation's time. Any answer other than 200 is counted as an error and fails the run.
//!
//! Usage: `platform [--seconds N] [--connections C] [--projects P] [--tasks T]`
//! (defaults 10, 64, 10000, 2000; at most 600 s and 512 connections).

use anyhow::{bail, ensure, Context as _, Result};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tandem_benches::SplitMix64;
use tandem_platform::auth::{self, NewUser, Role, User};
use tandem_platform::clock;
use tandem_platform::db::{Conn, DbError, Value};
use tandem_platform::Db;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The run's settings.
#[derive(Clone, Copy, Debug)]
struct Args {
    seconds: u64,
    connections: usize,
    projects: usize,
    tasks: usize,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        seconds: 10,
        connections: 64,
        projects: 10_000,
        tasks: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> Result<u64> {
            it.next()
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--seconds" => a.seconds = num("--seconds")?,
            "--connections" => a.connections = num("--connections")? as usize,
            "--projects" => a.projects = num("--projects")? as usize,
            "--tasks" => a.tasks = num("--tasks")? as usize,
            other => bail!(
                "unknown argument {other}; usage: platform [--seconds N] [--connections C] [--projects P] [--tasks T]"
            ),
        }
    }
    ensure!((1..=600).contains(&a.seconds), "--seconds must be 1..600");
    ensure!(
        (1..=512).contains(&a.connections),
        "--connections must be 1..512"
    );
    ensure!(
        a.projects <= 1_000_000 && a.tasks <= 1_000_000,
        "at most 10^6 projects and tasks"
    );
    Ok(a)
}

const STAGES: [&str; 6] = [
    "lead",
    "signed",
    "land",
    "construction",
    "production",
    "paying_tax",
];
/// Share of projects that reached each stage last (sums to 1): most projects are early.
const STAGE_SHARES: [f64; 6] = [0.25, 0.25, 0.15, 0.15, 0.12, 0.08];
const INDUSTRIES: [&str; 8] = ["C26", "C27", "C30", "C34", "C36", "C38", "C39", "C13"];
const TASK_STATUSES: [(&str, f64); 4] = [
    ("todo", 0.3),
    ("doing", 0.3),
    ("done", 0.3),
    ("blocked", 0.1),
];
const PARKS_PER_PAIR: usize = 3;
const ENTERPRISES: usize = 1_500;
const PLAN_YEARS: [i64; 3] = [2024, 2025, 2026];

fn date(day: i64) -> String {
    let (y, m, d) = clock::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn pick<T: Copy>(rng: &mut SplitMix64, weighted: &[(T, f64)]) -> T {
    let mut u = rng.uniform();
    for (v, w) in weighted {
        if u < *w {
            return *v;
        }
        u -= w;
    }
    weighted[weighted.len() - 1].0
}

/// Row counts written by [`populate`].
#[derive(Debug, Default)]
struct Populated {
    parks: usize,
    enterprises: usize,
    projects: usize,
    stages: usize,
    plans: usize,
    tasks: usize,
}

/// Writes the synthetic programme in one transaction. Returns the pairs and the counts.
fn populate(db: &Db, a: &Args) -> Result<(Vec<String>, Populated), DbError> {
    db.write(|c: &mut dyn Conn| {
        let now = clock::now_timestamp();
        let pairs: Vec<(String, String, String)> = c
            .query("SELECT id, helper_id, helped_id FROM pairs ORDER BY id", &[])?
            .into_iter()
            .map(|r| {
                let s = |i: usize| r[i].as_str().unwrap_or("").to_string();
                (s(0), s(1), s(2))
            })
            .collect();
        if pairs.is_empty() {
            return Err(DbError::Other("the bundled programme has no pairs".into()));
        }
        let mut rng = SplitMix64::new(20_260_501);
        let mut n = Populated::default();
        let last_id = |c: &mut dyn Conn, table: &str| c.query_i64(&format!("SELECT MAX(id) FROM {table}"), &[]);

        let mut parks: Vec<Vec<i64>> = vec![Vec::new(); pairs.len()];
        for (pi, (pair, _, helped)) in pairs.iter().enumerate() {
            for k in 0..PARKS_PER_PAIR {
                let area = 200.0 + 800.0 * rng.uniform();
                c.execute(
                    "INSERT INTO parks (pair_id, name, locality_id, area_ha, land_available_ha, \
                     focus_industries, operator_form, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    &[
                        pair.as_str().into(),
                        format!("{helped} 合作园区 {}", k + 1).into(),
                        helped.as_str().into(),
                        Value::Real(area),
                        Value::Real(area * rng.uniform() * 0.6),
                        format!("{},{}", INDUSTRIES[k % 8], INDUSTRIES[(k + 3) % 8]).into(),
                        "joint_venture".into(),
                        now.as_str().into(),
                    ],
                )?;
                parks[pi].push(last_id(c, "parks")?);
                n.parks += 1;
            }
        }

        let mut enterprises = Vec::with_capacity(ENTERPRISES);
        for i in 0..ENTERPRISES {
            let origin = &pairs[i % pairs.len()].1;
            c.execute(
                "INSERT INTO enterprises (name, origin_locality_id, industry, updated_at) VALUES (?, ?, ?, ?)",
                &[
                    format!("基准企业 {i:05}").into(),
                    origin.as_str().into(),
                    INDUSTRIES[i % 8].into(),
                    now.as_str().into(),
                ],
            )?;
            enterprises.push(last_id(c, "enterprises")?);
            n.enterprises += 1;
        }

        let first_day = clock::days_from_civil(2021, 1, 1);
        let last_day = clock::days_from_civil(2026, 10, 31);
        let stage_weights: Vec<(usize, f64)> = STAGE_SHARES.iter().copied().enumerate().collect();
        for i in 0..a.projects {
            let pi = i % pairs.len();
            let pair = &pairs[pi].0;
            let park = if rng.uniform() < 0.1 {
                Value::Null
            } else {
                Value::Int(parks[pi][(rng.next_u64() % PARKS_PER_PAIR as u64) as usize])
            };
            let enterprise = enterprises[(rng.next_u64() % enterprises.len() as u64) as usize];
            let reached = pick(&mut rng, &stage_weights);
            // Stage dates: the lead, then 30–200 days per later stage, never after last_day.
            let mut day = first_day + (rng.uniform() * 1400.0) as i64;
            let mut days = vec![day];
            for _ in 0..reached {
                day = (day + 30 + (rng.uniform() * 170.0) as i64).min(last_day);
                days.push(day);
            }
            let agreed = (rng.uniform() >= 0.1).then(|| (1_000_000.0 + rng.uniform() * 499_000_000.0) as i64 * 100);
            let paid = match agreed {
                Some(a) if reached >= 2 && rng.uniform() >= 0.15 => Some((a as f64 * (0.2 + 0.8 * rng.uniform())) as i64),
                _ => None,
            };
            let initiated = if rng.uniform() < 0.45 { "enterprise" } else { "government" };
            c.execute(
                "INSERT INTO projects (pair_id, park_id, enterprise_id, name, industry, amount_agreed_fen, \
                 paid_in_fen, jobs, initiated_by, stage, stage_date, signed_on, review_flags, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)",
                &[
                    pair.as_str().into(),
                    park,
                    Value::Int(enterprise),
                    format!("基准项目 {i:05}").into(),
                    INDUSTRIES[(i / 8) % 8].into(),
                    agreed.into(),
                    paid.into(),
                    Value::Int(20 + (rng.uniform() * 800.0) as i64),
                    initiated.into(),
                    STAGES[reached].into(),
                    date(days[reached]).into(),
                    (reached >= 1).then(|| date(days[1])).into(),
                    now.as_str().into(),
                ],
            )?;
            let id = last_id(c, "projects")?;
            for (s, d) in days.iter().enumerate().skip(1) {
                c.execute(
                    "INSERT INTO project_stages (project_id, stage, stage_date, evidence, recorded_by, recorded_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                    &[
                        Value::Int(id),
                        STAGES[s].into(),
                        date(*d).into(),
                        format!("evidence {id}-{s}").into(),
                        "benchmark".into(),
                        now.as_str().into(),
                    ],
                )?;
                n.stages += 1;
            }
            n.projects += 1;
        }

        let mut plans = Vec::new();
        for (pair, _, _) in &pairs {
            for year in PLAN_YEARS {
                c.execute(
                    "INSERT INTO plans (pair_id, year, title, updated_at) VALUES (?, ?, ?, ?)",
                    &[pair.as_str().into(), Value::Int(year), format!("{year} 年度计划").into(), now.as_str().into()],
                )?;
                plans.push((last_id(c, "plans")?, pair.clone(), year));
                n.plans += 1;
            }
        }
        for i in 0..a.tasks {
            let (plan, pair, year) = &plans[i % plans.len()];
            let status = pick(&mut rng, &TASK_STATUSES);
            let due = clock::days_from_civil(*year, 1, 1) + (rng.uniform() * 364.0) as i64;
            c.execute(
                "INSERT INTO tasks (plan_id, pair_id, title, owner_side, due_on, status, evidence, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(*plan),
                    pair.as_str().into(),
                    format!("基准任务 {i:05}").into(),
                    if i % 2 == 0 { "helper" } else { "helped" }.into(),
                    date(due).into(),
                    status.into(),
                    (status == "done").then(|| format!("evidence task {i}")).into(),
                    now.as_str().into(),
                ],
            )?;
            n.tasks += 1;
        }
        Ok((pairs.into_iter().map(|p| p.0).collect(), n))
    })
}

/// The endpoints, in the order they are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    DashboardApi,
    DashboardPage,
    ProjectsPage,
    ProjectsByPair,
    Healthz,
}

const ENDPOINTS: [Endpoint; 5] = [
    Endpoint::DashboardApi,
    Endpoint::DashboardPage,
    Endpoint::ProjectsPage,
    Endpoint::ProjectsByPair,
    Endpoint::Healthz,
];

impl Endpoint {
    fn label(self) -> &'static str {
        match self {
            Endpoint::DashboardApi => "GET /api/dashboard",
            Endpoint::DashboardPage => "GET / (dashboard page)",
            Endpoint::ProjectsPage => "GET /api/projects?page=N&per_page=50",
            Endpoint::ProjectsByPair => "GET /api/projects?pair_id=P",
            Endpoint::Healthz => "GET /healthz (peer)",
        }
    }
}

/// One thread's measurements: latency in microseconds per endpoint, errors, bytes.
#[derive(Default)]
struct Samples {
    micros: [Vec<u32>; 5],
    errors: Vec<String>,
    bytes: u64,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .max_idle_connections_per_host(1)
        .build()
        .into()
}

/// Sends one GET and reads the whole body; `Err` on anything but 200.
fn fetch(agent: &ureq::Agent, url: &str, cookie: &str) -> Result<u64, String> {
    let mut r = agent
        .get(url)
        .header("Cookie", cookie)
        .call()
        .map_err(|e| format!("{url}: {e}"))?;
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(|e| format!("{url}: {e}"))?;
    if status != 200 {
        return Err(format!(
            "{url}: {status} {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    Ok(body.len() as u64)
}

/// A keep-alive connection to the server.
async fn raw_connect(addr: &str) -> Result<tokio::io::BufReader<tokio::net::TcpStream>, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(tokio::io::BufReader::new(stream))
}

/// One HTTP/1.1 GET on a keep-alive connection; reads the whole body (Content-Length);
/// `Err` on anything but 200.
async fn raw_get(
    conn: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    host: &str,
    path: &str,
    cookie: &str,
) -> Result<u64, String> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n");
    conn.get_mut()
        .write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
    let status = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut length: Option<usize> = None;
    loop {
        line.clear();
        if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok();
            }
        }
    }
    let n = length.ok_or("no Content-Length")?;
    let mut body = vec![0u8; n];
    conn.read_exact(&mut body)
        .await
        .map_err(|e| e.to_string())?;
    if status != "200" {
        return Err(format!(
            "{status} {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    Ok(n as u64)
}

/// Signs in with the API and returns the `Cookie` header value.
fn login(base: &str, username: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let mut r = agent()
        .post(format!("{base}/api/login"))
        .header("Content-Type", "application/json")
        .send(body)
        .context("POST /api/login")?;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|kv| kv.starts_with("tandem_session="))
        })
        .map(str::to_string);
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    ensure!(status == 200, "login failed: {status} {text}");
    cookie.context("login set no tandem_session cookie")
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn ms(us: u32) -> f64 {
    us as f64 / 1000.0
}

fn main() -> Result<()> {
    let a = parse_args()?;
    println!(
        "platform load benchmark: {} projects, {} tasks, {} connections for {} s, loopback only",
        a.projects, a.tasks, a.connections, a.seconds
    );

    // --- The database: bundled programme (by open), then the synthetic programme.
    let t = Instant::now();
    let test_db = tandem_platform::testkit::sqlite();
    let db = test_db.db.clone();
    println!(
        "open+migrate+seed_s={:.3} ({})",
        t.elapsed().as_secs_f64(),
        db.describe()
    );
    let t = Instant::now();
    let (pairs, n) = populate(&db, &a).context("populating the database")?;
    println!(
        "populate_s={:.3} parks={} enterprises={} projects={} stage_entries={} plans={} tasks={} (one transaction, direct INSERTs)",
        t.elapsed().as_secs_f64(),
        n.parks,
        n.enterprises,
        n.projects,
        n.stages,
        n.plans,
        n.tasks
    );
    let password = "benchmark password 2026";
    let new = NewUser {
        username: "bench-admin".into(),
        display_name: "bench-admin".into(),
        password: password.into(),
        role: Role::Admin,
    };
    let admin_id = db
        .write(|c| auth::add_user(c, &new))
        .context("adding the benchmark account")?;
    let admin = User {
        id: admin_id,
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        role: Role::Admin,
    };
    let mut cold = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let d = tandem_platform::dashboard::dashboard(&db, &admin).context("dashboard")?;
        cold.push(t.elapsed().as_secs_f64() * 1000.0);
        ensure!(
            d.total.projects as usize >= a.projects,
            "the dashboard counts {} projects",
            d.total.projects
        );
    }
    cold.sort_by(f64::total_cmp);
    println!(
        "dashboard computed without cache (in process, 3 runs): best {:.1} ms, worst {:.1} ms",
        cold[0], cold[2]
    );

    // --- The server, in this process, on a loopback port chosen by the system.
    let (tx, rx) = mpsc::channel();
    let server_db = db.clone();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(format!("cannot start the async runtime: {e}")));
                return;
            }
        };
        let listen: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
        let mut options = tandem_server::net::ServeOptions::new(listen);
        // Every benchmark connection comes from this one address.
        options.max_connections_per_client = options.max_connections;
        let tx2 = tx.clone();
        if let Err(e) = runtime.block_on(tandem_server::serve(server_db, options, move |addr| {
            let _ = tx2.send(Ok(addr));
        })) {
            let _ = tx.send(Err(format!("the server stopped: {e}")));
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("the server did not start within 30 s")?
        .map_err(anyhow::Error::msg)?;
    ensure!(
        addr.ip().is_loopback(),
        "the server must listen on loopback only"
    );
    let base = format!("http://{addr}");
    let cookie = login(&base, "bench-admin", password)?;
    let per_page = 50usize;
    let pages = a.projects.div_ceil(per_page).max(1);

    let url_of = |e: Endpoint, i: usize| -> String {
        match e {
            Endpoint::DashboardApi => format!("{base}/api/dashboard"),
            Endpoint::DashboardPage => format!("{base}/?lang=en"),
            Endpoint::ProjectsPage => format!(
                "{base}/api/projects?page={}&per_page={per_page}",
                1 + i % pages
            ),
            Endpoint::ProjectsByPair => {
                format!("{base}/api/projects?pair_id={}", pairs[i % pairs.len()])
            }
            Endpoint::Healthz => format!("{base}/healthz"),
        }
    };

    // One warm-up request per endpoint (the first dashboard request computes and caches).
    let warm = agent();
    for e in ENDPOINTS {
        let t = Instant::now();
        let bytes = fetch(&warm, &url_of(e, 0), &cookie).map_err(anyhow::Error::msg)?;
        println!(
            "warm-up {:<40} {:>8.1} ms {:>9} bytes",
            e.label(),
            t.elapsed().as_secs_f64() * 1000.0,
            bytes
        );
    }

    // --- The load.
    let start = Instant::now();
    let deadline = start + Duration::from_secs(a.seconds);
    let handles: Vec<_> = (0..a.connections)
        .map(|thread| {
            let cookie = cookie.clone();
            let url_of = &url_of;
            let urls: Vec<Vec<String>> = ENDPOINTS
                .iter()
                .map(|e| {
                    (0..64)
                        .map(|k| url_of(*e, thread * 7919 + k * 131))
                        .collect()
                })
                .collect();
            (urls, cookie)
        })
        .collect();
    // One client thread drives every connection asynchronously, so the load generator costs
    // little of the 2 cores the server runs on (64 blocking client threads cost more than the
    // server's own work and dominated the tail latencies).
    let addr_text = base.trim_start_matches("http://").to_string();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let samples: Vec<Samples> = client.block_on(async {
        let mut tasks = Vec::new();
        for (thread, (urls, cookie)) in handles.into_iter().enumerate() {
            let addr_text = addr_text.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = Samples::default();
                let mut conn = match raw_connect(&addr_text).await {
                    Ok(c) => c,
                    Err(e) => {
                        s.errors.push(e);
                        return s;
                    }
                };
                let mut i = thread;
                while Instant::now() < deadline {
                    let which = i % ENDPOINTS.len();
                    let url = &urls[which][(i / ENDPOINTS.len()) % 64];
                    let path = url
                        .splitn(4, '/')
                        .nth(3)
                        .map(|p| format!("/{p}"))
                        .unwrap_or_else(|| "/".into());
                    let t = Instant::now();
                    match raw_get(&mut conn, &addr_text, &path, &cookie).await {
                        Ok(b) => {
                            s.micros[which]
                                .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                            s.bytes += b;
                        }
                        Err(e) => {
                            s.errors.push(format!("{path}: {e}"));
                            match raw_connect(&addr_text).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    s.errors.push(e);
                                    return s;
                                }
                            }
                        }
                    }
                    i += 1;
                }
                s
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            if let Ok(s) = t.await {
                out.push(s);
            }
        }
        out
    });
    let mut all = Samples::default();
    for s in samples {
        for (k, v) in s.micros.into_iter().enumerate() {
            all.micros[k].extend(v);
        }
        all.errors.extend(s.errors);
        all.bytes += s.bytes;
    }
    let elapsed = start.elapsed().as_secs_f64();

    // --- The report.
    for v in all.micros.iter_mut() {
        v.sort_unstable();
    }
    let peer_p99 = percentile(&all.micros[4], 0.99).max(1);
    println!();
    println!(
        "{:<40} {:>9} {:>9} {:>8} {:>8} {:>8} {:>12}",
        "endpoint", "requests", "req/s", "p50_ms", "p99_ms", "max_ms", "p99/healthz"
    );
    let mut total = 0usize;
    for (k, e) in ENDPOINTS.iter().enumerate() {
        let v = &all.micros[k];
        total += v.len();
        println!(
            "{:<40} {:>9} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>12.1}",
            e.label(),
            v.len(),
            v.len() as f64 / elapsed,
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.99)),
            ms(v.last().copied().unwrap_or(0)),
            percentile(v, 0.99) as f64 / peer_p99 as f64
        );
    }
    println!(
        "all endpoints: {total} requests in {elapsed:.2} s = {:.0} req/s, {:.1} MB read, {} errors",
        total as f64 / elapsed,
        all.bytes as f64 / 1e6,
        all.errors.len()
    );
    let api_p99 = ms(percentile(&all.micros[0], 0.99));
    let page_p99 = ms(percentile(&all.micros[1], 0.99));
    let pass =
        api_p99.max(page_p99) < 50.0 && !all.micros[0].is_empty() && !all.micros[1].is_empty();
    println!(
        "dashboard p99 < 50 ms: {} (JSON {api_p99:.2} ms, page {page_p99:.2} ms, at {} connections)",
        if pass { "PASS" } else { "FAIL" },
        a.connections
    );
    if !all.errors.is_empty() {
        for e in all.errors.iter().take(5) {
            eprintln!("error: {e}");
        }
        bail!("{} requests failed", all.errors.len());
    }
    drop(test_db);
    Ok(())
}
