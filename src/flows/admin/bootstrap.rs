//! `oxidp admin bootstrap`: the first administrators of an empty
//! deployment, so the admin API and console can be reached at all. A
//! person joins `oxidp-admins` (the console's sign-in rule); an automation
//! client gets `client_credentials` with `oxidp:admin`. Refused once the
//! deployment has an administrator: after that, use the API or console.

use super::client_spec::SecretSource;
use super::{Actor, Admin, AdminError, CreatedClient, NewClient, NewUser, PageRequest};
use crate::protocol::admin::{ADMIN_GROUP, ADMIN_SCOPE};
use crate::protocol::{AdminOp, GrantType, UserRecord};

/// Who to create: a person, an automation client, or both.
#[derive(Debug, Default)]
pub struct Bootstrap {
    /// A new user and their password.
    pub user: Option<(String, String)>,
    pub client_id: Option<String>,
}

pub struct Bootstrapped {
    pub user: Option<UserRecord>,
    /// With its secret, shown once.
    pub client: Option<CreatedClient>,
}

impl Admin {
    pub async fn bootstrap(
        &self,
        by: &Actor,
        request: Bootstrap,
        now: i64,
    ) -> Result<Bootstrapped, AdminError> {
        if request.user.is_none() && request.client_id.is_none() {
            return Err(AdminError::invalid("give --username, --client-id or both"));
        }
        if let Some(existing) = self.existing_administrator().await? {
            return Err(AdminError::Conflict(format!(
                "this deployment already has an administrator ({existing}); add more through the admin API or console"
            )));
        }
        let client = request.client_id.map(automation_client);
        if let Some(client) = &client {
            // Checked before the user is written, so bad input writes nothing.
            self.client_record(client.clone(), SecretSource::New, now)?;
            if self.find_client(&client.client_id).await.is_ok() {
                return Err(AdminError::Conflict(format!("client {:?} already exists", client.client_id)));
            }
        }
        let user = match request.user {
            Some((username, password)) => {
                let new =
                    NewUser { username, password, email: None, name: None, profile: Default::default() };
                Some(self.create_user(by, new, now).await?)
            }
            None => None,
        };
        if let Some(user) = &user {
            if self.find_group(ADMIN_GROUP).await.is_err() {
                let description = Some("Administrators: may sign in to the admin console".to_string());
                self.create_group(by, ADMIN_GROUP, description, now).await?;
            }
            self.add_member(by, ADMIN_GROUP, &user.id, now).await?;
        }
        let client = match client {
            Some(new) => Some(self.create_client(by, new, now).await?),
            None => None,
        };
        let target = user
            .as_ref()
            .map(|u| u.username.clone())
            .into_iter()
            .chain(client.as_ref().map(|c| c.client.client_id.clone()));
        self.stores
            .audit
            .record(by.audited(AdminOp::Bootstrap, &target.collect::<Vec<_>>().join(",")), now)
            .await?;
        Ok(Bootstrapped { user, client })
    }

    /// A member of `oxidp-admins` or an automation client registered for
    /// `oxidp:admin`.
    async fn existing_administrator(&self) -> Result<Option<String>, AdminError> {
        if self.find_group(ADMIN_GROUP).await.is_ok()
            && let Some(member) = self.group_members(ADMIN_GROUP).await?.first()
        {
            return Ok(Some(format!("user {:?}", member.username)));
        }
        let mut page = PageRequest { limit: Some(super::MAX_PAGE_SIZE), ..PageRequest::default() };
        loop {
            let clients = self.list_clients(&page).await?;
            // The console's own client asks for the scope for people; only
            // client_credentials makes a client an administrator itself.
            let automation = |c: &&crate::protocol::ClientRecord| {
                c.allows_scope(ADMIN_SCOPE) && c.allows_grant(GrantType::ClientCredentials)
            };
            if let Some(client) = clients.items.iter().find(automation) {
                return Ok(Some(format!("client {:?}", client.client_id)));
            }
            match clients.next {
                Some(next) => page.after = Some(next),
                None => return Ok(None),
            }
        }
    }
}

/// A confidential client for scripts: client_credentials, `oxidp:admin`,
/// a generated secret.
fn automation_client(client_id: String) -> NewClient {
    NewClient {
        client_id,
        name: Some("oxidp automation".into()),
        grant_types: vec![GrantType::ClientCredentials.to_string()],
        scopes: vec![ADMIN_SCOPE.into()],
        ..NewClient::default()
    }
}
