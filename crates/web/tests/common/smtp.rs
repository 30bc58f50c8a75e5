//! A real SMTP server (Python's aiosmtpd) on loopback that stores what it receives, for the
//! tests of outgoing e-mail. Needs `/var/tmp/centinela-venv-mail` with aiosmtpd
//! (`CENTINELA_MAIL_PY` overrides the interpreter); `scripts/test.sh` makes it.

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

/// A stored message with quoted-printable soft breaks and escapes undone, so that
/// assertions can look for text in the body.
pub fn decoded(message: &str) -> String {
    let s = message.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'='
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the server holds `n` messages satisfying `keep` (or 20 s pass).
pub async fn wait_for(dir: &std::path::Path, n: usize, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut messages = vec![];
    for _ in 0..200 {
        messages = received(dir)
            .iter()
            .map(|m| decoded(m))
            .filter(|m| keep(m))
            .collect();
        if messages.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    messages
}
