use super::*;

fn client(public: bool) -> ClientRecord {
    ClientRecord {
        client_id: "app".into(),
        secret_hash: None,
        public,
        redirect_uris: vec!["http://127.0.0.1:9000/cb".into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into()],
        scopes: vec!["openid".into(), "email".into()],
        created_at: 0,
        updated_at: 0,
        ..ClientRecord::default()
    }
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn check(public: bool, query: &str) -> Result<Checked, &'static str> {
    check_request(&client(public), &Params::parse(query).unwrap()).map_err(|e| e.code.as_str())
}

#[test]
fn a_good_request_passes() {
    let q = format!(
        "response_type=code&scope=openid+email&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    let checked = check(true, &q).unwrap();
    assert_eq!(checked.scope.to_string(), "openid email");
    assert_eq!(checked.code_challenge.as_deref(), Some(CHALLENGE));
}

#[test]
fn errors_carry_the_rfc_codes() {
    assert_eq!(check(false, "scope=openid").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=token").err(), Some("unsupported_response_type"));
    assert_eq!(check(false, "response_type=code&scope=openid+profile").err(), Some("invalid_scope"));
    assert_eq!(check(false, "response_type=code&request=x").err(), Some("request_not_supported"));
    assert_eq!(check(false, "response_type=code&state=a&state=b").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&response_mode=fragment").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&max_age=-1").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&prompt=none+login").err(), Some("invalid_request"));
}

#[test]
fn pkce_is_s256_only_and_required_for_public_clients() {
    assert_eq!(check(true, "response_type=code").err(), Some("invalid_request"));
    assert!(check(false, "response_type=code").is_ok());
    let plain = format!("response_type=code&code_challenge={CHALLENGE}&code_challenge_method=plain");
    assert_eq!(check(true, &plain).err(), Some("invalid_request"));
    let implicit_plain = format!("response_type=code&code_challenge={CHALLENGE}");
    assert_eq!(check(true, &implicit_plain).err(), Some("invalid_request"));
    assert_eq!(
        check(true, "response_type=code&code_challenge=short&code_challenge_method=S256").err(),
        Some("invalid_request")
    );
}

#[test]
fn redirect_uri_must_match_exactly() {
    let c = client(false);
    for bad in [
        "http://127.0.0.1:9000/cb/",
        "http://127.0.0.1:9000/cb?x=1",
        "HTTP://127.0.0.1:9000/cb",
        "http://127.0.0.1:9001/cb",
    ] {
        let q = format!(
            "redirect_uri={}",
            url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
        );
        assert!(redirect_uri(&c, &Params::parse(&q).unwrap()).is_err(), "{bad}");
    }
    assert_eq!(
        redirect_uri(&c, &Params::parse("scope=email").unwrap()).unwrap(),
        ("http://127.0.0.1:9000/cb".into(), false)
    );
    assert!(
        redirect_uri(&c, &Params::parse("scope=openid").unwrap()).is_err(),
        "required for OpenID requests"
    );
}

fn request(prompt: Prompt, max_age: Option<i64>) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: "app".into(),
        redirect_uri: "http://127.0.0.1:9000/cb".into(),
        redirect_uri_given: true,
        scope: Scope::parse("openid").unwrap(),
        state: None,
        nonce: None,
        code_challenge: None,
        prompt,
        max_age,
        login_hint: None,
    }
}

fn session(auth_time: i64) -> SsoSession {
    SsoSession { sid: "s".into(), user_id: "u".into(), auth_time, expires_at: auth_time + 3600 }
}

#[test]
fn prompt_and_max_age_decide_the_next_step() {
    let s = session(1000);
    assert_eq!(next_step(&request(Prompt::Default, None), Some(&s), 1100), Ok(Next::IssueCode));
    assert_eq!(next_step(&request(Prompt::Default, None), None, 1100), Ok(Next::ShowLogin));
    assert_eq!(next_step(&request(Prompt::Login, None), Some(&s), 1100), Ok(Next::ShowLogin));
    assert_eq!(next_step(&request(Prompt::None, None), Some(&s), 1100), Ok(Next::IssueCode));
    assert_eq!(
        next_step(&request(Prompt::None, None), None, 1100).unwrap_err().code.as_str(),
        "login_required"
    );
    assert_eq!(next_step(&request(Prompt::Default, Some(50)), Some(&s), 1100), Ok(Next::ShowLogin));
    assert_eq!(next_step(&request(Prompt::Default, Some(100)), Some(&s), 1100), Ok(Next::IssueCode));
    assert_eq!(
        next_step(&request(Prompt::None, Some(50)), Some(&s), 1100).unwrap_err().code.as_str(),
        "login_required"
    );
}
