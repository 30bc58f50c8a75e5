//! A seeded application per backend, with a token for every demo role, driven in-process.

#![allow(dead_code)]

pub mod smtp;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use centinela_store::testing::TestDb;
use centinela_store::{Actor, Db, accounts, constituency as repo, seed};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use tower::ServiceExt;
use uuid::Uuid;

pub struct World {
    pub t: TestDb,
    pub app: Router,
    pub state: centinela_web::AppState,
    /// Bearer tokens by role name: coordinator, admin, officer, ro (read-only officer),
    /// auditor, crisis.
    pub tokens: HashMap<&'static str, String>,
    /// SAT: the officer's own institution, assigned to the auditor.
    pub own: Uuid,
    /// PEMEX: nobody's own, not assigned to the auditor.
    pub other: Uuid,
    pub log_dir: std::path::PathBuf,
}

pub const ROLES: [&str; 7] = [
    "anonymous",
    "coordinator",
    "admin",
    "officer",
    "ro",
    "auditor",
    "crisis",
];

impl World {
    pub fn db(&self) -> &Db {
        &self.t.db
    }

    pub async fn cleanup(self) {
        let _ = std::fs::remove_dir_all(&self.log_dir);
        self.t.cleanup().await;
    }

    /// The newest audit entry about `institution`, once the log has anchored it.
    pub async fn anchored_entry(&self, institution: Uuid) -> centinela_store::audit::AuditEntry {
        use centinela_store::{Page, Scope, audit};
        for _ in 0..200 {
            let (rows, _) = audit::list(
                self.db(),
                &Scope::Only(vec![institution]),
                None,
                Page::new(Some(1), None),
            )
            .await
            .unwrap();
            if rows[0].log_index.is_some() {
                return rows[0].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("audit entry not anchored within 10 s");
    }
}

pub async fn worlds() -> Vec<World> {
    worlds_with(centinela_web::WebSettings::default()).await
}

pub async fn worlds_with(settings: centinela_web::WebSettings) -> Vec<World> {
    let mut out = vec![];
    for t in TestDb::all().await {
        seed::seed_demo(&t.db).await.expect("seed");
        let mut tokens = HashMap::new();
        for (role, email, write) in [
            ("coordinator", "coordinador@centinela.example", true),
            ("admin", "admin@centinela.example", true),
            ("officer", "oficial.sat@centinela.example", true),
            ("ro", "oficial.sat@centinela.example", false),
            ("auditor", "auditoria@centinela.example", true),
            ("crisis", "comite@centinela.example", true),
        ] {
            let user = accounts::find_user_by_email(&t.db, email)
                .await
                .unwrap()
                .unwrap();
            let (tok, _) =
                accounts::create_token(&t.db, &Actor::system(), user.id, role, write, None)
                    .await
                    .unwrap();
            tokens.insert(role, tok);
        }
        let own = repo::find_institution_by_slug(&t.db, "sat")
            .await
            .unwrap()
            .unwrap()
            .id;
        let other = repo::find_institution_by_slug(&t.db, "pemex")
            .await
            .unwrap()
            .unwrap()
            .id;
        let log_dir =
            std::env::temp_dir().join(format!("centinela-test-log-{}", Uuid::new_v4().simple()));
        let log =
            centinela_web::transparency::TransparencyLog::open(&log_dir, "centinela.test/log")
                .unwrap();
        let settings = centinela_web::WebSettings {
            files_dir: Some(log_dir.join("files")),
            ..settings.clone()
        };
        let tsa = centinela_web::tsa::development(&log_dir.join("tsa")).unwrap();
        let seals =
            centinela_web::seals::SealAuthority::development(&log_dir.join("tsa"), tsa.clone())
                .unwrap();
        let state = centinela_web::AppState::new(t.db.clone(), settings)
            .await
            .unwrap()
            .with_tsa(tsa)
            .with_seals(seals)
            .with_log(log)
            .with_vulns(centinela_web::api::inventory::sample_vulns());
        let app = centinela_web::app(state.clone());
        out.push(World {
            t,
            app,
            state,
            tokens,
            own,
            other,
            log_dir,
        });
    }
    out
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A request builder with the pieces tests vary.
pub struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub token: Option<&'a str>,
    pub cookie: Option<String>,
    pub body: Option<(String, &'static str)>,
    pub headers: Vec<(&'static str, String)>,
    pub bytes: Option<(Vec<u8>, &'static str)>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Call {
            method,
            path: path.into(),
            token: None,
            cookie: None,
            body: None,
            headers: vec![],
            bytes: None,
        }
    }
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    pub fn token(mut self, t: Option<&'a str>) -> Self {
        self.token = t;
        self
    }
    pub fn json(mut self, v: &Value) -> Self {
        self.body = Some((v.to_string(), "application/json"));
        self
    }
    /// A multipart upload: text fields, then the file.
    pub fn multipart(mut self, fields: &[(&str, &str)], filename: &str, file: &str) -> Self {
        let boundary = "centinela-test-boundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
        ));
        self.body = Some((
            body,
            "multipart/form-data; boundary=centinela-test-boundary",
        ));
        self
    }

    /// A binary body, sent as is.
    pub fn raw_bytes(mut self, body: Vec<u8>, content_type: &'static str) -> Self {
        self.bytes = Some((body, content_type));
        self
    }

    /// Sends and returns the status and the body as bytes.
    pub async fn send_bytes(self, app: &Router) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.exchange(app, true).await;
        (status, body)
    }

    pub fn raw(mut self, body: impl Into<String>, content_type: &'static str) -> Self {
        self.body = Some((body.into(), content_type));
        self
    }
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = Some((
            serde_urlencoded::to_string(pairs).unwrap(),
            "application/x-www-form-urlencoded",
        ));
        self
    }
    pub fn cookie(mut self, c: &str) -> Self {
        self.cookie = Some(c.to_string());
        self
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub async fn send(self, app: &Router) -> Reply {
        self.send_inner(app, true).await
    }

    /// Only the head of the response (for streams).
    pub async fn send_head(self, app: &Router) -> Reply {
        self.send_inner(app, false).await
    }

    async fn send_inner(self, app: &Router, read_body: bool) -> Reply {
        let (status, headers, body) = self.exchange(app, read_body).await;
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn exchange(
        self,
        app: &Router,
        read_body: bool,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut b = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header(header::HOST, "centinela.test");
        if let Some(t) = self.token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        for (k, v) in &self.headers {
            b = b.header(*k, v);
        }
        let body = match (self.body, self.bytes) {
            (Some((text, ct)), _) => {
                b = b.header(header::CONTENT_TYPE, ct);
                Body::from(text)
            }
            (None, Some((bytes, ct))) => {
                b = b.header(header::CONTENT_TYPE, ct);
                Body::from(bytes)
            }
            (None, None) => Body::empty(),
        };
        let mut req = b.body(body).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = if read_body {
            res.into_body().collect().await.unwrap().to_bytes().to_vec()
        } else {
            vec![]
        };
        (status, headers, body)
    }
}

/// Signs in through the login form; returns the session cookie header value.
pub async fn login(app: &Router, email: &str) -> String {
    let r = Call::new(Method::POST, "/login")
        .form(&[
            ("email", email),
            ("password", seed::DEMO_PASSWORD),
            ("next", "/dashboard"),
        ])
        .send(app)
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login of {email}: {}",
        r.body
    );
    session_cookie(&r).expect("a session cookie")
}

pub fn session_cookie(r: &Reply) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("cnt_sid=") && !c.starts_with("cnt_sid=;"))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// The CSRF token a page carries for its session.
pub async fn csrf_of(app: &Router, cookie: &str) -> String {
    csrf_in(&Call::get("/account").cookie(cookie).send(app).await.body)
}

/// The value of the first `_csrf` field in a page.
pub fn csrf_in(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

/// A write token for a new officer of `institution` (another institution than the world's
/// own officer, to prove what one institution cannot see of another's).
pub async fn officer_token(w: &World, institution: Uuid, email: &str) -> String {
    let u = accounts::create_user(
        w.db(),
        &Actor::system(),
        &accounts::NewUser {
            email,
            name: "Oficial",
            role: centinela_core::principal::Role::Officer,
            institution_id: Some(institution),
            password_hash: "x".into(),
            locale: "es-MX",
            audits: &[],
        },
    )
    .await
    .unwrap();
    accounts::create_token(w.db(), &Actor::system(), u.id, "t", true, None)
        .await
        .unwrap()
        .0
}

/// An API call with `role`'s token and an optional JSON body: status and parsed body (null
/// when the body is not JSON).
pub async fn api(
    w: &World,
    role: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut call = Call::new(method, path).token(Some(&w.tokens[role]));
    if let Some(b) = body {
        call = call.json(&b);
    }
    let r = call.send(&w.app).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

/// Today plus `days`, as an ISO date.
pub fn days_from_today(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

/// A campaign on the shipped baseline (due far ahead) assigning `institution`; its
/// assessment's id.
pub async fn campaign_assessment(w: &World, institution: Uuid) -> Uuid {
    use centinela_store::{Scope, assessments};
    use centinela_web::api::assessments as api_assess;
    let version = assessments::list_versions(w.db())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.version == "0.1.0")
        .unwrap()
        .id;
    let c = api_assess::start_campaign(
        w.db(),
        &Actor::system(),
        &api_assess::CampaignDraft {
            title: "Ronda 2026".into(),
            version_id: version.to_string(),
            due_on: "2099-12-31".into(),
            institutions: vec![institution.to_string()],
        },
    )
    .await
    .unwrap();
    assessments::list_assessments(w.db(), &Scope::All, Some(c.id), Some(institution))
        .await
        .unwrap()
        .remove(0)
        .id
}
