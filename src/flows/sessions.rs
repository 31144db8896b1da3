//! SSO sessions. The cookie is `{sid}.{secret}`: the store keys the session
//! by its public `sid` and keeps only the SHA-256 of the 256-bit secret, so a
//! store dump yields no usable cookie, and tokens bound to a session can ask
//! whether it still lives. A new secret is issued at every login (no
//! session fixation). Each session is listed under its user
//! (`IndexKind::UserSessions`) and lists the clients it issued codes to,
//! who are told when it ends.
//!
//! Lifetimes: an absolute `ttl` from the first login and an `idle_ttl`
//! that each use extends, at most once per [`TOUCH_AFTER`] seconds. Every
//! change to a stored session is a compare-and-swap of the value as read,
//! so concurrent changes never overwrite each other and a session ended
//! meanwhile stays ended. An SSO authorize in a session that already knows
//! the client costs one store read and the code's write, nothing more.

use crate::crypto::{constant_time_eq, random_token, secret_digest};
use crate::flows::logout::backchannel::{Backchannel, Delivery};
use crate::protocol::entries::{
    Authentication, Device, Entry, IndexKey, IndexKind, SsoSession, member_of, parse_member,
};
use crate::protocol::{AuditKind, SessionEndReason};
use crate::store::{Audited, Ephemeral, Grants, StoreError, Users};

/// The secret half of a cookie: 32 random bytes, base64url (43 characters).
const SECRET_LEN: usize = 43;
/// A `sid` is a UUID.
const SID_LEN: usize = 36;
/// Uses closer together than this do not rewrite the session.
pub const TOUCH_AFTER: i64 = 60;
/// Compare-and-swap attempts before a write gives up.
const UPDATE_ATTEMPTS: usize = 4;

/// Lifetimes of a session, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub ttl: u64,
    pub idle_ttl: u64,
}

/// A session that ended, and what its clients are being told.
#[derive(Debug)]
pub struct Ended {
    pub session: SsoSession,
    /// The clients that received tokens in it.
    pub clients: Vec<String>,
    /// The back-channel logout deliveries under way.
    pub delivery: Delivery,
}

#[derive(Clone)]
pub struct Sessions {
    ephemeral: Ephemeral,
    grants: Grants,
    users: Users,
    backchannel: Backchannel,
    policy: SessionPolicy,
}

/// The `sid` and secret of a well-formed cookie value.
fn split_cookie(value: &str) -> Option<(&str, &str)> {
    let (sid, secret) = value.split_once('.')?;
    (sid.len() == SID_LEN && secret.len() == SECRET_LEN).then_some((sid, secret))
}

impl Sessions {
    pub fn new(
        ephemeral: Ephemeral,
        grants: Grants,
        users: Users,
        backchannel: Backchannel,
        policy: SessionPolicy,
    ) -> Sessions {
        Sessions { ephemeral, grants, users, backchannel, policy }
    }

    /// Sessions over `stores` that tell no client when they end (no
    /// back-channel logout): for tests and the CLI.
    pub fn detached(stores: &crate::store::Stores, policy: SessionPolicy) -> Sessions {
        let (ephemeral, grants, users) =
            (stores.ephemeral.clone(), stores.grants.clone(), stores.users.clone());
        Sessions::new(ephemeral, grants, users, Backchannel::disabled(), policy)
    }

    /// The live session behind the browser's cookie, if any, with its idle
    /// timer extended. A session whose user was disabled or deleted is ended.
    pub async fn find(
        &self,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<Option<SsoSession>, StoreError> {
        let Some((sid, secret)) = cookie.and_then(split_cookie) else { return Ok(None) };
        let Some(session) = self.find_by_sid(sid, now).await? else { return Ok(None) };
        if !constant_time_eq(secret_digest(secret).as_bytes(), session.secret_hash.as_bytes()) {
            return Ok(None);
        }
        if self.users.find_active(&session.user_id).await?.is_none() {
            self.end(&session, SessionEndReason::UserGone, now).await?;
            return Ok(None);
        }
        self.touch(session, device, now).await
    }

    /// The live session with this `sid` (tokens bound to it ask), as is.
    pub async fn find_by_sid(&self, sid: &str, now: i64) -> Result<Option<SsoSession>, StoreError> {
        if sid.len() != SID_LEN {
            return Ok(None);
        }
        let session: Option<SsoSession> = self.ephemeral.get(sid).await?;
        Ok(session.filter(|s| s.is_live(now)))
    }

    /// Extends the idle timer (once per [`TOUCH_AFTER`]); `None` when the
    /// session ended meanwhile.
    async fn touch(
        &self,
        session: SsoSession,
        device: &Device,
        now: i64,
    ) -> Result<Option<SsoSession>, StoreError> {
        if now - session.last_seen < TOUCH_AFTER && &session.device == device {
            return Ok(Some(session));
        }
        let idle_ttl = self.policy.idle_ttl as i64;
        self.update(session, now, |s| {
            s.last_seen = now;
            s.idle_expires_at = (now + idle_ttl).min(s.expires_at);
            s.device = device.clone();
        })
        .await
    }

    /// Applies `change` to the stored session by compare-and-swap, reading
    /// it again when another request changed it first (a few times at
    /// most); `None` when the session is no longer live.
    async fn update(
        &self,
        mut current: SsoSession,
        now: i64,
        change: impl Fn(&mut SsoSession),
    ) -> Result<Option<SsoSession>, StoreError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let mut next = current.clone();
            change(&mut next);
            if self.ephemeral.swap(&current.sid, &current, &next, now).await? {
                return Ok(Some(next));
            }
            match self.find_by_sid(&current.sid, now).await? {
                Some(fresh) => current = fresh,
                None => return Ok(None),
            }
        }
        Err(StoreError::Unavailable(format!("session {} kept changing under a write", current.sid)))
    }

    /// Extends a session used by a token grant (a refresh keeps it alive,
    /// as in Keycloak); `false` when it is no longer live.
    pub async fn keep_alive(&self, sid: &str, now: i64) -> Result<bool, StoreError> {
        match self.find_by_sid(sid, now).await? {
            Some(session) => {
                let device = session.device.clone();
                Ok(self.touch(session, &device, now).await?.is_some())
            }
            None => Ok(false),
        }
    }

    /// The session after a successful login, always under a new cookie
    /// value (returned with it). The browser's previous session continues,
    /// keeping its `sid`, when the same user logged in again; a different
    /// user's session is ended (returned too).
    pub async fn start(
        &self,
        previous_cookie: Option<&str>,
        user_id: &str,
        authentication: Authentication,
        device: &Device,
        now: i64,
    ) -> Result<(String, SsoSession, Option<Ended>), StoreError> {
        let previous = self.find(previous_cookie, device, now).await?;
        let secret = random_token(32);
        let idle_end = now + self.policy.idle_ttl as i64;
        if let Some(old) = &previous
            && old.user_id == user_id
        {
            let renewed = self
                .update(old.clone(), now, |s| {
                    s.secret_hash = secret_digest(&secret);
                    s.authentication = authentication.clone();
                    s.last_seen = now;
                    s.idle_expires_at = idle_end.min(s.expires_at);
                    s.device = device.clone();
                })
                .await?;
            if let Some(session) = renewed {
                return Ok((format!("{}.{secret}", session.sid), session, None));
            }
        }
        let ended = match previous {
            Some(old) if old.user_id != user_id => {
                Some(self.end(&old, SessionEndReason::OtherUser, now).await?)
            }
            _ => None,
        };
        let expires_at = now + self.policy.ttl as i64;
        let session = SsoSession {
            sid: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_string(),
            secret_hash: secret_digest(&secret),
            authentication,
            created_at: now,
            last_seen: now,
            expires_at,
            idle_expires_at: idle_end.min(expires_at),
            device: device.clone(),
            clients: Vec::new(),
        };
        self.ephemeral.put(&session.sid, &session, now).await?;
        Ok((format!("{}.{secret}", session.sid), session, ended))
    }

    /// Records that `client_id` received a code in the session: one write
    /// the first time, none after. `false` when the session ended meanwhile.
    pub async fn note_client(
        &self,
        session: &SsoSession,
        client_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        if session.clients.iter().any(|c| c == client_id) {
            return Ok(true);
        }
        let noted = self
            .update(session.clone(), now, |s| {
                if !s.clients.iter().any(|c| c == client_id) {
                    s.clients.push(client_id.to_string());
                }
            })
            .await?;
        Ok(noted.is_some())
    }

    /// Ends a session everywhere: the entry is taken (its latest state, so
    /// no client noted meanwhile is missed) and leaves its user's list, the
    /// refresh tokens bound to it (all but offline ones) are revoked with
    /// their access tokens, and its clients get back-channel logout tokens.
    /// A session another request ended first only has its tokens revoked
    /// again (a no-op): its clients were told by that request.
    pub async fn end(
        &self,
        session: &SsoSession,
        reason: SessionEndReason,
        now: i64,
    ) -> Result<Ended, StoreError> {
        let taken: Option<SsoSession> = self.ephemeral.take(&session.sid).await?;
        let listed = IndexKey::new(IndexKind::UserSessions, &session.user_id);
        self.ephemeral.remove_from_index(&listed, &member_of(SsoSession::KIND, &session.sid)).await?;
        let audited = Audited::new(AuditKind::SessionEnded)
            .user(&session.user_id)
            .detail("sid", session.sid.clone())
            .detail("reason", reason.as_str());
        self.grants.revoke_session(&session.sid, audited, now).await?;
        tracing::info!(sid = %session.sid, user_id = %session.user_id, %reason, "session ended");
        let mut clients = taken.map(|s| s.clients).unwrap_or_default();
        clients.sort();
        let delivery = self.backchannel.notify(session, &clients);
        Ok(Ended { session: session.clone(), clients, delivery })
    }

    /// The user's live sessions, newest first.
    pub async fn list(&self, user_id: &str, now: i64) -> Result<Vec<SsoSession>, StoreError> {
        let index = IndexKey::new(IndexKind::UserSessions, user_id);
        let mut sessions = Vec::new();
        for member in self.ephemeral.index_members(&index).await? {
            if let Some((SsoSession::KIND, sid)) = parse_member(&member)
                && let Some(session) = self.find_by_sid(sid, now).await?
                && session.user_id == user_id
            {
                sessions.push(session);
            }
        }
        sessions.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.sid.cmp(&b.sid)));
        Ok(sessions)
    }

    /// Ends every live session of a user (disabled, deleted, or the admin
    /// said so).
    pub async fn end_all(
        &self,
        user_id: &str,
        reason: SessionEndReason,
        now: i64,
    ) -> Result<Vec<Ended>, StoreError> {
        let mut ended = Vec::new();
        for session in self.list(user_id, now).await? {
            ended.push(self.end(&session, reason, now).await?);
        }
        Ok(ended)
    }
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
