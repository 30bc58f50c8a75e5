//! Exposure findings on every backend: the overview's rollup against a plain recount of the
//! findings, the migration's backfill of that rollup, digest windows by ingestion sequence,
//! and the public-asset flag given to assets that predate it.

use centinela_core::exposure::Cadence;
use centinela_store::exposure::{self, DigestWindow, ExposureDraft};
use centinela_store::testing::TestDb;
use centinela_store::{Actor, Db, Scope, args, constituency as repo, inventory, seed};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

/// A Wednesday: the trend's current week starts on Monday 2026-11-30.
const NOW: OffsetDateTime = datetime!(2026-12-02 12:00 UTC);

async fn institution(db: &Db, slug: &str) -> Uuid {
    repo::find_institution_by_slug(db, slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn report(db: &Db) -> Uuid {
    exposure::create_report(
        db,
        &Actor::system(),
        Uuid::new_v4(),
        "r.csv",
        "scan_http",
        "00",
        1,
    )
    .await
    .unwrap()
    .id
}

fn draft(
    owner: Option<Uuid>,
    ip: &str,
    port: i64,
    kind: usize,
    seen: OffsetDateTime,
) -> ExposureDraft {
    let (class_type, identifier) = [
        ("vulnerable-system", "dns-open-resolver"),
        ("other", "accessible-http"),
        ("vulnerable-system", "vulnerable-http"),
    ][kind];
    ExposureDraft {
        institution_id: owner,
        feed_name: "test".into(),
        taxonomy: "vulnerable".into(),
        class_type: class_type.into(),
        identifier: identifier.into(),
        source_ip: ip.into(),
        source_port: port,
        seen,
        event: "{}".into(),
    }
}

/// A small deterministic generator (xorshift), so every run ingests the same findings.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Ingests 20 batches spread over 18 weeks (the trend shows 12): few addresses and ports, so
/// many rows repeat a stored finding within the 7-day window (count and last-seen bumped,
/// sometimes into a later week), some repeat one after the window (a new finding), some
/// repeat within their batch; findings of three institutions and unrouted ones.
async fn ingest_mix(db: &Db, owners: &[Uuid]) -> (i64, i64) {
    let report = report(db).await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut new, mut repeated) = (0, 0);
    let start = NOW - Duration::weeks(17);
    for b in 0..20i64 {
        // Batches move forward in time (as daily reports do), each spanning up to 10 days.
        let base = start + Duration::days(b * 6);
        let rows: Vec<ExposureDraft> = (0..60)
            .map(|_| {
                let owner = match rng.below(7) {
                    0 => None,
                    k => Some(owners[k as usize % owners.len()]),
                };
                let ip = format!("10.0.{}.{}", rng.below(2), rng.below(6));
                let port = [80, 443][rng.below(2) as usize];
                let seen = base + Duration::hours(rng.below(240) as i64);
                draft(owner, &ip, port, rng.below(3) as usize, seen)
            })
            .collect();
        let (n, r) = exposure::ingest(db, report, &rows).await.unwrap();
        new += n;
        repeated += r;
    }
    (new, repeated)
}

async fn assert_rollup_matches(t: &TestDb, scopes: &[Scope], what: &str) {
    for scope in scopes {
        for now in [NOW, NOW - Duration::weeks(5), NOW + Duration::days(4)] {
            let fast = exposure::overview(&t.db, scope, now).await.unwrap();
            let slow = exposure::overview_recount(&t.db, scope, now).await.unwrap();
            assert_eq!(fast, slow, "{} {what}: {scope:?} at {now}", t.label);
        }
    }
}

#[tokio::test]
async fn the_overview_from_the_rollup_equals_a_recount_of_the_findings() {
    for t in TestDb::all().await {
        let db = &t.db;
        seed::seed_demo(db).await.unwrap();
        let owners = [
            institution(db, "sat").await,
            institution(db, "imss").await,
            institution(db, "pemex").await,
        ];
        let (new, repeated) = ingest_mix(db, &owners).await;
        assert!(
            new > 50 && repeated > 300,
            "{}: the mix must exercise both paths ({new} new, {repeated} repeated)",
            t.label
        );
        let scopes = [
            Scope::All,
            Scope::Only(vec![owners[0]]),
            Scope::Only(vec![owners[1], owners[2]]),
            Scope::Only(vec![]),
        ];
        assert_rollup_matches(&t, &scopes, "after ingestion").await;

        // Not vacuous: findings active over several weeks, repeats counted as sightings.
        let o = exposure::overview(db, &Scope::All, NOW).await.unwrap();
        let active: i64 = o.weekly.iter().map(|w| w.active_findings).sum();
        let fresh: i64 = o.weekly.iter().map(|w| w.new_findings).sum();
        assert!(active > fresh && fresh > 0, "{}: {o:?}", t.label);
        let sightings: i64 = o.by_type.iter().map(|g| g.sightings).sum();
        let findings: i64 = o.by_type.iter().map(|g| g.findings).sum();
        assert!(sightings > findings, "{}: {o:?}", t.label);
        // An officer's scope sees its own institution only.
        let mine = exposure::overview(db, &Scope::Only(vec![owners[0]]), NOW)
            .await
            .unwrap();
        assert_eq!(mine.by_sector.len(), 1, "{}: {mine:?}", t.label);

        // Suppression rules do not change the overview (findings stay, marked): same figures.
        let rule = centinela_core::exposure::SuppressionDraft {
            identifier: "accessible-http".into(),
            cidr: None,
            port: None,
            reason: "Aceptado".into(),
            expires_on: None,
        };
        exposure::create_suppression(db, &Actor::system(), owners[0], &rule)
            .await
            .unwrap();
        assert_rollup_matches(&t, &scopes, "with a suppression rule").await;

        // The migration's backfill (the same SQL) rebuilds the same rollup from the findings.
        let file = match t.label {
            "sqlite" => include_str!("../migrations/sqlite/0020_exposure_rollup_public_assets.sql"),
            _ => include_str!("../migrations/postgres/0020_exposure_rollup_public_assets.sql"),
        };
        let start = file.find("INSERT INTO exposure_rollup").unwrap();
        let backfill = &file[start..start + file[start..].find(';').unwrap()];
        db.execute("DELETE FROM exposure_rollup", args![])
            .await
            .unwrap();
        assert_ne!(
            exposure::overview(db, &Scope::All, NOW).await.unwrap(),
            exposure::overview_recount(db, &Scope::All, NOW)
                .await
                .unwrap()
        );
        db.execute(backfill, args![]).await.unwrap();
        assert_rollup_matches(&t, &scopes, "after the backfill").await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_committed_while_a_digest_is_claimed_reaches_the_next_digest() {
    for t in TestDb::all().await {
        let db = &t.db;
        seed::seed_demo(db).await.unwrap();
        let sat = institution(db, "sat").await;
        let report = report(db).await;
        let t0 = OffsetDateTime::now_utc();
        let seen = t0 - Duration::days(1);

        let a = [draft(Some(sat), "10.2.0.1", 80, 1, seen)];
        exposure::ingest_at(db, report, &a, t0).await.unwrap();
        let claimed = t0 + Duration::minutes(10);
        let first = exposure::claim_digest(db, sat, Cadence::Daily, "d:1", claimed)
            .await
            .unwrap()
            .expect("claimed");
        assert_eq!(first.after_seq, None, "{}: the first digest", t.label);
        let rows = exposure::digest_rows(db, sat, &first, claimed)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{}", t.label);
        assert_eq!(
            exposure::claim_digest(db, sat, Cadence::Daily, "d:1", claimed)
                .await
                .unwrap(),
            None,
            "{}: claimed once",
            t.label
        );

        // A batch that started (took its time) before the claim and committed after it: its
        // findings carry a time inside the first digest's span, which did not see them.
        let b = [
            draft(Some(sat), "10.2.0.2", 80, 1, seen),
            draft(Some(sat), "10.2.0.1", 80, 1, seen + Duration::hours(1)),
        ];
        exposure::ingest_at(db, report, &b, claimed - Duration::seconds(1))
            .await
            .unwrap();
        let later = claimed + Duration::days(1);
        let second: DigestWindow = exposure::claim_digest(db, sat, Cadence::Daily, "d:2", later)
            .await
            .unwrap()
            .expect("claimed");
        assert_eq!(second.after_seq, Some(first.upto_seq), "{}", t.label);
        let rows = exposure::digest_rows(db, sat, &second, later)
            .await
            .unwrap();
        let mut ips: Vec<(&str, i64)> = rows
            .iter()
            .map(|r| (r.source_ip.as_str(), r.count))
            .collect();
        ips.sort();
        assert_eq!(
            ips,
            [("10.2.0.1", 2), ("10.2.0.2", 1)],
            "{}: the late batch (a new finding and a repeat) is in the next digest",
            t.label
        );
        // And a third digest has nothing left.
        let third =
            exposure::claim_digest(db, sat, Cadence::Daily, "d:3", later + Duration::days(1))
                .await
                .unwrap()
                .expect("claimed");
        assert!(
            exposure::digest_rows(db, sat, &third, later + Duration::days(1))
                .await
                .unwrap()
                .is_empty(),
            "{}",
            t.label
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn assets_that_predate_the_flag_get_it_from_their_address() {
    for t in TestDb::all().await {
        let db = &t.db;
        seed::seed_demo(db).await.unwrap();
        let sat = institution(db, "sat").await;
        let rows: Vec<inventory::NewAsset> = [
            "201.144.10.5",
            "10.2.0.9",
            "portal.sat.gob.mx",
            "2806:2f0::1",
        ]
        .iter()
        .map(|a| inventory::NewAsset {
            name: a.to_string(),
            kind: "server".into(),
            address: a.to_string(),
            ipv6: false,
            internet_facing: false,
            criticality: "high".into(),
        })
        .collect();
        let added = inventory::add_assets(db, &Actor::system(), sat, &rows)
            .await
            .unwrap();
        // As migration 0020 leaves them: listed as pending, flag false.
        for a in &added {
            db.execute(
                "INSERT INTO assets_public_pending (id) VALUES ($1)",
                args![a.id],
            )
            .await
            .unwrap();
        }
        inventory::settle_public_assets(db).await.unwrap();
        let mut flags: Vec<(String, bool)> = inventory::list_assets(db, sat)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| added.iter().any(|x| x.id == a.id))
            .map(|a| (a.address, a.internet_facing))
            .collect();
        flags.sort();
        assert_eq!(
            flags,
            [
                ("10.2.0.9".to_string(), false),
                ("201.144.10.5".to_string(), true),
                ("2806:2f0::1".to_string(), true),
                ("portal.sat.gob.mx".to_string(), false),
            ],
            "{}",
            t.label
        );
        t.cleanup().await;
    }
}
