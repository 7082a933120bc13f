//! `tandem user`, `tandem backup` and `tandem restore` through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tandem(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .env_remove("TANDEM_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tandem runs");
    // A command refused on its arguments exits before reading standard input: a broken
    // pipe here is that refusal, which the caller asserts on, not a test failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn accounts_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let ok = tandem(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--username",
            "admin",
            "--role",
            "admin",
        ],
        "a long secret\n",
    );
    assert!(ok.status.success(), "{}", text(&ok));
    // Rules broken are named, exit code 1, nothing created.
    for (args, needle) in [
        (
            vec!["--username", "x", "--role", "officer", "--side", "helped"],
            "needs --pair",
        ),
        (
            vec![
                "--username",
                "x",
                "--role",
                "officer",
                "--pair",
                "pair-nowhere",
                "--side",
                "helped",
            ],
            "does not exist",
        ),
        (vec!["--username", "x", "--role", "king"], "unknown role"),
        (vec!["--username", "admin", "--role", "researcher"], "taken"),
        (
            vec!["--username", "bad name", "--role", "researcher"],
            "user name",
        ),
    ] {
        let mut full = vec!["user", "add", "--database", db.as_str()];
        full.extend(args);
        let o = tandem(&full, "a long secret\n");
        assert_eq!(o.status.code(), Some(1), "{full:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{full:?}: {}", text(&o));
    }
    let short = tandem(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--username",
            "y",
            "--role",
            "researcher",
        ],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(text(&short).contains("at least 8 characters"));
    let ok = tandem(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--username",
            "li",
            "--role",
            "officer",
            "--pair",
            "pair-xuzhou-huaibei",
            "--side",
            "helped",
        ],
        "another long secret\n",
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let list = tandem(&["user", "list", "--database", &db], "");
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "1\tadmin\tadmin\tenabled\t-\n2\tli\tofficer pair-xuzhou-huaibei helped\tenabled\t-\n"
    );

    let backup = dir.path().join("backup.json");
    let o = tandem(&["backup", "--database", &db, backup.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    let restored = format!("sqlite://{}", dir.path().join("r.db").display());
    let o = tandem(
        &["restore", "--database", &restored, backup.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let list2 = tandem(&["user", "list", "--database", &restored], "");
    assert_eq!(list.stdout, list2.stdout);
    // Restoring into a database that has data is refused.
    let o = tandem(
        &["restore", "--database", &db, backup.to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not empty"), "{}", text(&o));
    // A file that is not a backup is named.
    std::fs::write(dir.path().join("x.json"), "{\"hello\": 1}").unwrap();
    let fresh = format!("sqlite://{}", dir.path().join("f.db").display());
    let o = tandem(
        &[
            "restore",
            "--database",
            &fresh,
            dir.path().join("x.json").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("not a tandem platform backup"),
        "{}",
        text(&o)
    );
    // A bad URL says what is accepted.
    let o = tandem(&["user", "list", "--database", "mysql://x"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("sqlite://PATH or postgres://"),
        "{}",
        text(&o)
    );
}
