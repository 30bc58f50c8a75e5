//! Security headers on every response, and request observation (metrics, logs).

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

const HTML_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; manifest-src 'self'";
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"text/html"));
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        if is_html { HTML_CSP } else { API_CSP },
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), usb=(), payment=()",
    );
    if !is_static {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if state.settings.behind_tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    // Set by the routing layer; a fixed label otherwise, so unknown paths add no series.
    let route = res
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    state
        .metrics
        .observe(method.as_str(), &route, res.status().as_u16(), elapsed);
    tracing::debug!(%method, %route, status = res.status().as_u16(), micros = elapsed.as_micros() as u64, "request");
    res
}

/// Paths that take file uploads; they stream to disk under their own limit.
pub const UPLOAD_PATHS: &[&str] = &[
    "/api/v1/feeds/reports",
    "/api/v1/incidents/{incident_id}/evidence",
    "/api/v1/ncaf/editions",
    "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence",
    "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence",
    "/feeds/upload",
    "/incidents/{incident_id}/evidence",
    "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence",
    "/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence",
    "/institutions/{id}/seals",
    "/institutions/{id}/inventory/import",
    "/institutions/{id}/networks/import",
    "/ncaf/editions",
    "/seals/verify",
];

/// Whether `path` (a route template or a request path) is one of the streamed uploads.
pub fn is_upload_path(path: &str) -> bool {
    UPLOAD_PATHS.iter().any(|template| {
        let (mut t, mut p) = (template.split('/'), path.split('/'));
        loop {
            match (t.next(), p.next()) {
                (None, None) => return true,
                (Some(ts), Some(ps)) if ts == ps || (ts.starts_with('{') && !ps.is_empty()) => {}
                _ => return false,
            }
        }
    })
}

/// Caps request bodies: a declared length over the limit is refused at once, and a body
/// that grows past it fails while being read (axum then answers 413).
pub async fn limit_body(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if is_upload_path(req.uri().path()) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return crate::error::ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "err-too-large",
        )
        .into_response();
    }
    let req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::is_upload_path;

    #[test]
    fn upload_paths_match_templates_and_requests() {
        for (path, expected) in [
            ("/feeds/upload", true),
            ("/institutions/{id}/seals", true),
            (
                "/institutions/0b7d6c1e-8f43-4a55-9d7e-0e4f0c1d2a3b/seals",
                true,
            ),
            ("/institutions//seals", false),
            ("/institutions/x/seals/y", false),
            ("/seals/verify", true),
            ("/api/v1/seals/verify", false),
            ("/institutions", false),
        ] {
            assert_eq!(is_upload_path(path), expected, "{path}");
        }
    }
}
