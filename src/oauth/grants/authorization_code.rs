//! The authorization code grant (RFC 6749 §4.1, OIDC Core §3.1.3, RFC 7636).
//!
//! A code is 256 random bits, stored under its SHA-256 for `code_ttl`
//! seconds and consumed with one atomic take, so it works exactly once
//! across every instance sharing the store.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::accounts::users::find_active_cached;
use crate::audit;
use crate::crypto::{random_token, secret_digest};
use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::clients::allows_grant;
use crate::oauth::grants::issue::{UserGrant, issue_user_tokens};
use crate::oauth::grants::{Lifetimes, TokenResponse};
use crate::oauth::revocation::{FamilyRevocation, revoke_family};
use crate::oauth::{OAuthError, Params, Scope, pkce};
use crate::sso::SsoSession;
use crate::state::AppState;
use crate::store::{ClientRecord, Ephemeral, StoreError, sql};

const KIND: &str = "code";
const SPENT: &str = "code_spent";

/// What a code stands for: bound to client, redirect URI, PKCE challenge,
/// nonce and SSO session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub redirect_uri_given: bool,
    pub scope: Scope,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub user_id: String,
    pub sid: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// Stores a new code for `request` on behalf of `session`; returns the code.
pub async fn issue_code(
    store: &Ephemeral,
    request: &AuthorizationRequest,
    session: &SsoSession,
    now: i64,
    ttl_secs: u64,
) -> Result<String, StoreError> {
    let code = random_token(32);
    let grant = CodeGrant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        redirect_uri_given: request.redirect_uri_given,
        scope: request.scope.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        user_id: session.user_id.clone(),
        sid: session.sid.clone(),
        auth_time: session.auth_time,
        expires_at: now + ttl_secs as i64,
    };
    store.put_json(KIND, &secret_digest(&code), &grant, Duration::from_secs(ttl_secs)).await?;
    Ok(code)
}

/// Left behind by a spent code, so a replay can revoke what it issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SpentCode {
    client_id: String,
    user_id: String,
    family_id: String,
    access_token_jti: String,
    access_token_exp: i64,
}

/// RFC 6749 §4.1.3: exchanges a code for tokens.
pub async fn exchange(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    if !allows_grant(client, "authorization_code") {
        return Err(OAuthError::unauthorized_client("client may not use the authorization code grant"));
    }
    let code_key = secret_digest(params.require("code")?);
    // Consumed before any other check: a code is spent by its first use.
    let Some(grant) = state.ephemeral.take_json::<CodeGrant>(KIND, &code_key).await? else {
        revoke_replayed(state, &code_key, now).await?;
        return Err(OAuthError::invalid_grant("the code is invalid, expired or already used"));
    };
    check_grant(&grant, client, params, now)?;
    let user = find_active_cached(&state.users, &grant.user_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists or is disabled"))?;

    let family_id = crate::crypto::time_ordered_id(now);
    let lifetimes = Lifetimes::for_client(&state.settings, client);
    let issued = issue_user_tokens(
        state,
        client,
        &UserGrant {
            user: &user,
            scope: &grant.scope,
            grant_scope: &grant.scope,
            sid: &grant.sid,
            auth_time: grant.auth_time,
            nonce: grant.nonce.as_deref(),
            family_id: &family_id,
            family_expires_at: now + lifetimes.refresh_absolute as i64,
        },
        now,
    )?;
    if let Some(record) = issued.refresh_token {
        state.db.write(move |c| sql::refresh_tokens::insert(c, &record)).await?;
    }
    let spent = SpentCode {
        client_id: client.client_id.clone(),
        user_id: user.id.clone(),
        family_id,
        access_token_jti: issued.access_token.jti.clone(),
        access_token_exp: issued.access_token.exp,
    };
    let remember = Duration::from_secs(lifetimes.access_token.max(state.settings.tokens.code_ttl));
    state.ephemeral.put_json(SPENT, &code_key, &spent, remember).await?;
    Ok(issued.response)
}

/// RFC 6749 §4.1.2: "If an authorization code is used more than once, the
/// authorization server MUST deny the request and SHOULD revoke (when
/// possible) all tokens previously issued based on that authorization code."
async fn revoke_replayed(state: &AppState, code_key: &str, now: i64) -> Result<(), OAuthError> {
    let Some(spent) = state.ephemeral.take_json::<SpentCode>(SPENT, code_key).await? else {
        return Ok(());
    };
    let family = FamilyRevocation {
        family_id: &spent.family_id,
        client_id: &spent.client_id,
        user_id: &spent.user_id,
        reason: audit::CODE_REPLAY,
    };
    revoke_family(state, family, Some((spent.access_token_jti.clone(), spent.access_token_exp)), now).await?;
    Ok(())
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

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(id: &str) -> ClientRecord {
        ClientRecord {
            client_id: id.into(),
            secret_hash: None,
            public: true,
            redirect_uris: vec!["http://127.0.0.1/cb".into()],
            post_logout_redirect_uris: vec![],
            grant_types: vec!["authorization_code".into()],
            scopes: vec!["openid".into()],
            created_at: 0,
            updated_at: 0,
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
            auth_time: 100,
            expires_at: 160,
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
