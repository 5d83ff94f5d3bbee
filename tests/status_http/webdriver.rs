//! A small synchronous WebDriver client: chromedriver on 127.0.0.1 driving Debian's
//! headless Chromium, over the same one-request-per-connection HTTP client.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use super::{free_addr, request, until};

/// The one command that installs what the browser tests need.
pub const INSTALL: &str = "apt-get update && apt-get install -y chromium chromium-driver";

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session; both end when dropped.
pub struct Browser {
    driver: Child,
    addr: String,
    session: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. Missing binaries fail the test with
    /// the command that installs them (never a silent skip).
    pub fn start() -> Browser {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            panic!(
                "the browser tests need Chromium and chromedriver (Debian's `chromium` and \
                 `chromium-driver` packages); install them with: {INSTALL}"
            );
        };
        let addr = free_addr();
        let port = addr.rsplit(':').next().unwrap_or("9515").to_string();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver}: {e}; reinstall with: {INSTALL}"));
        let mut browser = Browser {
            driver: child,
            addr,
            session: String::new(),
        };
        until(30, "chromedriver to answer", || {
            request(&browser.addr, "GET", "/status", &[], "")
                .ok()
                .filter(|r| r.status == 200)
        });
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1300,900"]
            }
        }}});
        let value = browser.call("POST", "/session", &caps);
        browser.session = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session from chromedriver: {value}"))
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value` (errors included, as JSON).
    pub fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" {
            String::new()
        } else {
            body.to_string()
        };
        let reply = request(
            &self.addr,
            method,
            path,
            &[("Content-Type", "application/json")],
            &body,
        )
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let v: Value = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}: {}", reply.body));
        v["value"].clone()
    }

    fn cmd(&self, method: &str, what: &str, body: &Value) -> Value {
        let path = format!("/session/{}{what}", self.session);
        self.call(method, &path, body)
    }

    pub fn open(&self, url: &str) {
        let v = self.cmd("POST", "/url", &json!({ "url": url }));
        assert!(v.get("error").is_none(), "open {url}: {v}");
    }

    /// The elements matching a CSS selector, as WebDriver ids.
    pub fn all(&self, css: &str) -> Vec<String> {
        let v = self.cmd(
            "POST",
            "/elements",
            &json!({"using": "css selector", "value": css}),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The one element matching `css` (waits up to 10 s for it).
    pub fn find(&self, css: &str) -> String {
        until(10, css, || self.all(css).into_iter().next())
    }

    pub fn text(&self, element: &str) -> String {
        let v = self.cmd("GET", &format!("/element/{element}/text"), &Value::Null);
        v.as_str().unwrap_or_default().to_string()
    }

    pub fn click(&self, element: &str) {
        self.cmd("POST", &format!("/element/{element}/click"), &json!({}));
    }

    pub fn clear(&self, element: &str) {
        self.cmd("POST", &format!("/element/{element}/clear"), &json!({}));
    }

    pub fn type_in(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            &json!({ "text": text }),
        );
    }

    /// The text of an open alert, if a script opened one.
    pub fn alert(&self) -> Option<String> {
        let v = self.cmd("GET", "/alert/text", &Value::Null);
        v.as_str().map(str::to_string)
    }

    /// The page's HTML source.
    pub fn source(&self) -> String {
        self.cmd("GET", "/source", &Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Saves a PNG screenshot of the window at `path`.
    pub fn screenshot(&self, path: &Path) {
        let v = self.cmd("GET", "/screenshot", &Value::Null);
        let data = base64(v.as_str().unwrap_or_default());
        assert!(data.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        std::fs::write(path, data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = request(&self.addr, "DELETE", &path, &[], "");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 decoding (what WebDriver screenshots are).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0_u32;
    let mut bits = 0;
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    out
}
