//! Centinela's persistence: one `Db` over SQLite (the embedded default) or PostgreSQL.
//!
//! Each backend has its own migrations, applied at start. Queries are written once, with
//! `$N` placeholders that both backends accept, and run through [`Db`] or [`Tx`], which bind
//! plain [`Arg`] values to the right driver. Every change writes its audit-trail entry and its
//! event (the outbox behind the event bus) in the same transaction as the change itself.
//!
//! Not here: HTTP, templates, access decisions (callers pass a [`Scope`] computed by
//! `centinela_core::access`).

pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod constituency;
mod db;
pub mod events;
pub mod evidence;
pub mod exposure;
pub mod incident_stats;
pub mod incident_work;
pub mod incidents;
pub mod inference;
pub mod inventory;
pub mod jobs;
pub mod ncaf;
pub mod projects;
pub mod report_batch;
pub mod seed;
pub mod stats;
pub mod testing;
pub mod text_fold;
pub mod trust;
pub mod webhooks;

pub use db::{Arg, Backend, Db, PoolStats, Tx};

use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    BadUrl(String),
    #[error("not found")]
    NotFound,
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The record is not in a state that allows this change (a 409 naming the rule).
    #[error("not allowed now: {0}")]
    State(&'static str),
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("demo data: {0}")]
    Seed(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which institutions' records a query may return: all, or only these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Only(Vec<Uuid>),
}

impl Scope {
    pub fn from_visible(visible: Option<Vec<Uuid>>) -> Self {
        match visible {
            None => Scope::All,
            Some(v) => Scope::Only(v),
        }
    }

    /// SQL condition on `column` starting at placeholder `$first`, and its arguments.
    pub(crate) fn condition(&self, column: &str, first: usize) -> (String, Vec<Arg>) {
        match self {
            Scope::All => ("TRUE".into(), vec![]),
            Scope::Only(ids) if ids.is_empty() => ("FALSE".into(), vec![]),
            Scope::Only(ids) => {
                let marks: Vec<String> =
                    (0..ids.len()).map(|i| format!("${}", first + i)).collect();
                (
                    format!("{column} IN ({})", marks.join(", ")),
                    ids.iter().map(|id| Arg::from(*id)).collect(),
                )
            }
        }
    }
}

/// Offset pagination with a bounded page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 200;
    pub const DEFAULT_LIMIT: i64 = 50;

    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Self {
        Page {
            limit: limit
                .unwrap_or(Self::DEFAULT_LIMIT)
                .clamp(1, Self::MAX_LIMIT),
            offset: offset.unwrap_or(0).max(0),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// Who made a change, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub email: String,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            user_id: None,
            email: "system".into(),
        }
    }
}

pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
