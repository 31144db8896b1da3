//! The token endpoint (RFC 6749 §3.2): authenticate the client, then run
//! the grant it asked for, one module per grant (§4, §6). A new grant is a
//! new [`GrantType`] word plus a module here: the `match` in
//! [`TokenFlow::token`] makes the compiler ask for it.

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod issue;
pub mod refresh_token;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::flows::client_auth::ClientAuthenticator;
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{GrantType, OAuthError, Params};

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

    /// `POST /token` with its `Authorization` header and form parameters.
    pub async fn token(
        &self,
        authorization: Option<&str>,
        params: &Params,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        // RFC 8707 §2: `resource` may be given several times.
        params.reject_repeated_except(&["resource"])?;
        let client = self.client_auth.authenticate(authorization, params, now).await?;
        let requested = params.require("grant_type")?;
        let Ok(grant) = requested.parse::<GrantType>() else {
            return Err(OAuthError::unsupported_grant_type(format!(
                "grant_type {requested} is not supported"
            )));
        };
        match grant {
            GrantType::AuthorizationCode => self.authorization_code.exchange(&client, params, now).await,
            GrantType::RefreshToken => self.refresh_token.refresh(&client, params, now).await,
            GrantType::ClientCredentials => self.client_credentials.grant(&client, params, now),
            GrantType::DeviceCode => self.device_code.poll(&client, params, now).await,
        }
    }
}
