//! Minting tokens, shared by the grants: for a user, an RFC 9068 access
//! token, an ID token for `openid`, and, when the client may refresh, the
//! next refresh token of the grant's family; for a client acting for
//! itself, an access token alone. The token's resources (RFC 8707,
//! [`target`](super::target)) give its `aud`, lifetime and algorithm.

use std::sync::Arc;

use crate::crypto::{random_token, secret_digest, time_ordered_id};
use crate::jose::KeyringHandle;
use crate::protocol::claims::{GroupClaims, IdTokenRequest, mint_id_token};
use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::lifetimes::{Lifetimes, TokenPolicy};
use crate::protocol::resources::Target;
use crate::protocol::subjects::Subjects;
use crate::protocol::tokens::{AccessTokenRequest, MintedAccessToken, TokenResponse, mint_access_token_with};
use crate::protocol::{
    AuthLevel, AuthMethod, ClientRecord, GrantType, OAuthError, RefreshTokenRecord, Scope, StandardScope,
    TokenType, UserRecord,
};
use crate::store::{Groups, Resources};

/// What the tokens are issued for.
pub struct UserGrant<'a> {
    pub user: &'a UserRecord,
    /// Scope of the access token (may be narrower than the grant).
    pub scope: &'a Scope,
    /// Scope of the whole grant, carried by every refresh token.
    pub grant_scope: &'a Scope,
    pub sid: &'a str,
    pub auth_time: i64,
    pub acr: Option<AuthLevel>,
    pub amr: &'a [AuthMethod],
    pub nonce: Option<&'a str>,
    /// The refresh-token family, with its absolute expiry.
    pub family_id: &'a str,
    pub family_expires_at: i64,
    /// The resources of the access token (may be fewer than the grant's).
    pub target: &'a Target,
    /// The resources of the whole grant, carried by every refresh token.
    pub grant_resources: &'a [String],
    /// `groups` and `roles` ([`TokenIssuer::membership`]).
    pub group_claims: &'a GroupClaims,
    /// The DPoP key the access token is bound to (RFC 9449 §6).
    pub dpop_jkt: Option<&'a str>,
    /// The DPoP key the refresh token is bound to ([`refresh_binding`]).
    pub refresh_jkt: Option<&'a str>,
    /// Claims asked for by name (OIDC Core §5.5), carried by the grant.
    pub claims: &'a RequestedClaims,
}

/// RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key
/// of the request that first got one (a confidential client's are bound to
/// its authentication already).
pub fn refresh_binding<'a>(client: &ClientRecord, dpop_jkt: Option<&'a str>) -> Option<&'a str> {
    dpop_jkt.filter(|_| client.public)
}

/// `token_type` (RFC 9449 §5): `DPoP` for a bound access token.
pub(super) fn token_type(dpop_jkt: Option<&str>) -> TokenType {
    if dpop_jkt.is_some() { TokenType::Dpop } else { TokenType::Bearer }
}

pub struct Issued {
    pub response: TokenResponse,
    pub access_token: MintedAccessToken,
    /// The new refresh token's row, to be stored by the caller.
    pub refresh_token: Option<RefreshTokenRecord>,
}

/// A refresh token is issued to clients allowed the `refresh_token` grant,
/// and for `offline_access` when the client may request it (OIDC Core
/// §11). Offline tokens are not bound to the SSO session.
pub fn wants_refresh_token(client: &ClientRecord, grant_scope: &Scope) -> bool {
    let offline = StandardScope::OfflineAccess.as_str();
    client.allows_grant(GrantType::RefreshToken)
        || (grant_scope.contains(offline) && client.allows_scope(offline))
}

/// Mints with the current keyring for one issuer.
pub struct TokenIssuer {
    pub(super) keyring: Arc<KeyringHandle>,
    pub(super) issuer: String,
    /// `aud` of access tokens requested without a resource (RFC 8707).
    default_audience: String,
    policy: TokenPolicy,
    /// The registered resources (RFC 8707), read by [`target`](super::target).
    pub(super) resources: Resources,
    /// Memberships, read by [`membership`](super::membership).
    pub(super) groups: Groups,
    /// Public or pairwise `sub` values (OIDC Core §8).
    pub(super) subjects: Arc<Subjects>,
}

impl TokenIssuer {
    pub fn new(
        keyring: Arc<KeyringHandle>,
        issuer: String,
        default_audience: String,
        policy: TokenPolicy,
        resources: Resources,
        groups: Groups,
        subjects: Arc<Subjects>,
    ) -> TokenIssuer {
        TokenIssuer { keyring, issuer, default_audience, policy, resources, groups, subjects }
    }

    pub fn lifetimes(&self, client: &ClientRecord) -> Lifetimes {
        self.policy.for_client(client)
    }

    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    pub fn default_audience(&self) -> &str {
        &self.default_audience
    }

    /// The audience of access tokens for the user without a resource: the
    /// configured default and the issuer itself (so UserInfo accepts them).
    fn user_audience(&self) -> Vec<String> {
        if self.default_audience == self.issuer {
            vec![self.issuer.clone()]
        } else {
            vec![self.default_audience.clone(), self.issuer.clone()]
        }
    }

    /// `aud` of an access token (RFC 9068 §3, RFC 8707 §2): its resources,
    /// else the default audience. A user token for resources that carries
    /// `openid` names the issuer too, so that the same token still works at
    /// UserInfo (which checks for the issuer); each API checks only that
    /// `aud` contains its own identifier (RFC 7519 §4.1.3), so it accepts it.
    pub(super) fn audience(&self, target: &Target, user_scope: Option<&Scope>) -> Vec<String> {
        if target.resources.is_empty() {
            return match user_scope {
                Some(_) => self.user_audience(),
                None => vec![self.default_audience.clone()],
            };
        }
        let mut audience = target.resources.clone();
        let openid = user_scope.is_some_and(|s| s.contains(StandardScope::OpenId.as_str()));
        // An encrypted token is for its resource alone: UserInfo could not read it.
        if openid && target.sealed_for.is_none() && !audience.contains(&self.issuer) {
            audience.push(self.issuer.clone());
        }
        audience
    }

    /// The access token's lifetime: its resources' (the shortest), else the
    /// client's or the server's; never beyond the signing key's publication.
    pub(super) fn access_ttl(&self, client: &ClientRecord, target: &Target) -> u64 {
        match target.access_token_ttl {
            Some(ttl) => ttl.clamp(1, self.policy.longest_access_token.max(1)),
            None => self.lifetimes(client).access_token,
        }
    }

    /// The minted token as the client receives it: encrypted to its
    /// resource when that resource asked for it (the `jti` and `exp` stay
    /// the inner token's, for revocation through refresh tokens).
    pub(super) fn sealed(
        &self,
        target: &Target,
        mut minted: MintedAccessToken,
    ) -> Result<MintedAccessToken, OAuthError> {
        if let Some(sealing) = &target.sealed_for {
            minted.token = sealing.seal(&minted.token)?;
        }
        Ok(minted)
    }

    /// An access token for a client acting for itself (`sub` = client id),
    /// bound to `dpop_jkt` when the client proved a DPoP key.
    pub fn client_token(
        &self,
        client: &ClientRecord,
        scope: &Scope,
        target: &Target,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        let ttl = self.access_ttl(client, target);
        let audience = self.audience(target, None);
        let access_token = mint_access_token_with(
            &self.keyring.current(),
            target.signing_alg,
            AccessTokenRequest {
                issuer: &self.issuer,
                subject: &client.client_id,
                client_id: &client.client_id,
                audience,
                scope: scope.to_string(),
                auth_time: None,
                sid: None,
                group_claims: GroupClaims::default(),
                userinfo_claims: Vec::new(),
                act: None,
                dpop_jkt,
                now,
                ttl_secs: ttl,
            },
        )?;
        let access_token = self.sealed(target, access_token)?;
        Ok(TokenResponse {
            access_token: access_token.token,
            token_type: token_type(dpop_jkt),
            expires_in: ttl,
            refresh_token: None,
            id_token: None,
            scope: scope.to_string(),
            issued_token_type: None,
        })
    }

    pub fn user_tokens(
        &self,
        client: &ClientRecord,
        grant: &UserGrant<'_>,
        now: i64,
    ) -> Result<Issued, OAuthError> {
        let ttl = self.lifetimes(client);
        let access_ttl = self.access_ttl(client, grant.target);
        // OIDC Core §8: the same `sub` in both tokens and at UserInfo.
        let subject = self.subjects.subject_at(client, &grant.user.id)?;
        // One snapshot, so both tokens carry the same key even mid-rotation.
        let keyring = self.keyring.current();
        let access_token = mint_access_token_with(
            &keyring,
            grant.target.signing_alg,
            AccessTokenRequest {
                issuer: &self.issuer,
                subject: &subject,
                client_id: &client.client_id,
                audience: self.audience(grant.target, Some(grant.scope)),
                scope: grant.scope.to_string(),
                auth_time: Some(grant.auth_time),
                sid: Some(grant.sid.to_string()),
                group_claims: grant.group_claims.clone(),
                userinfo_claims: grant.claims.userinfo.clone(),
                act: None,
                dpop_jkt: grant.dpop_jkt,
                now,
                ttl_secs: access_ttl,
            },
        )?;
        let access_token = self.sealed(grant.target, access_token)?;
        let id_token = if grant.scope.contains(StandardScope::OpenId.as_str()) {
            let alg = client.id_token_signed_response_alg.unwrap_or(keyring.algorithm());
            Some(mint_id_token(
                &keyring,
                IdTokenRequest {
                    alg,
                    issuer: &self.issuer,
                    user: grant.user,
                    subject: &subject,
                    client_id: &client.client_id,
                    scope: grant.scope,
                    nonce: grant.nonce,
                    auth_time: grant.auth_time,
                    acr: grant.acr,
                    amr: grant.amr,
                    sid: grant.sid,
                    access_token: &access_token.token,
                    group_claims: grant.group_claims,
                    named_claims: &grant.claims.id_token,
                    now,
                    ttl_secs: self.policy.id_token_ttl,
                },
            )?)
        } else {
            None
        };
        let (refresh_token, record) = if wants_refresh_token(client, grant.grant_scope) {
            let secret = random_token(32);
            let offline = grant.grant_scope.contains(StandardScope::OfflineAccess.as_str());
            let record = RefreshTokenRecord {
                id: time_ordered_id(now),
                token_hash: secret_digest(&secret),
                family_id: grant.family_id.to_string(),
                client_id: client.client_id.clone(),
                user_id: grant.user.id.clone(),
                scope: grant.grant_scope.to_string(),
                sid: Some(grant.sid.to_string()),
                offline,
                auth_time: grant.auth_time,
                access_token_jti: Some(access_token.jti.clone()),
                access_token_exp: Some(access_token.exp),
                created_at: now,
                expires_at: (now + ttl.refresh_idle as i64).min(grant.family_expires_at),
                family_expires_at: grant.family_expires_at,
                rotated_at: None,
                revoked_at: None,
                resources: grant.grant_resources.to_vec(),
                dpop_jkt: grant.refresh_jkt.map(str::to_string),
                claims: grant.claims.clone(),
            };
            (Some(secret), Some(record))
        } else {
            (None, None)
        };
        Ok(Issued {
            response: TokenResponse {
                access_token: access_token.token.clone(),
                token_type: token_type(grant.dpop_jkt),
                expires_in: access_ttl,
                refresh_token,
                id_token,
                scope: grant.scope.to_string(),
                issued_token_type: None,
            },
            access_token,
            refresh_token: record,
        })
    }
}
