//! Clients' public keys for `private_key_jwt` (RFC 7523, OIDC Core §9):
//! a JWK Set registered inline or fetched from the client's `jwks_uri`.

use josekit::jwk::JwkSet;

/// Members that only private or symmetric keys have.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Parses a JWK Set that must contain at least one key and only public keys.
pub fn parse_public_jwks(json: &str) -> Result<JwkSet, String> {
    let set = JwkSet::from_bytes(json.as_bytes()).map_err(|e| format!("invalid JWK Set: {e}"))?;
    if set.keys().is_empty() {
        return Err("the JWK Set has no keys".into());
    }
    if set.keys().iter().any(|k| PRIVATE_MEMBERS.iter().any(|m| k.parameter(m).is_some())) {
        return Err("the JWK Set must contain public keys only".into());
    }
    Ok(set)
}
