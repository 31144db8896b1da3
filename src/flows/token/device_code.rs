//! The device code grant (RFC 8628 §3.4–3.5): a device polls with its
//! device code. Each poll moves the entry's `last_poll` by compare-and-swap
//! (`slow_down` also lengthens its interval); an approved one is taken
//! with one atomic take, so it yields tokens exactly once across every
//! instance. The tokens are bound to the SSO session the user approved in,
//! as in the code flow.

use std::sync::Arc;

use crate::crypto::{secret_digest, time_ordered_id};
use crate::flows::sessions::Sessions;
use crate::flows::token::TokenIssuer;
use crate::flows::token::issue::{UserGrant, refresh_binding};
use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::device::{self, Poll};
use crate::protocol::entries::{DeviceAnswer, DeviceAuthorization, Entry, IndexKey, IndexKind, member_of};
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{ClientRecord, GrantType, OAuthError, Params};
use crate::store::{Ephemeral, Grants, Users};

/// Compare-and-swap attempts when concurrent polls change the entry.
const CAS_ATTEMPTS: usize = 4;

pub struct DeviceCodeGrant {
    ephemeral: Ephemeral,
    users: Users,
    grants: Grants,
    sessions: Sessions,
    issuer: Arc<TokenIssuer>,
}

impl DeviceCodeGrant {
    pub fn new(
        ephemeral: Ephemeral,
        users: Users,
        grants: Grants,
        sessions: Sessions,
        issuer: Arc<TokenIssuer>,
    ) -> DeviceCodeGrant {
        DeviceCodeGrant { ephemeral, users, grants, sessions, issuer }
    }

    /// §3.4: one poll.
    pub async fn poll(
        &self,
        client: &ClientRecord,
        params: &Params,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows_grant(GrantType::DeviceCode) {
            return Err(OAuthError::unauthorized_client("client may not use the device authorization grant"));
        }
        let key = secret_digest(params.require("device_code")?);
        for _ in 0..CAS_ATTEMPTS {
            let Some(entry) = self.ephemeral.get::<DeviceAuthorization>(&key).await? else {
                return Err(unknown());
            };
            match device::poll(&entry, &client.client_id, now)? {
                Poll::Wait { next, error } => {
                    if self.ephemeral.swap(&key, &entry, &next, now).await? {
                        return Err(error);
                    }
                }
                Poll::Issue => return self.issue(client, params, &key, dpop_jkt, now).await,
            }
        }
        // Other polls of the same code kept winning: this one was too fast.
        Err(OAuthError::slow_down("concurrent polls of one device code"))
    }

    /// Takes the approved authorization (single use) and issues the tokens.
    async fn issue(
        &self,
        client: &ClientRecord,
        params: &Params,
        key: &str,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        let Some(taken) = self.ephemeral.take::<DeviceAuthorization>(key).await? else {
            return Err(unknown());
        };
        let index = IndexKey::new(IndexKind::UserCode, &taken.user_code);
        self.ephemeral.remove_from_index(&index, &member_of(DeviceAuthorization::KIND, key)).await?;
        let DeviceAnswer::Approved { user_id, sid, authentication } = &taken.answer else {
            return Err(unknown());
        };
        if self.sessions.find_by_sid(sid, now).await?.is_none() {
            return Err(OAuthError::invalid_grant("the session the device was approved in has ended"));
        }
        let user = self
            .users
            .find_active(user_id)
            .await?
            .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists or is disabled"))?;
        // The device authorization names no resource (RFC 8628 §3.1), so
        // its tokens are for the default audience.
        let resolved = self.issuer.resolve(client, Some(&[]), params, &taken.scope).await?;
        let membership =
            self.issuer.membership(client, &user.id, resolved.scope, taken.scope.clone()).await?;
        let family_id = time_ordered_id(now);
        let lifetimes = self.issuer.lifetimes(client);
        let issued = self.issuer.user_tokens(
            client,
            &UserGrant {
                user: &user,
                scope: &membership.scope,
                grant_scope: &membership.grant_scope,
                sid,
                auth_time: authentication.auth_time,
                acr: Some(authentication.acr),
                amr: &authentication.amr,
                nonce: None,
                family_id: &family_id,
                family_expires_at: now + lifetimes.refresh_absolute as i64,
                target: &resolved.target,
                grant_resources: &[],
                group_claims: &membership.claims,
                dpop_jkt,
                refresh_jkt: refresh_binding(client, dpop_jkt),
                claims: &RequestedClaims::default(),
            },
            now,
        )?;
        if let Some(record) = issued.refresh_token {
            self.grants.insert(record).await?;
        }
        tracing::info!(client_id = %client.client_id, user_id = %user.id, "device authorized");
        Ok(issued.response)
    }
}

fn unknown() -> OAuthError {
    OAuthError::invalid_grant("the device code is invalid or was already used")
}
