//! Every short-lived value the server keeps (codes, sessions, interactions,
//! denied tokens, used assertion ids) is a type that names its own kind and
//! expiry and the secondary indexes it is listed in, after
//! node-oidc-provider's models over one storage adapter. The ephemeral store
//! (`store::ephemeral`) stores any [`Entry`] and needs no per-kind code.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::protocol::Scope;
use crate::protocol::authorize::AuthorizationRequest;
use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::vocabulary::{AuthLevel, AuthMethod, PromptName};
use crate::vocabulary::vocabulary;

pub use crate::protocol::account_entries::{
    PasskeyRegistration, PasskeySignIn, PendingSignIn, TotpEnrollment,
};

vocabulary! {
    /// The kinds of entries; each is the namespace of its ids.
    pub enum EntryKind("ephemeral entry kind") {
        AuthorizationCode => "code",
        SpentCode => "code_spent",
        Interaction => "interaction",
        Session => "session",
        DeniedToken => "denied_at",
        UsedAssertion => "assertion_jti",
        UsedDpopProof => "dpop_jti",
        DeviceAuthorization => "device_code",
        DeviceApproval => "device_approval",
        CodeGuesses => "device_guesses",
        ConsoleLogin => "console_login",
        ConsoleSession => "console_session",
        AccountFailures => "login_failures_account",
        AddressFailures => "login_failures_address",
        PageFailures => "login_failures_page",
        PendingSignIn => "pending_sign_in",
        TotpEnrollment => "totp_enrollment",
        PasskeyRegistration => "passkey_registration",
        PasskeySignIn => "passkey_sign_in",
        MailQuota => "mail_quota",
        /// Login transactions started per window (`protocol::pending_logins`).
        PendingLogins => "pending_logins",
        /// Requests per route and address per minute (`protocol::rate_limits`).
        RateLimit => "rate",
        /// A pushed authorization request (RFC 9126), until used once.
        PushedRequest => "pushed_request",
    }
}

vocabulary! {
    /// Secondary indexes: sets of ids under an owner, kept as long as the
    /// longest-lived member.
    pub enum IndexKind("ephemeral index") {
        /// A user's SSO sessions (`owner` = user id; members = session entries).
        UserSessions => "user_sessions",
        /// What a session handed out (`owner` = sid; members = grant ids).
        SessionGrants => "session_grants",
        /// Every entry of one grant (`owner` = grant id; members = entries),
        /// removed together by `revoke_by_grant`.
        GrantEntries => "grant_entries",
        /// The device authorization a user code stands for (`owner` = the
        /// normalized user code; members = device authorizations).
        UserCode => "user_code",
    }
}

/// One index: its kind and owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexKey {
    pub kind: IndexKind,
    pub owner: String,
}

impl IndexKey {
    pub fn new(kind: IndexKind, owner: &str) -> IndexKey {
        IndexKey { kind, owner: owner.to_string() }
    }
}

/// A stored short-lived value.
pub trait Entry: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: EntryKind;

    /// Unix time from which the entry is dead; the store keeps it no longer.
    fn expires_at(&self) -> i64;

    /// The indexes that list this entry.
    fn indexes(&self) -> Vec<IndexKey> {
        Vec::new()
    }
}

/// An entry as an index member: `"{kind}:{id}"`.
pub fn member_of(kind: EntryKind, id: &str) -> String {
    format!("{kind}:{id}")
}

/// The kind and id of an index member written by [`member_of`].
pub fn parse_member(member: &str) -> Option<(EntryKind, &str)> {
    let (kind, id) = member.split_once(':')?;
    Some((kind.parse().ok()?, id))
}

/// What an authorization code stands for (RFC 6749 §4.1.2): bound to
/// client, redirect URI, PKCE challenge, nonce and SSO session. Stored under
/// the SHA-256 of the code, taken once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub redirect_uri_given: bool,
    pub scope: Scope,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub user_id: String,
    pub sid: String,
    pub authentication: Authentication,
    pub expires_at: i64,
    /// RFC 8707 resources of the authorization request.
    #[serde(default)]
    pub resources: Vec<String>,
    /// RFC 9449 §10: the DPoP key the code may be redeemed with only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// Claims asked for by name (OIDC Core §5.5).
    #[serde(default, skip_serializing_if = "RequestedClaims::is_empty")]
    pub claims: RequestedClaims,
}

impl Entry for CodeGrant {
    const KIND: EntryKind = EntryKind::AuthorizationCode;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// Left behind by a redeemed code, so a replay can revoke what it issued
/// (RFC 6749 §4.1.2). Same id as the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpentCode {
    pub client_id: String,
    pub user_id: String,
    /// The refresh-token family the code started.
    pub family_id: String,
    pub access_token_jti: String,
    pub access_token_exp: i64,
    /// Absent in entries written before it was recorded: those are read as
    /// already expired, which only shortens how long they are remembered.
    #[serde(default)]
    pub expires_at: i64,
}

impl Entry for SpentCode {
    const KIND: EntryKind = EntryKind::SpentCode;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A validated authorization request waiting for the user, and the prompts
/// completed so far. Stored under a random id that the pages carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub request: AuthorizationRequest,
    /// The prompt whose page the user is shown; only its form may answer.
    #[serde(default = "login_prompt")]
    pub prompt: PromptName,
    pub completed: Vec<PromptName>,
    /// The client's display name, for the pages.
    #[serde(default)]
    pub client_name: String,
    /// The request needs a second factor (`protocol::mfa::required`).
    #[serde(default)]
    pub mfa_required: bool,
    /// The MFA prompt's state: whose second factor, what is being set up.
    #[serde(default)]
    pub mfa: Option<MfaStep>,
    /// The client's logo URL, for the pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_logo: Option<String>,
    /// The passkey ceremony the page started (webauthn-rs state, JSON):
    /// one at a time, used once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_state: Option<String>,
    pub expires_at: i64,
}

/// A second factor being asked for in an interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStep {
    pub user_id: String,
    /// The username, for the label an authenticator app shows.
    pub account: String,
    /// The password was right (a login in progress; no session yet).
    /// `None`: a step-up of the browser's session.
    pub first_factor: Option<Authentication>,
    /// The TOTP secret being set up (base32), when the user has no second
    /// factor yet and the request needs one.
    pub enrolling: Option<String>,
    /// Wrong codes entered on this page.
    pub failures: u32,
    /// Whether the user has TOTP set up (the page asks for a code).
    #[serde(default = "yes")]
    pub totp: bool,
    /// Whether the user has a passkey (the page offers it).
    #[serde(default)]
    pub passkey: bool,
    /// The second factor was given; the page shows the new recovery codes
    /// and a button to carry on.
    pub done: bool,
}

fn yes() -> bool {
    true
}

fn login_prompt() -> PromptName {
    PromptName::Login
}

impl Entry for Interaction {
    const KIND: EntryKind = EntryKind::Interaction;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// An SSO session, stored under its `sid`. The browser's cookie is
/// `{sid}.{secret}` and only the secret's SHA-256 is kept, so a store dump
/// yields no usable cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSession {
    /// Public session id (OIDC `sid` claim); unrelated to the secret.
    pub sid: String,
    pub user_id: String,
    pub secret_hash: String,
    /// How and when the user last entered credentials.
    pub authentication: Authentication,
    pub created_at: i64,
    /// The last request that extended the idle timer.
    pub last_seen: i64,
    /// The absolute end (`session.ttl` after the first login).
    pub expires_at: i64,
    /// The idle end (`session.idle_ttl` after `last_seen`), never later
    /// than `expires_at`.
    pub idle_expires_at: i64,
    pub device: Device,
    /// The clients that received codes in the session, told when it ends
    /// (Back-Channel and Front-Channel Logout 1.0).
    #[serde(default)]
    pub clients: Vec<String>,
}

/// OpenID Connect Core §2: `auth_time`, `amr` and `acr` of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub auth_time: i64,
    pub amr: Vec<AuthMethod>,
    pub acr: AuthLevel,
}

/// Where a session was last used from, for the user's account page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl SsoSession {
    /// Whether the session may still be used at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.min(self.idle_expires_at) > now
    }

    pub fn auth_time(&self) -> i64 {
        self.authentication.auth_time
    }
}

impl Entry for SsoSession {
    const KIND: EntryKind = EntryKind::Session;
    fn expires_at(&self) -> i64 {
        self.expires_at.min(self.idle_expires_at)
    }
    fn indexes(&self) -> Vec<IndexKey> {
        vec![IndexKey::new(IndexKind::UserSessions, &self.user_id)]
    }
}

/// The shared copy of a revoked access token's `jti` (the database holds
/// the durable one), kept until the token would have expired anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedToken {
    pub exp: i64,
}

impl Entry for DeniedToken {
    const KIND: EntryKind = EntryKind::DeniedToken;
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// A client assertion `jti` already accepted (RFC 7523 §3 item 7), under
/// `"{client_id}:{jti}"`, until the assertion could no longer be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedAssertion {
    pub expires_at: i64,
}

impl Entry for UsedAssertion {
    const KIND: EntryKind = EntryKind::UsedAssertion;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A device authorization (RFC 8628 §3.1–3.2) waiting for, or holding, the
/// user's answer. Stored under the SHA-256 of the device code, listed
/// under its user code ([`IndexKind::UserCode`]), and kept until
/// `forget_at` (past `expires_at`), so late polls hear `expired_token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAuthorization {
    pub client_id: String,
    pub scope: Scope,
    /// The user code, normalized (8 letters, no dash).
    pub user_code: String,
    /// Seconds the device must wait between polls (§3.5: `slow_down` adds 5).
    pub interval: u64,
    pub last_poll: Option<i64>,
    pub answer: DeviceAnswer,
    pub expires_at: i64,
    pub forget_at: i64,
}

/// What the user said about a device (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceAnswer {
    Pending,
    /// Approved in an SSO session, to which the tokens are bound.
    Approved {
        user_id: String,
        sid: String,
        authentication: Authentication,
    },
    Denied,
}

impl Entry for DeviceAuthorization {
    const KIND: EntryKind = EntryKind::DeviceAuthorization;
    /// The store keeps it past its own expiry, until `forget_at`.
    #[allow(clippy::misnamed_getters)]
    fn expires_at(&self) -> i64 {
        self.forget_at
    }
    fn indexes(&self) -> Vec<IndexKey> {
        vec![IndexKey::new(IndexKind::UserCode, &self.user_code)]
    }
}

/// The "Allow this device?" form as shown to one session's user, under a
/// random id the form carries; taken once by the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceApproval {
    /// The id of the [`DeviceAuthorization`] (SHA-256 of its device code).
    pub device_key: String,
    pub user_id: String,
    pub sid: String,
    /// The client's display name, for the answer's page.
    pub client_name: String,
    pub expires_at: i64,
}

impl Entry for DeviceApproval {
    const KIND: EntryKind = EntryKind::DeviceApproval;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// Guesses of a short code in the current window: device user codes from
/// one network address (RFC 8628 §5.1, under the address, IPv6: its /64),
/// and second-factor codes of one user (under `mfa:{user id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGuesses {
    pub attempts: u32,
    pub window_ends: i64,
}

impl Entry for CodeGuesses {
    const KIND: EntryKind = EntryKind::CodeGuesses;
    fn expires_at(&self) -> i64 {
        self.window_ends
    }
}

/// A sign-in to the admin console under way (its own authorization code
/// request with PKCE), under the SHA-256 of its `state`; taken once by the
/// callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleLogin {
    /// RFC 7636 §4.1: the secret half of the PKCE pair.
    pub code_verifier: String,
    pub nonce: String,
    /// The console page to go back to (a local `/admin` path only).
    pub return_to: String,
    pub expires_at: i64,
}

impl Entry for ConsoleLogin {
    const KIND: EntryKind = EntryKind::ConsoleLogin;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A person signed in to the admin console, under the SHA-256 of the
/// console cookie; lives as long as the access token it was opened with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub user_id: String,
    pub username: String,
    /// The SSO session the console was signed in through: when it ends,
    /// console access ends.
    pub sid: String,
    /// For RP-initiated logout (`id_token_hint`).
    pub id_token: String,
    /// The token every console form carries.
    pub csrf: String,
    /// The `exp` of the access token.
    pub expires_at: i64,
}

impl Entry for ConsoleSession {
    const KIND: EntryKind = EntryKind::ConsoleSession;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_type_has_its_own_kind() {
        let kinds = [
            CodeGrant::KIND,
            SpentCode::KIND,
            Interaction::KIND,
            SsoSession::KIND,
            DeniedToken::KIND,
            UsedAssertion::KIND,
            crate::protocol::dpop::UsedDpopProof::KIND,
            DeviceAuthorization::KIND,
            DeviceApproval::KIND,
            CodeGuesses::KIND,
            ConsoleLogin::KIND,
            ConsoleSession::KIND,
            crate::protocol::login_throttle::AccountFailures::KIND,
            crate::protocol::login_throttle::AddressFailures::KIND,
            crate::protocol::login_throttle::PageFailures::KIND,
            PendingSignIn::KIND,
            TotpEnrollment::KIND,
            PasskeyRegistration::KIND,
            PasskeySignIn::KIND,
            crate::protocol::links::MailQuota::KIND,
            crate::protocol::pushed_requests::PushedRequest::KIND,
        ];
        // Kinds of counters (`Ephemeral::increment`), which are no entries.
        let counters = [EntryKind::PendingLogins, EntryKind::RateLimit];
        let mut unique = kinds.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), kinds.len(), "two entry types share a kind: {kinds:?}");
        unique.extend(counters);
        unique.sort();
        assert_eq!(unique, EntryKind::ALL, "every kind belongs to an entry type or a counter");
    }

    #[test]
    fn members_name_their_entry() {
        let member = member_of(EntryKind::Session, "abc:def");
        assert_eq!(member, "session:abc:def");
        assert_eq!(parse_member(&member), Some((EntryKind::Session, "abc:def")));
        assert_eq!(parse_member("nonsense"), None);
        assert_eq!(parse_member("unknown:x"), None);
    }
}
