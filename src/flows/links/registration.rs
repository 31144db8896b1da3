//! Self-registration (`accounts.registration`): a new account, held from
//! signing in until its address is verified. The answer is the same
//! "check your email" whether the username or address was free or taken,
//! so the form tells no one which accounts exist; the owner of a taken
//! address gets a note instead of a link. Registrations are capped per
//! network address and hour.

use super::AccountLinkFlow;
use crate::flows::admin::{AdminError, NewUser, Registered};
use crate::protocol::OAuthError;

/// Registrations per network address are counted per hour.
const HOUR: i64 = 3600;

/// The sign-up form.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub confirmation: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// "Check your email" (created, or taken: the same page).
    CheckEmail,
    /// Bad input; `field` names the input when one is to blame.
    Invalid { field: Option<&'static str>, message: String },
    /// Too many registrations from this address this hour.
    TooMany,
    /// The two passwords differ.
    Mismatch,
}

impl AccountLinkFlow {
    pub async fn register(
        &self,
        form: Registration,
        ip: Option<&str>,
        now: i64,
    ) -> Result<RegisterOutcome, OAuthError> {
        if form.password != form.confirmation {
            return Ok(RegisterOutcome::Mismatch);
        }
        let bucket = format!("register:{}", ip.unwrap_or("unknown"));
        let limit = self.sender.policy().registrations_per_hour;
        if !self.sender.quota.take(&bucket, limit, HOUR, now).await? {
            return Ok(RegisterOutcome::TooMany);
        }
        let name = Some(form.name.trim().to_string()).filter(|n| !n.is_empty());
        let email = form.email.trim().to_string();
        let new = NewUser {
            username: form.username.trim().to_string(),
            password: form.password,
            email: Some(email).filter(|e| !e.is_empty()),
            name,
            profile: Default::default(),
        };
        match self.admin.register_user(new, now).await {
            Ok(Registered::Created(user)) => {
                tracing::info!(user_id = %user.id, "self-registration");
                Ok(RegisterOutcome::CheckEmail)
            }
            Ok(Registered::UsernameTaken) => {
                tracing::info!("self-registration with a taken username; nothing sent");
                Ok(RegisterOutcome::CheckEmail)
            }
            Ok(Registered::AddressTaken(owners)) => {
                for owner in owners.iter().filter(|o| !o.disabled) {
                    self.sender.send_registration_attempt(owner, now).await?;
                }
                Ok(RegisterOutcome::CheckEmail)
            }
            Err(AdminError::Invalid { field, message }) => Ok(RegisterOutcome::Invalid { field, message }),
            Err(e) => {
                tracing::error!(error = %e, "self-registration failed");
                Err(OAuthError::server_error("internal error"))
            }
        }
    }
}
