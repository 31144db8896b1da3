//! Scope values (RFC 6749 §3.3): space-delimited, case-sensitive tokens of
//! %x21 / %x23-5B / %x5D-7E, kept in request order without duplicates.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scope(Vec<String>);

pub fn is_valid_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

impl Scope {
    /// Parses a `scope` parameter; `None` on a malformed token.
    pub fn parse(raw: &str) -> Option<Scope> {
        let mut tokens: Vec<String> = Vec::new();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            if !is_valid_scope_token(token) {
                return None;
            }
            if !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_string());
            }
        }
        Some(Scope(tokens))
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// True when every token is also in `granted`.
    pub fn is_covered_by(&self, granted: &Scope) -> bool {
        self.0.iter().all(|t| granted.contains(t))
    }

    /// Both scopes' tokens, sorted (a stable form to store).
    pub fn union(&self, other: &Scope) -> Scope {
        let mut tokens: Vec<String> = self.0.iter().chain(&other.0).cloned().collect();
        tokens.sort();
        tokens.dedup();
        Scope(tokens)
    }

    /// True when every token is in `allowed`.
    pub fn is_subset_of(&self, allowed: &[String]) -> bool {
        self.0.iter().all(|t| allowed.contains(t))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_and_union() {
        let (asked, granted) =
            (Scope::parse("openid email").unwrap(), Scope::parse("profile openid").unwrap());
        assert!(!asked.is_covered_by(&granted));
        let both = granted.union(&asked);
        assert_eq!(both.to_string(), "email openid profile");
        assert!(asked.is_covered_by(&both) && granted.is_covered_by(&both));
    }

    #[test]
    fn parses_and_deduplicates() {
        let s = Scope::parse("openid  email openid").unwrap();
        assert_eq!(s.to_string(), "openid email");
        assert!(s.contains("email") && !s.contains("profile"));
    }

    #[test]
    fn rejects_bad_characters() {
        assert!(Scope::parse("open\"id").is_none());
        assert!(Scope::parse("a\\b").is_none());
    }

    #[test]
    fn subset_check() {
        let allowed = vec!["openid".to_string(), "email".to_string()];
        assert!(Scope::parse("openid email").unwrap().is_subset_of(&allowed));
        assert!(!Scope::parse("openid profile").unwrap().is_subset_of(&allowed));
    }
}
