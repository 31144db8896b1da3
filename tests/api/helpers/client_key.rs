//! Clients' own key pairs (`private_key_jwt` assertions, request objects)
//! and a loopback server for their `jwks_uri`.

use josekit::jwk::{Jwk, JwkSet, KeyPair};
use josekit::jws::{ES256, JwsSigner, RS256};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::jwt::{b64url, segment};

/// A client's signing key and the public JWK it registers.
pub struct ClientKey {
    pub alg: &'static str,
    pub kid: String,
    signer: Box<dyn JwsSigner>,
    pub public: Jwk,
}

impl ClientKey {
    pub fn rs256(kid: &str) -> ClientKey {
        let pair = RS256.generate_key_pair(2048).expect("RSA key");
        let signer = RS256.signer_from_der(pair.to_der_private_key()).expect("RS256 signer");
        ClientKey::new("RS256", kid, Box::new(signer), pair.to_jwk_public_key())
    }

    pub fn es256(kid: &str) -> ClientKey {
        let pair = ES256.generate_key_pair().expect("EC key");
        let signer = ES256.signer_from_der(pair.to_der_private_key()).expect("ES256 signer");
        ClientKey::new("ES256", kid, Box::new(signer), pair.to_jwk_public_key())
    }

    fn new(alg: &'static str, kid: &str, signer: Box<dyn JwsSigner>, mut public: Jwk) -> ClientKey {
        public.set_key_id(kid);
        public.set_key_use("sig");
        public.set_algorithm(alg);
        ClientKey { alg, kid: kid.into(), signer, public }
    }

    /// `{"keys":[...]}` with this public key only.
    pub fn jwks(&self) -> String {
        let mut set = JwkSet::new();
        set.push_key(self.public.clone());
        set.to_string()
    }

    /// A compact JWS over `claims` with header `{alg, kid, typ}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({ "alg": self.alg, "kid": self.kid, "typ": "JWT" }), claims)
    }

    /// A compact JWS over `claims` with `header` as given.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", segment(header), segment(claims));
        let signature = self.signer.sign(input.as_bytes()).expect("sign");
        format!("{input}.{}", b64url(signature))
    }
}

/// A loopback HTTP/1.1 server answering every request with `body` as JSON.
/// Returns its URL; the task ends with the test's runtime.
pub async fn serve_once_per_request(body: String) -> String {
    ServedJwks::start(body).await.uri
}

/// A client's `jwks_uri` on loopback whose document can change (a client
/// rolling or losing its keys).
pub struct ServedJwks {
    pub uri: String,
    body: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServedJwks {
    pub async fn start(body: String) -> ServedJwks {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind jwks server");
        let uri = format!("http://{}/jwks.json", listener.local_addr().expect("jwks server address"));
        let body = std::sync::Arc::new(std::sync::Mutex::new(body));
        let served = body.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let body = served.lock().expect("jwks body").clone();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/jwk-set+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        ServedJwks { uri, body }
    }

    /// Serves `body` from now on.
    pub fn replace(&self, body: String) {
        *self.body.lock().expect("jwks body") = body;
    }
}
