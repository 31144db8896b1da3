//! ID tokens (OpenID Connect Core §2, §3.1.3.6) and the standard claims a
//! scope releases (§5.4).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::crypto::b64url;
use crate::jose::{KeyError, Keyring, SigningAlg};
use crate::protocol::{AuthLevel, AuthMethod, Scope, StandardScope, UserRecord};

pub const ID_TOKEN_TYP: &str = "JWT";

/// Claims released by `profile`, `email`, `phone` and `address` (OIDC Core §5.4). `sub` is the
/// user's `subject` at the client (§8): the immutable UUID or its pairwise
/// form, never the username.
pub fn user_claims(user: &UserRecord, subject: &str, scope: &Scope) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(subject));
    if scope.contains(StandardScope::Profile.as_str()) {
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(name) = &user.name {
            claims.insert("name".into(), json!(name));
        }
        claims.insert("updated_at".into(), json!(user.updated_at));
        user.profile.profile_claims(&mut claims);
    }
    if scope.contains(StandardScope::Email.as_str())
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    if scope.contains(StandardScope::Phone.as_str()) {
        user.profile.phone_claims(&mut claims);
    }
    if scope.contains(StandardScope::Address.as_str()) {
        user.profile.address_claim(&mut claims);
    }
    claims
}

/// The `groups` and `roles` claims of one issuance (RFC 9068 §2.2.3.1
/// names both for JWT access tokens; the ID token and UserInfo carry the
/// same values). Computed from the database at each issuance, refresh
/// included, so a membership change shows in the next token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupClaims {
    /// Every group of the user, sorted; only with the `groups` scope. An
    /// empty list when the scope was granted and the user is in none: the
    /// client asked, and "none" is the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The client's roles: the user's groups that start with the client's
    /// role prefix, with the prefix removed, sorted; only for a client with
    /// a prefix, whatever the scope. Left out when the user has none, as
    /// OIDC Core §5.3.2 leaves out claims without a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

impl GroupClaims {
    /// Whether an issuance needs the user's groups at all: with neither the
    /// `groups` scope nor a role prefix (nor the admin scope to check), the
    /// hot paths make no query.
    pub fn needed(scope: &Scope, role_prefix: Option<&str>) -> bool {
        scope.contains(StandardScope::Groups.as_str())
            || scope.contains(crate::protocol::admin::ADMIN_SCOPE)
            || role_prefix.is_some()
    }

    /// The claims for a user in `groups` (any order), given the granted
    /// `scope` and the client's role prefix.
    pub fn of(groups: &[String], scope: &Scope, role_prefix: Option<&str>) -> GroupClaims {
        let mut sorted = groups.to_vec();
        sorted.sort();
        sorted.dedup();
        let roles = role_prefix.map(|prefix| roles_of(&sorted, prefix)).filter(|r| !r.is_empty());
        let groups = scope.contains(StandardScope::Groups.as_str()).then_some(sorted);
        GroupClaims { groups, roles }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_none() && self.roles.is_none()
    }

    /// Adds the claims there are to `claims` (an ID token or UserInfo).
    pub fn insert_into(&self, claims: &mut Map<String, Value>) {
        if let Some(groups) = &self.groups {
            claims.insert("groups".into(), json!(groups));
        }
        if let Some(roles) = &self.roles {
            claims.insert("roles".into(), json!(roles));
        }
    }
}

/// The roles a client's prefix gives: `app1:admin` is `admin` for prefix
/// `app1:`. A group named exactly the prefix gives no (empty) role.
pub fn roles_of(groups: &[String], prefix: &str) -> Vec<String> {
    let mut roles: Vec<String> = groups
        .iter()
        .filter_map(|g| g.strip_prefix(prefix))
        .filter(|role| !role.is_empty())
        .map(str::to_string)
        .collect();
    roles.sort();
    roles.dedup();
    roles
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
    /// The user's `sub` at the client (OIDC Core §8).
    pub subject: &'a str,
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
    /// `groups` and `roles`, when the scope or the client asks for them.
    pub group_claims: &'a GroupClaims,
    /// User claims the client asked for by name for the ID token (§5.5).
    pub named_claims: &'a [String],
    pub now: i64,
    pub ttl_secs: u64,
}

pub fn mint_id_token(keyring: &Keyring, req: IdTokenRequest<'_>) -> Result<String, KeyError> {
    let mut claims = user_claims(req.user, req.subject, req.scope);
    claims.extend(crate::protocol::claims_request::named_claims(req.user, req.subject, req.named_claims));
    req.group_claims.insert_into(&mut claims);
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
pub(crate) mod tests {
    use super::*;

    /// alice, as the claim tests of `protocol` know her.
    pub(crate) fn user() -> UserRecord {
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
            profile: crate::protocol::profile::Profile::default(),
        }
    }

    #[test]
    fn scopes_release_only_their_claims() {
        let only_openid = user_claims(&user(), "u1", &Scope::parse("openid").unwrap());
        assert_eq!(only_openid.len(), 1);
        let all = user_claims(&user(), "u1", &Scope::parse("openid profile email").unwrap());
        assert_eq!(all["preferred_username"], "alice");
        assert_eq!(all["email"], "alice@example.com");
        assert_eq!(all["email_verified"], false);
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roles_are_the_groups_under_the_prefix() {
        let groups = names(&["app1:admin", "app2:admin", "app1:", "app1:viewer", "staff", "app1:admin"]);
        assert_eq!(roles_of(&groups, "app1:"), ["admin", "viewer"]);
        assert!(roles_of(&groups, "app3:").is_empty());
        assert_eq!(roles_of(&groups, "app"), ["1:", "1:admin", "1:viewer", "2:admin"]);
    }

    #[test]
    fn group_claims_follow_the_scope_and_the_prefix() {
        let groups = names(&["staff", "app1:admin"]);
        let with_groups = Scope::parse("openid groups").unwrap();
        let without = Scope::parse("openid").unwrap();
        let both = GroupClaims::of(&groups, &with_groups, Some("app1:"));
        assert_eq!(both.groups, Some(names(&["app1:admin", "staff"])), "sorted");
        assert_eq!(both.roles, Some(names(&["admin"])));
        let only_roles = GroupClaims::of(&groups, &without, Some("app1:"));
        assert_eq!((only_roles.groups, only_roles.roles), (None, Some(names(&["admin"]))));
        assert!(GroupClaims::of(&groups, &without, None).is_empty());
        assert!(GroupClaims::of(&groups, &without, Some("app9:")).is_empty(), "no roles: no claim");
        let none = GroupClaims::of(&[], &with_groups, None);
        assert_eq!(none.groups, Some(vec![]), "granted scope, no groups: an empty list");
        let mut claims = Map::new();
        both.insert_into(&mut claims);
        assert_eq!(claims["groups"], json!(["app1:admin", "staff"]));
        assert_eq!(claims["roles"], json!(["admin"]));
    }

    #[test]
    fn groups_are_read_only_when_something_needs_them() {
        let plain = Scope::parse("openid profile").unwrap();
        assert!(!GroupClaims::needed(&plain, None));
        assert!(GroupClaims::needed(&plain, Some("app1:")));
        assert!(GroupClaims::needed(&Scope::parse("openid groups").unwrap(), None));
        assert!(GroupClaims::needed(&Scope::parse("oxidp:admin").unwrap(), None));
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
