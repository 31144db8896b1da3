//! Email verification from the administrative side: a link goes out when a
//! user is created with an address or their address changes (unless the
//! operator marks it verified), and on request (`oxidp user
//! send-verification`, `POST /admin/api/v1/users/{id}/send-verification`).
//! Self-registration creates users here too, held from signing in until
//! they follow the link.

use super::users::{check_email, validate_name};
use super::{Actor, Admin, AdminError, NewUser};
use crate::accounts::users::normalize_username;
use crate::flows::links::LinkSender;
use crate::protocol::links::LinkPurpose;
use crate::protocol::{AdminOp, UserRecord};

/// What a self-registration came to. The page says the same for all.
#[derive(Debug)]
pub enum Registered {
    /// A new account, held until its address is verified.
    Created(Box<UserRecord>),
    /// The username is taken; nothing was written.
    UsernameTaken,
    /// These accounts already have the address; nothing was written.
    AddressTaken(Vec<UserRecord>),
}

impl Admin {
    /// Mails verification links (and the other link mails) through `sender`.
    pub fn with_links(mut self, sender: LinkSender) -> Admin {
        self.links = Some(sender);
        self
    }

    /// Sends a verification link for `user`'s unverified address, when
    /// mail is configured. A failure is logged: the change stands.
    pub(super) async fn verify_new_address(&self, user: &UserRecord, now: i64) {
        let Some(sender) = &self.links else { return };
        if user.email.is_none() || user.email_verified {
            return;
        }
        if let Err(e) = sender.send(LinkPurpose::Verify, user, false, now).await {
            tracing::error!(user_id = %user.id, error = %e, "could not send a verification link");
        }
    }

    /// Sends a new verification link to the user's address (verified or
    /// not: the operator asks for it). Unknown users and users without an
    /// address or disabled are bad input.
    pub async fn send_verification(&self, by: &Actor, user_id: &str, now: i64) -> Result<(), AdminError> {
        let user = self.find_user(user_id).await?;
        if user.email.is_none() {
            return Err(AdminError::invalid_field(
                "email",
                format!("user {:?} has no email address", user.username),
            ));
        }
        if user.disabled {
            return Err(AdminError::invalid(format!("user {:?} is disabled", user.username)));
        }
        let sender =
            self.links.as_ref().ok_or_else(|| AdminError::Internal("mail is not configured here".into()))?;
        sender.send(LinkPurpose::Verify, &user, false, now).await?;
        let audited = by.audited(AdminOp::UserSendVerification, &user.id).user(&user.id);
        self.stores.audit.record(audited, now).await?;
        Ok(())
    }

    /// Self-registration: checked like [`Admin::create_user`] first (so a
    /// taken username or address cannot be told from the answer to bad
    /// input), then created unless the username or address is taken, and
    /// held from signing in until the address is verified.
    pub async fn register_user(&self, new: NewUser, now: i64) -> Result<Registered, AdminError> {
        let username = normalize_username(&new.username).map_err(AdminError::field("username"))?;
        self.validate_password(&new.password)?;
        let Some(email) = new.email.clone() else {
            return Err(AdminError::invalid_field("email", "an email address is required"));
        };
        check_email(&email)?;
        if let Some(name) = &new.name {
            validate_name(name)?;
        }
        let owners = self.stores.links.users_by_email(&email).await?;
        if !owners.is_empty() {
            return Ok(Registered::AddressTaken(owners));
        }
        if self.stores.users.find_by_username(&username).await?.is_some() {
            return Ok(Registered::UsernameTaken);
        }
        let user = match self.create_user(&Actor::SelfService, new, now).await {
            Ok(user) => user,
            Err(AdminError::Conflict(_)) => return Ok(Registered::UsernameTaken),
            Err(e) => return Err(e),
        };
        match self.stores.links.hold(&user.id).await {
            Ok(_) => Ok(Registered::Created(Box::new(user))),
            Err(e) => {
                // Never leave an account that could sign in unverified.
                let audited = Actor::SelfService.audited(AdminOp::UserDelete, &user.id).user(&user.id);
                if let Err(e) = self.stores.users.delete_audited(&user.id, audited, now).await {
                    tracing::error!(user_id = %user.id, error = %e, "could not remove an unheld registration");
                }
                Err(e.into())
            }
        }
    }
}
