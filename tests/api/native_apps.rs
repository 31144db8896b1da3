//! Native apps (RFC 8252): loopback redirect URIs match with any port
//! (§7.3), private-use URI schemes (§7.1) are for public clients, and
//! PKCE is required of every client unless a confidential one opts out
//! (RFC 9700 §2.1.1).

use crate::helpers::*;
use oxidp::flows::admin::NewClient;

const PASSWORD: &str = "correct horse battery";
const LOOPBACK: &str = "http://127.0.0.1/callback";

fn native(client_id: &str, redirect_uris: &[&str]) -> NewClient {
    NewClient {
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..new_client(client_id, redirect_uris, true)
    }
}

/// A port nobody listens on, as a native app would pick.
fn random_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

backend_test!(loopback_redirect_uris_match_any_port, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_client(native("cli", &[LOOPBACK, "http://[::1]/cb"])).await;
    let browser = app.browser();
    let uri = format!("http://127.0.0.1:{}/callback", random_port());
    let req = AuthRequest::new(&client).redirect_uri(&uri);
    let cb = browser.code_for(&req, &user).await;
    let resp = app.exchange_code(&client, &cb.code, &uri, Some(&verifier(&req))).await;
    let tokens = Tokens::from_response(resp).await;
    assert!(tokens.refresh_token.is_some(), "{}", tokens.json);

    // The token request repeats the redirect URI with its port: another
    // port is another redirect URI (RFC 6749 §4.1.3).
    let req = AuthRequest::new(&client).redirect_uri("http://[::1]:8400/cb");
    let cb = browser.code_for(&req, &user).await;
    let resp = app.exchange_code(&client, &cb.code, "http://[::1]:8401/cb", Some(&verifier(&req))).await;
    assert_oauth_error(resp, 400, "invalid_grant").await;
});

backend_test!(everything_but_the_loopback_port_still_matches_exactly, |app| async move {
    let client = app.with_client(native("cli", &[LOOPBACK])).await;
    let browser = app.browser();
    for uri in [
        "http://127.0.0.1:8080/callback/",
        "http://127.0.0.1:8080/other",
        "http://localhost:8080/callback",
        "https://127.0.0.1:8080/callback",
        "http://127.0.0.2:8080/callback",
        "http://127.0.0.1:8080/callback?x=1",
    ] {
        let resp = browser.authorize(&AuthRequest::new(&client).redirect_uri(uri)).await;
        assert_eq!(resp.status(), 400, "{uri} must not be accepted");
        assert!(header(&resp, reqwest::header::LOCATION).is_none(), "{uri}: no redirect to an unchecked URI");
    }
});

backend_test!(private_use_schemes_are_for_public_clients, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let uri = "com.example.notes:/oauth2redirect";
    let client = app.with_client(native("notes", &[uri])).await;
    let req = AuthRequest::new(&client);
    let cb = app.browser().code_for(&req, &user).await;
    let resp = app.exchange_code(&client, &cb.code, uri, Some(&verifier(&req))).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());

    // A confidential client cannot register one (RFC 8252 §8.4: no secret
    // in an app that any device may run), and nothing is written.
    let err = app
        .services
        .admin
        .create_client(
            &oxidp::flows::admin::Actor::Cli,
            new_client("web", &["com.example.web:/cb"], false),
            now(),
        )
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("private-use"), "{err}");
    assert!(app.services.stores.clients.find_fresh("web").await.unwrap().is_none());
    // Not a reverse-domain name: refused for everyone (RFC 8252 §7.1).
    assert!(
        app.services
            .admin
            .create_client(&oxidp::flows::admin::Actor::Cli, native("bad", &["myapp:/cb"]), now())
            .await
            .is_err()
    );
});

backend_test!(pkce_is_required_unless_a_confidential_client_opts_out, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    for (client, required) in [
        (app.with_client(native("native", &[LOOPBACK])).await, true),
        (app.with_confidential_client("web", &[CALLBACK]).await, true),
        (
            app.with_client(NewClient {
                pkce: Some("optional".into()),
                ..new_client("legacy", &[CALLBACK], false)
            })
            .await,
            false,
        ),
    ] {
        let req = AuthRequest::new(&client).without_pkce();
        let resp = app.browser().authorize(&req).await;
        if required {
            // An error redirect, never a code (RFC 9700 §2.1.1).
            let url = redirect_target(&resp, client.redirect_uri());
            let params = query_map(&url);
            assert_eq!(params.get("error").map(String::as_str), Some("invalid_request"), "{url}");
            assert!(!params.contains_key("code"));
        } else {
            let cb = app.browser().code_for(&req, &user).await;
            let resp = app.exchange_code(&client, &cb.code, client.redirect_uri(), None).await;
            assert_eq!(resp.status(), 200);
        }
    }
    // A public client cannot opt out.
    let public_optional = NewClient { pkce: Some("optional".into()), ..native("x", &[LOOPBACK]) };
    assert!(
        app.services
            .admin
            .create_client(&oxidp::flows::admin::Actor::Cli, public_optional, now())
            .await
            .is_err()
    );
});

backend_test!(unknown_scopes_are_ignored_and_the_response_names_the_grant, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_client(native("cli", &[LOOPBACK])).await;
    let req = AuthRequest::new(&client).scope("openid email admin:all calendar");
    let cb = app.browser().code_for(&req, &user).await;
    let resp = app.exchange_code(&client, &cb.code, LOOPBACK, Some(&verifier(&req))).await;
    let tokens = Tokens::from_response(resp).await;
    assert_eq!(scope_of(&tokens.json), ["email", "openid"]);
    let at = decode_jwt(&tokens.access_token).claims;
    assert_eq!(sorted_scope(at["scope"].as_str().unwrap_or_default()), ["email", "openid"]);
});

fn verifier(req: &AuthRequest) -> String {
    req.pkce.as_ref().expect("pkce").verifier.clone()
}
