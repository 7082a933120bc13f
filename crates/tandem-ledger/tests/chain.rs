//! Tamper tests for the hash-chained ledger file.

use serde_json::json;
use std::path::{Path, PathBuf};
use tandem_ledger::chain::{repair, verify, verify_against, LedgerFile, GENESIS};
use tandem_ledger::{ChainError, VerifyError};

fn ledger(n: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.jsonl");
    let mut f = LedgerFile::open(&path).unwrap();
    for i in 1..=n {
        f.append(&json!({"amount": format!("{i}00.00"), "party": "p", "note": "z a"}))
            .unwrap();
    }
    (dir, path)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, l: &[String]) {
    std::fs::write(path, l.iter().map(|x| format!("{x}\n")).collect::<String>()).unwrap();
}

fn bad_seq(path: &Path) -> (u64, String) {
    match verify(path) {
        Err(ChainError::Verify(VerifyError::BadEntry { seq, reason, .. })) => (seq, reason),
        other => panic!("expected a bad entry, got {other:?}"),
    }
}

#[test]
fn a_clean_ledger_verifies_and_reopens_where_it_ended() {
    let (_d, path) = ledger(5);
    let es = verify(&path).unwrap();
    assert_eq!(es.len(), 5);
    assert_eq!(es[0].prev_hash, GENESIS);
    assert_eq!(es[1].prev_hash, es[0].hash);
    let mut f = LedgerFile::open(&path).unwrap();
    assert_eq!(f.head().seq, 5);
    let h = f.append(&json!({"x": 1})).unwrap();
    assert_eq!(h.seq, 6);
    assert_eq!(verify(&path).unwrap().len(), 6);
    // Keys are stored in canonical (sorted) order.
    assert!(lines(&path)[0]
        .starts_with("{\"content\":{\"amount\":\"100.00\",\"note\":\"z a\",\"party\":\"p\"}"));
}

#[test]
fn altering_one_byte_of_content_names_that_entry() {
    let (_d, path) = ledger(5);
    let mut l = lines(&path);
    l[2] = l[2].replacen("300.00", "900.00", 1);
    write_lines(&path, &l);
    let (seq, reason) = bad_seq(&path);
    assert_eq!(seq, 3);
    assert!(reason.contains("does not match its content"), "{reason}");
}

#[test]
fn altering_a_hash_names_that_entry() {
    let (_d, path) = ledger(5);
    let mut l = lines(&path);
    let i = l[1].find("\"hash\":\"").unwrap() + 8;
    let c = if &l[1][i..i + 1] == "a" { "b" } else { "a" };
    l[1].replace_range(i..i + 1, c);
    write_lines(&path, &l);
    assert_eq!(bad_seq(&path).0, 2);
}

#[test]
fn removing_an_entry_names_the_gap() {
    let (_d, path) = ledger(5);
    let mut l = lines(&path);
    l.remove(3);
    write_lines(&path, &l);
    let (seq, reason) = bad_seq(&path);
    assert_eq!(seq, 4);
    assert!(reason.contains("removed or reordered"), "{reason}");
}

#[test]
fn swapping_two_entries_names_the_first() {
    let (_d, path) = ledger(5);
    let mut l = lines(&path);
    l.swap(1, 2);
    write_lines(&path, &l);
    assert_eq!(bad_seq(&path).0, 2);
}

#[test]
fn rewriting_seq_and_prev_hash_after_removal_still_fails_on_the_hash() {
    // A forger who removes entry 2 and renumbers entry 3 as 2 with entry 1's hash as its
    // prev_hash cannot produce a matching hash without recomputing the whole tail.
    let (_d, path) = ledger(4);
    let es = verify(&path).unwrap();
    let mut l = lines(&path);
    l.remove(1);
    l[1] = l[1]
        .replace(&es[1].hash, &es[0].hash)
        .replace("\"seq\":3", "\"seq\":2");
    write_lines(&path, &l);
    assert_eq!(bad_seq(&path).0, 2);
}

#[test]
fn a_torn_tail_is_reported_distinctly_and_repaired() {
    let (_d, path) = ledger(3);
    let full = std::fs::read(&path).unwrap();
    // Cut the last line in the middle, as a crash during the write would.
    std::fs::write(&path, &full[..full.len() - 20]).unwrap();
    match verify(&path) {
        Err(ChainError::Verify(VerifyError::TornTail { last_good_seq, .. })) => {
            assert_eq!(last_good_seq, 2)
        }
        other => panic!("expected a torn tail, got {other:?}"),
    }
    assert!(
        LedgerFile::open(&path).is_err(),
        "appending after a torn tail is refused"
    );
    assert!(repair(&path).unwrap() > 0);
    assert_eq!(verify(&path).unwrap().len(), 2);
    assert_eq!(repair(&path).unwrap(), 0);
}

#[test]
fn repair_refuses_a_bad_middle_entry() {
    let (_d, path) = ledger(3);
    let mut l = lines(&path);
    l[0] = l[0].replacen("100.00", "1.00", 1);
    write_lines(&path, &l);
    let before = std::fs::read(&path).unwrap();
    assert!(repair(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before, "file untouched");
}

#[test]
fn truncation_at_a_line_boundary_is_caught_against_the_kept_head() {
    let (_d, path) = ledger(5);
    let head = LedgerFile::open(&path).unwrap().head().clone();
    let l = lines(&path);
    write_lines(&path, &l[..3]);
    // The shorter chain is internally valid ...
    assert_eq!(verify(&path).unwrap().len(), 3);
    // ... but not against the head the checker kept.
    match verify_against(&path, &head) {
        Err(ChainError::Verify(VerifyError::Head { reason, .. })) => {
            assert!(reason.contains("removed"), "{reason}")
        }
        other => panic!("expected a head mismatch, got {other:?}"),
    }
}

#[test]
fn floats_are_refused_in_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = LedgerFile::open(&dir.path().join("l.jsonl")).unwrap();
    assert!(f.append(&json!({"amount": 1.5})).is_err());
    assert!(f.append(&json!([1])).is_err());
}
