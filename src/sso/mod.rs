//! Single sign-on: the server-side session behind the browser's cookie, the
//! pending login transactions and their CSRF protection.

pub mod csrf;
pub mod login;
pub mod session;

pub use session::SsoSession;
