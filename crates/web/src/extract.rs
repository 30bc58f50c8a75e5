//! Extractors whose rejections are `ApiError`s, so malformed input always gets our error shape
//! and a message in the caller's language.

use crate::error::ApiError;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn detail(text: String) -> String {
    text.chars().take(300).collect()
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-media-type",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request("err-json-syntax").arg("detail", detail(e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "err-json-data")
                .arg("detail", detail(e.body_text()))
        }
        JsonRejection::BytesRejection(_) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large")
        }
        other => ApiError::bad_request("err-bad-request").arg("detail", detail(other.body_text())),
    }
}

/// A raw body whose rejection (too large, cut short) is an `ApiError` too.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(ApiBytes(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "err-too-large",
            )),
            Err(e) => {
                Err(ApiError::bad_request("err-bad-request").arg("detail", detail(e.body_text())))
            }
        }
    }
}

pub struct ApiForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiForm<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(ApiForm(v)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "err-media-type",
            )),
            Err(FormRejection::BytesRejection(_)) => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "err-too-large",
            )),
            Err(e) => Err(ApiError::bad_request("err-form").arg("detail", detail(e.body_text()))),
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A NUL can be neither stored nor compared by PostgreSQL (it fails the whole statement),
        // and is never meaningful in a filter: refuse it before any handler sees it.
        if has_encoded_nul(parts.uri.query().unwrap_or_default()) {
            return Err(ApiError::bad_request("err-query").arg("detail", "NUL (%00)"));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(ApiError::bad_request("err-query").arg("detail", detail(e.body_text())))
            }
            Err(e) => Err(ApiError::bad_request("err-query").arg("detail", detail(e.body_text()))),
        }
    }
}

/// Whether a raw query string decodes to text holding a NUL (`%00`; a literal NUL byte never
/// gets past the HTTP parser).
fn has_encoded_nul(query: &str) -> bool {
    query
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Path parameters; a malformed id is reported as a missing record.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::not_found()),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_encoded_nul;

    #[test]
    fn encoded_nul_is_found_only_where_it_decodes_to_nul() {
        for (query, nul) in [
            ("q=a%00b", true),
            ("%00", true),
            ("q=%2500", false),
            ("q=100%25", false),
            ("q=a&level=00", false),
            ("", false),
        ] {
            assert_eq!(has_encoded_nul(query), nul, "{query}");
        }
    }
}
