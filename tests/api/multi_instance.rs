//! Two server instances behind one issuer, sharing PostgreSQL, Redis and the
//! signing keys: a session and a code from one are honoured by the other.

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9999/cb";

async fn pair() -> (TestApp, TestApp) {
    let a = spawn_app(Backend::PgRedis).await;
    let b = a.spawn_sibling().await;
    assert_ne!(a.port, b.port);
    assert_eq!(a.issuer, b.issuer);
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn session_from_a_is_honoured_by_b() {
    let (a, b) = pair().await;
    let user = a.with_user("alice", PASSWORD).await;
    let client = a.with_confidential_client("app1", &[CB]).await;

    let browser_a = a.browser();
    browser_a.authorize_and_login(&AuthRequest::new(&client), &user).await;

    // Same cookie jar, other port: cookies are per host, not per port.
    let browser_b = browser_a.at(&b.address);
    let req = AuthRequest::new(&client);
    let cb = browser_b.authorize_with_session(&req).await;
    assert_eq!(cb.iss.as_deref(), Some(a.issuer.as_str()));
    assert_eq!(cb.state.as_deref(), Some(req.state.as_str()));

    // The code minted by B is redeemed at A.
    let verifier = req.pkce.as_ref().unwrap().verifier.clone();
    let resp = a.exchange_code(&client, &cb.code, CB, Some(&verifier)).await;
    let tokens = Tokens::from_response(resp).await;

    // Shared keys: B's tokens verify against A's JWKS, and B serves the
    // same keys.
    let jwks = a.jwks().await;
    assert_eq!(jwks, b.jwks().await);
    let id = verify_jwt(&jwks, tokens.id_token());
    assert_eq!(id.claims["iss"], a.issuer.as_str());
    assert_eq!(id.claims["sub"], user.sub());

    // Either instance serves UserInfo for the token.
    for app in [&a, &b] {
        let resp = app.userinfo(&tokens.access_token).await;
        assert_eq!(resp.status(), 200);
    }

    // The code is single-use across instances.
    let resp = b.exchange_code(&client, &cb.code, CB, Some(&verifier)).await;
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn login_challenge_from_a_completes_at_b() {
    let (a, b) = pair().await;
    let user = a.with_user("alice", PASSWORD).await;
    let client = a.with_public_client("spa", &[CB]).await;

    let browser_a = a.browser();
    let req = AuthRequest::new(&client);
    let form = browser_a.login_page(&req).await;
    let browser_b = browser_a.at(&b.address);
    let resp = browser_b.submit_login(&form, "alice", &user.password).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    let verifier = req.pkce.as_ref().unwrap().verifier.clone();
    let resp = a.exchange_code(&client, &cb.code, CB, Some(&verifier)).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn discovery_is_identical() {
    let (a, b) = pair().await;
    assert_eq!(a.discovery().await, b.discovery().await);
}
