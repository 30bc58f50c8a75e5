//! A real browser against the real application: headless Chromium driven over the W3C
//! WebDriver protocol (chromedriver), talking to the server started in-process on a fresh,
//! demo-seeded SQLite database.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`);
//! without them the test fails rather than passing silently. CI installs them and runs
//! browser tests one at a time:
//!
//! ```text
//! apt-get install -y chromium chromium-driver
//! cargo test -p centinela-web --test browser -- --nocapture
//! ```
//!
//! The WebDriver client is a few dozen lines over `std::net::TcpStream` (HTTP/1.1,
//! `Connection: close`), so the test adds no dependency.

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL_HINT: &str = "run `apt-get install -y chromium chromium-driver` (CI installs them)";
/// How long a condition may take to become true before the test fails.
const WAIT: Duration = Duration::from_secs(10);
/// Signing in hashes a password with Argon2, which an unoptimised test build does slowly.
const LOGIN_WAIT: Duration = Duration::from_secs(60);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const COORDINATOR: &str = "coordinador@centinela.example";
const OFFICER: &str = "oficial.sat@centinela.example";

// ---------------------------------------------------------------------------------------------
// A minimal blocking HTTP/1.1 client, enough for chromedriver.

struct HttpResponse {
    status: u16,
    body: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a chunked body; `None` while it is still incomplete.
fn decode_chunked(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let size_line = std::str::from_utf8(&data[..line_end]).map_err(|e| e.to_string())?;
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|e| format!("chunked body: bad chunk size {size_hex:?}: {e}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if body.is_some() || method == "POST" {
        request.push_str("Content-Type: application/json; charset=utf-8\r\n");
        request.push_str(&format!("Content-Length: {}\r\n", payload.len()));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{method} {path}: write: {e}"))?;
    // Read until the response is complete: chromedriver may keep the connection open
    // despite `Connection: close`, so end-of-stream cannot be relied on.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut parsed: Option<(u16, usize, Option<usize>, bool)> = None;
    loop {
        if parsed.is_none()
            && let Some(head_end) = find(&raw, b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("{method} {path}: bad status line in {head:?}"))?;
            let mut length = None;
            let mut chunked = false;
            for line in lines {
                if let Some((name, value)) = line.split_once(':') {
                    let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                    if name == "content-length" {
                        length = value.parse::<usize>().ok();
                    } else if name == "transfer-encoding"
                        && value.to_ascii_lowercase().contains("chunked")
                    {
                        chunked = true;
                    }
                }
            }
            parsed = Some((status, head_end + 4, length, chunked));
        }
        if let Some((status, start, length, chunked)) = parsed {
            let rest = &raw[start..];
            if chunked {
                if let Some(body) = decode_chunked(rest)? {
                    return Ok(HttpResponse { status, body });
                }
            } else if let Some(n) = length
                && rest.len() >= n
            {
                return Ok(HttpResponse {
                    status,
                    body: rest[..n].to_vec(),
                });
            }
        }
        let n = stream
            .read(&mut buf)
            .map_err(|e| format!("{method} {path}: read: {e}"))?;
        if n == 0 {
            return match parsed {
                // Neither a length nor chunks: the body runs to the end of the stream.
                Some((status, start, None, false)) => Ok(HttpResponse {
                    status,
                    body: raw[start..].to_vec(),
                }),
                _ => Err(format!("{method} {path}: connection closed mid-response")),
            };
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

// ---------------------------------------------------------------------------------------------
// WebDriver.

#[derive(Debug)]
struct WdError {
    error: String,
    message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// chromedriver and the Chromium it starts; both end when this is dropped.
struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: Option<String>,
    profile: PathBuf,
    /// Console messages collected so far, as (level, message).
    console: Vec<(String, String)>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn require_installed() {
    for (path, what) in [(CHROMIUM, "Chromium"), (CHROMEDRIVER, "chromedriver")] {
        assert!(
            Path::new(path).exists(),
            "browser test: {what} is not installed at {path}; {INSTALL_HINT}"
        );
    }
}

impl Browser {
    fn start() -> Browser {
        require_installed();
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}; {INSTALL_HINT}"));
        let profile =
            std::env::temp_dir().join(format!("centinela-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).expect("temporary Chromium profile directory");
        let mut browser = Browser {
            driver,
            addr,
            session: None,
            profile,
            console: Vec::new(),
        };
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = http(addr, "GET", "/status", None, Duration::from_secs(2))
                .ok()
                .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
                .is_some_and(|v| v["value"]["ready"] == json!(true));
            if ready {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited at start ({status}); {INSTALL_HINT}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on port {port} within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile_arg = format!("--user-data-dir={}", browser.profile.display());
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--no-first-run",
                            "--disable-sync",
                            "--lang=es-MX",
                            "--window-size=1280,900",
                            profile_arg,
                        ],
                        // A browser set up for Mexico, so the first page is in Spanish
                        // whatever the machine's locale.
                        "prefs": { "intl.accept_languages": "es-MX,es" }
                    },
                    "goog:loggingPrefs": { "browser": "ALL" }
                }
            }
        });
        let value = browser
            .command("POST", "/session", Some(caps), Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}; {INSTALL_HINT}"));
        let id = value["sessionId"]
            .as_str()
            .expect("new session without a sessionId")
            .to_string();
        browser.session = Some(id);
        browser
    }

    /// Sends one WebDriver command; returns its `value`.
    fn command(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, WdError> {
        let res = http(self.addr, method, path, body.as_ref(), timeout).map_err(|e| WdError {
            error: "transport".into(),
            message: e,
        })?;
        let v: Value = serde_json::from_slice(&res.body).map_err(|e| WdError {
            error: "bad json".into(),
            message: format!(
                "{e} (status {}): {}",
                res.status,
                String::from_utf8_lossy(&res.body)
            ),
        })?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if res.status >= 400 || value.get("error").is_some_and(|e| e.is_string()) {
            return Err(WdError {
                error: value["error"].as_str().unwrap_or("unknown error").into(),
                message: value["message"].as_str().unwrap_or("").into(),
            });
        }
        Ok(value)
    }

    fn session_path(&self, rest: &str) -> String {
        format!(
            "/session/{}{rest}",
            self.session.as_deref().expect("a WebDriver session")
        )
    }

    fn cmd(&self, method: &str, rest: &str, body: Option<Value>) -> Result<Value, WdError> {
        self.command(
            method,
            &self.session_path(rest),
            body,
            Duration::from_secs(120),
        )
    }

    fn must(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        self.cmd(method, rest, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {rest}: {e}"))
    }

    fn goto(&mut self, url: &str) {
        self.must("POST", "/url", Some(json!({ "url": url })));
        self.collect_console();
    }

    fn script(&self, script: &str, args: Value) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    fn js(&self, script: &str) -> Value {
        self.script(script, json!([]))
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    fn find(&self, css: &str) -> Result<String, WdError> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        Ok(v[ELEMENT_KEY]
            .as_str()
            .expect("element reference")
            .to_string())
    }

    /// Waits for an element to be present, then returns it.
    fn element(&self, css: &str) -> String {
        let mut last = None;
        self.wait_until(&format!("element {css} to appear"), WAIT, || {
            match self.find(css) {
                Ok(id) => {
                    last = Some(id);
                    true
                }
                Err(_) => false,
            }
        });
        last.expect("element found")
    }

    fn click(&mut self, css: &str) {
        let id = self.element(css);
        self.must("POST", &format!("/element/{id}/click"), Some(json!({})));
        self.collect_console();
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.must("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.must(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Polls `cond` until it holds, failing the test after `limit`.
    fn wait_until(&self, what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if cond() {
                return;
            }
            if Instant::now() >= deadline {
                let state = self
                    .script(
                        "return location.href + ' | lang=' + document.documentElement.lang + ' | title=' + document.title;",
                        json!([]),
                    )
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .unwrap_or_else(|e| format!("(page state unavailable: {e})"));
                panic!("timed out after {limit:?} waiting for {what}; page: {state}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until a script returns exactly `expected`.
    fn wait_for(&self, what: &str, limit: Duration, script: &str, expected: Value) {
        let deadline = Instant::now() + limit;
        loop {
            let last = match self.script(script, json!([])) {
                Ok(v) if v == expected => return,
                Ok(v) => v,
                Err(e) => json!(format!("error: {e}")),
            };
            if Instant::now() >= deadline {
                let href = self.js("return location.href;");
                panic!(
                    "timed out after {limit:?} waiting for {what}: expected {expected}, last saw {last} (at {href})"
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_lang(&self, lang: &str, limit: Duration) {
        self.wait_for(
            &format!("a page in {lang}"),
            limit,
            "return document.readyState === 'complete' ? document.documentElement.lang : null;",
            json!(lang),
        );
    }

    fn wait_path(&self, path: &str, limit: Duration) {
        self.wait_for(
            &format!("the browser to be at {path}"),
            limit,
            "return document.readyState === 'complete' ? location.pathname : null;",
            json!(path),
        );
    }

    fn text(&self, css: &str) -> String {
        let v = self.js(&format!(
            "var e = document.querySelector({}); return e ? e.textContent : null;",
            json!(css)
        ));
        v.as_str()
            .unwrap_or_else(|| panic!("no element {css} on the page"))
            .trim()
            .to_string()
    }

    fn row_count(&self) -> i64 {
        self.js("return document.querySelectorAll('#institutions-table tbody tr').length;")
            .as_i64()
            .expect("a row count")
    }

    fn acronyms(&self) -> Vec<String> {
        let v = self.js(
            "return Array.from(document.querySelectorAll('#institutions-table tbody tr td:first-child'))\
             .map(function (td) { return td.textContent.trim(); });",
        );
        serde_json::from_value(v).expect("a list of acronyms")
    }

    fn delete_cookie(&self, name: &str) {
        self.must("DELETE", &format!("/cookie/{name}"), None);
    }

    fn cookie_names(&self) -> Vec<String> {
        let v = self.must("GET", "/cookie", None);
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Moves the browser's console messages gathered since the last call into `console`.
    fn collect_console(&mut self) {
        if let Ok(Value::Array(entries)) =
            self.cmd("POST", "/se/log", Some(json!({ "type": "browser" })))
        {
            for e in entries {
                let level = e["level"].as_str().unwrap_or("").to_string();
                let message = e["message"].as_str().unwrap_or("").to_string();
                self.console.push((level, message));
            }
        }
    }

    fn sign_in(&mut self, email: &str) {
        self.wait_path("/login", WAIT);
        self.type_into("#email", email);
        self.type_into("#password", centinela_store::seed::DEMO_PASSWORD);
        self.click("#login-submit");
        self.wait_path("/dashboard", LOGIN_WAIT);
        self.element("#kpi-institutions");
    }

    fn sign_out(&mut self) {
        self.click("#logout");
        self.wait_path("/login", WAIT);
        self.element("#login-submit");
    }

    fn switch_language(&mut self, to: &str) {
        self.click("#lang-switch");
        self.wait_lang(to, WAIT);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = self.session.take() {
            // Ends Chromium and its helpers.
            let _ = self.command(
                "DELETE",
                &format!("/session/{id}"),
                None,
                Duration::from_secs(20),
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Anything of this run's Chromium left behind is recognised by its own profile path.
        let marker = self.profile.display().to_string();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(&marker) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &name])
                        .stderr(Stdio::null())
                        .status();
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

// ---------------------------------------------------------------------------------------------
// The application.

struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

async fn start_server(db: &centinela_store::Db) -> Server {
    assert!(
        centinela_store::seed::seed_demo(db)
            .await
            .expect("seeding the demo constituency"),
        "a fresh database should be seeded"
    );
    let state = centinela_web::AppState::new(db.clone(), centinela_web::WebSettings::default())
        .await
        .expect("application state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port for the application");
    let addr = listener.local_addr().expect("bound address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(centinela_web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Server {
        base: format!("http://{addr}"),
        stop: Some(stop),
        task: Some(task),
    }
}

impl Server {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(Duration::from_secs(10), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => panic!("the server failed: {e}"),
                Ok(Err(e)) => panic!("the server task failed: {e}"),
                Err(_) => eprintln!("browser test: the server did not stop within 10 s"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The scenario.

fn coordinator_and_officer(b: &mut Browser, base: &str) {
    // Home redirects a stranger to the sign-in page, in Spanish.
    b.goto(&format!("{base}/"));
    b.wait_path("/login", WAIT);
    b.wait_lang("es-MX", WAIT);
    assert_eq!(b.text("h1"), "Iniciar sesión");

    // The coordinator signs in and lands on the dashboard.
    b.sign_in(COORDINATOR);
    b.wait_lang("es-MX", WAIT);
    assert_eq!(b.text("h1"), "Tablero nacional");
    assert_eq!(b.text("#kpi-institutions"), "74");
    assert!(
        b.cookie_names().iter().any(|c| c == "cnt_sid"),
        "signed in without a session cookie: {:?}",
        b.cookie_names()
    );

    // English, then Spanish again, from the same page.
    b.switch_language("en");
    b.wait_path("/dashboard", WAIT);
    assert_eq!(b.text("h1"), "National dashboard");
    assert_eq!(b.text("a[href='/institutions']"), "Institutions");
    assert_eq!(b.text("#lang-switch"), "Español");
    b.switch_language("es-MX");
    b.wait_path("/dashboard", WAIT);
    assert_eq!(b.text("a[href='/institutions']"), "Instituciones");
    assert_eq!(b.text("#lang-switch"), "English");

    // The institutions list: a full first page of the 74 demo institutions.
    b.goto(&format!("{base}/institutions"));
    b.wait_path("/institutions", WAIT);
    b.element("#institutions-table");
    let rows = b.row_count();
    assert!(rows >= 40, "expected at least 40 institutions, saw {rows}");
    let first_page = b.acronyms();
    assert!(
        first_page.iter().any(|a| a == "IMSS"),
        "IMSS missing from {first_page:?}"
    );
    assert!(b.text("#institutions-count").contains("74"));
    // Sorted by acronym, 50 to a page: SAT is on the second page.
    b.click(".pager a[href*='offset=50']");
    b.wait_until("the second page of institutions", WAIT, || {
        b.js("return location.search;")
            .as_str()
            .is_some_and(|s| s.contains("offset=50"))
            && b.acronyms().iter().any(|a| a == "SAT")
    });
    assert_eq!(b.row_count(), 74 - 50);
    b.goto(&format!("{base}/institutions"));
    b.wait_until("the first page of institutions", WAIT, || {
        b.row_count() >= 40
    });

    // Live search: htmx replaces the table without reloading the page.
    b.js("window.centinelaNoReload = true; return null;");
    b.type_into("#q", "tributaria");
    b.wait_for(
        "the search to leave only SAT",
        WAIT,
        "var rows = document.querySelectorAll('#institutions-table tbody tr'); \
         return rows.length === 1 ? rows[0].querySelector('td').textContent.trim() : rows.length;",
        json!("SAT"),
    );
    assert_eq!(
        b.js("return window.centinelaNoReload === true;"),
        json!(true),
        "the search reloaded the whole page instead of swapping the table"
    );
    b.wait_until("the search to be pushed to the address bar", WAIT, || {
        b.js("return location.search;")
            .as_str()
            .is_some_and(|s| s.contains("q=tributaria"))
    });
    // Clearing the box brings everyone back.
    b.type_into("#q", "");
    b.js("document.getElementById('q').dispatchEvent(new Event('input', {bubbles: true})); return null;");
    b.wait_until("the cleared search to list everyone again", WAIT, || {
        b.row_count() >= 40
    });
    b.collect_console();

    // The officer of SAT sees only SAT and is refused coordinators' pages.
    b.sign_out();
    b.wait_lang("es-MX", WAIT);
    b.sign_in(OFFICER);
    assert_eq!(b.text("#kpi-institutions"), "1");
    assert_eq!(
        b.js("return document.querySelectorAll('a[href=\"/audit\"]').length;"),
        json!(0),
        "an officer is offered the audit trail"
    );
    b.goto(&format!("{base}/institutions"));
    b.wait_path("/institutions", WAIT);
    b.element("#institutions-table");
    assert_eq!(b.acronyms(), vec!["SAT".to_string()]);
    assert_eq!(
        b.js("return document.querySelectorAll('#new-institution').length;"),
        json!(0),
        "an officer is offered to register institutions"
    );
    for page in ["/institutions/new", "/audit"] {
        b.goto(&format!("{base}{page}"));
        b.wait_path(page, WAIT);
        b.element("#error-message");
        let title = b.js("return document.title;");
        let title = title.as_str().unwrap_or_default();
        assert!(
            title.starts_with("403") || title.starts_with("404"),
            "{page} as an officer: expected a 403 or 404 page, got title {title:?}"
        );
        assert!(
            b.js("return document.querySelectorAll('#institutions-table, form[action=\"/institutions\"]').length;")
                == json!(0),
            "{page} as an officer shows coordinator content"
        );
        eprintln!(
            "browser test: officer at {page}: {title:?}: {}",
            b.text("#error-message")
        );
    }
    // On SAT's page the officer imports assets from a CSV file and sees them listed.
    b.goto(&format!("{base}/institutions"));
    b.click("#institutions-table tbody a");
    b.element("#inventory-import");
    let csv = std::env::temp_dir().join(format!("centinela-assets-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        "name,kind,address,ipv6,criticality\nPortal del navegador,server,portal.sat.gob.mx,true,high\n",
    )
    .expect("a temporary CSV");
    b.type_into("#import-file", csv.to_str().expect("a UTF-8 path"));
    b.click("#inventory-import button[type='submit']");
    b.wait_until("the imported asset on SAT's page", WAIT, || {
        b.js("return document.body.textContent.includes('Portal del navegador');") == json!(true)
    });
    let _ = std::fs::remove_file(&csv);
    b.goto(&format!("{base}/dashboard"));
    b.wait_path("/dashboard", WAIT);
    b.element("#ipv6-by-sector");
    b.sign_out();
}

fn language_is_remembered(b: &mut Browser, base: &str) {
    b.goto(&format!("{base}/login"));
    b.wait_lang("es-MX", WAIT);
    b.sign_in(COORDINATOR);
    b.wait_lang("es-MX", WAIT);
    b.switch_language("en");
    b.sign_out();
    // The browser remembers (cookie)...
    b.wait_lang("en", WAIT);
    assert_eq!(b.text("h1"), "Sign in");
    // ...and so does the account: forget the cookie, and signing in brings English back.
    b.delete_cookie("cnt_lang");
    b.goto(&format!("{base}/login"));
    b.wait_lang("es-MX", WAIT);
    b.sign_in(COORDINATOR);
    b.wait_lang("en", WAIT);
    assert_eq!(b.text("h1"), "National dashboard");
    assert_eq!(b.text("a[href='/institutions']"), "Institutions");
    // Leave the account as it was.
    b.switch_language("es-MX");
    b.sign_out();
}

fn is_csp_report(message: &str) -> bool {
    message.contains("Content Security Policy")
        || message.contains("Content-Security-Policy")
        || message.contains("Refused to")
}

/// Proves the console check is not vacuous: a violation provoked on purpose (an inline script
/// added to the page) must come back through the browser log.
fn csp_reports_reach_the_test(b: &mut Browser, base: &str) {
    b.goto(&format!("{base}/login"));
    b.wait_path("/login", WAIT);
    b.js(
        "var s = document.createElement('script'); s.textContent = 'window.centinelaInline = 1;'; \
          document.head.appendChild(s); return null;",
    );
    assert_eq!(
        b.js("return window.centinelaInline === undefined;"),
        json!(true),
        "the CSP let an inline script run"
    );
    let deadline = Instant::now() + WAIT;
    loop {
        b.collect_console();
        if b.console.iter().any(|(_, m)| is_csp_report(m)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "a CSP violation provoked on purpose never reached the browser log \
             (goog:loggingPrefs not honoured?); saw {:?}",
            b.console
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn browser_login_language_institutions_and_officer_refusal() {
    require_installed();
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let test_db = rt.block_on(async {
        centinela_store::testing::TestDb::sqlite()
            .await
            .expect("temporary SQLite database")
    });
    let server = rt.block_on(start_server(&test_db.db));
    let base = server.base.clone();

    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut b = Browser::start();
        coordinator_and_officer(&mut b, &base);
        language_is_remembered(&mut b, &base);
        b.collect_console();
        let console = std::mem::take(&mut b.console);
        csp_reports_reach_the_test(&mut b, &base);
        console
        // `b` drops here: the session ends, chromedriver and Chromium are gone.
    }));

    rt.block_on(async {
        server.stop().await;
        test_db.cleanup().await;
    });
    let console = match outcome {
        Ok(console) => console,
        Err(panic) => std::panic::resume_unwind(panic),
    };

    for (level, message) in &console {
        eprintln!("browser console [{level}] {message}");
    }
    let csp: Vec<_> = console.iter().filter(|(_, m)| is_csp_report(m)).collect();
    assert!(
        csp.is_empty(),
        "the browser reported Content Security Policy violations: {csp:#?}"
    );
    eprintln!(
        "browser test: scenario done in {:.1} s ({} console messages, none about CSP)",
        started.elapsed().as_secs_f64(),
        console.len()
    );
}
