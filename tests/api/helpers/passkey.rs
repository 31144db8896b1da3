//! A software passkey authenticator playing the browser and the device
//! (W3C WebAuthn Level 3 §6): P-256 keys from openssl, "none" attestation,
//! discoverable credentials that return their user handle, user presence
//! and verification flags, and a signature counter. What it sends is the
//! JSON `static/passkey.js` builds from `navigator.credentials`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::Private;
use serde_json::{Value, json};

/// One credential the authenticator holds.
pub struct SoftCredential {
    pub id: Vec<u8>,
    pub key: EcKey<Private>,
    pub user_handle: Vec<u8>,
    pub rp_id: String,
    pub counter: u32,
}

/// A software authenticator for pages at `origin`.
pub struct SoftAuthenticator {
    pub origin: String,
    pub credentials: Vec<SoftCredential>,
    /// Set the backup-eligible flag (a synced passkey).
    pub backup_eligible: bool,
    /// Set the user-verified flag.
    pub verifies_user: bool,
    /// Increase the counter on each use (0 stays 0, as synced passkeys do).
    pub counts: bool,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).expect("base64url")
}

/// Minimal CBOR (RFC 8949) for the structures an authenticator sends.
enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(&'static str),
    Map(Vec<(Cbor, Cbor)>),
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

impl Cbor {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Int(n) if *n >= 0 => head(out, 0, *n as u64),
            Cbor::Int(n) => head(out, 1, (-1 - n) as u64),
            Cbor::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend(b);
            }
            Cbor::Text(t) => {
                head(out, 3, t.len() as u64);
                out.extend(t.as_bytes());
            }
            Cbor::Map(entries) => {
                head(out, 5, entries.len() as u64);
                for (k, v) in entries {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }

    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// The credential's public key as a COSE_Key (RFC 9053 §7.1.1, ES256).
fn cose_key(key: &EcKey<Private>) -> Vec<u8> {
    let group = key.group();
    let mut ctx = BigNumContext::new().unwrap();
    let (mut x, mut y) = (openssl::bn::BigNum::new().unwrap(), openssl::bn::BigNum::new().unwrap());
    key.public_key().affine_coordinates(group, &mut x, &mut y, &mut ctx).unwrap();
    Cbor::Map(vec![
        (Cbor::Int(1), Cbor::Int(2)),
        (Cbor::Int(3), Cbor::Int(-7)),
        (Cbor::Int(-1), Cbor::Int(1)),
        (Cbor::Int(-2), Cbor::Bytes(x.to_vec_padded(32).unwrap())),
        (Cbor::Int(-3), Cbor::Bytes(y.to_vec_padded(32).unwrap())),
    ])
    .to_vec()
}

impl SoftAuthenticator {
    pub fn new(origin: &str) -> SoftAuthenticator {
        SoftAuthenticator {
            origin: origin.to_string(),
            credentials: Vec::new(),
            backup_eligible: false,
            verifies_user: true,
            counts: true,
        }
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut flags = 0x01; // UP
        if self.verifies_user {
            flags |= 0x04; // UV
        }
        if self.backup_eligible {
            flags |= 0x08; // BE
        }
        if attested {
            flags |= 0x40; // AT
        }
        flags
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        let challenge = b64(&unb64(challenge));
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// `navigator.credentials.create()` for `options` (the server's JSON):
    /// a new discoverable credential, as the registration form posts it.
    pub fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().expect("rp.id").to_string();
        let user_handle = unb64(public_key["user"]["id"].as_str().expect("user.id"));
        let excluded: Vec<Vec<u8>> = public_key["excludeCredentials"]
            .as_array()
            .map(|list| list.iter().map(|c| unb64(c["id"].as_str().unwrap())).collect())
            .unwrap_or_default();
        assert!(
            !self.credentials.iter().any(|c| excluded.contains(&c.id)),
            "the authenticator holds an excluded credential (InvalidStateError)"
        );
        let key = EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap();
        let id = openssl::sha::sha256(&key.private_key().to_vec())[..16].to_vec();
        let mut auth_data = openssl::sha::sha256(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(true));
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(cose_key(&key));
        let attestation = Cbor::Map(vec![
            (Cbor::Text("fmt"), Cbor::Text("none")),
            (Cbor::Text("attStmt"), Cbor::Map(vec![])),
            (Cbor::Text("authData"), Cbor::Bytes(auth_data)),
        ])
        .to_vec();
        let client_data = self.client_data("webauthn.create", public_key["challenge"].as_str().unwrap());
        self.credentials.push(SoftCredential { id: id.clone(), key, user_handle, rp_id, counter: 0 });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": { "attestationObject": b64(&attestation), "clientDataJSON": b64(&client_data) },
            "extensions": {},
        })
    }

    /// `navigator.credentials.get()` for `options`: an assertion by the
    /// first allowed credential (any of the site's, when none is listed).
    pub fn get(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId").to_string();
        let allowed: Vec<Vec<u8>> = public_key["allowCredentials"]
            .as_array()
            .map(|list| list.iter().map(|c| unb64(c["id"].as_str().unwrap())).collect())
            .unwrap_or_default();
        let client_data = self.client_data("webauthn.get", public_key["challenge"].as_str().unwrap());
        let flags = self.flags(false);
        let counts = self.counts;
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .expect("a credential for this site (NotAllowedError)");
        if counts {
            credential.counter += 1;
        }
        let mut auth_data = openssl::sha::sha256(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend(credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(openssl::sha::sha256(&client_data));
        let signature =
            EcdsaSig::sign(&openssl::sha::sha256(&signed), &credential.key).unwrap().to_der().unwrap();
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": b64(&credential.user_handle),
            },
            "extensions": {},
        })
    }
}
