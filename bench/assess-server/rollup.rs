//! National roll-up of a campaign against the database: 2,000 institutions × 400 measures
//! (800,000 answers) on SQLite and, when `CENTINELA_BENCH_POSTGRES` holds a URL, PostgreSQL.
//!
//! `cargo bench -p centinela-web --bench assess_server` (a `harness = false` binary; see
//! README.md). Loading is not timed; each timed run is the whole `api::assessments::rollup`
//! call: the SQL aggregation per institution × group plus the figures by sector, level and
//! nation. Prints min, median and p95; asserts nothing about time.

use centinela_store::assessments::{self as store, MeasureRow, NewCampaign, NewProfile};
use centinela_store::{Actor, Arg, Db, Scope};
use std::time::{Duration, Instant};
use uuid::Uuid;

const INSTITUTIONS: usize = 2_000;
const MEASURES: usize = 400;
const GROUPS: usize = 20;
const RUNS: usize = 40;
const SECTORS: [&str; 8] = [
    "energy",
    "banking",
    "health",
    "digital-infrastructure",
    "drinking-water",
    "transport",
    "public-administration",
    "research",
];
const LEVELS: [&str; 3] = ["federal", "state", "municipal"];
const STATUSES: [&str; 5] = [
    "implemented",
    "partial",
    "planned",
    "not_implemented",
    "not_applicable",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Inserts `rows` of `width` values each, `per` rows per statement, in one transaction.
async fn insert_many(db: &Db, head: &str, width: usize, rows: Vec<Vec<Arg>>, per: usize) {
    let mut tx = db.begin().await.expect("begin");
    for chunk in rows.chunks(per) {
        let mut sql = String::from(head);
        let mut args = Vec::with_capacity(chunk.len() * width);
        for (r, row) in chunk.iter().enumerate() {
            let marks: Vec<String> = (0..width)
                .map(|c| format!("${}", r * width + c + 1))
                .collect();
            sql.push_str(if r == 0 { " (" } else { ", (" });
            sql.push_str(&marks.join(", "));
            sql.push(')');
            args.extend(row.iter().cloned());
        }
        tx.execute(&sql, args).await.expect("insert");
    }
    tx.commit().await.expect("commit");
}

async fn load(db: &Db) -> Uuid {
    let now = time::OffsetDateTime::now_utc();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let ids: Vec<Uuid> = (0..INSTITUTIONS)
        .map(|i| Uuid::from_u128(0xB000_0000 + i as u128))
        .collect();
    let rows = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            centinela_store::args![
                *id,
                format!("bench-{i}"),
                format!("B{i}"),
                format!("Institución {i}"),
                format!("Institution {i}"),
                SECTORS[i % SECTORS.len()],
                LEVELS[i % LEVELS.len()],
                "other",
                now,
                now
            ]
        })
        .collect();
    insert_many(
        db,
        "INSERT INTO institutions (id, slug, acronym, name_es, name_en, sector, level, criticality, created_at, updated_at) VALUES",
        10,
        rows,
        200,
    )
    .await;
    let shipped = centinela_web::api::assessments::shipped_version();
    store::ensure_shipped(db, &shipped).await.expect("shipped");
    let version = store::list_versions(db).await.expect("versions")[0].id;
    let measures: Vec<MeasureRow> = (0..MEASURES)
        .map(|m| MeasureRow {
            measure_id: format!("m-{m}"),
            group_id: format!("g{:02}", m % GROUPS),
            weight: 1000 * (1 + (m % 3) as i64),
            position: m as i64,
            title_es: format!("Medida {m}"),
            title_en: format!("Measure {m}"),
        })
        .collect();
    let campaign = store::create_campaign(
        db,
        &Actor::system(),
        &NewCampaign {
            title: "Bench".into(),
            version_id: version,
            due_on: now.date(),
            profiles: vec![NewProfile {
                key: "baseline".into(),
                catalog_es: "{}".into(),
                catalog_en: "{}".into(),
                measures,
            }],
            assignments: ids.iter().map(|i| (*i, "baseline".to_string())).collect(),
        },
    )
    .await
    .expect("campaign");
    let assessments = store::list_assessments(db, &Scope::All, Some(campaign.id), None)
        .await
        .expect("assessments");
    let mut answers = Vec::with_capacity(INSTITUTIONS * MEASURES);
    for a in &assessments {
        for m in 0..MEASURES {
            let r = rng.next();
            let status = STATUSES[(r % 5) as usize];
            answers.push(centinela_store::args![
                a.id,
                format!("m-{m}"),
                status,
                if status == "not_applicable" {
                    "n/a"
                } else {
                    ""
                },
                ((r >> 8) % 6) as i64,
                "bench",
                now
            ]);
        }
    }
    insert_many(
        db,
        "INSERT INTO assessment_answers (assessment_id, measure_id, status, reason, maturity, updated_by, updated_at) VALUES",
        7,
        answers,
        500,
    )
    .await;
    store::refresh_campaign_totals(db, campaign.id)
        .await
        .expect("totals");
    // Fresh statistics, as a database that has lived a while would have.
    db.execute("ANALYZE", vec![]).await.expect("analyze");
    campaign.id
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "{label}: min {:.1} ms, median {:.1} ms, p95 {:.1} ms ({} runs)",
        times[0].as_secs_f64() * 1e3,
        p(0.5).as_secs_f64() * 1e3,
        p(0.95).as_secs_f64() * 1e3,
        times.len()
    );
}

async fn bench(label: &str, db: Db) {
    db.migrate().await.expect("migrate");
    let started = Instant::now();
    let campaign = load(&db).await;
    println!(
        "{label}: loaded 800,000 answers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let auditor = Scope::Only(
        (0..3)
            .map(|i| Uuid::from_u128(0xB000_0000 + i as u128))
            .collect(),
    );
    for (name, scope) in [("national", Scope::All), ("three institutions", auditor)] {
        let mut times = vec![];
        for _ in 0..RUNS {
            let t = Instant::now();
            let r = centinela_web::api::assessments::rollup(&db, campaign, &scope)
                .await
                .expect("rollup");
            times.push(t.elapsed());
            assert!(r.national.institutions > 0);
        }
        report(&format!("{label} roll-up, {name}"), times);
    }
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("centinela-bench-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    bench("SQLite", Db::connect(&url).await.expect("sqlite")).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(pg) = std::env::var("CENTINELA_BENCH_POSTGRES") {
        let schema = format!("bench_{}", Uuid::new_v4().simple());
        let admin = Db::connect(&pg).await.expect("postgres");
        admin
            .execute(&format!("CREATE SCHEMA {schema}"), vec![])
            .await
            .expect("schema");
        bench(
            "PostgreSQL",
            Db::connect_with(&pg, Some(&schema))
                .await
                .expect("postgres"),
        )
        .await;
        admin
            .execute(&format!("DROP SCHEMA {schema} CASCADE"), vec![])
            .await
            .expect("drop schema");
    }
}
