//! One error type for every route. Handlers return `Err(ApiError)`; the `render_errors`
//! middleware turns it (and any bare 4xx that axum or a layer produced) into
//! `{"error": {"code", "message"}}` for the API or an error page for people, in the caller's
//! language.

use crate::i18n::{Lang, message};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use centinela_core::validate::FieldError;
use centinela_store::StoreError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// Fluent message id.
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, key: &'static str) -> Self {
        ApiError {
            status,
            code,
            key,
            args: vec![],
            fields: vec![],
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "err-not-found")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "err-forbidden")
    }
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "err-unauthenticated",
        )
    }
    pub fn bad_request(key: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", key)
    }
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        ApiError {
            fields,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "err-invalid")
        }
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "err-internal",
        )
    }

    /// The JSON body in `lang`.
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let mut error = serde_json::json!({
            "code": self.code,
            "message": message(lang, self.key, &self.args),
        });
        if !self.fields.is_empty() {
            error["fields"] = self
                .fields
                .iter()
                .map(|f| serde_json::json!({"field": f.field, "message": field_message(lang, f)}))
                .collect();
        }
        serde_json::json!({ "error": error })
    }
}

pub fn field_message(lang: Lang, f: &FieldError) -> String {
    let args: Vec<(&str, String)> = f.args.iter().map(|(k, v)| (*k, v.clone())).collect();
    message(lang, f.key, &args)
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(what) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "err-conflict").arg("what", what)
            }
            StoreError::State(rule) => ApiError::new(
                StatusCode::CONFLICT,
                "not_allowed_now",
                crate::api::assessments::state_message(rule),
            ),
            StoreError::Invalid(field) => {
                ApiError::invalid(vec![FieldError::new(&field, "err-invalid-value")])
            }
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::internal()
            }
        }
    }
}

impl ApiError {
    /// The error as one sentence for a page: its field messages, or its own message.
    pub fn message(&self, lang: Lang) -> String {
        if self.fields.is_empty() {
            crate::i18n::message(lang, self.key, &self.args)
        } else {
            self.fields
                .iter()
                .map(|f| field_message(lang, f))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// The caller's language without a database lookup: the `cnt_lang` cookie (set at login and
/// by the language switch), then `Accept-Language`, then Spanish.
pub fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    let cookie_lang = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("cnt_lang="))
        .and_then(Lang::from_tag);
    cookie_lang
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

fn wants_json(path: &str, headers: &axum::http::HeaderMap) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/tsa")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// Renders errors in the caller's language and shape.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let json = wants_json(req.uri().path(), req.headers());
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let err = match res.extensions().get::<ApiError>() {
        Some(e) => e.clone(),
        // A response from axum or a layer (unknown route, wrong method, body too large,
        // timeout…) gets our shape too; pages a handler rendered itself stay as they are.
        None if res.headers().get(header::CONTENT_TYPE).is_some_and(|c| {
            c.as_bytes().starts_with(b"application/json") || c.as_bytes().starts_with(b"text/html")
        }) =>
        {
            return res;
        }
        None => generic_error(status),
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), code = err.code, "server error");
    }
    // Keep the status, headers and extensions (route label, Allow, WWW-Authenticate…);
    // replace the body.
    let (mut parts, _) = res.into_parts();
    let (content_type, body) = if json {
        ("application/json", err.to_json(lang).to_string())
    } else {
        (
            "text/html; charset=utf-8",
            crate::pages::error_page(lang, &err),
        )
    };
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    parts.headers.remove(header::CONTENT_LENGTH);
    if status == StatusCode::UNAUTHORIZED
        && json
        && !parts.headers.contains_key(header::WWW_AUTHENTICATE)
    {
        parts
            .headers
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn generic_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(status, "method_not_allowed", "err-method"),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "too_large", "err-too-large"),
        StatusCode::REQUEST_TIMEOUT => ApiError::new(status, "timeout", "err-timeout"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "unsupported_media_type", "err-media-type")
        }
        StatusCode::UNAUTHORIZED => ApiError::unauthenticated(),
        StatusCode::FORBIDDEN => ApiError::forbidden(),
        s if s.is_server_error() => ApiError::internal(),
        s => ApiError::new(s, "bad_request", "err-bad-request"),
    }
}
