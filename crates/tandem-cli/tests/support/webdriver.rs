//! A minimal W3C WebDriver client (the HTTP protocol ChromeDriver speaks), enough for the
//! platform's browser tests: start ChromeDriver, open a headless Chromium session, navigate,
//! find elements by CSS selector, type, click, read text, run a script, resize the window and
//! take screenshots.
//!
//! Reference: W3C WebDriver, <https://www.w3.org/TR/webdriver2/> (sections "Sessions",
//! "Navigation", "Elements", "Element Interaction", "Executing Script", "Screen Capture").
//! Every command is a JSON request; every answer is `{"value": …}`, and a failure is
//! `{"value": {"error": …, "message": …}}`, which this client turns into a panic naming the
//! command, because a test cannot continue past a failed browser command.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a command may take before the test fails (page loads included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A free TCP port on the loopback interface (bound and released; the short race with another
/// process taking it in between is acceptable in tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(COMMAND_TIMEOUT))
        .build()
        .into()
}

/// Sends one WebDriver command and returns its `value`, or the error object as `Err`.
fn command(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let result = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(body.unwrap_or(&json!({})).to_string()),
    };
    let mut resp = result.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("{method} {url}: reading the answer: {e}"))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{method} {url}: answer is not JSON ({e}): {text}"))?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if status >= 400 || value.get("error").is_some() {
        return Err(format!(
            "{method} {url} -> {status} {}: {}",
            value.get("error").and_then(Value::as_str).unwrap_or("?"),
            value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or(&text)
        ));
    }
    Ok(value)
}

/// A running ChromeDriver, killed when dropped.
pub struct ChromeDriver {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl ChromeDriver {
    /// Starts `chromedriver` on a free loopback port and waits until it reports ready.
    pub fn start(executable: &str) -> ChromeDriver {
        let port = free_port();
        let child = Command::new(executable)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {executable}: {e}"));
        let driver = ChromeDriver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = command(&agent, "GET", &format!("{}/status", driver.base), None) {
                if v.get("ready").and_then(Value::as_bool) == Some(true) {
                    return driver;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session. Deleted (the browser closed) when dropped.
pub struct Session {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`.
    url: String,
}

/// A reference to an element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
    /// The selector it was found with, for failure messages.
    pub selector: String,
}

impl Element {
    fn reference(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}

impl Session {
    /// Opens headless Chromium (`binary`) with a fresh profile in `profile_dir`.
    pub fn new(driver: &ChromeDriver, binary: &str, profile_dir: &Path) -> Session {
        let agent = agent();
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile_dir.display()),
            "--window-size=1280,900".into(),
        ];
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": { "binary": binary, "args": args }
                }
            }
        });
        let v = command(
            &agent,
            "POST",
            &format!("{}/session", driver.base),
            Some(&caps),
        )
        .unwrap_or_else(|e| panic!("cannot open a browser session: {e}"));
        let id = v
            .get("sessionId")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("new session answer without sessionId: {v}"))
            .to_string();
        Session {
            agent,
            url: format!("{}/session/{id}", driver.base),
        }
    }

    fn get(&self, path: &str) -> Value {
        command(&self.agent, "GET", &format!("{}{path}", self.url), None)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn post(&self, path: &str, body: Value) -> Value {
        command(
            &self.agent,
            "POST",
            &format!("{}{path}", self.url),
            Some(&body),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads `url` and waits for the page to finish loading.
    pub fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// The address of the current page.
    pub fn current_url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_string()
    }

    /// The current page's title.
    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_string()
    }

    /// The current page's HTML, for failure messages.
    pub fn source(&self) -> String {
        self.get("/source").as_str().unwrap_or_default().to_string()
    }

    /// The first element matching a CSS selector, or `None`.
    pub fn try_find(&self, css: &str) -> Option<Element> {
        let body = json!({ "using": "css selector", "value": css });
        match command(
            &self.agent,
            "POST",
            &format!("{}/element", self.url),
            Some(&body),
        ) {
            Ok(v) => v
                .get(ELEMENT_KEY)
                .and_then(Value::as_str)
                .map(|id| Element {
                    id: id.to_string(),
                    selector: css.to_string(),
                }),
            Err(e) if e.contains("no such element") => None,
            Err(e) => panic!("{e}"),
        }
    }

    /// The first element matching a CSS selector, waiting up to 10 s for it to appear (a
    /// click that submits a form may return before the next page is there); panics with the
    /// page's title and URL when there is none.
    pub fn find(&self, css: &str) -> Element {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            if std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        self.try_find(css).unwrap_or_else(|| {
            panic!(
                "no element matches {css:?} on {} ({:?}); page:\n{}",
                self.current_url(),
                self.title(),
                self.source().chars().take(3000).collect::<String>()
            )
        })
    }

    /// Every element matching a CSS selector.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get(ELEMENT_KEY).and_then(Value::as_str))
                    .map(|id| Element {
                        id: id.to_string(),
                        selector: css.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rendered text of an element.
    pub fn text(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/text", e.id))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element's accessible name as the browser computes it (W3C WebDriver "Get
    /// Computed Label").
    pub fn computed_label(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/computedlabel", e.id))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element's accessible role as the browser computes it ("Get Computed Role").
    pub fn computed_role(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/computedrole", e.id))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A DOM property of an element (`value`, `checked`…), as JSON.
    pub fn property(&self, e: &Element, name: &str) -> Value {
        self.get(&format!("/element/{}/property/{name}", e.id))
    }

    /// Clears an editable element.
    pub fn clear(&self, e: &Element) {
        self.post(&format!("/element/{}/clear", e.id), json!({}));
    }

    /// Types text into an element (after the text already there).
    pub fn type_text(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.id), json!({ "text": text }));
    }

    /// Clears the field matched by `css` and types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.clear(&e);
        if !text.is_empty() {
            self.type_text(&e, text);
        }
    }

    /// Clicks an element (and waits for a navigation it starts).
    pub fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.id), json!({}));
    }

    /// Clicks the element matched by `css`.
    pub fn click_on(&self, css: &str) {
        let e = self.find(css);
        self.click(&e);
    }

    /// Clicks a button that submits a form and waits (up to 10 s) until the next page has
    /// replaced this one, so later lookups cannot see the old page.
    pub fn submit_with(&self, css: &str) {
        self.execute("window.__tandem_old_page = true; return null;", vec![]);
        self.click_on(css);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let old = self.execute(
                "return document.readyState === 'complete' ? (window.__tandem_old_page === true) : true;",
                vec![],
            );
            if old == json!(false) {
                return;
            }
            if std::time::Instant::now() > deadline {
                panic!("clicking {css} did not load a new page within 10 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Runs a synchronous script (`return …;`) with arguments; elements may be passed as
    /// arguments with [`Session::element_arg`].
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// An element as a script argument.
    pub fn element_arg(e: &Element) -> Value {
        e.reference()
    }

    /// Deletes every cookie of the current page's site (signs the browser out).
    pub fn delete_cookies(&self) {
        command(&self.agent, "DELETE", &format!("{}/cookie", self.url), None)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Sets the window's outer size in CSS pixels.
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height }));
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        let b64 = self.get("/screenshot");
        decode_base64(b64.as_str().unwrap_or_default()).expect("the screenshot is base64")
    }

    /// Saves a PNG screenshot of the viewport to `dir/name.png` and returns the path.
    pub fn save_screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        let png = self.screenshot_png();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot {name} is not a PNG"
        );
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = command(&self.agent, "DELETE", &self.url, None);
    }
}

/// Decodes standard base64 (RFC 4648 §4, with `=` padding; whitespace ignored). `None` on a
/// character outside the alphabet.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_decodes_the_rfc_4648_vectors() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode_base64(enc).unwrap(), dec.as_bytes(), "{enc}");
        }
        assert!(decode_base64("Zm9v!").is_none());
    }
}
