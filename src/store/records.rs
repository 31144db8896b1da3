//! Plain records exchanged between the domain and the SQL store, free of
//! diesel types so domain code does not depend on the ORM. `Debug` is written
//! by hand so password and secret hashes never reach logs.

use std::fmt;

/// A local account. Times are Unix seconds.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// UUID v4 as text.
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("name", &self.name)
            .field("password_hash", &"[redacted]")
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A registered OAuth client (RFC 6749 §2). Times are Unix seconds.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    /// Hash of the client secret; `None` for public clients.
    pub secret_hash: Option<String>,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl fmt::Debug for ClientRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRecord")
            .field("client_id", &self.client_id)
            .field("secret_hash", &self.secret_hash.as_ref().map(|_| "[redacted]"))
            .field("public", &self.public)
            .field("redirect_uris", &self.redirect_uris)
            .field("post_logout_redirect_uris", &self.post_logout_redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_hashes() {
        let user = UserRecord {
            id: "u1".into(),
            username: "alice".into(),
            email: None,
            email_verified: false,
            name: None,
            password_hash: "$argon2id$secret".into(),
            disabled: false,
            created_at: 1,
            updated_at: 1,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("alice") && shown.contains("[redacted]"));
        assert!(!shown.contains("argon2id"), "{shown}");

        let client = ClientRecord {
            client_id: "app".into(),
            secret_hash: Some("$argon2id$secret".into()),
            public: false,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            scopes: vec![],
            created_at: 1,
            updated_at: 1,
        };
        let shown = format!("{client:?}");
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("argon2id"), "{shown}");
    }
}
