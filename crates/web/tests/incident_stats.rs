//! The incident statistics read from counts kept by triggers (migration 0015), the keyset
//! cursor, text search and concurrent numbering: each checked against a plain recomputation.

mod common;

use axum::http::StatusCode;
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::principal::{Principal, Via};
use centinela_core::tlp::Tlp;
use centinela_store::incidents::{self, NewIncident};
use centinela_store::{Actor, accounts, args, constituency};
use common::{Call, World, worlds};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const LABELS: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];
const LEVELS: [&str; 5] = ["bajo", "medio", "alto", "muy-alto", "critico"];
const CLASSES: [&str; 3] = ["fraud", "availability", "intrusions"];

#[allow(clippy::too_many_arguments)] // a test fixture: every column the cases vary
fn new_incident(
    institution: Uuid,
    title: &str,
    description: &str,
    tlp: &str,
    level: &str,
    class: &str,
    detected_at: OffsetDateTime,
    reported_at: OffsetDateTime,
) -> NewIncident {
    NewIncident {
        institution_id: institution,
        protocol_id: "mx-apf-2025".into(),
        protocol_version: "2025.1".into(),
        title: title.into(),
        tlp: tlp.into(),
        level: level.into(),
        significant: false,
        class: class.into(),
        kind: "other".into(),
        detected_at,
        aware_at: detected_at,
        draft: json!({ "description": description }).to_string(),
        assessment: "{}".into(),
        reported_at: Some(reported_at),
    }
}

async fn actor(w: &World, email: &str) -> (Actor, Principal) {
    let user = accounts::find_user_by_email(w.db(), email)
        .await
        .unwrap()
        .unwrap();
    let p = accounts::principal_for(w.db(), &user, Via::Token { write: true })
        .await
        .unwrap();
    (
        Actor {
            user_id: Some(user.id),
            email: email.into(),
        },
        p,
    )
}

#[derive(sqlx::FromRow)]
struct Plain {
    id: Uuid,
    reference: String,
    title: String,
    institution_id: Uuid,
    sector: String,
    class: String,
    level: String,
    tlp: String,
    reported_by: Uuid,
    detected_at: OffsetDateTime,
    first: Option<OffsetDateTime>,
}

/// The statistics as the first version computed them: every incident the caller may read,
/// counted in Rust.
async fn recount(w: &World, p: &Principal) -> Value {
    let rows: Vec<Plain> = w
        .db()
        .fetch_all(
            "SELECT i.id, i.reference, i.title, i.institution_id, inst.sector AS sector, i.class, i.level, i.tlp, \
             i.reported_by, i.detected_at, (SELECT MIN(s.at) FROM incident_submissions s WHERE s.incident_id = i.id) AS first \
             FROM incidents i JOIN institutions inst ON inst.id = i.institution_id",
            args![],
        )
        .await
        .unwrap();
    let mut rows: Vec<Plain> = rows
        .into_iter()
        .filter(|r| {
            let tlp = r.tlp.parse::<Tlp>().unwrap_or(Tlp::Red);
            let res = Resource::owned(ResourceKind::Incident, r.institution_id).labelled(
                tlp,
                vec![],
                vec![r.reported_by],
            );
            may(p, Action::Read, &res) == Decision::Allow
        })
        .collect();
    let mut dims: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    let mut hours = vec![];
    for r in &rows {
        let month = format!(
            "{:04}-{:02}",
            r.detected_at.year(),
            u8::from(r.detected_at.month())
        );
        for (d, k) in [
            ("month", month),
            ("class", r.class.clone()),
            ("level", r.level.clone()),
            ("sector", r.sector.clone()),
        ] {
            *dims.entry(d).or_default().entry(k).or_insert(0) += 1;
        }
        if let Some(first) = r.first {
            hours.push((first - r.detected_at).as_seconds_f64() / 3600.0);
        }
    }
    let list = |d: &str, by_count: bool| {
        let mut v: Vec<(String, i64)> = dims
            .get(d)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if by_count {
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        v.into_iter()
            .map(|(key, n)| json!({"key": key, "n": n}))
            .collect::<Vec<_>>()
    };
    hours.sort_by(f64::total_cmp);
    rows.retain(|r| r.level == "critico" || r.level == "muy-alto");
    rows.sort_by_key(|r| std::cmp::Reverse((r.detected_at, r.id)));
    rows.truncate(100);
    rows.reverse();
    let n = dims
        .get("month")
        .map(|m| m.values().sum::<i64>())
        .unwrap_or(0);
    json!({
        "total": n,
        "by_month": list("month", false),
        "by_class": list("class", true),
        "by_level": list("level", true),
        "by_sector": list("sector", true),
        "median_hours_to_report": (!hours.is_empty()).then(|| hours[hours.len() / 2]),
        "reported_within_24h": (!hours.is_empty())
            .then(|| hours.iter().filter(|h| **h <= 24.0).count() as f64 / hours.len() as f64),
        "timeline": rows.iter().map(|r| json!({
            "id": r.id, "date": r.detected_at.date().to_string(), "reference": r.reference,
            "title": r.title, "institution_id": r.institution_id, "level": r.level,
        })).collect::<Vec<_>>(),
    })
}

async fn stats(w: &World, role: &str) -> Value {
    let r = Call::get("/api/v1/incidents/stats")
        .token(Some(&w.tokens[role]))
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.body);
    r.json()
}

#[tokio::test]
async fn statistics_from_the_counts_equal_a_recount() {
    for w in worlds().await {
        let (officer, officer_p) = actor(&w, "oficial.sat@centinela.example").await;
        let (coord, coord_p) = actor(&w, "coordinador@centinela.example").await;
        let (_, auditor_p) = actor(&w, "auditoria@centinela.example").await;
        let third = constituency::find_institution_by_slug(w.db(), "imss")
            .await
            .unwrap()
            .unwrap()
            .id;
        let institutions = [w.own, w.other, third];
        let actors = [officer.clone(), coord.clone(), Actor::system()];
        let base = datetime!(2025-01-15 10:00 UTC);
        let mut made = vec![];
        // 200 incidents over institutions, labels, levels (most severe, so the timeline is
        // cut), classes, reporters and months (one detected at a local time whose UTC month
        // differs), most with a first stage whose delay crosses the 24 h line in every way.
        for k in 0..200usize {
            let detected = if k == 7 {
                datetime!(2025-03-31 23:30 -06:00)
            } else {
                base + Duration::days((k * 5) as i64) + Duration::minutes(k as i64 * 7)
            };
            let n = new_incident(
                institutions[k % 3],
                &format!("Incidente {k}"),
                "Descripción",
                LABELS[k % 5],
                if k % 10 == 0 {
                    LEVELS[(k / 10) % 3]
                } else {
                    LEVELS[3 + k % 2]
                },
                CLASSES[(k / 3) % 3],
                detected,
                detected + Duration::hours(1),
            );
            let row = incidents::create(w.db(), &actors[(k / 5) % 3], "CEN", &n)
                .await
                .unwrap();
            let delays = [
                Duration::hours(24),
                Duration::hours(24) + Duration::milliseconds(500),
                Duration::hours(24) - Duration::milliseconds(300),
                Duration::minutes(90),
                Duration::seconds(3600 * 30 + 1),
                Duration::hours(2) + Duration::nanoseconds(1),
            ];
            if k % 7 != 0 {
                incidents::submit_stage_at(
                    w.db(),
                    &officer,
                    &row,
                    "initial-report",
                    detected + delays[k % delays.len()],
                )
                .await
                .unwrap();
            }
            if k % 11 == 0 {
                // A later stage does not move the first; an earlier one does.
                for (stage, after) in [
                    ("update", Duration::hours(50)),
                    ("early", Duration::minutes(5)),
                ] {
                    incidents::submit_stage_at(w.db(), &officer, &row, stage, detected + after)
                        .await
                        .unwrap();
                }
            }
            made.push(row);
        }
        // Changes after the report: a severity override and a relabel keep the counts right.
        for row in made.iter().step_by(13) {
            w.db()
                .execute(
                    "UPDATE incidents SET level = 'critico', tlp = 'TLP:GREEN' WHERE id = $1",
                    args![row.id],
                )
                .await
                .unwrap();
        }
        for (role, p) in [
            ("coordinator", &coord_p),
            ("officer", &officer_p),
            ("auditor", &auditor_p),
        ] {
            let fast = stats(&w, role).await;
            let slow = recount(&w, p).await;
            assert_eq!(fast, slow, "{} {role}", w.t.label);
        }
        let coord_stats = stats(&w, "coordinator").await;
        assert_eq!(
            coord_stats["timeline"].as_array().unwrap().len(),
            100,
            "the timeline is capped"
        );
        let officer_stats = stats(&w, "officer").await;
        assert!(
            officer_stats["total"].as_i64().unwrap() < coord_stats["total"].as_i64().unwrap()
                && officer_stats["total"].as_i64().unwrap() > 0
        );
        let page = Call::get("/incidents/statistics")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert!(
            page.body.contains("/incidents?level=critico"),
            "the capped timeline links to the rest"
        );
        w.cleanup().await;
    }
}

async fn references(w: &World, query: &str) -> Vec<String> {
    let r = Call::get(format!("/api/v1/incidents?{query}"))
        .token(Some(&w.tokens["coordinator"]))
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    let mut refs: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    refs.sort();
    refs
}

#[tokio::test]
async fn search_ignores_case_and_accents_on_both_backends() {
    for w in worlds().await {
        let at = datetime!(2026-02-01 12:00 UTC);
        for (title, description) in [
            ("Intrusión en el servidor", "Acceso no autorizado"),
            ("Campaña de correo", "RANSOMWARE en estaciones"),
            ("Escaneo", "Puertos abiertos 50%_off"),
        ] {
            let n = new_incident(
                w.own,
                title,
                description,
                "TLP:GREEN",
                "bajo",
                "fraud",
                at,
                at,
            );
            incidents::create(w.db(), &Actor::system(), "CEN", &n)
                .await
                .unwrap();
        }
        for (q, expected) in [
            ("intrusion", vec!["Intrusión en el servidor"]),
            ("INTRUSIÓN", vec!["Intrusión en el servidor"]),
            ("campana", vec!["Campaña de correo"]),
            ("ransomware", vec!["Campaña de correo"]),
            ("Ransom", vec!["Campaña de correo"]),
            ("50%_off", vec!["Escaneo"]),
            ("50%", vec!["Escaneo"]),
            ("0%_", vec!["Escaneo"]),
            ("nada de esto", vec![]),
            ("%%%", vec![]),
            // Control characters match nothing a title holds, and break no query syntax.
            ("\u{15}\u{8}\"'", vec![]),
            ("ransom\u{7}ware", vec![]),
            // Nothing but control characters is no search at all.
            (
                "\u{1}\u{2}\u{3}\u{4}",
                vec!["Campaña de correo", "Escaneo", "Intrusión en el servidor"],
            ),
        ] {
            let q_enc: String = url_encode(q);
            assert_eq!(
                references(&w, &format!("q={q_enc}")).await,
                expected,
                "{} q={q}",
                w.t.label
            );
        }
        // NUL cannot reach the database; an over-long search is refused with its limit.
        for (query, field_message) in [
            ("q=abc%00def", None),
            ("level=%00", None),
            (&*format!("q={}", "x".repeat(201)), Some("200")),
        ] {
            let r = Call::get(format!("/api/v1/incidents?{query}"))
                .token(Some(&w.tokens["coordinator"]))
                .send(&w.app)
                .await;
            match field_message {
                None => assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body),
                Some(max) => {
                    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
                    assert!(r.body.contains(max), "{}", r.body);
                }
            }
            let page = Call::get(format!("/incidents?{query}"))
                .token(Some(&w.tokens["coordinator"]))
                .send(&w.app)
                .await;
            assert!(page.status.is_client_error(), "{query}: {}", page.status);
        }
        // References are searchable too (by any part of them).
        let all = references(&w, "q=CEN-2026").await;
        assert_eq!(all.len(), 3, "{all:?}");
        // A common term (thousands of matches: SQLite walks the list instead) gives the same.
        let many: Vec<NewIncident> = (0..2100)
            .map(|k| {
                let t = at - Duration::minutes(k);
                new_incident(
                    w.other,
                    "Phishing masivo: campaña",
                    "Enlace a un sitio FALSO",
                    "TLP:GREEN",
                    "bajo",
                    "fraud",
                    t,
                    t,
                )
            })
            .collect();
        incidents::create_many(w.db(), &Actor::system(), "CEN", &many)
            .await
            .unwrap();
        let page = listed(&w, "/api/v1/incidents?q=MASIVO&limit=50").await;
        // A text search's count stops 200 matches past the page, and says so.
        assert_eq!(page["total"], 250, "{}", w.t.label);
        assert_eq!(page["total_exact"], false, "{}", w.t.label);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 50);
        assert!(
            items
                .iter()
                .all(|i| i["title"] == "Phishing masivo: campaña")
        );
        assert_eq!(items[0]["reported_at"], page_first_reported(&at));
        // The walk folds case and accents as the index does, in titles and descriptions.
        for q in [
            "CAMPANA",
            "Campaña",
            "sitio falso",
            "SÍTIO falso",
            "ÁSIVO: CÁMP",
        ] {
            let page = listed(
                &w,
                format!("/api/v1/incidents?q={}&limit=50", url_encode(q)),
            )
            .await;
            assert_eq!(page["total"], 250, "{} q={q}", w.t.label);
            assert_eq!(
                page["items"][0]["reported_at"],
                page_first_reported(&at),
                "{} q={q}",
                w.t.label
            );
        }
        // Within 200 of the last match the count is exact.
        let deep = listed(&w, "/api/v1/incidents?q=MASIVO&limit=50&offset=1900").await;
        assert_eq!(deep["total"], 2100, "{}", w.t.label);
        assert_eq!(deep["total_exact"], true, "{}", w.t.label);
        // One institution's matches are counted by walking its rows (PostgreSQL): the same.
        for (institution, total) in [(w.other, 250), (w.own, 0)] {
            let page = listed(
                &w,
                format!("/api/v1/incidents?q=masivo&institution={institution}&limit=50"),
            )
            .await;
            assert_eq!(page["total"], total, "{} {institution}", w.t.label);
        }
        // A list without a text search counts a thousand past the page.
        let plain = listed(
            &w,
            format!("/api/v1/incidents?institution={}&limit=50", w.other),
        )
        .await;
        assert_eq!(plain["total"], 1050, "{}", w.t.label);
        assert_eq!(plain["total_exact"], false, "{}", w.t.label);
        // Rows stored without their folded text (before migration 0026) are filled at start,
        // once, and the walk finds them again.
        if w.db().backend() == centinela_store::Backend::Sqlite {
            w.db()
                .execute("UPDATE incidents SET search_fold = NULL", args![])
                .await
                .unwrap();
            assert_eq!(
                references(&w, "q=campana&offset=1500").await.len(),
                0,
                "nothing folded, nothing walked"
            );
            let filled = incidents::fill_search_fold(w.db()).await.unwrap();
            assert!(filled >= 2103, "{filled}");
            assert_eq!(incidents::fill_search_fold(w.db()).await.unwrap(), 0);
            assert_eq!(references(&w, "q=campana&offset=1500").await.len(), 50);
        }
        let html = Call::get("/incidents?q=MASIVO")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert!(
            html.body.contains("More than 250 incidents")
                || html.body.contains("Más de 250 incidentes"),
            "{}: {}",
            w.t.label,
            html.body
        );
        w.cleanup().await;
    }
}

/// A list request as the coordinator, its JSON.
async fn listed(w: &World, path: impl Into<String>) -> Value {
    Call::get(path.into())
        .token(Some(&w.tokens["coordinator"]))
        .send(&w.app)
        .await
        .json()
}

fn page_first_reported(at: &OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_cursor_walks_the_whole_list_in_order() {
    for w in worlds().await {
        let at = datetime!(2026-03-01 12:00 UTC);
        for k in 0..7i64 {
            // Pairs share a report time: the cursor must order them by id.
            let reported = at + Duration::minutes(k / 2);
            let n = new_incident(
                w.own,
                "Listado",
                "",
                "TLP:GREEN",
                "bajo",
                "fraud",
                reported,
                reported,
            );
            incidents::create(w.db(), &Actor::system(), "CEN", &n)
                .await
                .unwrap();
        }
        let full = Call::get("/api/v1/incidents?q=Listado&limit=50")
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await
            .json();
        let ids = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect()
        };
        let want = ids(&full);
        assert_eq!(want.len(), 7);
        assert!(full["next"].is_null(), "one page: no next");
        let mut got = vec![];
        let mut path = "/api/v1/incidents?q=Listado&limit=3".to_string();
        for _ in 0..5 {
            let page = Call::get(path.clone())
                .token(Some(&w.tokens["officer"]))
                .send(&w.app)
                .await
                .json();
            got.extend(ids(&page));
            match page["next"].as_str() {
                Some(c) => path = format!("/api/v1/incidents?q=Listado&limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(got, want, "{}", w.t.label);
        let bad = Call::get("/api/v1/incidents?cursor=yesterday")
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.json()["error"].is_object(), "{}", bad.body);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_reports_get_distinct_references() {
    for w in worlds().await {
        let at = OffsetDateTime::now_utc();
        let mut tasks = vec![];
        for k in 0..24 {
            let db = w.db().clone();
            let inst = if k % 2 == 0 { w.own } else { w.other };
            tasks.push(tokio::spawn(async move {
                let n = new_incident(inst, "Paralelo", "", "TLP:AMBER", "bajo", "fraud", at, at);
                incidents::create(&db, &Actor::system(), "CEN", &n)
                    .await
                    .unwrap()
                    .reference
            }));
        }
        let mut refs = vec![];
        for t in tasks {
            refs.push(t.await.unwrap());
        }
        refs.sort();
        refs.dedup();
        assert_eq!(refs.len(), 24, "{} {refs:?}", w.t.label);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn reports_stored_together_are_numbered_per_year_in_order_each_with_its_audit_entry() {
    for w in worlds().await {
        let (coord, _) = actor(&w, "coordinador@centinela.example").await;
        let system = Actor::system();
        // Five reports of two years in one transaction, from two reporters.
        let years = [2031, 2032, 2031, 2031, 2032];
        let drafts: Vec<NewIncident> = years
            .iter()
            .map(|y| {
                let at = OffsetDateTime::new_utc(
                    time::Date::from_calendar_date(*y, time::Month::March, 3).unwrap(),
                    time::Time::MIDNIGHT,
                );
                new_incident(w.own, "Juntos", "", "TLP:GREEN", "bajo", "fraud", at, at)
            })
            .collect();
        let reports: Vec<incidents::Report<'_>> = drafts
            .iter()
            .enumerate()
            .map(|(k, n)| (if k % 2 == 0 { &coord } else { &system }, n))
            .collect();
        let rows = incidents::create_together(w.db(), "TOG", &reports)
            .await
            .unwrap();
        let number = |r: &str| r.rsplit('-').next().unwrap().parse::<i64>().unwrap();
        for y in [2031, 2032] {
            let mine: Vec<i64> = rows
                .iter()
                .filter(|r| r.reported_at.year() == y)
                .map(|r| {
                    assert!(
                        r.reference.starts_with(&format!("TOG-{y}-")),
                        "{}",
                        r.reference
                    );
                    number(&r.reference)
                })
                .collect();
            assert!(
                mine.windows(2).all(|p| p[1] == p[0] + 1),
                "{}: consecutive within {y} in report order: {mine:?}",
                w.t.label
            );
        }
        for (k, row) in rows.iter().enumerate() {
            let stored = incidents::get(w.db(), row.id).await.unwrap();
            assert_eq!(stored.reference, row.reference, "{}", w.t.label);
            assert_eq!(stored.reported_by, reports[k].0.user_id.unwrap_or_default());
            let entry =
                centinela_store::audit::find_for_record(w.db(), "incident", &row.id.to_string())
                    .await
                    .unwrap()
                    .unwrap_or_else(|| {
                        panic!("{}: an audit entry for {}", w.t.label, row.reference)
                    });
            assert_eq!(entry.actor_email, reports[k].0.email, "{}", w.t.label);
            assert_eq!(entry.action, "report");
        }
        w.cleanup().await;
    }
}

#[tokio::test]
async fn batched_reports_share_transactions_and_a_bad_one_fails_alone() {
    use centinela_store::report_batch::ReportBatcher;
    for w in worlds().await {
        let batcher = ReportBatcher::start(w.db().clone());
        let at = OffsetDateTime::now_utc();
        let (coord, coord_p) = actor(&w, "coordinador@centinela.example").await;
        // Round 1: 30 reports at once. Round 2: 20 more and one naming no institution (a
        // foreign-key violation), which must fail alone.
        let mut good = vec![];
        for round in 0..2 {
            let mut tasks = vec![];
            let n = if round == 0 { 30 } else { 21 };
            for k in 0..n {
                let b = batcher.clone();
                let actor = coord.clone();
                let inst = match (round, k) {
                    (1, 7) => Uuid::new_v4(),
                    _ if k % 2 == 0 => w.own,
                    _ => w.other,
                };
                tasks.push(tokio::spawn(async move {
                    let n = new_incident(inst, "Lote", "", "TLP:AMBER", "alto", "fraud", at, at);
                    (inst, b.create(&actor, "CEN", n).await)
                }));
            }
            for t in tasks {
                let (inst, result) = t.await.unwrap();
                if inst == w.own || inst == w.other {
                    good.push(result.unwrap_or_else(|e| panic!("{}: {e}", w.t.label)));
                } else {
                    assert!(result.is_err(), "{}: no such institution", w.t.label);
                }
            }
        }
        assert!(
            batcher.largest_batch() > 1,
            "{}: reports arriving together shared a transaction",
            w.t.label
        );
        let mut refs: Vec<&str> = good.iter().map(|r| r.reference.as_str()).collect();
        refs.sort();
        refs.dedup();
        assert_eq!(refs.len(), 50, "{}: distinct references", w.t.label);
        for row in &good {
            let stored = incidents::get(w.db(), row.id).await.unwrap();
            assert_eq!(stored.reference, row.reference, "{}", w.t.label);
        }
        // Counters kept by triggers inside the shared transactions still equal a recount.
        let stats = stats(&w, "coordinator").await;
        let want = recount(&w, &coord_p).await;
        assert_eq!(stats["total"], want["total"], "{}", w.t.label);
        assert_eq!(stats["by_class"], want["by_class"], "{}", w.t.label);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn the_median_delay_is_exact_among_delays_seconds_apart() {
    for w in worlds().await {
        let (officer, officer_p) = actor(&w, "oficial.sat@centinela.example").await;
        let (_, coord_p) = actor(&w, "coordinador@centinela.example").await;
        let base = datetime!(2025-06-02 08:00 UTC);
        // 121 distinct delays milliseconds to seconds apart around 5 h (one hour bucket, and
        // several within the stored delay's one-second rounding of each other), and 40 spread
        // over other buckets: any off-by-one in locating the median changes the answer.
        let mut delays: Vec<Duration> = (0..121i64)
            .map(|i| Duration::hours(5) + Duration::milliseconds((i * 7919) % 121 * 83))
            .collect();
        delays.extend((0..40i64).map(|i| Duration::minutes(20 + i * 37)));
        for (k, delay) in delays.iter().enumerate() {
            let detected = base + Duration::minutes(k as i64);
            let n = new_incident(
                if k % 4 == 0 { w.other } else { w.own },
                &format!("Demora {k}"),
                "",
                "TLP:GREEN",
                "medio",
                "fraud",
                detected,
                detected + Duration::minutes(1),
            );
            let row = incidents::create(w.db(), &officer, "CEN", &n)
                .await
                .unwrap();
            incidents::submit_stage_at(w.db(), &officer, &row, "initial-report", detected + *delay)
                .await
                .unwrap();
        }
        for (role, p) in [("coordinator", &coord_p), ("officer", &officer_p)] {
            let got = stats(&w, role).await;
            let want = recount(&w, p).await;
            assert!(
                want["median_hours_to_report"].is_number(),
                "{} {role}: {want}",
                w.t.label
            );
            assert_eq!(
                got["median_hours_to_report"], want["median_hours_to_report"],
                "{} {role}",
                w.t.label
            );
            assert_eq!(
                got["reported_within_24h"], want["reported_within_24h"],
                "{} {role}",
                w.t.label
            );
        }
        w.cleanup().await;
    }
}
