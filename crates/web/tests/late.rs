//! Late reporting stages notify once: an official notice with sealed evidence to the
//! institution, and an e-mail over SMTP to the officers and coordinators the protocol names,
//! received here by a real SMTP server (Python's aiosmtpd) on loopback.
//!
//! Needs `/var/tmp/centinela-venv-mail` with aiosmtpd (`CENTINELA_MAIL_PY` overrides the
//! interpreter); `scripts/test.sh` makes it.

mod common;

use centinela_store::Actor;
use centinela_store::incidents::{self as store, NewIncident};
use common::smtp::{received, start_smtp};
use common::worlds_with;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

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
        w.cleanup().await;
    }
}
