//! Plain records exchanged between the domain and the SQL store, free of
//! diesel types so domain code does not depend on the ORM. `Debug` is written
//! by hand so password and secret hashes never reach logs.

use std::fmt;

use crate::jose::jwe::Encryption;
use crate::protocol::Scope;
use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::clients::loopback_without_port;
use crate::protocol::profile::Profile;
use crate::protocol::vocabulary::{
    AuditKind, ClientAuthMethod, ConsentMode, GrantType, KeyState, PkcePolicy, SigningAlg, SubjectType,
};

/// A local account. Times are Unix seconds.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// UUID v4 as text.
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// OIDC Core §5.1 claims beyond name and email; released by scope, protocol::claims
    pub profile: Profile,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change (optimistic concurrency: the admin API's ETag).
    pub version: i64,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("name", &self.name)
            .field("profile", &self.profile)
            .field("password_hash", &"[redacted]")
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("version", &self.version)
            .finish()
    }
}

/// A registered OAuth client (RFC 6749 §2). Times are Unix seconds.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    /// Hash of the client secret; `None` for public clients.
    pub secret_hash: Option<String>,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: ClientAuthMethod,
    /// Inline JWK Set (JSON) for `private_key_jwt`.
    pub jwks: Option<String>,
    /// Where to fetch the client's JWK Set for `private_key_jwt`.
    pub jwks_uri: Option<String>,
    /// Resource indicators (RFC 8707) the client may ask tokens for.
    pub resources: Vec<String>,
    /// Per-client overrides of the global lifetimes, in seconds.
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    /// JWS algorithm of this client's ID tokens (OIDC Dynamic Client
    /// Registration §2); the server default when unset.
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// Display name for people (login, consent and logout pages).
    pub name: Option<String>,
    /// `logo_uri` (OIDC Dynamic Client Registration §2): shown next to the
    /// name on the login and consent pages; https (http on loopback).
    pub logo_uri: Option<String>,
    /// Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed.
    pub backchannel_logout: Option<LogoutUri>,
    /// Front-Channel Logout 1.0 §2: the page the logged-out page embeds.
    pub frontchannel_logout: Option<LogoutUri>,
    /// Whether users are asked before the client receives their data.
    pub consent: ConsentMode,
    /// Browser origins (`scheme://host[:port]`) allowed to call the token,
    /// UserInfo and revocation endpoints with CORS.
    pub web_origins: Vec<String>,
    /// Whether authorization requests must carry a PKCE challenge.
    pub pkce: PkcePolicy,
    /// Seconds after a rotation during which the rotated refresh token may
    /// be presented again without revoking its family (0: never).
    pub refresh_reuse_leeway: i64,
    /// The group-name prefix whose groups become the `roles` claim in this
    /// client's tokens (`app1:` maps `app1:admin` to `admin`).
    pub role_claim: Option<String>,
    /// Users must give a second factor to sign in to this client.
    pub require_mfa: bool,
    /// The client must push its authorization requests (RFC 9126 §6,
    /// `require_pushed_authorization_requests`).
    pub require_pushed_requests: bool,
    /// The client must send its authorization requests as signed request
    /// objects (RFC 9101 §10.5, `require_signed_request_object`).
    pub require_signed_request_object: bool,
    /// The client must prove possession of a DPoP key at the token endpoint
    /// (RFC 9449 §5.2, `dpop_bound_access_tokens`).
    pub require_dpop: bool,
    /// `public` or `pairwise` `sub` values (OIDC Core §8).
    pub subject_type: SubjectType,
    /// OIDC Registration §2: a document listing the client's redirect
    /// URIs whose host is the pairwise sector (Core §8.1).
    pub sector_identifier_uri: Option<String>,
    /// RFC 8693: the resources whose access tokens the client may exchange
    /// (the APIs it implements); tokens issued to the client itself always
    /// may be. Needs the token-exchange grant.
    pub token_exchange_from: Vec<String>,
    /// ID tokens encrypted to the client's key after signing (OIDC
    /// Registration §2 `id_token_encrypted_response_alg`/`_enc`).
    pub id_token_encryption: Option<Encryption>,
    /// UserInfo answered as a JWT signed with this algorithm (Registration
    /// §2 `userinfo_signed_response_alg`); plain JSON when unset.
    pub userinfo_signed_response_alg: Option<SigningAlg>,
    /// UserInfo responses encrypted to the client's key (signed first when
    /// `userinfo_signed_response_alg` is set, OIDC Core §5.3.2).
    pub userinfo_encryption: Option<Encryption>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change (optimistic concurrency: the admin API's ETag).
    pub version: i64,
}

/// A client's logout endpoint and whether it needs the `sid` (and `iss`)
/// (`*_logout_session_required`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutUri {
    pub uri: String,
    pub session_required: bool,
}

impl Default for ClientRecord {
    fn default() -> Self {
        ClientRecord {
            client_id: String::new(),
            secret_hash: None,
            public: false,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            scopes: Vec::new(),
            token_endpoint_auth_method: ClientAuthMethod::ClientSecretBasic,
            jwks: None,
            jwks_uri: None,
            resources: Vec::new(),
            access_token_ttl: None,
            refresh_token_idle_ttl: None,
            refresh_token_absolute_ttl: None,
            id_token_signed_response_alg: None,
            name: None,
            logo_uri: None,
            backchannel_logout: None,
            frontchannel_logout: None,
            consent: ConsentMode::Implicit,
            web_origins: Vec::new(),
            pkce: PkcePolicy::Required,
            refresh_reuse_leeway: 0,
            role_claim: None,
            require_mfa: false,
            require_pushed_requests: false,
            require_signed_request_object: false,
            require_dpop: false,
            subject_type: SubjectType::Public,
            sector_identifier_uri: None,
            token_exchange_from: Vec::new(),
            id_token_encryption: None,
            userinfo_signed_response_alg: None,
            userinfo_encryption: None,
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }
}

impl ClientRecord {
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Exact, case-sensitive string comparison against the registered URIs
    /// (RFC 6749 §3.1.2.3, RFC 9700 §2.1), except that the port of a
    /// loopback IP redirect URI may be any (RFC 8252 §7.3).
    pub fn has_redirect_uri(&self, candidate: &str) -> bool {
        if self.redirect_uris.iter().any(|registered| registered == candidate) {
            return true;
        }
        let Some(portless) = loopback_without_port(candidate) else { return false };
        self.redirect_uris
            .iter()
            .any(|registered| loopback_without_port(registered).is_some_and(|r| r == portless))
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Exact comparison against the registered post-logout redirect URIs
    /// (RP-Initiated Logout 1.0 §3).
    pub fn has_post_logout_redirect_uri(&self, candidate: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|registered| registered == candidate)
    }

    /// What people see: the display name, or the client id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.client_id)
    }
}

impl fmt::Debug for ClientRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRecord")
            .field("client_id", &self.client_id)
            .field("secret_hash", &self.secret_hash.as_ref().map(|_| "[redacted]"))
            .field("public", &self.public)
            .field("redirect_uris", &self.redirect_uris)
            .field("post_logout_redirect_uris", &self.post_logout_redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("scopes", &self.scopes)
            .field("token_endpoint_auth_method", &self.token_endpoint_auth_method)
            .field("jwks_uri", &self.jwks_uri)
            .field("resources", &self.resources)
            .field("name", &self.name)
            .field("logo_uri", &self.logo_uri)
            .field("backchannel_logout", &self.backchannel_logout)
            .field("frontchannel_logout", &self.frontchannel_logout)
            .field("consent", &self.consent)
            .field("web_origins", &self.web_origins)
            .field("pkce", &self.pkce)
            .field("refresh_reuse_leeway", &self.refresh_reuse_leeway)
            .field("role_claim", &self.role_claim)
            .field("require_mfa", &self.require_mfa)
            .field("require_pushed_requests", &self.require_pushed_requests)
            .field("require_signed_request_object", &self.require_signed_request_object)
            .field("require_dpop", &self.require_dpop)
            .field("subject_type", &self.subject_type)
            .field("sector_identifier_uri", &self.sector_identifier_uri)
            .field("token_exchange_from", &self.token_exchange_from)
            .field("id_token_encryption", &self.id_token_encryption)
            .field("userinfo_signed_response_alg", &self.userinfo_signed_response_alg)
            .field("userinfo_encryption", &self.userinfo_encryption)
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A protected resource (an API, RFC 8707 `resource` / RFC 9068 `aud`):
/// the tokens it accepts and how it proves itself at introspection.
#[derive(Clone, PartialEq, Eq)]
pub struct ResourceRecord {
    /// The resource indicator: an absolute URI without fragment.
    pub identifier: String,
    /// Hash of the resource's introspection secret, when it has one.
    pub secret_hash: Option<String>,
    /// Inline JWK Set (JSON) for `private_key_jwt` at introspection.
    pub jwks: Option<String>,
    /// Scopes this resource defines: grantable only together with it.
    pub scopes: Vec<String>,
    /// Lifetime of access tokens for this resource, in seconds.
    pub access_token_ttl: Option<i64>,
    /// Algorithm of access tokens for this resource (default RS256).
    pub signing_alg: Option<SigningAlg>,
    /// Access tokens for this resource alone, signed then encrypted to a
    /// key of its `jwks`, so that clients cannot read them.
    pub access_token_encryption: Option<Encryption>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl fmt::Debug for ResourceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceRecord")
            .field("identifier", &self.identifier)
            .field("secret_hash", &self.secret_hash.as_ref().map(|_| "[redacted]"))
            .field("jwks", &self.jwks.is_some())
            .field("scopes", &self.scopes)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("signing_alg", &self.signing_alg)
            .field("access_token_encryption", &self.access_token_encryption)
            .finish_non_exhaustive()
    }
}

/// What one user granted one client (OIDC Core §3.1.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub user_id: String,
    pub client_id: String,
    pub scope: Scope,
    pub granted_at: i64,
    pub updated_at: i64,
}

/// One refresh token of a rotation family (RFC 9700 §4.14.2). Only the
/// SHA-256 of the token is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub id: String,
    pub token_hash: String,
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    /// The SSO session it was issued in (the `sid` of its ID tokens).
    pub sid: Option<String>,
    /// Offline access (OIDC Core §11): the family outlives the session.
    pub offline: bool,
    pub auth_time: i64,
    pub access_token_jti: Option<String>,
    pub access_token_exp: Option<i64>,
    pub created_at: i64,
    /// Idle expiry of this token.
    pub expires_at: i64,
    /// Absolute expiry of the whole family.
    pub family_expires_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The resources (RFC 8707) the family was granted for: the `aud` of
    /// its access tokens; empty for the default audience.
    pub resources: Vec<String>,
    /// RFC 9449 §5: the JWK SHA-256 thumbprint (RFC 7638) of the DPoP key a
    /// public client's refresh token is bound to; the rotated successors
    /// inherit it.
    pub dpop_jkt: Option<String>,
    /// Claims asked for by name (OIDC Core §5.5) when the family began.
    pub claims: RequestedClaims,
}

impl fmt::Debug for RefreshTokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshTokenRecord")
            .field("id", &self.id)
            .field("token_hash", &"[redacted]")
            .field("family_id", &self.family_id)
            .field("client_id", &self.client_id)
            .field("user_id", &self.user_id)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .field("rotated_at", &self.rotated_at)
            .field("revoked_at", &self.revoked_at)
            .field("offline", &self.offline)
            .field("resources", &self.resources)
            .field("dpop_jkt", &self.dpop_jkt)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// A signing key as stored: the private key is sealed under the KEK.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: SigningAlg,
    pub state: KeyState,
    pub private_key_sealed: String,
    pub created_at: i64,
    pub signs_from: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub delete_after: Option<i64>,
}

impl fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("state", &self.state)
            .field("private_key_sealed", &"[redacted]")
            .field("signs_from", &self.signs_from)
            .finish_non_exhaustive()
    }
}

/// A named set of users (issue 12): its name is what the `groups` claim
/// carries, and a client's role prefix turns it into a `roles` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// 1-100 characters of `[A-Za-z0-9._:-]` (`admin::validate_group_name`).
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A security-relevant event, kept in the database for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: String,
    pub at: i64,
    pub kind: AuditKind,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// JSON object with event-specific details (never secrets).
    pub detail: String,
    /// Who caused it (admin actions): `cli`, `user:<id>` or `client:<id>`.
    pub actor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_hashes() {
        let user = UserRecord {
            id: "u1".into(),
            username: "alice".into(),
            email: None,
            email_verified: false,
            name: None,
            profile: Profile::default(),
            password_hash: "$argon2id$secret".into(),
            disabled: false,
            created_at: 1,
            updated_at: 1,
            version: 1,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("alice") && shown.contains("[redacted]"));
        assert!(!shown.contains("argon2id"), "{shown}");

        let client = ClientRecord {
            client_id: "app".into(),
            secret_hash: Some("$argon2id$secret".into()),
            ..ClientRecord::default()
        };
        let shown = format!("{client:?}");
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("argon2id"), "{shown}");
    }
}
