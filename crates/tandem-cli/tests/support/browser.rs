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
