//! Clients' public keys for `private_key_jwt` (RFC 7523 §3, OpenID Connect
//! Core §9, §10.1.1): a JWK Set (RFC 7517 §5) registered inline or fetched
//! from the client's `jwks_uri` (OpenID Connect Registration §2).
//!
//! Fetched sets are cached per client for [`CACHE_TTL`] seconds. A `kid` the
//! cached set does not know triggers one early refetch (key rollover, OIDC
//! Core §10.1.1), at most once per [`MIN_REFETCH`] seconds per client, and a
//! failed fetch is not retried sooner either, so a client cannot make the
//! server hammer its (or anyone's) `jwks_uri`. One fetch runs per client at
//! a time; concurrent requests wait for it instead of fetching again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use josekit::jwk::JwkSet;

use crate::protocol::ClientRecord;
use crate::protocol::client_assertion::{is_acceptable_jwks_uri, parse_public_jwks};

/// Seconds a fetched JWK Set is used without asking again.
pub const CACHE_TTL: i64 = 300;
/// Seconds between two fetches of one client's `jwks_uri`, whatever the reason.
pub const MIN_REFETCH: i64 = 30;
/// Largest `jwks_uri` response body read.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A cache entry unused for this many seconds is dropped by [`ClientKeyCache::prune`].
pub const IDLE_EVICTION: i64 = 3600;

/// The client for outbound requests (clients' `jwks_uri`): short timeouts,
/// no redirects. Built on first use or ahead of it ([`OutboundHttp::prepare`]):
/// loading the system's CA certificates takes tens of milliseconds.
#[derive(Default)]
pub struct OutboundHttp {
    client: OnceLock<reqwest::Client>,
}

impl OutboundHttp {
    pub fn new() -> OutboundHttp {
        OutboundHttp::default()
    }

    /// The client, built now if nobody has yet.
    pub fn client(&self) -> reqwest::Result<&reqwest::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .connect_timeout(std::time::Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("oxidp/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Builds the client now (blocking: call off the async threads).
    pub fn prepare(&self) {
        if let Err(e) = self.client() {
            tracing::warn!(error = %e, "cannot build the outbound HTTP client");
        }
    }
}

/// A client's public keys, from whichever source it registered, for
/// checking what it signed (assertions, request objects): the fetched
/// ones through the shared [`ClientKeyCache`].
#[derive(Clone)]
pub struct ClientKeys {
    cache: Arc<ClientKeyCache>,
    http: Arc<OutboundHttp>,
}

impl ClientKeys {
    pub fn new(cache: Arc<ClientKeyCache>, http: Arc<OutboundHttp>) -> ClientKeys {
        ClientKeys { cache, http }
    }

    /// The client's JWK Set ([`ClientKeyCache::keys_for`]); `kid` is the
    /// key the caller looks for.
    pub async fn of(
        &self,
        client: &ClientRecord,
        kid: Option<&str>,
        now: i64,
    ) -> Result<Arc<JwkSet>, ClientKeysError> {
        let http = self.http.client().map_err(|e| ClientKeysError::Fetch(e.to_string()))?;
        self.cache.keys_for(http, client, kid, now).await
    }
}

/// Why a client's keys are not available. For the log only: the client
/// always gets a plain `invalid_client`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClientKeysError {
    #[error("the client has neither jwks nor jwks_uri")]
    NoKeys,
    /// The registered or fetched document is not a public JWK Set.
    #[error("{0}")]
    Invalid(String),
    /// `jwks_uri` not https (plain http is allowed on loopback only).
    #[error("jwks_uri {0:?} is not an https URL")]
    InsecureUri(String),
    #[error("fetching jwks_uri failed: {0}")]
    Fetch(String),
    /// The last fetch failed less than [`MIN_REFETCH`] seconds ago.
    #[error("jwks_uri failed recently; not retried yet")]
    Backoff,
}

/// One client's fetched keys.
#[derive(Default)]
struct Slot {
    uri: String,
    keys: Option<Arc<JwkSet>>,
    fetched_at: i64,
    attempted_at: Option<i64>,
    used_at: i64,
}

/// In-memory cache of the JWK Sets fetched from clients' `jwks_uri`,
/// keyed by client id. Shared by every request of the process.
#[derive(Default)]
pub struct ClientKeyCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl ClientKeyCache {
    pub fn new() -> ClientKeyCache {
        ClientKeyCache::default()
    }

    /// The client's JWK Set: the inline `jwks`, else the (cached) document
    /// at `jwks_uri`. `kid` is the key the caller is looking for; a cached
    /// set without it is refetched if [`MIN_REFETCH`] allows.
    pub async fn keys_for(
        &self,
        http: &reqwest::Client,
        client: &ClientRecord,
        kid: Option<&str>,
        now: i64,
    ) -> Result<Arc<JwkSet>, ClientKeysError> {
        if let Some(json) = &client.jwks {
            return parse_public_jwks(json).map(Arc::new).map_err(ClientKeysError::Invalid);
        }
        let Some(uri) = &client.jwks_uri else {
            return Err(ClientKeysError::NoKeys);
        };
        let slot = self.slot(&client.client_id);
        let mut slot = slot.lock().await;
        if slot.uri != *uri {
            *slot = Slot { uri: uri.clone(), ..Slot::default() };
        }
        slot.used_at = now;
        // A clock that went backwards counts as "expired" / "may fetch".
        let age = now - slot.fetched_at;
        let fresh = slot.keys.as_ref().filter(|_| (0..CACHE_TTL).contains(&age)).cloned();
        let may_fetch = slot.attempted_at.is_none_or(|t| !(0..MIN_REFETCH).contains(&(now - t)));
        match (&fresh, kid) {
            (Some(keys), Some(kid)) if keys.get(kid).is_empty() && may_fetch => {}
            (Some(keys), _) => return Ok(keys.clone()),
            (None, _) if !may_fetch => return Err(ClientKeysError::Backoff),
            (None, _) => {}
        }
        slot.attempted_at = Some(now);
        match fetch(http, uri).await {
            Ok(set) => {
                let set = Arc::new(set);
                slot.keys = Some(set.clone());
                slot.fetched_at = now;
                Ok(set)
            }
            // A failed rollover refetch keeps the still-fresh set.
            Err(e) => match fresh {
                Some(keys) => {
                    tracing::warn!(client_id = %client.client_id, error = %e, "jwks_uri refetch failed");
                    Ok(keys)
                }
                None => {
                    slot.keys = None;
                    Err(e)
                }
            },
        }
    }

    /// Drops the sets of clients that have not authenticated for
    /// [`IDLE_EVICTION`] seconds (deleted clients, key rollovers long done);
    /// returns how many. Slots busy with a fetch are kept.
    pub fn prune(&self, now: i64) -> usize {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = slots.len();
        slots.retain(|_, slot| match slot.try_lock() {
            Ok(slot) => now - slot.used_at < IDLE_EVICTION,
            Err(_) => true,
        });
        before - slots.len()
    }

    /// Client sets held.
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slot(&self, client_id: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry(client_id.to_string()).or_default().clone()
    }
}

/// GETs the JWK Set at `uri`: status 200, body at most [`MAX_JWKS_BYTES`],
/// public keys only. Redirects are not followed (the client has none).
async fn fetch(http: &reqwest::Client, uri: &str) -> Result<JwkSet, ClientKeysError> {
    if !is_acceptable_jwks_uri(uri) {
        return Err(ClientKeysError::InsecureUri(uri.to_string()));
    }
    let body = get_bounded(http, uri, "application/jwk-set+json, application/json", MAX_JWKS_BYTES)
        .await
        .map_err(ClientKeysError::Fetch)?;
    let text = String::from_utf8(body).map_err(|_| ClientKeysError::Fetch("the body is not UTF-8".into()))?;
    parse_public_jwks(&text).map_err(ClientKeysError::Invalid)
}

/// GETs a small document from a client's URL (its `jwks_uri`, its
/// `sector_identifier_uri`): status 200 and at most `max_bytes` of body,
/// read in chunks so an endless response stops there. Errors leave the
/// URL out (the caller names it).
pub async fn get_bounded(
    http: &reqwest::Client,
    uri: &str,
    accept: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, String> {
    let mut resp = http
        .get(uri)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if resp.status() != reqwest::StatusCode::OK {
        return Err(format!("HTTP status {}", resp.status().as_u16()));
    }
    let too_big = || format!("response larger than {max_bytes} bytes");
    if resp.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.without_url().to_string())? {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use josekit::jws::ES256;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn public_jwks(kids: &[&str]) -> String {
        let mut set = JwkSet::new();
        for kid in kids {
            let mut jwk = ES256.generate_key_pair().expect("EC key").to_jwk_public_key();
            jwk.set_key_id(*kid);
            set.push_key(jwk);
        }
        set.to_string()
    }

    /// A loopback HTTP server answering every request with the current
    /// `body` (status 200 unless it is empty: then 500). Counts requests.
    struct Served {
        uri: String,
        body: Arc<Mutex<String>>,
        hits: Arc<AtomicUsize>,
    }

    async fn serve(body: String) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let uri = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
        let body = Arc::new(Mutex::new(body));
        let hits = Arc::new(AtomicUsize::new(0));
        let (shared, count) = (body.clone(), hits.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let body = shared.lock().expect("body").clone();
                let status = if body.is_empty() { "500 Internal Server Error" } else { "200 OK" };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            }
        });
        Served { uri, body, hits }
    }

    fn client(jwks: Option<String>, jwks_uri: Option<String>) -> ClientRecord {
        ClientRecord {
            client_id: "svc".into(),
            token_endpoint_auth_method: crate::protocol::ClientAuthMethod::PrivateKeyJwt,
            jwks,
            jwks_uri,
            ..ClientRecord::default()
        }
    }

    #[tokio::test]
    async fn inline_keys_need_no_fetch_and_missing_keys_fail() {
        let cache = ClientKeyCache::new();
        let http = reqwest::Client::new();
        let keys = cache.keys_for(&http, &client(Some(public_jwks(&["a"])), None), None, 0).await;
        assert_eq!(keys.expect("inline keys").keys().len(), 1);
        let err = cache.keys_for(&http, &client(None, None), None, 0).await.unwrap_err();
        assert_eq!(err, ClientKeysError::NoKeys);
    }

    #[tokio::test]
    async fn fetched_keys_are_cached_and_refetched_on_rollover() {
        let served = serve(public_jwks(&["old"])).await;
        let (cache, http) = (ClientKeyCache::new(), reqwest::Client::new());
        let c = client(None, Some(served.uri.clone()));

        let keys = cache.keys_for(&http, &c, Some("old"), 1000).await.expect("first fetch");
        assert_eq!(keys.get("old").len(), 1);
        cache.keys_for(&http, &c, Some("old"), 1010).await.expect("cached");
        assert_eq!(served.hits.load(Ordering::SeqCst), 1, "served from the cache");

        // The client rolls over to a new key.
        *served.body.lock().expect("body") = public_jwks(&["new"]);
        let keys = cache.keys_for(&http, &c, Some("new"), 1020).await.expect("stale set kept");
        assert!(keys.get("new").is_empty(), "no refetch within {MIN_REFETCH}s");
        assert_eq!(served.hits.load(Ordering::SeqCst), 1);
        let keys = cache.keys_for(&http, &c, Some("new"), 1031).await.expect("refetch on kid miss");
        assert_eq!(keys.get("new").len(), 1);
        assert_eq!(served.hits.load(Ordering::SeqCst), 2);

        // Expiry forces a refetch even without a kid.
        cache.keys_for(&http, &c, None, 1031 + CACHE_TTL).await.expect("after ttl");
        assert_eq!(served.hits.load(Ordering::SeqCst), 3);

        // An idle client's set is dropped; a used one is kept.
        assert_eq!(cache.prune(1031 + CACHE_TTL + IDLE_EVICTION - 1), 0);
        assert_eq!(cache.prune(1031 + CACHE_TTL + IDLE_EVICTION), 1);
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn failures_are_reported_and_backed_off() {
        let served = serve(String::new()).await;
        let (cache, http) = (ClientKeyCache::new(), reqwest::Client::new());
        let c = client(None, Some(served.uri.clone()));
        let err = cache.keys_for(&http, &c, None, 1000).await.unwrap_err();
        assert!(matches!(err, ClientKeysError::Fetch(ref m) if m.contains("500")), "{err:?}");
        let err = cache.keys_for(&http, &c, None, 1010).await.unwrap_err();
        assert_eq!(err, ClientKeysError::Backoff);
        assert_eq!(served.hits.load(Ordering::SeqCst), 1);

        *served.body.lock().expect("body") = "x".repeat(MAX_JWKS_BYTES + 1);
        let err = cache.keys_for(&http, &c, None, 1040).await.unwrap_err();
        assert!(matches!(err, ClientKeysError::Fetch(ref m) if m.contains("larger")), "{err:?}");

        *served.body.lock().expect("body") = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.into();
        let err = cache.keys_for(&http, &c, None, 1080).await.unwrap_err();
        assert!(matches!(err, ClientKeysError::Invalid(_)), "{err:?}");

        let insecure = client(None, Some("http://rp.example/jwks".into()));
        let err = cache.keys_for(&http, &insecure, None, 1000).await.unwrap_err();
        assert!(matches!(err, ClientKeysError::InsecureUri(_)), "{err:?}");
    }
}
