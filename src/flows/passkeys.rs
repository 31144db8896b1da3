//! Passkeys (W3C WebAuthn Level 3, verified by webauthn-rs): registered on
//! the account page, then used alone to sign in (a discoverable credential:
//! the browser offers the user's passkeys and says whose it is, no username
//! typed) or as the second factor after a password. The relying party is
//! the issuer's host and origin, so passkeys need the issuer to be a domain
//! name (`localhost` included): browsers refuse IP addresses as RP IDs.
//!
//! Every ceremony's state (its challenge) is kept server side by the
//! caller and used once. Only public keys are stored; a credential id
//! belongs to one account (WebAuthn §7.1 step 26). Passkeys require user
//! verification, so one alone counts as two factors (`acr` 2).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::{Mediation, ResidentKeyRequirement};

use crate::flows::credentials::SignInContext;
use crate::protocol::entries::Authentication;
use crate::protocol::mfa::{passkey_methods, with_second_factor};
use crate::protocol::{AuditKind, AuthLevel, AuthMethod, UserRecord};
use crate::store::{Audit, Audited, PasskeyRow, Passkeys, StoreError, Users};

/// Longest passkey name kept (the user's label for it).
pub const MAX_NAME_CHARS: usize = 64;
/// Most passkeys one account may register.
pub const MAX_PER_USER: i64 = 20;

/// A ceremony to run in the browser: the options for
/// `navigator.credentials.create()`/`get()` (JSON), and the state to keep
/// server side until the browser answers.
#[derive(Debug)]
pub struct Ceremony {
    pub options: serde_json::Value,
    pub state: String,
}

/// A passkey as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySummary {
    /// The credential id, base64url.
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Why a passkey was not registered or not accepted.
#[derive(Debug)]
pub enum PasskeyError {
    /// Passkeys are off, or the issuer is not a domain name.
    Unavailable,
    /// The browser's answer does not verify (wrong challenge or origin,
    /// bad signature, unknown or foreign credential, no user verification).
    Rejected,
    /// This passkey is registered already.
    Duplicate,
    /// The account has [`MAX_PER_USER`] passkeys.
    TooMany,
    Store(StoreError),
}

impl From<StoreError> for PasskeyError {
    fn from(e: StoreError) -> PasskeyError {
        PasskeyError::Store(e)
    }
}

/// A passkey that verified: whose, and the `amr` it stands for.
#[derive(Debug)]
pub struct Verified {
    pub user: UserRecord,
    pub methods: Vec<AuthMethod>,
}

impl Verified {
    /// A sign-in with the passkey alone: two factors, since the
    /// authenticator verified the user (`amr` its methods, then `mfa`).
    pub fn authentication(&self, now: i64) -> Authentication {
        Authentication {
            auth_time: now,
            amr: with_second_factor(&[], &self.methods),
            acr: AuthLevel::MultiFactor,
        }
    }
}

#[derive(Clone)]
pub struct PasskeyService {
    webauthn: Option<Arc<Webauthn>>,
    passkeys: Passkeys,
    users: Users,
    audit: Audit,
}

/// The relying party for `issuer`, `None` when its host is not a domain.
fn relying_party(issuer: &str, name: &str) -> Option<Webauthn> {
    let origin = Url::parse(issuer).ok()?;
    let rp_id = origin.domain()?.to_string();
    let origin = Url::parse(&origin.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&rp_id, &origin).ok()?.rp_name(name).build().ok()
}

fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The passkey's name as kept: trimmed, at most [`MAX_NAME_CHARS`], and
/// "Passkey" when blank.
pub fn passkey_name(given: &str) -> String {
    let name: String = given.trim().chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    if name.is_empty() { "Passkey".to_string() } else { name }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, PasskeyError> {
    serde_json::to_string(value)
        .map_err(|e| PasskeyError::Store(StoreError::Corrupt(format!("passkey: {e}"))))
}

fn summary(row: PasskeyRow) -> PasskeySummary {
    PasskeySummary { id: row.id, name: row.name, created_at: row.created_at, last_used_at: row.last_used_at }
}

impl PasskeyService {
    /// `enabled` is `accounts.passkeys`; `name` the product name browsers
    /// show while asking for a passkey.
    pub fn new(
        issuer: &str,
        enabled: bool,
        name: &str,
        passkeys: Passkeys,
        users: Users,
        audit: Audit,
    ) -> Self {
        let webauthn = enabled.then(|| relying_party(issuer, name)).flatten().map(Arc::new);
        PasskeyService { webauthn, passkeys, users, audit }
    }

    /// Whether the pages offer passkeys.
    pub fn available(&self) -> bool {
        self.webauthn.is_some()
    }

    fn relying_party(&self) -> Result<&Webauthn, PasskeyError> {
        self.webauthn.as_deref().ok_or(PasskeyError::Unavailable)
    }

    pub async fn list(&self, user_id: &str) -> Result<Vec<PasskeySummary>, StoreError> {
        Ok(self.passkeys.of_user(user_id).await?.into_iter().map(summary).collect())
    }

    /// Whether the user has a passkey to give as a second factor.
    pub async fn has_any(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self.available() && self.passkeys.count_of_user(user_id).await? > 0)
    }

    /// Starts registering a new passkey for `user`: a discoverable one
    /// (`residentKey: required`), so it can sign in without a username,
    /// and none of the user's existing ones again.
    pub async fn registration(&self, user: &UserRecord) -> Result<Ceremony, PasskeyError> {
        let webauthn = self.relying_party()?;
        let existing = self.passkeys.of_user(&user.id).await?;
        if existing.len() as i64 >= MAX_PER_USER {
            return Err(PasskeyError::TooMany);
        }
        let exclude =
            existing.iter().filter_map(|row| URL_SAFE_NO_PAD.decode(&row.id).ok()).collect::<Vec<_>>();
        let handle = Uuid::parse_str(&user.id).map_err(|_| PasskeyError::Unavailable)?;
        let display = user.name.as_deref().unwrap_or(&user.username);
        let (mut options, state) = webauthn
            .start_passkey_registration(handle, &user.username, display, Some(exclude))
            .map_err(|_| PasskeyError::Rejected)?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        Ok(Ceremony { options: serde_json::to_value(&options).unwrap_or_default(), state: to_json(&state)? })
    }

    /// Finishes a registration started by [`registration`](Self::registration)
    /// with the browser's `response` (JSON), and stores the passkey.
    pub async fn register(
        &self,
        user_id: &str,
        state: &str,
        response: &str,
        name: &str,
        now: i64,
    ) -> Result<PasskeySummary, PasskeyError> {
        let webauthn = self.relying_party()?;
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(|_| PasskeyError::Rejected)?;
        let response: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Rejected)?;
        let passkey = webauthn.finish_passkey_registration(&response, &state).map_err(|e| {
            tracing::info!(user_id, error = %e, "passkey registration refused");
            PasskeyError::Rejected
        })?;
        if self.passkeys.count_of_user(user_id).await? >= MAX_PER_USER {
            return Err(PasskeyError::TooMany);
        }
        let row = PasskeyRow {
            id: credential_id(passkey.cred_id()),
            user_id: user_id.to_string(),
            name: passkey_name(name),
            passkey: to_json(&passkey)?,
            created_at: now,
            last_used_at: None,
        };
        let audited = Audited::new(AuditKind::PasskeyAdded).user(user_id).detail("name", row.name.clone());
        match self.passkeys.add(row.clone(), audited, now).await {
            Ok(()) => Ok(summary(row)),
            Err(StoreError::Duplicate(_)) => Err(PasskeyError::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    /// A sign-in with any passkey of this site (no username): the browser
    /// lets the user pick one (the button's ceremony, not autofill).
    pub fn sign_in_ceremony(&self) -> Result<Ceremony, PasskeyError> {
        let (mut options, state) =
            self.relying_party()?.start_discoverable_authentication().map_err(|_| PasskeyError::Rejected)?;
        options.mediation = None::<Mediation>;
        Ok(Ceremony { options: serde_json::to_value(&options).unwrap_or_default(), state: to_json(&state)? })
    }

    /// A second factor from one of the user's passkeys; `None` when they
    /// have none.
    pub async fn second_factor_ceremony(&self, user_id: &str) -> Result<Option<Ceremony>, PasskeyError> {
        let webauthn = self.relying_party()?;
        let passkeys = self.user_passkeys(user_id).await?;
        if passkeys.is_empty() {
            return Ok(None);
        }
        let passkeys: Vec<Passkey> = passkeys.into_iter().map(|(_, p)| p).collect();
        let (options, state) =
            webauthn.start_passkey_authentication(&passkeys).map_err(|_| PasskeyError::Rejected)?;
        Ok(Some(Ceremony {
            options: serde_json::to_value(&options).unwrap_or_default(),
            state: to_json(&state)?,
        }))
    }

    async fn user_passkeys(&self, user_id: &str) -> Result<Vec<(PasskeyRow, Passkey)>, StoreError> {
        let rows = self.passkeys.of_user(user_id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.passkey).ok().map(|p| (row, p)))
            .collect())
    }

    /// Checks a passkey sign-in (a [`sign_in_ceremony`](Self::sign_in_ceremony)
    /// answered), recorded as `login_succeeded` or `login_failed`.
    pub async fn sign_in(
        &self,
        state: &str,
        response: &str,
        context: &SignInContext<'_>,
    ) -> Result<Verified, PasskeyError> {
        let outcome = self.verify_sign_in(state, response, context.now).await;
        let audited = match &outcome {
            Ok(verified) => Audited::new(AuditKind::LoginSucceeded).user(&verified.user.id),
            Err(PasskeyError::Rejected) => {
                Audited::new(AuditKind::LoginFailed).detail("reason", "passkey_rejected")
            }
            Err(_) => return outcome,
        };
        let method = outcome.as_ref().ok().and_then(|v| v.methods.first().copied());
        let audited = context.describe(audited, method.unwrap_or(AuthMethod::HardwareKey));
        self.audit.record_or_log(audited, context.now).await;
        outcome
    }

    async fn verify_sign_in(&self, state: &str, response: &str, now: i64) -> Result<Verified, PasskeyError> {
        let webauthn = self.relying_party()?;
        let state: DiscoverableAuthentication =
            serde_json::from_str(state).map_err(|_| PasskeyError::Rejected)?;
        let response: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Rejected)?;
        let (handle, id) =
            webauthn.identify_discoverable_authentication(&response).map_err(|_| PasskeyError::Rejected)?;
        let Some(row) = self.passkeys.find(&credential_id(id)).await? else {
            return Err(PasskeyError::Rejected);
        };
        // The user handle the authenticator returned must be the owner's.
        if row.user_id != handle.to_string() {
            return Err(PasskeyError::Rejected);
        }
        let passkey: Passkey = serde_json::from_str(&row.passkey).map_err(|_| PasskeyError::Rejected)?;
        let result =
            webauthn.finish_discoverable_authentication_v2(&response, state, &passkey).map_err(|e| {
                tracing::info!(user_id = %row.user_id, error = %e, "passkey sign-in refused");
                PasskeyError::Rejected
            })?;
        self.accepted(row, passkey, &result, now).await
    }

    /// Checks a passkey given as a second factor by `user_id`, recorded as
    /// `mfa_succeeded` or `mfa_failed`; the `amr` it adds.
    pub async fn second_factor(
        &self,
        user_id: &str,
        state: &str,
        response: &str,
        now: i64,
    ) -> Result<Vec<AuthMethod>, PasskeyError> {
        let outcome = self.verify_second_factor(user_id, state, response, now).await;
        let audited = match &outcome {
            Ok(methods) => Audited::new(AuditKind::MfaSucceeded).detail("method", methods[0].as_str()),
            Err(PasskeyError::Rejected) => Audited::new(AuditKind::MfaFailed)
                .detail("method", AuthMethod::HardwareKey.as_str())
                .detail("reason", "passkey_rejected"),
            Err(_) => return outcome,
        };
        self.audit.record_or_log(audited.user(user_id), now).await;
        outcome
    }

    async fn verify_second_factor(
        &self,
        user_id: &str,
        state: &str,
        response: &str,
        now: i64,
    ) -> Result<Vec<AuthMethod>, PasskeyError> {
        let webauthn = self.relying_party()?;
        let state: PasskeyAuthentication = serde_json::from_str(state).map_err(|_| PasskeyError::Rejected)?;
        let response: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Rejected)?;
        let used = credential_id(response.get_credential_id());
        let Some((row, passkey)) =
            self.user_passkeys(user_id).await?.into_iter().find(|(row, _)| row.id == used)
        else {
            return Err(PasskeyError::Rejected);
        };
        let result = webauthn.finish_passkey_authentication(&response, &state).map_err(|e| {
            tracing::info!(user_id, error = %e, "passkey second factor refused");
            PasskeyError::Rejected
        })?;
        Ok(self.accepted(row, passkey, &result, now).await?.methods)
    }

    /// A verified assertion: the owner, if they may still sign in, and the
    /// credential's new signature counter recorded (WebAuthn §7.2 step 22).
    async fn accepted(
        &self,
        row: PasskeyRow,
        mut passkey: Passkey,
        result: &webauthn_rs::prelude::AuthenticationResult,
        now: i64,
    ) -> Result<Verified, PasskeyError> {
        if !result.user_verified() {
            return Err(PasskeyError::Rejected);
        }
        let Some(user) = self.users.find_active_fresh(&row.user_id).await? else {
            return Err(PasskeyError::Rejected);
        };
        passkey.update_credential(result);
        if !self.passkeys.record_use(&row.id, &row.passkey, to_json(&passkey)?, now).await? {
            // Another sign-in with the same counter value won: a clone.
            return Err(PasskeyError::Rejected);
        }
        Ok(Verified { user, methods: passkey_methods(result.backup_eligible()) })
    }

    /// Removes one of the user's passkeys; whether it was theirs.
    pub async fn remove(&self, user_id: &str, id: &str, now: i64) -> Result<bool, StoreError> {
        let Some(row) = self.passkeys.find(id).await?.filter(|row| row.user_id == user_id) else {
            return Ok(false);
        };
        let audited = Audited::new(AuditKind::PasskeyRemoved).user(user_id).detail("name", row.name);
        self.passkeys.remove(user_id, id, audited, now).await
    }
}
