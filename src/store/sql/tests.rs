//! `Db` tests: a temp SQLite file always, PostgreSQL too when
//! `OXIDP_TEST_DATABASE_URL` is set (in a database of its own, dropped at
//! the end).

use diesel::Connection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;

use super::schema::clients as clients_table;
use super::{AnyConnection, Backend, Db, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use super::{clients, users};
use crate::jose::jwe::Encryption;
use crate::protocol::profile::{Address, Profile};
use crate::protocol::{
    AuditKind, ClientAuthMethod, ConsentMode, GrantType, LogoutUri, PkcePolicy, Scope, SigningAlg,
};
use crate::store::test_db as admin;
use crate::store::{ClientRecord, RefreshTokenRecord, StoreError, UserRecord};

fn user(username: &str) -> UserRecord {
    UserRecord {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.into(),
        email: Some(format!("{username}@example.test")),
        email_verified: true,
        name: None,
        profile: Profile::default(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_at: 1_790_000_000,
        updated_at: 1_790_000_001,
        version: 1,
    }
}

/// Every §5.1 member set: it must read back as written on every backend.
fn full_profile() -> Profile {
    Profile {
        given_name: Some("Alice".into()),
        family_name: Some("Ä \"Example\"".into()),
        locale: Some("de-CH".into()),
        zoneinfo: Some("Europe/Zurich".into()),
        picture: Some("https://example.com/a.png?s=1&t=é".into()),
        phone_number: Some("+41441234567".into()),
        phone_number_verified: true,
        address: Some(Address {
            formatted: Some("Bahnhofstrasse 1\n8001 Zürich".into()),
            street_address: Some("Bahnhofstrasse 1".into()),
            locality: Some("Zürich".into()),
            region: Some("ZH".into()),
            postal_code: Some("8001".into()),
            country: Some("CH".into()),
        }),
    }
}

fn client(client_id: &str) -> ClientRecord {
    ClientRecord {
        client_id: client_id.into(),
        secret_hash: Some("$argon2id$secret".into()),
        public: false,
        redirect_uris: vec!["https://app.example/cb".into(), "https://app.example/cb?x=\"1\"&y=é".into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        token_endpoint_auth_method: ClientAuthMethod::PrivateKeyJwt,
        jwks: Some(r#"{"keys":[]}"#.into()),
        jwks_uri: None,
        resources: vec!["https://api.example/".into()],
        token_exchange_from: vec!["https://orders.example/".into(), "urn:app:\"é\"".into()],
        access_token_ttl: Some(60),
        refresh_token_idle_ttl: None,
        refresh_token_absolute_ttl: Some(86_400),
        id_token_signed_response_alg: Some(SigningAlg::Es256),
        id_token_encryption: Encryption::parse("", Some("ECDH-ES+A256KW"), Some("A256GCM")).expect("words"),
        userinfo_signed_response_alg: Some(SigningAlg::Ps256),
        userinfo_encryption: Encryption::parse("", Some("RSA-OAEP-256"), None).expect("words"),
        name: Some("App \"é\"".into()),
        backchannel_logout: Some(LogoutUri {
            uri: "https://app.example/bc?x=1".into(),
            session_required: true,
        }),
        frontchannel_logout: None,
        consent: ConsentMode::Required,
        web_origins: vec!["https://app.example".into(), "http://127.0.0.1:5173".into()],
        pkce: PkcePolicy::Optional,
        refresh_reuse_leeway: 30,
        created_at: 1_790_000_000,
        updated_at: i64::MAX,
        role_claim: None,
        require_mfa: true,
        require_pushed_requests: true,
        require_signed_request_object: true,
        require_dpop: true,
        subject_type: crate::protocol::SubjectType::Pairwise,
        sector_identifier_uri: Some("https://app.example/sector.json".into()),
        logo_uri: Some("https://app.example/logo.png".into()),
        version: 1,
    }
}

fn refresh(id: &str, family: &str, client_id: &str, user_id: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        id: id.into(),
        token_hash: format!("hash-{id}"),
        family_id: family.into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        scope: "openid".into(),
        sid: Some("sid-1".into()),
        auth_time: 100,
        access_token_jti: Some(format!("jti-{id}")),
        access_token_exp: Some(1_000),
        created_at: 100,
        expires_at: 500,
        family_expires_at: 900,
        rotated_at: None,
        revoked_at: None,
        offline: false,
        resources: vec!["https://api.example".into()],
        dpop_jkt: None,
        claims: Default::default(),
    }
}

/// Rotation has one winner; revoking a family reports its live access tokens.
fn exercise_refresh_tokens(conn: &mut AnyConnection) {
    use crate::store::sql::{audit, refresh_tokens as rt};
    let owner = user("rt-owner");
    crate::store::sql::users::insert(conn, &owner).expect("user");
    clients::insert(conn, &client("rt-client")).expect("client");
    rt::insert(conn, &refresh("r1", "f1", "rt-client", &owner.id)).expect("insert");
    rt::insert(conn, &refresh("r2", "f1", "rt-client", &owner.id)).expect("insert");
    rt::insert(conn, &refresh("r3", "f2", "rt-client", &owner.id)).expect("insert");
    assert!(matches!(
        rt::insert(conn, &refresh("r1", "f1", "rt-client", &owner.id)),
        Err(StoreError::Duplicate(_))
    ));
    let found = rt::find_by_hash(conn, "hash-r1").expect("find").expect("present");
    assert_eq!(found, refresh("r1", "f1", "rt-client", &owner.id));
    assert_eq!(found.dpop_jkt, None, "unbound");
    // A DPoP-bound token (RFC 9449 §5) keeps its key's thumbprint, and
    // claims asked for by name (OIDC Core §5.5) are kept too.
    let jkt = Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".to_string());
    let claims =
        crate::protocol::claims_request::RequestedClaims { id_token: vec!["email".into()], userinfo: vec![] };
    let bound =
        RefreshTokenRecord { dpop_jkt: jkt.clone(), claims, ..refresh("r7", "f7", "rt-client", &owner.id) };
    rt::insert(conn, &bound).expect("insert bound");
    let found = rt::find_by_hash(conn, "hash-r7").expect("find").expect("present");
    assert_eq!((found.dpop_jkt.clone(), found), (jkt, bound));
    assert_eq!(rt::delete_families(conn, &["f7".into()]).expect("delete"), 1);
    assert!(rt::find_by_hash(conn, "nope").expect("find").is_none());

    assert!(rt::mark_rotated(conn, "r1", 200).expect("rotate"));
    assert!(!rt::mark_rotated(conn, "r1", 201).expect("second rotation loses"));
    assert_eq!(rt::find_by_hash(conn, "hash-r1").expect("find").expect("present").rotated_at, Some(200));

    let mut denied = rt::revoke_family(conn, "f1", 300).expect("revoke");
    denied.sort();
    assert_eq!(denied, vec![("jti-r1".to_string(), 1_000), ("jti-r2".to_string(), 1_000)]);
    assert_eq!(rt::find_by_hash(conn, "hash-r2").expect("find").expect("present").revoked_at, Some(300));
    assert!(!rt::mark_rotated(conn, "r2", 301).expect("revoked cannot rotate"));
    assert!(
        rt::revoke_family(conn, "f1", 2_000).expect("revoke").is_empty(),
        "expired access tokens are not reported"
    );
    // An offline family of the same session outlives it.
    let offline =
        RefreshTokenRecord { offline: true, expires_at: 800, ..refresh("r6", "f5", "rt-client", &owner.id) };
    rt::insert(conn, &offline).expect("insert offline");
    assert_eq!(rt::revoke_by_sid(conn, "sid-1", 400).expect("by sid").len(), 3);
    assert_eq!(
        rt::find_by_hash(conn, "hash-r6").expect("find"),
        Some(offline),
        "offline is not session-bound"
    );
    // Families die at revocation (f1: 300), at idle expiry (f2: its newest
    // token's 500) or at their absolute expiry (900), whichever comes first.
    rt::insert(conn, &refresh("r5", "f4", "rt-client", &owner.id)).expect("insert");
    let mut dead = rt::dead_families(conn, 299, 100).expect("dead");
    assert!(dead.is_empty(), "{dead:?}");
    dead = rt::dead_families(conn, 400, 100).expect("dead");
    dead.sort();
    assert_eq!(dead, ["f1", "f2"], "revoked at 300 and 400 (by sid)");
    assert_eq!(rt::dead_families(conn, 500, 1).expect("limited").len(), 1);
    assert_eq!(rt::dead_families(conn, 500, 100).expect("dead").len(), 3, "f4 idle-expired at 500");
    assert_eq!(rt::delete_families(conn, &["f1".into(), "f2".into()]).expect("delete"), 3);
    assert!(rt::find_by_hash(conn, "hash-r1").expect("find").is_none());
    assert!(rt::find_by_hash(conn, "hash-r5").expect("find").is_some(), "another family stays");

    let event = crate::store::AuditEvent {
        id: "e1".into(),
        at: 5,
        kind: AuditKind::RefreshTokenReuse,
        client_id: Some("rt-client".into()),
        user_id: None,
        detail: "{}".into(),
        actor: None,
    };
    audit::insert(conn, &event).expect("audit");
    assert_eq!(audit::recent(conn, 10).expect("recent"), vec![event]);
    assert_eq!(audit::delete_before(conn, 5).expect("delete"), 0, "not older than 5");
    assert_eq!(audit::delete_before(conn, 6).expect("delete"), 1);
    assert!(clients::update_secret(conn, "rt-client", "new-hash", 7).expect("update"));
    assert_eq!(
        clients::find(conn, "rt-client").expect("find").expect("present").secret_hash.as_deref(),
        Some("new-hash")
    );
    assert!(!clients::update_secret(conn, "missing", "x", 7).expect("update"));

    // Denials are idempotent, also inside a transaction that goes on after
    // a duplicate (PostgreSQL aborts a transaction on a failed statement).
    use crate::store::sql::denied_tokens;
    let after: Result<usize, StoreError> = conn.transaction(|c| {
        denied_tokens::insert(c, &[("d1".into(), 9_000), ("d1".into(), 9_000)])?;
        denied_tokens::insert(c, &[("d1".into(), 9_000), ("d2".into(), 9_000)])?;
        Ok(denied_tokens::live(c, 100)?.len())
    });
    assert_eq!(after.expect("the transaction survives duplicates"), 2);
    assert!(denied_tokens::is_denied(conn, "d2", 100).expect("lookup"));
    assert_eq!(denied_tokens::delete_expired(conn, 9_000).expect("expired"), 2);

    // Deleting the user takes its refresh tokens with it (ON DELETE CASCADE).
    rt::insert(conn, &refresh("r4", "f3", "rt-client", &owner.id)).expect("insert");
    assert!(users::delete(conn, &owner.id).expect("delete user"));
    assert!(rt::find_by_hash(conn, "hash-r4").expect("find").is_none());
    assert!(clients::delete(conn, "rt-client").expect("delete client"));
}

fn exercise_users(conn: &mut AnyConnection) {
    let bob = user("bob");
    let mut alice = user("alice");
    alice.email = None;
    alice.name = Some("Alice Ä".into());
    alice.disabled = true;
    alice.profile = full_profile();
    users::insert(conn, &bob).expect("insert bob");
    users::insert(conn, &alice).expect("insert alice");

    assert_eq!(users::find_by_id(conn, &bob.id).expect("find"), Some(bob.clone()));
    assert_eq!(users::find_by_username(conn, "alice").expect("find"), Some(alice.clone()));
    assert_eq!(users::find_by_username(conn, "ALICE").expect("find"), None);
    assert_eq!(users::find_by_id(conn, "no-such-id").expect("find"), None);
    assert_eq!(users::list(conn).expect("list"), vec![alice.clone(), bob.clone()]);

    let same_name = user("bob");
    let err = users::insert(conn, &same_name).expect_err("duplicate username");
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let mut same_id = user("carol");
    same_id.id = bob.id.clone();
    let err = users::insert(conn, &same_id).expect_err("duplicate id");
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    assert!(users::delete(conn, &bob.id).expect("delete"));
    assert!(!users::delete(conn, &bob.id).expect("delete again"));
    assert_eq!(users::find_by_id(conn, &bob.id).expect("find"), None);
    users::tests::exercise(conn);
}

fn exercise_clients(conn: &mut AnyConnection) {
    let web = client("web");
    let mut spa = client("spa");
    spa.secret_hash = None;
    spa.public = true;
    spa.grant_types = vec![];
    (spa.subject_type, spa.sector_identifier_uri) = (crate::protocol::SubjectType::Public, None);
    clients::insert(conn, &web).expect("insert web");
    clients::insert(conn, &spa).expect("insert spa");

    assert_eq!(clients::find(conn, "web").expect("find"), Some(web.clone()));
    assert_eq!(clients::find(conn, "spa").expect("find"), Some(spa.clone()));
    assert_eq!(clients::find(conn, "nope").expect("find"), None);
    assert_eq!(clients::list(conn).expect("list"), vec![spa.clone(), web.clone()]);

    let err = clients::insert(conn, &client("web")).expect_err("duplicate");
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");

    // A list column that is not a JSON array is Corrupt, not a panic.
    diesel::update(clients_table::table.find("spa"))
        .set(clients_table::scopes.eq("not json"))
        .execute(conn)
        .expect("corrupt a row");
    let err = clients::find(conn, "spa").expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    let err = clients::list(conn).expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");

    assert!(clients::delete(conn, "spa").expect("delete"));
    assert!(!clients::delete(conn, "spa").expect("delete again"));
    assert_eq!(clients::list(conn).expect("list"), vec![web]);
}

/// Resources round-trip, refuse duplicates and delete once.
fn exercise_resources(conn: &mut AnyConnection) {
    use crate::protocol::ResourceRecord;
    use crate::store::sql::resources;
    let api = ResourceRecord {
        identifier: "https://api.example/orders".into(),
        secret_hash: Some("digest".into()),
        jwks: None,
        scopes: vec!["read:orders".into(), "write:orders".into()],
        access_token_ttl: Some(120),
        signing_alg: Some(SigningAlg::Es256),
        access_token_encryption: Encryption::parse("", Some("ECDH-ES"), Some("A256GCM")).expect("words"),
        created_at: 1,
        updated_at: 2,
    };
    resources::insert(conn, &api).expect("insert");
    assert_eq!(resources::find(conn, &api.identifier).expect("find"), Some(api.clone()));
    assert!(matches!(resources::insert(conn, &api), Err(StoreError::Duplicate(_))));
    assert_eq!(resources::list(conn).expect("list"), vec![api.clone()]);
    assert!(resources::delete(conn, &api.identifier).expect("delete"));
    assert!(!resources::delete(conn, &api.identifier).expect("delete again"));
}

/// A consent grows by union, is listed per user, and goes with its user.
fn exercise_consents(conn: &mut AnyConnection) {
    use crate::store::sql::consents;
    let owner = user("consent-owner");
    crate::store::sql::users::insert(conn, &owner).expect("user");
    clients::insert(conn, &client("consent-client")).expect("client");
    let scope = |s: &str| Scope::parse(s).unwrap();
    assert_eq!(consents::find(conn, &owner.id, "consent-client").expect("find"), None);
    let first =
        consents::grant(conn, &owner.id, "consent-client", &scope("profile openid"), 10).expect("grant");
    assert_eq!(first.scope.to_string(), "openid profile");
    let grown =
        consents::grant(conn, &owner.id, "consent-client", &scope("email openid"), 20).expect("grant");
    assert_eq!(
        (grown.scope.to_string(), grown.granted_at, grown.updated_at),
        ("email openid profile".into(), 10, 20)
    );
    assert_eq!(consents::find(conn, &owner.id, "consent-client").expect("find"), Some(grown.clone()));
    assert_eq!(consents::list_for_user(conn, &owner.id).expect("list"), vec![grown]);
    assert!(consents::delete(conn, &owner.id, "consent-client").expect("delete"));
    assert!(!consents::delete(conn, &owner.id, "consent-client").expect("delete again"));
    consents::grant(conn, &owner.id, "consent-client", &scope("openid"), 30).expect("grant");
    crate::store::sql::users::delete(conn, &owner.id).expect("delete user");
    assert!(consents::list_for_user(conn, &owner.id).expect("list").is_empty(), "cascaded");
}

/// The whole suite against a freshly migrated database at `url`.
async fn exercise(url: &str, backend: Backend) {
    let db = Db::connect(url, 4).expect("connect");
    assert_eq!(db.backend(), backend);
    let shown = format!("{db:?}");
    assert!(!shown.contains(url), "{shown}");
    {
        let mut conn = db.conn().expect("conn");
        exercise_users(&mut conn);
        exercise_clients(&mut conn);
        exercise_refresh_tokens(&mut conn);
        exercise_consents(&mut conn);
        exercise_resources(&mut conn);
    }
    // The async path, and several hops at once.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.run(|c| Ok(users::list(c)?.len())).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("join").expect("run"), 1);
    }
    // A DPoP-bound refresh token through the group-commit writer.
    let alice = db.run(|c| users::find_by_username(c, "alice")).await.expect("find").expect("alice");
    let jkt = Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs".to_string());
    let bound = RefreshTokenRecord { dpop_jkt: jkt, ..refresh("w1", "fw", "web", &alice.id) };
    let written = bound.clone();
    db.write(move |c| super::refresh_tokens::insert(c, &written)).await.expect("group commit");
    let found = db.run(|c| super::refresh_tokens::find_by_hash(c, "hash-w1")).await.expect("find");
    assert_eq!(found, Some(bound), "the thumbprint survives the writer");
    let err = db.run(|c| clients::insert(c, &client("web"))).await.expect_err("duplicate through run");
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    drop(db);

    // Migrations are idempotent: reconnecting keeps the data.
    let db = Db::connect(url, 2).expect("reconnect");
    let names = db
        .run(|c| Ok(users::list(c)?.into_iter().map(|u| u.username).collect::<Vec<_>>()))
        .await
        .expect("list");
    assert_eq!(names, vec!["alice".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_db() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/deeper/oxidp.db");
    let url = format!("sqlite://{}", path.display());
    assert!(url.starts_with("sqlite:///"));
    exercise(&url, Backend::Sqlite).await;
    assert!(path.is_file(), "parent folders and file created");

    // Every pooled connection gets the PRAGMAs.
    let db = Db::connect(&url, 2).expect("connect");
    let mut conn = db.conn().expect("conn");
    let AnyConnection::Sqlite(inner) = &mut *conn else { panic!("expected a SQLite connection") };
    #[derive(QueryableByName)]
    struct Pragma {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Fk {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let mode: Pragma = diesel::sql_query("PRAGMA journal_mode").get_result(inner).expect("journal_mode");
    assert_eq!(mode.journal_mode, "wal");
    let fk: Fk = diesel::sql_query("PRAGMA foreign_keys").get_result(inner).expect("foreign_keys");
    assert_eq!(fk.foreign_keys, 1);
}

/// Drops the test database even when an assertion fails.
struct DropDatabase<'a> {
    base: &'a str,
    name: String,
}

impl Drop for DropDatabase<'_> {
    fn drop(&mut self) {
        if let Err(e) = admin::drop_postgres_database(self.base, &self.name) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_db() {
    let Ok(base) = std::env::var("OXIDP_TEST_DATABASE_URL") else {
        eprintln!("OXIDP_TEST_DATABASE_URL not set: skipping PostgreSQL tests");
        return;
    };
    let name = format!("oxidp_store_{}", uuid::Uuid::new_v4().simple());
    let url = admin::create_postgres_database(&base, &name).expect("create database");
    let _guard = DropDatabase { base: &base, name: name.clone() };
    assert!(url.ends_with(&format!("/{name}")), "{url}");
    exercise(&url, Backend::Postgres).await;

    // Dropping with live pooled connections works (WITH (FORCE)).
    let db = Db::connect(&url, 2).expect("connect");
    let _conn = db.conn().expect("conn");
    admin::drop_postgres_database(&base, &name).expect("drop");
    admin::drop_postgres_database(&base, &name).expect("drop is idempotent");
}

#[test]
fn migration_folders_match() {
    let names = |ms: Vec<String>| {
        let mut ms = ms;
        ms.sort();
        ms
    };
    let sqlite = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .expect("sqlite migrations")
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let postgres = MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
        .expect("postgres migrations")
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let (sqlite, postgres): (Vec<String>, Vec<String>) = (names(sqlite), names(postgres));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[path = "url_tests.rs"]
mod url_tests;
