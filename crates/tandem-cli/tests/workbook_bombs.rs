//! Workbook bombs on the command line (issue #12, finding 1): every command that reads a
//! spreadsheet exits 1 with a message naming the limit the file broke, never an abort.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: Option<i32>,
    stderr: String,
}

fn tandem(db: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        // `None` when a signal (an abort) ended the process.
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .display()
        .to_string()
}

/// Asserts a clear failure: exit 1, a user error (not an internal one) naming `limit`.
fn assert_refused(r: &Run, limit: &str, what: &str) {
    assert_eq!(r.code, Some(1), "{what}: {}", r.stderr);
    assert!(r.stderr.contains("error: "), "{what}: {}", r.stderr);
    assert!(!r.stderr.contains("internal error"), "{what}: {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("(limit: {limit} = ")),
        "{what}: {}",
        r.stderr
    );
}

#[test]
fn every_spreadsheet_reader_refuses_a_bomb_with_the_limit_it_broke() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let bomb = dir.path().join("bomb.xlsx");
    std::fs::write(&bomb, tandem_sheet::testkit::a1_and_xfd1048576("Sheet1")).unwrap();
    let bomb = bomb.to_str().unwrap();

    let r = tandem(&db, &["data", "import", bomb, "--year", "2022"]);
    assert_refused(&r, "max_columns", "tandem data import");
    assert!(r.stderr.contains("too_large"), "{}", r.stderr);

    let ledger = dir.path().join("l.jsonl");
    let r = tandem(
        &db,
        &[
            "ledger",
            "settle",
            "--agreement",
            &repo("data/ledger/agreements/c-chuanzhe-6-4-floor.toml"),
            "--revenues",
            bomb,
            "--period",
            "2024-01..2024-12",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    );
    assert_refused(&r, "max_columns", "tandem ledger settle");
    assert!(!ledger.exists(), "nothing was settled");

    let r = tandem(
        &db,
        &[
            "match",
            "shortlist",
            "--demands",
            bomb,
            "--parks",
            &repo("data/matching/parks.csv"),
        ],
    );
    assert_refused(&r, "max_columns", "tandem match shortlist");
}

#[test]
fn compressed_bombs_and_old_formats_are_clear_errors_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let deflated = dir.path().join("deflated.xlsx");
    std::fs::write(&deflated, tandem_sheet::testkit::deflate_bomb(130 << 20)).unwrap();
    let r = tandem(&db, &["data", "import", deflated.to_str().unwrap()]);
    assert_refused(&r, "max_decompressed_bytes", "a deflate bomb");

    let old = dir.path().join("yearbook.xls");
    std::fs::write(&old, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]).unwrap();
    let r = tandem(
        &db,
        &[
            "match",
            "shortlist",
            "--demands",
            old.to_str().unwrap(),
            "--parks",
            &repo("data/matching/parks.csv"),
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("save it as an Excel workbook (.xlsx)"),
        "{}",
        r.stderr
    );
}
