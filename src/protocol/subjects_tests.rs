use super::*;

const USER: &str = "9f0c2a4e-5b1d-4c3e-8f7a-6b5c4d3e2f10";
const OTHER_USER: &str = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f";

fn pairwise(sector: &str) -> SubjectPolicy {
    SubjectPolicy::Pairwise { sector: sector.into() }
}

fn uris(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn public_subjects_are_the_user_id() {
    let subjects = Subjects::new(Some([3; 32]));
    assert_eq!(subjects.subject(&SubjectPolicy::Public, USER).unwrap(), USER);
    assert_eq!(subjects.user_id(&SubjectPolicy::Public, USER).unwrap(), USER);
}

#[test]
fn pairwise_subjects_differ_per_sector_and_user_and_reverse_only_in_their_sector() {
    let subjects = Subjects::new(Some([3; 32]));
    let a = subjects.subject(&pairwise("a.example"), USER).unwrap().into_owned();
    let b = subjects.subject(&pairwise("b.example"), USER).unwrap().into_owned();
    let other = subjects.subject(&pairwise("a.example"), OTHER_USER).unwrap().into_owned();
    assert_ne!(a, USER);
    assert_ne!(a, b, "two sectors see two subjects");
    assert_ne!(a, other);
    assert_eq!(a.len(), 22, "one base64url block");
    assert_eq!(a, subjects.subject(&pairwise("a.example"), USER).unwrap(), "stable");
    assert_eq!(subjects.user_id(&pairwise("a.example"), &a).unwrap(), USER);
    assert_ne!(subjects.user_id(&pairwise("b.example"), &a).as_deref(), Some(USER));
    assert_eq!(subjects.user_id(&pairwise("a.example"), USER), None, "a public id is no pairwise one");
    assert_eq!(subjects.user_id(&pairwise("a.example"), "not base64!"), None);
    let another_key = Subjects::new(Some([4; 32]));
    assert_ne!(another_key.subject(&pairwise("a.example"), USER).unwrap(), a, "the key matters");
}

#[test]
fn switched_off_pairwise_refuses_instead_of_leaking_the_public_id() {
    let subjects = Subjects::new(None);
    let err = subjects.subject(&pairwise("a.example"), USER).unwrap_err();
    assert_eq!(err.code, crate::protocol::ErrorCode::UnauthorizedClient);
    assert_eq!(subjects.user_id(&pairwise("a.example"), "AAAAAAAAAAAAAAAAAAAAAA"), None);
    assert_eq!(subjects.subject(&SubjectPolicy::Public, USER).unwrap(), USER);
}

#[test]
fn the_sector_is_the_sector_uri_host_or_the_one_redirect_host() {
    let one_host = uris(&["https://app.example/cb", "https://APP.example/other"]);
    assert_eq!(sector_identifier(&one_host, None).unwrap(), "app.example");
    let two_hosts = uris(&["https://app.example/cb", "https://other.example/cb"]);
    assert!(sector_identifier(&two_hosts, None).unwrap_err().contains("several hosts"));
    assert_eq!(
        sector_identifier(&two_hosts, Some("https://sector.example/uris.json")).unwrap(),
        "sector.example"
    );
    assert!(sector_identifier(&[], None).unwrap_err().contains("without redirect URIs"));
    let native = uris(&["com.example.app:/cb"]);
    assert!(sector_identifier(&native, None).unwrap_err().contains("without a host"));
}

#[test]
fn sector_uris_are_https_without_credentials() {
    assert!(validate_sector_identifier_uri("https://sector.example/uris.json").is_ok());
    assert!(validate_sector_identifier_uri("http://127.0.0.1:8080/uris.json").is_ok());
    assert!(validate_sector_identifier_uri("http://sector.example/uris.json").is_err());
    assert!(validate_sector_identifier_uri("https://user:pw@sector.example/").is_err());
    assert!(validate_sector_identifier_uri("https://sector.example/#frag").is_err());
    assert!(validate_sector_identifier_uri("uris.json").is_err());
}

#[test]
fn the_sector_document_must_list_every_redirect_uri() {
    let registered = uris(&["https://a.example/cb", "https://b.example/cb"]);
    let listed = br#"["https://a.example/cb","https://b.example/cb","https://c.example/cb"]"#;
    assert!(check_sector_document(listed, &registered).is_ok());
    let partial = br#"["https://a.example/cb"]"#;
    assert!(check_sector_document(partial, &registered).unwrap_err().contains("b.example"));
    assert!(check_sector_document(br#"{"redirect_uris":[]}"#, &registered).is_err());
    assert!(check_sector_document(b"[1,2]", &registered).is_err());
}
