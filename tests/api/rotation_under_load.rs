//! The acceptance check of zero-downtime rotation: while logins and token
//! issuance run steadily, the key set is rotated twice, and a relying party
//! that caches the JWKS exactly as long as its `Cache-Control: max-age`
//! allows (never refetching on an unknown `kid`) verifies every token.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use josekit::jwk::JwkSet;
use josekit::jws::RS256;
use oxidp::protocol::key_lifecycle::Rotation;

use crate::helpers::*;

/// A strict relying party: one JWKS per `max-age`, no refetch on a miss.
struct CachingRelyingParty {
    jwks: Option<(JwkSet, Instant, Duration)>,
    fetches: usize,
}

impl CachingRelyingParty {
    async fn verify(&mut self, app: &TestApp, token: &str) -> Result<String, String> {
        let stale = self.jwks.as_ref().is_none_or(|(_, at, max_age)| at.elapsed() >= *max_age);
        if stale {
            let resp = app.get("/.well-known/jwks.json").await;
            let max_age = header(&resp, reqwest::header::CACHE_CONTROL)
                .and_then(|cc| cc.split("max-age=").nth(1).and_then(|v| v.parse::<u64>().ok()))
                .expect("JWKS max-age");
            let set = JwkSet::from_bytes(resp.bytes().await.expect("JWKS body")).expect("JWKS");
            self.jwks = Some((set, Instant::now(), Duration::from_secs(max_age)));
            self.fetches += 1;
        }
        let (set, _, _) = self.jwks.as_ref().expect("cached JWKS");
        let header = decode_jwt(token).header;
        let kid = header["kid"].as_str().ok_or("no kid")?.to_string();
        let jwk =
            set.get(&kid).into_iter().next().ok_or_else(|| format!("kid {kid} not in the cached JWKS"))?;
        let verifier = RS256.verifier_from_jwk(jwk).map_err(|e| e.to_string())?;
        josekit::jwt::decode_with_verifier(token, &verifier).map_err(|e| format!("{kid}: {e}"))?;
        Ok(kid)
    }
}

async fn rotate(app: &TestApp) -> Rotation {
    let kek = oxidp::flows::keys::load_kek(&app.settings.keys.kek_path(), false).await.expect("kek").0;
    let (keys, policy) = (&app.services.stores.signing_keys, app.settings.key_policy());
    let alg = oxidp::jose::SigningAlg::Rs256;
    oxidp::flows::keys::rotate(keys, &kek, &policy, alg, oxidp::clock::unix_now(), false)
        .await
        .expect("rotate")
}

backend_test!(
    rotation_under_load_never_breaks_a_caching_relying_party,
    options = SpawnOptions::default().settings(|s| {
        s.keys.jwks_max_age = 2;
        s.keys.poll_interval = 1;
    }),
    |app| async move {
        let user = app.with_user("alice", "correct horse battery").await;
        let web = app.with_refresh_client("web").await;
        let service = app.with_service_client("svc", &["api.read"], &[]).await;
        let mut rp = CachingRelyingParty { jwks: None, fetches: 0 };
        let (mut verified, mut failures, mut kids) = (0, Vec::new(), HashSet::new());
        let mut rotations = Vec::new();
        let start = Instant::now();
        // Bounded: about 7 seconds of steady traffic, rotating at 1.5 s and 4.5 s
        // (the second waits out the 2-second JWKS max-age of the new next key).
        while start.elapsed() < Duration::from_secs(7) {
            if (rotations.is_empty() && start.elapsed() >= Duration::from_millis(1500))
                || (rotations.len() == 1 && start.elapsed() >= Duration::from_millis(4500))
            {
                rotations.push(rotate(&app).await);
            }
            let login = app.tokens_for(&user, &web).await;
            let machine = Tokens::from_response(
                app.token(&service.auth(), &[("grant_type", "client_credentials")]).await,
            )
            .await;
            for token in [login.id_token(), login.access_token.as_str(), machine.access_token.as_str()] {
                match rp.verify(&app, token).await {
                    Ok(kid) => {
                        verified += 1;
                        kids.insert(kid);
                    }
                    Err(e) => failures.push(e),
                }
            }
        }
        assert!(rotations.iter().all(|r| matches!(r, Rotation::Rotated { .. })), "{rotations:?}");
        assert_eq!(rotations.len(), 2, "both rotations ran");
        assert!(
            failures.is_empty(),
            "{} of {} verifications failed: {failures:?}",
            failures.len(),
            verified + failures.len()
        );
        assert_eq!(kids.len(), 3, "tokens were signed by three successive keys: {kids:?}");
        assert!(rp.fetches >= 3, "the relying party refetched per max-age ({} fetches)", rp.fetches);
    }
);
