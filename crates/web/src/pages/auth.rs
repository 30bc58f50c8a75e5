//! Signing in and out, the second factor, and the language switch.

use crate::AppState;
use crate::auth::{self, Ctx, redirect, safe_next, session_cookie_name};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiQuery};
use crate::i18n::{Lang, Tr};
use crate::pages::{Nav, render};
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use centinela_store::accounts;
use serde::Deserialize;
use std::net::SocketAddr;

pub async fn home(ctx: Ctx) -> Response {
    redirect(if ctx.principal.is_some() {
        "/dashboard"
    } else {
        "/login"
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    nav: Nav,
    next: String,
    email: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(ctx: Ctx, ApiQuery(q): ApiQuery<NextQuery>) -> Result<Response, ApiError> {
    if ctx.principal.is_some() && ctx.mfa_ok {
        return Ok(redirect(&safe_next(q.next.as_deref())));
    }
    let page = LoginPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(
            &Ctx {
                lang: ctx.lang,
                ..Ctx::default()
            },
            "/login",
        ),
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        error: String::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

fn cookie_header(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn lang_cookie(state: &AppState, lang: Lang) -> HeaderValue {
    cookie_header(state, "cnt_lang", lang.tag(), Some(60 * 60 * 24 * 365))
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiForm(form): ApiForm<LoginForm>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let next = safe_next(form.next.as_deref());
    let fail = |key: &str, status: StatusCode| -> Result<Response, ApiError> {
        let page = LoginPage {
            t,
            nav: Nav::default(),
            next: next.clone(),
            email: form.email.chars().take(254).collect(),
            error: t.m(key),
        };
        Ok((status, render(&page)?).into_response())
    };
    if form.email.len() > 254 || form.password.len() > 1024 {
        return fail("login-failed", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let ip = peer.ip();
    if state.ip_brake.blocked(ip)
        || accounts::recent_login_failures(&state.db, &form.email).await? >= accounts::MAX_FAILURES
    {
        // The same answer whether or not the account exists.
        return fail("login-throttled", StatusCode::TOO_MANY_REQUESTS);
    }
    let user = accounts::find_user_by_email(&state.db, &form.email).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| accounts::dummy_hash().to_string());
    let password = form.password.clone();
    let ok = {
        let _permit = state
            .hashing
            .acquire()
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(move || accounts::verify_password(&password, &hash))
            .await
            .map_err(|_| ApiError::internal())?
    };
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            state.ip_brake.fail(ip);
            accounts::record_login_failure(&state.db, &form.email, &ip.to_string()).await?;
            tracing::info!(email = %form.email.chars().take(254).collect::<String>(), %ip, "login failed");
            return fail("login-failed", StatusCode::UNAUTHORIZED);
        }
    };
    accounts::clear_login_failures(&state.db, &user.email).await?;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mfa_ok = !user.totp_enabled();
    // A new session token at every login (no fixation); the old one, if any, ends.
    if let Some(old) = auth::cookie(&headers, session_cookie_name(&state)) {
        accounts::delete_session(&state.db, &old).await?;
    }
    let (token, _) =
        accounts::create_session(&state.db, user.id, mfa_ok, &ip.to_string(), ua).await?;
    tracing::info!(user = %user.id, %ip, "login");
    let to = if mfa_ok {
        next
    } else {
        format!(
            "/login/totp?{}",
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        )
    };
    let mut res = redirect(&to);
    let lang = Lang::from_tag(&user.locale).unwrap_or_default();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, session_cookie_name(&state), &token, None),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, lang_cookie(&state, lang));
    Ok(res)
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    t: Tr,
    nav: Nav,
    next: String,
    error: String,
}

pub async fn totp_page(ctx: Ctx, ApiQuery(q): ApiQuery<NextQuery>) -> Result<Response, ApiError> {
    if ctx.mfa_ok {
        return Ok(redirect(&safe_next(q.next.as_deref())));
    }
    let page = TotpPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/login/totp"),
        next: safe_next(q.next.as_deref()),
        error: String::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct TotpForm {
    code: String,
    next: Option<String>,
}

/// Checks a TOTP code for `user`, refusing a replayed one.
pub async fn verify_totp(
    state: &AppState,
    user: &accounts::User,
    secret: &str,
    code: &str,
) -> Result<bool, ApiError> {
    match crate::pages::account::check_code(secret, &user.email, code) {
        Some(step) => Ok(accounts::accept_totp_step(&state.db, user.id, step as i64).await?),
        None => Ok(false),
    }
}

pub async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiForm(form): ApiForm<TotpForm>,
) -> Result<Response, ApiError> {
    let user = ctx.user()?.clone();
    let next = safe_next(form.next.as_deref());
    if ctx.mfa_ok {
        return Ok(redirect(&next));
    }
    let secret = user.totp_secret.clone().unwrap_or_default();
    if form.code.len() > 12 || !verify_totp(&state, &user, &secret, &form.code).await? {
        accounts::record_login_failure(&state.db, &user.email, "totp").await?;
        let t = Tr { lang: ctx.lang };
        let page = TotpPage {
            t,
            nav: Nav::new(&ctx, "/login/totp"),
            next,
            error: t.m("totp-failed"),
        };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
    }
    // Privilege changes get a new session token.
    if let Some(old) = auth::cookie(&headers, session_cookie_name(&state)) {
        accounts::delete_session(&state.db, &old).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (token, _) = accounts::create_session(&state.db, user.id, true, "", ua).await?;
    let mut res = redirect(&next);
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, session_cookie_name(&state), &token, None),
    );
    Ok(res)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(sid) = auth::cookie(&headers, session_cookie_name(&state)) {
        accounts::delete_session(&state.db, &sid).await?;
    }
    let mut res = redirect("/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, session_cookie_name(&state), "", Some(0)),
    );
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switches the interface language; remembered on the account and in a cookie.
pub async fn switch_lang(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(form): ApiForm<LangForm>,
) -> Result<Response, ApiError> {
    let lang =
        Lang::from_tag(&form.lang).ok_or_else(|| ApiError::bad_request("err-bad-request"))?;
    if let Some(user) = &ctx.user {
        accounts::set_locale(&state.db, user.id, lang.tag()).await?;
    }
    let next = match form.next.as_deref() {
        Some(n) if n.starts_with("/login") => n.to_string(),
        other => safe_next(other),
    };
    let mut res = redirect(&next);
    res.headers_mut()
        .append(header::SET_COOKIE, lang_cookie(&state, lang));
    Ok(res)
}
