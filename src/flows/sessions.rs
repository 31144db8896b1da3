//! SSO sessions. The cookie holds a 256-bit random secret; the store keys the
//! session by the secret's SHA-256, so a store dump yields no usable cookie.
//! A new secret is issued at every login (no session fixation), and each
//! session is listed under its user (`IndexKind::UserSessions`).

use crate::crypto::{random_token, secret_digest};
use crate::protocol::AuditKind;
use crate::protocol::entries::{Entry, IndexKey, IndexKind, SsoSession, member_of};
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
                self.destroy(secret, &old.user_id).await?;
                self.end_tokens(&old, now).await?;
                (self.fresh(user_id, now), None)
            }
            None => (self.fresh(user_id, now), None),
        };
        let secret = random_token(32);
        self.ephemeral.put(&secret_digest(&secret), &session, now).await?;
        if let Some(old_secret) = replaced {
            self.destroy(old_secret, user_id).await?;
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

    /// Ends the session behind a cookie value, and takes it off its
    /// user's list.
    async fn destroy(&self, cookie_secret: &str, user_id: &str) -> Result<(), StoreError> {
        let id = secret_digest(cookie_secret);
        self.ephemeral.delete::<SsoSession>(&id).await?;
        let index = IndexKey::new(IndexKind::UserSessions, user_id);
        self.ephemeral.remove_from_index(&index, &member_of(SsoSession::KIND, &id)).await
    }

    /// The refresh tokens bound to an ended session (all but offline ones)
    /// are revoked with their access tokens.
    async fn end_tokens(&self, session: &SsoSession, now: i64) -> Result<(), StoreError> {
        let audited =
            Audited::new(AuditKind::SessionEnded).user(&session.user_id).detail("sid", session.sid.clone());
        self.grants.revoke_session(&session.sid, audited, now).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::temp_stores;

    const NOW: i64 = 1_800_000_000;

    async fn listed(sessions: &Sessions, user_id: &str) -> usize {
        let index = IndexKey::new(IndexKind::UserSessions, user_id);
        sessions.ephemeral.index_members(&index).await.expect("members").len()
    }

    #[tokio::test]
    async fn a_login_renews_or_replaces_the_session_under_a_new_cookie() {
        let (stores, _dir) = temp_stores().await;
        let sessions = Sessions::new(stores.ephemeral.clone(), stores.grants.clone(), 3600);
        let (first, alice) = sessions.start(None, "alice", NOW).await.unwrap();
        assert_eq!(sessions.find(&first, NOW).await.unwrap().as_ref(), Some(&alice));
        assert_eq!(listed(&sessions, "alice").await, 1);

        // The same user again: same sid, new cookie, new auth_time; the old cookie is dead.
        let (second, renewed) = sessions.start(Some(&first), "alice", NOW + 10).await.unwrap();
        assert_ne!(first, second);
        assert_eq!((renewed.sid.as_str(), renewed.auth_time), (alice.sid.as_str(), NOW + 10));
        assert!(sessions.find(&first, NOW + 10).await.unwrap().is_none());
        assert_eq!(listed(&sessions, "alice").await, 1, "the replaced cookie left the user's list");

        // Another user in the same browser: a new session; alice's ends.
        let (third, bob) = sessions.start(Some(&second), "bob", NOW + 20).await.unwrap();
        assert_ne!(bob.sid, alice.sid);
        assert!(sessions.find(&second, NOW + 20).await.unwrap().is_none());
        assert_eq!((listed(&sessions, "alice").await, listed(&sessions, "bob").await), (0, 1));
        let events = stores.audit.recent(10).await.unwrap();
        assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), [AuditKind::SessionEnded]);

        // Expiry is the session's own.
        assert!(sessions.find(&third, NOW + 20 + 3600).await.unwrap().is_none());
        assert!(sessions.find("not-a-cookie", NOW).await.unwrap().is_none());
    }
}
