//! Changing a registered client: the change is applied to the client's
//! description and checked exactly as a new client would be, then written
//! only if nobody changed the client meanwhile (optimistic concurrency on
//! its `version`: a lost update is refused, never silently made).

use super::client_spec::SecretSource;
use super::clients::{client_summary, no_client};
use super::{Actor, Admin, AdminError, NewClient, changed};
use crate::protocol::{AdminOp, ClientRecord};

/// The fields to change; `None` leaves a field as it is, `Some(None)`
/// clears an optional one. The client id, its type (public or
/// confidential) and its secret are not changed here (see
/// `rotate_client_secret`).
#[derive(Debug, Default, Clone)]
pub struct ClientUpdate {
    pub name: Option<Option<String>>,
    pub logo_uri: Option<Option<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub token_endpoint_auth_method: Option<String>,
    pub jwks: Option<Option<String>>,
    pub jwks_uri: Option<Option<String>>,
    pub resources: Option<Vec<String>>,
    pub access_token_ttl: Option<Option<i64>>,
    pub refresh_token_idle_ttl: Option<Option<i64>>,
    pub refresh_token_absolute_ttl: Option<Option<i64>>,
    pub id_token_signed_response_alg: Option<Option<String>>,
    pub consent: Option<String>,
    pub backchannel_logout_uri: Option<Option<String>>,
    pub backchannel_logout_session_required: Option<bool>,
    pub frontchannel_logout_uri: Option<Option<String>>,
    pub frontchannel_logout_session_required: Option<bool>,
    /// An empty list means "the origins of the redirect URIs".
    pub web_origins: Option<Vec<String>>,
    pub pkce: Option<String>,
    pub refresh_reuse_leeway: Option<i64>,
    pub role_claim: Option<Option<String>>,
    pub require_mfa: Option<bool>,
    pub require_pushed_requests: Option<bool>,
    pub require_signed_request_object: Option<bool>,
    pub require_dpop: Option<bool>,
    /// `public` or `pairwise` (OIDC Core §8).
    pub subject_type: Option<String>,
    pub sector_identifier_uri: Option<Option<String>>,
    /// Replaces the list (RFC 8693); an empty list clears it.
    pub token_exchange_from: Option<Vec<String>>,
    /// Response encryption and UserInfo signing (OIDC Registration §2);
    /// `Some(None)` clears one.
    pub id_token_encrypted_response_alg: Option<Option<String>>,
    pub id_token_encrypted_response_enc: Option<Option<String>>,
    pub userinfo_signed_response_alg: Option<Option<String>>,
    pub userinfo_encrypted_response_alg: Option<Option<String>>,
    pub userinfo_encrypted_response_enc: Option<Option<String>>,
}

/// An updated client, and a new secret when the change of
/// `token_endpoint_auth_method` made one necessary (shown once).
pub struct UpdatedClient {
    pub client: ClientRecord,
    pub secret: Option<String>,
}

impl ClientUpdate {
    fn apply(self, mut new: NewClient) -> NewClient {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        set(&mut new.name, self.name);
        set(&mut new.logo_uri, self.logo_uri);
        set(&mut new.redirect_uris, self.redirect_uris);
        set(&mut new.post_logout_redirect_uris, self.post_logout_redirect_uris);
        set(&mut new.grant_types, self.grant_types);
        set(&mut new.scopes, self.scopes);
        set(&mut new.token_endpoint_auth_method, self.token_endpoint_auth_method.map(Some));
        set(&mut new.jwks, self.jwks);
        set(&mut new.jwks_uri, self.jwks_uri);
        set(&mut new.resources, self.resources);
        set(&mut new.access_token_ttl, self.access_token_ttl);
        set(&mut new.refresh_token_idle_ttl, self.refresh_token_idle_ttl);
        set(&mut new.refresh_token_absolute_ttl, self.refresh_token_absolute_ttl);
        set(&mut new.id_token_signed_response_alg, self.id_token_signed_response_alg);
        set(&mut new.consent, self.consent.map(Some));
        set(&mut new.backchannel_logout_uri, self.backchannel_logout_uri);
        set(&mut new.backchannel_logout_session_required, self.backchannel_logout_session_required);
        set(&mut new.frontchannel_logout_uri, self.frontchannel_logout_uri);
        set(&mut new.frontchannel_logout_session_required, self.frontchannel_logout_session_required);
        set(&mut new.web_origins, self.web_origins);
        set(&mut new.pkce, self.pkce.map(Some));
        set(&mut new.refresh_reuse_leeway, self.refresh_reuse_leeway.map(Some));
        set(&mut new.role_claim, self.role_claim);
        set(&mut new.require_mfa, self.require_mfa);
        set(&mut new.require_pushed_requests, self.require_pushed_requests);
        set(&mut new.require_signed_request_object, self.require_signed_request_object);
        set(&mut new.require_dpop, self.require_dpop);
        set(&mut new.subject_type, self.subject_type.map(Some));
        set(&mut new.sector_identifier_uri, self.sector_identifier_uri);
        set(&mut new.token_exchange_from, self.token_exchange_from);
        set(&mut new.id_token_encrypted_response_alg, self.id_token_encrypted_response_alg);
        set(&mut new.id_token_encrypted_response_enc, self.id_token_encrypted_response_enc);
        set(&mut new.userinfo_signed_response_alg, self.userinfo_signed_response_alg);
        set(&mut new.userinfo_encrypted_response_alg, self.userinfo_encrypted_response_alg);
        set(&mut new.userinfo_encrypted_response_enc, self.userinfo_encrypted_response_enc);
        new
    }
}

impl Admin {
    /// Applies `update` to the client. With `expected_version` (the
    /// admin API's `If-Match`), a client at another version is `Stale`;
    /// without it, the change is made to the version just read, and a
    /// concurrent change makes it `Stale` too rather than undoing that
    /// change. Bad input is `Invalid` naming the field; nothing is written
    /// on any error.
    pub async fn update_client(
        &self,
        by: &Actor,
        client_id: &str,
        update: ClientUpdate,
        expected_version: Option<i64>,
        now: i64,
    ) -> Result<UpdatedClient, AdminError> {
        let current = self.find_client(client_id).await?;
        if expected_version.is_some_and(|expected| expected != current.version) {
            return Err(stale(&current));
        }
        let described = update.apply(NewClient::describing(&current));
        let keep = SecretSource::Keep(current.secret_hash.clone());
        let (mut client, secret) = self.client_record(described, keep, now)?;
        client.created_at = current.created_at;
        client.version = current.version + 1;
        // The sector document is read again when what it vouches for
        // changed, so renaming a client does not depend on its sector
        // host being up.
        if client.subject_type != current.subject_type
            || client.sector_identifier_uri != current.sector_identifier_uri
            || client.redirect_uris != current.redirect_uris
        {
            self.check_sector(&client).await?;
        }
        // Likewise the client's keys, when the encryption or where its keys
        // are read from changed.
        if client.id_token_encryption != current.id_token_encryption
            || client.userinfo_encryption != current.userinfo_encryption
            || client.jwks_uri != current.jwks_uri
        {
            self.check_encryption_keys(&client).await?;
        }
        let audited = changed(
            by.audited(AdminOp::ClientUpdate, client_id).client(client_id),
            client_summary(&current),
            client_summary(&client),
        );
        if self.stores.clients.replace(client.clone(), current.version, audited, now).await? {
            return Ok(UpdatedClient { client, secret });
        }
        match self.stores.clients.find_fresh(client_id).await? {
            Some(now_stored) => Err(stale(&now_stored)),
            None => Err(no_client(client_id)),
        }
    }
}

fn stale(current: &ClientRecord) -> AdminError {
    AdminError::Stale(format!(
        "client {:?} was changed by someone else (now at version {}); read it again and retry",
        current.client_id, current.version
    ))
}
