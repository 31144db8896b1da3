//! The token endpoint (RFC 6749 §3.2): authenticate the client, then run
//! the grant it asked for, one module per grant (§4, §6). A new grant is a
//! new [`GrantType`] word plus a module here: the `match` in
//! [`TokenFlow::token`] makes the compiler ask for it.

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod issue;
pub mod membership;
pub mod refresh_token;
pub mod target;
pub mod token_exchange;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::flows::client_auth::ClientAuthenticator;
use crate::flows::dpop::DpopChecker;
use crate::flows::response_encryption::ResponseSealer;
use crate::flows::sessions::Sessions;
use crate::protocol::origin::{Answer, WebOrigin};
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{ClientRecord, GrantType, OAuthError, Params};
use crate::store::{Ephemeral, Grants, Users};

pub use authorization_code::AuthorizationCodeGrant;
pub use client_credentials::ClientCredentialsGrant;
pub use device_code::DeviceCodeGrant;
pub use issue::TokenIssuer;
pub use refresh_token::RefreshTokenGrant;
pub use token_exchange::{ExchangeParts, TokenExchangeGrant};

/// A token request as the endpoint received it.
#[derive(Debug, Clone, Copy)]
pub struct TokenRequest<'a> {
    pub authorization: Option<&'a str>,
    pub params: &'a Params,
    /// The browser `Origin`, if any.
    pub origin: Option<&'a WebOrigin>,
    /// The `DPoP` header (RFC 9449 §4.1).
    pub dpop: Option<&'a str>,
}

/// The grants the endpoint runs, one per [`GrantType`].
pub struct TokenGrants {
    pub authorization_code: AuthorizationCodeGrant,
    pub refresh_token: RefreshTokenGrant,
    pub client_credentials: ClientCredentialsGrant,
    pub device_code: DeviceCodeGrant,
    pub token_exchange: TokenExchangeGrant,
}

impl TokenGrants {
    /// Every grant, over the stores they share.
    pub fn new(parts: GrantParts) -> TokenGrants {
        let GrantParts { ephemeral, users, grants, sessions, issuer, exchange } = parts;
        TokenGrants {
            authorization_code: AuthorizationCodeGrant::new(
                ephemeral.clone(),
                users.clone(),
                grants.clone(),
                sessions.clone(),
                issuer.clone(),
            ),
            refresh_token: RefreshTokenGrant::new(
                grants.clone(),
                users.clone(),
                sessions.clone(),
                issuer.clone(),
            ),
            client_credentials: ClientCredentialsGrant::new(issuer.clone()),
            token_exchange: TokenExchangeGrant::new(issuer.clone(), users.clone(), exchange),
            device_code: DeviceCodeGrant::new(ephemeral, users, grants, sessions, issuer),
        }
    }
}

/// What the grants read and write.
pub struct GrantParts {
    pub ephemeral: Ephemeral,
    pub users: Users,
    pub grants: Grants,
    pub sessions: Sessions,
    pub issuer: Arc<TokenIssuer>,
    /// What token exchange (RFC 8693) reads besides.
    pub exchange: ExchangeParts,
}

pub struct TokenFlow {
    client_auth: Arc<ClientAuthenticator>,
    dpop: Arc<DpopChecker>,
    /// Encrypts ID tokens for clients that registered for it.
    sealer: ResponseSealer,
    authorization_code: AuthorizationCodeGrant,
    refresh_token: RefreshTokenGrant,
    client_credentials: ClientCredentialsGrant,
    device_code: DeviceCodeGrant,
    token_exchange: TokenExchangeGrant,
}

impl TokenFlow {
    pub fn new(
        client_auth: Arc<ClientAuthenticator>,
        dpop: Arc<DpopChecker>,
        sealer: ResponseSealer,
        grants: TokenGrants,
    ) -> TokenFlow {
        let TokenGrants {
            authorization_code,
            refresh_token,
            client_credentials,
            device_code,
            token_exchange,
        } = grants;
        TokenFlow {
            client_auth,
            dpop,
            sealer,
            authorization_code,
            refresh_token,
            client_credentials,
            device_code,
            token_exchange,
        }
    }

    /// The `DPoP-Nonce` to send now, where proofs must carry one.
    pub fn dpop_nonce(&self, now: i64) -> Option<String> {
        self.dpop.nonce(now)
    }

    /// `POST /token`: a browser origin the client has not registered is
    /// refused before the grant runs (nothing is redeemed); a DPoP proof
    /// binds what is issued to its key (RFC 9449 §5).
    pub async fn token(&self, request: TokenRequest<'_>, now: i64) -> Answer<TokenResponse> {
        let params = request.params;
        // RFC 8707 §2 `resource` and RFC 8693 §2.1 `audience` may be given
        // several times.
        if let Err(e) = params.reject_repeated_except(&["resource", "audience"]) {
            return Answer::undecided(e);
        }
        let client = match self.client_auth.authenticate(request.authorization, params, now).await {
            Ok(client) => client,
            Err(e) => return Answer::undecided(e),
        };
        if let Err(refused) = Answer::check(&client, request.origin) {
            return refused;
        }
        let proof = match self.dpop.at_token(request.dpop, now).await {
            Ok(proof) => proof,
            Err(e) => return Answer::allowed(Err(e)),
        };
        if client.require_dpop && proof.is_none() {
            let why = if self.dpop.enabled() {
                "this client must send a DPoP proof (RFC 9449)"
            } else {
                "this client requires DPoP, which is switched off on this server (dpop.enabled)"
            };
            return Answer::allowed(Err(OAuthError::invalid_dpop_proof(why)));
        }
        let jkt = proof.as_ref().map(|p| p.jkt.as_str());
        Answer::allowed(self.grant(&client, params, jkt, now).await)
    }

    /// Runs the grant the authenticated `client` asked for; `jkt` is the
    /// DPoP key it proved it holds.
    async fn grant(
        &self,
        client: &ClientRecord,
        params: &Params,
        jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        let requested = params.require("grant_type")?;
        let Ok(grant) = requested.parse::<GrantType>() else {
            return Err(OAuthError::unsupported_grant_type(format!(
                "grant_type {requested} is not supported"
            )));
        };
        // RFC 6749 §4.4.2, RFC 8693 §2.1: grants for a client acting on
        // its own authority need a confidential one.
        if client.public && grant.needs_confidential_client() {
            return Err(OAuthError::unauthorized_client(format!("a public client may not use {grant}")));
        }
        // The key for an encrypted ID token is found first: a client
        // without one gets an error and keeps its code or refresh token.
        let recipient = match grant {
            GrantType::AuthorizationCode | GrantType::RefreshToken | GrantType::DeviceCode => {
                self.sealer.recipient(client, client.id_token_encryption, now).await?
            }
            GrantType::ClientCredentials | GrantType::TokenExchange => None,
        };
        let mut issued = match grant {
            GrantType::AuthorizationCode => self.authorization_code.exchange(client, params, jkt, now).await,
            GrantType::RefreshToken => self.refresh_token.refresh(client, params, jkt, now).await,
            GrantType::ClientCredentials => self.client_credentials.grant(client, params, jkt, now).await,
            GrantType::DeviceCode => self.device_code.poll(client, params, jkt, now).await,
            GrantType::TokenExchange => self.token_exchange.exchange(client, params, jkt, now).await,
        };
        if let (Some(recipient), Ok(TokenResponse { id_token: Some(id_token), .. })) =
            (&recipient, &mut issued)
        {
            // OIDC Core §10.2: signed, then encrypted (a nested JWT).
            *id_token = recipient.seal_jwt(id_token)?;
        }
        if issued.is_ok() {
            crate::measure::token_issued(grant, &client.client_id);
        }
        issued
    }
}
