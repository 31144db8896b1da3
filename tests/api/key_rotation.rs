//! Signing-key rotation: the shared key set (next → active → retired), the
//! JWKS and its cache validators, reload on every instance, racing
//! rotations and the key-encryption key at startup. The `oxidp keys` CLI is
//! in `keys_cli.rs`.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use oxidp::config::Settings;
use oxidp::flows::keys;
use oxidp::jose::SigningAlg;
use oxidp::protocol::KeyState::{self, Active as ACTIVE, Next as NEXT, Retired as RETIRED};
use oxidp::protocol::key_lifecycle::Rotation;
use oxidp::store::SigningKeyRecord;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::Value;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9999/cb";
/// Not the default (300): the `Cache-Control` check shows it comes from the settings.
const JWKS_MAX_AGE: u64 = 120;
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Every instance checks the shared key set each second.
fn options() -> SpawnOptions {
    SpawnOptions::default().settings(|s| {
        s.keys.poll_interval = 1;
        s.keys.jwks_max_age = JWKS_MAX_AGE;
    })
}

/// [`options`] with a fixed clock the test moves forward.
fn options_with_clock() -> SpawnOptions {
    SpawnOptions { clock: SpawnOptions::fixed_clock().clock, ..options() }
}

/// Every stored key, sealed private keys included, oldest first.
async fn stored_keys(app: &TestApp) -> Vec<SigningKeyRecord> {
    app.services.stores.signing_keys.list().await.expect("list signing keys")
}

fn kids_in(keys: &[SigningKeyRecord], state: KeyState) -> Vec<String> {
    keys.iter().filter(|k| k.state == state).map(|k| k.kid.clone()).collect()
}

/// The kid of the single key in `state`.
fn only_kid(keys: &[SigningKeyRecord], state: KeyState) -> String {
    match kids_in(keys, state).as_slice() {
        [kid] => kid.clone(),
        other => panic!("expected exactly one {state} key, got {other:?}: {keys:?}"),
    }
}

/// The key-encryption key of the app's key set, as an operator's tool
/// (or another instance) reads it.
async fn kek(app: &TestApp) -> oxidp::jose::Kek {
    keys::load_kek(&app.settings.keys.kek_path(), false).await.expect("the KEK file").0
}

/// `flows::keys::rotate` through the library on the app's database, the
/// way an operator's tool (or another instance) would.
async fn rotate(app: &TestApp, force: bool) -> Rotation {
    let (kek, policy) = (kek(app).await, app.settings.key_policy());
    keys::rotate(&app.services.stores.signing_keys, &kek, &policy, SigningAlg::Rs256, now(), force)
        .await
        .expect("rotate")
}

/// `(active, next, retired)` of a rotation that happened.
fn rotated(rotation: Rotation) -> (String, String, String) {
    match rotation {
        Rotation::Rotated { active, next, retired } => (active, next, retired),
        other => panic!("expected a rotation, got {other:?}"),
    }
}

/// Retries `probe` every 100 ms until it yields a value; panics after 10 s.
async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The kids of a JWK Set, sorted.
fn jwks_kids(jwks: &Value) -> Vec<String> {
    let keys = signing_keys(jwks);
    let mut kids: Vec<String> = keys.iter().map(|k| k["kid"].as_str().expect("kid").to_string()).collect();
    kids.sort();
    kids
}

fn sorted(kids: &[&String]) -> Vec<String> {
    let mut kids: Vec<String> = kids.iter().map(|k| k.to_string()).collect();
    kids.sort();
    kids
}

/// Waits until `app` serves exactly `kids`: its keyring was reloaded (the
/// signer is swapped together with the JWKS). Returns that JWKS.
async fn wait_for_jwks(app: &TestApp, kids: &[&String]) -> Value {
    let want = sorted(kids);
    eventually(&format!("{} publishes {want:?}", app.address), async || {
        let jwks = app.jwks().await;
        (jwks_kids(&jwks) == want).then_some(jwks)
    })
    .await
}

fn assert_public_only(jwks: &Value) {
    encryption_key(jwks);
    for key in signing_keys(jwks) {
        assert_eq!((&key["kty"], &key["alg"], &key["use"]), (&"RSA".into(), &"RS256".into(), &"sig".into()));
        for member in PRIVATE_MEMBERS {
            assert!(key.get(member).is_none(), "private member {member} published: {key}");
        }
    }
}

async fn jwks_if_none_match(app: &TestApp, etag: &str) -> reqwest::Response {
    let resp = app.api.get(app.url("/.well-known/jwks.json")).header(IF_NONE_MATCH, etag).send().await;
    resp.expect("GET jwks")
}

/// The `kid` header of a token that verifies against `jwks`.
fn signing_kid(jwks: &Value, token: &str) -> String {
    verify_jwt(jwks, token).header["kid"].as_str().expect("kid").to_string()
}

/// A code flow in `browser`, logging in only the first time (SSO after).
async fn mint(app: &TestApp, browser: &Browser, user: &TestUser, client: &TestClient) -> Tokens {
    let req = AuthRequest::new(client);
    let cb = browser.code_for(&req, user).await;
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    Tokens::from_response(app.exchange_code(client, &cb.code, &req.redirect_uri, verifier).await).await
}

async fn assert_userinfo_ok(app: &TestApp, tokens: &Tokens, user: &TestUser, what: &str) {
    let resp = app.userinfo(&tokens.access_token).await;
    let status = resp.status();
    let body = resp.text().await.expect("userinfo body");
    assert_eq!(status, 200, "{what}: /userinfo at {} refused the token: {body}", app.address);
    let json: Value = serde_json::from_str(&body).expect("userinfo JSON");
    assert_eq!(json["sub"], user.sub(), "{what}");
}

backend_test!(jwks_publishes_active_and_next_with_validators, options = options(), |app| async move {
    let keys = stored_keys(&app).await;
    assert_eq!(keys.len(), 2, "a fresh key set is one active and one next key: {keys:?}");
    let (active, next) = (only_kid(&keys, ACTIVE), only_kid(&keys, NEXT));

    let resp = app.get("/.well-known/jwks.json").await;
    assert_eq!(resp.status(), 200);
    let max_age = format!("public, max-age={JWKS_MAX_AGE}");
    assert_eq!(header(&resp, CACHE_CONTROL).as_deref(), Some(max_age.as_str()));
    let etag = header(&resp, ETAG).expect("JWKS ETag");
    assert!(etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'), "strong, quoted ETag: {etag}");
    let body = resp.text().await.unwrap();
    assert!(!body.contains("PRIVATE"), "{body}");
    let jwks: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jwks_kids(&jwks), sorted(&[&active, &next]));
    assert_public_only(&jwks);

    // RFC 9110 §13.1.2: a matching If-None-Match is answered 304, no body.
    let resp = jwks_if_none_match(&app, &etag).await;
    assert_eq!(resp.status(), 304);
    assert_eq!(header(&resp, ETAG).as_deref(), Some(etag.as_str()));
    assert_eq!(header(&resp, CACHE_CONTROL).as_deref(), Some(max_age.as_str()));
    assert!(resp.bytes().await.unwrap().is_empty(), "304 with a body");
    let resp = jwks_if_none_match(&app, "\"some-other-version\"").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), jwks);

    // After a rotation: the retired key stays published, the ETag changes.
    let (new_active, new_next, retired) = rotated(rotate(&app, false).await);
    assert_eq!((&new_active, &retired), (&next, &active));
    let jwks = wait_for_jwks(&app, &[&active, &next, &new_next]).await;
    assert_public_only(&jwks);
    let resp = jwks_if_none_match(&app, &etag).await;
    assert_eq!(resp.status(), 200, "the old ETag still matches after a rotation");
    let new_etag = header(&resp, ETAG).expect("JWKS ETag");
    assert_ne!(new_etag, etag);
    assert_eq!(resp.json::<Value>().await.unwrap(), jwks);
    assert_eq!(jwks_if_none_match(&app, &new_etag).await.status(), 304);
});

/// RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so a cache
/// that holds the ETag as weak (`W/"…"`, e.g. after a compressing proxy)
/// still revalidates; a list of tags matches when any member does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_if_none_match_uses_weak_comparison() {
    let app = spawn_app_with(Backend::Embedded, options()).await;
    let etag = header(&app.get("/.well-known/jwks.json").await, ETAG).expect("JWKS ETag");
    assert_eq!(jwks_if_none_match(&app, &format!("\"other\", {etag}")).await.status(), 304, "tag list");
    assert_eq!(jwks_if_none_match(&app, "*").await.status(), 304, "If-None-Match: *");
    assert_eq!(jwks_if_none_match(&app, &format!("W/{etag}")).await.status(), 304, "weak form of the ETag");
}

backend_test!(
    rotates_automatically_when_the_active_key_is_due,
    options = options_with_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_confidential_client("app1", &[CB]).await;
        let keys = stored_keys(&app).await;
        let (active, next) = (only_kid(&keys, ACTIVE), only_kid(&keys, NEXT));

        app.advance(app.settings.keys.rotation_period as i64);
        let stored = eventually("an automatic rotation", async || {
            let stored = stored_keys(&app).await;
            (stored.len() == 3).then_some(stored)
        })
        .await;
        assert_eq!((only_kid(&stored, ACTIVE), only_kid(&stored, RETIRED)), (next.clone(), active.clone()));
        let new_next = only_kid(&stored, NEXT);
        let new_next_row = stored.iter().find(|k| k.kid == new_next).unwrap();
        assert_eq!(
            new_next_row.signs_from,
            app.now() + JWKS_MAX_AGE as i64,
            "published for jwks_max_age first"
        );

        let jwks = wait_for_jwks(&app, &[&active, &next, &new_next]).await;
        let tokens = app.tokens_for(&user, &client).await;
        assert_eq!(signing_kid(&jwks, tokens.id_token()), next);
    }
);

backend_test!(tokens_outlive_the_rotation_of_their_key, options = options(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let keys = stored_keys(&app).await;
    let (active, next) = (only_kid(&keys, ACTIVE), only_kid(&keys, NEXT));

    let before = app.tokens_for(&user, &client).await;
    let jwks = app.jwks().await;
    for token in [before.id_token(), &before.access_token] {
        assert_eq!(signing_kid(&jwks, token), active);
    }
    // The next key is already published although no token carries its kid.
    assert_eq!(jwks_kids(&jwks), sorted(&[&active, &next]));

    // The first next key may sign at once: a non-forced rotation goes through.
    let (new_active, new_next, retired) = rotated(rotate(&app, false).await);
    assert_eq!((&new_active, &retired), (&next, &active));
    let jwks = wait_for_jwks(&app, &[&active, &next, &new_next]).await;
    let stored = stored_keys(&app).await;
    assert_eq!(only_kid(&stored, RETIRED), active);
    let retired_row = stored.iter().find(|k| k.kid == active).unwrap();
    assert!(retired_row.retired_at.is_some() && retired_row.delete_after > retired_row.retired_at);

    // Tokens signed before still verify (the retired key is published) and work.
    for token in [before.id_token(), &before.access_token] {
        assert_eq!(signing_kid(&jwks, token), active);
    }
    assert_userinfo_ok(&app, &before, &user, "token signed before the rotation").await;

    // New tokens carry the former next key's kid; the new next key only waits.
    let after = app.tokens_for(&user, &client).await;
    for token in [after.id_token(), &after.access_token] {
        assert_eq!(signing_kid(&jwks, token), next);
    }
    assert_userinfo_ok(&app, &after, &user, "token signed after the rotation").await;
});

/// Two instances on one PostgreSQL + Redis, same issuer and keys dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_rotation_reaches_every_instance() {
    let a = spawn_app_with(Backend::PgRedis, options()).await;
    let b = a.spawn_sibling().await;
    let user = a.with_user("alice", PASSWORD).await;
    let client = a.with_confidential_client("app1", &[CB]).await;
    let keys = stored_keys(&a).await;
    let (active, next) = (only_kid(&keys, ACTIVE), only_kid(&keys, NEXT));

    let (browser_a, browser_b) = {
        let browser = a.browser();
        (browser.at(&a.address), browser.at(&b.address))
    };
    let before_a = mint(&a, &browser_a, &user, &client).await;
    let before_b = mint(&b, &browser_b, &user, &client).await;
    let jwks = a.jwks().await;
    assert_eq!(b.jwks().await, jwks);
    for tokens in [&before_a, &before_b] {
        assert_eq!(signing_kid(&jwks, &tokens.access_token), active);
    }

    // A forced rotation on the shared database, outside either server.
    let (new_active, new_next, retired) = rotated(rotate(&a, true).await);
    assert_eq!((&new_active, &retired), (&next, &active));
    // Each instance reloads within its poll interval (1 s here).
    let jwks = wait_for_jwks(&b, &[&active, &next, &new_next]).await;
    assert_eq!(wait_for_jwks(&a, &[&active, &next, &new_next]).await, jwks);
    // Caches in front of both instances revalidate with either's ETag.
    let etags = [
        header(&a.get("/.well-known/jwks.json").await, ETAG),
        header(&b.get("/.well-known/jwks.json").await, ETAG),
    ];
    assert!(etags[0].is_some() && etags[0] == etags[1], "ETags differ between instances: {etags:?}");

    let after_a = mint(&a, &browser_a, &user, &client).await;
    let after_b = mint(&b, &browser_b, &user, &client).await;
    for tokens in [&after_a, &after_b] {
        assert_eq!(signing_kid(&jwks, &tokens.access_token), new_active);
        assert_eq!(signing_kid(&jwks, tokens.id_token()), new_active);
    }
    // Every token, from either instance and either key, works at both.
    for (what, tokens) in
        [("A, before", &before_a), ("B, before", &before_b), ("A, after", &after_a), ("B, after", &after_b)]
    {
        signing_kid(&jwks, tokens.id_token());
        for app in [&a, &b] {
            assert_userinfo_ok(app, tokens, &user, what).await;
        }
    }
}

backend_test!(racing_rotations_rotate_once, options = options(), |app| async move {
    const RACERS: usize = 4;
    let keys = stored_keys(&app).await;
    let (active, next) = (only_kid(&keys, ACTIVE), only_kid(&keys, NEXT));
    let (kek, policy) = (Arc::new(kek(&app).await), app.settings.key_policy());
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let signing_keys = app.services.stores.signing_keys.clone();
            let (kek, policy, start) = (kek.clone(), policy.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                keys::rotate(&signing_keys, &kek, &policy, SigningAlg::Rs256, now(), false).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.expect("racer task").expect("rotate"));
    }

    let wins: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            Rotation::Rotated { active, next, retired } => Some((active, next, retired)),
            Rotation::NotYet { .. } => None,
        })
        .collect();
    let [(won_active, won_next, won_retired)] = wins.as_slice() else {
        panic!("expected exactly one rotation: {outcomes:?}");
    };
    assert_eq!((*won_active, *won_retired), (&next, &active));
    let won_next = (*won_next).clone();

    let stored = stored_keys(&app).await;
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert_eq!(only_kid(&stored, ACTIVE), next);
    assert_eq!(only_kid(&stored, RETIRED), active);
    assert_eq!(only_kid(&stored, NEXT), won_next);
    // The losers saw the winner's next key, which may not sign yet.
    let signs_from = stored.iter().find(|k| k.kid == won_next).unwrap().signs_from;
    for outcome in outcomes.iter().filter(|o| !matches!(o, Rotation::Rotated { .. })) {
        assert_eq!(outcome, &Rotation::NotYet { signs_from });
    }
    wait_for_jwks(&app, &[&active, &next, &won_next]).await;
});

/// `Application::build_with_listener` with `settings`; its error, which it must be.
async fn startup_error(settings: &Settings) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    match oxidp::app::Application::build_with_listener(settings.clone(), listener).await {
        Ok(_) => panic!("the server started"),
        Err(e) => format!("{e:#}"),
    }
}

backend_test!(startup_needs_the_right_kek, options = options(), |app| async move {
    let kek_path = app.settings.keys.kek_path();
    let original = std::fs::read(&kek_path).expect("the KEK file was created at first start");
    assert_eq!(std::fs::metadata(&kek_path).unwrap().permissions().mode() & 0o777, 0o600);
    let rows = stored_keys(&app).await;

    // Well-formed (43 × 'A' is base64url of 32 zero bytes) but not the KEK
    // that sealed the keys.
    std::fs::write(&kek_path, format!("{}\n", "A".repeat(43))).unwrap();
    let error = startup_error(&app.settings).await;
    assert!(error.contains("key-encryption key"), "unclear error: {error}");
    assert_eq!(stored_keys(&app).await, rows, "a start with the wrong KEK changed the key set");

    // No KEK file while the database holds keys: no new KEK is made up.
    std::fs::remove_file(&kek_path).unwrap();
    let error = startup_error(&app.settings).await;
    assert!(error.contains("key-encryption key"), "unclear error: {error}");
    assert!(error.contains("missing"), "unclear error: {error}");
    assert!(!kek_path.exists(), "a start without the KEK created {}", kek_path.display());
    assert_eq!(stored_keys(&app).await, rows, "a start without the KEK changed the key set");

    // With the right KEK back, another instance starts on the same keys.
    std::fs::write(&kek_path, &original).unwrap();
    std::fs::set_permissions(&kek_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let sibling = app.spawn_sibling().await;
    assert_eq!(sibling.jwks().await, app.jwks().await);
    assert_eq!(stored_keys(&app).await, rows);
});
