//! The server-rendered interface. Pages share the access checks of the API (the routing
//! layer runs before them) and render with askama in the user's language.

pub mod account;
pub mod assessments;
pub mod auth;
pub mod charts;
pub mod constituency;
pub mod docs;
pub mod exposure;
pub mod feeds;
pub mod incidents;
pub mod ncaf;
pub mod projects;
pub mod trust;
pub mod users;

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{ApiError, field_message};
use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::validate::FieldError;
use subtle::ConstantTimeEq;

/// What the page frame needs: who is signed in, their CSRF token, which links to show.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub email: String,
    pub role: String,
    pub csrf: String,
    pub path: String,
    pub show_audit: bool,
    pub show_users: bool,
    pub show_feeds: bool,
    pub show_incidents: bool,
    pub show_exposure: bool,
    pub show_notices: bool,
    pub show_campaigns: bool,
    pub signed_in: bool,
}

impl Nav {
    pub fn new(ctx: &Ctx, path: &str) -> Self {
        let Some(p) = &ctx.principal else {
            return Nav {
                path: path.to_string(),
                ..Nav::default()
            };
        };
        Nav {
            email: ctx
                .user
                .as_ref()
                .map(|u| u.email.clone())
                .unwrap_or_default(),
            role: p.role.as_str().to_string(),
            csrf: ctx.csrf().to_string(),
            path: path.to_string(),
            show_audit: may(
                p,
                Action::List,
                &Resource::collection(ResourceKind::AuditTrail),
            ) == Decision::Allow,
            show_users: may(p, Action::List, &Resource::collection(ResourceKind::User))
                == Decision::Allow,
            show_incidents: may(
                p,
                Action::List,
                &Resource::collection(ResourceKind::Incident),
            ) == Decision::Allow,
            show_feeds: may(
                p,
                Action::List,
                &Resource::collection(ResourceKind::FeedReport),
            ) == Decision::Allow,
            show_exposure: may(
                p,
                Action::List,
                &Resource::collection(ResourceKind::Exposure),
            ) == Decision::Allow,
            show_notices: may(p, Action::List, &Resource::collection(ResourceKind::Notice))
                == Decision::Allow,
            show_campaigns: may(
                p,
                Action::List,
                &Resource::collection(ResourceKind::Campaign),
            ) == Decision::Allow,
            signed_in: true,
        }
    }

    /// `aria-current` for the navigation link to `prefix`.
    pub fn current(&self, prefix: &str) -> &'static str {
        if self.path == prefix || self.path.starts_with(&format!("{prefix}/")) {
            "page"
        } else {
            "false"
        }
    }
}

/// Field errors translated for a form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    pub fn new(lang: Lang, errors: &[FieldError]) -> Self {
        FormErrors(
            errors
                .iter()
                .map(|e| (e.field.clone(), field_message(lang, e)))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Form fields arrive with the CSRF token beside them; the draft ignores it.
pub(crate) fn without_csrf<T: serde::de::DeserializeOwned>(
    pairs: Vec<(String, String)>,
) -> Result<T, ApiError> {
    let kept: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let encoded =
        serde_urlencoded::to_string(&kept).map_err(|_| ApiError::bad_request("err-form"))?;
    serde_urlencoded::from_str(&encoded)
        .map_err(|e| ApiError::bad_request("err-form").arg("detail", e.to_string()))
}

pub fn render(t: &impl Template) -> Result<Html<String>, ApiError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "template failed");
        ApiError::internal()
    })
}

pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    status: u16,
    message: &'a str,
    fields: Vec<String>,
}

pub fn error_page(lang: Lang, err: &ApiError) -> String {
    let message = crate::i18n::message(lang, err.key, &err.args);
    let page = ErrorPage {
        t: Tr { lang },
        status: err.status.as_u16(),
        message: &message,
        fields: err.fields.iter().map(|f| field_message(lang, f)).collect(),
    };
    page.render().unwrap_or(message)
}

/// Reads the multipart fields of a page form: `_csrf` first when signed in by session; each
/// file field is hashed as it streams (documents are never stored), small ones kept whole.
pub struct Upload {
    /// (field, SHA-256, file name) of each hashed field.
    pub hashed: Vec<(String, [u8; 32], String)>,
    /// (field, bytes) of each field kept whole.
    pub kept: Vec<(String, Vec<u8>)>,
}

pub async fn read_upload(
    state: &AppState,
    ctx: &Ctx,
    multipart: Result<Multipart, MultipartRejection>,
    hash: &[&str],
    keep: &[&str],
    keep_limit: usize,
) -> Result<Upload, ApiError> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-multipart",
        )
    })?;
    let mut csrf_ok = !ctx.via_session;
    let mut out = Upload {
        hashed: vec![],
        kept: vec![],
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| ApiError::bad_request("err-multipart").arg("detail", ""))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "_csrf" {
            let text = crate::seals::small_field(field, 256).await?;
            csrf_ok = !ctx.csrf().is_empty() && bool::from(text.ct_eq(ctx.csrf().as_bytes()));
            continue;
        }
        if !csrf_ok {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "err-csrf"));
        }
        if hash.contains(&name.as_str()) {
            let file_name = field
                .file_name()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            let (digest, _) = crate::seals::hash_field(field, state.settings.upload_limit).await?;
            out.hashed.push((name, digest, file_name));
        } else if keep.contains(&name.as_str()) {
            let bytes = crate::seals::small_field(field, keep_limit).await?;
            out.kept.push((name, bytes));
        } else {
            return Err(ApiError::bad_request("err-multipart-field").arg("field", name));
        }
    }
    Ok(out)
}
