//! [`write_transaction`](super::write_transaction) on SQLite: a
//! transaction that reads, then writes after another connection committed,
//! still commits (a deferred one fails at once with "database is locked").

use std::sync::mpsc;
use std::time::Duration;

use diesel::prelude::*;

use super::schema::revisions;
use super::{Db, write_transaction};
use crate::store::StoreError;

fn bump(conn: &mut super::AnyConnection, counter: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(revisions::table.filter(revisions::name.eq(counter)))
        .set(revisions::value.eq(revisions::value + 1))
        .execute(conn)?)
}

#[test]
fn a_write_transaction_that_reads_first_waits_for_another_writer_instead_of_failing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oxidp.db").display());
    let db = Db::open(&url, 2, true).expect("open");
    let counter: String =
        revisions::table.select(revisions::name).first(&mut *db.conn().unwrap()).expect("a counter");

    let (read, other_may_write) = mpsc::channel();
    let (written, other_wrote) = mpsc::channel();
    let other = {
        let (db, counter) = (db.clone(), counter.clone());
        std::thread::spawn(move || {
            other_may_write.recv().unwrap();
            // Waits (busy timeout) for the first transaction's write lock.
            let result = bump(&mut db.conn().unwrap(), &counter);
            written.send(()).unwrap();
            result
        })
    };
    let mut conn = db.conn().unwrap();
    let outcome = write_transaction(&mut conn, |c| {
        let before: i64 =
            revisions::table.filter(revisions::name.eq(&counter)).select(revisions::value).first(c)?;
        read.send(()).unwrap();
        // Give the other connection time to try its write.
        assert!(other_wrote.recv_timeout(Duration::from_millis(300)).is_err(), "it waits for us");
        bump(c, &counter)?;
        Ok::<_, StoreError>(before)
    });
    let before = outcome.expect("the read-then-write transaction commits");
    assert_eq!(other.join().unwrap().expect("the other write goes through after ours"), 1);
    let after: i64 = revisions::table
        .filter(revisions::name.eq(&counter))
        .select(revisions::value)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(after, before + 2, "both increments kept");
}
