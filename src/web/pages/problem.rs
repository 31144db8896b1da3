//! The situations an error page explains, each in plain words with the
//! next step (the protocol error code stays in small print underneath).

use actix_web::http::StatusCode;

use super::texts::{ProblemText, Texts};
use crate::protocol::authorize::{
    MISSING_CLIENT_ID, MISSING_REDIRECT_URI, UNKNOWN_CLIENT, UNREGISTERED_REDIRECT_URI,
};
use crate::protocol::{ErrorCode, OAuthError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The authorization request names no client, or one we do not know.
    UnknownApp,
    /// Its redirect URI is missing or not registered (RFC 6749 §3.1.2.4:
    /// never redirect there).
    UnregisteredRedirect,
    /// Any other malformed request from an app.
    BadRequest,
    /// The login or consent page outlived its interaction.
    PageExpired,
    /// A form without a valid CSRF token or from another origin.
    FormExpired,
    /// A prompt answered twice.
    AlreadyAnswered,
    AccessDenied,
    /// The session the request relied on has ended.
    SignedOut,
    /// An RP-initiated logout request we refuse (RP-Initiated Logout §2).
    LogoutRefused,
    /// A device approval page that expired or was answered.
    DeviceExpired,
    NotFound,
    /// A store outage (503).
    Unavailable,
    ServerError,
    /// Too many wrong passwords or codes on one page: start again.
    TooManyAttempts,
    /// A TOTP set-up on the account page that expired.
    SetupExpired,
    /// This network started too many sign-ins that are still pending (429).
    TooManyPending,
    /// The server holds as many pending sign-ins as it may (503).
    Busy,
    /// This network sent more requests than a rate limit allows (429).
    TooManyRequests,
}

impl Problem {
    /// The situation behind a protocol error shown on a page.
    pub fn of(err: &OAuthError) -> Problem {
        match err.code {
            ErrorCode::TemporarilyUnavailable => Problem::Unavailable,
            ErrorCode::ServerError => Problem::ServerError,
            ErrorCode::AccessDenied => Problem::AccessDenied,
            ErrorCode::LoginRequired
            | ErrorCode::InteractionRequired
            | ErrorCode::ConsentRequired
            | ErrorCode::AccountSelectionRequired => Problem::SignedOut,
            ErrorCode::InvalidRequest => match err.description.as_str() {
                UNKNOWN_CLIENT | MISSING_CLIENT_ID => Problem::UnknownApp,
                UNREGISTERED_REDIRECT_URI | MISSING_REDIRECT_URI => Problem::UnregisteredRedirect,
                _ => Problem::BadRequest,
            },
            _ => Problem::BadRequest,
        }
    }

    /// The status of a page for this situation when no protocol error
    /// says otherwise.
    pub fn status(self) -> StatusCode {
        match self {
            Problem::NotFound => StatusCode::NOT_FOUND,
            Problem::Unavailable | Problem::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Problem::TooManyPending | Problem::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Problem::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Problem::AccessDenied => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn text(self, t: &'static Texts) -> &'static ProblemText {
        let p = &t.problems;
        match self {
            Problem::UnknownApp => &p.unknown_app,
            Problem::UnregisteredRedirect => &p.unregistered_redirect,
            Problem::BadRequest => &p.bad_request,
            Problem::PageExpired => &p.page_expired,
            Problem::FormExpired => &p.form_expired,
            Problem::AlreadyAnswered => &p.already_answered,
            Problem::AccessDenied => &p.access_denied,
            Problem::SignedOut => &p.signed_out,
            Problem::LogoutRefused => &p.logout_refused,
            Problem::DeviceExpired => &p.device_expired,
            Problem::NotFound => &p.not_found,
            Problem::Unavailable => &p.unavailable,
            Problem::ServerError => &p.server_error,
            Problem::TooManyAttempts => &p.too_many_attempts,
            Problem::SetupExpired => &p.setup_expired,
            Problem::TooManyPending => &p.too_many_pending,
            Problem::Busy => &p.busy,
            Problem::TooManyRequests => &p.too_many_requests,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_page_errors_are_told_apart() {
        let of = |e: OAuthError| Problem::of(&e);
        assert_eq!(of(OAuthError::invalid_request(UNREGISTERED_REDIRECT_URI)), Problem::UnregisteredRedirect);
        assert_eq!(of(OAuthError::invalid_request(UNKNOWN_CLIENT)), Problem::UnknownApp);
        assert_eq!(of(OAuthError::invalid_request("malformed code_challenge")), Problem::BadRequest);
        assert_eq!(of(OAuthError::temporarily_unavailable("redis")), Problem::Unavailable);
        assert_eq!(of(OAuthError::login_required("gone")), Problem::SignedOut);
    }
}
