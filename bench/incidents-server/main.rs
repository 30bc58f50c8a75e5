//! Incidents at national scale: one million stored incidents on SQLite and PostgreSQL, the
//! filtered and paginated list and the statistics measured through the real router, and
//! report throughput through `POST /api/v1/incidents`.
//!
//! Requests are driven in-process (`centinela_web::app(state)` with `tower::ServiceExt::oneshot`,
//! as the integration tests do): no TCP or HTTP parsing, everything else (auth by bearer token,
//! access policy, JSON, the database) is the server's own path. See README.md next to this file.
//!
//! Settings come from the environment:
//! - `BENCH_BACKENDS`: `sqlite,postgres` (default both)
//! - `BENCH_SQLITE`: SQLite file (default `/var/tmp/centinela-bench-incidents.db`)
//! - `BENCH_PG`: PostgreSQL URL (default `postgres://postgres@127.0.0.1:5432/centinela_bench_incidents`)
//! - `BENCH_N`: incidents to hold (default 1,000,000; population tops up to it and is skipped
//!   when the table already holds that many)
//! - `BENCH_PHASES`: any of `populate,list,stats,create` (default all)
//! - `BENCH_REQS`: requests per list/statistics case (default 200), each case also capped at
//!   `BENCH_CASE_SECS` seconds (default 20) with at least 3 requests
//! - `BENCH_SECS`: seconds of report creation (default 20), `BENCH_CLIENTS` concurrent clients
//!   (default 16)

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use centinela_store::{Actor, Backend, Db, accounts, args, constituency, incidents, seed};
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn env_num(name: &str, default: u64) -> u64 {
    env(name, &default.to_string()).parse().unwrap_or(default)
}

/// RSIT class/type pairs with rough national frequencies (weights).
const CLASSES: &[(&str, &str, u32)] = &[
    ("fraud", "phishing", 22),
    ("malicious-code", "infected-system", 14),
    ("information-gathering", "scanner", 12),
    ("intrusion-attempts", "brute-force", 10),
    ("intrusion-attempts", "exploit", 6),
    ("availability", "ddos", 7),
    ("intrusions", "unprivileged-account-compromise", 6),
    ("intrusions", "system-compromise", 4),
    ("information-content-security", "data-leak", 5),
    ("malicious-code", "malware-distribution", 4),
    ("vulnerable", "vulnerable-system", 5),
    ("availability", "outage", 3),
    ("fraud", "masquerade", 2),
];
const LEVELS: &[(&str, u32)] = &[
    ("bajo", 45),
    ("medio", 30),
    ("alto", 15),
    ("muy-alto", 7),
    ("critico", 3),
];
const TLPS: &[(&str, u32)] = &[
    ("TLP:CLEAR", 10),
    ("TLP:GREEN", 30),
    ("TLP:AMBER", 45),
    ("TLP:AMBER+STRICT", 10),
    ("TLP:RED", 5),
];
const WORDS: &[&str] = &[
    "Correo de phishing dirigido al personal",
    "Ransomware en servidor de archivos",
    "Escaneo de puertos desde el extranjero",
    "Fuerza bruta contra VPN",
    "Denegación de servicio al portal",
    "Cuenta de correo comprometida",
    "Fuga de datos personales",
    "Sitio web desfigurado",
    "Malware en estación de trabajo",
    "Explotación de vulnerabilidad en CMS",
];

fn pick<'a, T>(rng: &mut StdRng, table: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = table.iter().map(&weight).sum();
    let mut r = rng.random_range(0..total);
    for t in table {
        let w = weight(t);
        if r < w {
            return t;
        }
        r -= w;
    }
    &table[0]
}

struct Setup {
    db: Db,
    app: Router,
    coordinator: String,
    officer: String,
    officer_institution: Uuid,
    institutions: Vec<Uuid>,
}

async fn setup(url: &str, log_dir: &std::path::Path) -> Setup {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    seed::seed_demo(&db).await.expect("seed");
    let mut tokens = vec![];
    for (email, role) in [
        ("coordinador@centinela.example", "bench-coordinator"),
        ("oficial.sat@centinela.example", "bench-officer"),
    ] {
        let user = accounts::find_user_by_email(&db, email)
            .await
            .unwrap()
            .expect("demo account");
        let (tok, _) = accounts::create_token(&db, &Actor::system(), user.id, role, true, None)
            .await
            .unwrap();
        tokens.push(tok);
    }
    let officer_institution = constituency::find_institution_by_slug(&db, "sat")
        .await
        .unwrap()
        .unwrap()
        .id;
    #[derive(sqlx::FromRow)]
    struct Id {
        id: Uuid,
    }
    let institutions: Vec<Id> = db
        .fetch_all("SELECT id FROM institutions ORDER BY slug", args![])
        .await
        .unwrap();
    let log = centinela_web::transparency::TransparencyLog::open(log_dir, "centinela.bench/log")
        .expect("log");
    let settings = centinela_web::WebSettings {
        files_dir: Some(log_dir.join("files")),
        ..Default::default()
    };
    let state = centinela_web::AppState::new(db.clone(), settings)
        .await
        .unwrap()
        .with_log(log);
    Setup {
        app: centinela_web::app(state),
        db,
        coordinator: tokens[0].clone(),
        officer: tokens[1].clone(),
        officer_institution,
        institutions: institutions.into_iter().map(|i| i.id).collect(),
    }
}

const COLUMNS: &str = "id, reference, institution_id, protocol_id, protocol_version, title, tlp, level, significant, \
     state, class, kind, detected_at, aware_at, reported_at, updated_at, closed_at, reported_by, draft, assessment, phase, triaged_at";
const PER_STATEMENT: usize = 500;
const PER_TX: usize = 10_000;

/// Tops the incidents table up to `n` rows, in multi-row inserts of the same shape
/// `incidents::create` writes (plus a first-stage submission for most of them).
async fn populate(s: &Setup, n: u64) {
    let have = incidents::count_all(&s.db).await.unwrap() as u64;
    if have >= n {
        println!("  populate: {have} incidents already, skipped");
        return;
    }
    let started = Instant::now();
    let end = OffsetDateTime::now_utc() - time::Duration::days(1);
    let span = time::Duration::days(730);
    let start = end - span;
    let step = span / n as f64;
    let system = Uuid::nil();
    let mut years = std::collections::BTreeMap::new();
    let mut i = have;
    while i < n {
        let mut tx = s.db.begin().await.unwrap();
        let tx_end = (i + PER_TX as u64).min(n);
        while i < tx_end {
            let stmt_end = (i + PER_STATEMENT as u64).min(tx_end);
            let mut rows = vec![];
            let mut params = vec![];
            let mut subs = vec![];
            let mut sub_params = vec![];
            for k in i..stmt_end {
                // One generator per row: a resumed run writes the same rows.
                let mut rng = StdRng::seed_from_u64(k);
                let reported = start + step * k as f64;
                let detected = reported - time::Duration::minutes(rng.random_range(5..72 * 60));
                let aware = detected + (reported - detected) * rng.random_range(0.0f64..1.0);
                let age = end - reported;
                let closed = age > time::Duration::days(30) || rng.random_bool(0.3);
                let closed_at = closed.then(|| {
                    (reported + time::Duration::hours(rng.random_range(2..24 * 20))).min(end)
                });
                let (class, kind, _) = *pick(&mut rng, CLASSES, |c| c.2);
                let (level, _) = *pick(&mut rng, LEVELS, |l| l.1);
                let (tlp, _) = *pick(&mut rng, TLPS, |t| t.1);
                let inst = s.institutions[rng.random_range(0..s.institutions.len())];
                let title = WORDS[rng.random_range(0..WORDS.len())];
                let year = reported.year();
                *years.entry(year).or_insert(0u64) = k + 1;
                let reference = format!("CEN-{year}-{:07}", k + 1);
                let draft = json!({
                    "reporter_institution": inst, "title": title,
                    "description": "Generado para la medición de 1M incidentes; texto de extensión realista para el reporte.",
                    "detected_at": detected.format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "aware_at": aware.format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "classifications": [{"class": class, "type": kind}],
                    "tlp": tlp, "pap": "PAP:AMBER",
                    "impact": {"functional_impact": "low", "information_impact": "none", "recoverability": "regular",
                               "people_affected": rng.random_range(0..5000), "essential_service": false,
                               "institutions_affected": 1, "cross_border": false},
                    "observables": [{"kind": "ipv4", "value": format!("198.51.100.{}", k % 250), "tlp": "TLP:GREEN"}]
                })
                .to_string();
                let assessment = json!({"level": level, "significant": matches!(level, "alto" | "muy-alto" | "critico"),
                    "score": rng.random_range(0..100), "contributions": [{"factor": "functional_impact", "points": 10}]})
                .to_string();
                let base = params.len();
                rows.push(format!(
                    "({})",
                    (1..=22)
                        .map(|c| format!("${}", base + c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                let id = Uuid::from_u64_pair(0xbe0c_u64 << 48, k);
                params.extend(args![
                    id,
                    reference,
                    inst,
                    "mx-apf-2025",
                    "2025.1",
                    title,
                    tlp,
                    level,
                    matches!(level, "alto" | "muy-alto" | "critico"),
                    if closed { "closed" } else { "open" },
                    class,
                    kind,
                    detected,
                    aware,
                    reported,
                    closed_at.unwrap_or(reported),
                    closed_at,
                    system,
                    draft,
                    assessment,
                    if closed { "recuperacion" } else { "" },
                    closed.then_some(reported + time::Duration::hours(1))
                ]);
                if rng.random_bool(0.9) {
                    let b = sub_params.len();
                    subs.push(format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
                    let at = detected + time::Duration::minutes(rng.random_range(10..48 * 60));
                    sub_params.extend(args![id, "initial-report", at, "oficial@bench.example"]);
                }
            }
            tx.execute(
                &format!(
                    "INSERT INTO incidents ({COLUMNS}) VALUES {}",
                    rows.join(", ")
                ),
                params,
            )
            .await
            .unwrap();
            if !subs.is_empty() {
                tx.execute(
                    &format!(
                        "INSERT INTO incident_submissions (incident_id, stage, at, by_email) VALUES {}",
                        subs.join(", ")
                    ),
                    sub_params,
                )
                .await
                .unwrap();
            }
            i = stmt_end;
        }
        // API reports continue each year's numbering above the generated ones.
        for (year, value) in &years {
            let name = format!("incident-{year}");
            tx.execute(
                "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = CASE WHEN counters.value < $2 THEN $2 ELSE counters.value END",
                args![name, *value as i64],
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        if i.is_multiple_of(100_000) {
            println!("  populate: {i} ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  populate: {} incidents in {secs:.0} s ({:.0}/s)",
        n - have,
        (n - have) as f64 / secs
    );
    // The load writes the columns `incidents::create` writes but SQLite's folded search text,
    // which the server fills at start for rows stored without it: filled here the same way.
    let started = std::time::Instant::now();
    let folded = incidents::fill_search_fold(&s.db).await.unwrap();
    if folded > 0 {
        println!(
            "  search text folded for {folded} incidents in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    // What autovacuum (PostgreSQL) or an operator's ANALYZE (SQLite) does after a bulk load,
    // done now so the cases meet the steady state instead of a load's dead rows and missing
    // planner statistics.
    settle(s, "the load").await;
}

/// Vacuums and analyses (PostgreSQL) or analyses (SQLite) after bulk changes.
async fn settle(s: &Setup, after: &str) {
    let started = std::time::Instant::now();
    let sql = match s.db.backend() {
        Backend::Postgres => "VACUUM ANALYZE",
        Backend::Sqlite => "ANALYZE",
    };
    s.db.execute(sql, args![]).await.unwrap();
    println!(
        "  {sql} after {after}: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

async fn send(
    app: &Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<String>,
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "application/json");
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let mut req = req
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, bytes)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs one GET case sequentially and prints p50/p95/max in milliseconds.
async fn case(s: &Setup, name: &str, token: &str, path: &str) {
    let reqs = env_num("BENCH_REQS", 200) as usize;
    let cap = Duration::from_secs(env_num("BENCH_CASE_SECS", 20));
    // One warm-up request (caches, prepared statements).
    let (status, body) = send(&s.app, Method::GET, path, token, None).await;
    if status != StatusCode::OK {
        println!(
            "  {name:<44} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        return;
    }
    let total = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("total").and_then(|t| t.as_i64()));
    let mut times = vec![];
    let started = Instant::now();
    while times.len() < reqs && (times.len() < 3 || started.elapsed() < cap) {
        let t = Instant::now();
        let (status, _) = send(&s.app, Method::GET, path, token, None).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, StatusCode::OK);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "  {name:<44} n={:<4} p50={:>8.1} p95={:>8.1} max={:>8.1} ms  total={} bytes={}",
        times.len(),
        pct(&times, 0.5),
        pct(&times, 0.95),
        times[times.len() - 1],
        total.map(|t| t.to_string()).unwrap_or("-".into()),
        body.len()
    );
}

async fn lists(s: &Setup) {
    let recent = (OffsetDateTime::now_utc() - time::Duration::days(60))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let year_ago = (OffsetDateTime::now_utc() - time::Duration::days(400))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let year_ago_to = (OffsetDateTime::now_utc() - time::Duration::days(300))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let other = s.institutions[3];
    let own = s.officer_institution;
    let base = "/api/v1/incidents";
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "coord: first page",
            &s.coordinator,
            format!("{base}?limit=50"),
        ),
        (
            "coord: offset 500",
            &s.coordinator,
            format!("{base}?limit=50&offset=500"),
        ),
        (
            "coord: offset 100000 (deep)",
            &s.coordinator,
            format!("{base}?limit=50&offset=100000"),
        ),
        (
            "coord: institution",
            &s.coordinator,
            format!("{base}?institution={other}&limit=50"),
        ),
        (
            "coord: class+level",
            &s.coordinator,
            format!("{base}?class=availability&level=critico&limit=50"),
        ),
        (
            "coord: state=open, last 60 days",
            &s.coordinator,
            format!("{base}?state=open&from={recent}&limit=50"),
        ),
        (
            "coord: text q",
            &s.coordinator,
            format!("{base}?q=ransomware&limit=50"),
        ),
        (
            "coord: text q (rare)",
            &s.coordinator,
            format!("{base}?q=CEN-2025-0999&limit=50"),
        ),
        (
            "coord: inst+class+dates, offset 20",
            &s.coordinator,
            format!(
                "{base}?institution={other}&class=fraud&from={year_ago}&to={year_ago_to}&limit=20&offset=20"
            ),
        ),
        (
            "officer: first page",
            &s.officer,
            format!("{base}?limit=50"),
        ),
        (
            "officer: offset 5000 (deep)",
            &s.officer,
            format!("{base}?limit=50&offset=5000"),
        ),
        (
            "officer: class+level",
            &s.officer,
            format!("{base}?class=fraud&level=alto&limit=50"),
        ),
        (
            "officer: text q",
            &s.officer,
            format!("{base}?q=phishing&limit=50"),
        ),
        (
            "officer: own institution, dates",
            &s.officer,
            format!("{base}?institution={own}&from={year_ago}&to={year_ago_to}&limit=50"),
        ),
    ];
    for (name, token, path) in cases {
        case(s, name, token, &path).await;
    }
    // Keyset pagination at the same depth: the cursor of the page before offset 100,000.
    let (status, body) = send(
        &s.app,
        Method::GET,
        &format!("{base}?limit=50&offset=99950"),
        &s.coordinator,
        None,
    )
    .await;
    let next = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["next"].as_str().map(str::to_string));
    match next {
        Some(c) => {
            case(
                s,
                "coord: cursor at 100000 (deep)",
                &s.coordinator,
                &format!("{base}?limit=50&cursor={c}"),
            )
            .await
        }
        None => println!("  coord: cursor at 100000: no cursor ({status})"),
    }
}

async fn stats(s: &Setup) {
    case(
        s,
        "coord: GET /api/v1/incidents/stats",
        &s.coordinator,
        "/api/v1/incidents/stats",
    )
    .await;
    case(
        s,
        "officer: GET /api/v1/incidents/stats",
        &s.officer,
        "/api/v1/incidents/stats",
    )
    .await;
    case(
        s,
        "coord: GET /incidents/statistics (page)",
        &s.coordinator,
        "/incidents/statistics",
    )
    .await;
}

/// `clients` tasks report incidents for `secs` seconds; prints reports per second.
async fn create(s: &Setup) {
    let secs = env_num("BENCH_SECS", 20);
    let clients = env_num("BENCH_CLIENTS", 16);
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let since = OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let mut tasks = vec![];
    for c in 0..clients {
        let app = s.app.clone();
        let token = s.coordinator.clone();
        let institutions = s.institutions.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0u64;
            let mut failed = 0u64;
            let mut times = vec![];
            let mut k = c as usize;
            while Instant::now() < until {
                let inst = institutions[k % institutions.len()];
                k += 1;
                let now = OffsetDateTime::now_utc();
                let fmt = |t: OffsetDateTime| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .unwrap()
                };
                let body = json!({
                    "reporter_institution": inst,
                    "title": "Correo de phishing",
                    "description": "Campaña dirigida al personal",
                    "detected_at": fmt(now - time::Duration::hours(3)),
                    "aware_at": fmt(now - time::Duration::hours(2)),
                    "classifications": [{"class": "fraud", "type": "phishing"}],
                    "tlp": "TLP:AMBER",
                    "pap": "PAP:AMBER",
                    "impact": {"functional_impact": "no-impact", "information_impact": "none", "recoverability": "regular",
                               "people_affected": 10, "essential_service": false, "institutions_affected": 1, "cross_border": false},
                    "observables": [{"kind": "domain", "value": "phish.example.net", "tlp": "TLP:GREEN"}]
                })
                .to_string();
                let t = Instant::now();
                let (status, resp) = send(&app, Method::POST, "/api/v1/incidents", &token, Some(body)).await;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if status == StatusCode::CREATED {
                    ok += 1;
                } else {
                    if failed == 0 {
                        eprintln!("  create failed: {status} {}", String::from_utf8_lossy(&resp));
                    }
                    failed += 1;
                }
            }
            (ok, failed, times)
        }));
    }
    let (mut ok, mut failed, mut times) = (0, 0, vec![]);
    for t in tasks {
        let (o, f, ts) = t.await.unwrap();
        ok += o;
        failed += f;
        times.extend(ts);
    }
    let secs = started.elapsed().as_secs_f64();
    // The reports just made are all alike and all newest; left in place they would sit at the
    // head of every list of the next run and skew it. The database goes back to its million.
    let gone =
        s.db.execute(
            "DELETE FROM incidents WHERE reported_at >= $1",
            args![since],
        )
        .await
        .unwrap();
    println!("  create: removed the {gone} reports made");
    settle(s, "the removal").await;
    times.sort_by(f64::total_cmp);
    println!(
        "  create: {clients} clients, {secs:.1} s: {ok} reported ({:.0}/s), {failed} failed; latency p50={:.1} p95={:.1} max={:.1} ms",
        ok as f64 / secs,
        pct(&times, 0.5),
        pct(&times, 0.95),
        times[times.len() - 1]
    );
}

#[tokio::main]
async fn main() {
    let backends = env("BENCH_BACKENDS", "sqlite,postgres");
    let phases = env("BENCH_PHASES", "populate,list,stats,create");
    let n = env_num("BENCH_N", 1_000_000);
    let sqlite = format!(
        "sqlite://{}",
        env("BENCH_SQLITE", "/var/tmp/centinela-bench-incidents.db")
    );
    let pg = env(
        "BENCH_PG",
        "postgres://postgres@127.0.0.1:5432/centinela_bench_incidents",
    );
    for backend in backends.split(',') {
        let url = match backend {
            "sqlite" => &sqlite,
            "postgres" => &pg,
            other => panic!("unknown backend {other}"),
        };
        println!("== {backend} ({url})");
        let log_dir =
            std::env::temp_dir().join(format!("centinela-bench-log-{}", Uuid::new_v4().simple()));
        let s = setup(url, &log_dir).await;
        if phases.contains("populate") {
            populate(&s, n).await;
        }
        println!(
            "  incidents in the database: {}",
            incidents::count_all(&s.db).await.unwrap()
        );
        if phases.contains("list") {
            lists(&s).await;
        }
        if phases.contains("stats") {
            stats(&s).await;
        }
        if phases.contains("create") {
            create(&s).await;
        }
        s.db.close().await;
        let _ = std::fs::remove_dir_all(&log_dir);
    }
}
