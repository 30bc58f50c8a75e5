//! Centinela's HTTP surface: the JSON API (`/api/v1`, described by OpenAPI 3.1), the
//! server-rendered interface (askama + htmx, es-MX and en), server-sent events, health and
//! metrics — one axum router on one port.
//!
//! Every route is declared once in [`routes::table`], with the action and resource kind it
//! touches; one middleware authenticates the caller and applies
//! `centinela_core::access::may` before any handler runs, and the OpenAPI description and the
//! access-matrix tests are generated from the same table.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = centinela_store::Db::connect("sqlite://centinela.db").await?;
//! db.migrate().await?;
//! let state = centinela_web::AppState::new(db, centinela_web::WebSettings::default()).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! centinela_web::serve(listener, state, std::future::pending()).await?;
//! # Ok(()) }
//! ```

// The OpenAPI schemas are one large `json!` literal.
#![recursion_limit = "512"]

pub mod api;
mod assets;
pub mod auth;
pub mod cache;
pub mod demo;
pub mod digest;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod i18n;
pub mod ingest;
pub mod late;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod reminders;
pub mod routes;
pub mod seals;
pub mod security;
pub mod transparency;
pub mod tsa;
pub mod watch;
pub mod webhooks;
pub mod worker;

use axum::Router;
use centinela_store::Db;
use centinela_store::events::EventBus;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` with the `__Host-` prefix. Off only for plain-HTTP local use and
    /// tests; `serve` turns it on when `--behind-tls` is given.
    pub cookie_secure: bool,
    /// Send HSTS: set when a TLS-terminating proxy is in front.
    pub behind_tls: bool,
    /// Coordinators and administrators must have TOTP before using the platform.
    pub require_totp_for_coordinators: bool,
    /// If set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Largest request body accepted, in bytes (uploads have their own limit).
    pub body_limit: usize,
    /// Where uploaded files (third-party reports) are kept; uploads are refused without it.
    /// Replicas on several machines must share it.
    pub files_dir: Option<std::path::PathBuf>,
    /// Largest uploaded report, in bytes.
    pub upload_limit: u64,
    /// Largest evidence file, in bytes.
    pub evidence_limit: u64,
    /// Run background job workers (feed ingestion, e-mail, late-stage watch) in this process.
    pub workers: bool,
    /// The incident protocol new reports are made under (`mx-apf-2025` when unset); past
    /// incidents keep theirs.
    pub protocol: Option<String>,
    /// Outgoing e-mail (SMTP relay and sender); without it, no e-mail is queued or sent.
    pub mail: Option<mail::MailSettings>,
    /// Let webhooks call loopback and link-local addresses (tests, a relay on the same host);
    /// off in production, so a subscription cannot reach the host's own services.
    pub webhooks_allow_local: bool,
    /// NVD/KEV files to match inventory software against (the binary loads them).
    pub vuln_dir: Option<std::path::PathBuf>,
    /// A directory of reports to ingest as they arrive (see `watch`); needs `files_dir`.
    pub feeds_watch: Option<std::path::PathBuf>,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            cookie_secure: false,
            behind_tls: false,
            require_totp_for_coordinators: false,
            metrics_token: None,
            body_limit: 1024 * 1024,
            files_dir: None,
            upload_limit: 512 * 1024 * 1024,
            evidence_limit: 50 * 1024 * 1024,
            workers: true,
            mail: None,
            protocol: None,
            vuln_dir: None,
            feeds_watch: None,
            webhooks_allow_local: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<metrics::Metrics>,
    pub bus: EventBus,
    pub openapi: Arc<str>,
    /// Bounds concurrent Argon2 work so a burst of logins cannot exhaust memory.
    pub hashing: Arc<tokio::sync::Semaphore>,
    pub ip_brake: Arc<auth::IpBrake>,
    /// The transparency log that anchors the audit trail, when this process keeps it.
    pub log: Option<Arc<transparency::TransparencyLog>>,
    /// Derived, short-lived caches of hot reads (see `cache`).
    pub caches: Arc<cache::Caches>,
    /// Known vulnerabilities (NVD, KEV) for matching the inventory, when loaded.
    pub vulns: Option<Arc<vuln::VulnDb>>,
    /// Writes incident reports that arrive together in one transaction (group commit).
    pub reports: centinela_store::report_batch::ReportBatcher,
    /// The RFC 3161 time-stamping authority, when configured.
    pub tsa: Option<Arc<trust::tsp::TimeStampAuthority>>,
    /// The e-seal service (sealing CA + TSA), when configured.
    pub seals: Option<Arc<seals::SealAuthority>>,
}

impl AppState {
    pub async fn new(db: Db, settings: WebSettings) -> Result<Self, centinela_store::StoreError> {
        centinela_store::assessments::ensure_shipped(&db, &api::assessments::shipped_version())
            .await?;
        let bus = EventBus::start(db.clone()).await?;
        let caches: Arc<cache::Caches> = Arc::default();
        tokio::spawn(forget_on_events(bus.clone(), caches.clone()));
        if settings.workers {
            tokio::spawn(worker::work_forever(
                db.clone(),
                settings.files_dir.clone(),
                settings.mail.clone(),
                settings.webhooks_allow_local,
            ));
            tokio::spawn(webhooks::dispatch_forever(
                db.clone(),
                std::time::Duration::from_secs(1),
            ));
        }
        Ok(AppState {
            reports: centinela_store::report_batch::ReportBatcher::start(db.clone()),
            db,
            settings: Arc::new(settings),
            metrics: Arc::default(),
            bus,
            openapi: openapi::document().to_string().into(),
            hashing: Arc::new(tokio::sync::Semaphore::new(4)),
            ip_brake: Arc::default(),
            log: None,
            tsa: None,
            seals: None,
            vulns: None,
            caches,
        })
    }

    /// Matches inventory software against these known vulnerabilities.
    pub fn with_vulns(mut self, vulns: Arc<vuln::VulnDb>) -> Self {
        self.vulns = Some(vulns);
        self
    }

    /// Answers time-stamp requests at `/tsa`.
    pub fn with_seals(mut self, seals: Arc<seals::SealAuthority>) -> Self {
        self.seals = Some(seals);
        self
    }

    pub fn with_tsa(mut self, tsa: Arc<trust::tsp::TimeStampAuthority>) -> Self {
        self.tsa = Some(tsa);
        self
    }

    /// Keeps the transparency log in this process: serves it under `/log/` and anchors every
    /// audit entry in it. With several replicas, exactly one should keep the log.
    pub fn with_log(mut self, log: transparency::TransparencyLog) -> Self {
        let log = Arc::new(log);
        tokio::spawn(transparency::anchor_forever(self.db.clone(), log.clone()));
        if let Some(files) = &self.settings.files_dir {
            tokio::spawn(transparency::mirror_forever(
                log.clone(),
                transparency::mirror_dir(files),
            ));
        }
        self.log = Some(log);
        self
    }
}

/// Drops cached institution lists when an institution changes on any replica, and cached
/// principals when accounts or tokens change.
async fn forget_on_events(bus: EventBus, caches: Arc<cache::Caches>) {
    let mut rx = bus.subscribe();
    loop {
        match rx.recv().await {
            Ok(e) if e.topic.starts_with("institution.") => caches.forget_lists(),
            Ok(e) if e.topic.starts_with("account.") => caches.forget_principals(),
            Ok(_) => {}
            // Missed events: forget everything rather than serve something stale.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                caches.forget_lists();
                caches.forget_principals();
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    routes::router(state.clone())
        .fallback(|| async { error::ApiError::not_found() })
        .method_not_allowed_fallback(routes::method_not_allowed)
        // Inner layers first: the body limit and the timeout answer inside the error
        // renderer, so their 413 and 408 get the common error shape and the security headers.
        .layer(axum::middleware::from_fn_with_state(
            limit,
            security::limit_body,
        ))
        // `limit_body` caps every body but uploads, which their handlers cap while streaming
        // (`upload_limit`); axum's own 2 MiB default would refuse any larger report.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            security::observe,
        ))
        .layer(CatchPanicLayer::new())
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.settings.workers {
        tokio::spawn(late::watch_forever(
            state.clone(),
            std::time::Duration::from_secs(60),
        ));
        tokio::spawn(digest::watch_forever(
            state.clone(),
            std::time::Duration::from_secs(60),
        ));
        if let (Some(dir), Some(files)) = (&state.settings.feeds_watch, &state.settings.files_dir) {
            tokio::spawn(watch::watch_forever(
                state.db.clone(),
                dir.clone(),
                files.clone(),
                std::time::Duration::from_secs(5),
            ));
        }
        tokio::spawn(reminders::watch_forever(
            state.clone(),
            std::time::Duration::from_secs(300),
        ));
    }
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
