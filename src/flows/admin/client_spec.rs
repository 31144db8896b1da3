//! A client as an operator describes it, and every check that turns it
//! into a record: one code path for the CLI, the admin API and the
//! console. Errors name the field (the admin API's JSON member).

use super::encryption_keys::RawResponseEncryption;
use super::{Admin, AdminError};
use crate::crypto::{random_token, secret_digest};
use crate::jose::SigningAlg;
use crate::protocol::admin::validate_role_prefix;
use crate::protocol::client_assertion::{is_acceptable_jwks_uri, parse_public_jwks};
use crate::protocol::clients::{
    self, DEFAULT_SCOPES, MAX_REFRESH_REUSE_LEEWAY, MIN_SECRET_LEN, is_private_use_redirect, origins_of,
    validate_client_id, validate_display_name, validate_logo_uri, validate_logout_uri, validate_redirect_uri,
    validate_resource, validate_scope_value, web_origin,
};
use crate::protocol::subjects::{sector_identifier, validate_sector_identifier_uri};
use crate::protocol::{
    ClientAuthMethod, ClientRecord, ConsentMode, GrantType, LogoutUri, PkcePolicy, SubjectType,
};
use crate::vocabulary::UnknownWord;

/// A client as an operator describes it: words not yet parsed, lists not
/// yet checked.
#[derive(Debug, Default, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means `authorization_code`.
    pub grant_types: Vec<String>,
    /// Empty means `openid profile email`.
    pub scopes: Vec<String>,
    pub public: bool,
    /// None for a confidential client using a secret means "generate one".
    pub secret: Option<String>,
    /// Default: `none` for public clients, else `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// The client's public keys (RFC 7591 §2), as an inline JWK Set (JSON
    /// text) or a `jwks_uri`, never both: any client may register them (they
    /// verify its signed request objects, RFC 9101); `private_key_jwt` needs
    /// them.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Resource indicators (RFC 8707) the client may request.
    pub resources: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    /// One of the server's signing algorithms; the default (RS256) when unset.
    pub id_token_signed_response_alg: Option<String>,
    /// Shown to people instead of the client id.
    pub name: Option<String>,
    /// Shown next to the name (OIDC Dynamic Client Registration §2).
    pub logo_uri: Option<String>,
    /// `implicit` (default) or `required`.
    pub consent: Option<String>,
    /// Back-Channel Logout 1.0 §2.2.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// Front-Channel Logout 1.0 §2.
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    /// Browser origins allowed to use CORS; default: the origins of the
    /// http(s) redirect URIs.
    pub web_origins: Vec<String>,
    /// `required` (default) or `optional` (confidential clients only).
    pub pkce: Option<String>,
    /// Seconds a rotated refresh token may be reused (0 to 60, default 0).
    pub refresh_reuse_leeway: Option<i64>,
    /// Group-name prefix mapped to the `roles` claim (`app1:`).
    pub role_claim: Option<String>,
    /// Users must give a second factor to sign in to this client.
    pub require_mfa: bool,
    /// The client must push its authorization requests (RFC 9126).
    pub require_pushed_requests: bool,
    /// The client must send signed request objects (RFC 9101 §10.5).
    pub require_signed_request_object: bool,
    /// The client must prove possession of a DPoP key at the token endpoint
    /// (RFC 9449 §5.2, `dpop_bound_access_tokens`).
    pub require_dpop: bool,
    /// `public` (default) or `pairwise` `sub` values (OIDC Core §8).
    pub subject_type: Option<String>,
    /// A document listing the redirect URIs, whose host is the pairwise
    /// sector (OIDC Registration §2, Core §8.1); pairwise clients only.
    pub sector_identifier_uri: Option<String>,
    /// The resources whose access tokens the client may exchange (RFC 8693;
    /// the APIs it implements); needs the token-exchange grant.
    pub token_exchange_from: Vec<String>,
    /// Response encryption and UserInfo signing (OIDC Registration §2),
    /// checked in `encryption_keys`: ID tokens signed then encrypted (Core
    /// §10.2), UserInfo as a signed and/or encrypted JWT (Core §5.3.2).
    pub id_token_encrypted_response_alg: Option<String>,
    pub id_token_encrypted_response_enc: Option<String>,
    pub userinfo_signed_response_alg: Option<String>,
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
}

impl NewClient {
    /// The description an existing record answers to (its secret aside),
    /// so an update is checked exactly like a creation.
    pub(super) fn describing(client: &ClientRecord) -> NewClient {
        NewClient {
            client_id: client.client_id.clone(),
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            grant_types: client.grant_types.iter().map(|g| g.to_string()).collect(),
            scopes: client.scopes.clone(),
            public: client.public,
            secret: None,
            token_endpoint_auth_method: Some(client.token_endpoint_auth_method.to_string()),
            jwks: client.jwks.clone(),
            jwks_uri: client.jwks_uri.clone(),
            resources: client.resources.clone(),
            access_token_ttl: client.access_token_ttl,
            refresh_token_idle_ttl: client.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: client.refresh_token_absolute_ttl,
            id_token_signed_response_alg: client.id_token_signed_response_alg.map(|a| a.to_string()),
            name: client.name.clone(),
            logo_uri: client.logo_uri.clone(),
            consent: Some(client.consent.to_string()),
            backchannel_logout_uri: client.backchannel_logout.as_ref().map(|l| l.uri.clone()),
            backchannel_logout_session_required: client
                .backchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
            frontchannel_logout_uri: client.frontchannel_logout.as_ref().map(|l| l.uri.clone()),
            frontchannel_logout_session_required: client
                .frontchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
            web_origins: client.web_origins.clone(),
            pkce: Some(client.pkce.to_string()),
            refresh_reuse_leeway: Some(client.refresh_reuse_leeway),
            role_claim: client.role_claim.clone(),
            require_mfa: client.require_mfa,
            require_pushed_requests: client.require_pushed_requests,
            require_signed_request_object: client.require_signed_request_object,
            require_dpop: client.require_dpop,
            subject_type: Some(client.subject_type.to_string()),
            sector_identifier_uri: client.sector_identifier_uri.clone(),
            token_exchange_from: client.token_exchange_from.clone(),
            id_token_encrypted_response_alg: client.id_token_encryption.map(|e| e.alg.to_string()),
            id_token_encrypted_response_enc: client.id_token_encryption.map(|e| e.enc.to_string()),
            userinfo_signed_response_alg: client.userinfo_signed_response_alg.map(|a| a.to_string()),
            userinfo_encrypted_response_alg: client.userinfo_encryption.map(|e| e.alg.to_string()),
            userinfo_encrypted_response_enc: client.userinfo_encryption.map(|e| e.enc.to_string()),
        }
    }
}

/// Whether a secret is to be generated, kept or given.
pub(super) enum SecretSource {
    /// A new client: generate one unless given.
    New,
    /// An update: keep the stored hash if the method still uses a secret.
    Keep(Option<String>),
}

fn field(name: &'static str) -> impl Fn(String) -> AdminError {
    AdminError::field(name)
}

fn word<T: std::str::FromStr<Err = UnknownWord>>(name: &'static str, raw: &str) -> Result<T, AdminError> {
    raw.parse().map_err(|e: UnknownWord| AdminError::invalid_field(name, e.to_string()))
}

/// A logout endpoint, checked; `session_required` needs an endpoint.
fn logout_uri(
    name: &'static str,
    uri: Option<String>,
    session_required: bool,
) -> Result<Option<LogoutUri>, AdminError> {
    match uri {
        Some(uri) => {
            validate_logout_uri(&uri).map_err(field(name))?;
            Ok(Some(LogoutUri { uri, session_required }))
        }
        None if session_required => {
            Err(AdminError::invalid_field(name, format!("{name}: session_required needs a logout URI")))
        }
        None => Ok(None),
    }
}

/// Subject identifiers (OIDC Core §8): a `sector_identifier_uri` is for
/// pairwise clients only, and a pairwise client needs a sector (§8.1):
/// the host of its `sector_identifier_uri`, or the one host of its
/// redirect URIs. Whether the document lists the redirect URIs is checked
/// later (`check_sector`): it needs the network.
fn subject_type(
    raw: Option<&str>,
    sector_identifier_uri: Option<&str>,
    redirect_uris: &[String],
) -> Result<SubjectType, AdminError> {
    let subject_type = raw.map(|w| word("subject_type", w)).transpose()?.unwrap_or(SubjectType::Public);
    if let Some(uri) = sector_identifier_uri {
        validate_sector_identifier_uri(uri).map_err(field("sector_identifier_uri"))?;
        if subject_type != SubjectType::Pairwise {
            return Err(AdminError::invalid_field(
                "sector_identifier_uri",
                "sector_identifier_uri is only used by pairwise clients (subject_type pairwise)",
            ));
        }
    }
    if subject_type == SubjectType::Pairwise {
        let name = if sector_identifier_uri.is_some() { "sector_identifier_uri" } else { "subject_type" };
        sector_identifier(redirect_uris, sector_identifier_uri).map_err(field(name))?;
    }
    Ok(subject_type)
}

/// Token exchange (RFC 8693): the resources whose tokens the client may
/// exchange are resource indicators (RFC 8707 §2), and only a client
/// with the token-exchange grant has a use for them. (A public client
/// never has the grant: `clients::grant_types` refuses it.)
fn token_exchange_from(list: Vec<String>, grant_types: &[GrantType]) -> Result<Vec<String>, AdminError> {
    const FIELD: &str = "token_exchange_from";
    for resource in &list {
        validate_resource(resource).map_err(|e| AdminError::invalid_field(FIELD, format!("{FIELD}: {e}")))?;
    }
    if !list.is_empty() && !grant_types.contains(&GrantType::TokenExchange) {
        return Err(AdminError::invalid_field(
            FIELD,
            format!("{FIELD} needs the token-exchange grant ({})", GrantType::TokenExchange),
        ));
    }
    Ok(dedup(list))
}

impl Admin {
    /// Every check of a client and its secret hash (and the plaintext when
    /// a new secret was made); nothing is written.
    pub(super) fn client_record(
        &self,
        new: NewClient,
        secret_source: SecretSource,
        now: i64,
    ) -> Result<(ClientRecord, Option<String>), AdminError> {
        validate_client_id(&new.client_id).map_err(field("client_id"))?;
        let grant_types = clients::grant_types(&new.grant_types, new.public).map_err(field("grant_types"))?;
        // Only the code flow redirects (client_credentials and the device
        // grant never do).
        if new.redirect_uris.is_empty() && grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(AdminError::invalid_field(
                "redirect_uris",
                "at least one redirect URI is required for authorization_code",
            ));
        }
        for (name, uris) in [
            ("redirect_uris", &new.redirect_uris),
            ("post_logout_redirect_uris", &new.post_logout_redirect_uris),
        ] {
            for uri in uris {
                validate_redirect_uri(uri).map_err(field(name))?;
                if !new.public && is_private_use_redirect(uri) {
                    return Err(AdminError::invalid_field(
                        name,
                        format!(
                            "redirect URI {uri:?}: private-use schemes are for native apps, which are public clients (RFC 8252 §8.4)"
                        ),
                    ));
                }
            }
        }
        let web_origins = if new.web_origins.is_empty() {
            origins_of(&new.redirect_uris)
        } else {
            new.web_origins
                .iter()
                .map(|o| web_origin(o))
                .collect::<Result<Vec<_>, _>>()
                .map_err(field("web_origins"))?
        };
        let pkce = new.pkce.as_deref().map(|w| word("pkce", w)).transpose()?.unwrap_or(PkcePolicy::Required);
        if new.public && pkce == PkcePolicy::Optional {
            return Err(AdminError::invalid_field(
                "pkce",
                "a public client must use PKCE (RFC 9700 §2.1.1); pkce optional is for confidential clients",
            ));
        }
        let refresh_reuse_leeway = new.refresh_reuse_leeway.unwrap_or(0);
        if !(0..=MAX_REFRESH_REUSE_LEEWAY).contains(&refresh_reuse_leeway) {
            return Err(AdminError::invalid_field(
                "refresh_reuse_leeway",
                format!("refresh_reuse_leeway must be 0 to {MAX_REFRESH_REUSE_LEEWAY} seconds"),
            ));
        }
        let scopes = if new.scopes.is_empty() {
            DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
        } else {
            new.scopes
        };
        for scope in &scopes {
            validate_scope_value(scope).map_err(field("scopes"))?;
        }
        let method = clients::auth_method(new.public, new.token_endpoint_auth_method.as_deref())
            .map_err(field("token_endpoint_auth_method"))?;
        let (jwks, jwks_uri) = key_source(method, new.jwks, new.jwks_uri)?;
        if new.require_signed_request_object && jwks.is_none() && jwks_uri.is_none() {
            return Err(AdminError::invalid_field(
                "require_signed_request_object",
                "require_signed_request_object needs the client's public keys (a JWKS or a jwks_uri) to verify its request objects",
            ));
        }
        let raw = RawResponseEncryption {
            id_token_alg: new.id_token_encrypted_response_alg.as_deref(),
            id_token_enc: new.id_token_encrypted_response_enc.as_deref(),
            userinfo_signed_alg: new.userinfo_signed_response_alg.as_deref(),
            userinfo_alg: new.userinfo_encrypted_response_alg.as_deref(),
            userinfo_enc: new.userinfo_encrypted_response_enc.as_deref(),
        };
        let encryption = self.response_encryption(raw, jwks.as_deref(), jwks_uri.as_deref())?;
        let (secret_hash, secret) = secret(method, new.secret, secret_source)?;
        let id_token_alg =
            new.id_token_signed_response_alg.as_deref().map(|raw| self.id_token_alg(raw)).transpose()?;
        for resource in &new.resources {
            validate_resource(resource).map_err(field("resources"))?;
        }
        for (name, ttl) in [
            ("access_token_ttl", new.access_token_ttl),
            ("refresh_token_idle_ttl", new.refresh_token_idle_ttl),
            ("refresh_token_absolute_ttl", new.refresh_token_absolute_ttl),
        ] {
            if ttl.is_some_and(|ttl| ttl <= 0) {
                return Err(AdminError::invalid_field(
                    name,
                    "token lifetimes must be positive numbers of seconds",
                ));
            }
        }
        if let Some(name) = &new.name {
            validate_display_name(name).map_err(field("name"))?;
        }
        if let Some(logo) = &new.logo_uri {
            validate_logo_uri(logo).map_err(field("logo_uri"))?;
        }
        if let Some(prefix) = &new.role_claim {
            validate_role_prefix(prefix).map_err(field("role_claim"))?;
        }
        let backchannel_logout = logout_uri(
            "backchannel_logout_uri",
            new.backchannel_logout_uri,
            new.backchannel_logout_session_required,
        )?;
        let frontchannel_logout = logout_uri(
            "frontchannel_logout_uri",
            new.frontchannel_logout_uri,
            new.frontchannel_logout_session_required,
        )?;
        let consent =
            new.consent.as_deref().map(|w| word("consent", w)).transpose()?.unwrap_or(ConsentMode::Implicit);
        let subject_type = subject_type(
            new.subject_type.as_deref(),
            new.sector_identifier_uri.as_deref(),
            &new.redirect_uris,
        )?;
        let token_exchange_from = token_exchange_from(new.token_exchange_from, &grant_types)?;
        let client = ClientRecord {
            client_id: new.client_id,
            secret_hash,
            public: new.public,
            redirect_uris: dedup(new.redirect_uris),
            post_logout_redirect_uris: dedup(new.post_logout_redirect_uris),
            grant_types,
            scopes: dedup(scopes),
            token_endpoint_auth_method: method,
            jwks,
            jwks_uri,
            resources: dedup(new.resources),
            token_exchange_from,
            id_token_encryption: encryption.id_token,
            userinfo_signed_response_alg: encryption.userinfo_signed,
            userinfo_encryption: encryption.userinfo,
            access_token_ttl: new.access_token_ttl,
            refresh_token_idle_ttl: new.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: new.refresh_token_absolute_ttl,
            id_token_signed_response_alg: id_token_alg,
            name: new.name,
            logo_uri: new.logo_uri,
            consent,
            web_origins: dedup(web_origins),
            pkce,
            refresh_reuse_leeway,
            role_claim: new.role_claim,
            require_mfa: new.require_mfa,
            require_pushed_requests: new.require_pushed_requests,
            require_signed_request_object: new.require_signed_request_object,
            require_dpop: new.require_dpop,
            subject_type,
            sector_identifier_uri: new.sector_identifier_uri,
            backchannel_logout,
            frontchannel_logout,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        Ok((client, secret))
    }

    /// A client (or resource) may only ask for tokens in an algorithm the
    /// server keeps keys for (`keys.algorithms`): anything else would fail
    /// every issuance.
    pub(super) fn id_token_alg(&self, raw: &str) -> Result<SigningAlg, AdminError> {
        self.signing_alg("id_token_signed_response_alg", raw)
    }

    /// A signing algorithm of the server's (`keys.algorithms`), `field`
    /// named when it is not one.
    pub(super) fn signing_alg(&self, field: &'static str, raw: &str) -> Result<SigningAlg, AdminError> {
        let alg: SigningAlg = word(field, raw)?;
        if self.keys.algorithms.contains(&alg) {
            return Ok(alg);
        }
        let offered: Vec<&str> = self.keys.algorithms.iter().map(|a| a.as_str()).collect();
        Err(AdminError::invalid_field(
            field,
            format!(
                "{alg} has no signing key on this server (keys.algorithms: {}); add it to keys.algorithms first",
                offered.join(", ")
            ),
        ))
    }
}

/// The stored hash and the plaintext to show once (a new secret only).
fn secret(
    method: ClientAuthMethod,
    given: Option<String>,
    source: SecretSource,
) -> Result<(Option<String>, Option<String>), AdminError> {
    match (method.uses_secret(), given, source) {
        (false, Some(_), _) => {
            Err(AdminError::invalid_field("secret", format!("a client using {method} has no secret")))
        }
        (false, None, _) => Ok((None, None)),
        (true, Some(s), _) if s.chars().count() < MIN_SECRET_LEN => Err(AdminError::invalid_field(
            "secret",
            format!("a client secret must be at least {MIN_SECRET_LEN} characters"),
        )),
        (true, Some(s), _) => Ok((Some(secret_digest(&s)), Some(s))),
        (true, None, SecretSource::Keep(Some(hash))) => Ok((Some(hash), None)),
        (true, None, _) => {
            let s = random_token(32);
            Ok((Some(secret_digest(&s)), Some(s)))
        }
    }
}

/// The client's public keys: any client, public or confidential, may
/// register one source, an inline JWK Set or a `jwks_uri` (never both,
/// RFC 7591 §2), used for its `private_key_jwt` assertions, its signed
/// request objects (RFC 9101) and encrypted responses (OIDC Registration
/// §2, `encryption_keys`); `private_key_jwt` and encryption need one.
fn key_source(
    method: ClientAuthMethod,
    jwks: Option<String>,
    jwks_uri: Option<String>,
) -> Result<(Option<String>, Option<String>), AdminError> {
    match (jwks, jwks_uri) {
        (Some(_), Some(_)) => {
            Err(AdminError::invalid_field("jwks", "give either a JWKS or a jwks_uri, not both"))
        }
        (None, None) if method == ClientAuthMethod::PrivateKeyJwt => {
            Err(AdminError::invalid_field("jwks", "private_key_jwt needs a JWKS (--jwks-file) or a jwks_uri"))
        }
        (None, None) => Ok((None, None)),
        (Some(jwks), None) => {
            parse_public_jwks(&jwks).map_err(field("jwks"))?;
            Ok((Some(jwks), None))
        }
        (None, Some(uri)) => {
            if !is_acceptable_jwks_uri(&uri) {
                return Err(AdminError::invalid_field(
                    "jwks_uri",
                    format!("jwks_uri {uri:?} must be https (or http on loopback)"),
                ));
            }
            Ok((None, Some(uri)))
        }
    }
}

fn dedup(mut values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(v.clone()));
    values
}
