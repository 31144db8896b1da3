//! The admin console's own client (`protocol::admin::CONSOLE_CLIENT_ID`):
//! a public client using the code flow with PKCE, created at startup
//! through the admin operations, so its creation is audited like any other.

use crate::flows::admin::{Admin, AdminError, NewClient};
use crate::flows::console::{CONSOLE_SCOPE, HOME, redirect_uri};
use crate::protocol::admin::CONSOLE_CLIENT_ID;

/// What the console client must look like for `issuer`.
pub fn console_client(issuer: &str) -> NewClient {
    NewClient {
        client_id: CONSOLE_CLIENT_ID.to_string(),
        redirect_uris: vec![redirect_uri(issuer)],
        post_logout_redirect_uris: vec![format!("{issuer}{HOME}")],
        grant_types: vec!["authorization_code".into()],
        scopes: CONSOLE_SCOPE.split(' ').map(str::to_string).collect(),
        public: true,
        name: Some("oxidp admin console".into()),
        consent: Some("implicit".into()),
        pkce: Some("required".into()),
        ..NewClient::default()
    }
}

/// Creates the console client when it is missing.
pub async fn ensure_console_client(admin: &Admin, issuer: &str, now: i64) -> Result<(), AdminError> {
    match admin.create_client(console_client(issuer), now).await {
        Ok(_) => {
            tracing::info!(client_id = CONSOLE_CLIENT_ID, "created the admin console's client");
            Ok(())
        }
        // Another instance (or an earlier start) made it.
        Err(AdminError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
