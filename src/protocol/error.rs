//! The one protocol error type: RFC 6749 §4.1.2.1 / §5.2 codes, RFC 6750 §3.1
//! bearer-token codes and OpenID Connect Core §3.1.2.6 codes. How it is
//! rendered (JSON, redirect, page) is decided once, in `web::respond`.

use std::fmt;

use crate::vocabulary::vocabulary;

vocabulary! {
    /// The registered error codes we answer with.
    pub enum ErrorCode("error code") {
        InvalidRequest => "invalid_request",
        InvalidClient => "invalid_client",
        InvalidGrant => "invalid_grant",
        UnauthorizedClient => "unauthorized_client",
        UnsupportedGrantType => "unsupported_grant_type",
        InvalidScope => "invalid_scope",
        AccessDenied => "access_denied",
        UnsupportedResponseType => "unsupported_response_type",
        ServerError => "server_error",
        TemporarilyUnavailable => "temporarily_unavailable",
        LoginRequired => "login_required",
        InteractionRequired => "interaction_required",
        ConsentRequired => "consent_required",
        AccountSelectionRequired => "account_selection_required",
        RequestNotSupported => "request_not_supported",
        RequestUriNotSupported => "request_uri_not_supported",
        /// RFC 9101 §6.2: the `request_uri` is unknown, used or expired.
        InvalidRequestUri => "invalid_request_uri",
        /// RFC 9101 §6.2, OIDC Core §3.1.2.6: the request object is invalid.
        InvalidRequestObject => "invalid_request_object",
        InvalidToken => "invalid_token",
        InsufficientScope => "insufficient_scope",
        /// RFC 8707 §2: the requested resource is invalid or not allowed.
        InvalidTarget => "invalid_target",
        /// RFC 8628 §3.5: the user has not answered yet; keep polling.
        AuthorizationPending => "authorization_pending",
        /// RFC 8628 §3.5: polling too fast; the interval grew by 5 seconds.
        SlowDown => "slow_down",
        /// RFC 8628 §3.5: the device code expired; start again.
        ExpiredToken => "expired_token",
        /// RFC 9449 §5, §7.1: the DPoP proof is missing or invalid.
        InvalidDpopProof => "invalid_dpop_proof",
        /// RFC 9449 §8, §9: send the proof again with the `DPoP-Nonce` given.
        UseDpopNonce => "use_dpop_nonce",
        /// OpenID Connect Core Unmet Authentication Requirements 1.0 §1: an
        /// essential `acr` (Core §5.5.1.1) cannot be met.
        UnmetAuthenticationRequirements => "unmet_authentication_requirements",
        /// RFC 7009 §2.2.1: this kind of token cannot be revoked here.
        UnsupportedTokenType => "unsupported_token_type",
        /// RFC 7591 §3.2.2: a redirect URI of a registration is invalid.
        InvalidRedirectUri => "invalid_redirect_uri",
        /// RFC 7591 §3.2.2: another member of a registration is invalid.
        InvalidClientMetadata => "invalid_client_metadata",
    }
}

impl ErrorCode {
    /// HTTP status when the error is returned directly (not by redirect).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => 401,
            ErrorCode::InsufficientScope => 403,
            ErrorCode::ServerError => 500,
            ErrorCode::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

/// A protocol error with a human-readable `error_description`.
/// Descriptions are restricted to the RFC 6749 §5.2 character set when rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError { code, description: description.into() }
    }
    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }
    pub fn invalid_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidClient, description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidGrant, description)
    }
    pub fn unauthorized_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::UnauthorizedClient, description)
    }
    pub fn unsupported_grant_type(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::UnsupportedGrantType, description)
    }
    pub fn invalid_scope(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidScope, description)
    }
    pub fn access_denied(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::AccessDenied, description)
    }
    pub fn unsupported_response_type(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::UnsupportedResponseType, description)
    }
    pub fn server_error(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::ServerError, description)
    }
    pub fn temporarily_unavailable(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::TemporarilyUnavailable, description)
    }
    pub fn login_required(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::LoginRequired, description)
    }
    pub fn interaction_required(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InteractionRequired, description)
    }
    pub fn consent_required(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::ConsentRequired, description)
    }
    pub fn request_not_supported(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::RequestNotSupported, description)
    }
    pub fn request_uri_not_supported(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::RequestUriNotSupported, description)
    }
    pub fn invalid_request_uri(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequestUri, description)
    }
    pub fn invalid_request_object(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequestObject, description)
    }
    pub fn invalid_token(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidToken, description)
    }
    pub fn insufficient_scope(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InsufficientScope, description)
    }
    pub fn invalid_target(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidTarget, description)
    }
    pub fn authorization_pending(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::AuthorizationPending, description)
    }
    pub fn slow_down(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::SlowDown, description)
    }
    pub fn invalid_dpop_proof(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidDpopProof, description)
    }
    pub fn use_dpop_nonce(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::UseDpopNonce, description)
    }
    pub fn expired_token(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::ExpiredToken, description)
    }
    pub fn unmet_authentication_requirements(description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::UnmetAuthenticationRequirements, description)
    }
}

impl OAuthError {
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The description with characters outside RFC 6749 §5.2's allowed set
    /// (%x20-21 / %x23-5B / %x5D-7E) replaced, so it is safe in JSON,
    /// query strings and `WWW-Authenticate` quoted strings.
    pub fn safe_description(&self) -> String {
        self.description
            .chars()
            .map(|c| match c {
                '"' | '\\' => '\'',
                c if (' '..='~').contains(&c) => c,
                _ => '?',
            })
            .collect()
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

impl From<crate::jose::KeyError> for OAuthError {
    fn from(err: crate::jose::KeyError) -> Self {
        tracing::error!(error = %err, "signing failed");
        OAuthError::server_error("internal error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_rfcs() {
        assert_eq!(OAuthError::invalid_client("x").status(), 401);
        assert_eq!(OAuthError::invalid_grant("x").status(), 400);
        assert_eq!(OAuthError::invalid_token("x").status(), 401);
        assert_eq!(OAuthError::insufficient_scope("x").status(), 403);
        assert_eq!(OAuthError::temporarily_unavailable("x").status(), 503);
    }

    #[test]
    fn descriptions_are_sanitised() {
        let e = OAuthError::invalid_request("bad \"x\"\n\u{e9}");
        assert_eq!(e.safe_description(), "bad 'x'??");
    }
}
