//! The pages of the browser interaction and what they post: the login form
//! today; consent and MFA pages join here, one module per prompt.

pub mod login;
pub mod pages;
