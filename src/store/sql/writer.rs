//! Group commit for the writes on the token path (refresh tokens issued and
//! rotated). One writer thread takes every write queued while the previous
//! batch committed and runs them in one transaction, each in its own
//! savepoint: under load a commit (and its WAL pages and checkpoints on
//! SQLite, its round trip and fsync on PostgreSQL) is shared by many
//! requests, while each write still succeeds or fails on its own.

use std::any::Any;
use std::sync::{Arc, mpsc};

use diesel::Connection;

use super::health::Health;
use super::{AnyConnection, Manager};
use crate::store::StoreError;
use diesel::r2d2::Pool;

/// Most writes committed together.
const MAX_BATCH: usize = 64;

type Output = Box<dyn Any + Send>;
type Write = Box<dyn FnOnce(&mut AnyConnection) -> Result<Output, StoreError> + Send>;

struct Job {
    write: Write,
    done: tokio::sync::oneshot::Sender<Result<Output, StoreError>>,
}

/// The queue in front of the writer thread; the thread ends when the last
/// handle is dropped.
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    pub fn start(pool: Pool<Manager>, health: Arc<Health>) -> Result<Writer, StoreError> {
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("oxidp-db-writer".into())
            .spawn(move || {
                while let Ok(first) = jobs.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match jobs.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    commit(&pool, &health, batch);
                }
            })
            .map_err(|e| StoreError::Database(format!("cannot start the database writer: {e}")))?;
        Ok(Writer { queue })
    }

    /// Runs `write` in the next batch; its result, or the batch's failure.
    pub async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let write: Write = Box::new(move |c| write(c).map(|v| Box::new(v) as Output));
        self.queue.send(Job { write, done }).map_err(|_| stopped())?;
        let output = result.await.map_err(|_| stopped())??;
        output.downcast::<T>().map(|v| *v).map_err(|_| StoreError::Database("writer result type".into()))
    }
}

fn stopped() -> StoreError {
    StoreError::Database("the database writer stopped".into())
}

/// One transaction for the batch, one savepoint per write. If the commit
/// itself fails, every write of the batch gets that failure.
fn commit(pool: &Pool<Manager>, health: &Health, batch: Vec<Job>) {
    let mut conn = match health.acquire(pool) {
        Ok(conn) => conn,
        Err(error) => {
            for job in batch {
                let _ = job.done.send(Err(error.clone()));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    let committed = super::write_transaction(&mut conn, |c| {
        for job in batch {
            let result = c.transaction(|c| (job.write)(c));
            outcomes.push((job.done, result));
        }
        Ok::<(), StoreError>(())
    });
    match committed {
        Ok(()) => {
            for (done, result) in outcomes {
                let _ = done.send(result);
            }
        }
        Err(e) => {
            for (done, _) in outcomes {
                let _ = done.send(Err(e.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::StoreError;
    use crate::store::sql::Db;
    use crate::store::sql::revisions::{self, Counter};

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        (dir, Db::connect(&url, 4).expect("db"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_succeed_or_fail_on_their_own() {
        let (_dir, db) = db();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |c| {
                    if i % 10 == 0 {
                        // Fails after writing: only this write is rolled back.
                        revisions::bump(c, Counter::Clients)?;
                        return Err(StoreError::Database(format!("write {i} refused")));
                    }
                    revisions::bump(c, Counter::Users)?;
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = 0;
        for (i, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(v) => {
                    assert_eq!(v, i);
                    ok += 1;
                }
                Err(e) => assert!(i % 10 == 0 && e.to_string().contains("refused"), "{i}: {e}"),
            }
        }
        assert_eq!(ok, 45);
        let counters = db.run(revisions::all).await.unwrap();
        let value = |counter: Counter| counters.iter().find(|(c, _)| *c == counter).map(|(_, v)| *v);
        let (users, clients) = (value(Counter::Users).unwrap(), value(Counter::Clients).unwrap());
        assert_eq!((users, clients), (45, 0), "refused writes left nothing behind");
    }
}
