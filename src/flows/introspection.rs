//! Token introspection (RFC 7662). Inactive answers carry nothing but
//! `active: false` (§2.2), whether the token is expired, revoked, malformed,
//! unknown, or not the caller's business: access tokens may be introspected
//! by the client they were issued to and by the resources (RFC 8707) named
//! in their `aud`; refresh tokens only by their own client, never by a
//! resource. A session-bound refresh token is active only while its
//! session lives. Callers must authenticate (§2.1; [`CallerAuthenticator`]).

use std::sync::Arc;

use crate::crypto::secret_digest;
use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::client_auth::caller::{Caller, CallerAuthenticator};
use crate::flows::sessions::Sessions;
use crate::flows::subjects::SubjectResolver;
use crate::protocol::introspection::Introspection;
use crate::protocol::tokens::Confirmation;
use crate::protocol::{ClientRecord, OAuthError, Params, TokenType, TokenTypeHint};
use crate::store::{Grants, Users};

pub struct IntrospectionFlow {
    callers: CallerAuthenticator,
    access_tokens: Arc<AccessTokenVerifier>,
    grants: Grants,
    users: Users,
    sessions: Sessions,
    subjects: SubjectResolver,
}

impl IntrospectionFlow {
    pub fn new(
        callers: CallerAuthenticator,
        access_tokens: Arc<AccessTokenVerifier>,
        grants: Grants,
        users: Users,
        sessions: Sessions,
        subjects: SubjectResolver,
    ) -> IntrospectionFlow {
        IntrospectionFlow { callers, access_tokens, grants, users, sessions, subjects }
    }

    /// `POST /introspect` with its `Authorization` header and form parameters.
    pub async fn introspect(
        &self,
        authorization: Option<&str>,
        params: &Params,
        now: i64,
    ) -> Result<Introspection, OAuthError> {
        params.reject_repeated()?;
        let caller = self.callers.authenticate(authorization, params, now).await?;
        let client = match &caller {
            Caller::Client(client) => Some(client.as_ref()),
            Caller::Resource(_) => None,
        };
        let token = params.require("token")?;
        let hint = params.get("token_type_hint").and_then(TokenTypeHint::from_word);
        let found = if hint == Some(TokenTypeHint::RefreshToken) {
            match self.refresh_token(client, token, now).await? {
                Some(found) => Some(found),
                None => self.access_token(&caller, token, now).await?,
            }
        } else {
            match self.access_token(&caller, token, now).await? {
                Some(found) => Some(found),
                None => self.refresh_token(client, token, now).await?,
            }
        };
        Ok(found.unwrap_or_else(Introspection::inactive))
    }

    async fn access_token(
        &self,
        caller: &Caller,
        token: &str,
        now: i64,
    ) -> Result<Option<Introspection>, OAuthError> {
        let claims = match self.access_tokens.live_claims(token, now).await {
            Ok(claims) => claims,
            Err(e) if e.code.status() >= 500 => return Err(e),
            Err(_) => return Ok(None),
        };
        let entitled = match caller {
            Caller::Client(client) => {
                claims.client_id == client.client_id || claims.aud.iter().any(|a| a == &client.client_id)
            }
            Caller::Resource(resource) => claims.aud.iter().any(|a| a == &resource.identifier),
        };
        // Tokens issued for a user die with the user.
        let user_ok = claims.auth_time.is_none()
            || match self.subjects.user_of_token(&claims).await? {
                Some(user_id) => self.users.find_active_fresh(&user_id).await?.is_some(),
                None => false,
            };
        if !entitled || !user_ok {
            return Ok(Some(Introspection::inactive()));
        }
        Ok(Some(Introspection {
            active: true,
            scope: Some(claims.scope),
            client_id: Some(claims.client_id),
            sub: Some(claims.sub),
            aud: Some(claims.aud),
            iss: Some(claims.iss),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            token_type: Some(if claims.cnf.is_some() { TokenType::Dpop } else { TokenType::Bearer }),
            jti: Some(claims.jti),
            cnf: claims.cnf,
        }))
    }

    /// `client` is `None` for a resource: it finds out nothing about
    /// refresh tokens (they are not meant for it), not even that one exists.
    async fn refresh_token(
        &self,
        client: Option<&ClientRecord>,
        token: &str,
        now: i64,
    ) -> Result<Option<Introspection>, OAuthError> {
        let Some(record) = self.grants.find_by_hash(&secret_digest(token)).await? else {
            return Ok(None);
        };
        let Some(client) = client else { return Ok(Some(Introspection::inactive())) };
        let live = record.client_id == client.client_id
            && record.revoked_at.is_none()
            && record.rotated_at.is_none()
            && record.expires_at > now
            && record.family_expires_at > now;
        if !live || self.users.find_active_fresh(&record.user_id).await?.is_none() {
            return Ok(Some(Introspection::inactive()));
        }
        let session_ended = match (&record.sid, record.offline) {
            (_, true) => false,
            (Some(sid), false) => self.sessions.find_by_sid(sid, now).await?.is_none(),
            (None, false) => true,
        };
        if session_ended {
            return Ok(Some(Introspection::inactive()));
        }
        let sub = self.subjects.subjects().subject_at(client, &record.user_id)?.into_owned();
        Ok(Some(Introspection {
            active: true,
            scope: Some(record.scope),
            client_id: Some(record.client_id),
            sub: Some(sub),
            aud: None,
            iss: Some(self.access_tokens.issuer().to_string()),
            exp: Some(record.expires_at),
            iat: Some(record.created_at),
            token_type: Some(TokenType::RefreshToken),
            jti: None,
            cnf: record.dpop_jkt.map(|jkt| Confirmation { jkt }),
        }))
    }
}
