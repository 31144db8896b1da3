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

fn mode_of(query: &str) -> Result<ResponseMode, (ResponseMode, &'static str)> {
    let q = format!(
        "client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcb&scope=openid\
         &code_challenge={CHALLENGE}&code_challenge_method=S256&{query}"
    );
    match validate_for(&client(false), &Params::parse(&q).unwrap()) {
        Ok(request) => Ok(request.response_mode),
        Err(AuthorizeError::Redirect { response_mode, error, .. }) => {
            Err((response_mode, error.code.as_str()))
        }
        Err(AuthorizeError::Page(e)) => panic!("error page: {e:?}"),
    }
}

#[test]
fn response_mode_is_query_or_form_post_and_later_errors_follow_it() {
    assert_eq!(mode_of("response_type=code"), Ok(ResponseMode::Query));
    assert_eq!(mode_of("response_type=code&response_mode=query"), Ok(ResponseMode::Query));
    assert_eq!(mode_of("response_type=code&response_mode=form_post"), Ok(ResponseMode::FormPost));
    // Unknown or repeated modes are reported in the default mode.
    for bad in ["response_mode=fragment", "response_mode=jwt", "response_mode=query&response_mode=form_post"]
    {
        let q = format!("response_type=code&{bad}");
        assert_eq!(mode_of(&q), Err((ResponseMode::Query, "invalid_request")), "{bad}");
    }
    // A later error goes back the way the client asked.
    assert_eq!(
        mode_of("response_type=token&response_mode=form_post"),
        Err((ResponseMode::FormPost, "unsupported_response_type"))
    );
}

#[test]
fn form_post_needs_an_http_redirect_uri() {
    let app =
        ClientRecord { public: true, redirect_uris: vec!["com.example.app:/cb".into()], ..client(true) };
    let q = format!(
        "client_id=app&redirect_uri=com.example.app%3A%2Fcb&scope=openid&response_type=code\
         &response_mode=form_post&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    match validate_for(&app, &Params::parse(&q).unwrap()) {
        Err(AuthorizeError::Redirect { response_mode, error, .. }) => {
            assert_eq!((response_mode, error.code.as_str()), (ResponseMode::Query, "invalid_request"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_a_login_transaction_keeps_of_the_request_is_bounded() {
    let base = format!(
        "response_type=code&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcb&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    let validate =
        |extra: &str| validate_for(&client(true), &Params::parse(&format!("{base}&{extra}")).unwrap());
    let refused = |extra: &str| match validate(extra) {
        Err(AuthorizeError::Redirect { error, .. }) => error.description,
        other => panic!("{extra}: {other:?}"),
    };
    assert_eq!(refused(&format!("state={}", "s".repeat(MAX_STATE_LEN + 1))), "state is too long");
    assert_eq!(refused(&format!("nonce={}", "n".repeat(MAX_NONCE_LEN + 1))), "nonce is too long");
    let long = "a".repeat(MAX_ACR_VALUE_LEN + 1);
    let hint = "h".repeat(4 * MAX_LOGIN_HINT_CHARS);
    let kept = validate(&format!(
        "state={}&nonce={}&acr_values=mfa+{long}+pwd&login_hint={hint}",
        "s".repeat(MAX_STATE_LEN),
        "n".repeat(MAX_NONCE_LEN)
    ))
    .expect("at the limits");
    assert_eq!(kept.acr_values, ["mfa", "pwd"]);
    assert_eq!(kept.login_hint.map(|h| h.len()), Some(MAX_LOGIN_HINT_CHARS));
    assert_eq!(kept.nonce.map(|n| n.len()), Some(MAX_NONCE_LEN));
}
