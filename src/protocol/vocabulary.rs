//! The protocol's words, one enum each (see `crate::vocabulary`): what
//! discovery advertises, what configuration, the CLI and registration
//! accept, and what rows store all derive from these lists.

use crate::vocabulary::vocabulary;

pub use crate::jose::SigningAlg;

vocabulary! {
    /// Grant types (RFC 6749 §4, §6; RFC 7591 §2 `grant_types`).
    pub enum GrantType("grant type") {
        AuthorizationCode => "authorization_code",
        RefreshToken => "refresh_token",
        ClientCredentials => "client_credentials",
        /// RFC 8628 §3.4: a device polls for the user's approval.
        DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        /// RFC 8693 §2.1: a service trades a user's token for one to call
        /// another service on the user's behalf.
        TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
    }
}

impl GrantType {
    /// Grants in which a client acts for itself and must prove it
    /// (RFC 6749 §4.4.2: "MUST only be used by confidential clients").
    pub fn needs_confidential_client(self) -> bool {
        match self {
            GrantType::ClientCredentials | GrantType::TokenExchange => true,
            GrantType::AuthorizationCode | GrantType::RefreshToken | GrantType::DeviceCode => false,
        }
    }
}

vocabulary! {
    /// Client authentication methods at the token endpoint (RFC 7591 §2,
    /// OpenID Connect Core §9).
    pub enum ClientAuthMethod("token endpoint auth method") {
        ClientSecretBasic => "client_secret_basic",
        ClientSecretPost => "client_secret_post",
        PrivateKeyJwt => "private_key_jwt",
        None => "none",
    }
}

impl ClientAuthMethod {
    /// Whether the method authenticates with a shared secret.
    pub fn uses_secret(self) -> bool {
        match self {
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost => true,
            ClientAuthMethod::PrivateKeyJwt | ClientAuthMethod::None => false,
        }
    }

    /// Whether a public client (RFC 6749 §2.1) may use the method.
    pub fn for_public_clients(self) -> bool {
        match self {
            ClientAuthMethod::None => true,
            ClientAuthMethod::ClientSecretBasic
            | ClientAuthMethod::ClientSecretPost
            | ClientAuthMethod::PrivateKeyJwt => false,
        }
    }
}

vocabulary! {
    /// Token type identifiers (RFC 8693 §3): what a token exchange is
    /// given and what it issues.
    pub enum TokenTypeUri("token type") {
        AccessToken => "urn:ietf:params:oauth:token-type:access_token",
        IdToken => "urn:ietf:params:oauth:token-type:id_token",
        RefreshToken => "urn:ietf:params:oauth:token-type:refresh_token",
        Jwt => "urn:ietf:params:oauth:token-type:jwt",
    }
}

vocabulary! {
    /// Subject identifier types (OpenID Connect Core §8, Registration §2
    /// `subject_type`).
    pub enum SubjectType("subject type") {
        /// The user's id, the same at every client.
        Public => "public",
        /// A different `sub` per sector (Core §8.1), so clients of
        /// different owners cannot correlate their users.
        Pairwise => "pairwise",
    }
}

vocabulary! {
    /// `client_assertion_type` values (RFC 7521 §4.2, RFC 7523 §2.2).
    pub enum ClientAssertionType("client assertion type") {
        JwtBearer => "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
}

vocabulary! {
    /// `response_type` values (RFC 6749 §3.1.1).
    pub enum ResponseType("response type") {
        Code => "code",
    }
}

vocabulary! {
    /// `response_mode` values (OAuth 2.0 Multiple Response Types §2.1,
    /// OAuth 2.0 Form Post Response Mode §2).
    pub enum ResponseMode("response mode") {
        Query => "query",
        FormPost => "form_post",
    }
}

vocabulary! {
    /// PKCE `code_challenge_method` values (RFC 7636 §4.3); `plain` is
    /// refused (RFC 9700 §2.1.1).
    pub enum CodeChallengeMethod("code challenge method") {
        S256 => "S256",
    }
}

vocabulary! {
    /// `prompt` values (OpenID Connect Core §3.1.2.1).
    pub enum Prompt("prompt value") {
        None => "none",
        Login => "login",
        Consent => "consent",
        SelectAccount => "select_account",
    }
}

vocabulary! {
    /// The steps of the browser interaction (`interaction::Policy`).
    pub enum PromptName("interaction prompt") {
        Login => "login",
        Consent => "consent",
        /// A second factor, after the password or to step up a session.
        Mfa => "mfa",
    }
}

vocabulary! {
    /// `token_type_hint` values (RFC 7009 §2.1, RFC 7662 §2.1).
    pub enum TokenTypeHint("token type hint") {
        AccessToken => "access_token",
        RefreshToken => "refresh_token",
    }
}

vocabulary! {
    /// `token_type` in token and introspection responses (RFC 6749 §7.1,
    /// RFC 7662 §2.2).
    pub enum TokenType("token type") {
        Bearer => "Bearer",
        /// RFC 9449 §5: an access token bound to a DPoP key.
        Dpop => "DPoP",
        RefreshToken => "refresh_token",
    }
}

vocabulary! {
    /// Scope values with a meaning of their own (OpenID Connect Core §5.4, §11).
    pub enum StandardScope("scope") {
        OpenId => "openid",
        Profile => "profile",
        Email => "email",
        OfflineAccess => "offline_access",
        /// The names of the user's groups (the `groups` claim).
        Groups => "groups",
        /// OIDC Core §5.4: the postal address.
        Address => "address",
        /// OIDC Core §5.4: the phone number and whether it is verified.
        Phone => "phone",
    }
}

impl StandardScope {
    /// What granting the scope means, in plain words, for the consent page.
    pub fn description(self) -> &'static str {
        match self {
            StandardScope::OpenId => "Know who you are (your account identifier)",
            StandardScope::Profile => "See your name, username and profile",
            StandardScope::Email => "See your email address",
            StandardScope::OfflineAccess => "Keep access while you are not signed in",
            StandardScope::Groups => "See the groups you belong to",
            StandardScope::Address => "See your postal address",
            StandardScope::Phone => "See your phone number",
        }
    }

    /// Scopes about a user: meaningless for a client acting for itself.
    pub fn is_about_a_user(self) -> bool {
        match self {
            StandardScope::OpenId
            | StandardScope::Profile
            | StandardScope::Email
            | StandardScope::OfflineAccess
            | StandardScope::Groups
            | StandardScope::Address
            | StandardScope::Phone => true,
        }
    }
}

vocabulary! {
    /// The lifecycle of a signing key: published before it signs, signing,
    /// published until its tokens have expired.
    pub enum KeyState("key state") {
        Next => "next",
        Active => "active",
        Retired => "retired",
    }
}

vocabulary! {
    /// Kinds of audit events.
    pub enum AuditKind("audit event kind") {
        /// A rotated refresh token was presented again (RFC 9700 §4.14.2).
        RefreshTokenReuse => "refresh_token_reuse",
        /// An authorization code was presented again (RFC 6749 §4.1.2).
        CodeReplay => "code_replay",
        /// A client revoked a token (RFC 7009).
        TokenRevoked => "token_revoked",
        /// A client exchanged a user's token for one to call another
        /// service (RFC 8693); the detail names the subject token's client,
        /// the actor and the audience.
        TokenExchanged => "token_exchanged",
        /// An SSO session ended and took its tokens with it.
        SessionEnded => "session_ended",
        /// A logout token was delivered, or given up on (Back-Channel
        /// Logout 1.0 §2.5); the detail says which.
        BackchannelLogout => "backchannel_logout",
        /// A user withdrew a consent; the client's refresh tokens for them died.
        ConsentWithdrawn => "consent_withdrawn",
        /// A user changed their password; their other sessions ended.
        PasswordChanged => "password_changed",
        /// A user approved a device (RFC 8628 §3.3); the detail names the scope.
        DeviceApproved => "device_approved",
        /// A user refused a device (RFC 8628 §3.3).
        DeviceDenied => "device_denied",
        /// An address used up its wrong user-code guesses (RFC 8628 §5.1).
        DeviceCodeGuessing => "device_code_guessing",
        /// A user signed in; the detail names the method, address and user agent.
        LoginSucceeded => "login_succeeded",
        /// A sign-in failed (wrong password, unknown or disabled account);
        /// the detail holds the address and user agent, never the password.
        LoginFailed => "login_failed",
        /// Too many failed sign-ins locked an account key or an address
        /// for `login.lockout` (NIST SP 800-63B §5.2.2); once per lockout.
        LoginLocked => "login_locked",
        /// A user approved a client's request for their data.
        ConsentGranted => "consent_granted",
        /// A user refused a client's request.
        ConsentDenied => "consent_denied",
        /// A signing key was rotated (by an operator or on schedule).
        KeyRotated => "key_rotated",
        /// An operator changed something (CLI, admin API or console); the
        /// detail names the action and target, with before/after for updates.
        AdminAction => "admin_action",
        /// A user set up a second factor (TOTP), or got new recovery codes.
        MfaEnrolled => "mfa_enrolled",
        /// A user's second factors were removed (by them or an operator).
        MfaRemoved => "mfa_removed",
        /// A second factor was verified; the detail names the method.
        MfaSucceeded => "mfa_succeeded",
        /// A wrong (or replayed) second-factor code.
        MfaFailed => "mfa_failed",
        /// A mail could not be sent (SMTP refused, unreachable, queue
        /// full); the detail names its purpose and user, never the link.
        MailFailed => "mail_failed",
        /// A user set a new password through a reset link; their sessions ended.
        PasswordReset => "password_reset",
        /// A user proved their email address through a verification link.
        EmailVerified => "email_verified",
        /// A user registered a passkey (WebAuthn).
        PasskeyAdded => "passkey_added",
        /// A user removed one of their passkeys.
        PasskeyRemoved => "passkey_removed",
    }
}

vocabulary! {
    /// What an operator did (the `action` of an `admin_action` audit event).
    pub enum AdminOp("admin action") {
        ClientCreate => "client.create",
        ClientUpdate => "client.update",
        ClientDelete => "client.delete",
        ClientRotateSecret => "client.rotate_secret",
        ResourceCreate => "resource.create",
        ResourceDelete => "resource.delete",
        UserCreate => "user.create",
        UserUpdate => "user.update",
        UserSetPassword => "user.set_password",
        UserDisable => "user.disable",
        UserEnable => "user.enable",
        UserDelete => "user.delete",
        UserUnlock => "user.unlock",
        UserResetMfa => "user.reset_mfa",
        UserSendVerification => "user.send_verification",
        GroupCreate => "group.create",
        GroupDelete => "group.delete",
        GroupAddMember => "group.add_member",
        GroupRemoveMember => "group.remove_member",
        SessionEnd => "session.end",
        SessionEndAll => "session.end_all",
        ConsentRevoke => "consent.revoke",
        KeysRotate => "keys.rotate",
        KeysImport => "keys.import",
        Bootstrap => "admin.bootstrap",
        /// An initial access token for dynamic registration (RFC 7591 §3).
        RegistrationTokenCreate => "registration_token.create",
        RegistrationTokenRevoke => "registration_token.revoke",
    }
}

vocabulary! {
    /// Whether a client asks users before it receives their data (OpenID
    /// Connect Core §3.1.2.4).
    pub enum ConsentMode("consent mode") {
        /// An application of the operator's: no consent page.
        Implicit => "implicit",
        /// A third-party application: the user decides, once per scope.
        Required => "required",
    }
}

vocabulary! {
    /// Whether a client must use PKCE (RFC 7636) in the code flow. Required
    /// for every client unless a confidential one opts out (RFC 9700
    /// §2.1.1: mandatory for public clients, recommended for all).
    pub enum PkcePolicy("PKCE policy") {
        Required => "required",
        /// Confidential clients only: PKCE is checked when used.
        Optional => "optional",
    }
}

vocabulary! {
    /// Authentication method references (`amr`, RFC 8176 §2).
    pub enum AuthMethod("authentication method") {
        /// Password-based authentication.
        Password => "pwd",
        /// A one-time password: TOTP (RFC 6238) or a recovery code.
        Otp => "otp",
        /// Proof of possession of a hardware-secured key: a device-bound
        /// passkey (WebAuthn, backup-ineligible).
        HardwareKey => "hwk",
        /// Proof of possession of a software-secured key: a synced passkey
        /// (WebAuthn, backup-eligible), which leaves the device.
        SoftwareKey => "swk",
        /// A user presence test (WebAuthn's UP flag; the authenticator also
        /// verified the user, UV, which webauthn-rs requires for passkeys).
        UserPresence => "user",
        /// Multiple-factor authentication (more than one of the above).
        Mfa => "mfa",
    }
}

vocabulary! {
    /// Authentication context class references (`acr`, OpenID Connect Core
    /// §2) this server can satisfy, as levels of assurance.
    pub enum AuthLevel("acr value") {
        /// One factor: the user's password.
        SingleFactor => "1",
        /// Two factors: the password and a second factor (TOTP, recovery
        /// code, passkey), or a passkey alone (possession and the
        /// authenticator's user verification).
        MultiFactor => "2",
    }
}

vocabulary! {
    /// Why an SSO session ended (the `reason` of its audit event).
    pub enum SessionEndReason("session end reason") {
        /// The user logged out (RP-Initiated Logout, or the account page).
        Logout => "logout",
        /// Another user logged in with the same browser.
        OtherUser => "other_user_login",
        /// An administrator ended it.
        Admin => "admin",
        /// The user was disabled or deleted.
        UserGone => "user_disabled_or_deleted",
        /// The user changed their password in another session.
        PasswordChanged => "password_changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_registered_strings() {
        assert_eq!(
            GrantType::words(),
            [
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ]
        );
        assert_eq!(
            "private_key_jwt".parse::<ClientAuthMethod>(),
            Ok(ClientAuthMethod::PrivateKeyJwt),
            "RFC 7591 spelling"
        );
        assert!("plain".parse::<CodeChallengeMethod>().is_err());
        assert_eq!(KeyState::Retired.to_string(), "retired");
    }

    #[test]
    fn public_clients_use_none_and_only_secret_methods_use_secrets() {
        let public: Vec<_> = ClientAuthMethod::ALL.iter().filter(|m| m.for_public_clients()).collect();
        assert_eq!(public, [&ClientAuthMethod::None]);
        assert!(ClientAuthMethod::ClientSecretPost.uses_secret());
        assert!(!ClientAuthMethod::PrivateKeyJwt.uses_secret());
    }
}
