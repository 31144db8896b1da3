//! Request parameters of the authorization and token endpoints, parsed from
//! `application/x-www-form-urlencoded` text.
//!
//! RFC 6749 §3.1 and §3.2: parameters sent without a value are treated as
//! omitted, and a parameter MUST NOT be included more than once.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::protocol::OAuthError;

/// Longest value accepted for any single parameter.
const MAX_VALUE_LEN: usize = 4096;

#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<String, String>,
    /// Names that appeared more than once (the first value is kept). The
    /// authorization endpoint can only report this once it trusts the
    /// redirect URI, so the check is separate from parsing.
    repeated: Vec<String>,
    /// The values after the first of repeated parameters, in order.
    extra: Vec<(String, String)>,
}

impl Params {
    pub fn parse(encoded: &str) -> Result<Params, OAuthError> {
        Params::from_pairs(url::form_urlencoded::parse(encoded.as_bytes()))
    }

    /// The parameters of decoded `(name, value)` pairs, in order, with the
    /// rules of [`parse`](Self::parse).
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> Result<Params, OAuthError>
    where
        N: Into<String>,
        V: Into<String>,
    {
        let mut values = HashMap::new();
        let mut repeated = Vec::new();
        let mut extra = Vec::new();
        for (name, value) in pairs {
            let (name, value) = (name.into(), value.into());
            if value.len() > MAX_VALUE_LEN {
                return Err(OAuthError::invalid_request(format!("parameter {name} is too long")));
            }
            if value.is_empty() {
                continue;
            }
            match values.entry(name) {
                Entry::Occupied(first) => {
                    repeated.push(first.key().clone());
                    extra.push((first.key().clone(), value));
                }
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
        }
        Ok(Params { values, repeated, extra })
    }

    /// Every pair but those named in `leave_out`: the first values, then
    /// the repeats in order ([`from_pairs`](Self::from_pairs) reads them
    /// back as they were).
    pub fn to_pairs(&self, leave_out: &[&str]) -> Vec<(String, String)> {
        let kept = |name: &String| !leave_out.contains(&name.as_str());
        let mut pairs: Vec<(String, String)> =
            self.values.iter().filter(|(n, _)| kept(n)).map(|(n, v)| (n.clone(), v.clone())).collect();
        pairs.sort();
        pairs.extend(self.extra.iter().filter(|(n, _)| kept(n)).cloned());
        pairs
    }

    /// These parameters with `name` set to `value` (any earlier value gone).
    pub fn with(&self, name: &str, value: &str) -> Result<Params, OAuthError> {
        let mut pairs = self.to_pairs(&[name]);
        pairs.push((name.to_string(), value.to_string()));
        Params::from_pairs(pairs)
    }

    pub fn is_repeated(&self, name: &str) -> bool {
        self.repeated.iter().any(|r| r == name)
    }

    /// Every value of a parameter that may repeat (RFC 8707 `resource`).
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        let mut all: Vec<&str> = self.get(name).into_iter().collect();
        all.extend(self.extra.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()));
        all
    }

    /// Fails with `invalid_request` if any parameter appeared twice.
    pub fn reject_repeated(&self) -> Result<(), OAuthError> {
        self.reject_repeated_except(&[])
    }

    /// As `reject_repeated`, allowing the named multi-valued parameters.
    pub fn reject_repeated_except(&self, multi: &[&str]) -> Result<(), OAuthError> {
        match self.repeated.iter().find(|name| !multi.contains(&name.as_str())) {
            Some(name) => Err(OAuthError::invalid_request(format!("parameter {name} is repeated"))),
            None => Ok(()),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_rejected() {
        let params = Params::parse("state=a&state=b").unwrap();
        assert!(params.is_repeated("state"));
        let err = params.reject_repeated().unwrap_err();
        assert!(params.reject_repeated_except(&["state"]).is_ok());
        assert_eq!(params.get_all("state"), vec!["a", "b"]);
        assert_eq!(err.code.as_str(), "invalid_request");
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = Params::parse("state=&scope=openid&state=x").unwrap();
        assert_eq!(p.get("state"), Some("x"));
        assert_eq!(p.get("scope"), Some("openid"));
        assert!(p.get("nonce").is_none());
    }

    #[test]
    fn pairs_read_back_as_they_were_without_those_left_out() {
        let p = Params::parse("resource=a&client_secret=s&scope=openid&resource=b&state=x").unwrap();
        let pairs = p.to_pairs(&["client_secret"]);
        assert!(pairs.iter().all(|(n, _)| n != "client_secret"), "{pairs:?}");
        let back = Params::from_pairs(pairs).unwrap();
        assert_eq!(back.get_all("resource"), vec!["a", "b"]);
        assert_eq!((back.get("scope"), back.get("state")), (Some("openid"), Some("x")));
        assert!(back.is_repeated("resource") && !back.contains("client_secret"));
    }

    #[test]
    fn values_are_percent_decoded() {
        let p = Params::parse("redirect_uri=http%3A%2F%2Fa%2Fcb&scope=openid+email").unwrap();
        assert_eq!(p.get("redirect_uri"), Some("http://a/cb"));
        assert_eq!(p.get("scope"), Some("openid email"));
    }
}
