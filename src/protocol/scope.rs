//! Scope values (RFC 6749 §3.3): space-delimited, case-sensitive tokens of
//! %x21 / %x23-5B / %x5D-7E, kept in request order without duplicates.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::OAuthError;

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

    /// The tokens `keep` accepts, in order.
    pub fn filter(&self, keep: impl Fn(&str) -> bool) -> Scope {
        Scope(self.0.iter().filter(|t| keep(t)).cloned().collect())
    }

    /// True when every token is in `allowed`.
    pub fn is_subset_of(&self, allowed: &[String]) -> bool {
        self.0.iter().all(|t| allowed.contains(t))
    }
}

/// What may be granted of a requested `scope`: the values `allowed`
/// accepts. Values oxidp does not know, or the client may not use, are left
/// out rather than refused (OpenID Connect Core §3.1.2.1: unknown scope
/// values "SHOULD be ignored"; RFC 6749 §3.3 lets the server grant less,
/// and the token response then names what was granted). A malformed value,
/// or a request of which nothing remains, is `invalid_scope`.
pub fn grantable(requested: &str, allowed: impl Fn(&str) -> bool) -> Result<Scope, OAuthError> {
    let scope = Scope::parse(requested).ok_or_else(|| OAuthError::invalid_scope("malformed scope"))?;
    let granted = scope.filter(allowed);
    if granted.is_empty() && !scope.is_empty() {
        return Err(OAuthError::invalid_scope("none of the requested scopes is allowed for this client"));
    }
    Ok(granted)
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
    fn grantable_drops_what_is_not_allowed_and_refuses_nothing_left() {
        let allowed = |t: &str| ["openid", "email"].contains(&t);
        assert_eq!(grantable("openid admin email", allowed).unwrap().to_string(), "openid email");
        assert_eq!(grantable("", allowed).unwrap().to_string(), "");
        assert_eq!(grantable("admin", allowed).unwrap_err().code.as_str(), "invalid_scope");
        assert_eq!(grantable("openid a\"b", allowed).unwrap_err().code.as_str(), "invalid_scope");
    }

    #[test]
    fn subset_check() {
        let allowed = vec!["openid".to_string(), "email".to_string()];
        assert!(Scope::parse("openid email").unwrap().is_subset_of(&allowed));
        assert!(!Scope::parse("openid profile").unwrap().is_subset_of(&allowed));
    }
}
