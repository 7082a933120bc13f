//! `tandem report` through the real binary, and the report in real headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tandem(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

#[test]
fn report_writes_the_site_workbook_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let out = dir.path().join("site");
    let (code, stdout, stderr) = tandem(
        &db,
        &["report", "--lang", "en", "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("8 pair page(s)"), "{stdout}");
    for f in [
        "index.html",
        "pair-minhang-huainan.html",
        "pair-ningbo-bengbu.html",
        "tandem-report.xlsx",
        "tandem-report.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Pairs and their gaps"));
    // Reading the bundled data does not create the workspace database.
    assert!(!db.exists());

    let one = dir.path().join("one");
    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--pair",
            "pair-xuzhou-huaibei",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let html: Vec<_> = std::fs::read_dir(&one)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .collect();
    assert_eq!(html.len(), 2);
    let page = std::fs::read_to_string(one.join("pair-xuzhou-huaibei.html")).unwrap();
    assert!(page.contains("合作基础"), "default language is Chinese");

    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--pair",
            "nowhere",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("pair-xuzhou-huaibei"),
        "the error lists the pairs: {stderr}"
    );
    let (code, _, _) = tandem(&db, &["report", "--lang", "fr"]);
    assert_eq!(code, 1);
    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--data",
            "missing",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let (code, stdout, _) = tandem(&db, &["report", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Example"));
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Lines of Chromium's log that come from the page: the report has no script, so any
/// console message (Chromium logs `console.error` as `INFO:CONSOLE`), an uncaught exception
/// or a failed load is an error.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Failed to load")
                || l.contains("net::ERR_")
        })
        .collect()
}

#[test]
fn console_error_lines_are_recognised() {
    let log =
        "[1:1:1128/160906.614159:INFO:CONSOLE:1] \"boom\", source: file:///tmp/bad.html (1)\n\
               [1:1:1128/160905.881750:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n";
    assert_eq!(console_errors(log).len(), 1);
}

/// Opens `page` in headless Chromium, saves a screenshot and returns the log.
fn screenshot(page: &Path, png: &Path, width: u32, height: u32) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "chromium failed on {}:\n{log}",
        page.display()
    );
    log
}

/// The workspace's target directory (screenshots are kept there for people to look at).
fn target_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest.join("../../target"), PathBuf::from)
}

#[test]
fn report_renders_in_headless_chromium_without_console_errors() {
    if std::env::var("TANDEM_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser test skipped");
        return;
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is not installed: run `bash scripts/test.sh` (it installs the Debian package), \
         or set TANDEM_SKIP_BROWSER=1 to skip this test"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let shots = target_dir().join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for lang in ["zh", "en"] {
        let out = dir.path().join(lang);
        let (code, _, stderr) = tandem(
            &db,
            &["report", "--lang", lang, "--out", out.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{stderr}");
        for (page, width, height) in [
            ("index.html", 1280, 2400),
            ("pair-xuzhou-huaibei.html", 1280, 2400),
            ("pair-minhang-huainan.html", 390, 2400),
        ] {
            let name = format!("{lang}-{}-{width}.png", page.trim_end_matches(".html"));
            let png = shots.join(&name);
            let _ = std::fs::remove_file(&png);
            let log = screenshot(&out.join(page), &png, width, height);
            let errors = console_errors(&log);
            assert!(
                errors.is_empty(),
                "{lang}/{page}: console errors:\n{}",
                errors.join("\n")
            );
            let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {name}: {e}"));
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} is not a PNG");
            // A blank page compresses to a few kilobytes; a rendered report does not.
            assert!(
                bytes.len() > 30_000,
                "{name} looks blank ({} bytes)",
                bytes.len()
            );
        }
    }
}
