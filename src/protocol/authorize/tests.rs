use super::*;

fn client(public: bool) -> ClientRecord {
    ClientRecord {
        client_id: "app".into(),
        secret_hash: None,
        public,
        redirect_uris: vec!["http://127.0.0.1:9000/cb".into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec![GrantType::AuthorizationCode],
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
    assert_eq!(check(false, "response_type=code&scope=profile+admin").err(), Some("invalid_scope"));
    assert_eq!(check(false, "response_type=code&request=x").err(), Some("request_not_supported"));
    assert_eq!(check(false, "response_type=code&state=a&state=b").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&response_mode=fragment").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&max_age=-1").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code&prompt=none+login").err(), Some("invalid_request"));
}

#[test]
fn unknown_and_unregistered_scopes_are_left_out() {
    let checked = check(true, &format!("response_type=code&scope=openid+admin+email+x&code_challenge={CHALLENGE}&code_challenge_method=S256")).unwrap();
    assert_eq!(checked.scope.to_string(), "openid email");
}

#[test]
fn pkce_is_s256_only_and_required_unless_a_confidential_client_opts_out() {
    assert_eq!(check(true, "response_type=code").err(), Some("invalid_request"));
    assert_eq!(check(false, "response_type=code").err(), Some("invalid_request"), "required by default");
    let optional = ClientRecord { pkce: PkcePolicy::Optional, ..client(false) };
    assert!(check_request(&optional, &Params::parse("response_type=code").unwrap()).is_ok());
    let public_optional = ClientRecord { pkce: PkcePolicy::Optional, ..client(true) };
    assert!(check_request(&public_optional, &Params::parse("response_type=code").unwrap()).is_err());
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
fn redirect_uri_must_match_exactly_but_for_loopback_ports() {
    let c = client(false);
    for bad in [
        "http://127.0.0.1:9000/cb/",
        "http://127.0.0.1:9000/cb?x=1",
        "HTTP://127.0.0.1:9000/cb",
        "http://127.0.0.1:9000/cb#x",
        "http://localhost:9000/cb",
    ] {
        let q = format!(
            "redirect_uri={}",
            url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
        );
        assert!(redirect_uri(&c, &Params::parse(&q).unwrap()).is_err(), "{bad}");
    }
    let other_port = Params::parse("redirect_uri=http%3A%2F%2F127.0.0.1%3A51004%2Fcb").unwrap();
    assert_eq!(
        redirect_uri(&c, &other_port).unwrap(),
        ("http://127.0.0.1:51004/cb".into(), true),
        "RFC 8252 §7.3: any port on a loopback IP"
    );
    assert_eq!(
        redirect_uri(&c, &Params::parse("scope=email").unwrap()).unwrap(),
        ("http://127.0.0.1:9000/cb".into(), false)
    );
    assert!(
        redirect_uri(&c, &Params::parse("scope=openid").unwrap()).is_err(),
        "required for OpenID requests"
    );
}

#[test]
fn prompt_values_are_a_set_and_none_stands_alone() {
    assert_eq!(check_prompt(Some("login consent login")).unwrap(), [Prompt::Login, Prompt::Consent]);
    assert_eq!(check_prompt(Some("none")).unwrap(), [Prompt::None]);
    assert_eq!(check_prompt(Some("unknown")).unwrap(), [], "unknown values are ignored");
    assert!(check_prompt(Some("none unknown")).is_err());
    assert!(check_prompt(None).unwrap().is_empty());
}
