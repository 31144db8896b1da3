//! SSO sessions. The cookie holds a 256-bit random secret; the store keys the
//! session by the secret's SHA-256, so a store dump yields no usable cookie.
//! A new secret is issued at every login (no session fixation), and each
//! session is listed under its user (`IndexKind::UserSessions`).

use crate::crypto::{random_token, secret_digest};
use crate::protocol::AuditKind;
use crate::protocol::entries::SsoSession;
use crate::store::{Audited, Ephemeral, Grants, StoreError};

/// Cookie secrets are 32 random bytes, base64url: 43 characters.
const SECRET_LEN: usize = 43;

#[derive(Clone)]
pub struct Sessions {
    ephemeral: Ephemeral,
    grants: Grants,
    /// Absolute lifetime of a session, in seconds.
    ttl: u64,
}

impl Sessions {
    pub fn new(ephemeral: Ephemeral, grants: Grants, ttl: u64) -> Sessions {
        Sessions { ephemeral, grants, ttl }
    }

    /// The live session behind a cookie value, if any.
    pub async fn find(&self, cookie_secret: &str, now: i64) -> Result<Option<SsoSession>, StoreError> {
        if cookie_secret.len() != SECRET_LEN {
            return Ok(None);
        }
        let session: Option<SsoSession> = self.ephemeral.get(&secret_digest(cookie_secret)).await?;
        Ok(session.filter(|s| s.expires_at > now))
    }

    /// The session after a successful login, always under a new cookie
    /// secret (returned with it). The browser's previous session continues,
    /// keeping its `sid`, when the same user logged in again; a different
    /// user's session is ended, and the refresh tokens bound to it revoked.
    pub async fn start(
        &self,
        previous_cookie: Option<&str>,
        user_id: &str,
        now: i64,
    ) -> Result<(String, SsoSession), StoreError> {
        let previous = match previous_cookie {
            Some(secret) => self.find(secret, now).await?.map(|s| (secret, s)),
            None => None,
        };
        let (session, replaced) = match previous {
            Some((secret, old)) if old.user_id == user_id => {
                (SsoSession { auth_time: now, expires_at: now + self.ttl as i64, ..old }, Some(secret))
            }
            Some((secret, old)) => {
                self.destroy(secret).await?;
                self.end_tokens(&old, now).await?;
                (self.fresh(user_id, now), None)
            }
            None => (self.fresh(user_id, now), None),
        };
        let secret = random_token(32);
        self.ephemeral.put(&secret_digest(&secret), &session, now).await?;
        if let Some(old_secret) = replaced {
            self.destroy(old_secret).await?;
        }
        Ok((secret, session))
    }

    fn fresh(&self, user_id: &str, now: i64) -> SsoSession {
        SsoSession {
            sid: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_string(),
            auth_time: now,
            expires_at: now + self.ttl as i64,
        }
    }

    /// Ends the session behind a cookie value.
    async fn destroy(&self, cookie_secret: &str) -> Result<(), StoreError> {
        self.ephemeral.delete::<SsoSession>(&secret_digest(cookie_secret)).await
    }

    /// The refresh tokens bound to an ended session (all but offline ones)
    /// are revoked with their access tokens.
    async fn end_tokens(&self, session: &SsoSession, now: i64) -> Result<(), StoreError> {
        let audited =
            Audited::new(AuditKind::SessionEnded).user(&session.user_id).detail("sid", session.sid.clone());
        self.grants.revoke_session(&session.sid, audited, now).await.map(drop)
    }
}
