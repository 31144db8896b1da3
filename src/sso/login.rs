//! Login transactions: a validated authorization request waiting for the
//! user's credentials, stored under a random `challenge` for a limited time.

use std::time::Duration;

use crate::crypto::random_token;
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::{Ephemeral, StoreError};

const KIND: &str = "login";

pub async fn begin(
    store: &Ephemeral,
    request: &AuthorizationRequest,
    ttl_secs: u64,
) -> Result<String, StoreError> {
    let challenge = random_token(32);
    store.put_json(KIND, &challenge, request, Duration::from_secs(ttl_secs)).await?;
    Ok(challenge)
}

pub async fn find(store: &Ephemeral, challenge: &str) -> Result<Option<AuthorizationRequest>, StoreError> {
    if challenge.len() != 43 {
        return Ok(None);
    }
    store.get_json(KIND, challenge).await
}

/// Consumes the transaction once the login succeeded, so it cannot be
/// replayed; `None` when another request consumed it first.
pub async fn finish(store: &Ephemeral, challenge: &str) -> Result<Option<AuthorizationRequest>, StoreError> {
    store.take_json(KIND, challenge).await
}
