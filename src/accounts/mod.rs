//! User accounts: username rules, Argon2id password hashing and
//! authentication that takes the same time for unknown users.

pub mod password;
pub mod users;

pub use password::PasswordHasher;
