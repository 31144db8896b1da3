//! The `claims` request parameter (OpenID Connect Core §5.5): individual
//! claims asked for the ID token and for UserInfo, beyond what the scope
//! releases.
//!
//! Only the user claims of the standard scopes can be asked for, and only
//! those of a scope the client is registered for: a client gets no more
//! than it could get by asking for the scope, and the user consents to the
//! scopes the claims belong to (`consent_scope`). Claims we do not know are
//! ignored (§5.5: "not understood ... MUST be ignored"); `essential` changes
//! nothing for them (§5.5.1: an essential claim the user lacks is left out
//! all the same). `acr` with `value`/`values` asks for an authentication
//! level as `acr_values` does (§5.5.1.1), and `sub` with a `value` names
//! the only user who may be logged in (§3.1.2.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::claims::user_claims;
use crate::protocol::vocabulary::{AuthLevel, StandardScope};
use crate::protocol::{ClientRecord, OAuthError, Scope, UserRecord};

/// The longest `claims` value read: far above what a real request holds
/// (every claim we know, each with a few values), far below a page.
pub const MAX_CLAIMS_PARAM: usize = 4096;

/// The claims a client asked for by name, kept with its grant (the code,
/// the refresh tokens) so refreshed tokens and UserInfo answer the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedClaims {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_token: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub userinfo: Vec<String>,
}

impl RequestedClaims {
    pub fn is_empty(&self) -> bool {
        self.id_token.is_empty() && self.userinfo.is_empty()
    }

    /// The scopes the requested claims belong to, for consent: the user
    /// agrees to what is released, whichever way it was asked for.
    pub fn scopes(&self) -> Vec<StandardScope> {
        let mut scopes: Vec<StandardScope> =
            self.id_token.iter().chain(&self.userinfo).filter_map(|name| scope_of_claim(name)).collect();
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        scopes
    }

    /// `scope` with the scopes of the requested claims (the consent asked for).
    pub fn consent_scope(&self, scope: &Scope) -> Scope {
        let extra: Vec<&str> = self.scopes().iter().map(|s| s.as_str()).collect();
        match Scope::parse(&extra.join(" ")) {
            Some(extra) if !extra.is_empty() => scope.union(&extra),
            _ => scope.clone(),
        }
    }
}

/// What an authorization request's `claims` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimsRequest {
    pub claims: RequestedClaims,
    /// `acr` values for the ID token (`value` or `values`), as `acr_values`.
    pub acr_values: Vec<String>,
    /// Whether that `acr` is essential (§5.5.1.1).
    pub acr_essential: bool,
    /// The `sub` the ID token must have (`id_token.sub.value`).
    pub sub: Option<String>,
}

/// The scope a user claim is released by (Core §5.4), `None` for claims
/// that cannot be asked for by name.
pub fn scope_of_claim(name: &str) -> Option<StandardScope> {
    match name {
        "name" | "preferred_username" | "updated_at" | "given_name" | "family_name" | "locale"
        | "zoneinfo" | "picture" => Some(StandardScope::Profile),
        "email" | "email_verified" => Some(StandardScope::Email),
        "phone_number" | "phone_number_verified" => Some(StandardScope::Phone),
        "address" => Some(StandardScope::Address),
        _ => None,
    }
}

/// Parses `raw` (§5.5): a JSON object whose `id_token` and `userinfo`
/// members are objects of claim names, each `null` or an object with
/// `essential` (a boolean), `value` or `values` (an array). Malformed
/// input is `invalid_request`; claims the client may not have are left
/// out (`client.allows_scope` of their scope).
pub fn parse(raw: &str, client: &ClientRecord) -> Result<ClaimsRequest, OAuthError> {
    let bad = |why: &str| OAuthError::invalid_request(format!("claims: {why}"));
    if raw.len() > MAX_CLAIMS_PARAM {
        return Err(bad("too long"));
    }
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(raw) else {
        return Err(bad("must be a JSON object (OpenID Connect Core §5.5)"));
    };
    let mut request = ClaimsRequest::default();
    for (member, target) in
        [("id_token", &mut request.claims.id_token), ("userinfo", &mut request.claims.userinfo)]
    {
        let Some(entries) = top.get(member) else { continue };
        let Value::Object(entries) = entries else { return Err(bad(&format!("{member} must be an object"))) };
        for (name, query) in entries {
            check_query(name, query).map_err(|why| bad(&why))?;
            if scope_of_claim(name).is_some_and(|scope| client.allows_scope(scope.as_str())) {
                target.push(name.clone());
            }
        }
    }
    if let Some(Value::Object(id_token)) = top.get("id_token") {
        request.acr_values = requested_values(id_token.get("acr"));
        request.acr_essential =
            id_token.get("acr").and_then(|q| q.get("essential")).and_then(Value::as_bool).unwrap_or(false);
        request.sub = requested_values(id_token.get("sub")).into_iter().next();
    }
    request.check_acr()?;
    Ok(request)
}

/// §5.5.1: `null`, or an object whose `essential` is a boolean and whose
/// `values` is an array; other members are for extensions and ignored.
fn check_query(name: &str, query: &Value) -> Result<(), String> {
    let Value::Object(query) = query else {
        return if query.is_null() { Ok(()) } else { Err(format!("{name} must be null or an object")) };
    };
    if query.get("essential").is_some_and(|e| !e.is_boolean()) {
        return Err(format!("{name}.essential must be true or false"));
    }
    if query.get("values").is_some_and(|v| !v.is_array()) {
        return Err(format!("{name}.values must be an array"));
    }
    Ok(())
}

/// The string `value`, else the string `values`, of a claim query.
fn requested_values(query: Option<&Value>) -> Vec<String> {
    let Some(Value::Object(query)) = query else { return Vec::new() };
    if let Some(Value::String(value)) = query.get("value") {
        return vec![value.clone()];
    }
    match query.get("values") {
        Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

impl ClaimsRequest {
    /// §5.5.1.1: an essential `acr` none of whose values we can reach fails
    /// the request (a "failed authentication attempt", answered with the
    /// error code of OIDC Unmet Authentication Requirements 1.0); a
    /// voluntary one is a preference.
    fn check_acr(&self) -> Result<(), OAuthError> {
        let reachable = self.acr_values.iter().any(|v| AuthLevel::ALL.iter().any(|l| l.as_str() == v));
        if self.acr_essential && !self.acr_values.is_empty() && !reachable {
            return Err(OAuthError::unmet_authentication_requirements(
                "none of the essential acr values can be satisfied",
            ));
        }
        Ok(())
    }
}

/// The claims `names` of `user` (whatever the scope: the names were
/// checked against the client when the request was made).
pub fn named_claims(user: &UserRecord, subject: &str, names: &[String]) -> Map<String, Value> {
    if names.is_empty() {
        return Map::new();
    }
    let every = Scope::parse("profile email phone address").unwrap_or_default();
    let mut all = user_claims(user, subject, &every);
    all.retain(|name, _| names.iter().any(|n| n == name));
    all
}

#[cfg(test)]
#[path = "claims_request_tests.rs"]
mod tests;
