//! The pages of the browser interaction and what they post: the login form
//! and the consent form; MFA pages join here, one module per prompt.

pub mod consent;
pub mod login;
pub mod mfa;
pub mod pages;
pub mod passkey;
