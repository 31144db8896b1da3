//! The repositories' promises across instances: two `Stores` on one SQLite
//! file stand for two servers. Caches follow the revision counters, refused
//! writes leave the counters alone, and the denylist is rebuilt from the
//! database whatever a cache lost.

use super::sql::revisions::{self, Counter};
use super::*;
use crate::protocol::{AuditKind, ClientAuthMethod, GrantType};

const NOW: i64 = 1_800_000_000;

fn config(dir: &tempfile::TempDir, cache_rows: bool) -> StoreConfig {
    StoreConfig {
        database_url: format!("sqlite://{}/oxidp.db", dir.path().display()),
        max_connections: 2,
        cache_rows,
        redis: None,
    }
}

async fn instance(dir: &tempfile::TempDir) -> Stores {
    let stores = Stores::open(&config(dir, true), OpenMode::CreateIfMissing).await.expect("stores");
    stores.revalidate(NOW).await.expect("first look");
    stores
}

fn client(id: &str) -> ClientRecord {
    ClientRecord {
        client_id: id.into(),
        secret_hash: Some("h1".into()),
        redirect_uris: vec!["https://app.example/cb".into()],
        grant_types: vec![GrantType::AuthorizationCode],
        token_endpoint_auth_method: ClientAuthMethod::ClientSecretBasic,
        ..ClientRecord::default()
    }
}

async fn counters(stores: &Stores) -> Vec<(Counter, i64)> {
    stores.db.run(revisions::all).await.expect("counters")
}

#[tokio::test]
async fn a_change_at_one_instance_reaches_the_other_at_its_next_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (instance(&dir).await, instance(&dir).await);
    assert!(a.clients.find("app").await.unwrap().is_none());
    assert!(!a.clients.cached("app"), "unknown ids are not cached");

    b.clients.create(client("app"), crate::store::Audited::test(), NOW).await.unwrap();
    let first = a.clients.find("app").await.unwrap().expect("created at b");
    assert!(a.clients.cached("app"));

    assert!(b.clients.update_secret("app", "h2".into(), crate::store::Audited::test(), NOW).await.unwrap());
    let stale = a.clients.find("app").await.unwrap().expect("cached");
    assert_eq!(stale.secret_hash, first.secret_hash, "served from memory until revalidated");
    assert_eq!(a.revalidate(NOW).await.unwrap(), ["clients"], "the rotation moved the revision");
    assert_eq!(a.clients.find("app").await.unwrap().expect("reloaded").secret_hash.as_deref(), Some("h2"));

    assert!(b.clients.delete("app", crate::store::Audited::test(), NOW).await.unwrap());
    assert_eq!(a.revalidate(NOW).await.unwrap(), ["clients"]);
    assert!(a.clients.find("app").await.unwrap().is_none());
    assert!(a.revalidate(NOW).await.unwrap().is_empty(), "nothing changed since");
}

#[tokio::test]
async fn find_fresh_replaces_the_cached_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (instance(&dir).await, instance(&dir).await);
    a.clients.create(client("app"), crate::store::Audited::test(), NOW).await.unwrap();
    a.clients.find("app").await.unwrap().expect("cached");
    b.clients.update_secret("app", "h2".into(), crate::store::Audited::test(), NOW).await.unwrap();
    let fresh = a.clients.find_fresh("app").await.unwrap().expect("fresh");
    assert_eq!(fresh.secret_hash.as_deref(), Some("h2"));
    assert_eq!(a.clients.find("app").await.unwrap().unwrap().secret_hash.as_deref(), Some("h2"));
    b.clients.delete("app", crate::store::Audited::test(), NOW).await.unwrap();
    assert!(a.clients.find_fresh("app").await.unwrap().is_none());
    assert!(!a.clients.cached("app"), "a deleted client leaves the cache");
}

#[tokio::test]
async fn refused_writes_leave_the_counters_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stores = instance(&dir).await;
    stores.clients.create(client("app"), crate::store::Audited::test(), NOW).await.unwrap();
    let before = counters(&stores).await;
    assert!(!stores.clients.delete("nobody", crate::store::Audited::test(), NOW).await.unwrap());
    assert!(
        !stores
            .clients
            .update_secret("nobody", "h".into(), crate::store::Audited::test(), NOW)
            .await
            .unwrap()
    );
    assert!(!stores.users.delete("nobody").await.unwrap());
    assert!(matches!(
        stores.clients.create(client("app"), crate::store::Audited::test(), NOW).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(counters(&stores).await, before);
}

#[tokio::test]
async fn users_are_cached_and_follow_their_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (instance(&dir).await, instance(&dir).await);
    let alice = UserRecord {
        id: "u1".into(),
        username: "alice".into(),
        email: None,
        email_verified: false,
        name: None,
        profile: crate::protocol::profile::Profile::default(),
        password_hash: "$argon2id$x".into(),
        disabled: false,
        created_at: NOW,
        updated_at: NOW,
        version: 1,
    };
    b.users.create(alice.clone()).await.unwrap();
    assert_eq!(a.revalidate(NOW).await.unwrap(), ["users"]);
    assert_eq!(a.users.find_active("u1").await.unwrap(), Some(alice));
    assert!(a.users.cached("u1"));
    assert!(b.users.delete("u1").await.unwrap());
    assert!(a.users.find_active("u1").await.unwrap().is_some(), "cached until the next check");
    assert!(a.users.find_active_fresh("u1").await.unwrap().is_none());
}

#[tokio::test]
async fn without_row_caching_every_read_goes_to_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Stores::open(&config(&dir, false), OpenMode::CreateIfMissing).await.unwrap();
    let b = instance(&dir).await;
    a.clients.create(client("app"), crate::store::Audited::test(), NOW).await.unwrap();
    a.clients.find("app").await.unwrap();
    b.clients.update_secret("app", "h2".into(), crate::store::Audited::test(), NOW).await.unwrap();
    assert_eq!(a.clients.find("app").await.unwrap().unwrap().secret_hash.as_deref(), Some("h2"));
    assert!(!a.clients.cached("app"));
}

#[tokio::test]
async fn a_denial_holds_at_every_instance_new_ones_included() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (instance(&dir).await, instance(&dir).await);
    let audited = Audited::new(AuditKind::TokenRevoked).client("app").detail("jti", "j1");
    assert_eq!(a.grants.revoke_access_token("j1", NOW + 300, audited, NOW).await.unwrap(), 1);
    assert!(a.denylist.is_denied("j1", NOW).await.unwrap(), "at once where it was revoked");
    assert!(!b.denylist.is_denied("j1", NOW).await.unwrap(), "not yet checked");
    assert_eq!(b.revalidate(NOW).await.unwrap(), ["denylist"]);
    assert!(b.denylist.is_denied("j1", NOW).await.unwrap(), "after one check");
    let c = instance(&dir).await;
    assert!(c.denylist.is_denied("j1", NOW).await.unwrap(), "a new instance loads the denylist");
    assert!(!c.denylist.is_denied("j1", NOW + 300).await.unwrap(), "until the token expires");

    // The revocation and its audit event are one write.
    let events = a.audit.recent(10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, AuditKind::TokenRevoked);
    assert!(events[0].detail.contains(r#""revoked_access_tokens":1"#), "{}", events[0].detail);

    // An expired token needs no denial: nothing written, counter unmoved.
    let before = counters(&a).await;
    let audited = Audited::new(AuditKind::TokenRevoked).client("app");
    assert_eq!(a.grants.revoke_access_token("j2", NOW - 1, audited, NOW).await.unwrap(), 0);
    assert_eq!(counters(&a).await, before);
    assert_eq!(a.grants.delete_expired_denials(NOW + 300).await.unwrap(), 1);
}
