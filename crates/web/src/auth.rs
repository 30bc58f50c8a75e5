//! Authentication: bearer tokens for the API, session cookies for browsers; CSRF and origin
//! checks for state-changing requests; a per-address brake on failed logins.

use crate::AppState;
use crate::error::{ApiError, request_lang};
use crate::i18n::Lang;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use centinela_core::principal::{Principal, Role, Via};
use centinela_store::accounts::{self, Session, User};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// What the server knows about the caller of one request.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub user: Option<User>,
    pub session: Option<Session>,
    pub via_session: bool,
    pub mfa_ok: bool,
    pub needs_totp_enrolment: bool,
    pub lang: Lang,
}

impl Ctx {
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.principal
            .as_ref()
            .ok_or_else(ApiError::unauthenticated)
    }

    pub fn user(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    pub fn actor(&self) -> centinela_store::Actor {
        match &self.user {
            Some(u) => centinela_store::Actor {
                user_id: Some(u.id),
                email: u.email.clone(),
            },
            None => centinela_store::Actor::system(),
        }
    }

    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .unwrap_or("")
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ctx {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        // Inserted by the routing layer for every route in the table.
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(ApiError::internal)
    }
}

pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.settings.cookie_secure {
        "__Host-cnt_sid"
    } else {
        "cnt_sid"
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
        })
        .map(str::to_string)
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Ctx, ApiError> {
    let mut ctx = Ctx {
        lang: request_lang(headers),
        mfa_ok: true,
        ..Ctx::default()
    };
    let bad_token = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "err-bad-token");
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| bad_token())?;
        let token = value.strip_prefix("Bearer ").ok_or_else(bad_token)?.trim();
        if let Some((principal, user)) = state.caches.principal(token) {
            ctx.principal = Some(principal);
            ctx.user = Some(user);
            return Ok(ctx);
        }
        let (tok, user) = accounts::token_lookup(&state.db, token)
            .await?
            .ok_or_else(bad_token)?;
        let principal = accounts::principal_for(
            &state.db,
            &user,
            Via::Token {
                write: tok.can_write,
            },
        )
        .await?;
        state.caches.put_principal(token, &principal, &user);
        ctx.principal = Some(principal);
        ctx.user = Some(user);
        return Ok(ctx);
    }
    let Some(sid) = cookie(headers, session_cookie_name(state)) else {
        return Ok(ctx);
    };
    let Some((session, user)) = accounts::session_lookup(&state.db, &sid).await? else {
        return Ok(ctx);
    };
    ctx.principal = Some(accounts::principal_for(&state.db, &user, Via::Session).await?);
    ctx.lang = Lang::from_tag(&user.locale).unwrap_or(ctx.lang);
    ctx.via_session = true;
    ctx.mfa_ok = session.mfa_ok;
    ctx.needs_totp_enrolment = state.settings.require_totp_for_coordinators
        && matches!(user.role(), Role::Coordinator | Role::Admin)
        && !user.totp_enabled();
    ctx.session = Some(session);
    ctx.user = Some(user);
    Ok(ctx)
}

/// Refuses state-changing requests from another site: `Sec-Fetch-Site: cross-site`, or an
/// `Origin` whose host differs from `Host`.
pub fn check_origin(req: &Request) -> Result<(), ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let h = req.headers();
    let csrf = || ApiError::new(StatusCode::FORBIDDEN, "csrf", "err-csrf");
    if h.get("sec-fetch-site").is_some_and(|v| v == "cross-site") {
        return Err(csrf());
    }
    if let Some(origin) = h.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| csrf())?;
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        if origin_host.is_empty() || origin_host != host {
            return Err(csrf());
        }
    }
    Ok(())
}

/// Session-authenticated writes must carry the session's CSRF token, in the `X-CSRF-Token`
/// header (htmx, scripts) or the `_csrf` form field.
pub async fn check_csrf(req: &mut Request, ctx: &Ctx) -> Result<(), ApiError> {
    let expected = ctx.csrf().as_bytes().to_vec();
    let csrf = || ApiError::new(StatusCode::FORBIDDEN, "csrf", "err-csrf");
    let same = |got: &[u8]| !expected.is_empty() && bool::from(got.ct_eq(&expected));
    if let Some(v) = req.headers().get("x-csrf-token") {
        return if same(v.as_bytes()) {
            Ok(())
        } else {
            Err(csrf())
        };
    }
    let is_form = req.headers().get(header::CONTENT_TYPE).is_some_and(|c| {
        c.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if !is_form {
        return Err(csrf());
    }
    // Read the form to find the token, then put the body back for the handler.
    let body = std::mem::replace(req.body_mut(), Body::empty());
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large"))?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v)
        });
    *req.body_mut() = Body::from(bytes);
    match token {
        Some(t) if same(t.as_bytes()) => Ok(()),
        _ => Err(csrf()),
    }
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub fn redirect_to_login(uri: &Uri) -> Response {
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    redirect(&format!("/login?{q}"))
}

/// A local path to go back to after login; anything else (another site, `//host`) is
/// replaced by the dashboard, so the login form cannot be used as an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n']) =>
        {
            n.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}

/// In-memory, per-replica brake on failed logins from one address (the per-account limit
/// lives in the database and holds across replicas).
#[derive(Default)]
pub struct IpBrake {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl IpBrake {
    const WINDOW: Duration = Duration::from_secs(15 * 60);
    const MAX: u32 = 50;

    pub fn blocked(&self, ip: IpAddr) -> bool {
        let Ok(m) = self.failures.lock() else {
            return false;
        };
        m.get(&ip)
            .is_some_and(|(n, since)| *n >= Self::MAX && since.elapsed() < Self::WINDOW)
    }

    pub fn fail(&self, ip: IpAddr) {
        if let Ok(mut m) = self.failures.lock() {
            if m.len() > 100_000 {
                m.retain(|_, (_, since)| since.elapsed() < Self::WINDOW);
            }
            let e = m.entry(ip).or_insert((0, Instant::now()));
            if e.1.elapsed() >= Self::WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        let cases = [
            (Some("/institutions?q=sat"), "/institutions?q=sat"),
            (Some("//evil.example/"), "/dashboard"),
            (Some("/\\evil.example"), "/dashboard"),
            (Some("https://evil.example"), "/dashboard"),
            (None, "/dashboard"),
        ];
        for (input, expected) in cases {
            assert_eq!(safe_next(input), expected, "{input:?}");
        }
    }
}
