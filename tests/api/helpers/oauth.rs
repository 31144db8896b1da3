//! OAuth building blocks: PKCE pairs, authorization requests, client
//! authentication and token responses.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A provisioned user and its plaintext password.
pub struct TestUser {
    pub record: oxidp::store::UserRecord,
    pub password: String,
}

impl TestUser {
    /// The stable subject identifier.
    pub fn sub(&self) -> String {
        self.record.id.to_string()
    }

    pub fn username(&self) -> String {
        self.record.username.to_string()
    }
}

/// A registered client.
#[derive(Clone, Debug)]
pub struct TestClient {
    pub client_id: String,
    /// Plaintext secret (confidential clients only).
    pub secret: Option<String>,
    pub redirect_uris: Vec<String>,
}

impl TestClient {
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uris[0]
    }

    pub fn secret(&self) -> &str {
        self.secret.as_deref().expect("confidential client secret")
    }

    pub fn is_public(&self) -> bool {
        self.secret.is_none()
    }

    /// client_secret_basic for confidential clients, client_id only for public ones.
    pub fn auth(&self) -> ClientAuth {
        match &self.secret {
            Some(secret) => ClientAuth::Basic { id: self.client_id.clone(), secret: secret.clone() },
            None => ClientAuth::PublicId(self.client_id.clone()),
        }
    }

    /// client_secret_post.
    pub fn post_auth(&self) -> ClientAuth {
        ClientAuth::Post { id: self.client_id.clone(), secret: self.secret().to_string() }
    }
}

/// How a request to /token authenticates the client.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// `Authorization: Basic` (RFC 6749 §2.3.1, form-urlencoded id and secret).
    Basic { id: String, secret: String },
    /// `client_id` + `client_secret` in the body.
    Post { id: String, secret: String },
    /// `client_id` only (public client).
    PublicId(String),
    /// No client identification at all.
    Nothing,
}

/// `Basic base64(urlencode(id):urlencode(secret))`.
pub fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

/// base64url of `n` random bytes.
pub fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    openssl::rand::rand_bytes(&mut buf).expect("random bytes");
    URL_SAFE_NO_PAD.encode(buf)
}

/// An RFC 7636 S256 verifier/challenge pair.
#[derive(Clone, Debug)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random_token(32);
        let challenge = s256(&verifier);
        Pkce { verifier, challenge }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()))
}

/// Parameters of one authorization request.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub pkce: Option<Pkce>,
    /// Extra parameters (prompt, max_age, login_hint, ...), appended as is.
    pub extra: Vec<(String, String)>,
}

impl AuthRequest {
    /// `response_type=code`, scope `openid profile email`, random state and
    /// nonce, PKCE S256, the client's first redirect URI.
    pub fn new(client: &TestClient) -> AuthRequest {
        AuthRequest {
            client_id: client.client_id.clone(),
            redirect_uri: client.redirect_uri().to_string(),
            scope: "openid profile email".into(),
            state: random_token(12),
            nonce: random_token(12),
            pkce: Some(Pkce::new()),
            extra: vec![],
        }
    }

    pub fn scope(mut self, scope: &str) -> Self {
        self.scope = scope.into();
        self
    }

    pub fn state(mut self, state: &str) -> Self {
        self.state = state.into();
        self
    }

    pub fn redirect_uri(mut self, uri: &str) -> Self {
        self.redirect_uri = uri.into();
        self
    }

    pub fn without_pkce(mut self) -> Self {
        self.pkce = None;
        self
    }

    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    pub fn prompt(self, prompt: &str) -> Self {
        self.param("prompt", prompt)
    }

    /// The full parameter list in wire order.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("response_type".to_string(), "code".to_string()),
            ("client_id".into(), self.client_id.clone()),
            ("redirect_uri".into(), self.redirect_uri.clone()),
            ("scope".into(), self.scope.clone()),
            ("state".into(), self.state.clone()),
            ("nonce".into(), self.nonce.clone()),
        ];
        if let Some(pkce) = &self.pkce {
            p.push(("code_challenge".into(), pkce.challenge.clone()));
            p.push(("code_challenge_method".into(), "S256".into()));
        }
        p.extend(self.extra.iter().cloned());
        p
    }

    /// Parameters with every pair whose key is in `drop` removed.
    pub fn params_without(&self, drop: &[&str]) -> Vec<(String, String)> {
        self.params().into_iter().filter(|(k, _)| !drop.contains(&k.as_str())).collect()
    }
}

/// A successful token response.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub json: serde_json::Value,
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

impl Tokens {
    /// Asserts a 200 and parses the body.
    pub async fn from_response(resp: reqwest::Response) -> Tokens {
        let status = resp.status();
        let body = resp.text().await.expect("token body");
        assert_eq!(status, 200, "token endpoint failed: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("token JSON");
        let access_token = json["access_token"].as_str().expect("access_token").to_string();
        let id_token = json["id_token"].as_str().map(str::to_string);
        let refresh_token = json["refresh_token"].as_str().map(str::to_string);
        Tokens { json, access_token, id_token, refresh_token }
    }

    pub fn id_token(&self) -> &str {
        self.id_token.as_deref().expect("id_token in response")
    }

    pub fn refresh_token(&self) -> &str {
        self.refresh_token.as_deref().unwrap_or_else(|| panic!("refresh_token in response: {}", self.json))
    }
}

/// Reads an RFC 6749 §5.2 error body, returning `(status, error code, body)`.
pub async fn oauth_error(resp: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = resp.status().as_u16();
    let body = resp.text().await.expect("error body");
    let json: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("error body is not JSON ({e}): {body}"));
    let code = json["error"].as_str().unwrap_or_else(|| panic!("no `error` member: {body}")).to_string();
    (status, code, json)
}
