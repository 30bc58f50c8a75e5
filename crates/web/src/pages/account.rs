//! The account page: second factor and API tokens.

use crate::AppState;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath};
use crate::i18n::Tr;
use crate::pages::{Nav, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use centinela_store::accounts::{self, ApiToken};
use serde::Deserialize;
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

pub const ISSUER: &str = "Centinela";

/// A TOTP (SHA-1, 6 digits, 30 s: what authenticator apps expect) for a base32 secret.
pub fn totp_for(secret_b32: &str, email: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(email)
        .build()
        .ok()
}

/// The time step a code is valid for, if any (one step of skew either way, RFC 6238).
pub fn check_code(secret_b32: &str, email: &str, code: &str) -> Option<u64> {
    let totp = totp_for(secret_b32, email)?;
    let code = code.trim().replace(' ', "");
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    totp.check(&code, now)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    nav: Nav,
    email: String,
    role: String,
    totp_enabled: bool,
    must_enrol: bool,
    /// A fresh secret offered for enrolment, with its otpauth:// URL.
    new_secret: String,
    new_url: String,
    totp_error: String,
    tokens: Vec<ApiToken>,
    created_token: String,
    token_error: String,
    password_errors: crate::pages::FormErrors,
    password_changed: bool,
}

async fn account_page(state: &AppState, ctx: &Ctx) -> Result<AccountPage, ApiError> {
    let user = ctx.user()?;
    let secret = Secret::generate().to_base32();
    let url = totp_for(&secret, &user.email)
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default();
    Ok(AccountPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/account"),
        email: user.email.clone(),
        role: user.role.clone(),
        totp_enabled: user.totp_enabled(),
        must_enrol: ctx.needs_totp_enrolment,
        new_secret: secret,
        new_url: url,
        totp_error: String::new(),
        tokens: accounts::list_tokens(&state.db, user.id).await?,
        created_token: String::new(),
        token_error: String::new(),
        password_errors: crate::pages::FormErrors::default(),
        password_changed: false,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    Ok(render(&account_page(&state, &ctx).await?)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct EnableTotpForm {
    secret: String,
    code: String,
}

/// Enables TOTP once the user proves their app holds the secret.
pub async fn enable_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(form): ApiForm<EnableTotpForm>,
) -> Result<Response, ApiError> {
    let user = ctx.user()?.clone();
    let valid_secret = form.secret.len() <= 128 && totp_for(&form.secret, &user.email).is_some();
    if valid_secret
        && form.code.len() <= 12
        && let Some(step) = check_code(&form.secret, &user.email, &form.code)
    {
        // The step is stored as used, so the enrolment code cannot be replayed at login.
        accounts::set_totp(
            &state.db,
            &ctx.actor(),
            user.id,
            Some(&form.secret),
            Some(step as i64),
        )
        .await?;
        return Ok(redirect("/account"));
    }
    let mut page = account_page(&state, &ctx).await?;
    page.totp_error = page.t.m("totp-failed");
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn disable_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(_): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    if ctx.needs_totp_enrolment
        || state.settings.require_totp_for_coordinators
            && ctx.user()?.role() == centinela_core::principal::Role::Coordinator
    {
        return Err(ApiError::forbidden());
    }
    accounts::set_totp(&state.db, &ctx.actor(), ctx.user()?.id, None, None).await?;
    Ok(redirect("/account"))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
    write: Option<String>,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(form): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: TokenForm = crate::pages::without_csrf(form)?;
    let mut page = account_page(&state, &ctx).await?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        page.token_error = page.t.m1("err-too-long", "max", 100);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let (token, _) = accounts::create_token(
        &state.db,
        &ctx.actor(),
        ctx.user()?.id,
        name,
        form.write.is_some(),
        None,
    )
    .await?;
    page.tokens = accounts::list_tokens(&state.db, ctx.user()?.id).await?;
    page.created_token = token;
    Ok(render(&page)?.into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(_): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    accounts::revoke_token(&state.db, &ctx.actor(), ctx.user()?.id, id).await?;
    state.caches.forget_principals();
    Ok(redirect("/account"))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: PasswordForm = crate::pages::without_csrf(pairs)?;
    let user = ctx.user()?.clone();
    let mut errors = vec![];
    if form.current.len() > 1024 || form.new.len() > 1024 {
        errors
            .push(centinela_core::validate::FieldError::new("new", "err-too-long").arg("max", 128));
    } else {
        let (current, hash) = (form.current.clone(), user.password_hash.clone());
        let ok = {
            let _permit = state
                .hashing
                .acquire()
                .await
                .map_err(|_| ApiError::internal())?;
            tokio::task::spawn_blocking(move || accounts::verify_password(&current, &hash))
                .await
                .map_err(|_| ApiError::internal())?
        };
        if !ok {
            errors.push(centinela_core::validate::FieldError::new(
                "current",
                "err-password-wrong",
            ));
        }
        if let Err(e) = centinela_core::password::check("new", &form.new, &user.email) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        let new = form.new.clone();
        let hash = {
            let _permit = state
                .hashing
                .acquire()
                .await
                .map_err(|_| ApiError::internal())?;
            tokio::task::spawn_blocking(move || accounts::hash_password(&new))
                .await
                .map_err(|_| ApiError::internal())?
        };
        let keep = ctx.session.as_ref().map(|s| s.id_hash.clone());
        accounts::set_password(&state.db, &ctx.actor(), user.id, &hash, keep.as_deref()).await?;
        state.caches.forget_principals();
        let mut page = account_page(&state, &ctx).await?;
        page.password_changed = true;
        return Ok(render(&page)?.into_response());
    }
    let mut page = account_page(&state, &ctx).await?;
    page.password_errors = crate::pages::FormErrors::new(ctx.lang, &errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
