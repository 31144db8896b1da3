//! The account page's passkeys: signing in with one (no username; the
//! ceremony kept under a random id its form carries, used once), adding
//! one (the ceremony kept for the session, one at a time) and removing one.

use super::AccountFlow;
use crate::crypto::random_token;
use crate::flows::credentials::SignInContext;
use crate::flows::passkeys::{PasskeyError, PasskeySummary};
use crate::protocol::entries::{Device, PasskeyRegistration, PasskeySignIn, SsoSession};

/// How long a started ceremony waits for the browser (seconds): the
/// authenticator timeout webauthn-rs asks browsers for.
const CEREMONY_TTL: i64 = 300;

/// A started ceremony: the id the form carries back (for a sign-in) and
/// the options for `navigator.credentials`.
#[derive(Debug)]
pub struct PasskeyCeremony {
    pub id: Option<String>,
    pub options: serde_json::Value,
}

impl AccountFlow {
    /// Starts signing in with a passkey.
    pub async fn passkey_sign_in_options(&self, now: i64) -> Result<PasskeyCeremony, PasskeyError> {
        let ceremony = self.second_factor.passkeys().sign_in_ceremony()?;
        let id = random_token(32);
        let entry = PasskeySignIn { state: ceremony.state, expires_at: now + CEREMONY_TTL };
        self.ephemeral.put(&id, &entry, now).await?;
        Ok(PasskeyCeremony { id: Some(id), options: ceremony.options })
    }

    /// The browser's answer to sign-in ceremony `id`: a session (its
    /// cookie) at two factors, or [`PasskeyError::Rejected`].
    pub async fn passkey_sign_in(
        &self,
        id: &str,
        response: &str,
        previous_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<String, PasskeyError> {
        if id.len() != 43 {
            return Err(PasskeyError::Rejected);
        }
        let Some(ceremony) = self.ephemeral.take::<PasskeySignIn>(id).await? else {
            return Err(PasskeyError::Rejected);
        };
        let context = SignInContext { client_id: None, device, now };
        let verified = self.second_factor.passkeys().sign_in(&ceremony.state, response, &context).await?;
        let authentication = verified.authentication(now);
        let (cookie, session, _) =
            self.sessions.start(previous_cookie, &verified.user.id, authentication, device, now).await?;
        tracing::info!(user_id = %verified.user.id, sid = %session.sid, "account sign-in with a passkey");
        Ok(cookie)
    }

    /// Starts adding a passkey to the session's user.
    pub async fn passkey_registration(
        &self,
        current: &SsoSession,
        now: i64,
    ) -> Result<PasskeyCeremony, PasskeyError> {
        let Some(user) = self.users.find_active(&current.user_id).await? else {
            return Err(PasskeyError::Rejected);
        };
        let ceremony = self.second_factor.passkeys().registration(&user).await?;
        let entry =
            PasskeyRegistration { user_id: user.id, state: ceremony.state, expires_at: now + CEREMONY_TTL };
        self.ephemeral.put(&current.sid, &entry, now).await?;
        Ok(PasskeyCeremony { id: None, options: ceremony.options })
    }

    /// The browser's answer to the session's registration ceremony.
    pub async fn register_passkey(
        &self,
        current: &SsoSession,
        response: &str,
        name: &str,
        now: i64,
    ) -> Result<PasskeySummary, PasskeyError> {
        let Some(ceremony) = self.ephemeral.take::<PasskeyRegistration>(&current.sid).await? else {
            return Err(PasskeyError::Rejected);
        };
        if ceremony.user_id != current.user_id {
            return Err(PasskeyError::Rejected);
        }
        self.second_factor.passkeys().register(&current.user_id, &ceremony.state, response, name, now).await
    }

    /// Removes one of the user's passkeys; whether it was theirs.
    pub async fn remove_passkey(
        &self,
        current: &SsoSession,
        id: &str,
        now: i64,
    ) -> Result<bool, PasskeyError> {
        Ok(self.second_factor.passkeys().remove(&current.user_id, id, now).await?)
    }
}
