//! The words of administration: the scope that opens the admin API, the
//! group whose members may receive it, and the console's own client; the
//! rules for group names and for who may hold the admin scope.

use crate::protocol::Scope;

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

/// The longest group name.
pub const MAX_GROUP_NAME_LEN: usize = 100;

/// Whether every character may appear in a group name (or a client's
/// role prefix): letters, digits and `. _ : -`, so that names need no
/// escaping in claims, URLs or scope-like strings.
fn is_group_name_text(raw: &str) -> bool {
    raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A group name: 1 to 100 characters of `[A-Za-z0-9._:-]`.
pub fn validate_group_name(raw: &str) -> Result<(), String> {
    if raw.is_empty() || raw.len() > MAX_GROUP_NAME_LEN || !is_group_name_text(raw) {
        return Err(format!(
            "group name {raw:?} must be 1 to {MAX_GROUP_NAME_LEN} characters of letters, digits and . _ : -"
        ));
    }
    Ok(())
}

/// A client's role prefix (`--role-claim`): what group names must start
/// with to become roles; non-empty, group-name characters.
pub fn validate_role_prefix(raw: &str) -> Result<(), String> {
    if raw.is_empty() || raw.len() > MAX_GROUP_NAME_LEN || !is_group_name_text(raw) {
        return Err(format!(
            "role claim prefix {raw:?} must be 1 to {MAX_GROUP_NAME_LEN} characters of letters, digits and . _ : -"
        ));
    }
    Ok(())
}

/// Whether a token for a user may carry [`ADMIN_SCOPE`]: only while the
/// user is a member of [`ADMIN_GROUP`] (`groups` as the database has them
/// now, at each issuance, refresh included).
pub fn may_hold_admin_scope(groups: &[String]) -> bool {
    groups.iter().any(|g| g == ADMIN_GROUP)
}

/// `scope` without [`ADMIN_SCOPE`] unless the user may hold it: left out
/// like any scope the user may not have (RFC 6749 §3.3), so the token
/// response's `scope` says what was granted.
pub fn user_scope(scope: &Scope, groups: &[String]) -> Scope {
    if !scope.contains(ADMIN_SCOPE) || may_hold_admin_scope(groups) {
        return scope.clone();
    }
    scope.filter(|s| s != ADMIN_SCOPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_are_short_and_plain() {
        for ok in ["oxidp-admins", "app1:admin", "a", "team.ops_2", &"x".repeat(100)] {
            assert!(validate_group_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "é", "a/b", "a,b", &"x".repeat(101)] {
            assert!(validate_group_name(bad).is_err(), "{bad}");
        }
        assert!(validate_role_prefix("app1:").is_ok());
        assert!(validate_role_prefix("").is_err() && validate_role_prefix("app 1").is_err());
    }

    #[test]
    fn the_admin_scope_needs_the_admin_group() {
        let scope = Scope::parse("openid oxidp:admin profile").unwrap();
        assert_eq!(user_scope(&scope, &[]).to_string(), "openid profile");
        assert_eq!(user_scope(&scope, &["other".into()]).to_string(), "openid profile");
        assert_eq!(user_scope(&scope, &[ADMIN_GROUP.into()]), scope);
        let plain = Scope::parse("openid").unwrap();
        assert_eq!(user_scope(&plain, &[]), plain);
    }
}
