use super::*;
use crate::protocol::ErrorCode;

const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID: &str = "urn:ietf:params:oauth:token-type:id_token";

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::from_pairs(pairs.iter().copied()).unwrap()
}

#[test]
fn a_request_names_its_subject_actor_and_audiences() {
    let p = params(&[
        ("subject_token", "s"),
        ("subject_token_type", ACCESS),
        ("actor_token", "a"),
        ("actor_token_type", ID),
        ("audience", "https://api-b.example"),
        ("audience", "https://api-c.example"),
        ("scope", "read"),
        ("requested_token_type", ACCESS),
    ]);
    let req = parse(&p).unwrap();
    assert_eq!((req.subject_token, req.subject_token_type), ("s", TokenTypeUri::AccessToken));
    assert_eq!(req.actor, Some(("a", TokenTypeUri::IdToken)));
    assert_eq!(req.audiences, ["https://api-b.example", "https://api-c.example"]);
    assert_eq!(req.scope, Some("read"));
}

#[test]
fn unsupported_or_missing_types_are_invalid_requests() {
    for bad in [
        params(&[("subject_token", "s")]),
        params(&[("subject_token_type", ACCESS)]),
        params(&[("subject_token", "s"), ("subject_token_type", "urn:ietf:params:oauth:token-type:saml2")]),
        params(&[
            ("subject_token", "s"),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token"),
        ]),
        params(&[("subject_token", "s"), ("subject_token_type", ACCESS), ("actor_token", "a")]),
        params(&[("subject_token", "s"), ("subject_token_type", ACCESS), ("actor_token_type", ACCESS)]),
        params(&[("subject_token", "s"), ("subject_token_type", ACCESS), ("requested_token_type", ID)]),
    ] {
        assert_eq!(parse(&bad).unwrap_err().code, ErrorCode::InvalidRequest, "{bad:?}");
    }
}

#[test]
fn a_client_presents_its_own_tokens_and_those_for_the_apis_it_implements() {
    let api_a = ClientRecord {
        client_id: "svc-a".into(),
        token_exchange_from: vec!["https://api-a.example".into()],
        ..ClientRecord::default()
    };
    assert!(may_present(&api_a, "svc-a", &[]));
    assert!(may_present(&api_a, "web", &["https://api-a.example".into()]));
    assert!(may_present(&api_a, "web", &["svc-a".into()]));
    assert!(!may_present(&api_a, "web", &["https://api-b.example".into()]), "meant for someone else");
    assert!(!may_present(&api_a, "web", &[]));
}

#[test]
fn scope_only_narrows() {
    let ceiling = Scope::parse("openid read write").unwrap();
    assert_eq!(narrowed_scope(None, &ceiling).unwrap(), ceiling);
    assert_eq!(narrowed_scope(Some("read"), &ceiling).unwrap().to_string(), "read");
    let err = narrowed_scope(Some("read admin"), &ceiling).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidScope);
    assert!(err.description.contains("admin"));
}

#[test]
fn act_nests_prior_actors_and_impersonation_keeps_them() {
    let svc = Actor { sub: "svc-a".into(), client_id: "svc-a".into() };
    assert_eq!(act_claim(Some(&svc), None), Some(json!({"sub": "svc-a", "client_id": "svc-a"})));
    let prior = json!({"sub": "svc-0", "client_id": "svc-0"});
    assert_eq!(
        act_claim(Some(&svc), Some(&prior)),
        Some(json!({"sub": "svc-a", "client_id": "svc-a", "act": {"sub": "svc-0", "client_id": "svc-0"}}))
    );
    assert_eq!(act_claim(None, Some(&prior)), Some(prior));
    assert_eq!(act_claim(None, None), None);
}
