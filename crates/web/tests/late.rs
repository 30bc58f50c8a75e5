//! Late reporting stages notify once: an official notice with sealed evidence to the
//! institution, and an e-mail over SMTP to the officers and coordinators the protocol names,
//! received here by a real SMTP server (Python's aiosmtpd) on loopback.
//!
//! Needs `/var/tmp/centinela-venv-mail` with aiosmtpd (`CENTINELA_MAIL_PY` overrides the
//! interpreter); `scripts/test.sh` makes it.

mod common;

use centinela_store::Actor;
use centinela_store::incidents::{self as store, NewIncident};
use common::worlds_with;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

struct Smtp {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_smtp() -> Smtp {
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
fn received(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("new"))
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn incident(institution: Uuid, level: &str, detected_hours_ago: i64, title: &str) -> NewIncident {
    let now = OffsetDateTime::now_utc();
    let detected = now - time::Duration::hours(detected_hours_ago);
    NewIncident {
        institution_id: institution,
        protocol_id: "mx-apf-2025".into(),
        protocol_version: "2025.1".into(),
        title: title.into(),
        tlp: "TLP:AMBER".into(),
        level: level.into(),
        significant: true,
        class: "malicious-code".into(),
        kind: "ransomware".into(),
        detected_at: detected,
        aware_at: detected,
        draft: "{}".into(),
        assessment: "{}".into(),
        reported_at: None,
    }
}

#[tokio::test]
async fn a_late_stage_is_notified_once_in_the_application_and_by_email() {
    let smtp = start_smtp();
    let settings = centinela_web::WebSettings {
        mail: Some(
            centinela_web::mail::MailSettings::parse(
                &format!("smtp://127.0.0.1:{}", smtp.port),
                "centinela@csirt.gob.example",
            )
            .unwrap(),
        ),
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let late = store::create(
            w.db(),
            &Actor::system(),
            "CEN",
            &incident(w.own, "alto", 30, "Cifrado de servidores de archivos"),
        )
        .await
        .unwrap();
        // Late for weeks: recorded, not announced. Not significant: no stage, nothing to say.
        store::create(
            w.db(),
            &Actor::system(),
            "CEN",
            &incident(w.own, "alto", 24 * 30, "Antiguo"),
        )
        .await
        .unwrap();
        store::create(
            w.db(),
            &Actor::system(),
            "CEN",
            &incident(w.own, "bajo", 30, "Menor"),
        )
        .await
        .unwrap();
        // On time: submitted.
        let on_time = store::create(
            w.db(),
            &Actor::system(),
            "CEN",
            &incident(w.other, "alto", 30, "Reportado"),
        )
        .await
        .unwrap();
        store::submit_stage(w.db(), &Actor::system(), &on_time, "initial-report")
            .await
            .unwrap();

        let now = OffsetDateTime::now_utc();
        let pass = centinela_web::late::check_once(&w.state, now)
            .await
            .unwrap();
        assert_eq!(
            (pass.notified, pass.mails, pass.settled_silently),
            (1, 1, 1),
            "{}",
            w.t.label
        );
        let again = centinela_web::late::check_once(&w.state, now)
            .await
            .unwrap();
        assert_eq!(again, Default::default(), "once");

        // In the application: a late-stage notice to the institution, with evidence.
        let notices = centinela_store::trust::list_notices(
            w.db(),
            &centinela_store::Scope::Only(vec![w.own]),
            centinela_store::Page::default(),
        )
        .await
        .unwrap();
        let notice = notices
            .iter()
            .find(|n| n.kind == "late_stage")
            .expect("a late-stage notice");
        assert_eq!(notice.incident_id, Some(late.id));
        assert!(notice.subject.contains(&late.reference));
        let evidence = centinela_store::trust::list_evidence(w.db(), notice.id)
            .await
            .unwrap();
        assert_eq!(evidence.len(), 2);

        // By e-mail: to SAT's head and officer and to the coordinators, once.
        let mut messages = vec![];
        for _ in 0..200 {
            messages = received(&smtp.dir)
                .into_iter()
                .filter(|m| m.contains(&late.reference))
                .collect();
            if !messages.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(messages.len(), 1, "{}", w.t.label);
        let m = &messages[0];
        let rcpt = m
            .lines()
            .find(|l| l.starts_with("X-RcptTo:"))
            .expect("aiosmtpd records the envelope recipients");
        let officers = centinela_store::constituency::list_officers(w.db(), w.own)
            .await
            .unwrap();
        assert_eq!(officers.len(), 2);
        for o in &officers {
            assert!(rcpt.contains(&o.email), "{rcpt} lacks {}", o.email);
        }
        assert!(rcpt.contains("coordinador@centinela.example"), "{rcpt}");
        assert!(!m.contains("Antiguo") && !m.contains("Reportado"));
        assert!(m.contains("X-MailFrom: centinela@csirt.gob.example"));

        // The list filters on late stages; the dashboard charts them by sector.
        let coordinator = w.tokens["coordinator"].as_str();
        let list = |query: &'static str| {
            common::Call::get(format!("/api/v1/incidents?{query}&limit=200"))
                .token(Some(coordinator))
        };
        let late_list = list("late=true").send(&w.app).await;
        assert_eq!(late_list.status, axum::http::StatusCode::OK);
        assert!(
            late_list.body.contains(&late.reference),
            "{}",
            late_list.body
        );
        assert!(late_list.body.contains("Antiguo"));
        assert!(!late_list.body.contains(&on_time.reference) && !late_list.body.contains("Menor"));
        let timely = list("late=false").send(&w.app).await;
        assert!(timely.body.contains(&on_time.reference) && timely.body.contains("Menor"));
        assert!(!timely.body.contains(&late.reference));
        let by_sector = list("late=true&sector=health").send(&w.app).await;
        assert!(
            !by_sector.body.contains(&late.reference),
            "SAT is not in health"
        );
        let sat_sector = centinela_store::constituency::get_institution(w.db(), w.own)
            .await
            .unwrap()
            .sector;
        let r = common::Call::get(format!(
            "/api/v1/incidents?late=true&sector={sat_sector}&limit=200"
        ))
        .token(Some(coordinator))
        .send(&w.app)
        .await;
        assert!(r.body.contains(&late.reference), "{sat_sector}");
        let dashboard = common::Call::get("/dashboard")
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert!(
            dashboard.body.contains("id=\"late-chart\""),
            "{}",
            dashboard.body
        );
        let page = common::Call::get("/incidents?late=true")
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert!(page.body.contains(&late.reference) && !page.body.contains(&on_time.reference));
        w.cleanup().await;
    }
}
