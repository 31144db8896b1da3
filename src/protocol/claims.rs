//! ID tokens (OpenID Connect Core §2, §3.1.3.6) and the standard claims a
//! scope releases (§5.4).

use serde_json::{Map, Value, json};

use crate::crypto::b64url;
use crate::jose::{KeyError, Keyring, SigningAlg};
use crate::protocol::{AuthLevel, AuthMethod, Scope, StandardScope, UserRecord};

pub const ID_TOKEN_TYP: &str = "JWT";

/// Claims released by `profile` and `email` (OIDC Core §5.4). `sub` is the
/// user's immutable UUID, never the username.
pub fn user_claims(user: &UserRecord, scope: &Scope) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.id));
    if scope.contains(StandardScope::Profile.as_str()) {
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(name) = &user.name {
            claims.insert("name".into(), json!(name));
        }
        claims.insert("updated_at".into(), json!(user.updated_at));
    }
    if scope.contains(StandardScope::Email.as_str())
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    claims
}

/// OIDC Core §3.1.3.6: base64url of the left half of the hash of the access
/// token, with the hash of the ID token's algorithm: SHA-256 for RS256,
/// PS256 and ES256; SHA-512 for EdDSA with Ed25519.
pub fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    match alg {
        SigningAlg::EdDsa => b64url(&openssl::sha::sha512(access_token.as_bytes())[..32]),
        SigningAlg::Rs256 | SigningAlg::Ps256 | SigningAlg::Es256 => {
            b64url(&openssl::sha::sha256(access_token.as_bytes())[..16])
        }
    }
}

pub struct IdTokenRequest<'a> {
    /// The JWS algorithm (the client's `id_token_signed_response_alg`).
    pub alg: SigningAlg,
    pub issuer: &'a str,
    pub user: &'a UserRecord,
    pub client_id: &'a str,
    pub scope: &'a Scope,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    /// How the user authenticated (OIDC Core §2), when the token follows
    /// an authentication (not on refresh).
    pub acr: Option<AuthLevel>,
    pub amr: &'a [AuthMethod],
    pub sid: &'a str,
    pub access_token: &'a str,
    pub now: i64,
    pub ttl_secs: u64,
}

pub fn mint_id_token(keyring: &Keyring, req: IdTokenRequest<'_>) -> Result<String, KeyError> {
    let mut claims = user_claims(req.user, req.scope);
    claims.insert("iss".into(), json!(req.issuer));
    claims.insert("aud".into(), json!(req.client_id));
    claims.insert("azp".into(), json!(req.client_id));
    claims.insert("iat".into(), json!(req.now));
    claims.insert("exp".into(), json!(req.now + req.ttl_secs as i64));
    claims.insert("auth_time".into(), json!(req.auth_time));
    claims.insert("sid".into(), json!(req.sid));
    if let Some(acr) = req.acr {
        claims.insert("acr".into(), json!(acr));
    }
    if !req.amr.is_empty() {
        claims.insert("amr".into(), json!(req.amr));
    }
    claims.insert("at_hash".into(), json!(at_hash(req.alg, req.access_token)));
    if let Some(nonce) = req.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    keyring.sign_with(req.alg, ID_TOKEN_TYP, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserRecord {
        UserRecord {
            id: "8d6b6a4e-0000-4000-8000-000000000001".into(),
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            email_verified: false,
            name: Some("Alice A".into()),
            password_hash: String::new(),
            disabled: false,
            created_at: 1,
            updated_at: 2,
            version: 1,
        }
    }

    #[test]
    fn scopes_release_only_their_claims() {
        let only_openid = user_claims(&user(), &Scope::parse("openid").unwrap());
        assert_eq!(only_openid.len(), 1);
        let all = user_claims(&user(), &Scope::parse("openid profile email").unwrap());
        assert_eq!(all["preferred_username"], "alice");
        assert_eq!(all["email"], "alice@example.com");
        assert_eq!(all["email_verified"], false);
    }

    #[test]
    fn at_hash_matches_oidc_example() {
        // OpenID Connect Core Appendix A.3 (RS256).
        assert_eq!(
            at_hash(SigningAlg::Rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(at_hash(SigningAlg::EdDsa, "x").len(), 43, "left half of SHA-512: 32 bytes");
    }
}
