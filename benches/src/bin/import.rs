//! Benchmark: an XLSX import of 10,000 projects, most of them one enterprise in one park (the
//! worst case of the review flags), through the real server, and sign-ins made while it runs.
//!
//! Issue #12, finding 3: the review-flag refresh was cubic in the projects of one enterprise
//! in one park and ran inside the import's write transaction, which holds SQLite's only
//! writer, the one sign-in needs too (150 rows took 40.8 s; at 200 rows sign-ins timed out).
//!
//! A fresh platform database (SQLite by default; `--postgres` uses the server named by
//! `$TANDEM_TEST_POSTGRES`) gets the test cast (`tandem_platform::testkit::cast`) and 20 more
//! parks. The server (`tandem_server::serve`) runs in this process on `127.0.0.1:0`. The
//! enterprise user imports one workbook of N rows (default 10,000): G of them (default 8,000)
//! in its park, amounts drawn log-uniformly from 10^6 to 10^9 yuan so that many fall within
//! 10 % of many others, the rest spread over the other parks. Meanwhile four clients sign in
//! again and again.
//!
//! Prints: the import's wall time (`POST /api/sheets/projects`: read, check, write, flags,
//! audit); the sign-ins answered during the import (p50, p99, max) against sign-ins on the
//! idle server (the in-run peer), and the target line `sign-in during import < 1 s:
//! PASS|FAIL`; the flags of the large group computed in one pass (in process, from the stored
//! rows) against the pairwise rule the service used (counting only: without its per-project
//! queries and without building its strings, i.e. faster than it was), and how many projects
//! ended up flagged.
//!
//! Usage: `import [--rows N] [--group G] [--postgres]` (at most 10,000 rows: the import limit).

use anyhow::{bail, ensure, Context as _, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tandem_benches::SplitMix64;
use tandem_platform::flags::{self, FlagFacts};
use tandem_platform::testkit::{self, PAIR, PASSWORD};
use tandem_platform::{clock, Db};

/// Threads signing in while the import runs (as many as the server checks passwords at once).
const SIGNERS: usize = tandem_server::PASSWORD_CHECKS_AT_ONCE;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The run's settings.
#[derive(Clone, Copy, Debug)]
struct Args {
    rows: usize,
    group: usize,
    postgres: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        rows: 10_000,
        group: 8_000,
        postgres: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> Result<usize> {
            it.next()
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--rows" => a.rows = num("--rows")?,
            "--group" => a.group = num("--group")?,
            "--postgres" => a.postgres = true,
            other => {
                bail!("unknown argument {other}; usage: import [--rows N] [--group G] [--postgres]")
            }
        }
    }
    ensure!(
        (1..=tandem_platform::limits::MAX_BULK_ROWS).contains(&a.rows),
        "--rows must be 1..{}",
        tandem_platform::limits::MAX_BULK_ROWS
    );
    ensure!(a.group <= a.rows, "--group must be at most --rows");
    Ok(a)
}

/// The workbook: `a.group` rows in `park`, the rest spread over `others`.
fn workbook(a: &Args, enterprise: i64, park: i64, others: &[i64]) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("projects")?;
    let header = [
        "pair_id",
        "park_id",
        "enterprise_id",
        "name",
        "amount_agreed_yuan",
        "paid_in_yuan",
        "initiated_by",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut rng = SplitMix64::new(20_260_512);
    for i in 0..a.rows {
        let r = i as u32 + 1;
        let p = if i < a.group {
            park
        } else {
            others[i % others.len()]
        };
        // Log-uniform from 10^6 to 10^9 yuan, whole yuan.
        let agreed = 10f64.powf(6.0 + 3.0 * rng.uniform()).round();
        ws.write_string(r, 0, PAIR)?;
        ws.write_number(r, 1, p as f64)?;
        ws.write_number(r, 2, enterprise as f64)?;
        ws.write_string(r, 3, format!("导入项目 {i}"))?;
        ws.write_number(r, 4, agreed)?;
        if i % 5 == 0 {
            ws.write_number(r, 5, (agreed * (0.5 + rng.uniform())).round())?;
        }
        ws.write_string(r, 6, "enterprise")?;
    }
    Ok(wb.save_to_buffer()?)
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Signs in; returns the `Cookie` header value and the CSRF token.
fn login(agent: &ureq::Agent, base: &str, username: &str) -> Result<(String, String)> {
    let body = serde_json::json!({"username": username, "password": PASSWORD}).to_string();
    let mut r = agent
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
    ensure!(status == 200, "login as {username} failed: {status} {text}");
    let json: serde_json::Value = serde_json::from_str(&text)?;
    Ok((
        cookie.context("login set no tandem_session cookie")?,
        json["csrf_token"].as_str().unwrap_or("").to_string(),
    ))
}

/// Starts the server on a loopback port in this process; returns its base URL.
fn start_server(db: Db) -> Result<String> {
    let (tx, rx) = mpsc::channel();
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
        let options = tandem_server::net::ServeOptions::new(([127, 0, 0, 1], 0).into());
        let tx2 = tx.clone();
        if let Err(e) = runtime.block_on(tandem_server::serve(db, options, move |addr| {
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
    Ok(format!("http://{addr}"))
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Sign-in latencies (ms) of `n` sign-ins one after another.
fn sign_ins(base: &str, n: usize) -> Result<Vec<f64>> {
    let a = agent(Duration::from_secs(60));
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        login(&a, base, "hb-officer")?;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(v)
}

/// The rows of one group as the flag rules read them.
fn group_facts(db: &Db, enterprise: i64, park: i64) -> Result<Vec<FlagFacts>> {
    use tandem_platform::db::Value;
    let rows = db.read(|c| {
        c.query(
            "SELECT id, amount_agreed_fen, paid_in_fen, stage, signed_on FROM projects \
             WHERE enterprise_id = ? AND park_id = ? ORDER BY id",
            &[Value::Int(enterprise), Value::Int(park)],
        )
    })?;
    Ok(rows
        .iter()
        .map(|r| FlagFacts {
            id: r[0].as_i64().unwrap_or(0),
            amount_agreed_fen: r[1].as_i64(),
            paid_in_fen: r[2].as_i64(),
            stage: r[3].as_str().unwrap_or("").to_string(),
            signed_day: r[4].as_str().and_then(clock::parse_date),
        })
        .collect())
}

/// The pairwise duplicate rule as the service computed it, counting the matches only.
fn pairwise_matches(group: &[FlagFacts]) -> usize {
    let mut n = 0;
    for me in group {
        let Some(a) = me.amount_agreed_fen else {
            continue;
        };
        for o in group.iter().filter(|o| o.id != me.id) {
            let Some(b) = o.amount_agreed_fen else {
                continue;
            };
            let near = match (me.signed_day, o.signed_day) {
                (Some(x), Some(y)) => {
                    (x - y).abs() <= tandem_platform::service::DUPLICATE_WINDOW_DAYS
                }
                _ => true,
            };
            n += usize::from(near && flags::close(a, b));
        }
    }
    n
}

fn main() -> Result<()> {
    let a = parse_args()?;
    println!(
        "import benchmark: {} rows, {} of them one enterprise in one park, {}, loopback only",
        a.rows,
        a.group,
        if a.postgres { "PostgreSQL" } else { "SQLite" }
    );
    let test_db = if a.postgres {
        testkit::postgres().context("--postgres needs $TANDEM_TEST_POSTGRES")?
    } else {
        testkit::sqlite()
    };
    let db = test_db.db.clone();
    let cast = testkit::cast(&db);
    let mut others = Vec::new();
    for k in 0..20 {
        let body = serde_json::json!({"pair_id": PAIR, "name": format!("园区 {k}"), "locality_id": "ah-huaibei"});
        let park = tandem_platform::service::create(
            &db,
            &cast.admin,
            &tandem_platform::entity::PARKS,
            body.as_object().expect("an object"),
        )?;
        others.push(park.int("id").context("a park id")?);
    }
    let t = Instant::now();
    let book = workbook(&a, cast.enterprise, cast.park, &others)?;
    println!(
        "workbook: {} bytes, written in {:.2} s",
        book.len(),
        t.elapsed().as_secs_f64()
    );
    let base = start_server(db.clone())?;
    let importer = agent(Duration::from_secs(3600));
    let (cookie, csrf) = login(&importer, &base, "firm")?;

    // The peer: sign-ins on the idle server.
    sign_ins(&base, 3)?;
    let mut idle = sign_ins(&base, 20)?;
    idle.sort_by(f64::total_cmp);

    // The import, with sign-ins one after another on each of SIGNERS threads while it runs.
    let done = Arc::new(AtomicBool::new(false));
    let signers: Vec<_> = (0..SIGNERS)
        .map(|_| {
            let (done, base) = (done.clone(), base.clone());
            std::thread::spawn(move || -> Result<Vec<f64>> {
                let mut during = Vec::new();
                while !done.load(Ordering::SeqCst) {
                    let v = sign_ins(&base, 1)?;
                    if !done.load(Ordering::SeqCst) {
                        during.extend(v);
                    }
                }
                Ok(during)
            })
        })
        .collect();
    let t = Instant::now();
    let r = importer
        .post(format!("{base}/api/sheets/projects"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send(&book[..]);
    let import_s = t.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    let mut r = r.context("POST /api/sheets/projects")?;
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    ensure!(
        status == 200,
        "the import failed: {status} {}",
        text.chars().take(300).collect::<String>()
    );
    let mut during = Vec::new();
    for signer in signers {
        during.extend(
            signer
                .join()
                .map_err(|_| anyhow::anyhow!("a sign-in thread panicked"))??,
        );
    }
    during.sort_by(f64::total_cmp);
    println!(
        "import: {import_s:.2} s for {} rows ({:.0} rows/s): {text}",
        a.rows,
        a.rows as f64 / import_s
    );

    println!();
    println!(
        "{:<34} {:>6} {:>9} {:>9} {:>9}",
        "sign-in", "count", "p50_ms", "p99_ms", "max_ms"
    );
    for (label, v) in [
        ("idle server (peer)", &idle),
        ("during the import", &during),
    ] {
        println!(
            "{label:<34} {:>6} {:>9.1} {:>9.1} {:>9.1}",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    let worst = during.last().copied().unwrap_or(f64::NAN);
    println!(
        "during / idle: p50 {:.1}x, max {:.1}x",
        percentile(&during, 0.5) / percentile(&idle, 0.5),
        worst / percentile(&idle, 0.5)
    );
    println!(
        "sign-in during import < 1 s: {} ({} sign-ins answered during the import, slowest {worst:.0} ms)",
        if !during.is_empty() && worst < 1000.0 { "PASS" } else { "FAIL" },
        during.len()
    );

    // The flags of the large group: one pass against the pairwise rule.
    let t = Instant::now();
    let facts = group_facts(&db, cast.enterprise, cast.park)?;
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let one_pass = flags::group_flags(&facts);
    let one_pass_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let pairs = pairwise_matches(&facts);
    let pairwise_ms = t.elapsed().as_secs_f64() * 1000.0;
    let flagged = one_pass.iter().filter(|f| !f.is_empty()).count();
    let capped = one_pass
        .iter()
        .filter(|f| f.contains(flags::MORE_DUPLICATES))
        .count();
    println!();
    println!(
        "flags of the {} projects of one enterprise in one park: reading them {read_ms:.1} ms, \
         one pass {one_pass_ms:.1} ms, pairwise rule (counting only) {pairwise_ms:.1} ms, \
         ratio {:.0}x",
        facts.len(),
        pairwise_ms / one_pass_ms.max(1e-3)
    );
    println!(
        "  {pairs} suspected-duplicate pairs (ordered); {flagged} projects flagged, {capped} with more \
         than {} suspects (the closest {} listed)",
        flags::MAX_DUPLICATES_LISTED,
        flags::MAX_DUPLICATES_LISTED
    );
    let stored: Vec<String> = db
        .read(|c| {
            c.query(
            "SELECT review_flags FROM projects WHERE enterprise_id = ? AND park_id = ? ORDER BY id",
            &[cast.enterprise.into(), cast.park.into()],
        )
        })?
        .into_iter()
        .map(|r| r[0].as_str().unwrap_or("").to_string())
        .collect();
    ensure!(
        stored == one_pass,
        "the stored flags differ from the one-pass flags"
    );
    println!("  stored flags equal the one-pass flags: yes");
    drop(test_db);
    Ok(())
}
