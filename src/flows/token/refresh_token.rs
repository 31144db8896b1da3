//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2): every use returns a new refresh token and retires the
//! old one; presenting a retired token means two parties hold the family, so
//! the whole family is revoked, its access tokens included. A client may
//! have a reuse leeway (`refresh_reuse_leeway`, as Auth0's reuse interval
//! and Okta's grace period): for that many seconds after a rotation the old
//! token still works, so two tabs that race with it both succeed; later,
//! reuse revokes the family as before.

use std::sync::Arc;

use crate::crypto::secret_digest;
use crate::flows::sessions::Sessions;
use crate::flows::token::TokenIssuer;
use crate::flows::token::issue::UserGrant;
use crate::protocol::dpop;
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{
    AuditKind, ClientRecord, GrantType, OAuthError, Params, RefreshTokenRecord, Scope, StandardScope,
};
use crate::store::{Audited, Grants, Users};

pub struct RefreshTokenGrant {
    grants: Grants,
    users: Users,
    sessions: Sessions,
    issuer: Arc<TokenIssuer>,
}

impl RefreshTokenGrant {
    pub fn new(
        grants: Grants,
        users: Users,
        sessions: Sessions,
        issuer: Arc<TokenIssuer>,
    ) -> RefreshTokenGrant {
        RefreshTokenGrant { grants, users, sessions, issuer }
    }

    pub async fn refresh(
        &self,
        client: &ClientRecord,
        params: &Params,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        let offline_client = client.allows_scope(StandardScope::OfflineAccess.as_str());
        if !client.allows_grant(GrantType::RefreshToken) && !offline_client {
            return Err(OAuthError::unauthorized_client("client may not use the refresh token grant"));
        }
        let hash = secret_digest(params.require("refresh_token")?);
        let Some(current) = self.grants.find_by_hash(&hash).await? else {
            return Err(invalid());
        };
        if current.client_id != client.client_id || current.revoked_at.is_some() {
            return Err(invalid());
        }
        let leeway_from = now - client.refresh_reuse_leeway;
        let within_leeway = |rotated_at: i64| client.refresh_reuse_leeway > 0 && rotated_at >= leeway_from;
        if current.rotated_at.is_some_and(|at| !within_leeway(at)) {
            self.revoke_on_reuse(&current, now).await?;
            return Err(invalid());
        }
        if current.expires_at <= now || current.family_expires_at <= now {
            return Err(OAuthError::invalid_grant("the refresh token has expired"));
        }
        dpop::require_key(current.dpop_jkt.as_deref(), dpop_jkt, "the refresh token")?;
        // Session-bound families die with their session (however it ended);
        // a refresh keeps a live session from idling out.
        if !current.offline {
            let live = match &current.sid {
                Some(sid) => self.sessions.keep_alive(sid, now).await?,
                None => false,
            };
            if !live {
                return Err(OAuthError::invalid_grant("the session of this refresh token has ended"));
            }
        }
        let grant_scope = Scope::parse(&current.scope).unwrap_or_default();
        let scope = narrowed_scope(&grant_scope, params.get("scope"))?;
        // RFC 8707 §2.2: `resource` may narrow the family's resources.
        let resolved = self.issuer.resolve(client, Some(&current.resources), params, &scope).await?;
        let user = self
            .users
            .find_active_fresh(&current.user_id)
            .await?
            .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists or is disabled"))?;
        // Memberships as they are now: a user who left the admin group
        // loses the admin scope here, for this token and the family's next.
        let membership = self.issuer.membership(client, &user.id, resolved.scope, grant_scope).await?;

        let sid = current.sid.clone().unwrap_or_default();
        let issued = self.issuer.user_tokens(
            client,
            &UserGrant {
                user: &user,
                scope: &membership.scope,
                grant_scope: &membership.grant_scope,
                sid: &sid,
                auth_time: current.auth_time,
                acr: None,
                amr: &[],
                nonce: None,
                family_id: &current.family_id,
                family_expires_at: current.family_expires_at,
                target: &resolved.target,
                grant_resources: &current.resources,
                group_claims: &membership.claims,
                dpop_jkt,
                // The family stays bound to the key it was bound to.
                refresh_jkt: current.dpop_jkt.as_deref(),
                claims: &current.claims,
            },
            now,
        )?;
        let stored = if current.rotated_at.is_none() {
            match self.grants.rotate(&current.id, issued.refresh_token.clone(), now).await? {
                true => true,
                // A concurrent request used the same token first: within
                // the leeway that is a race, otherwise reuse.
                false if client.refresh_reuse_leeway > 0 => {
                    self.grants.branch(&current.id, leeway_from, issued.refresh_token).await?
                }
                false => false,
            }
        } else {
            self.grants.branch(&current.id, leeway_from, issued.refresh_token).await?
        };
        if !stored {
            self.revoke_on_reuse(&current, now).await?;
            return Err(invalid());
        }
        Ok(issued.response)
    }

    async fn revoke_on_reuse(&self, token: &RefreshTokenRecord, now: i64) -> Result<(), OAuthError> {
        let audited = Audited::new(AuditKind::RefreshTokenReuse)
            .client(&token.client_id)
            .user(&token.user_id)
            .detail("family_id", token.family_id.clone());
        self.grants.revoke_family(&token.family_id, None, audited, now).await?;
        Ok(())
    }
}

fn invalid() -> OAuthError {
    OAuthError::invalid_grant("the refresh token is invalid, expired or revoked")
}

/// RFC 6749 §6: the requested scope must not exceed the original grant;
/// omitted means the original scope.
fn narrowed_scope(grant: &Scope, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let Some(raw) = requested else { return Ok(grant.clone()) };
    let scope = Scope::parse(raw).ok_or_else(|| OAuthError::invalid_scope("malformed scope"))?;
    if scope.is_empty() || !scope.iter().all(|s| grant.contains(s)) {
        return Err(OAuthError::invalid_scope("the requested scope exceeds the original grant"));
    }
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_may_narrow_but_not_widen() {
        let grant = Scope::parse("openid profile email").unwrap();
        assert_eq!(narrowed_scope(&grant, None).unwrap(), grant);
        assert_eq!(narrowed_scope(&grant, Some("openid")).unwrap().to_string(), "openid");
        assert_eq!(narrowed_scope(&grant, Some("openid admin")).unwrap_err().code.as_str(), "invalid_scope");
        assert_eq!(narrowed_scope(&grant, Some("a\"b")).unwrap_err().code.as_str(), "invalid_scope");
    }
}
