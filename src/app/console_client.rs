//! The admin console's own client (`protocol::admin::CONSOLE_CLIENT_ID`):
//! a public client using the code flow with PKCE, made at startup through
//! the admin operations (audited, with `system` as the actor), and kept in
//! step with the issuer: its redirect URIs follow it.

use crate::flows::admin::{Actor, Admin, AdminError, ClientUpdate, NewClient};
use crate::flows::console::{CONSOLE_SCOPE, HOME, redirect_uri};
use crate::protocol::admin::CONSOLE_CLIENT_ID;

/// What the console client must look like for `issuer`.
pub fn console_client(issuer: &str) -> NewClient {
    NewClient {
        client_id: CONSOLE_CLIENT_ID.to_string(),
        redirect_uris: vec![redirect_uri(issuer)],
        post_logout_redirect_uris: vec![format!("{issuer}{HOME}")],
        grant_types: vec!["authorization_code".into()],
        scopes: scopes(),
        public: true,
        name: Some("oxidp admin console".into()),
        consent: Some("implicit".into()),
        pkce: Some("required".into()),
        ..NewClient::default()
    }
}

fn scopes() -> Vec<String> {
    CONSOLE_SCOPE.split(' ').map(str::to_string).collect()
}

/// Creates the console client when it is missing, and brings its redirect
/// URIs and scopes back in step when the issuer (or an operator) changed
/// them.
pub async fn ensure_console_client(admin: &Admin, issuer: &str, now: i64) -> Result<(), AdminError> {
    let wanted = console_client(issuer);
    let current = match admin.find_client(CONSOLE_CLIENT_ID).await {
        Ok(current) => current,
        Err(AdminError::NotFound(_)) => {
            return match admin.create_client(&Actor::System, wanted, now).await {
                Ok(_) => {
                    tracing::info!(client_id = CONSOLE_CLIENT_ID, "created the admin console's client");
                    Ok(())
                }
                // Another instance starting at the same time made it.
                Err(AdminError::Conflict(_)) => Ok(()),
                Err(e) => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    let mut current_scopes = current.scopes.clone();
    current_scopes.sort();
    let mut wanted_scopes = scopes();
    wanted_scopes.sort();
    if current.redirect_uris == wanted.redirect_uris
        && current.post_logout_redirect_uris == wanted.post_logout_redirect_uris
        && current_scopes == wanted_scopes
    {
        return Ok(());
    }
    let update = ClientUpdate {
        redirect_uris: Some(wanted.redirect_uris),
        post_logout_redirect_uris: Some(wanted.post_logout_redirect_uris),
        scopes: Some(wanted.scopes),
        web_origins: Some(Vec::new()),
        ..ClientUpdate::default()
    };
    match admin.update_client(&Actor::System, CONSOLE_CLIENT_ID, update, Some(current.version), now).await {
        Ok(_) => {
            tracing::info!(
                client_id = CONSOLE_CLIENT_ID,
                "brought the admin console's client in step with the issuer"
            );
            Ok(())
        }
        // Another instance did it first.
        Err(AdminError::Stale(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
