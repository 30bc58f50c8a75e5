//! Server-side ingestion of a large Shadowserver `scan_http` report into SQLite and
//! PostgreSQL: the report is uploaded through the real router (`POST /api/v1/feeds/reports`,
//! in-process as the integration tests do) and the background worker routes and stores it
//! exactly as in production. Rows/s = rows read / (report finished − report recorded).
//! See README.md next to this file.
//!
//! Settings come from the environment:
//! - `BENCH_BACKENDS`: `sqlite,postgres` (default both)
//! - `BENCH_N`: rows in the report (default 1,000,000)
//! - `BENCH_DIR`: work directory for the generated CSV and uploaded files
//!   (default `/var/tmp/centinela-bench-feeds`)
//! - `BENCH_SQLITE`: SQLite file (default `$BENCH_DIR/bench.db`, recreated each run)
//! - `BENCH_PG`: PostgreSQL URL (default `postgres://postgres@127.0.0.1:5432/test`); each run
//!   gets a fresh schema, dropped at the end
//! - `BENCH_REPEAT`: `1` to ingest the same report a second time (every row a repeat: the
//!   de-duplication update path)
//!
//! After the ingestion it times `GET /api/v1/exposure/overview` (the national charts) as the
//! coordinator and as an officer.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use centinela_store::{Actor, Db, accounts, args};
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use uuid::Uuid;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The column layout of Shadowserver's scan_http report (older variant, as in IntelMQ's
/// test data and `bench/feeds`): addresses spread over 10.0.0.0/8, of which the demo
/// constituency registers 74 /16 prefixes, so about 29 % of rows have an owner.
fn generate(path: &Path, n: u64) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        return;
    }
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(42);
    let tmp = path.with_extension("tmp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create CSV"));
    let cols = [
        "timestamp",
        "ip",
        "protocol",
        "port",
        "hostname",
        "tag",
        "asn",
        "geo",
        "region",
        "city",
        "naics",
        "sic",
        "http",
        "http_code",
        "http_reason",
        "content_type",
        "connection",
        "www_authenticate",
        "set_cookie",
        "server",
        "content_length",
        "transfer_encoding",
        "http_date",
    ];
    let header: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    writeln!(out, "{}", header.join(",")).unwrap();
    for i in 0..n {
        let ip = format!(
            "10.{}.{}.{}",
            rng.random_range(0..256),
            rng.random_range(0..256),
            rng.random_range(1..255)
        );
        let port = [80, 8080, 443][rng.random_range(0..3)];
        writeln!(
            out,
            "\"2026-11-30 00:{:02}:{:02}\",\"{ip}\",\"tcp\",{port},\"host-{i}.example.net\",\"http\",{},\"XX\",\"REGION\",\"CITY\",517311,0,\"HTTP/1.1\",200,\"OK\",\"text/html\",,,,\"nginx\",{},,\"Mon, 30 Nov 2026 00:00:00 GMT\"",
            i / 60 % 60,
            i % 60,
            64500 + rng.random_range(0..10),
            rng.random_range(100..20000)
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    std::fs::rename(&tmp, path).unwrap();
    println!(
        "generated {n} rows in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let mut req = req;
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

async fn upload(app: &Router, token: &str, csv: &Path) -> (Uuid, f64) {
    let boundary = "centinela-bench-boundary";
    let name = csv.file_name().unwrap().to_string_lossy();
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::fs::read(csv).expect("read CSV"));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let started = Instant::now();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/feeds/reports")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, v) = call(app, req).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = Uuid::parse_str(v["id"].as_str().unwrap()).unwrap();
    (id, started.elapsed().as_secs_f64())
}

async fn wait_done(app: &Router, token: &str, id: Uuid) -> serde_json::Value {
    loop {
        let req = Request::builder()
            .uri(format!("/api/v1/feeds/reports/{id}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let (_, v) = call(app, req).await;
        match v["state"].as_str() {
            Some("done") => return v,
            Some("failed") => panic!("report failed: {v}"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

fn seconds(v: &serde_json::Value) -> f64 {
    let t = |k: &str| {
        time::OffsetDateTime::parse(
            v[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    (t("finished_at") - t("created_at")).as_seconds_f64()
}

async fn run(label: &str, db: Db, dir: &Path, csv: &Path, repeat: bool) {
    db.migrate().await.expect("migrate");
    centinela_store::seed::seed_demo(&db).await.expect("seed");
    let user = accounts::find_user_by_email(&db, "coordinador@centinela.example")
        .await
        .unwrap()
        .expect("demo coordinator");
    let (token, _) = accounts::create_token(&db, &Actor::system(), user.id, "bench", true, None)
        .await
        .unwrap();
    let files = dir.join(format!("files-{label}"));
    let _ = std::fs::remove_dir_all(&files);
    let settings = centinela_web::WebSettings {
        files_dir: Some(files.clone()),
        upload_limit: 4 << 30,
        ..Default::default()
    };
    let state = centinela_web::AppState::new(db.clone(), settings)
        .await
        .expect("state");
    let app = centinela_web::app(state);
    for pass in if repeat { 1..=2 } else { 1..=1 } {
        let (id, upload_secs) = upload(&app, &token, csv).await;
        let v = wait_done(&app, &token, id).await;
        let secs = seconds(&v);
        let rows = v["rows_read"].as_i64().unwrap();
        println!(
            "{label} pass {pass}: upload {upload_secs:.1} s; ingestion {secs:.1} s for {rows} rows = {:.0} rows/s \
             (new {}, repeated {}, unrouted {}, rejected {})",
            rows as f64 / secs,
            v["events_new"],
            v["events_repeated"],
            v["unrouted"],
            v["rows_rejected"],
        );
    }
    overview_latency(label, &db, &app, &token).await;
    #[derive(sqlx::FromRow)]
    struct N {
        n: i64,
    }
    let stored: N = db
        .fetch_one("SELECT COUNT(*) AS n FROM exposure_events", args![])
        .await
        .unwrap();
    let owned: N = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM exposure_events WHERE institution_id IS NOT NULL",
            args![],
        )
        .await
        .unwrap();
    println!(
        "{label}: {} findings stored, {} with an owner",
        stored.n, owned.n
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&files);
}

/// Times the national overview, five calls each as the coordinator (every institution) and as
/// an officer (one institution); prints the first call and the median.
async fn overview_latency(label: &str, db: &Db, app: &Router, coordinator: &str) {
    let officer = accounts::find_user_by_email(db, "oficial.sat@centinela.example")
        .await
        .unwrap();
    let mut who = vec![("coordinator", coordinator.to_string())];
    if let Some(user) = officer {
        let (token, _) =
            accounts::create_token(db, &Actor::system(), user.id, "bench-officer", true, None)
                .await
                .unwrap();
        who.push(("officer", token));
    }
    for (role, token) in who {
        let mut times = vec![];
        for _ in 0..5 {
            let req = Request::builder()
                .uri("/api/v1/exposure/overview")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let started = Instant::now();
            let (status, _) = call(app, req).await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, StatusCode::OK);
        }
        let first = times[0];
        times.sort_by(f64::total_cmp);
        println!(
            "{label}: overview as {role}: first {first:.1} ms, median of 5 {:.1} ms",
            times[2]
        );
    }
}

#[tokio::main]
async fn main() {
    let backends = env("BENCH_BACKENDS", "sqlite,postgres");
    let n: u64 = env("BENCH_N", "1000000").parse().expect("BENCH_N");
    let dir = PathBuf::from(env("BENCH_DIR", "/var/tmp/centinela-bench-feeds"));
    let repeat = env("BENCH_REPEAT", "0") == "1";
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join(format!("2026-11-30-scan_http-bench-{n}.csv"));
    generate(&csv, n);
    // The routing alone (parse, route, JSON lines), for comparison with the total.
    let owners = {
        let path = dir.join("owners.db");
        let _ = std::fs::remove_file(&path);
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        centinela_store::seed::seed_demo(&db).await.unwrap();
        let csv = centinela_store::exposure::owners_csv(&db).await.unwrap();
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        csv
    };
    let table = feeds::OwnerTable::from_csv(owners.as_bytes()).unwrap();
    let started = Instant::now();
    let summary = feeds::route_stream(
        &table,
        feeds::ReportKind::from_name("scan_http").unwrap(),
        std::fs::File::open(&csv).unwrap(),
        std::io::BufWriter::new(std::fs::File::create(dir.join("routed.jsonl")).unwrap()),
        |_| {},
    )
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "routing only: {} rows in {secs:.1} s = {:.0} rows/s",
        summary.rows_read,
        summary.rows_read as f64 / secs
    );
    let _ = std::fs::remove_file(dir.join("routed.jsonl"));
    for backend in backends.split(',') {
        match backend {
            "sqlite" => {
                let path = env("BENCH_SQLITE", &dir.join("bench.db").to_string_lossy());
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                let db = Db::connect(&format!("sqlite://{path}"))
                    .await
                    .expect("sqlite");
                run("sqlite", db, &dir, &csv, repeat).await;
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!("sqlite: database file {} MiB", size >> 20);
            }
            "postgres" => {
                let url = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432/test");
                let schema = format!("bench_feeds_{}", Uuid::new_v4().simple());
                let admin = Db::connect(&url).await.expect("postgres");
                admin
                    .execute(&format!("CREATE SCHEMA {schema}"), args![])
                    .await
                    .unwrap();
                let db = Db::connect_with(&url, Some(&schema)).await.unwrap();
                run("postgres", db, &dir, &csv, repeat).await;
                admin
                    .execute(&format!("DROP SCHEMA {schema} CASCADE"), args![])
                    .await
                    .unwrap();
                admin.close().await;
            }
            other => panic!("unknown backend {other}"),
        }
    }
}
