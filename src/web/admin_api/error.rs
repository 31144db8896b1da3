//! The admin API's one error shape: `{"error", "error_description",
//! "field"?}` with the status that says what happened. Validation names
//! the field; nothing was written on any error.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::flows::admin::AdminError;
use crate::flows::admin_gate::Refusal;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `invalid_request`, `invalid_token`, `insufficient_scope`,
    /// `not_found`, `conflict`, `precondition_failed`, `server_error`, ...
    pub error: String,
    pub error_description: String,
    /// The request member to blame, for validation failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    /// RFC 6750 §3 challenge on 401 and 403.
    challenge: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody { error: error.into(), error_description: description.into(), field: None },
            challenge: None,
        }
    }

    /// A malformed request (bad JSON, a bad query parameter).
    pub fn bad_request(field: Option<&str>, description: impl Into<String>) -> ApiError {
        let mut err = ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", description);
        err.body.field = field.map(str::to_string);
        err
    }

    /// Names `field` in a 400 that did not name one.
    pub fn blame(&mut self, field: &str) {
        if self.status == StatusCode::BAD_REQUEST && self.body.field.is_none() {
            self.body.field = Some(field.to_string());
        }
    }

    pub fn not_found(description: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", description)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.body.error, self.body.error_description)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(challenge) = &self.challenge {
            resp.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
        }
        resp.json(&self.body)
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> ApiError {
        match e {
            AdminError::Invalid { field, message } => ApiError::bad_request(field, message),
            AdminError::NotFound(message) => ApiError::not_found(message),
            AdminError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            AdminError::Stale(message) => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message)
            }
            AdminError::Store(crate::store::StoreError::Unavailable(detail)) => {
                tracing::error!(%detail, "admin API: store unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the service is temporarily unavailable",
                )
            }
            other => {
                tracing::error!(error = %other, "admin API failure");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error")
            }
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        const REALM: &str = "oxidp-admin";
        match refusal {
            Refusal::Unauthenticated(None) => {
                let mut err = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "a bearer access token is required",
                );
                err.challenge = Some(format!("Bearer realm=\"{REALM}\""));
                err
            }
            Refusal::Unauthenticated(Some(e)) => {
                let description = e.safe_description();
                let mut err = ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", description.clone());
                err.challenge = Some(format!(
                    "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{description}\""
                ));
                err
            }
            Refusal::Forbidden(description) => {
                let mut err = ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope", description);
                err.challenge = Some(format!(
                    "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\"",
                    crate::protocol::admin::ADMIN_SCOPE
                ));
                err
            }
            Refusal::Unavailable(e) => ApiError::new(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                e.code.as_str(),
                e.safe_description(),
            ),
        }
    }
}
