//! JWT access tokens (RFC 9068): minted with the active signing key and
//! verified against our own keys only, with `typ` pinned to `at+jwt` so an ID
//! token can never pass as an access token.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crypto::random_token;
use crate::jose::{KeyError, Keyring, SigningAlg};
use crate::protocol::OAuthError;
use crate::protocol::claims::GroupClaims;
use crate::protocol::vocabulary::{TokenType, TokenTypeUri};

pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// RFC 6749 §5.1 (plus `id_token`, OIDC Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: TokenType,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// RFC 8693 §2.2.1: what a token exchange issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<TokenTypeUri>,
}

/// RFC 9068 §2.2 claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// RFC 9068 §2.2.3.1: the user's groups (with the `groups` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// RFC 9068 §2.2.3.1: the user's roles at this client (its role prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// RFC 9449 §6.1 (RFC 7800): the DPoP key the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// User claims the client asked for by name for UserInfo (OIDC Core
    /// §5.5), which answers from the token alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub userinfo_claims: Vec<String>,
    /// RFC 8693 §4.1: who acts for the subject, prior actors nested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Value>,
}

/// RFC 7800 §3.1 `cnf` with RFC 9449 §6.1's `jkt`: the JWK SHA-256
/// thumbprint (RFC 7638) of the key that must prove possession.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: String,
}

impl AccessTokenClaims {
    pub fn has_scope(&self, token: &str) -> bool {
        self.scope.split(' ').any(|s| s == token)
    }

    /// The thumbprint of the DPoP key the token is bound to, if any.
    pub fn bound_key(&self) -> Option<&str> {
        self.cnf.as_ref().map(|c| c.jkt.as_str())
    }
}

pub struct AccessTokenRequest<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub client_id: &'a str,
    pub audience: Vec<String>,
    pub scope: String,
    pub auth_time: Option<i64>,
    pub sid: Option<String>,
    /// `groups` and `roles` (RFC 9068 §2.2.3.1); default for none.
    pub group_claims: GroupClaims,
    /// Claims asked for by name for UserInfo (OIDC Core §5.5).
    pub userinfo_claims: Vec<String>,
    /// RFC 8693 §4.1 `act` of an exchanged token.
    pub act: Option<Value>,
    /// The DPoP key to bind the token to (RFC 9449 §6).
    pub dpop_jkt: Option<&'a str>,
    pub now: i64,
    pub ttl_secs: u64,
}

/// A signed access token and what revocation needs to know about it.
pub struct MintedAccessToken {
    pub token: String,
    pub jti: String,
    pub exp: i64,
}

/// Signs with the keyring's default algorithm.
pub fn mint_access_token(
    keyring: &Keyring,
    req: AccessTokenRequest<'_>,
) -> Result<MintedAccessToken, KeyError> {
    mint_access_token_with(keyring, None, req)
}

/// Signs with the active key of `alg` (a resource's `signing_alg`), or
/// the default one.
pub fn mint_access_token_with(
    keyring: &Keyring,
    alg: Option<SigningAlg>,
    req: AccessTokenRequest<'_>,
) -> Result<MintedAccessToken, KeyError> {
    let claims = AccessTokenClaims {
        iss: req.issuer.to_string(),
        sub: req.subject.to_string(),
        aud: req.audience,
        client_id: req.client_id.to_string(),
        scope: req.scope,
        jti: random_token(16),
        iat: req.now,
        exp: req.now + req.ttl_secs as i64,
        auth_time: req.auth_time,
        sid: req.sid,
        groups: req.group_claims.groups,
        roles: req.group_claims.roles,
        cnf: req.dpop_jkt.map(|jkt| Confirmation { jkt: jkt.to_string() }),
        userinfo_claims: req.userinfo_claims,
        act: req.act,
    };
    let Value::Object(map) = serde_json::to_value(&claims).map_err(|e| KeyError::Crypto(e.to_string()))?
    else {
        return Err(KeyError::Crypto("claims are not an object".into()));
    };
    let token = match alg {
        Some(alg) => keyring.sign_with(alg, ACCESS_TOKEN_TYP, &map)?,
        None => keyring.sign(ACCESS_TOKEN_TYP, &map)?,
    };
    Ok(MintedAccessToken { token, jti: claims.jti, exp: claims.exp })
}

/// Issuer, expiry, issue time and (when given) audience of verified
/// access-token claims. Every failure is `invalid_token` (RFC 6750 §3.1).
pub fn check_claims(
    claims: &AccessTokenClaims,
    issuer: &str,
    audience: Option<&str>,
    now: i64,
) -> Result<(), OAuthError> {
    if claims.iss != issuer {
        return Err(OAuthError::invalid_token("the access token was issued by someone else"));
    }
    if claims.exp <= now {
        return Err(OAuthError::invalid_token("the access token has expired"));
    }
    if claims.iat > now + 60 {
        return Err(OAuthError::invalid_token("the access token was issued in the future"));
    }
    if audience.is_some_and(|audience| !claims.aud.iter().any(|a| a == audience)) {
        return Err(OAuthError::invalid_token("the access token is not meant for this resource"));
    }
    Ok(())
}

/// The claims as a JSON object, e.g. to build other tokens from.
pub fn to_map<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://idp".into(),
            sub: "u1".into(),
            aud: vec!["https://idp".into()],
            client_id: "c".into(),
            scope: "openid email".into(),
            jti: "j".into(),
            iat: now,
            exp: now + 300,
            auth_time: None,
            sid: None,
            groups: None,
            roles: None,
            cnf: None,
            userinfo_claims: Vec::new(),
            act: None,
        }
    }

    #[test]
    fn claims_are_checked_against_now() {
        let c = claims(1000);
        let idp = Some("https://idp");
        assert!(check_claims(&c, "https://idp", idp, 1000).is_ok());
        assert!(check_claims(&c, "https://idp", idp, 1300).is_err(), "expired at exp");
        assert!(check_claims(&c, "https://other", idp, 1000).is_err());
        assert!(check_claims(&c, "https://idp", Some("https://api"), 1000).is_err());
        assert!(check_claims(&c, "https://idp", None, 1000).is_ok());
        assert!(check_claims(&c, "https://idp", idp, 900).is_err(), "iat in the future");
        assert!(c.has_scope("email") && !c.has_scope("profile"));
    }
}
