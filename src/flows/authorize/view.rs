//! What the pages of an interaction show (`web::interaction` renders it).

use crate::flows::second_factor::{Enrollment, SecondFactor};
use crate::protocol::entries::Interaction;
use crate::protocol::interaction::PromptName;

/// What a page of the interaction shows, and the id it posts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionView {
    pub id: String,
    pub prompt: PromptName,
    pub client_id: String,
    /// The client's display name (its id when it has none).
    pub client_name: String,
    /// The client's `logo_uri` (OIDC Dynamic Client Registration §2).
    pub client_logo: Option<String>,
    /// The request's `ui_locales`, for the pages' language.
    pub ui_locales: Vec<String>,
    /// The scopes requested, for the consent page.
    pub scopes: Vec<String>,
    pub login_hint: Option<String>,
    /// The MFA prompt's page, when that is the prompt.
    pub mfa: Option<MfaView>,
    /// The login page offers signing in with a passkey.
    pub passkeys: bool,
}

/// What the second-factor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MfaView {
    /// The user has no second factor yet: the secret to set up.
    pub enrollment: Option<Enrollment>,
    /// Set up just now: the recovery codes, shown this once, and a button
    /// to carry on.
    pub recovery_codes: Vec<String>,
    /// The user has TOTP (the page asks for a code and offers recovery codes).
    pub totp: bool,
    /// The user has a passkey (the page offers it).
    pub passkey: bool,
}

impl InteractionView {
    /// The page of `interaction`, stored under `id`.
    pub fn of(id: &str, interaction: &Interaction, second_factor: &SecondFactor) -> InteractionView {
        let mfa = interaction.mfa.as_ref().map(|step| MfaView {
            enrollment: step
                .enrolling
                .as_deref()
                .filter(|_| !step.done)
                .and_then(|secret| second_factor.enrollment(secret, &step.account)),
            recovery_codes: Vec::new(),
            totp: step.totp,
            passkey: step.passkey,
        });
        InteractionView {
            id: id.to_string(),
            prompt: interaction.prompt,
            client_id: interaction.request.client_id.clone(),
            client_name: interaction.client_name.clone(),
            client_logo: interaction.client_logo.clone(),
            ui_locales: interaction.request.ui_locales.clone(),
            scopes: interaction.request.consent_scope().iter().map(str::to_string).collect(),
            login_hint: interaction.request.login_hint.clone(),
            mfa,
            passkeys: second_factor.passkeys().available(),
        }
    }
}
