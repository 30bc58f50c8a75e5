//! JSON API handlers (`/api/v1`). Thin: extract, check the record's owner, call the store.

pub mod accounts;
pub mod answer_inference;
pub mod assessment_exports;
pub mod assessments;
pub mod campaign_trend;
pub mod constituency;
pub mod csv_table;
pub mod events;
pub mod evidence;
pub mod feeds;
pub mod incident_import;
pub mod incident_work;
pub mod incidents;
pub mod inventory;
pub mod ncaf;
pub mod ops;
pub mod projects;
pub mod reference;
pub mod trust;
pub mod webhooks;

use crate::error::ApiError;
use axum::http::StatusCode;
use centinela_core::access::{Action, Decision, Resource, may};
use centinela_core::principal::Principal;
use centinela_store::{Page, Scope};
use serde::{Deserialize, Serialize};

/// Pagination parameters of list routes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset)
    }
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// Applies the access policy to one record; `Hidden` answers as a missing record.
pub fn authorize(p: &Principal, action: Action, r: &Resource) -> Result<(), ApiError> {
    match may(p, action, r) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(ApiError::forbidden()),
        Decision::Hidden => Err(ApiError::not_found()),
    }
}

pub fn scope(p: &Principal) -> Scope {
    Scope::from_visible(p.visible_institutions())
}

pub fn created<T: Serialize>(v: T) -> (StatusCode, axum::Json<T>) {
    (StatusCode::CREATED, axum::Json(v))
}
