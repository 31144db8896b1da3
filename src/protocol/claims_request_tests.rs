use super::*;
use crate::protocol::ErrorCode;

fn client(scopes: &[&str]) -> ClientRecord {
    ClientRecord { scopes: scopes.iter().map(|s| s.to_string()).collect(), ..ClientRecord::default() }
}

#[test]
fn claims_are_split_by_target_and_kept_only_for_the_clients_scopes() {
    let raw = r#"{
        "id_token": {"email": {"essential": true}, "phone_number": null, "unknown": null},
        "userinfo": {"address": null, "given_name": {"essential": false}, "sub": null},
        "other": 5
    }"#;
    let parsed = parse(raw, &client(&["openid", "email", "address", "profile"])).unwrap();
    assert_eq!(parsed.claims.id_token, ["email"], "phone is not the client's; unknown is ignored");
    assert_eq!(parsed.claims.userinfo, ["address", "given_name"]);
    assert_eq!(
        parsed.claims.scopes(),
        [StandardScope::Address, StandardScope::Email, StandardScope::Profile]
    );
    let scope = Scope::parse("openid").unwrap();
    assert_eq!(parsed.claims.consent_scope(&scope).to_string(), "address email openid profile");
    assert_eq!(parsed.acr_values, Vec::<String>::new());
    assert_eq!(parsed.sub, None);
}

#[test]
fn acr_and_sub_values_are_read() {
    let any = client(&["openid"]);
    let parsed = parse(r#"{"id_token":{"acr":{"values":["2","1"]},"sub":{"value":"abc"}}}"#, &any).unwrap();
    assert_eq!(parsed.acr_values, ["2", "1"]);
    assert!(!parsed.acr_essential);
    assert_eq!(parsed.sub.as_deref(), Some("abc"));
    let parsed = parse(r#"{"id_token":{"acr":{"essential":true,"value":"2"}}}"#, &any).unwrap();
    assert_eq!((parsed.acr_values, parsed.acr_essential), (vec!["2".to_string()], true));
    // Only userinfo's acr would not ask for an authentication level.
    assert!(parse(r#"{"userinfo":{"acr":{"value":"2"}}}"#, &any).unwrap().acr_values.is_empty());
}

#[test]
fn an_essential_acr_we_cannot_reach_fails_a_voluntary_one_does_not() {
    let any = client(&["openid"]);
    let err = parse(r#"{"id_token":{"acr":{"essential":true,"values":["urn:gold"]}}}"#, &any).unwrap_err();
    assert_eq!(err.code, ErrorCode::UnmetAuthenticationRequirements);
    assert!(parse(r#"{"id_token":{"acr":{"values":["urn:gold"]}}}"#, &any).is_ok());
}

#[test]
fn malformed_requests_are_invalid() {
    let any = client(&["openid", "email"]);
    for raw in [
        "not json",
        "[]",
        r#"{"id_token": []}"#,
        r#"{"userinfo": {"email": true}}"#,
        r#"{"userinfo": {"email": {"essential": "yes"}}}"#,
        r#"{"userinfo": {"email": {"values": "a"}}}"#,
    ] {
        let err = parse(raw, &any).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest, "{raw}");
    }
    let long = format!(r#"{{"userinfo":{{"email":{{"value":"{}"}}}}}}"#, "x".repeat(MAX_CLAIMS_PARAM));
    assert_eq!(parse(&long, &any).unwrap_err().code, ErrorCode::InvalidRequest);
}

#[test]
fn named_claims_are_the_users_values_of_those_names_only() {
    let user = crate::protocol::claims::tests::user();
    let claims = named_claims(&user, "s1", &["email".into(), "phone_number".into()]);
    assert_eq!(serde_json::Value::Object(claims), serde_json::json!({"email": "alice@example.com"}));
    let named = named_claims(&user, "s1", &["name".into(), "email_verified".into()]);
    assert_eq!(
        serde_json::Value::Object(named),
        serde_json::json!({"name": "Alice A", "email_verified": false})
    );
    assert!(named_claims(&user, "s1", &[]).is_empty());
}
