//! Steps every platform browser test takes: sign in through the form and wait for the page
//! to change. Included with `#[path]` beside `platform.rs` and `webdriver.rs`.

use super::platform::PASSWORD;
use super::webdriver::Session;
use std::time::{Duration, Instant};

/// Signs `username` in through the form (in English) and waits for the dashboard.
pub fn login(s: &Session, base: &str, username: &str) {
    s.delete_cookies();
    s.goto(&format!("{base}/login?lang=en"));
    s.fill("#username", username);
    s.fill("#password", PASSWORD);
    s.submit_with("#login");
    wait_for(s, |url| url.ends_with('/') && !url.contains("/login"));
}

/// Waits (up to 10 s) until the current URL satisfies `ok`; the page's text in the panic
/// otherwise.
pub fn wait_for(s: &Session, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = s.current_url();
        if ok(&url) {
            return url;
        }
        if Instant::now() > deadline {
            panic!("the browser stays on {url}:\n{}", s.text(&s.find("body")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Opens each of `paths` at a phone's width (390 x 844) and fails when one scrolls sideways;
/// restores a desktop window afterwards.
pub fn assert_fits_phone(s: &Session, base: &str, paths: &[String]) {
    s.set_window_size(390, 844);
    for path in paths {
        s.goto(&format!("{base}{path}"));
        let v = s.execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        );
        let n = |i: usize| {
            v.get(i)
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(i64::MAX)
        };
        assert!(n(1) <= 420, "the window did not shrink: {v}");
        assert!(
            n(0) <= n(1),
            "{path} scrolls sideways at a phone's width: {v}"
        );
    }
    s.set_window_size(1280, 900);
}

/// Whether `TANDEM_SKIP_BROWSER=1` asks to skip the browser tests (said on stderr).
pub fn skipped() -> bool {
    let skip = std::env::var("TANDEM_SKIP_BROWSER").as_deref() == Ok("1");
    if skip {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser end-to-end tests skipped");
    }
    skip
}

/// A fresh SQLite platform database in a temporary folder (kept while the folder lives).
pub fn fresh_database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("p.db").display());
    (dir, database)
}

/// Headless Chromium driven through ChromeDriver (`$TANDEM_CHROMIUM`, `$TANDEM_CHROMEDRIVER`,
/// defaults `/usr/bin/chromium`, `/usr/bin/chromedriver`), with a throw-away profile. The
/// session is closed before the driver stops (field order).
pub struct Browser {
    pub s: Session,
    _driver: super::webdriver::ChromeDriver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and opens a session.
    pub fn open() -> Browser {
        let env = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.into());
        let chromium = env("TANDEM_CHROMIUM", "/usr/bin/chromium");
        let driver = super::webdriver::ChromeDriver::start(&env(
            "TANDEM_CHROMEDRIVER",
            "/usr/bin/chromedriver",
        ));
        let profile = tempfile::tempdir().unwrap();
        let s = Session::new(&driver, &chromium, profile.path());
        Browser {
            s,
            _driver: driver,
            _profile: profile,
        }
    }
}
