//! Runs the real `tandem ledger ...` commands: check, settle (idempotent, corrections),
//! statement, verify (tampering), fair, and a kill -9 crash during settlement.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tandem(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn agreements() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/ledger/agreements")
}

fn agreement(name: &str) -> String {
    agreements().join(name).display().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const HEADER: &str = "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\n";

/// Revenue rows for the 川浙 park (example c): 2024, VAT 600,000 a month from one firm.
fn chuanzhe_revenues(dir: &Path, vat: &str) -> PathBuf {
    let mut text = HEADER.to_string();
    for m in 1..=12 {
        text.push_str(&format!(
            "G1,chuanzhe-park,C3612,,2024-{m:02},vat_local_share,{vat}\n"
        ));
        text.push_str(&format!(
            "G1,chuanzhe-park,C3612,,2024-{m:02},cit_local_share,100000.01\n"
        ));
    }
    let p = dir.join("revenues.csv");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_ledger_command_has_help_with_an_example() {
    for sub in ["check", "settle", "statement", "verify", "fair"] {
        let r = tandem(&["ledger", sub, "--help"]);
        assert_eq!(r.code, 0, "{sub}: {}", r.stderr);
        assert!(
            r.stdout.contains("Example"),
            "{sub} has no example:\n{}",
            r.stdout
        );
    }
    let r = tandem(&["ledger", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Example"), "{}", r.stdout);
}

#[test]
fn check_accepts_the_worked_examples_and_names_the_bad_field() {
    let files: Vec<String> = std::fs::read_dir(agreements())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["ledger", "check"];
    args.extend(files.iter().map(String::as_str));
    let r = tandem(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        4,
        "{}",
        r.stdout
    );
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("bad.toml");
    let text = std::fs::read_to_string(agreements().join("c-chuanzhe-6-4-floor.toml"))
        .unwrap()
        .replace(
            "shares = { qingchuan = 6000, guangyuan-etdz = 4000 } }]\nfloors",
            "shares = { qingchuan = 5000, guangyuan-etdz = 4000 } }]\nfloors",
        );
    std::fs::write(&bad, text).unwrap();
    let r = tandem(&["ledger", "check", s(&bad)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "revenue.vat_local_share.schedule[0].shares: shares sum to 9000 bp, must be 10000"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn settle_is_idempotent_corrections_are_new_entries_and_statements_are_written() {
    let d = tempfile::tempdir().unwrap();
    let rev = chuanzhe_revenues(d.path(), "600000");
    let ledger = d.path().join("l.jsonl");
    let ag = agreement("c-chuanzhe-6-4-floor.toml");
    let settle = |extra: &[&str]| {
        let mut a = vec![
            "ledger",
            "settle",
            "--agreement",
            &ag,
            "--revenues",
            s(&rev),
            "--period",
            "2024-01..2024-12",
            "--ledger",
            s(&ledger),
        ];
        a.extend_from_slice(extra);
        tandem(&a)
    };
    let r = settle(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 12 months x 2 types x (2 parties + 1 official) = 72 entries.
    assert!(
        r.stdout
            .contains("72 new entries, 0 correction(s), 0 unchanged"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("acknowledged #1..#72 head 72:"),
        "{}",
        r.stdout
    );
    let size = std::fs::metadata(&ledger).unwrap().len();
    let r = settle(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("0 new entries, 0 correction(s), 72 unchanged"),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::metadata(&ledger).unwrap().len(),
        size,
        "nothing appended"
    );
    // Different figures for the same periods: refused, then recorded as corrections.
    chuanzhe_revenues(d.path(), "700000");
    let r = settle(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("already holds entry #") && r.stderr.contains("--correct"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::metadata(&ledger).unwrap().len(),
        size,
        "nothing appended on refusal"
    );
    let r = settle(&["--correct"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // VAT entries change in every month (36); CIT entries do not.
    assert!(
        r.stdout
            .contains("0 new entries, 36 correction(s), 36 unchanged"),
        "{}",
        r.stdout
    );
    let r = tandem(&["ledger", "verify", s(&ledger)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("ok: 108 entries, head 108:"),
        "{}",
        r.stdout
    );

    // Statement: qingchuan's corrected 2024 VAT: 60% of 700,000 = 420,000 a month,
    // 12 x 420,000 = 5,040,000 >= the 5,000,000 floor, so no top-up after the correction.
    let html = d.path().join("q.html");
    let r = tandem(&[
        "ledger",
        "statement",
        "--ledger",
        s(&ledger),
        "--party",
        "qingchuan",
        "--period",
        "2024-01..2024-12",
        "--out",
        s(&html),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("assessment figures — official statistics stay where activity happens"));
    assert!(page.contains("考核口径数据——官方统计仍在活动发生地"));
    assert!(page.contains("5040000.00"), "corrected total shown");
    assert!(
        page.contains("(corrects #"),
        "corrections reference the original"
    );
    let xlsx = d.path().join("g.xlsx");
    let r = tandem(&[
        "ledger",
        "statement",
        "--ledger",
        s(&ledger),
        "--party",
        "guangyuan-etdz",
        "--period",
        "2024-06",
        "--out",
        s(&xlsx),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let r = tandem(&[
        "ledger",
        "statement",
        "--ledger",
        s(&ledger),
        "--party",
        "nobody",
        "--period",
        "2024-06",
        "--out",
        s(&xlsx),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("parties in the ledger: guangyuan-etdz, qingchuan"),
        "{}",
        r.stderr
    );

    // Tampering: change one amount in entry 5; verify exits 1 naming entry #5.
    let text = std::fs::read_to_string(&ledger).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let before = lines[4].clone();
    lines[4] = lines[4].replacen("\"amount\":\"", "\"amount\":\"1", 1);
    assert_ne!(before, lines[4]);
    std::fs::write(&ledger, lines.join("\n") + "\n").unwrap();
    let r = tandem(&["ledger", "verify", s(&ledger)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("entry #5 (line 5) is bad"),
        "{}",
        r.stderr
    );
    // Settling onto a tampered ledger is refused too.
    let r = settle(&[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("entry #5"), "{}", r.stderr);
}

#[test]
fn verify_reports_a_torn_tail_and_head_truncation_distinctly() {
    let d = tempfile::tempdir().unwrap();
    let rev = chuanzhe_revenues(d.path(), "600000");
    let ledger = d.path().join("l.jsonl");
    let ag = agreement("c-chuanzhe-6-4-floor.toml");
    let r = tandem(&[
        "ledger",
        "settle",
        "--agreement",
        &ag,
        "--revenues",
        s(&rev),
        "--period",
        "2024-01..2024-03",
        "--ledger",
        s(&ledger),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let head = r
        .stdout
        .lines()
        .find_map(|l| l.split(" head ").nth(1))
        .unwrap()
        .to_string();
    let bytes = std::fs::read(&ledger).unwrap();
    std::fs::write(&ledger, &bytes[..bytes.len() - 30]).unwrap();
    let r = tandem(&["ledger", "verify", s(&ledger)]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("torn tail after entry #17"),
        "{}",
        r.stderr
    );
    let r = tandem(&["ledger", "verify", s(&ledger), "--repair"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("ok: 17 entries"), "{}", r.stdout);
    // Against the head settle printed, the missing 18th entry is detected.
    let r = tandem(&["ledger", "verify", s(&ledger), "--head", &head]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("entries were removed from the end"),
        "{}",
        r.stderr
    );
}

#[test]
fn fair_prints_shapley_and_nash() {
    let d = tempfile::tempdir().unwrap();
    let v = d.path().join("v.toml");
    std::fs::write(
        &v,
        r#"parties = ["helper", "helped"]
coalitions = [
  { members = ["helper"], value = 100 },
  { members = ["helped"], value = 50 },
  { members = ["helper", "helped"], value = 250 },
]
"#,
    )
    .unwrap();
    let r = tandem(&["ledger", "fair", "--values", s(&v), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // Nash: (250 + 100 - 50) / 2 = 150 and 100; 150/250 = 6000 bp.
    assert_eq!(j["parties"][0]["nash"], 150.0);
    assert_eq!(j["parties"][1]["shapley"], 100.0);
    assert_eq!(j["parties"][0]["nash_bp"], 6000);
    let r = tandem(&["ledger", "fair", "--values", s(&v)]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Shapley"), "{}", r.stdout);
    std::fs::write(&v, "parties = [\"a\"]\ncoalitions = []\n").unwrap();
    let r = tandem(&["ledger", "fair", "--values", s(&v)]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("parties: at least two"), "{}", r.stderr);
}

/// A large revenue file under example (d) (2018-2040, 5 revenue types): many entries.
fn big_revenues(dir: &Path) -> PathBuf {
    let mut text = String::with_capacity(8 << 20);
    text.push_str(HEADER);
    let types = [
        "vat_local_share",
        "cit_local_share",
        "other_taxes",
        "land_sale_net",
        "gdp_attribution",
    ];
    for y in 2018..=2040 {
        for m in 1..=12 {
            for e in 0..40 {
                for (k, t) in types.iter().enumerate() {
                    text.push_str(&format!(
                        "E{e},shenshan-zone,C{k}1,,{y}-{m:02},{t},{}.{:02}\n",
                        1000 + e * 7 + k,
                        (e + m) % 100
                    ));
                }
            }
        }
    }
    let p = dir.join("big.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// `(seq, hash)` of every line of the ledger.
fn chain_of(path: &Path) -> Vec<(u64, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["seq"].as_u64().unwrap(),
                v["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn kill_9_during_settlement_loses_no_acknowledged_entry() {
    let d = tempfile::tempdir().unwrap();
    let rev = big_revenues(d.path());
    let ag = agreement("d-shenshan-full-retention.toml");
    let args = |ledger: &Path| -> Vec<String> {
        [
            "ledger",
            "settle",
            "--agreement",
            &ag,
            "--revenues",
            s(&rev),
            "--period",
            "2018-01..2040-12",
            "--ledger",
            s(ledger),
            "--batch",
            "4",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    // Reference: an uninterrupted run.
    let clean = d.path().join("clean.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args(&clean))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = chain_of(&clean);
    assert!(reference.len() > 4000, "{}", reference.len());

    // The same run, killed with SIGKILL after a few acknowledged batches.
    let ledger = d.path().join("l.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args(&ledger))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked: Vec<(u64, String)> = Vec::new();
    let mut rdr = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while acked.len() < 20 {
        line.clear();
        if rdr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(h) = line.trim().split(" head ").nth(1) {
            let (seq, hash) = h.split_once(':').unwrap();
            acked.push((seq.parse().unwrap(), hash.to_string()));
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert_eq!(acked.len(), 20, "the run ended before it could be killed");
    assert!(
        status.code().is_none(),
        "killed by a signal, not finished: {status:?}"
    );
    // Anything the process printed later was never read by us; it may be on disk or not.
    drop(rdr);

    // The ledger verifies (after truncating a torn, unacknowledged tail if there is one) ...
    let r = tandem(&["ledger", "verify", s(&ledger), "--repair"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = chain_of(&ledger);
    assert!(
        after.len() < reference.len(),
        "killed mid-run: {} of {}",
        after.len(),
        reference.len()
    );
    // ... and holds every acknowledged entry, with the hash it was acknowledged with.
    for (seq, hash) in &acked {
        let found = after.get(*seq as usize - 1);
        assert_eq!(
            found,
            Some(&(*seq, hash.clone())),
            "acknowledged entry #{seq} missing"
        );
    }
    // Restarting completes the settlement without duplicates: the same chain as the clean run.
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args(&ledger))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = tandem(&["ledger", "verify", s(&ledger)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(chain_of(&ledger), reference);
}
