//! OpenID Connect: discovery metadata, ID token claims and userinfo.

pub mod claims;
pub mod discovery;
pub mod userinfo;
