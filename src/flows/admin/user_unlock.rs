//! Lifting a sign-in lockout (NIST SP 800-63B §5.2.2): an operator lets a
//! user whose username is backing off or locked sign in again at once.

use super::{Actor, Admin, AdminError};
use crate::flows::login_guard::clear_account;
use crate::protocol::{AdminOp, UserRecord};

impl Admin {
    /// Forgets the failed sign-ins counted under the user's username,
    /// ending any back-off or lockout; audited as `user.unlock`. Counts
    /// per address stay: an attacker's address is not unlocked with the
    /// account. Unlocking an unlocked user changes nothing but the trail.
    pub async fn unlock_user(&self, by: &Actor, user_id: &str, now: i64) -> Result<UserRecord, AdminError> {
        let user = self.existing_user(user_id).await?;
        clear_account(&self.stores.ephemeral, &user.username).await?;
        let audited = by.audited(AdminOp::UserUnlock, user_id).user(user_id);
        self.stores.audit.record(audited, now).await?;
        tracing::info!(user_id, "sign-in unlocked");
        Ok(user)
    }
}
