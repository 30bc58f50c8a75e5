//! The caller's account, users, API tokens and the audit trail.

use crate::AppState;
use crate::api::{PageQuery, Paged, authorize, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::access::{Action, Resource, ResourceKind};
use centinela_core::principal::Role;
use centinela_core::validate::{Checks, FieldError};
use centinela_store::accounts::{self, ApiToken, NewUser, User};
use centinela_store::audit::{self, AuditEntry};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Serialize)]
pub struct Me {
    pub user: User,
    pub audits: Vec<Uuid>,
    pub totp_enabled: bool,
}

pub async fn me(ctx: Ctx) -> Result<Json<Me>, ApiError> {
    let user = ctx.user()?.clone();
    Ok(Json(Me {
        totp_enabled: user.totp_enabled(),
        audits: ctx.principal()?.audits.clone(),
        user,
    }))
}

pub async fn list_users(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<User>>, ApiError> {
    let (items, total) =
        accounts::list_users(&state.db, &scope(ctx.principal()?), q.page()).await?;
    Ok(Json(Paged::new(items, total, q.page())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDraft {
    pub email: String,
    pub name: String,
    pub role: String,
    pub institution_id: Option<Uuid>,
    pub password: String,
    #[serde(default)]
    pub audits: Vec<Uuid>,
    #[serde(default)]
    pub locale: Option<String>,
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<UserDraft>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    Ok(created(create_user_from_draft(&state, &ctx, d).await?))
}

/// Validates and creates an account (the API and the accounts page share this).
pub async fn create_user_from_draft(
    state: &AppState,
    ctx: &Ctx,
    d: UserDraft,
) -> Result<User, ApiError> {
    let mut c = Checks::default();
    c.email("email", &d.email);
    c.text("name", &d.name, 200);
    let role: Option<Role> = d.role.parse().ok();
    match role {
        None => c.push(FieldError::new("role", "err-choice")),
        Some(r) if r.needs_institution() && d.institution_id.is_none() => {
            c.push(FieldError::new("institution_id", "err-required"))
        }
        _ => {}
    }
    if let Err(e) = centinela_core::password::check("password", &d.password, &d.email) {
        c.push(e);
    }
    if d.audits.len() > 500 {
        c.push(FieldError::new("audits", "err-too-long").arg("max", 500));
    }
    let locale = d.locale.as_deref().unwrap_or("es-MX");
    if crate::i18n::Lang::from_tag(locale).is_none() {
        c.push(FieldError::new("locale", "err-choice"));
    }
    c.finish().map_err(ApiError::invalid)?;
    let role = role.expect("validated");
    for inst in d.institution_id.iter().chain(&d.audits) {
        centinela_store::constituency::get_institution(&state.db, *inst)
            .await
            .map_err(|_| {
                ApiError::invalid(vec![FieldError::new(
                    "institution_id",
                    "err-no-institution",
                )])
            })?;
    }
    let password = d.password.clone();
    let hash = {
        let _permit = state
            .hashing
            .acquire()
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(move || accounts::hash_password(&password))
            .await
            .map_err(|_| ApiError::internal())?
    };
    let user = accounts::create_user(
        &state.db,
        &ctx.actor(),
        &NewUser {
            email: &d.email,
            name: &d.name,
            role,
            institution_id: d.institution_id,
            password_hash: hash,
            locale: crate::i18n::Lang::from_tag(locale)
                .unwrap_or_default()
                .tag(),
            audits: if role == Role::Auditor {
                &d.audits
            } else {
                &[]
            },
        },
    )
    .await?;
    Ok(user)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub institution: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub async fn audit_trail(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Paged<AuditEntry>>, ApiError> {
    let p = ctx.principal()?;
    if let Some(i) = q.institution {
        authorize(
            p,
            Action::Read,
            &Resource::owned(ResourceKind::AuditTrail, i),
        )?;
    }
    let page = centinela_store::Page::new(q.limit, q.offset);
    let (items, total) = audit::list(&state.db, &scope(p), q.institution, page).await?;
    Ok(Json(Paged::new(items, total, page)))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(
        accounts::list_tokens(&state.db, ctx.user()?.id).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    pub name: String,
    #[serde(default)]
    pub write: bool,
    /// Days until expiry (1–366); none for no expiry.
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize)]
pub struct TokenCreated {
    /// The secret, shown only now.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<TokenDraft>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let mut c = Checks::default();
    c.text("name", &d.name, 100);
    if d.expires_in_days.is_some_and(|n| !(1..=366).contains(&n)) {
        c.push(
            FieldError::new("expires_in_days", "err-range")
                .arg("min", 1)
                .arg("max", 366),
        );
    }
    c.finish().map_err(ApiError::invalid)?;
    // A read-only token cannot mint a writing one.
    if d.write && ctx.principal()?.via == (centinela_core::principal::Via::Token { write: false }) {
        return Err(ApiError::forbidden());
    }
    let expires = d
        .expires_in_days
        .map(|n| OffsetDateTime::now_utc() + time::Duration::days(n));
    let (token, info) = accounts::create_token(
        &state.db,
        &ctx.actor(),
        ctx.user()?.id,
        &d.name,
        d.write,
        expires,
    )
    .await?;
    Ok(created(TokenCreated { token, info }))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    accounts::revoke_token(&state.db, &ctx.actor(), ctx.user()?.id, id).await?;
    state.caches.forget_principals();
    Ok(StatusCode::NO_CONTENT)
}
