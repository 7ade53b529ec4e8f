//! Headless Chromium driven over the Chrome DevTools Protocol: just enough to open a page, read the live DOM,
//! move the mouse, press keys and take screenshots, from a Rust test.
//!
//! The browser is Debian's `chromium` (`/usr/bin/chromium`, or `SHIFTGATE_CHROMIUM`), started with a fresh profile
//! and its DevTools endpoint on 127.0.0.1 only. When it is not installed the tests that need it print a loud
//! SKIPPED line and pass, except where the browser is required (`SHIFTGATE_REQUIRE_BROWSER=1`, set by `.ci/run`,
//! or `CI=true`): there its absence fails the test.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long one protocol call, or a wait for the page, may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One headless Chromium with one page, closed on drop.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    ws: Socket,
    child: Child,
    _profile: tempfile::TempDir,
    next_id: u64,
    session: String,
    /// Protocol events received so far (`{"method": ..., "params": ...}`).
    pub events: Vec<Value>,
}

fn required() -> bool {
    std::env::var("SHIFTGATE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The Chromium binary, if there is one.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SHIFTGATE_CHROMIUM") {
        // Named explicitly: that one or none (a missing file counts as no browser).
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Starts the browser, or returns `None` after a loud message when it is absent and not required.
pub fn launch(test: &str) -> Option<Browser> {
    match chromium() {
        Some(bin) => Some(Browser::start(&bin)),
        None if required() => panic!(
            "{test}: headless Chromium is required here (SHIFTGATE_REQUIRE_BROWSER=1 or CI=true) but none was found: \
             apt-get install -y chromium, or set SHIFTGATE_CHROMIUM"
        ),
        None => {
            // Written to the stderr handle itself: the test harness captures `eprintln!`, and this must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: no Chromium found (apt-get install -y chromium, or set SHIFTGATE_CHROMIUM). \
                 The browser tests did NOT run. ***\n"
            );
            None
        }
    }
}

impl Browser {
    fn start(bin: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1440,1000",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        // Chromium prints its DevTools endpoint on stderr; keep draining stderr afterwards so it never blocks.
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(CALL_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("{} did not open its DevTools endpoint within {CALL_TIMEOUT:?}", bin.display());
            }
        };
        assert!(url.starts_with("ws://127.0.0.1:"), "DevTools endpoint not on 127.0.0.1: {url}");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let (ws, _) = rt.block_on(tokio_tungstenite::connect_async(url.as_str())).expect("DevTools websocket");
        let mut b =
            Browser { rt, ws, child, _profile: profile, next_id: 0, session: String::new(), events: Vec::new() };
        let target = b.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = b.call_browser("Target.attachToTarget", json!({"targetId": target_id, "flatten": true}));
        b.session = attached["sessionId"].as_str().expect("sessionId").to_string();
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            b.call(domain, json!({}));
        }
        b.viewport(1440, 1000);
        b
    }

    fn send(&mut self, message: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = message;
        message["id"] = json!(id);
        let deadline = Instant::now() + CALL_TIMEOUT;
        let (ws, events) = (&mut self.ws, &mut self.events);
        self.rt.block_on(async {
            ws.send(Message::text(message.to_string())).await.expect("send to the browser");
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let next = tokio::time::timeout(left, ws.next()).await;
                let msg = match next {
                    Ok(Some(Ok(m))) => m,
                    Ok(other) => panic!("browser connection ended: {other:?}"),
                    Err(_) => panic!("no answer to {} within {CALL_TIMEOUT:?}", message["method"]),
                };
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(&text).expect("protocol JSON");
                if v["id"] == json!(id) {
                    if let Some(err) = v.get("error") {
                        panic!("{} failed: {err}", message["method"]);
                    }
                    return v["result"].clone();
                }
                if v.get("method").is_some() {
                    events.push(v);
                }
            }
        })
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(json!({"method": method, "params": params}))
    }

    /// A protocol call on the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(json!({"method": method, "params": params, "sessionId": session}))
    }

    /// Sets the viewport size in CSS pixels.
    pub fn viewport(&mut self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// Opens a file and waits until the page says it is interactive (`<html data-ready="1">`); returns the
    /// milliseconds from navigation start to that moment, as the page measured it.
    pub fn open(&mut self, file: &Path) -> f64 {
        self.events.clear();
        let url = file_url(file);
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && document.documentElement.dataset.ready === '1'");
        let ms = self.eval("performance.getEntriesByName('sg-interactive')[0].startTime");
        ms.as_f64().expect("interactive mark")
    }

    /// Evaluates an expression in the page and returns its value (promises awaited). A script error fails the test.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}\nthrew: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until an expression is true.
    pub fn wait_for(&mut self, expression: &str) {
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            if self.eval(&format!("!!({expression})")) == json!(true) {
                return;
            }
            if let Some(e) = self.exceptions().first() {
                panic!("the page threw while waiting for {expression}: {e}");
            }
            assert!(Instant::now() < deadline, "timed out waiting for {expression}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Moves the mouse to a point of the viewport.
    pub fn mouse_to(&mut self, x: f64, y: f64) {
        self.call("Input.dispatchMouseEvent", json!({"type": "mouseMoved", "x": x, "y": y}));
    }

    /// Presses and releases a key (`Tab`, `Escape`, `Enter`), with Shift when asked.
    pub fn key(&mut self, key: &str, shift: bool) {
        let code = match key {
            "Tab" => 9,
            "Enter" => 13,
            "Escape" => 27,
            _ => 0,
        };
        let modifiers = if shift { 8 } else { 0 };
        for kind in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": modifiers}),
            );
        }
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().expect("data")).expect("base64 PNG")
    }

    /// Uncaught exceptions the page threw so far.
    pub fn exceptions(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Runtime.exceptionThrown")
            .map(|e| e["params"]["exceptionDetails"].to_string())
            .collect()
    }

    /// URLs the page requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| e["params"]["request"]["url"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Dialogs (`alert`, `confirm`, `prompt`) the page opened so far.
    pub fn dialogs(&self) -> usize {
        self.events.iter().filter(|e| e["method"] == "Page.javascriptDialogOpening").count()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `file:///...` for an absolute path (percent-encoding what a URL path cannot hold).
pub fn file_url(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => url.push(b as char),
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}
