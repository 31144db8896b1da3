//! User accounts: username rules, Argon2id password hashing and
//! authentication that takes the same time for unknown users.

pub mod password;
pub mod password_policy;
pub mod users;

pub use password::PasswordHasher;
pub use password_policy::PasswordPolicy;
