//! The admin console as a client of oxidp itself: it signs people in with
//! the authorization code flow and PKCE (RFC 6749 §4.1, RFC 7636) under its
//! own public client, redeems the code in-process through the token flow,
//! and keeps a console session for as long as the access token lives.
//! Every request checks again that the SSO session behind it is alive and
//! that its user is still active and an administrator.

use std::sync::Arc;

use serde_json::Value;

use crate::crypto::{constant_time_eq, random_token, secret_digest, sha256_b64url};
use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::admin::Admin;
use crate::flows::sessions::Sessions;
use crate::flows::subjects::SubjectResolver;
use crate::flows::token::{TokenFlow, TokenRequest};
use crate::jose::KeyringHandle;
use crate::protocol::admin::{ADMIN_SCOPE, CONSOLE_CLIENT_ID, may_hold_admin_scope};
use crate::protocol::claims::ID_TOKEN_TYP;
use crate::protocol::entries::{ConsoleLogin, ConsoleSession};
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{OAuthError, Params};
use crate::store::{Ephemeral, Users};

/// How long a sign-in may take (login form included), seconds.
pub const LOGIN_TTL: i64 = 600;
/// The scopes the console asks for.
pub const CONSOLE_SCOPE: &str = "openid profile oxidp:admin";
/// Where the console starts.
pub const HOME: &str = "/admin";
/// The longest page address kept to come back to.
const MAX_RETURN_TO: usize = 512;

/// Who is using the console, as every page and admin operation sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    pub user_id: String,
    pub username: String,
    /// The token the console's forms carry.
    pub csrf: String,
}

/// Whether a request may use the console.
#[derive(Debug)]
pub enum Access {
    Granted(ConsoleUser),
    /// No console session (or it ended): sign in first.
    SignedOut,
    /// Signed in, but not (any more) an administrator.
    NotAdmin {
        username: String,
    },
}

/// The start of a sign-in: the browser keeps `state` (a cookie binds the
/// sign-in to it) and goes to `location`.
#[derive(Debug)]
pub struct SignIn {
    pub state: String,
    pub location: String,
}

/// What the callback ends in.
#[derive(Debug)]
pub enum Callback {
    /// The console cookie to set, and where to go.
    SignedIn { cookie: String, return_to: String, max_age: i64 },
    /// The user signed in but may not administer.
    NotAdmin { username: String },
    /// The sign-in this callback answers is unknown, used or expired, or
    /// another browser started it: start again.
    Restart,
    /// The authorization server said no, or the code was refused.
    Failed(OAuthError),
}

/// What the console reads and writes: SSO sessions, accounts, group
/// membership (through the admin operations) and its own entries.
pub struct ConsoleState {
    pub sessions: Sessions,
    pub users: Users,
    pub admin: Arc<Admin>,
    pub ephemeral: Ephemeral,
    /// Finds the user behind the (maybe pairwise) `sub` of the console's token.
    pub subjects: SubjectResolver,
}

pub struct ConsoleFlow {
    token: Arc<TokenFlow>,
    access_tokens: Arc<AccessTokenVerifier>,
    keyring: Arc<KeyringHandle>,
    sessions: Sessions,
    users: Users,
    admin: Arc<Admin>,
    ephemeral: Ephemeral,
    issuer: String,
    subjects: SubjectResolver,
}

/// A local console path to come back to after signing in; anything else
/// (another site, `//host`, the callback itself) becomes the home page.
pub fn safe_return_to(path: &str) -> String {
    let local = path.len() <= MAX_RETURN_TO
        && (path == HOME || path.starts_with("/admin/") || path.starts_with("/admin?"))
        && !path.starts_with("/admin/callback")
        && !path.starts_with("/admin/logout")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if local { path.to_string() } else { HOME.to_string() }
}

impl ConsoleFlow {
    pub fn new(
        token: Arc<TokenFlow>,
        access_tokens: Arc<AccessTokenVerifier>,
        keyring: Arc<KeyringHandle>,
        state: ConsoleState,
        issuer: String,
    ) -> ConsoleFlow {
        let ConsoleState { sessions, users, admin, ephemeral, subjects } = state;
        ConsoleFlow { token, access_tokens, keyring, sessions, users, admin, ephemeral, issuer, subjects }
    }

    /// `{issuer}/admin/callback`, the console client's redirect URI.
    pub fn redirect_uri(&self) -> String {
        redirect_uri(&self.issuer)
    }

    /// Starts a sign-in that comes back to `return_to`.
    pub async fn begin(&self, return_to: &str, now: i64) -> Result<SignIn, OAuthError> {
        let state = random_token(32);
        let login = ConsoleLogin {
            code_verifier: random_token(32),
            nonce: random_token(16),
            return_to: safe_return_to(return_to),
            expires_at: now + LOGIN_TTL,
        };
        self.ephemeral.put(&secret_digest(&state), &login, now).await?;
        let challenge = sha256_b64url(login.code_verifier.as_bytes());
        let redirect_uri = self.redirect_uri();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", CONSOLE_CLIENT_ID)
            .append_pair("response_type", "code")
            .append_pair("scope", CONSOLE_SCOPE)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &state)
            .append_pair("nonce", &login.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        Ok(SignIn { state, location: format!("/authorize?{query}") })
    }

    /// `GET /admin/callback`: `bound_state` is the state this browser
    /// started with (its cookie); `params` the authorization response.
    pub async fn finish(&self, bound_state: Option<&str>, params: &Params, now: i64) -> Callback {
        let Some(state) = params.get("state") else { return Callback::Restart };
        let Some(bound) = bound_state else { return Callback::Restart };
        if !constant_time_eq(state.as_bytes(), bound.as_bytes()) {
            return Callback::Restart;
        }
        let login: ConsoleLogin = match self.ephemeral.take::<ConsoleLogin>(&secret_digest(state)).await {
            Ok(Some(login)) if login.expires_at > now => login,
            Ok(_) => return Callback::Restart,
            Err(e) => return Callback::Failed(e.into()),
        };
        // RFC 9207: the response must come from this issuer.
        if params.get("iss").is_some_and(|iss| iss != self.issuer) {
            return Callback::Failed(OAuthError::invalid_request("the response came from another issuer"));
        }
        if let Some(error) = params.get("error") {
            let description = params.get("error_description").unwrap_or(error);
            return Callback::Failed(OAuthError::access_denied(format!(
                "Sign-in did not complete: {description}"
            )));
        }
        let Some(code) = params.get("code") else {
            return Callback::Failed(OAuthError::invalid_request("the response carries no code"));
        };
        match self.redeem(code, &login, now).await {
            Ok(callback) => callback,
            Err(e) => Callback::Failed(e),
        }
    }

    /// Exchanges the code in-process (a public client with its verifier),
    /// checks what came back, and opens the console session.
    async fn redeem(&self, code: &str, login: &ConsoleLogin, now: i64) -> Result<Callback, OAuthError> {
        let redirect_uri = self.redirect_uri();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("client_id", CONSOLE_CLIENT_ID)
            .append_pair("code_verifier", &login.code_verifier)
            .finish();
        let params = Params::parse(&form)?;
        let request = TokenRequest { authorization: None, params: &params, origin: None, dpop: None };
        let response: TokenResponse = self.token.token(request, now).await.result?;
        let claims = self.access_tokens.live_claims(&response.access_token, now).await?;
        if claims.client_id != CONSOLE_CLIENT_ID {
            return Err(OAuthError::invalid_grant("the access token was issued to another client"));
        }
        let id_token = response.id_token.ok_or_else(|| OAuthError::server_error("no ID token was issued"))?;
        self.check_id_token(&id_token, &claims.sub, &login.nonce)?;
        let sid = claims.sid.clone().ok_or_else(|| OAuthError::server_error("the token names no session"))?;
        let gone = || OAuthError::access_denied("the account is disabled or gone");
        let user_id = self.subjects.user_of_token(&claims).await?.ok_or_else(gone)?;
        let user = self.users.find_active_fresh(&user_id).await?.ok_or_else(gone)?;
        if !claims.has_scope(ADMIN_SCOPE) || !self.is_admin(&user.id).await? {
            return Ok(Callback::NotAdmin { username: user.username });
        }
        let cookie = random_token(32);
        let session = ConsoleSession {
            user_id: user.id,
            username: user.username,
            sid,
            id_token,
            csrf: random_token(32),
            expires_at: claims.exp,
        };
        self.ephemeral.put(&secret_digest(&cookie), &session, now).await?;
        tracing::info!(user_id = %session.user_id, "signed in to the admin console");
        Ok(Callback::SignedIn { cookie, return_to: login.return_to.clone(), max_age: claims.exp - now })
    }

    /// OpenID Connect Core §3.1.3.7: ours, for the console, about the same
    /// user as the access token, answering this sign-in's nonce.
    fn check_id_token(&self, id_token: &str, sub: &str, nonce: &str) -> Result<(), OAuthError> {
        let bad = |why: &str| OAuthError::server_error(format!("the ID token is not acceptable: {why}"));
        let claims =
            self.keyring.current().verify(id_token, ID_TOKEN_TYP).map_err(|e| bad(&e.to_string()))?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == CONSOLE_CLIENT_ID,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(CONSOLE_CLIENT_ID)),
            _ => false,
        };
        if text("iss") != Some(self.issuer.as_str()) || !audience_ok {
            return Err(bad("issuer or audience"));
        }
        if text("sub") != Some(sub) {
            return Err(bad("another subject"));
        }
        if !text("nonce").is_some_and(|n| constant_time_eq(n.as_bytes(), nonce.as_bytes())) {
            return Err(bad("nonce"));
        }
        Ok(())
    }

    /// Who holds this console cookie, checked again: the SSO session must
    /// live and the user must be active and an administrator; otherwise the
    /// console session ends.
    pub async fn access(&self, cookie: Option<&str>, now: i64) -> Result<Access, OAuthError> {
        let Some(key) = cookie.filter(|c| c.len() == 43).map(secret_digest) else {
            return Ok(Access::SignedOut);
        };
        let session: ConsoleSession = match self.ephemeral.get::<ConsoleSession>(&key).await? {
            Some(session) if session.expires_at > now => session,
            _ => return Ok(Access::SignedOut),
        };
        let alive =
            self.sessions.find_by_sid(&session.sid, now).await?.is_some_and(|s| s.user_id == session.user_id);
        let active = alive && self.users.find_active_fresh(&session.user_id).await?.is_some();
        if !active {
            self.ephemeral.delete::<ConsoleSession>(&key).await?;
            return Ok(Access::SignedOut);
        }
        if !self.is_admin(&session.user_id).await? {
            self.ephemeral.delete::<ConsoleSession>(&key).await?;
            return Ok(Access::NotAdmin { username: session.username });
        }
        Ok(Access::Granted(ConsoleUser {
            user_id: session.user_id,
            username: session.username,
            csrf: session.csrf,
        }))
    }

    /// Whether the user is a member of `oxidp-admins` now, as the database
    /// has it (the scope in the token says what held at sign-in).
    async fn is_admin(&self, user_id: &str) -> Result<bool, OAuthError> {
        match self.admin.user_groups(user_id).await {
            Ok(groups) => Ok(may_hold_admin_scope(&groups)),
            Err(crate::flows::admin::AdminError::NotFound(_)) => Ok(false),
            Err(e) => Err(OAuthError::server_error(e.to_string())),
        }
    }

    /// Ends the console session; returns where to log out of oxidp too
    /// (RP-Initiated Logout 1.0 §2, back to the console afterwards).
    pub async fn sign_out(&self, cookie: Option<&str>) -> Result<String, OAuthError> {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(key) = cookie.filter(|c| c.len() == 43).map(secret_digest)
            && let Some(session) = self.ephemeral.take::<ConsoleSession>(&key).await?
        {
            pairs.append_pair("id_token_hint", &session.id_token);
        }
        pairs
            .append_pair("client_id", CONSOLE_CLIENT_ID)
            .append_pair("post_logout_redirect_uri", &format!("{}{HOME}", self.issuer));
        Ok(format!("/logout?{}", pairs.finish()))
    }
}

/// The console client's redirect URI for `issuer`.
pub fn redirect_uri(issuer: &str) -> String {
    format!("{issuer}/admin/callback")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_console_paths_are_returned_to() {
        assert_eq!(safe_return_to("/admin/clients?q=a"), "/admin/clients?q=a");
        assert_eq!(safe_return_to("/admin"), "/admin");
        for bad in [
            "//evil.example/admin",
            "https://evil.example",
            "/account",
            "/admin/callback?x",
            "/admin\\x",
            "/administrator",
        ] {
            assert_eq!(safe_return_to(bad), HOME, "{bad}");
        }
    }
}
