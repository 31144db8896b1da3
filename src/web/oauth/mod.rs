//! The OAuth 2.0 and OpenID Connect endpoints.

pub mod authorize;
pub mod client_registration;
pub mod device_authorization;
pub mod discovery;
pub mod health;
pub mod introspect;
pub mod par;
pub mod revoke;
pub mod token;
pub mod userinfo;
