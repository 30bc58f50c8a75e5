//! Signed webhooks against a real HTTP receiver on loopback: an institution's subscription
//! gets its own incidents' events (reported, severity changed, stage late), a national one
//! what coordinators read; TLP:RED never leaves; every request's signature checks with
//! OpenSSL's HMAC, and a receiver's failure is recorded with its status.

mod common;

use axum::http::{HeaderMap, Method, StatusCode};
use centinela_store::Actor;
use centinela_store::incidents::{self as store, NewIncident};
use common::{Call, World, worlds_with};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver answering `status` to every POST, keeping what it got.
async fn receiver(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push((headers, body));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

/// Waits until `seen` holds a request whose body contains every needle.
async fn wait_for(seen: &Seen, needles: &[&str]) -> (HeaderMap, String) {
    for _ in 0..200 {
        if let Some(hit) = seen
            .lock()
            .unwrap()
            .iter()
            .find(|(_, b)| needles.iter().all(|n| b.contains(n)))
            .cloned()
        {
            return hit;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no delivery containing {needles:?} within 10 s");
}

/// OpenSSL's HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
fn openssl_signature(secret: &str, timestamp: &str, body: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{timestamp}.{body}").as_bytes())
        .unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    format!("sha256={}", out.trim().rsplit(' ').next().unwrap())
}

fn draft(inst: Uuid, tlp: &str, title: &str) -> Value {
    json!({
        "reporter_institution": inst,
        "title": title,
        "description": "Cifrado de servidores de archivos",
        "detected_at": "2026-11-29T10:00:00Z",
        "aware_at": "2026-11-29T10:20:00Z",
        "classifications": [{"class": "malicious-code", "type": "infected-system"}],
        "tlp": tlp,
        "pap": "PAP:AMBER",
        "impact": {"functional_impact": "significant-non-critical", "information_impact": "suspected-breach", "recoverability": "supplemented",
                   "people_affected": 1000, "essential_service": false, "institutions_affected": 1, "cross_border": false},
        "observables": []
    })
}

async fn report(w: &World, token: &str, inst: Uuid, tlp: &str, title: &str) -> Value {
    let r = Call::new(Method::POST, "/api/v1/incidents")
        .token(Some(token))
        .json(&draft(inst, tlp, title))
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

fn subscribe<'a>(token: &'a str, path: String, url: &str, events: Option<&[&str]>) -> Call<'a> {
    let mut body = json!({"url": url});
    if let Some(e) = events {
        body["events"] = json!(e);
    }
    Call::new(Method::POST, path).token(Some(token)).json(&body)
}

#[tokio::test]
async fn incident_events_reach_subscribers_signed_and_within_their_scope() {
    let settings = centinela_web::WebSettings {
        webhooks_allow_local: true,
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let (own_url, own_seen) = receiver(StatusCode::OK).await;
        let (national_url, national_seen) = receiver(StatusCode::NO_CONTENT).await;
        let (broken_url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;

        // Bad subscriptions are refused.
        for (url, events) in [
            ("ftp://x/hook", None),
            ("no es una url", None),
            (own_url.as_str(), Some(&["incident.deleted"][..])),
            (own_url.as_str(), Some(&[][..])),
        ] {
            let r = subscribe(
                officer,
                format!("/api/v1/institutions/{}/webhooks", w.own),
                url,
                events,
            )
            .send(&w.app)
            .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{url}: {}",
                r.body
            );
        }
        let r = subscribe(
            officer,
            format!("/api/v1/institutions/{}/webhooks", w.own),
            &own_url,
            None,
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let own_hook = r.json();
        let secret = own_hook["secret"].as_str().unwrap().to_string();
        assert_eq!(secret.len(), 64);
        let listed = Call::get(format!("/api/v1/institutions/{}/webhooks", w.own))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert!(!listed.body.contains(&secret), "the secret is shown once");
        let r = subscribe(
            coordinator,
            "/api/v1/webhooks".into(),
            &national_url,
            Some(&["incident.severity_changed"]),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let national_secret = r.json()["secret"].as_str().unwrap().to_string();
        let r = subscribe(
            coordinator,
            format!("/api/v1/institutions/{}/webhooks", w.own),
            &broken_url,
            Some(&["incident.reported"]),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let broken = r.json()["id"].as_str().unwrap().to_string();

        // A report: the institution's receiver gets it, signed.
        let incident = report(&w, officer, w.own, "TLP:AMBER", "Cifrado en SAT").await;
        let reference = incident["reference"].as_str().unwrap();
        let (headers, body) = wait_for(&own_seen, &[reference]).await;
        assert_eq!(headers["x-centinela-event"], "incident.reported");
        let ts = headers["x-centinela-timestamp"].to_str().unwrap();
        assert_eq!(
            headers["x-centinela-signature"].to_str().unwrap(),
            openssl_signature(&secret, ts, &body)
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["incident"]["id"], incident["id"]);
        assert!(
            !body.contains("Cifrado de servidores"),
            "no report text leaves"
        );

        // The coordinator's override: the national subscription (severity only) and the
        // institution's both hear of it.
        let id = incident["id"].as_str().unwrap();
        let r = Call::new(Method::POST, format!("/api/v1/incidents/{id}/severity"))
            .token(Some(coordinator))
            .json(&json!({"level": "muy-alto", "reason": "Afecta la recaudación"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (headers, body) = wait_for(&national_seen, &[reference]).await;
        assert_eq!(headers["x-centinela-event"], "incident.severity_changed");
        let ts = headers["x-centinela-timestamp"].to_str().unwrap();
        assert_eq!(
            headers["x-centinela-signature"].to_str().unwrap(),
            openssl_signature(&national_secret, ts, &body)
        );
        wait_for(&own_seen, &["incident.severity_changed"]).await;

        // A late reporting stage.
        let late = store::create(
            w.db(),
            &Actor::system(),
            "CEN",
            &NewIncident {
                institution_id: w.own,
                protocol_id: "mx-apf-2025".into(),
                protocol_version: "2025.1".into(),
                title: "Tardío".into(),
                tlp: "TLP:AMBER".into(),
                level: "alto".into(),
                significant: true,
                class: "malicious-code".into(),
                kind: "ransomware".into(),
                detected_at: OffsetDateTime::now_utc() - time::Duration::hours(30),
                aware_at: OffsetDateTime::now_utc() - time::Duration::hours(30),
                draft: "{}".into(),
                assessment: "{}".into(),
                reported_at: None,
            },
        )
        .await
        .unwrap();
        centinela_web::late::check_once(&w.state, OffsetDateTime::now_utc())
            .await
            .unwrap();
        let (headers, body) =
            wait_for(&own_seen, &["\"event\":\"incident.late\"", &late.reference]).await;
        assert_eq!(headers["x-centinela-event"], "incident.late");
        assert!(
            body.contains(&late.reference) && body.contains("\"stage\":\""),
            "{body}"
        );

        // TLP:RED never leaves; another institution's incident is not SAT's business.
        let red = report(&w, officer, w.own, "TLP:RED", "Rojo").await;
        let pemex = report(&w, coordinator, w.other, "TLP:AMBER", "Cifrado en PEMEX").await;
        let marker = report(&w, officer, w.own, "TLP:GREEN", "Marcador").await;
        wait_for(&own_seen, &[marker["reference"].as_str().unwrap()]).await;
        let all: Vec<String> = own_seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect();
        for other in [&red, &pemex] {
            let r = other["reference"].as_str().unwrap();
            assert!(
                !all.iter().any(|b| b.contains(r)),
                "{r} must not reach SAT's receiver"
            );
        }
        assert!(national_seen.lock().unwrap().len() == 1, "severity only");

        // The failing receiver: the attempt is recorded with its status.
        let mut failed = Value::Null;
        for _ in 0..200 {
            let r = Call::get(format!(
                "/api/v1/institutions/{}/webhooks/{broken}/deliveries",
                w.own
            ))
            .token(Some(officer))
            .send(&w.app)
            .await;
            failed = r.json();
            if failed
                .as_array()
                .is_some_and(|a| a.iter().any(|d| d["last_status"] == 500))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            failed
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["state"] == "failed" && d["last_status"] == 500),
            "{failed}"
        );

        // Removed: nothing more is sent.
        let own_id = own_hook["id"].as_str().unwrap();
        let r = Call::new(
            Method::DELETE,
            format!("/api/v1/institutions/{}/webhooks/{own_id}", w.own),
        )
        .token(Some(officer))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let before = own_seen.lock().unwrap().len();
        // A witness subscribed after the removal: once it has the next report, the dispatcher
        // has been past that event for every subscription.
        let (witness_url, witness_seen) = receiver(StatusCode::OK).await;
        let r = subscribe(
            coordinator,
            "/api/v1/webhooks".into(),
            &witness_url,
            Some(&["incident.reported"]),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let after_removal = report(&w, officer, w.own, "TLP:GREEN", "Después").await;
        wait_for(
            &witness_seen,
            &[after_removal["reference"].as_str().unwrap()],
        )
        .await;
        assert_eq!(own_seen.lock().unwrap().len(), before);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn shared_incidents_reach_the_recipients_subscription_until_unshared() {
    let settings = centinela_web::WebSettings {
        webhooks_allow_local: true,
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let (sat_url, sat_seen) = receiver(StatusCode::OK).await;
        let r = subscribe(
            officer,
            format!("/api/v1/institutions/{}/webhooks", w.own),
            &sat_url,
            None,
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        // PEMEX's incident is not SAT's business until it is shared with SAT.
        let pemex = report(&w, coordinator, w.other, "TLP:AMBER", "Compartido").await;
        let reference = pemex["reference"].as_str().unwrap();
        let id = pemex["id"].as_str().unwrap();
        let r = Call::new(Method::POST, format!("/api/v1/incidents/{id}/recipients"))
            .token(Some(coordinator))
            .json(&json!({"institution_id": w.own}))
            .send(&w.app)
            .await;
        assert!(r.status.is_success(), "{}", r.body);
        let (headers, body) = wait_for(&sat_seen, &["incident.shared", reference]).await;
        assert_eq!(headers["x-centinela-event"], "incident.shared");
        assert!(!body.contains("Cifrado de servidores"), "no report text");
        assert!(
            !sat_seen
                .lock()
                .unwrap()
                .iter()
                .any(
                    |(h, b)| h["x-centinela-event"] == "incident.reported" && b.contains(reference)
                ),
            "the report itself came before the sharing"
        );
        let severity = |level: &'static str| {
            Call::new(Method::POST, format!("/api/v1/incidents/{id}/severity"))
                .token(Some(coordinator))
                .json(&json!({"level": level, "reason": "Revisión"}))
        };
        let r = severity("muy-alto").send(&w.app).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        wait_for(&sat_seen, &["incident.severity_changed", reference]).await;

        // Unshared: the next change stays with PEMEX. A SAT report afterwards is the witness
        // that the dispatcher went past that change.
        let r = Call::new(
            Method::DELETE,
            format!("/api/v1/incidents/{id}/recipients/{}", w.own),
        )
        .token(Some(coordinator))
        .send(&w.app)
        .await;
        assert!(r.status.is_success(), "{}", r.body);
        let r = severity("critico").send(&w.app).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let marker = report(&w, officer, w.own, "TLP:GREEN", "Testigo").await;
        wait_for(&sat_seen, &[marker["reference"].as_str().unwrap()]).await;
        let changes = sat_seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(h, b)| {
                h["x-centinela-event"] == "incident.severity_changed" && b.contains(reference)
            })
            .count();
        assert_eq!(changes, 1, "{}: nothing after unsharing", w.t.label);
        w.cleanup().await;
    }
}
