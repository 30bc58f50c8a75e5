//! A real SMTP server (Python's aiosmtpd) on loopback, storing what it receives in a Maildir.
//! Needs `/var/tmp/centinela-venv-mail` with aiosmtpd (`CENTINELA_MAIL_PY` overrides the
//! interpreter); `scripts/test.sh` makes it.

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::Duration;
use uuid::Uuid;

pub struct Smtp {
    child: Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start_smtp() -> Smtp {
    let py = std::env::var("CENTINELA_MAIL_PY")
        .unwrap_or_else(|_| "/var/tmp/centinela-venv-mail/bin/python".into());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("centinela-maildir-{}", Uuid::new_v4().simple()));
    let child = Command::new(&py)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&dir)
        .spawn()
        .unwrap_or_else(|e| panic!("{py} -m aiosmtpd ({e}): run scripts/test.sh to make the venv"));
    // Dropping the guard kills and reaps the server on every path, panics included.
    let smtp = Smtp { child, port, dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return smtp;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("aiosmtpd did not start on port {port}");
}

/// The messages aiosmtpd stored (Maildir `new/`).
pub fn received(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("new"))
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A stored message made readable: header lines unfolded with their RFC 2047 words
/// (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded, and the body decoded from quoted-printable
/// or base64, so tests can look for non-ASCII text and for text that crossed a soft break.
pub fn readable(raw: &str) -> String {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let word = |w: &str| -> Option<String> {
        let inner = w.strip_prefix("=?")?.strip_suffix("?=")?;
        let mut parts = inner.splitn(3, '?');
        let (_charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
        let bytes = match enc {
            "b" | "B" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()?,
            _ => quoted_printable(&text.replace('_', " ")),
        };
        String::from_utf8(bytes).ok()
    };
    let head: Vec<String> = head
        .lines()
        .map(|line| {
            let decoded: Vec<String> = line
                .split(' ')
                .map(|w| word(w).unwrap_or_else(|| format!("{w} ")))
                .collect();
            decoded.concat()
        })
        .collect();
    let head = head.join("\n");
    let lower = head.to_ascii_lowercase();
    let body = if lower.contains("content-transfer-encoding: quoted-printable") {
        String::from_utf8_lossy(&quoted_printable(&body.replace("=\n", ""))).into_owned()
    } else if lower.contains("content-transfer-encoding: base64") {
        let compact: String = body.split_whitespace().collect();
        String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default(),
        )
        .into_owned()
    } else {
        body.to_string()
    };
    format!("{head}\n\n{body}")
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Waits until the server holds `n` messages satisfying `keep` (or 20 s pass); the messages
/// are given [`readable`].
pub async fn wait_for(dir: &std::path::Path, n: usize, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut messages = vec![];
    for _ in 0..200 {
        messages = received(dir)
            .iter()
            .map(|m| readable(m))
            .filter(|m| keep(m))
            .collect();
        if messages.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    messages
}
