//! What the user's groups decide at each issuance to a user (code,
//! refresh, device grants): whether the admin scope stays in the grant
//! (`protocol::admin::user_scope`), and the `groups` and `roles` claims
//! (RFC 9068 §2.2.3.1). Read from the database every time, so a change of
//! membership shows at the next refresh; not read at all when neither the
//! scope nor the client asks for groups.

use crate::flows::token::TokenIssuer;
use crate::protocol::claims::GroupClaims;
use crate::protocol::{ClientRecord, OAuthError, Scope, admin};

/// The scopes to issue, after the admin-scope rule, and the group claims.
pub struct Membership {
    /// The access token's scope.
    pub scope: Scope,
    /// The grant's scope, carried on by the next refresh token.
    pub grant_scope: Scope,
    pub claims: GroupClaims,
}

impl TokenIssuer {
    pub(super) async fn membership(
        &self,
        client: &ClientRecord,
        user_id: &str,
        scope: Scope,
        grant_scope: Scope,
    ) -> Result<Membership, OAuthError> {
        let prefix = client.role_claim.as_deref();
        if !GroupClaims::needed(&scope, prefix) && !GroupClaims::needed(&grant_scope, prefix) {
            return Ok(Membership { scope, grant_scope, claims: GroupClaims::default() });
        }
        let groups = self.groups.of_user(user_id).await?;
        let kept = admin::user_scope(&scope, &groups);
        if kept.is_empty() && !scope.is_empty() {
            return Err(OAuthError::invalid_scope("none of the requested scopes is allowed for this user"));
        }
        let claims = GroupClaims::of(&groups, &kept, prefix);
        Ok(Membership { grant_scope: admin::user_scope(&grant_scope, &groups), scope: kept, claims })
    }
}
