//! The `sub` a client sees and the user behind it (OpenID Connect Core
//! §8): the [`Subjects`] rules with the client each token names.

use std::sync::Arc;

use crate::protocol::OAuthError;
use crate::protocol::logout::IdTokenHint;
use crate::protocol::subjects::{SubjectPolicy, Subjects};
use crate::protocol::tokens::AccessTokenClaims;
use crate::store::Clients;

#[derive(Clone)]
pub struct SubjectResolver {
    subjects: Arc<Subjects>,
    clients: Clients,
}

impl SubjectResolver {
    pub fn new(subjects: Arc<Subjects>, clients: Clients) -> SubjectResolver {
        SubjectResolver { subjects, clients }
    }

    pub fn subjects(&self) -> &Subjects {
        &self.subjects
    }

    /// The rule of the client `client_id` (`None`: no such client).
    pub async fn policy_of(&self, client_id: &str) -> Result<Option<SubjectPolicy>, OAuthError> {
        match self.clients.find_map(client_id, SubjectPolicy::of).await? {
            Some(policy) => policy.map(Some),
            None => Ok(None),
        }
    }

    /// The user an access token was issued for: `None` for a client's own
    /// token (`client_credentials`, no `auth_time`), a client that no
    /// longer exists, or a `sub` that is none of ours.
    pub async fn user_of_token(&self, claims: &AccessTokenClaims) -> Result<Option<String>, OAuthError> {
        if claims.auth_time.is_none() {
            return Ok(None);
        }
        let Some(policy) = self.policy_of(&claims.client_id).await? else { return Ok(None) };
        Ok(self.subjects.user_id(&policy, &claims.sub).map(|id| id.into_owned()))
    }

    /// Replaces the hint's `sub` with the user id it stands for, with the
    /// rule of the client the hint was issued to (its first `aud`: we
    /// issue one). A hint no client of ours can resolve names nobody (an
    /// empty `sub`), so it matches no session.
    pub async fn resolve_hint(&self, hint: &mut IdTokenHint) -> Result<(), OAuthError> {
        let policy = match hint.audience.first() {
            Some(client_id) => self.policy_of(client_id).await?,
            None => None,
        };
        let user_id =
            policy.and_then(|policy| self.subjects.user_id(&policy, &hint.sub).map(|id| id.into_owned()));
        hint.sub = user_id.unwrap_or_default();
        Ok(())
    }
}
