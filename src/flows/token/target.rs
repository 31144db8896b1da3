//! The resources (RFC 8707 §2) of a token request, shared by the grants:
//! `resource` values, narrowed within the grant's, registered and allowed
//! for the client, and what they mean for the access token (`aud`,
//! lifetime, algorithm, and which scopes it may carry). The rules are
//! `protocol::resources`'.

use crate::flows::resources::snapshot_for;
use crate::flows::token::TokenIssuer;
use crate::protocol::resources::{self, Registry, Target};
use crate::protocol::{ClientRecord, OAuthError, Params, Scope};

/// What a token request may be issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub target: Target,
    /// The scope, without scopes of resources the token is not for.
    pub scope: Scope,
}

impl TokenIssuer {
    /// The target of a request for `scope`. `granted` are the resources of
    /// the grant a code or refresh token stands for (the request may only
    /// narrow them); `None` for a client acting for itself, which may name
    /// any resource it is allowed.
    pub async fn resolve(
        &self,
        client: &ClientRecord,
        granted: Option<&[String]>,
        params: &Params,
        scope: &Scope,
    ) -> Result<Resolved, OAuthError> {
        let requested = resources::requested(params)?;
        let wanted = match granted {
            Some(granted) => resources::narrow(granted, requested)?,
            None => requested,
        };
        self.resolve_wanted(client, wanted, scope).await
    }

    /// The target of `wanted` resources, registered and allowed for the
    /// client.
    pub async fn resolve_wanted(
        &self,
        client: &ClientRecord,
        wanted: Vec<String>,
        scope: &Scope,
    ) -> Result<Resolved, OAuthError> {
        let all = snapshot_for(&self.resources, client, &wanted).await?;
        let registry = Registry::new(&all);
        // Also for a grant's own resources: the client may have lost one
        // since, or the resource may have been deleted.
        registry.check_allowed(client, &wanted)?;
        let target = registry.target(&wanted, self.keyring.current().algorithm())?;
        if let Some(sealing) = &target.sealed_for
            && !self.policy().encrypted_tokens
        {
            return Err(OAuthError::invalid_target(format!(
                "tokens for {} are encrypted, which is switched off on this server (encryption.enabled)",
                sealing.resource
            )));
        }
        Ok(Resolved { scope: registry.grantable_scope(scope, &wanted), target })
    }
}
