//! Bad input gets a 4xx with a helpful message in the caller's language, and nothing is
//! written half-way; sessions, CSRF, throttling and the second factor behave.

mod common;

use axum::http::{Method, StatusCode, header};
use centinela_store::{Page, Scope, accounts, audit, constituency as repo};
use common::{Call, csrf_of, login, session_cookie, worlds, worlds_with};
use serde_json::json;

async fn institution_count(w: &common::World) -> i64 {
    repo::list_institutions(w.db(), &Scope::All, &Default::default(), Page::default())
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn bad_api_bodies_are_refused_whole() {
    for w in worlds().await {
        let coord = Some(w.tokens["coordinator"].as_str());
        let before = institution_count(&w).await;
        let audit_before = audit::list(w.db(), &Scope::All, None, Page::new(Some(1), None))
            .await
            .unwrap()
            .1;
        let valid = json!({"slug": "nuevo", "acronym": "NV", "name_es": "Nuevo", "name_en": "New", "sector": "energy", "level": "federal", "criticality": "other"});
        let long = "x".repeat(5000);
        // (body, content type, expected status, a word the message must contain)
        let cases: Vec<(String, &str, u16, &str)> = vec![
            ("{not json".into(), "application/json", 400, "JSON"),
            (valid.to_string(), "text/plain", 415, "application/json"),
            (json!({"slug": "x"}).to_string(), "application/json", 422, "missing field"),
            (json!({"slug": 5, "acronym": "A", "name_es": "a", "name_en": "a", "sector": "energy", "level": "federal", "criticality": "other"}).to_string(), "application/json", 422, "invalid type"),
            ({ let mut v = valid.clone(); v["is_admin"] = json!(true); v.to_string() }, "application/json", 422, "unknown field"),
            ({ let mut v = valid.clone(); v["name_es"] = json!(long); v.to_string() }, "application/json", 422, "200"),
            ({ let mut v = valid.clone(); v["sector"] = json!("nowhere"); v.to_string() }, "application/json", 422, "sector"),
            ({ let mut v = valid.clone(); v["slug"] = json!("Con Espacios"); v.to_string() }, "application/json", 422, "minúsculas"),
            ({ let mut v = valid.clone(); v["website"] = json!("http://plain.mx"); v.to_string() }, "application/json", 422, "https://"),
            ({ let mut v = valid.clone(); v["acronym"] = json!("A\u{0007}"); v.to_string() }, "application/json", 422, "control"),
            ("[]".into(), "application/json", 422, "JSON"),
            (String::new(), "application/json", 400, "JSON"),
        ];
        for (body, ct, status, word) in cases {
            let r = Call::new(Method::POST, "/api/v1/institutions")
                .token(coord)
                .raw(body.clone(), ct)
                .send(&w.app)
                .await;
            assert_eq!(
                r.status.as_u16(),
                status,
                "{}: {body:.80} → {}",
                w.t.label,
                r.body
            );
            let v = r.json();
            let all = format!("{} {}", v["error"]["message"], v["error"]["fields"]);
            assert!(
                all.contains(word),
                "{}: message for {body:.60} should mention {word:?}: {all}",
                w.t.label
            );
        }
        // Oversized bodies are cut off before parsing.
        let huge = format!("{{\"slug\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
        let r = Call::new(Method::POST, "/api/v1/institutions")
            .token(coord)
            .raw(huge, "application/json")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "too_large");
        // Refused on its declared length alone: still the JSON error shape.
        let declared = format!("{{\"slug\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
        let len = declared.len().to_string();
        let r = Call::new(Method::POST, "/api/v1/incidents/import")
            .token(coord)
            .raw(declared, "application/json")
            .header("content-length", len)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "too_large");
        assert_eq!(
            institution_count(&w).await,
            before,
            "{}: nothing written",
            w.t.label
        );
        assert_eq!(
            audit::list(w.db(), &Scope::All, None, Page::new(Some(1), None))
                .await
                .unwrap()
                .1,
            audit_before
        );

        // The same error in English for an English-speaking client.
        let r = Call::new(Method::POST, "/api/v1/institutions")
            .token(coord)
            .raw("{}", "application/json")
            .header("accept-language", "en-US,en;q=0.9")
            .send(&w.app)
            .await;
        assert!(r.error_message().contains("expected shape"), "{}", r.body);

        // Field-level messages, and the suggestion for a prefix with host bits.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/networks", w.own),
        )
        .token(coord)
        .json(&json!({"kind": "cidr", "value": "198.51.100.7/28"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.json()["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("198.51.100.0/28"),
            "{}",
            r.body
        );
        for (kind, value) in [
            ("cidr", "300.1.1.0/24"),
            ("asn", "AS-x"),
            ("domain", "no spaces allowed.mx"),
            ("nope", "x"),
        ] {
            let r = Call::new(
                Method::POST,
                format!("/api/v1/institutions/{}/networks", w.own),
            )
            .token(coord)
            .json(&json!({"kind": kind, "value": value}))
            .send(&w.app)
            .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{kind} {value}");
        }
        // A network another institution owns: a conflict, not a second owner.
        let theirs = repo::list_networks(w.db(), w.other, Page::default())
            .await
            .unwrap()
            .0[0]
            .clone();
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/networks", w.own),
        )
        .token(coord)
        .json(&json!({"kind": theirs.kind, "value": theirs.value}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

        // Query and path parameters.
        for path in [
            "/api/v1/institutions?limit=abc",
            "/api/v1/institutions?offset=-x",
            "/api/v1/institutions?unknown=1",
            "/api/v1/audit?institution=nope",
        ] {
            let r = Call::get(path).token(coord).send(&w.app).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        }
        let r = Call::new(
            Method::PUT,
            format!("/api/v1/institutions/{}/officers/boss", w.own),
        )
        .token(coord)
        .json(&json!({"name": "A", "email": "a@b.mx", "named_on": "2026-01-01"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = Call::new(
            Method::PUT,
            format!("/api/v1/institutions/{}/officers/head", w.own),
        )
        .token(coord)
        .json(&json!({"name": "A", "email": "not-an-email", "named_on": "2026-02-30x"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 2);
        let r = Call::new(Method::PATCH, "/api/v1/institutions")
            .token(coord)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.json()["error"]["code"], "method_not_allowed");

        // Officers may not reclassify their own institution.
        let own = repo::get_institution(w.db(), w.own).await.unwrap();
        let r = Call::new(Method::PUT, format!("/api/v1/institutions/{}", w.own)).token(Some(&w.tokens["officer"]))
            .json(&json!({"slug": own.slug, "acronym": own.acronym, "name_es": own.name_es, "name_en": own.name_en, "sector": own.sector, "subsector": own.subsector, "level": own.level, "criticality": "other"}))
            .send(&w.app).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(
            repo::get_institution(w.db(), w.own)
                .await
                .unwrap()
                .criticality,
            own.criticality
        );

        // Users: weak passwords and unknown roles are refused with reasons.
        let r = Call::new(Method::POST, "/api/v1/users")
            .token(Some(&w.tokens["admin"]))
            .json(&json!({"email": "x@y.mx", "name": "X", "role": "emperor", "password": "short"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = r.json()["error"]["fields"].to_string();
        assert!(
            fields.contains("role") && fields.contains("password"),
            "{fields}"
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn wrong_tokens_are_401() {
    for w in worlds().await {
        for auth in [
            "Bearer nope",
            "Bearer cnt_00000000000000000000000000000000_x",
            "Basic abc",
            "Bearer ",
        ] {
            let r = Call::get("/api/v1/institutions")
                .header("authorization", auth)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth}");
            assert_eq!(r.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
            assert!(r.error_message().contains("token"), "{}", r.body);
        }
        w.cleanup().await;
    }
}

#[tokio::test]
async fn forms_csrf_and_sessions() {
    for w in worlds().await {
        let cookie = login(&w.app, "coordinador@centinela.example").await;
        let csrf = csrf_of(&w.app, &cookie).await;
        let path = format!("/institutions/{}/networks", w.own);
        // Without the token, or with another one: refused, nothing written.
        let n_before = repo::list_networks(w.db(), w.own, Page::default())
            .await
            .unwrap()
            .1;
        for token in ["", "forged"] {
            let r = Call::new(Method::POST, &path)
                .cookie(&cookie)
                .form(&[
                    ("_csrf", token),
                    ("kind", "domain"),
                    ("value", "a.ejemplo.gob.mx"),
                ])
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "csrf {token:?}");
        }
        // From another site, even with the token.
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .header("origin", "https://evil.example")
            .form(&[
                ("_csrf", &csrf),
                ("kind", "domain"),
                ("value", "a.ejemplo.gob.mx"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            repo::list_networks(w.db(), w.own, Page::default())
                .await
                .unwrap()
                .1,
            n_before
        );
        // With it: done.
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .form(&[
                ("_csrf", &csrf),
                ("kind", "domain"),
                ("value", "a.ejemplo.gob.mx"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A bad value re-renders the form with the message, in Spanish, status 422.
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .form(&[("_csrf", &csrf), ("kind", "cidr"), ("value", "10.0.0.1/8")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("¿quisiste decir 10.0.0.0/8?"), "{}", r.body);
        // The htmx header works as well as the form field.
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .header("x-csrf-token", csrf.clone())
            .header("hx-request", "true")
            .form(&[("kind", "domain"), ("value", "b.ejemplo.gob.mx")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("b.ejemplo.gob.mx"));
        // Language switch: remembered on the account.
        let r = Call::new(Method::POST, "/lang")
            .cookie(&cookie)
            .form(&[("_csrf", &csrf), ("lang", "en"), ("next", "/institutions")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = Call::get("/institutions")
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert!(
            page.body.contains("lang=\"en\"") && page.body.contains("Institutions"),
            "English after the switch"
        );
        let coordinator = accounts::find_user_by_email(w.db(), "coordinador@centinela.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(coordinator.locale, "en");
        // Logout ends the session on the server.
        let r = Call::new(Method::POST, "/logout")
            .cookie(&cookie)
            .form(&[("_csrf", &csrf)])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = Call::get("/dashboard").cookie(&cookie).send(&w.app).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            r.headers
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn login_is_throttled_per_account() {
    for w in worlds().await {
        let email = "oficial.imss@centinela.example";
        for _ in 0..accounts::MAX_FAILURES {
            let r = Call::new(Method::POST, "/login")
                .form(&[("email", email), ("password", "equivocada123456")])
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(r.body.contains("incorrectos"));
        }
        // Now even the right password waits, with the same answer as for an unknown account.
        let r = Call::new(Method::POST, "/login")
            .form(&[
                ("email", email),
                ("password", centinela_store::seed::DEMO_PASSWORD),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(session_cookie(&r).is_none());
        w.cleanup().await;
    }
}

fn code_for(secret: &str, email: &str, offset_steps: i64) -> String {
    let totp = centinela_web::pages::account::totp_for(secret, email).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + offset_steps * 30;
    totp.generate(now as u64).to_string()
}

#[tokio::test]
async fn totp_second_factor() {
    let settings = centinela_web::WebSettings {
        require_totp_for_coordinators: true,
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let email = "coordinador@centinela.example";
        let cookie = login(&w.app, email).await;
        // Mandatory for coordinators: everything but the account page sends them there.
        let r = Call::get("/institutions")
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/account");
        let csrf = csrf_of(&w.app, &cookie).await;
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let r = Call::new(Method::POST, "/account/totp")
            .cookie(&cookie)
            .form(&[("_csrf", &csrf), ("secret", secret), ("code", "000000")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let enrol_code = code_for(secret, email, -1);
        let r = Call::new(Method::POST, "/account/totp")
            .cookie(&cookie)
            .form(&[("_csrf", &csrf), ("secret", secret), ("code", &enrol_code)])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            Call::get("/institutions")
                .cookie(&cookie)
                .send(&w.app)
                .await
                .status,
            StatusCode::OK
        );

        // Next login: password, then the code; nothing else until then.
        let r = Call::new(Method::POST, "/login")
            .form(&[
                ("email", email),
                ("password", centinela_store::seed::DEMO_PASSWORD),
            ])
            .send(&w.app)
            .await;
        assert!(
            r.headers
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/login/totp")
        );
        let partial = session_cookie(&r).unwrap();
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&partial)
                .send(&w.app)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let page = Call::get("/login/totp").cookie(&partial).send(&w.app).await;
        let csrf = common::csrf_in(&page.body);
        // The very code used at enrolment is refused: its step was spent (or has expired).
        let r = Call::new(Method::POST, "/login/totp")
            .cookie(&partial)
            .form(&[("_csrf", &csrf), ("code", &enrol_code)])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = Call::new(Method::POST, "/login/totp")
            .cookie(&partial)
            .form(&[("_csrf", &csrf), ("code", &code_for(secret, email, 0))])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let full = session_cookie(&r).unwrap();
        assert_ne!(full, partial, "a new session token after the second factor");
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&full)
                .send(&w.app)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&partial)
                .send(&w.app)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn security_headers_and_operations() {
    for w in worlds().await {
        let page = Call::get("/login").send(&w.app).await;
        let h = &page.headers;
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline")
        );
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "same-origin");
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert!(
            h.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "HSTS only behind TLS"
        );
        assert!(
            !page.body.contains("<script>")
                && !page.body.contains(" style=")
                && !page.body.contains("onclick")
        );
        let err = Call::get("/api/v1/institutions").send(&w.app).await;
        assert!(
            err.headers.get(header::CONTENT_SECURITY_POLICY).is_some(),
            "errors carry the headers too"
        );
        assert_eq!(
            Call::get("/healthz").send(&w.app).await.status,
            StatusCode::OK
        );
        let m = Call::get("/metrics").send(&w.app).await;
        assert!(m.body.contains("centinela_http_requests_total{method=\"GET\",route=\"/api/v1/institutions\",status=\"401\"}"), "{}", m.body);
        assert!(m.body.contains("centinela_db_pool_connections"));
        let doc = Call::get("/api/v1/openapi.json").send(&w.app).await.json();
        assert_eq!(doc["openapi"], "3.1.0");
        let docs = Call::get("/api/docs").send(&w.app).await;
        assert!(docs.body.contains("/api/v1/institutions/{id}/networks"));
        let js = Call::get("/static/vendor/htmx-2.0.11.min.js")
            .send(&w.app)
            .await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(
            js.headers
                .get(header::CACHE_CONTROL)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn events_follow_the_access_policy() {
    use futures_util::StreamExt;
    for w in worlds().await {
        let mut rx_officer = tokio_stream::wrappers::BroadcastStream::new(w.state.bus.subscribe());
        let coord = Some(w.tokens["coordinator"].as_str());
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/contacts", w.other),
        )
        .token(coord)
        .json(&json!({"kind": "noc", "name": "NOC", "email": "noc@pemex.com"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let e = tokio::time::timeout(std::time::Duration::from_secs(10), rx_officer.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(e.topic, "contact.created");
        assert_eq!(e.institution_id, Some(w.other));
        w.cleanup().await;
    }
}

#[tokio::test]
async fn password_change_ends_other_sessions() {
    for w in worlds().await {
        let email = "oficial.imss@centinela.example";
        let here = login(&w.app, email).await;
        let elsewhere = login(&w.app, email).await;
        let csrf = csrf_of(&w.app, &here).await;
        let weak = Call::new(Method::POST, "/account/password")
            .cookie(&here)
            .form(&[
                ("_csrf", &csrf),
                ("current", centinela_store::seed::DEMO_PASSWORD),
                ("new", "corta"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("al menos 12"), "{}", weak.body);
        let r = Call::new(Method::POST, "/account/password")
            .cookie(&here)
            .form(&[
                ("_csrf", &csrf),
                ("current", centinela_store::seed::DEMO_PASSWORD),
                ("new", "una frase nueva y larga"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("password-changed"));
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&here)
                .send(&w.app)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&elsewhere)
                .send(&w.app)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let old = Call::new(Method::POST, "/login")
            .form(&[
                ("email", email),
                ("password", centinela_store::seed::DEMO_PASSWORD),
            ])
            .send(&w.app)
            .await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
        let new = Call::new(Method::POST, "/login")
            .form(&[("email", email), ("password", "una frase nueva y larga")])
            .send(&w.app)
            .await;
        assert_eq!(new.status, StatusCode::SEE_OTHER);
        w.cleanup().await;
    }
}
