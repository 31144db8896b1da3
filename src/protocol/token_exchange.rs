//! Token exchange (RFC 8693): a service trades a user's token for an
//! access token to call another service on the user's behalf.
//!
//! The rules here are the ones without I/O: what the request says (§2.1),
//! whose tokens a client may present, how far the scope may go (only
//! narrower), and the `act` claim of delegation (§4.1), nested for chains.
//! Impersonation (no `actor_token`) keeps the actors the subject token
//! already named, so a chain is never laundered.

use serde_json::{Map, Value, json};

use crate::protocol::vocabulary::TokenTypeUri;
use crate::protocol::{ClientRecord, OAuthError, Params, Scope};

/// What a token exchange request asks for (§2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRequest<'a> {
    pub subject_token: &'a str,
    pub subject_token_type: TokenTypeUri,
    /// `actor_token` with its type, for delegation.
    pub actor: Option<(&'a str, TokenTypeUri)>,
    /// `audience` values: we know only resources, so each must name one.
    pub audiences: Vec<String>,
    pub scope: Option<&'a str>,
}

/// Reads the request; a type we cannot take, a missing type, or asking for
/// anything but an access token is `invalid_request` (§2.2.2).
pub fn parse(params: &Params) -> Result<ExchangeRequest<'_>, OAuthError> {
    let token_type = |name: &str| -> Result<TokenTypeUri, OAuthError> {
        let raw = params.require(name)?;
        match raw.parse::<TokenTypeUri>() {
            Ok(t @ (TokenTypeUri::AccessToken | TokenTypeUri::IdToken)) => Ok(t),
            _ => Err(OAuthError::invalid_request(format!(
                "{name} {raw} is not supported: give one of our access tokens or ID tokens"
            ))),
        }
    };
    if let Some(requested) = params.get("requested_token_type")
        && requested != TokenTypeUri::AccessToken.as_str()
    {
        return Err(OAuthError::invalid_request(format!(
            "requested_token_type {requested} is not supported: only access tokens are issued"
        )));
    }
    let subject_token = params.require("subject_token")?;
    let subject_token_type = token_type("subject_token_type")?;
    let actor = match params.get("actor_token") {
        Some(token) => Some((token, token_type("actor_token_type")?)),
        None if params.contains("actor_token_type") => {
            return Err(OAuthError::invalid_request("actor_token_type without an actor_token"));
        }
        None => None,
    };
    let audiences = params.get_all("audience").into_iter().map(str::to_string).collect();
    Ok(ExchangeRequest { subject_token, subject_token_type, actor, audiences, scope: params.get("scope") })
}

/// Whether `client` may present a token issued to `issued_to` for
/// `audience`: its own tokens always, others' only when they are for a
/// resource it implements (`token_exchange_from`), so a service never
/// trades a token that was meant for someone else.
pub fn may_present(client: &ClientRecord, issued_to: &str, audience: &[String]) -> bool {
    issued_to == client.client_id
        || audience.iter().any(|aud| *aud == client.client_id || client.token_exchange_from.contains(aud))
}

/// The scope of the new token: what was asked (or everything of the
/// subject's), never beyond `ceiling` (§5: the exchanged token "should
/// not" grant more than the subject token).
pub fn narrowed_scope(requested: Option<&str>, ceiling: &Scope) -> Result<Scope, OAuthError> {
    let Some(raw) = requested else { return Ok(ceiling.clone()) };
    let scope = Scope::parse(raw).ok_or_else(|| OAuthError::invalid_scope("scope is malformed"))?;
    if let Some(wider) = scope.iter().find(|s| !ceiling.contains(s)) {
        return Err(OAuthError::invalid_scope(format!("scope {wider} is beyond the subject token's")));
    }
    Ok(scope)
}

/// The one acting (§4.1): its `sub` and the client it acts through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub client_id: String,
}

/// The `act` claim of the new token: the actor, with the subject token's
/// own `act` nested inside it (prior actors, §4.1); without an actor, the
/// subject token's `act` as it was.
pub fn act_claim(actor: Option<&Actor>, prior: Option<&Value>) -> Option<Value> {
    let Some(actor) = actor else { return prior.cloned() };
    let mut act = Map::new();
    act.insert("sub".into(), json!(actor.sub));
    act.insert("client_id".into(), json!(actor.client_id));
    if let Some(prior) = prior {
        act.insert("act".into(), prior.clone());
    }
    Some(Value::Object(act))
}

#[cfg(test)]
#[path = "token_exchange_tests.rs"]
mod tests;
