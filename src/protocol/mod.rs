//! The protocol rules of OAuth 2.0 and OpenID Connect, synchronous and free
//! of I/O and settings: the vocabularies, the records and entries the
//! stores keep, request validation, the interaction policy, token claims,
//! discovery metadata and the one error type. Unit-tested without a runtime.

pub mod account_entries;
pub mod admin;
pub mod authorize;
pub mod claims;
pub mod claims_request;
pub mod client_assertion;
pub mod client_registration;
pub mod clients;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod entries;
pub mod error;
pub mod interaction;
pub mod introspection;
pub mod key_lifecycle;
pub mod lifetimes;
pub mod links;
pub mod login_throttle;
pub mod logout;
pub mod mfa;
pub mod models;
pub mod origin;
pub mod params;
pub mod pending_logins;
pub mod pkce;
pub mod profile;
pub mod pushed_requests;
pub mod rate_limits;
pub mod request_object;
pub mod resources;
pub mod scope;
pub mod sliding_window;
pub mod subjects;
pub mod token_exchange;
pub mod tokens;
pub mod verified;
pub mod vocabulary;

pub use error::{ErrorCode, OAuthError};
pub use models::{
    AuditEvent, ClientRecord, ConsentRecord, GroupRecord, LogoutUri, RefreshTokenRecord, ResourceRecord,
    SigningKeyRecord, UserRecord,
};
pub use params::Params;
pub use scope::Scope;
pub use vocabulary::{
    AdminOp, AuditKind, AuthLevel, AuthMethod, ClientAssertionType, ClientAuthMethod, CodeChallengeMethod,
    ConsentMode, GrantType, KeyState, PkcePolicy, Prompt, ResponseMode, ResponseType, SessionEndReason,
    SigningAlg, StandardScope, SubjectType, TokenType, TokenTypeHint,
};
