//! The search pattern and the compare-and-set update, on every backend
//! (`exercise` is called from the `Db` tests in `sql/tests.rs`).

use super::*;

#[test]
fn search_text_is_literal_and_lower_cased() {
    assert_eq!(contains_pattern("Bob"), "%bob%");
    assert_eq!(contains_pattern("100%"), "%100\\%%");
    assert_eq!(contains_pattern("a_b"), "%a\\_b%");
    assert_eq!(contains_pattern("c:\\x"), "%c:\\\\x%");
}

fn user(username: &str, email: Option<&str>, name: Option<&str>) -> UserRecord {
    UserRecord {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.into(),
        email: email.map(str::to_string),
        email_verified: true,
        name: name.map(str::to_string),
        profile: crate::protocol::profile::Profile::default(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_at: 1_790_000_000,
        updated_at: 1_790_000_000,
        version: 1,
    }
}

/// Runs beside other users matching none of the searches; removes its own.
pub fn exercise(conn: &mut AnyConnection) {
    let zed = user("zed", Some("Zed@Example.COM"), Some("50% off"));
    let ann = user("ann_b", None, Some("Ann B"));
    let cy = user("cy", Some("cy@example.org"), None);
    for u in [&zed, &ann, &cy] {
        insert(conn, u).expect("insert");
    }
    let names = |found: Vec<UserRecord>| found.into_iter().map(|u| u.username).collect::<Vec<_>>();
    let search =
        |conn: &mut AnyConnection, text: &str| names(page(conn, Some(text), None, 10).expect("page"));
    assert_eq!(search(conn, "EXAMPLE"), ["cy", "zed"]);
    assert_eq!(search(conn, "%"), ["zed"], "% is literal");
    assert_eq!(search(conn, "_"), ["ann_b"], "_ is literal");
    assert_eq!(search(conn, "ann b"), ["ann_b"], "names too");
    assert!(search(conn, "c%m").is_empty());
    assert_eq!(names(page(conn, None, Some("ann_b"), 1).expect("page")), ["cy"]);

    let claims = r#"{"given_name":"Zed","phone_number":"+14255551212","phone_number_verified":true}"#;
    let profile = || Profile { name: Some("Zed Z"), email: None, email_verified: false, profile: claims };
    assert_eq!(update_profile(conn, &zed.id, 2, profile(), 5).expect("update"), Cas::Stale);
    assert_eq!(find_by_id(conn, &zed.id).expect("find"), Some(zed.clone()), "a stale update writes nothing");
    assert_eq!(update_profile(conn, &zed.id, 1, profile(), 5).expect("update"), Cas::Written);
    let updated = find_by_id(conn, &zed.id).expect("find").expect("zed");
    assert_eq!(
        (updated.name.as_deref(), updated.email, updated.email_verified, updated.version, updated.updated_at),
        (Some("Zed Z"), None, false, 2, 5)
    );
    assert_eq!(updated.profile.to_json(), claims, "the profile claims are replaced with the rest");
    assert_eq!(update_profile(conn, &zed.id, 1, profile(), 6).expect("update"), Cas::Stale);
    assert_eq!(update_profile(conn, "no-such-id", 1, profile(), 6).expect("update"), Cas::Missing);
    assert!(set_disabled(conn, &zed.id, true, 7).expect("disable"));
    assert!(set_password(conn, &zed.id, "$argon2id$other", 8).expect("password"));
    assert_eq!(find_by_id(conn, &zed.id).expect("find").expect("zed").version, 4, "every write bumps it");

    for u in [&zed, &ann, &cy] {
        assert!(delete(conn, &u.id).expect("delete"));
    }
}
