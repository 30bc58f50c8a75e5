//! Following campaigns over time: the trend across campaigns (national and by sector, scoped
//! to the caller) on known answers, and e-mail reminders before and after the due date to
//! institutions whose assessment is incomplete, received by a real SMTP server (aiosmtpd).

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::assessments::{self as store, NewAnswer};
use centinela_store::{Actor, constituency};
use common::smtp::{readable, received, start_smtp};
use common::{Call, World, api, days_from_today, worlds, worlds_with};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// A campaign of the shipped baseline for `institutions`, due in `days`; its id.
async fn campaign(w: &World, title: &str, days: i64, institutions: &[Uuid]) -> Uuid {
    let versions = store::list_versions(w.db()).await.unwrap();
    let shipped = versions.iter().find(|v| v.version == "0.1.0").unwrap().id;
    let (s, c) = api(
        w,
        "coordinator",
        Method::POST,
        "/api/v1/campaigns",
        Some(json!({"title": title, "version_id": shipped, "due_on": days_from_today(days), "institutions": institutions})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().parse().unwrap()
}

async fn assessment(w: &World, campaign: Uuid, institution: Uuid) -> store::AssessmentSummary {
    store::list_assessments(
        w.db(),
        &centinela_store::Scope::All,
        Some(campaign),
        Some(institution),
    )
    .await
    .unwrap()
    .remove(0)
}

async fn answer(
    w: &World,
    campaign: Uuid,
    institution: Uuid,
    measure: &str,
    status: &str,
    maturity: i64,
) {
    let a = assessment(w, campaign, institution).await;
    let n = NewAnswer {
        measure_id: measure.into(),
        status: status.into(),
        reason: String::new(),
        maturity: Some(maturity),
        comment: String::new(),
        evidence: "[]".into(),
    };
    store::save_answer(w.db(), &Actor::system(), institution, a.id, &n)
        .await
        .unwrap();
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[tokio::test]
async fn trend_across_campaigns_by_due_date() {
    for w in worlds().await {
        let (own, other) = (w.own, w.other);
        // A, due later but started first: SAT implemented (maturity 4), PEMEX partial (2).
        let a = campaign(&w, "Ronda A", 20, &[own, other]).await;
        answer(&w, a, own, "gob-1", "implemented", 4).await;
        answer(&w, a, other, "gob-1", "partial", 2).await;
        // B, due sooner: SAT only, not implemented (maturity 0).
        let b = campaign(&w, "Ronda B", 10, &[own]).await;
        answer(&w, b, own, "gob-1", "not_implemented", 0).await;

        let (s, t) = api(
            &w,
            "coordinator",
            Method::GET,
            "/api/v1/campaigns/trend",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        let points: Vec<&Value> = t["points"].as_array().unwrap().iter().collect();
        let ids: Vec<&str> = points
            .iter()
            .map(|p| p["campaign_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![b.to_string(), a.to_string()],
            "ordered by due date"
        );
        let (pb, pa) = (points[0], points[1]);
        assert!(close(&pa["national"]["compliance"], 0.75), "{pa}");
        assert!(close(&pa["national"]["maturity"], 3.0), "{pa}");
        assert_eq!(pa["national"]["institutions"], 2);
        assert!(close(&pb["national"]["compliance"], 0.0), "{pb}");
        assert!(close(&pb["national"]["maturity"], 0.0), "{pb}");
        // Progress is the campaign roll-up's: answered over expected measures.
        let (_, r) = api(
            &w,
            "coordinator",
            Method::GET,
            &format!("/api/v1/campaigns/{a}/rollup"),
            None,
        )
        .await;
        assert_eq!(pa["national"]["progress"], r["national"]["progress"]);
        assert!(pa["national"]["progress"].as_f64().unwrap() > 0.0);
        let own_sector = constituency::get_institution(w.db(), own)
            .await
            .unwrap()
            .sector;
        let other_sector = constituency::get_institution(w.db(), other)
            .await
            .unwrap()
            .sector;
        assert_ne!(
            own_sector, other_sector,
            "the demo's SAT and PEMEX differ in sector"
        );
        assert!(close(&pa["by_sector"][&own_sector]["compliance"], 1.0));
        assert!(close(&pa["by_sector"][&other_sector]["compliance"], 0.5));
        assert!(pb["by_sector"].get(&other_sector).is_none());

        // An officer's trend covers their own institution only.
        let (s, t) = api(&w, "officer", Method::GET, "/api/v1/campaigns/trend", None).await;
        assert_eq!(s, StatusCode::OK);
        let pa = t["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["campaign_id"] == a.to_string())
            .unwrap();
        assert_eq!(pa["national"]["institutions"], 1);
        assert!(close(&pa["national"]["compliance"], 1.0), "{pa}");
        assert!(pa["by_sector"].get(&other_sector).is_none(), "{pa}");
        let (s, _) = api(&w, "admin", Method::GET, "/api/v1/campaigns/trend", None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The campaigns page loads the line charts.
        let officer = w.tokens["officer"].as_str();
        let page = Call::get("/campaigns")
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert!(page.body.contains("hx-get=\"/campaigns/trend\""));
        let fragment = Call::get("/campaigns/trend")
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(fragment.status, StatusCode::OK);
        assert!(
            fragment.body.contains("id=\"trend-national\"")
                && fragment.body.contains("id=\"trend-sectors\"")
        );
        // Progress, compliance, maturity nationally; one sector (the officer's own).
        assert_eq!(
            fragment.body.matches("<polyline class=\"series\"").count(),
            4,
            "{}",
            fragment.body
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn reminders_go_once_to_incomplete_assessments() {
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
        let (own, other) = (w.own, w.other);
        let title = format!("Ronda {}", &Uuid::new_v4().simple().to_string()[..8]);
        let c = campaign(&w, &title, 7, &[own, other]).await;
        // SAT answers every measure of its profile: complete, so never reminded.
        let mine = assessment(&w, c, own).await;
        let profile = store::get_assessment(w.db(), own, mine.id)
            .await
            .unwrap()
            .profile;
        for m in store::measures(w.db(), c, &profile).await.unwrap() {
            answer(&w, c, own, &m.measure_id, "implemented", 3).await;
        }
        assert_eq!(assessment(&w, c, own).await.answered, mine.measures);
        // PEMEX answers one measure: incomplete.
        answer(&w, c, other, "gob-1", "partial", 1).await;

        let today = time::OffsetDateTime::now_utc().date();
        let day = |n: i64| today + time::Duration::days(n);
        let check = |d| centinela_web::reminders::check_once(&w.state, d);
        let p = check(today).await.unwrap();
        assert_eq!((p.reminded, p.mails), (1, 1), "7 days before, PEMEX only");
        assert_eq!(check(today).await.unwrap(), Default::default(), "once");
        assert_eq!(
            check(day(3)).await.unwrap(),
            Default::default(),
            "7-day reminder already sent"
        );
        assert_eq!(check(day(6)).await.unwrap().reminded, 1, "1 day before");
        assert_eq!(check(day(6)).await.unwrap(), Default::default());
        assert_eq!(check(day(8)).await.unwrap().reminded, 1, "overdue");
        assert_eq!(
            check(day(9)).await.unwrap(),
            Default::default(),
            "overdue once"
        );

        let mut messages = vec![];
        for _ in 0..200 {
            messages = received(&smtp.dir)
                .iter()
                .map(|m| readable(m))
                .filter(|m| m.contains(&title))
                .collect();
            if messages.len() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(messages.len(), 3, "{}", w.t.label);
        let theirs = constituency::list_officers(w.db(), other).await.unwrap();
        let ours = constituency::list_officers(w.db(), own).await.unwrap();
        assert_eq!(theirs.len(), 2);
        for m in &messages {
            let rcpt = m.lines().find(|l| l.starts_with("X-RcptTo:")).unwrap();
            for o in &theirs {
                assert!(rcpt.contains(&o.email), "{rcpt} lacks {}", o.email);
            }
            for o in &ours {
                assert!(
                    !rcpt.contains(&o.email),
                    "a complete assessment gets nothing: {rcpt}"
                );
            }
            assert!(m.contains(&mine.campaign_title));
        }
        let subjects: Vec<&str> = messages
            .iter()
            .filter_map(|m| m.lines().find(|l| l.starts_with("Subject:")))
            .collect();
        for want in ["in 7 day", "in 1 day", "overdue"] {
            assert_eq!(
                subjects.iter().filter(|s| s.contains(want)).count(),
                1,
                "{want}: {subjects:?}"
            );
        }
        w.cleanup().await;
    }
}
