//! Username and email rules.

pub const MAX_USERNAME_LEN: usize = 128;

/// Usernames are case-insensitive: stored and looked up lower-cased.
/// No whitespace or control characters, at most 128 characters.
pub fn normalize_username(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("username must not be empty".into());
    }
    if raw.chars().count() > MAX_USERNAME_LEN {
        return Err(format!("username must be at most {MAX_USERNAME_LEN} characters"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("username must not contain spaces or control characters".into());
    }
    Ok(raw.to_lowercase())
}

/// A plausible address: one `@`, no whitespace. Whether it is theirs is
/// for a verification link to prove.
pub fn validate_email(email: &str) -> Result<(), String> {
    if email.contains('@') && !email.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(format!("email {email:?} is not an email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(normalize_username("Alice").unwrap(), "alice");
        assert!(normalize_username("").is_err());
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username(&"x".repeat(129)).is_err());
        assert!(validate_email("a@example.com").is_ok());
        assert!(validate_email("a example.com").is_err());
        assert!(validate_email("a @example.com").is_err());
    }
}
