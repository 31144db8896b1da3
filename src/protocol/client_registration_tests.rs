use super::*;
use crate::protocol::ErrorCode;

fn policy() -> RegistrationPolicy {
    RegistrationPolicy {
        enabled: true,
        open: false,
        allowed_scopes: ["openid", "profile", "email", "offline_access"].map(String::from).to_vec(),
    }
}

fn metadata(json: serde_json::Value) -> ClientMetadata {
    serde_json::from_value(json).expect("metadata")
}

#[test]
fn the_defaults_are_rfc_7591s() {
    let choices = metadata(serde_json::json!({ "redirect_uris": ["https://app.example/cb"] }))
        .registrant_choices(&policy())
        .unwrap();
    assert_eq!(choices.method, ClientAuthMethod::ClientSecretBasic, "§2 default");
    assert_eq!(choices.grant_types, [GrantType::AuthorizationCode]);
    assert!(choices.scopes.is_empty(), "left to default_scopes");
    assert_eq!(default_scopes(&policy()), ["openid", "profile", "email"]);
    let narrow = RegistrationPolicy { allowed_scopes: vec!["api".into()], ..policy() };
    assert_eq!(default_scopes(&narrow), ["api"]);
}

#[test]
fn unknown_members_are_ignored_and_operator_knobs_are_not_read() {
    let m = metadata(serde_json::json!({
        "redirect_uris": ["https://app.example/cb"],
        "consent": "implicit",
        "require_mfa": true,
        "software_statement": "x",
        "client_name#ja-Jpan-JP": "x",
    }));
    assert!(m.registrant_choices(&policy()).is_ok());
}

#[test]
fn grants_response_types_and_scopes_are_checked() {
    let refused = |json: serde_json::Value, member: &str| {
        let err = metadata(json).registrant_choices(&policy()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidClientMetadata);
        assert!(err.description.starts_with(&format!("{member}:")), "{}", err.description);
    };
    refused(serde_json::json!({ "grant_types": ["password"] }), "grant_types");
    refused(
        serde_json::json!({ "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"] }),
        "grant_types",
    );
    refused(serde_json::json!({ "response_types": ["token"] }), "response_types");
    refused(
        serde_json::json!({ "grant_types": ["client_credentials"], "response_types": ["code"] }),
        "response_types",
    );
    refused(
        serde_json::json!({ "grant_types": ["authorization_code"], "response_types": [] }),
        "response_types",
    );
    refused(serde_json::json!({ "scope": "openid admin" }), "scope");
    refused(
        serde_json::json!({ "token_endpoint_auth_method": "tls_client_auth" }),
        "token_endpoint_auth_method",
    );

    let ok = metadata(serde_json::json!({
        "grant_types": ["client_credentials", "client_credentials"],
        "scope": "openid  email",
    }))
    .registrant_choices(&policy())
    .unwrap();
    assert_eq!(ok.grant_types, [GrantType::ClientCredentials]);
    assert_eq!(ok.scopes, ["openid", "email"]);
}

#[test]
fn the_response_uses_rfc_names() {
    let client = ClientRecord {
        client_id: "c1".into(),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "email".into()],
        redirect_uris: vec!["https://app.example/cb".into()],
        name: Some("App".into()),
        created_at: 1_800_000_000,
        ..ClientRecord::default()
    };
    let info = ClientInformation::new(&client, Some("s3cret".into()), "rat".into(), "https://id/x/c1".into());
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["scope"], "openid email");
    assert_eq!(json["response_types"], serde_json::json!(["code"]));
    assert_eq!(json["client_name"], "App");
    assert_eq!(json["client_id_issued_at"], 1_800_000_000);
    assert_eq!(json["client_secret"], "s3cret");
    assert_eq!(json["client_secret_expires_at"], 0);
    assert_eq!(json["registration_access_token"], "rat");
    assert_eq!(json["id_token_signed_response_alg"], "RS256");
    assert!(json.get("logo_uri").is_none());
}

#[test]
fn a_member_of_the_wrong_type_is_named() {
    let err = ClientMetadata::from_json(br#"{"redirect_uris": ["https://a.example/cb"], "client_name": 42}"#)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidClientMetadata);
    assert!(err.description.starts_with("client_name:"), "{}", err.description);
    for bad in [&b"[1]"[..], b"{", b"null"] {
        assert_eq!(ClientMetadata::from_json(bad).unwrap_err().code, ErrorCode::InvalidClientMetadata);
    }
    let ok = ClientMetadata::from_json(br#"{"logo_uri": null, "x-unknown": {"a": 1}}"#).unwrap();
    assert!(ok.logo_uri.is_none());
}

#[test]
fn open_registration_keeps_the_server_off_its_own_network() {
    for internal in [
        "http://127.0.0.1:6379/",
        "https://10.0.0.8/jwks",
        "https://192.168.1.1/",
        "https://172.16.0.1/",
        "https://100.64.0.1/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/jwks",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://localhost/jwks",
        "https://api.localhost./jwks",
    ] {
        assert!(names_internal_host(internal), "{internal}");
    }
    for public in ["https://rp.example/jwks", "https://93.184.216.34/", "https://[2001:db8::1]/"] {
        assert!(!names_internal_host(public), "{public}");
    }
    let metadata = |member: &str| {
        let body =
            format!(r#"{{"redirect_uris": ["https://a.example/cb"], "{member}": "https://127.0.0.1/x"}}"#);
        ClientMetadata::from_json(body.as_bytes()).unwrap()
    };
    let open = RegistrationPolicy { open: true, ..policy() };
    for member in ["jwks_uri", "sector_identifier_uri", "backchannel_logout_uri"] {
        let err = metadata(member).registrant_choices(&open).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidClientMetadata);
        assert!(err.description.starts_with(member), "{}", err.description);
        // With an initial access token the operator vouches for the registrant.
        assert!(metadata(member).registrant_choices(&policy()).is_ok());
    }
}
