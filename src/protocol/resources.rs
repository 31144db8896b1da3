//! Resource indicators (RFC 8707) and the access tokens they shape
//! (RFC 9068 §3): which resources a request may name, the scopes they
//! define, and the lifetime and algorithm of tokens for them.
//!
//! Rules, in one place for `/authorize`, the token grants and the docs:
//! - `resource` may repeat; each value is an absolute URI without fragment
//!   (RFC 8707 §2), registered (`oxidp resource create`) and allowed for the
//!   client (`--resource`), else `invalid_target`.
//! - A token request may narrow the resources of its grant, never widen them
//!   (RFC 8707 §2.2); without `resource` it gets all of them.
//! - A scope a resource defines is granted only with that resource: asked
//!   for without it, it is left out of the grant (like any scope the client
//!   may not have), and the response's `scope` says what was granted.
//! - Lifetime: a resource's `access_token_ttl` replaces the client's and
//!   the server's; with several resources the shortest one applies.
//! - Algorithm: a resource's `signing_alg` (unset: the server's default)
//!   signs its tokens. All resources of one token must agree: an API that
//!   registered ES256 may refuse anything else, so a mixed request is
//!   `invalid_target`, to be split into one token request per resource.
//! - Encryption: a resource with `access_token_encryption` gets its tokens
//!   signed, then encrypted to its key, so clients cannot read them; such a
//!   token is for that resource alone (others could not read it either).

use josekit::jwk::Jwk;

use crate::jose::KeyError;
use crate::jose::jwe::{Encryption, encrypt_nested};
use crate::protocol::client_assertion::parse_public_jwks;
use crate::protocol::{ClientRecord, OAuthError, Params, ResourceRecord, Scope, SigningAlg};

/// The parameter's name (RFC 8707 §2).
pub const RESOURCE: &str = "resource";

/// The `resource` values of a request, in order, without duplicates.
pub fn requested(params: &Params) -> Result<Vec<String>, OAuthError> {
    let mut resources: Vec<String> = Vec::new();
    for value in params.get_all(RESOURCE) {
        let absolute = url::Url::parse(value).is_ok_and(|u| u.fragment().is_none()) && !value.contains('#');
        if !absolute {
            return Err(OAuthError::invalid_target("resource must be an absolute URI without a fragment"));
        }
        if !resources.iter().any(|r| r == value) {
            resources.push(value.to_string());
        }
    }
    Ok(resources)
}

/// RFC 8707 §2.2: the resources of a token request, within those of its
/// grant; none requested means all of the grant's.
pub fn narrow(granted: &[String], requested: Vec<String>) -> Result<Vec<String>, OAuthError> {
    if requested.is_empty() {
        return Ok(granted.to_vec());
    }
    match requested.iter().find(|r| !granted.contains(r)) {
        Some(wider) => Err(OAuthError::invalid_target(format!("resource {wider} was not part of the grant"))),
        None => Ok(requested),
    }
}

/// What the registered resources of a token mean for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The resource identifiers: the token's `aud` (none: the default audience).
    pub resources: Vec<String>,
    /// The shortest `access_token_ttl` among them, if any has one.
    pub access_token_ttl: Option<u64>,
    /// The algorithm they agreed on, if any set one.
    pub signing_alg: Option<SigningAlg>,
    /// The resource's key its tokens are encrypted to, when it asked for
    /// that: then it is the token's only resource.
    pub sealed_for: Option<Sealing>,
}

/// An access token encrypted to its resource (JWE, RFC 7516): the signed
/// token inside (a nested JWT, RFC 7519 §5.2), readable by the API alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealing {
    pub resource: String,
    key: Jwk,
    encryption: Encryption,
}

impl Sealing {
    /// The key of `record` its tokens are encrypted to, if it wants them
    /// encrypted; an error when its JWKS has no such key (registration
    /// checks it, so only a changed database gets here).
    fn of(record: &ResourceRecord) -> Result<Option<Sealing>, OAuthError> {
        let Some(encryption) = record.access_token_encryption else { return Ok(None) };
        let key = record
            .jwks
            .as_deref()
            .and_then(|jwks| parse_public_jwks(jwks).ok())
            .and_then(|set| encryption.key_in(&set).cloned())
            .ok_or_else(|| {
                OAuthError::server_error(format!(
                    "resource {} has no key to encrypt its tokens to",
                    record.identifier
                ))
            })?;
        Ok(Some(Sealing { resource: record.identifier.clone(), key, encryption }))
    }

    /// `jws` (the signed access token) encrypted to the resource.
    pub fn seal(&self, jws: &str) -> Result<String, KeyError> {
        encrypt_nested(jws, &self.key, self.encryption.alg, self.encryption.enc)
    }
}

/// A snapshot of the registered resources.
#[derive(Debug, Clone, Copy)]
pub struct Registry<'a> {
    resources: &'a [ResourceRecord],
}

impl<'a> Registry<'a> {
    pub fn new(resources: &'a [ResourceRecord]) -> Registry<'a> {
        Registry { resources }
    }

    pub fn find(&self, identifier: &str) -> Option<&'a ResourceRecord> {
        self.resources.iter().find(|r| r.identifier == identifier)
    }

    /// Every requested resource must be allowed for the client and
    /// registered (RFC 8707 §2: `invalid_target`).
    pub fn check_allowed(&self, client: &ClientRecord, requested: &[String]) -> Result<(), OAuthError> {
        for resource in requested {
            if !client.resources.contains(resource) {
                return Err(OAuthError::invalid_target(format!(
                    "resource {resource} is not allowed for this client"
                )));
            }
            if self.find(resource).is_none() {
                return Err(OAuthError::invalid_target(format!("resource {resource} is not registered")));
            }
        }
        Ok(())
    }

    /// Whether `scope` is defined by a registered resource not in `with`.
    fn belongs_elsewhere(&self, scope: &str, with: &[String]) -> bool {
        self.resources.iter().any(|r| r.scopes.iter().any(|s| s == scope) && !with.contains(&r.identifier))
    }

    /// `scope` without the scopes of resources that are not in `with`
    /// (scopes of resources are grantable only with them).
    pub fn grantable_scope(&self, scope: &Scope, with: &[String]) -> Scope {
        let kept: Vec<&str> = scope.iter().filter(|s| !self.belongs_elsewhere(s, with)).collect();
        Scope::parse(&kept.join(" ")).unwrap_or_default()
    }

    /// Lifetime and algorithm of a token for `resources` (all registered).
    /// `default_alg` is what an unset `signing_alg` means.
    pub fn target(&self, resources: &[String], default_alg: SigningAlg) -> Result<Target, OAuthError> {
        let mut target = Target { resources: resources.to_vec(), ..Target::default() };
        let mut algs: Vec<SigningAlg> = Vec::new();
        for identifier in resources {
            let record = self.find(identifier).ok_or_else(|| {
                OAuthError::invalid_target(format!("resource {identifier} is not registered"))
            })?;
            if let Some(ttl) = record.access_token_ttl.and_then(|t| u64::try_from(t).ok()) {
                target.access_token_ttl = Some(target.access_token_ttl.map_or(ttl, |t| t.min(ttl)));
            }
            if let Some(sealing) = Sealing::of(record)? {
                if resources.len() > 1 {
                    return Err(OAuthError::invalid_target(format!(
                        "tokens for {identifier} are encrypted to it: request a token for it alone"
                    )));
                }
                target.sealed_for = Some(sealing);
            }
            let alg = record.signing_alg.unwrap_or(default_alg);
            if !algs.contains(&alg) {
                algs.push(alg);
            }
        }
        match algs.as_slice() {
            [] => {}
            [one] => target.signing_alg = Some(*one),
            _ => {
                return Err(OAuthError::invalid_target(
                    "these resources use different signing algorithms: request a token for each",
                ));
            }
        }
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(id: &str, scopes: &[&str], ttl: Option<i64>, alg: Option<SigningAlg>) -> ResourceRecord {
        ResourceRecord {
            identifier: id.into(),
            secret_hash: None,
            jwks: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            access_token_ttl: ttl,
            signing_alg: alg,
            access_token_encryption: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn registry() -> Vec<ResourceRecord> {
        vec![
            api("https://orders", &["read:orders"], Some(600), Some(SigningAlg::Es256)),
            api("https://stock", &["read:stock"], Some(60), Some(SigningAlg::Es256)),
            api("https://legacy", &[], None, None),
        ]
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resources_repeat_and_must_be_absolute_without_fragment() {
        let p = Params::parse("resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&resource=https%3A%2F%2Fa")
            .unwrap();
        assert_eq!(requested(&p).unwrap(), strings(&["https://a", "https://b"]));
        for bad in ["resource=%2Frelative", "resource=https%3A%2F%2Fa%23frag", "resource=a%20b"] {
            let err = requested(&Params::parse(bad).unwrap()).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_target", "{bad}");
        }
        assert!(requested(&Params::parse("scope=x").unwrap()).unwrap().is_empty());
    }

    #[test]
    fn narrowing_never_widens() {
        let granted = strings(&["https://a", "https://b"]);
        assert_eq!(narrow(&granted, vec![]).unwrap(), granted);
        assert_eq!(narrow(&granted, strings(&["https://b"])).unwrap(), strings(&["https://b"]));
        assert_eq!(narrow(&granted, strings(&["https://c"])).unwrap_err().code.as_str(), "invalid_target");
        assert_eq!(narrow(&[], strings(&["https://a"])).unwrap_err().code.as_str(), "invalid_target");
    }

    #[test]
    fn resources_must_be_registered_and_allowed() {
        let all = registry();
        let reg = Registry::new(&all);
        let client = ClientRecord {
            resources: strings(&["https://orders", "https://unregistered"]),
            ..ClientRecord::default()
        };
        assert!(reg.check_allowed(&client, &strings(&["https://orders"])).is_ok());
        assert!(reg.check_allowed(&client, &[]).is_ok());
        for bad in ["https://stock", "https://unregistered"] {
            let err = reg.check_allowed(&client, &strings(&[bad])).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_target", "{bad}");
        }
    }

    #[test]
    fn resource_scopes_only_with_their_resource() {
        let all = registry();
        let reg = Registry::new(&all);
        let asked = Scope::parse("openid read:orders read:stock own").unwrap();
        assert_eq!(reg.grantable_scope(&asked, &[]).to_string(), "openid own");
        assert_eq!(
            reg.grantable_scope(&asked, &strings(&["https://orders"])).to_string(),
            "openid read:orders own"
        );
        let both = strings(&["https://orders", "https://stock"]);
        assert_eq!(reg.grantable_scope(&asked, &both), asked);
    }

    #[test]
    fn shortest_lifetime_and_one_algorithm() {
        let all = registry();
        let reg = Registry::new(&all);
        let rs = SigningAlg::Rs256;
        let both = reg.target(&strings(&["https://orders", "https://stock"]), rs).unwrap();
        assert_eq!((both.access_token_ttl, both.signing_alg), (Some(60), Some(SigningAlg::Es256)));
        let legacy = reg.target(&strings(&["https://legacy"]), rs).unwrap();
        assert_eq!((legacy.access_token_ttl, legacy.signing_alg), (None, Some(rs)));
        let mixed = reg.target(&strings(&["https://orders", "https://legacy"]), rs).unwrap_err();
        assert_eq!(mixed.code.as_str(), "invalid_target");
        assert_eq!(reg.target(&[], rs).unwrap(), Target::default());
        assert!(reg.target(&strings(&["https://gone"]), rs).is_err());
    }

    #[test]
    fn an_encrypted_resource_gets_its_tokens_alone_and_sealed_to_its_key() {
        let pair = josekit::jwe::RSA_OAEP_256.generate_key_pair(2048).expect("key");
        let mut public = pair.to_jwk_public_key();
        public.set_key_use("enc");
        let mut vault = api("https://vault", &[], None, None);
        vault.jwks = Some(format!(r#"{{"keys":[{public}]}}"#));
        vault.access_token_encryption = Encryption::parse("", Some("RSA-OAEP-256"), None).expect("words");
        let all = [vault.clone(), api("https://legacy", &[], None, None)];
        let registry = Registry::new(&all);

        let target = registry.target(&["https://vault".into()], SigningAlg::Rs256).expect("alone");
        let sealing = target.sealed_for.expect("sealed");
        let jwe = sealing.seal("a.b.c").expect("seal");
        let decrypter =
            josekit::jwe::RSA_OAEP_256.decrypter_from_jwk(&pair.to_jwk_private_key()).expect("dec");
        let (plain, _) = josekit::jwe::deserialize_compact(&jwe, &decrypter).expect("decrypts");
        assert_eq!(plain, b"a.b.c");

        let both = registry.target(&["https://vault".into(), "https://legacy".into()], SigningAlg::Rs256);
        assert_eq!(both.unwrap_err().code, crate::protocol::ErrorCode::InvalidTarget);
        assert!(registry.target(&["https://legacy".into()], SigningAlg::Rs256).unwrap().sealed_for.is_none());

        // A key that went missing from the database is an error, not a plain token.
        vault.jwks = None;
        let broken = [vault];
        let err = Registry::new(&broken).target(&["https://vault".into()], SigningAlg::Rs256).unwrap_err();
        assert_eq!(err.code, crate::protocol::ErrorCode::ServerError);
    }
}
