//! The last step of a device's browser interaction (RFC 8628 §3.3): once
//! the user is logged in (and has consented, where the client asks), the
//! authorize flow shows "Allow this device?" through [`ask`], and the
//! answer (or a refused consent, [`deny`]) is written into the device
//! authorization the device polls.

use crate::crypto::random_token;
use crate::flows::authorize::AuthorizeOutcome;
use crate::protocol::OAuthError;
use crate::protocol::authorize::AuthorizationRequest;
use crate::protocol::device::display_user_code;
use crate::protocol::entries::{DeviceAnswer, DeviceApproval, DeviceAuthorization, SsoSession};
use crate::store::{Ephemeral, StoreError, Users};

/// Compare-and-swap attempts when a poll changes the entry meanwhile.
const CAS_ATTEMPTS: usize = 4;

/// What the approval page shows, and the ticket its form posts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceApprovalView {
    pub ticket: String,
    pub client_name: String,
    pub scopes: Vec<String>,
    /// As the device shows it (`XXXX-XXXX`), to compare (§5.4).
    pub user_code: String,
    pub username: String,
}

/// The error shown when the device authorization is gone or answered.
pub fn gone() -> OAuthError {
    OAuthError::invalid_request("This code has expired or was already used. Start again on your device.")
}

/// Stores a one-time ticket for `session`'s user and the device of
/// `request`, and asks them.
pub async fn ask(
    ephemeral: &Ephemeral,
    users: &Users,
    request: &AuthorizationRequest,
    client_name: &str,
    session: &SsoSession,
    ttl: u64,
    now: i64,
) -> AuthorizeOutcome {
    let Some(device_key) = request.device.as_deref() else {
        return AuthorizeOutcome::ErrorPage(OAuthError::server_error("not a device request"));
    };
    let asked = async {
        let Some(entry) = pending(ephemeral, device_key, now).await? else { return Ok(None) };
        let Some(user) = users.find_active(&session.user_id).await? else { return Ok(None) };
        let ticket = random_token(32);
        let approval = DeviceApproval {
            device_key: device_key.to_string(),
            user_id: session.user_id.clone(),
            sid: session.sid.clone(),
            client_name: client_name.to_string(),
            expires_at: (now + ttl as i64).min(entry.expires_at),
        };
        ephemeral.put(&ticket, &approval, now).await?;
        Ok::<_, StoreError>(Some(DeviceApprovalView {
            ticket,
            client_name: client_name.to_string(),
            scopes: entry.scope.iter().map(str::to_string).collect(),
            user_code: display_user_code(&entry.user_code),
            username: user.username,
        }))
    };
    match asked.await {
        Ok(Some(view)) => AuthorizeOutcome::DeviceApproval(view),
        Ok(None) => AuthorizeOutcome::ErrorPage(gone()),
        Err(e) => AuthorizeOutcome::ErrorPage(e.into()),
    }
}

/// The device authorization `device_key` if it still waits for an answer.
pub async fn pending(
    ephemeral: &Ephemeral,
    device_key: &str,
    now: i64,
) -> Result<Option<DeviceAuthorization>, StoreError> {
    let entry: Option<DeviceAuthorization> = ephemeral.get(device_key).await?;
    Ok(entry.filter(|e| e.expires_at > now && e.answer == DeviceAnswer::Pending))
}

/// Records the user's answer unless the authorization expired or was
/// answered meanwhile; returns the entry as answered.
pub async fn record(
    ephemeral: &Ephemeral,
    device_key: &str,
    answer: DeviceAnswer,
    now: i64,
) -> Result<Option<DeviceAuthorization>, StoreError> {
    for _ in 0..CAS_ATTEMPTS {
        let Some(current) = pending(ephemeral, device_key, now).await? else { return Ok(None) };
        let next = DeviceAuthorization { answer: answer.clone(), ..current.clone() };
        if ephemeral.swap(device_key, &current, &next, now).await? {
            return Ok(Some(next));
        }
    }
    Err(StoreError::Unavailable(format!("device authorization {device_key} kept changing under a write")))
}

/// A refusal before the approval page (the consent prompt's): the device
/// hears `access_denied` at once; the user sees `error`.
pub async fn deny(
    ephemeral: &Ephemeral,
    request: &AuthorizationRequest,
    error: OAuthError,
    now: i64,
) -> AuthorizeOutcome {
    if let Some(device_key) = request.device.as_deref()
        && let Err(e) = record(ephemeral, device_key, DeviceAnswer::Denied, now).await
    {
        return AuthorizeOutcome::ErrorPage(e.into());
    }
    AuthorizeOutcome::client_error(request, error)
}
