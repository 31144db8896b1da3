//! Moving a deployment's records between databases (`oxidp export` /
//! `oxidp import`); the rows and the rules are `sql::dump`.

pub use super::sql::dump::{Dump, FORMAT, ImportError, Imported, VERSION};
use super::{StoreError, Stores, sql};

impl Stores {
    /// Every record `sql::dump` covers, read in one transaction.
    pub async fn export(&self, now: i64) -> Result<Dump, StoreError> {
        self.db.run(move |c| sql::dump::export(c, now)).await
    }

    /// Writes `dump` all or nothing; see `sql::dump::import`.
    pub async fn import(&self, dump: Dump, merge: bool) -> Result<Imported, ImportError> {
        self.db.run(move |c| Ok(sql::dump::import(c, dump, merge))).await?
    }
}
