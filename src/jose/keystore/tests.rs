//! The key lifecycle against real databases: SQLite always, PostgreSQL when
//! `OXIDP_TEST_DATABASE_URL` is set.

use super::*;
use crate::config::KeySettings;
use crate::store::{Db, sql::admin};

const NOW: i64 = 1_800_000_000;

fn settings(dir: &std::path::Path) -> KeySettings {
    KeySettings { dir: dir.to_path_buf(), algorithms: vec!["RS256".into()], ..KeySettings::default() }
}

fn claims() -> serde_json::Map<String, serde_json::Value> {
    serde_json::json!({"iss": "https://idp", "sub": "u"}).as_object().unwrap().clone()
}

fn states(conn: &mut AnyConnection) -> Vec<(String, String)> {
    list(conn).unwrap().into_iter().map(|k| (k.kid, k.state)).collect()
}

fn lifecycle(db: &Db, dir: &std::path::Path) {
    let keys = settings(dir);
    let mut conn = db.conn().unwrap();

    // First start: KEK file and an active + next key.
    let kek = open(&mut conn, &keys, NOW).unwrap();
    assert!(keys.kek_path().exists());
    let first = load(&mut conn, &kek).unwrap();
    let initial = states(&mut conn);
    assert_eq!(initial.iter().filter(|(_, s)| s == ACTIVE).count(), 1);
    assert_eq!(initial.iter().filter(|(_, s)| s == NEXT).count(), 1);
    let next_kid = initial.iter().find(|(_, s)| s == NEXT).unwrap().0.clone();
    assert!(first.kids().contains(&next_kid.as_str()), "next is published before it signs");
    assert!(
        list(&mut conn).unwrap().iter().all(|k| k.private_key_sealed.is_empty()),
        "list never returns key material"
    );

    // Restart: same set, nothing new.
    let kek = open(&mut conn, &keys, NOW + 1).unwrap();
    assert_eq!(load(&mut conn, &kek).unwrap().active_kid(), first.active_kid());
    assert_eq!(states(&mut conn), initial);

    // A token signed now still verifies after a rotation; the old next signs.
    let token = first.sign("JWT", &claims()).unwrap();
    let rotated = rotate(&mut conn, &kek, &keys, "RS256", NOW + 10, false).unwrap();
    assert!(matches!(&rotated, Rotation::Rotated { active, .. } if *active == next_kid), "{rotated:?}");
    let second = load(&mut conn, &kek).unwrap();
    assert_eq!(second.active_kid(), next_kid);
    assert!(second.verify(&token, "JWT").is_ok(), "the retired key still verifies");
    assert_eq!(second.kids().len(), 3, "active + new next + retired");

    // The new next was published just now: no rotation before jwks_max_age, unless forced.
    let early = rotate(&mut conn, &kek, &keys, "RS256", NOW + 20, false).unwrap();
    assert_eq!(early, Rotation::NotYet { signs_from: NOW + 10 + keys.jwks_max_age as i64 });
    assert!(!rotate_if_due(&mut conn, &kek, &keys, NOW + 20).unwrap(), "not due");
    let due = NOW + 10 + keys.rotation_period as i64;
    assert!(rotate_if_due(&mut conn, &kek, &keys, due).unwrap(), "due after the rotation period");

    // Retired keys go once their retention has passed.
    let later = due + keys.retired_retention as i64 + 1;
    rotate(&mut conn, &kek, &keys, "RS256", later, true).unwrap();
    assert!(states(&mut conn).len() <= 4);
    assert!(!states(&mut conn).iter().any(|(kid, _)| first.kids()[0] == kid), "the first key is gone");

    // BYOK: the imported key becomes next (replacing the generated one).
    let pem = crate::jose::generate_rsa_pem(2048).unwrap();
    let kid = import(&mut conn, &kek, &keys, "RS256", &pem, later + 1).unwrap();
    assert_eq!(
        states(&mut conn).iter().filter(|(_, s)| s == NEXT).collect::<Vec<_>>(),
        vec![&(kid.clone(), NEXT.to_string())]
    );
    assert!(import(&mut conn, &kek, &keys, "RS256", &pem, later + 2).is_err(), "no duplicate import");

    // A wrong KEK is a clear error and changes nothing.
    let before = states(&mut conn);
    std::fs::write(keys.kek_path(), format!("{}\n", crate::crypto::b64url(&[9u8; 32]))).unwrap();
    let err = open(&mut conn, &keys, later + 3).and_then(|kek| load(&mut conn, &kek)).unwrap_err();
    assert!(matches!(err, KeyError::Kek(_)), "{err}");
    assert_eq!(states(&mut conn), before);
    // A missing KEK with keys in the database is an error, never a new key set.
    std::fs::remove_file(keys.kek_path()).unwrap();
    assert!(matches!(open(&mut conn, &keys, later + 4), Err(KeyError::Kek(_))));
    assert!(!keys.kek_path().exists());
    assert_eq!(states(&mut conn), before);
}

#[test]
fn lifecycle_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/db.sqlite", dir.path().display()), 4).unwrap();
    lifecycle(&db, &dir.path().join("keys"));
}

#[test]
fn lifecycle_on_postgres() {
    let Ok(base) = std::env::var("OXIDP_TEST_DATABASE_URL") else {
        eprintln!("skipping: OXIDP_TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("oxidp_keys_{}", uuid::Uuid::new_v4().simple());
    let url = admin::create_postgres_database(&base, &name).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let result = std::panic::catch_unwind(|| {
        let db = Db::connect(&url, 4).unwrap();
        lifecycle(&db, &dir.path().join("keys"));
    });
    admin::drop_postgres_database(&base, &name).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn racing_instances_create_one_key_set_and_one_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    let db = Db::connect(&url, 8).unwrap();
    let keys = settings(&dir.path().join("keys"));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| open(&mut db.conn().unwrap(), &keys, NOW).unwrap());
        }
    });
    let mut conn = db.conn().unwrap();
    assert_eq!(states(&mut conn).len(), 2, "one active + one next, whoever won");
    let kek = Kek::load(&keys.kek_path(), false).unwrap().0;
    let rotated: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    matches!(
                        rotate(&mut db.conn().unwrap(), &kek, &keys, "RS256", NOW + 1, false).unwrap(),
                        Rotation::Rotated { .. }
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(rotated.iter().filter(|r| **r).count(), 1, "exactly one rotation: {rotated:?}");
    assert_eq!(states(&mut conn).iter().filter(|(_, s)| s == ACTIVE).count(), 1);
}
