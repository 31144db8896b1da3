//! The authorization code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3, RFC 7636).
//!
//! A code (issued by the authorize flow) is 256 random bits, stored under
//! its SHA-256 for `code_ttl` seconds and consumed with one atomic take, so
//! it works exactly once across every instance sharing the store. What it
//! issued is remembered, so a replay revokes it (§4.1.2).

use std::sync::Arc;

use crate::crypto::{secret_digest, time_ordered_id};
use crate::flows::sessions::Sessions;
use crate::flows::token::TokenIssuer;
use crate::flows::token::issue::{UserGrant, refresh_binding};
use crate::protocol::dpop;
use crate::protocol::entries::{CodeGrant, SpentCode};
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{AuditKind, ClientRecord, GrantType, OAuthError, Params, pkce};
use crate::store::{Audited, Ephemeral, Grants, Users};

pub struct AuthorizationCodeGrant {
    ephemeral: Ephemeral,
    users: Users,
    grants: Grants,
    sessions: Sessions,
    issuer: Arc<TokenIssuer>,
}

impl AuthorizationCodeGrant {
    pub fn new(
        ephemeral: Ephemeral,
        users: Users,
        grants: Grants,
        sessions: Sessions,
        issuer: Arc<TokenIssuer>,
    ) -> AuthorizationCodeGrant {
        AuthorizationCodeGrant { ephemeral, users, grants, sessions, issuer }
    }

    /// RFC 6749 §4.1.3: exchanges a code for tokens.
    pub async fn exchange(
        &self,
        client: &ClientRecord,
        params: &Params,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Err(OAuthError::unauthorized_client("client may not use the authorization code grant"));
        }
        let code_key = secret_digest(params.require("code")?);
        // Consumed before any other check: a code is spent by its first use.
        let Some(grant) = self.ephemeral.take::<CodeGrant>(&code_key).await? else {
            self.revoke_replayed(&code_key, now).await?;
            return Err(OAuthError::invalid_grant("the code is invalid, expired or already used"));
        };
        check_grant(&grant, client, params, now)?;
        // RFC 9449 §10: a code requested with `dpop_jkt` needs that key.
        dpop::require_key(grant.dpop_jkt.as_deref(), dpop_jkt, "the code")?;
        // A code issued in a session that has since ended is dead with it.
        if self.sessions.find_by_sid(&grant.sid, now).await?.is_none() {
            return Err(OAuthError::invalid_grant("the session the code was issued in has ended"));
        }
        let user = self
            .users
            .find_active(&grant.user_id)
            .await?
            .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists or is disabled"))?;

        // RFC 8707 §2.2: `resource` here may narrow the code's resources.
        let resolved = self.issuer.resolve(client, Some(&grant.resources), params, &grant.scope).await?;
        let membership =
            self.issuer.membership(client, &user.id, resolved.scope, grant.scope.clone()).await?;

        let family_id = time_ordered_id(now);
        let lifetimes = self.issuer.lifetimes(client);
        let issued = self.issuer.user_tokens(
            client,
            &UserGrant {
                user: &user,
                scope: &membership.scope,
                grant_scope: &membership.grant_scope,
                sid: &grant.sid,
                auth_time: grant.authentication.auth_time,
                acr: Some(grant.authentication.acr),
                amr: &grant.authentication.amr,
                nonce: grant.nonce.as_deref(),
                family_id: &family_id,
                family_expires_at: now + lifetimes.refresh_absolute as i64,
                target: &resolved.target,
                grant_resources: &grant.resources,
                group_claims: &membership.claims,
                dpop_jkt,
                refresh_jkt: refresh_binding(client, dpop_jkt),
                claims: &grant.claims,
            },
            now,
        )?;
        if let Some(record) = issued.refresh_token {
            self.grants.insert(record).await?;
        }
        let remember = (issued.access_token.exp - now).max(self.issuer.policy().code_ttl as i64);
        let spent = SpentCode {
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            family_id,
            access_token_jti: issued.access_token.jti.clone(),
            access_token_exp: issued.access_token.exp,
            expires_at: now + remember,
        };
        self.ephemeral.put(&code_key, &spent, now).await?;
        Ok(issued.response)
    }

    /// RFC 6749 §4.1.2: "If an authorization code is used more than once,
    /// the authorization server MUST deny the request and SHOULD revoke (when
    /// possible) all tokens previously issued based on that authorization code."
    async fn revoke_replayed(&self, code_key: &str, now: i64) -> Result<(), OAuthError> {
        let Some(spent) = self.ephemeral.take::<SpentCode>(code_key).await? else {
            return Ok(());
        };
        let audited = Audited::new(AuditKind::CodeReplay)
            .client(&spent.client_id)
            .user(&spent.user_id)
            .detail("family_id", spent.family_id.clone());
        let also_deny = Some((spent.access_token_jti.clone(), spent.access_token_exp));
        self.grants.revoke_family(&spent.family_id, also_deny, audited, now).await?;
        Ok(())
    }
}

/// The bindings of a code (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1).
fn check_grant(
    grant: &CodeGrant,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<(), OAuthError> {
    if grant.client_id != client.client_id {
        return Err(OAuthError::invalid_grant("the code was issued to another client"));
    }
    if grant.expires_at <= now {
        return Err(OAuthError::invalid_grant("the code has expired"));
    }
    match params.get("redirect_uri") {
        Some(uri) if uri != grant.redirect_uri => {
            return Err(OAuthError::invalid_grant("redirect_uri does not match the authorization request"));
        }
        None if grant.redirect_uri_given => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri is required (it was in the authorization request)",
            ));
        }
        _ => {}
    }
    match (&grant.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce::verify_s256(verifier, challenge) => Ok(()),
        (Some(_), Some(_)) => {
            Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"))
        }
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
        (None, Some(_)) => {
            Err(OAuthError::invalid_grant("code_verifier given but no code_challenge was sent"))
        }
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::entries::Authentication;
    use crate::protocol::{AuthLevel, Scope};

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(id: &str) -> ClientRecord {
        ClientRecord {
            client_id: id.into(),
            public: true,
            redirect_uris: vec!["http://127.0.0.1/cb".into()],
            grant_types: vec![GrantType::AuthorizationCode],
            scopes: vec!["openid".into()],
            ..ClientRecord::default()
        }
    }

    fn grant(challenge: Option<&str>) -> CodeGrant {
        CodeGrant {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            redirect_uri_given: true,
            scope: Scope::parse("openid").unwrap(),
            nonce: None,
            code_challenge: challenge.map(str::to_string),
            user_id: "u".into(),
            sid: "s".into(),
            authentication: Authentication { auth_time: 100, amr: vec![], acr: AuthLevel::SingleFactor },
            expires_at: 160,
            resources: vec![],
            dpop_jkt: None,
            claims: Default::default(),
        }
    }

    fn params(query: &str) -> Params {
        Params::parse(query).unwrap()
    }

    fn code_of(r: Result<(), OAuthError>) -> &'static str {
        r.err().map(|e| e.code.as_str()).unwrap_or("ok")
    }

    #[test]
    fn bindings_are_enforced() {
        let ok = format!("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier={VERIFIER}");
        let g = grant(Some(CHALLENGE));
        assert_eq!(code_of(check_grant(&g, &client("app"), &params(&ok), 120)), "ok");
        assert_eq!(code_of(check_grant(&g, &client("other"), &params(&ok), 120)), "invalid_grant");
        assert_eq!(code_of(check_grant(&g, &client("app"), &params(&ok), 160)), "invalid_grant");
        let wrong_uri = format!("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb2&code_verifier={VERIFIER}");
        assert_eq!(code_of(check_grant(&g, &client("app"), &params(&wrong_uri), 120)), "invalid_grant");
        let no_uri = format!("code_verifier={VERIFIER}");
        assert_eq!(code_of(check_grant(&g, &client("app"), &params(&no_uri), 120)), "invalid_grant");
    }

    #[test]
    fn pkce_cannot_be_skipped_or_downgraded() {
        let uri = "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb";
        let with_challenge = grant(Some(CHALLENGE));
        assert_eq!(code_of(check_grant(&with_challenge, &client("app"), &params(uri), 120)), "invalid_grant");
        let wrong = format!("{uri}&code_verifier={}", "a".repeat(43));
        assert_eq!(
            code_of(check_grant(&with_challenge, &client("app"), &params(&wrong), 120)),
            "invalid_grant"
        );
        let without = grant(None);
        let downgrade = format!("{uri}&code_verifier={VERIFIER}");
        assert_eq!(code_of(check_grant(&without, &client("app"), &params(&downgrade), 120)), "invalid_grant");
        assert_eq!(code_of(check_grant(&without, &client("app"), &params(uri), 120)), "ok");
    }
}
