//! The token exchange grant (RFC 8693; rules in `protocol::token_exchange`):
//! a confidential client allowed the grant presents a user's token (one of
//! our access tokens, or an ID token issued to it) and gets an access token
//! for resources it may call, for the same user, with no more scope than
//! the token it gave (and its own registration allows) and no longer life. With an `actor_token` of its own the
//! new token says who acts (`act`, delegation); without, it impersonates.
//! No refresh token, no ID token; each exchange is audited.

use std::sync::Arc;

use serde_json::Value;

use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::subjects::SubjectResolver;
use crate::flows::token::TokenIssuer;
use crate::protocol::logout::IdTokenHint;
use crate::protocol::resources;
use crate::protocol::subjects::SubjectPolicy;
use crate::protocol::token_exchange::{self, Actor, act_claim, may_present, narrowed_scope};
use crate::protocol::tokens::{AccessTokenRequest, TokenResponse, mint_access_token_with};
use crate::protocol::vocabulary::{ConsentMode, TokenTypeUri};
use crate::protocol::{AuditKind, ClientRecord, GrantType, OAuthError, Params, Scope};
use crate::store::{Audit, Audited, Consents, Users};

/// The user a subject token stands for, and what it allows.
struct Subject {
    user_id: String,
    /// The client the token was issued to.
    client_id: String,
    /// The most the new token may carry.
    ceiling: Scope,
    auth_time: i64,
    sid: Option<String>,
    exp: i64,
    /// The subject token's own `act` (prior actors).
    act: Option<Value>,
}

pub struct TokenExchangeGrant {
    issuer: Arc<TokenIssuer>,
    access_tokens: Arc<AccessTokenVerifier>,
    subjects: SubjectResolver,
    users: Users,
    consents: Consents,
    audit: Audit,
    /// `token_exchange.enabled`.
    enabled: bool,
}

/// What the grant reads.
pub struct ExchangeParts {
    pub access_tokens: Arc<AccessTokenVerifier>,
    pub subjects: SubjectResolver,
    pub consents: Consents,
    pub audit: Audit,
    pub enabled: bool,
}

impl TokenExchangeGrant {
    pub fn new(issuer: Arc<TokenIssuer>, users: Users, parts: ExchangeParts) -> TokenExchangeGrant {
        let ExchangeParts { access_tokens, subjects, consents, audit, enabled } = parts;
        TokenExchangeGrant { issuer, access_tokens, subjects, users, consents, audit, enabled }
    }

    pub async fn exchange(
        &self,
        client: &ClientRecord,
        params: &Params,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        if !self.enabled {
            return Err(OAuthError::unsupported_grant_type("token exchange is switched off on this server"));
        }
        if !client.allows_grant(GrantType::TokenExchange) {
            return Err(OAuthError::unauthorized_client("client may not use token exchange"));
        }
        let request = token_exchange::parse(params)?;
        let subject = match request.subject_token_type {
            TokenTypeUri::IdToken => self.id_token_subject(client, request.subject_token, now).await?,
            _ => self.access_token_subject(client, request.subject_token, now).await?,
        };
        let actor = match request.actor {
            Some((token, TokenTypeUri::AccessToken)) => Some(self.actor(client, token, now).await?),
            Some(_) => {
                return Err(OAuthError::invalid_request("actor_token must be one of our access tokens"));
            }
            None => None,
        };
        // Never beyond the subject token's scope, nor the client's own.
        let ceiling = subject.ceiling.filter(|s| client.allows_scope(s));
        let scope = narrowed_scope(request.scope, &ceiling)?;
        let mut wanted = resources::requested(params)?;
        for audience in request.audiences {
            if !wanted.contains(&audience) {
                wanted.push(audience);
            }
        }
        let resolved = self.issuer.resolve_wanted(client, wanted, &scope).await?;
        let user = self
            .users
            .find_active(&subject.user_id)
            .await?
            .ok_or_else(|| OAuthError::invalid_request("the subject token's user is no longer active"))?;
        let membership =
            self.issuer.membership(client, &user.id, resolved.scope.clone(), resolved.scope.clone()).await?;
        let sub = self.issuer.subjects.subject_at(client, &user.id)?;
        // Never outlives the token it was exchanged for.
        let ttl = self.issuer.access_ttl(client, &resolved.target).min((subject.exp - now).max(1) as u64);
        let act = act_claim(actor.as_ref(), subject.act.as_ref());
        let minted = mint_access_token_with(
            &self.issuer.keyring.current(),
            resolved.target.signing_alg,
            AccessTokenRequest {
                issuer: &self.issuer.issuer,
                subject: &sub,
                client_id: &client.client_id,
                audience: self.issuer.audience(&resolved.target, Some(&membership.scope)),
                scope: membership.scope.to_string(),
                auth_time: Some(subject.auth_time),
                sid: subject.sid.clone(),
                group_claims: membership.claims,
                userinfo_claims: Vec::new(),
                act: act.clone(),
                dpop_jkt,
                now,
                ttl_secs: ttl,
            },
        )?;
        let minted = self.issuer.sealed(&resolved.target, minted)?;
        let audited = Audited::new(AuditKind::TokenExchanged)
            .user(&user.id)
            .client(&client.client_id)
            .detail("subject_client_id", subject.client_id)
            .detail("audience", resolved.target.resources.clone())
            .detail("act", act.unwrap_or(Value::Null))
            .detail("jti", minted.jti);
        self.audit.record(audited, now).await?;
        Ok(TokenResponse {
            access_token: minted.token,
            token_type: super::issue::token_type(dpop_jkt),
            expires_in: ttl,
            refresh_token: None,
            id_token: None,
            scope: membership.scope.to_string(),
            issued_token_type: Some(TokenTypeUri::AccessToken),
        })
    }

    /// One of our live access tokens, issued for a user, that the client
    /// may present (`may_present`).
    async fn access_token_subject(
        &self,
        client: &ClientRecord,
        token: &str,
        now: i64,
    ) -> Result<Subject, OAuthError> {
        let invalid = |why: String| OAuthError::invalid_request(format!("subject_token: {why}"));
        let claims = self.access_tokens.live_claims(token, now).await.map_err(|e| invalid(e.description))?;
        let Some(auth_time) = claims.auth_time else {
            return Err(invalid("not issued for a user".into()));
        };
        if !may_present(client, &claims.client_id, &claims.aud) {
            return Err(invalid("issued neither to this client nor for a resource it implements".into()));
        }
        let user_id = self
            .subjects
            .user_of_token(&claims)
            .await?
            .ok_or_else(|| invalid("names no user of ours".into()))?;
        Ok(Subject {
            user_id,
            ceiling: Scope::parse(&claims.scope).unwrap_or_default(),
            client_id: claims.client_id,
            auth_time,
            sid: claims.sid,
            exp: claims.exp,
            act: claims.act,
        })
    }

    /// An unexpired ID token of ours issued to this client. It carries no
    /// scope: the new token may have what the client could get for the
    /// user itself (its scopes, or what the user consented to).
    async fn id_token_subject(
        &self,
        client: &ClientRecord,
        token: &str,
        now: i64,
    ) -> Result<Subject, OAuthError> {
        let invalid = |why: &str| OAuthError::invalid_request(format!("subject_token: {why}"));
        let verified = IdTokenHint::verify_as(
            "subject_token",
            &self.issuer.keyring.current(),
            &self.issuer.issuer,
            token,
        )?;
        let exp = verified.exp.filter(|exp| *exp > now).ok_or_else(|| invalid("the ID token has expired"))?;
        if !verified.is_for(&client.client_id) {
            return Err(invalid("an ID token is accepted only from the client it was issued to"));
        }
        let user_id = self
            .subjects
            .subjects()
            .user_id(&SubjectPolicy::of(client)?, &verified.sub)
            .ok_or_else(|| invalid("names no user of ours"))?
            .into_owned();
        let ceiling = match client.consent {
            ConsentMode::Implicit => Scope::parse(&client.scopes.join(" ")).unwrap_or_default(),
            ConsentMode::Required => {
                self.consents.find(&user_id, &client.client_id).await?.map(|c| c.scope).unwrap_or_default()
            }
        };
        Ok(Subject {
            user_id,
            client_id: client.client_id.clone(),
            ceiling,
            auth_time: verified.auth_time.unwrap_or(0),
            sid: verified.sid,
            exp,
            act: None,
        })
    }

    /// Delegation (§4.1): the actor token must be the client's own (its
    /// client credentials token, or a user's token issued to it), so a
    /// client cannot name someone else as the actor.
    async fn actor(&self, client: &ClientRecord, token: &str, now: i64) -> Result<Actor, OAuthError> {
        let invalid = |why: String| OAuthError::invalid_request(format!("actor_token: {why}"));
        let claims = self.access_tokens.live_claims(token, now).await.map_err(|e| invalid(e.description))?;
        if claims.client_id != client.client_id {
            return Err(invalid("not issued to this client".into()));
        }
        Ok(Actor { sub: claims.sub, client_id: claims.client_id })
    }
}
