//! Repository behaviour on every backend (SQLite always, PostgreSQL when configured).

use centinela_core::constituency::{NetworkDraft, NetworkKind};
use centinela_core::principal::Via;
use centinela_store::testing::TestDb;
use centinela_store::{
    Actor, Page, Scope, StoreError, accounts, audit, constituency as repo, events, seed, stats,
};
use std::time::Duration;

#[tokio::test]
async fn seed_scope_audit_and_conflicts() {
    for t in TestDb::all().await {
        let db = &t.db;
        assert!(
            seed::seed_demo(db).await.unwrap(),
            "{}: seeds an empty database",
            t.label
        );
        assert!(
            !seed::seed_demo(db).await.unwrap(),
            "{}: seeds once",
            t.label
        );

        let (all, total) =
            repo::list_institutions(db, &Scope::All, &Default::default(), Page::default())
                .await
                .unwrap();
        assert!(
            total >= 40 && all.len() as i64 == total.min(50),
            "{}",
            t.label
        );
        let sat = repo::find_institution_by_slug(db, "sat")
            .await
            .unwrap()
            .unwrap();
        let imss = repo::find_institution_by_slug(db, "imss")
            .await
            .unwrap()
            .unwrap();

        let only_sat = Scope::Only(vec![sat.id]);
        let (rows, n) =
            repo::list_institutions(db, &only_sat, &Default::default(), Page::default())
                .await
                .unwrap();
        assert_eq!((n, rows[0].id), (1, sat.id), "{}: scoped list", t.label);
        let none = Scope::Only(vec![]);
        assert_eq!(
            repo::list_institutions(db, &none, &Default::default(), Page::default())
                .await
                .unwrap()
                .1,
            0
        );

        let filter = repo::InstitutionFilter {
            q: Some("tributaria".into()),
            ..Default::default()
        };
        let (found, _) = repo::list_institutions(db, &Scope::All, &filter, Page::default())
            .await
            .unwrap();
        assert_eq!(
            found.iter().map(|i| i.slug.as_str()).collect::<Vec<_>>(),
            ["sat"],
            "{}: text search",
            t.label
        );

        // A prefix belongs to one institution only.
        let nets = repo::list_networks(db, sat.id, Page::default())
            .await
            .unwrap()
            .0;
        let taken = nets.iter().find(|n| n.kind == "cidr").unwrap();
        let err = repo::add_network(
            db,
            &Actor::system(),
            imss.id,
            NetworkKind::Cidr,
            &taken.value,
            "manual",
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{}: {err}", t.label);
        let draft = NetworkDraft {
            kind: "cidr".into(),
            value: "2001:db8:ffff::/48".into(),
        };
        let added = repo::add_network_draft(db, &Actor::system(), imss.id, &draft)
            .await
            .unwrap();

        // Every change is in the audit trail, with the state hash; scoped like the records.
        let (entries, _) = audit::list(
            db,
            &Scope::Only(vec![imss.id]),
            None,
            Page::new(Some(1), None),
        )
        .await
        .unwrap();
        assert_eq!(entries[0].record_id, added.id.to_string(), "{}", t.label);
        assert_eq!(entries[0].state_sha256.len(), 64);
        let (sat_entries, _) = audit::list(db, &only_sat, None, Page::new(Some(200), None))
            .await
            .unwrap();
        assert!(
            sat_entries.iter().all(|e| e.institution_id == Some(sat.id)),
            "{}",
            t.label
        );

        // A failed write leaves nothing behind: the duplicate wrote no audit entry.
        let (after, _) = audit::list(
            db,
            &Scope::Only(vec![imss.id]),
            None,
            Page::new(Some(200), None),
        )
        .await
        .unwrap();
        assert_eq!(
            after
                .iter()
                .filter(|e| e.record_kind == "network" && e.action == "create")
                .count(),
            repo::list_networks(db, imss.id, Page::new(Some(200), None))
                .await
                .unwrap()
                .1 as usize,
            "{}",
            t.label
        );

        let d = stats::dashboard(db, &Scope::All).await.unwrap();
        assert_eq!(d.institutions, total);
        assert_eq!(
            d.officers_complete, total,
            "{}: every demo institution names both",
            t.label
        );
        let ds = stats::dashboard(db, &only_sat).await.unwrap();
        assert_eq!(ds.institutions, 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn sessions_tokens_and_totp_steps() {
    for t in TestDb::all().await {
        let db = &t.db;
        seed::seed_demo(db).await.unwrap();
        let user = accounts::find_user_by_email(db, "Oficial.SAT@centinela.example")
            .await
            .unwrap()
            .unwrap();
        assert!(accounts::verify_password(
            seed::DEMO_PASSWORD,
            &user.password_hash
        ));
        assert!(!accounts::verify_password(
            "wrong password!",
            &user.password_hash
        ));

        let (cookie, _) = accounts::create_session(db, user.id, true, "127.0.0.1", "test")
            .await
            .unwrap();
        let (s, u) = accounts::session_lookup(db, &cookie)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((u.id, s.mfa_ok), (user.id, true));
        accounts::delete_session(db, &cookie).await.unwrap();
        assert!(
            accounts::session_lookup(db, &cookie)
                .await
                .unwrap()
                .is_none(),
            "{}: logout kills",
            t.label
        );

        let (plain, tok) = accounts::create_token(db, &Actor::system(), user.id, "ci", false, None)
            .await
            .unwrap();
        assert!(accounts::token_lookup(db, &plain).await.unwrap().is_some());
        assert!(
            accounts::token_lookup(db, &format!("{plain}x"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            accounts::token_lookup(db, "cnt_garbage")
                .await
                .unwrap()
                .is_none()
        );
        accounts::revoke_token(db, &Actor::system(), user.id, tok.id)
            .await
            .unwrap();
        assert!(
            accounts::token_lookup(db, &plain).await.unwrap().is_none(),
            "{}: revoked",
            t.label
        );

        let p = accounts::principal_for(db, &user, Via::Token { write: false })
            .await
            .unwrap();
        assert_eq!(p.institution, user.institution_id);
        let auditor = accounts::find_user_by_email(db, "auditoria@centinela.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            accounts::principal_for(db, &auditor, Via::Session)
                .await
                .unwrap()
                .audits
                .len(),
            3
        );

        assert!(accounts::accept_totp_step(db, user.id, 100).await.unwrap());
        assert!(
            !accounts::accept_totp_step(db, user.id, 100).await.unwrap(),
            "{}: replay refused",
            t.label
        );
        assert!(accounts::accept_totp_step(db, user.id, 101).await.unwrap());

        for _ in 0..3 {
            accounts::record_login_failure(db, "x@y.mx", "10.0.0.1")
                .await
                .unwrap();
        }
        assert_eq!(
            accounts::recent_login_failures(db, "X@y.mx").await.unwrap(),
            3
        );
        accounts::clear_login_failures(db, "x@y.mx").await.unwrap();
        assert_eq!(
            accounts::recent_login_failures(db, "x@y.mx").await.unwrap(),
            0
        );
        t.cleanup().await;
    }
}

/// Two pools on one database behave as two replicas: a change committed through one reaches
/// the other's subscribers.
#[tokio::test]
async fn events_reach_another_replica() {
    for t in TestDb::all().await {
        let replica = t.replica().await.unwrap();
        let bus = events::EventBus::start(replica.clone()).await.unwrap();
        let mut rx = bus.subscribe();
        seed::seed_demo(&t.db).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an event within 10 s")
            .unwrap();
        assert_eq!(got.topic, "institution.created", "{}", t.label);
        assert!(got.payload.contains("state_sha256"));
        replica.close().await;
        t.cleanup().await;
    }
}
