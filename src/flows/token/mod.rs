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

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::flows::client_auth::ClientAuthenticator;
use crate::protocol::origin::{Answer, WebOrigin};
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{ClientRecord, GrantType, OAuthError, Params};

pub use authorization_code::AuthorizationCodeGrant;
pub use client_credentials::ClientCredentialsGrant;
pub use device_code::DeviceCodeGrant;
pub use issue::TokenIssuer;
pub use refresh_token::RefreshTokenGrant;

pub struct TokenFlow {
    client_auth: Arc<ClientAuthenticator>,
    authorization_code: AuthorizationCodeGrant,
    refresh_token: RefreshTokenGrant,
    client_credentials: ClientCredentialsGrant,
    device_code: DeviceCodeGrant,
}

impl TokenFlow {
    pub fn new(
        client_auth: Arc<ClientAuthenticator>,
        authorization_code: AuthorizationCodeGrant,
        refresh_token: RefreshTokenGrant,
        client_credentials: ClientCredentialsGrant,
        device_code: DeviceCodeGrant,
    ) -> TokenFlow {
        TokenFlow { client_auth, authorization_code, refresh_token, client_credentials, device_code }
    }

    /// `POST /token` with its `Authorization` header, form parameters and
    /// the browser `Origin`, if any: a browser origin the client has not
    /// registered is refused before the grant runs (nothing is redeemed).
    pub async fn token(
        &self,
        authorization: Option<&str>,
        params: &Params,
        origin: Option<&WebOrigin>,
        now: i64,
    ) -> Answer<TokenResponse> {
        // RFC 8707 §2: `resource` may be given several times.
        if let Err(e) = params.reject_repeated_except(&["resource"]) {
            return Answer::undecided(e);
        }
        let client = match self.client_auth.authenticate(authorization, params, now).await {
            Ok(client) => client,
            Err(e) => return Answer::undecided(e),
        };
        if let Err(refused) = Answer::check(&client, origin) {
            return refused;
        }
        Answer::allowed(self.grant(&client, params, now).await)
    }

    /// Runs the grant the authenticated `client` asked for.
    async fn grant(
        &self,
        client: &ClientRecord,
        params: &Params,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        let requested = params.require("grant_type")?;
        let Ok(grant) = requested.parse::<GrantType>() else {
            return Err(OAuthError::unsupported_grant_type(format!(
                "grant_type {requested} is not supported"
            )));
        };
        let issued = match grant {
            GrantType::AuthorizationCode => self.authorization_code.exchange(client, params, now).await,
            GrantType::RefreshToken => self.refresh_token.refresh(client, params, now).await,
            GrantType::ClientCredentials => self.client_credentials.grant(client, params, now).await,
            GrantType::DeviceCode => self.device_code.poll(client, params, now).await,
        };
        if issued.is_ok() {
            crate::measure::token_issued(grant, &client.client_id);
        }
        issued
    }
}
