//! oxidp serving HTTPS itself (`server.tls_cert_file`/`tls_key_file`), driven
//! end to end by the `openidconnect` crate — including RFC 7009 revocation,
//! which the library only performs against an https endpoint.

use std::net::TcpListener;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RevocationUrl, TokenIntrospectionResponse,
    TokenResponse,
};
use openssl::asn1::Asn1Time;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509, X509NameBuilder};
use oxidp::app::Application;
use oxidp::config::Settings;
use oxidp::flows::admin::{NewClient, NewUser};

use crate::helpers::{Callback, LoginForm};

const CB: &str = "http://127.0.0.1:9999/cb";
const PASSWORD: &str = "correct horse battery";

/// One certificate per test process (the proxy's and its clients' copy).
pub(crate) fn self_signed_cached() -> (Vec<u8>, Vec<u8>) {
    static CERT: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    CERT.get_or_init(self_signed).clone()
}

/// A self-signed P-256 certificate for 127.0.0.1, valid for a day.
pub(crate) fn self_signed() -> (Vec<u8>, Vec<u8>) {
    let key = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "127.0.0.1").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
    let san = SubjectAlternativeName::new().ip("127.0.0.1").build(&cert.x509v3_context(None, None)).unwrap();
    cert.append_extension(san).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    (cert.build().to_pem().unwrap(), key.private_key_to_pem_pkcs8().unwrap())
}

#[tokio::test]
async fn library_completes_the_lifecycle_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed();
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), &key_pem).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut settings = Settings { issuer: issuer.clone(), ..Settings::default() };
    settings.server.workers = Some(1);
    settings.server.tls_cert_file = Some(dir.path().join("cert.pem"));
    settings.server.tls_key_file = Some(dir.path().join("key.pem"));
    settings.database.url = format!("sqlite://{}/oxidp.db", dir.path().display());
    settings.keys.dir = dir.path().join("keys");
    let app = Application::build_with_listener(settings, listener).await.expect("build");
    let admin = app.services().admin.clone();
    tokio::spawn(app.run_until_stopped());

    let now = oxidp::clock::unix_now();
    let new = NewUser {
        username: "alice".into(),
        password: PASSWORD.into(),
        email: None,
        name: None,
        profile: Default::default(),
    };
    let user = admin.create_user(&oxidp::flows::admin::Actor::Cli, new, now).await.unwrap();
    let new_client = NewClient {
        client_id: "tls-app".into(),
        redirect_uris: vec![CB.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..NewClient::default()
    };
    let secret =
        admin.create_client(&oxidp::flows::admin::Actor::Cli, new_client, now).await.unwrap().secret.unwrap();

    let root = reqwest::Certificate::from_pem(&cert_pem).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(root.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let browser = reqwest::Client::builder()
        .add_root_certificate(root)
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();

    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &http)
        .await
        .expect("discovery over https");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("tls-app".into()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap())
    .set_revocation_url(RevocationUrl::new(format!("{issuer}/revoke")).unwrap())
    .set_introspection_url(IntrospectionUrl::new(format!("{issuer}/introspect")).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _state, nonce) = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let form = LoginForm::from_response(browser.get(url).send().await.unwrap()).await;
    let resp = browser
        .post(format!("{issuer}/login"))
        .form(&[
            ("challenge", form.challenge.as_str()),
            ("csrf_token", form.csrf_token.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let set_cookie = |prefix: &str| {
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} cookie"))
            .to_string()
    };
    // https issuer: __Host- names, Secure; the Lax cookie and its
    // SameSite=None copy for cross-site POSTs to /authorize.
    let lax = set_cookie("__Host-oxidp_session=");
    assert!(lax.contains("Secure") && lax.contains("SameSite=Lax") && lax.contains("Path=/"), "{lax}");
    assert!(!lax.contains("Domain"), "{lax}");
    let cross_site = set_cookie("__Host-oxidp_session_cross_site=");
    assert!(cross_site.contains("Secure") && cross_site.contains("SameSite=None"), "{cross_site}");
    let code = Callback::from_redirect(&resp, CB).code;
    let cross_site_value = cross_site.split(';').next().unwrap().to_string();

    // A cross-site POST carries only the SameSite=None cookie: SSO holds at
    // /authorize, and nowhere else does that cookie count.
    let (challenge2, _) = PkceCodeChallenge::new_random_sha256();
    let form_post = [
        ("client_id", "tls-app"),
        ("redirect_uri", CB),
        ("response_type", "code"),
        ("scope", "openid"),
        ("prompt", "none"),
        ("code_challenge", challenge2.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let resp = http
        .post(format!("{issuer}/authorize"))
        .header("cookie", &cross_site_value)
        .header("origin", "https://rp.example")
        .form(&form_post)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    Callback::from_redirect(&resp, CB);
    let account =
        http.get(format!("{issuer}/account")).header("cookie", &cross_site_value).send().await.unwrap();
    let page = account.text().await.unwrap();
    assert!(page.contains("/account/login"), "the cross-site cookie is not a session elsewhere: {page}");

    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let claims = tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &nonce).expect("ID token");
    assert_eq!(claims.subject().as_str(), user.id);

    let refreshed = rp
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let rotated = refreshed.refresh_token().expect("rotated refresh token").clone();
    assert!(rp.introspect(refreshed.access_token()).request_async(&http).await.unwrap().active());

    rp.revoke_token(CoreRevocableToken::from(rotated.clone()))
        .expect("https revocation endpoint")
        .request_async(&http)
        .await
        .expect("revocation through the library");
    assert!(!rp.introspect(refreshed.access_token()).request_async(&http).await.unwrap().active());
    assert!(rp.exchange_refresh_token(&rotated).unwrap().request_async(&http).await.is_err());
}
