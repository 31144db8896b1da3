//! Validating an authorization request (RFC 6749 §4.1.1, OpenID Connect
//! Core §3.1.2) as an ordered list of small checks. Until the client and its
//! redirect URI are trusted, errors are shown to the user
//! (`AuthorizeError::Page`); after that they go back to the client
//! (`AuthorizeError::Redirect`, §4.1.2.1). What to do with a valid request
//! (log in, issue a code) is the interaction policy's (`interaction`).

use serde::{Deserialize, Serialize};

use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::logout::IdTokenHint;
use crate::protocol::scope::grantable;
use crate::protocol::vocabulary::{
    CodeChallengeMethod, GrantType, PkcePolicy, Prompt, ResponseMode, ResponseType,
};
use crate::protocol::{ClientRecord, OAuthError, Params, Scope, StandardScope, pkce, resources};

/// A validated authorization request, kept while the user interacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// RFC 6749 §4.1.3: if the request named a redirect_uri, the token
    /// request must repeat it.
    pub redirect_uri_given: bool,
    pub scope: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// The `prompt` values asked for, without duplicates (OIDC Core §3.1.2.1).
    pub prompts: Vec<Prompt>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The verified `id_token_hint` (OIDC Core §3.1.2.1), set by the flow,
    /// which holds the keys.
    #[serde(default)]
    pub id_token_hint: Option<IdTokenHint>,
    /// `acr_values`, in order of preference (OIDC Core §3.1.2.1): recorded,
    /// and answered with the `acr` actually achieved.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// How the response goes back to the client (query or form_post).
    #[serde(default = "default_response_mode")]
    pub response_mode: ResponseMode,
    /// RFC 8707 `resource` values (syntax checked here; registration and
    /// the client's allowance by the flow, `protocol::resources`).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Set when the request comes from a device (RFC 8628 §3.3): the id of
    /// its device authorization. There is no redirect URI: errors are shown
    /// to the user, and the last step is the user's approval of the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `ui_locales` (OIDC Core §3.1.2.1): the languages the user prefers
    /// for the pages, in order; a preference, never an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_locales: Vec<String>,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// Claims asked for by name (OIDC Core §5.5), set by the flow.
    #[serde(default, skip_serializing_if = "RequestedClaims::is_empty")]
    pub claims: RequestedClaims,
    /// The user the `claims` request's `sub` value names (§3.1.2.2),
    /// resolved by the flow; empty when it names nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_user: Option<String>,
}

/// RFC 6749 §4.1.2: the code flow answers in the query by default.
fn default_response_mode() -> ResponseMode {
    ResponseMode::Query
}

impl AuthorizationRequest {
    pub fn prompts_for(&self, prompt: Prompt) -> bool {
        self.prompts.contains(&prompt)
    }

    /// What the user consents to: the scope and the scopes of the claims
    /// asked for by name (§5.5).
    pub fn consent_scope(&self) -> Scope {
        self.claims.consent_scope(&self.scope)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Shown on an error page: the redirect URI is not trusted.
    Page(OAuthError),
    /// Sent back to the client's validated redirect URI.
    Redirect { redirect_uri: String, state: Option<String>, response_mode: ResponseMode, error: OAuthError },
}

impl AuthorizeError {
    /// The error sent back to the client of a validated `request`.
    pub fn to_client(request: &AuthorizationRequest, error: OAuthError) -> AuthorizeError {
        if request.device.is_some() {
            return AuthorizeError::Page(error);
        }
        AuthorizeError::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            state: request.state.clone(),
            response_mode: request.response_mode,
            error,
        }
    }

    /// The error itself, for an endpoint that answers in JSON (`/par`).
    pub fn into_error(self) -> OAuthError {
        match self {
            AuthorizeError::Page(error) | AuthorizeError::Redirect { error, .. } => error,
        }
    }
}

/// The descriptions of the errors that name an unknown client or an
/// unusable redirect URI: shown on the error page, which explains them in
/// plain words (`web::pages::Problem`).
pub const UNKNOWN_CLIENT: &str = "unknown client";
pub const UNREGISTERED_REDIRECT_URI: &str = "redirect_uri is not registered for this client";
pub const MISSING_REDIRECT_URI: &str = "missing redirect_uri";
pub const MISSING_CLIENT_ID: &str = "missing client_id";

/// Most `ui_locales` tags kept (OIDC Core §3.1.2.1), and the longest tag
/// (BCP 47 tags in practice stay under 35 characters).
const MAX_UI_LOCALES: usize = 8;
const MAX_LOCALE_TAG: usize = 35;

/// What a login transaction keeps of the request is bounded, so an
/// anonymous request cannot make the server hold much (`pending_logins`):
/// `state` and `nonce` longer than these are refused (clients use far
/// less), a longer `login_hint` is cut, longer `acr_values` left out.
const MAX_STATE_LEN: usize = 2048;
const MAX_NONCE_LEN: usize = 512;
const MAX_LOGIN_HINT_CHARS: usize = 128;
const MAX_ACR_VALUES: usize = 8;
const MAX_ACR_VALUE_LEN: usize = 128;

/// The `client_id` of a request, which must appear once, as must
/// `redirect_uri`.
pub fn client_id(params: &Params) -> Result<&str, AuthorizeError> {
    let page = |e: OAuthError| AuthorizeError::Page(e);
    if params.is_repeated("client_id") || params.is_repeated("redirect_uri") {
        return Err(page(OAuthError::invalid_request("client_id and redirect_uri must appear only once")));
    }
    params.get("client_id").ok_or_else(|| page(OAuthError::invalid_request(MISSING_CLIENT_ID)))
}

/// Every check of a request for `client` (its `client_id` already looked up).
pub fn validate_for(client: &ClientRecord, params: &Params) -> Result<AuthorizationRequest, AuthorizeError> {
    let page = |e: OAuthError| AuthorizeError::Page(e);
    let (redirect_uri, redirect_uri_given) = redirect_uri(client, params).map_err(page)?;

    let state = params.get("state").map(str::to_string);
    let back_by = |response_mode: ResponseMode, error: OAuthError| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        response_mode,
        error,
    };
    // Known first, so that every later error goes back the way asked.
    let response_mode = response_mode(params, &redirect_uri).map_err(|e| back_by(ResponseMode::Query, e))?;
    let back = |error: OAuthError| back_by(response_mode, error);
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(back(OAuthError::invalid_request("state is too long")));
    }
    let nonce = params.get("nonce");
    if nonce.is_some_and(|n| n.len() > MAX_NONCE_LEN) {
        return Err(back(OAuthError::invalid_request("nonce is too long")));
    }
    let checked = check_request(client, params).map_err(back)?;
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        redirect_uri_given,
        scope: checked.scope,
        state,
        nonce: nonce.map(str::to_string),
        code_challenge: checked.code_challenge,
        prompts: checked.prompts,
        max_age: checked.max_age,
        login_hint: params.get("login_hint").map(|h| h.chars().take(MAX_LOGIN_HINT_CHARS).collect()),
        id_token_hint: None,
        acr_values: params
            .get("acr_values")
            .map(|v| {
                v.split(' ')
                    .filter(|v| !v.is_empty() && v.len() <= MAX_ACR_VALUE_LEN)
                    .take(MAX_ACR_VALUES)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        response_mode,
        resources: checked.resources,
        device: None,
        ui_locales: ui_locales(params.get("ui_locales")),
        dpop_jkt: checked.dpop_jkt,
        claims: RequestedClaims::default(),
        claims_user: None,
    })
}

/// The well-formed language tags of `ui_locales`, at most
/// [`MAX_UI_LOCALES`]; others are left out.
pub fn ui_locales(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or("")
        .split(' ')
        .filter(|tag| {
            !tag.is_empty()
                && tag.len() <= MAX_LOCALE_TAG
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .take(MAX_UI_LOCALES)
        .map(str::to_string)
        .collect()
}

/// `response_mode` (OAuth 2.0 Multiple Response Types §2.1): `query` (the
/// default) or `form_post` (Form Post Response Mode §2), which needs an
/// http(s) redirect URI a browser can post a form to. An unsupported or
/// repeated mode is reported in the default mode.
fn response_mode(params: &Params, redirect_uri: &str) -> Result<ResponseMode, OAuthError> {
    if params.is_repeated("response_mode") {
        return Err(OAuthError::invalid_request("response_mode must appear only once"));
    }
    match params.get("response_mode").map(str::parse::<ResponseMode>) {
        None | Some(Ok(ResponseMode::Query)) => Ok(ResponseMode::Query),
        Some(Ok(ResponseMode::FormPost))
            if redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://") =>
        {
            Ok(ResponseMode::FormPost)
        }
        Some(Ok(ResponseMode::FormPost)) => {
            Err(OAuthError::invalid_request("response_mode=form_post needs an http(s) redirect_uri"))
        }
        Some(Err(e)) => Err(OAuthError::invalid_request(format!(
            "response_mode {:?} is not supported (use {})",
            e.value,
            ResponseMode::WORDS.join(" or ")
        ))),
    }
}

/// RFC 6749 §3.1.2.3 and OIDC Core §3.1.2.1: exact match against a
/// registered URI; required for OpenID requests; may be omitted only by a
/// plain OAuth client with exactly one registered URI.
fn redirect_uri(client: &ClientRecord, params: &Params) -> Result<(String, bool), OAuthError> {
    match params.get("redirect_uri") {
        Some(uri) if client.has_redirect_uri(uri) => Ok((uri.to_string(), true)),
        Some(_) => Err(OAuthError::invalid_request(UNREGISTERED_REDIRECT_URI)),
        None => {
            let openid = StandardScope::OpenId.as_str();
            let asks_openid = params.get("scope").is_some_and(|s| s.split(' ').any(|t| t == openid));
            match client.redirect_uris.as_slice() {
                [only] if !asks_openid => Ok((only.clone(), false)),
                _ => Err(OAuthError::invalid_request(MISSING_REDIRECT_URI)),
            }
        }
    }
}

struct Checked {
    scope: Scope,
    code_challenge: Option<String>,
    prompts: Vec<Prompt>,
    max_age: Option<i64>,
    resources: Vec<String>,
    dpop_jkt: Option<String>,
}

/// The checks whose failures are reported to the client, in order.
fn check_request(client: &ClientRecord, params: &Params) -> Result<Checked, OAuthError> {
    params.reject_repeated_except(&[resources::RESOURCE])?;
    if params.contains("request") {
        return Err(OAuthError::request_not_supported("request objects are not supported"));
    }
    if params.contains("request_uri") {
        return Err(OAuthError::request_uri_not_supported("request_uri is not supported"));
    }
    match params.get("response_type").map(str::parse::<ResponseType>) {
        None => return Err(OAuthError::invalid_request("missing response_type")),
        Some(Ok(ResponseType::Code)) => {}
        Some(Err(_)) => {
            return Err(OAuthError::unsupported_response_type("only response_type=code is supported"));
        }
    }
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(OAuthError::unauthorized_client("client may not use the authorization code grant"));
    }
    let scope = check_scope(client, params.get("scope"))?;
    let code_challenge = check_pkce(client, params)?;
    let prompts = check_prompt(params.get("prompt"))?;
    let max_age = match params.get("max_age") {
        None => None,
        Some(raw) => Some(
            raw.parse::<u32>()
                .map_err(|_| OAuthError::invalid_request("max_age must be a non-negative integer"))?
                as i64,
        ),
    };
    let resources = resources::requested(params)?;
    let dpop_jkt = match params.get("dpop_jkt") {
        None => None,
        Some(jkt) if is_thumbprint(jkt) => Some(jkt.to_string()),
        Some(_) => {
            return Err(OAuthError::invalid_request(
                "dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 §10)",
            ));
        }
    };
    Ok(Checked { scope, code_challenge, prompts, max_age, resources, dpop_jkt })
}

/// RFC 7638 with SHA-256: 43 base64url characters.
fn is_thumbprint(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The requested scopes the client is registered for; others are left out
/// (`scope::grantable`). Also the device authorization request's (RFC 8628
/// §3.1).
pub fn check_scope(client: &ClientRecord, raw: Option<&str>) -> Result<Scope, OAuthError> {
    grantable(raw.unwrap_or(""), |token| client.allows_scope(token))
}

/// RFC 7636 §4.3 with RFC 9700 §2.1.1: S256 only; required unless a
/// confidential client opted out (`PkcePolicy::Optional`).
fn check_pkce(client: &ClientRecord, params: &Params) -> Result<Option<String>, OAuthError> {
    let method = params.get("code_challenge_method").map(str::parse::<CodeChallengeMethod>);
    match (params.get("code_challenge"), method) {
        (None, None) if client.public || client.pkce == PkcePolicy::Required => {
            Err(OAuthError::invalid_request("PKCE (code_challenge with S256) is required"))
        }
        (None, None) => Ok(None),
        (None, Some(_)) => Err(OAuthError::invalid_request("code_challenge_method without code_challenge")),
        (Some(_), None) => Err(OAuthError::invalid_request(
            "code_challenge_method=S256 is required (plain is not supported)",
        )),
        (Some(_), Some(Err(_))) => {
            Err(OAuthError::invalid_request("only code_challenge_method=S256 is supported"))
        }
        (Some(challenge), Some(Ok(CodeChallengeMethod::S256))) => {
            if pkce::is_valid_s256_challenge(challenge) {
                Ok(Some(challenge.to_string()))
            } else {
                Err(OAuthError::invalid_request("malformed code_challenge"))
            }
        }
    }
}

/// OIDC Core §3.1.2.1: `none` must stand alone; unknown values are ignored.
fn check_prompt(raw: Option<&str>) -> Result<Vec<Prompt>, OAuthError> {
    let values: Vec<&str> = raw.unwrap_or("").split(' ').filter(|v| !v.is_empty()).collect();
    if values.contains(&Prompt::None.as_str()) && values.len() > 1 {
        return Err(OAuthError::invalid_request("prompt=none cannot be combined with other values"));
    }
    let mut prompts: Vec<Prompt> = values.iter().filter_map(|v| Prompt::from_word(v)).collect();
    prompts.sort();
    prompts.dedup();
    Ok(prompts)
}

#[cfg(test)]
mod tests;
