//! Consents (OIDC Core §3.1.2.4): what each user granted each client that
//! asks (`ConsentMode::Required`), read at every authorization of such a
//! client and written when the user answers the consent page.

use super::StoreError;
use super::sql::{self, Db};
use crate::protocol::{ConsentRecord, Scope};

#[derive(Clone)]
pub struct Consents {
    db: Db,
}

impl Consents {
    pub(super) fn new(db: Db) -> Consents {
        Consents { db }
    }

    pub async fn find(&self, user_id: &str, client_id: &str) -> Result<Option<ConsentRecord>, StoreError> {
        let (user, client) = (user_id.to_string(), client_id.to_string());
        self.db.run(move |c| sql::consents::find(c, &user, &client)).await
    }

    /// Adds `scope` to what the user granted the client.
    pub async fn grant(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &Scope,
        now: i64,
    ) -> Result<ConsentRecord, StoreError> {
        let (user, client, scope) = (user_id.to_string(), client_id.to_string(), scope.clone());
        self.db
            .run(move |c| sql::write_transaction(c, |c| sql::consents::grant(c, &user, &client, &scope, now)))
            .await
    }

    /// What the user granted, one record per client.
    pub async fn list_for_user(&self, user_id: &str) -> Result<Vec<ConsentRecord>, StoreError> {
        let user = user_id.to_string();
        self.db.run(move |c| sql::consents::list_for_user(c, &user)).await
    }
}
