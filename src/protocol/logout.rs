//! Logout, without I/O: the end-session request (RP-Initiated Logout 1.0
//! §2), the ID token hints it and the authorization endpoint accept (OpenID
//! Connect Core §3.1.2.1), and the logout token of Back-Channel Logout 1.0
//! §2.4. Front-Channel Logout 1.0 §2 URLs are built here too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::jose::{KeyError, Keyring, SigningAlg};
use crate::protocol::claims::ID_TOKEN_TYP;
use crate::protocol::{OAuthError, Params};

/// `typ` of logout tokens (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";
/// The event member of a logout token (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How long a logout token is valid: two minutes, as recommended (§2.4).
pub const LOGOUT_TOKEN_TTL: i64 = 120;

/// An ID token we issued, given back to us: as a hint its signature is
/// checked with our keys, its expiry is not (OIDC Core §3.1.2.1;
/// RP-Initiated Logout §2); as a token-exchange subject (RFC 8693) the flow
/// checks `exp` too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenHint {
    /// The `sub` claim; once a flow resolved it for the hint's client
    /// (`flows::subjects`), the user id it stands for (OIDC Core §8.1).
    pub sub: String,
    pub sid: Option<String>,
    /// `aud`: the clients it was issued to.
    pub audience: Vec<String>,
    /// `exp` and `auth_time`, for the uses that care (a token-exchange
    /// subject must not have expired; a hint may have).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

impl IdTokenHint {
    /// Verifies `token` as an ID token of `issuer`; anything else (garbage,
    /// another issuer's or an unknown key's signature) is `invalid_request`.
    pub fn verify(keyring: &Keyring, issuer: &str, token: &str) -> Result<IdTokenHint, OAuthError> {
        Self::verify_as("id_token_hint", keyring, issuer, token)
    }

    /// [`verify`](Self::verify) for a token given as the parameter `what`,
    /// which the error names.
    pub fn verify_as(
        what: &str,
        keyring: &Keyring,
        issuer: &str,
        token: &str,
    ) -> Result<IdTokenHint, OAuthError> {
        let invalid = |why: &str| OAuthError::invalid_request(format!("{what} is not valid: {why}"));
        let claims = keyring.verify(token, ID_TOKEN_TYP).map_err(|e| invalid(&e.to_string()))?;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(invalid("issued by another issuer"));
        }
        let sub = claims.get("sub").and_then(Value::as_str).ok_or_else(|| invalid("no sub"))?;
        let audience = match claims.get("aud") {
            Some(Value::String(aud)) => vec![aud.clone()],
            Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => return Err(invalid("no aud")),
        };
        if audience.is_empty() {
            return Err(invalid("no aud"));
        }
        let sid = claims.get("sid").and_then(Value::as_str).map(str::to_string);
        let number = |name: &str| claims.get(name).and_then(Value::as_i64);
        Ok(IdTokenHint {
            sub: sub.to_string(),
            sid,
            audience,
            exp: number("exp"),
            auth_time: number("auth_time"),
        })
    }

    pub fn is_for(&self, client_id: &str) -> bool {
        self.audience.iter().any(|aud| aud == client_id)
    }
}

/// The parameters of an end-session request (RP-Initiated Logout 1.0 §2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndSessionRequest {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub logout_hint: Option<String>,
    pub ui_locales: Option<String>,
}

impl EndSessionRequest {
    /// Duplicated parameters are refused, as everywhere (RFC 6749 §3.1).
    pub fn parse(params: &Params) -> Result<EndSessionRequest, OAuthError> {
        params.reject_repeated()?;
        Ok(EndSessionRequest {
            id_token_hint: params.get("id_token_hint").map(str::to_string),
            client_id: params.get("client_id").map(str::to_string),
            post_logout_redirect_uri: params.get("post_logout_redirect_uri").map(str::to_string),
            state: params.get("state").map(str::to_string),
            logout_hint: params.get("logout_hint").map(str::to_string),
            ui_locales: params.get("ui_locales").map(str::to_string),
        })
    }

    /// The parameters again, for the confirmation form to post back.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("id_token_hint", &self.id_token_hint),
            ("client_id", &self.client_id),
            ("post_logout_redirect_uri", &self.post_logout_redirect_uri),
            ("state", &self.state),
            ("logout_hint", &self.logout_hint),
            ("ui_locales", &self.ui_locales),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect()
    }
}

/// `post_logout_redirect_uri` with `state` added to its query (§3).
pub fn post_logout_redirect(uri: &str, state: Option<&str>) -> Option<String> {
    let mut url = url::Url::parse(uri).ok()?;
    if let Some(state) = state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Some(url.into())
}

/// A front-channel logout URL: the registered URI with `iss` and `sid`
/// (Front-Channel Logout 1.0 §2; sent whether or not the client requires
/// them, as the specification allows).
pub fn frontchannel_url(uri: &str, issuer: &str, sid: &str) -> Option<String> {
    let mut url = url::Url::parse(uri).ok()?;
    url.query_pairs_mut().append_pair("iss", issuer).append_pair("sid", sid);
    Some(url.into())
}

/// What a logout token says.
pub struct LogoutTokenRequest<'a> {
    pub alg: SigningAlg,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub sub: &'a str,
    pub sid: &'a str,
    pub jti: &'a str,
    pub now: i64,
}

/// A logout token (Back-Channel Logout 1.0 §2.4): `iss`, `aud`, `iat`,
/// `exp`, `jti`, `events`, `sub` and `sid`; never a `nonce`.
pub fn mint_logout_token(keyring: &Keyring, req: LogoutTokenRequest<'_>) -> Result<String, KeyError> {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(req.issuer));
    claims.insert("aud".into(), json!(req.client_id));
    claims.insert("iat".into(), json!(req.now));
    claims.insert("exp".into(), json!(req.now + LOGOUT_TOKEN_TTL));
    claims.insert("jti".into(), json!(req.jti));
    claims.insert("sub".into(), json!(req.sub));
    claims.insert("sid".into(), json!(req.sid));
    claims.insert("events".into(), json!({ BACKCHANNEL_LOGOUT_EVENT: {} }));
    keyring.sign_with(req.alg, LOGOUT_TOKEN_TYP, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::Keyring;

    const ISSUER: &str = "https://id.example";

    fn keyring() -> Keyring {
        let pem = crate::jose::generate_pem(SigningAlg::Rs256, 2048).unwrap();
        Keyring::from_pem(&pem).unwrap()
    }

    fn id_token(keyring: &Keyring, claims: Value) -> String {
        keyring.sign(ID_TOKEN_TYP, claims.as_object().unwrap()).unwrap()
    }

    #[test]
    fn a_hint_is_our_id_token_whatever_its_expiry() {
        let keys = keyring();
        let token = id_token(&keys, json!({"iss": ISSUER, "sub": "u1", "aud": "app", "sid": "s1", "exp": 1}));
        let hint = IdTokenHint::verify(&keys, ISSUER, &token).unwrap();
        assert_eq!(
            hint,
            IdTokenHint {
                sub: "u1".into(),
                sid: Some("s1".into()),
                audience: vec!["app".into()],
                exp: Some(1),
                auth_time: None
            }
        );
        assert!(hint.is_for("app") && !hint.is_for("other"));
    }

    #[test]
    fn foreign_or_malformed_hints_are_invalid_requests() {
        let (ours, theirs) = (keyring(), keyring());
        let foreign = id_token(&theirs, json!({"iss": ISSUER, "sub": "u1", "aud": "app"}));
        let other_issuer = id_token(&ours, json!({"iss": "https://evil.example", "sub": "u1", "aud": "app"}));
        let no_sub = id_token(&ours, json!({"iss": ISSUER, "aud": "app"}));
        let access_token =
            ours.sign("at+jwt", json!({"iss": ISSUER, "sub": "u1", "aud": "app"}).as_object().unwrap());
        for token in [foreign, other_issuer, no_sub, access_token.unwrap(), "garbage".into()] {
            let err = IdTokenHint::verify(&ours, ISSUER, &token).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_request", "{token}");
        }
    }

    #[test]
    fn logout_tokens_carry_what_the_spec_requires_and_no_nonce() {
        let keys = keyring();
        let req = LogoutTokenRequest {
            alg: SigningAlg::Rs256,
            issuer: ISSUER,
            client_id: "app",
            sub: "u1",
            sid: "s1",
            jti: "j1",
            now: 1000,
        };
        let token = mint_logout_token(&keys, req).unwrap();
        let claims = keys.verify(&token, LOGOUT_TOKEN_TYP).unwrap();
        assert_eq!(claims["aud"], "app");
        assert_eq!(claims["exp"], 1000 + LOGOUT_TOKEN_TTL);
        assert_eq!(claims["events"], json!({ BACKCHANNEL_LOGOUT_EVENT: {} }));
        assert_eq!((claims["sub"].as_str(), claims["sid"].as_str()), (Some("u1"), Some("s1")));
        assert!(!claims.contains_key("nonce"));
    }

    #[test]
    fn redirects_and_frontchannel_urls_keep_their_own_query() {
        assert_eq!(
            post_logout_redirect("https://app.example/bye?x=1", Some("a b")).unwrap(),
            "https://app.example/bye?x=1&state=a+b"
        );
        assert_eq!(post_logout_redirect("https://app.example/bye", None).unwrap(), "https://app.example/bye");
        assert_eq!(
            frontchannel_url("https://app.example/fc", ISSUER, "s1").unwrap(),
            "https://app.example/fc?iss=https%3A%2F%2Fid.example&sid=s1"
        );
    }
}
