//! The words of administration: the scope that opens the admin API, the
//! group whose members may receive it, and the console's own client.

/// The scope an access token needs at `/admin/api/v1`. Clients get it
/// through client_credentials when it is among their scopes; people only
/// while they are members of [`ADMIN_GROUP`].
pub const ADMIN_SCOPE: &str = "oxidp:admin";

/// Members of this group may be granted [`ADMIN_SCOPE`] (the console).
pub const ADMIN_GROUP: &str = "oxidp-admins";

/// The client the admin console signs people in with (a public client
/// using the authorization code flow with PKCE, like Keycloak's
/// `security-admin-console`).
pub const CONSOLE_CLIENT_ID: &str = "oxidp-admin-console";
