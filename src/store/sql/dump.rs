//! Every durable record a deployment is made of, as rows, for `oxidp
//! export` / `oxidp import`: users (with their password hashes), clients,
//! resources, groups and members, consents, signing keys and second
//! factors, all as stored (keys and TOTP secrets stay sealed with the
//! key-encryption key), and dynamically registered clients' registration
//! access token digests (RFC 7592). Not included: refresh tokens,
//! sessions, mailed links and revoked-token lists (users sign in again
//! after a move), initial access tokens (an operator makes new ones) and
//! the audit trail (history, kept where it was).
//!
//! The import is one write transaction: all of it or nothing. It refuses a
//! target that holds any of these records, unless merging, which adds only
//! records whose key is new (what the target has wins) and leaves signing
//! keys alone when the target has its own.

use std::collections::HashSet;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::models::{ClientRow, GroupRow};
use super::revisions::{self, Counter};
use super::schema::{
    client_registrations, clients, consents, group_members, passkeys, recovery_codes, resources,
    signing_keys, totp_factors, user_groups, users,
};
use super::{AnyConnection, write_transaction};
use crate::store::StoreError;

/// What identifies the document, and its version.
pub const FORMAT: &str = "oxidp-export";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = users)]
#[serde(deny_unknown_fields)]
pub struct UserDump {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub verify_before_login: bool,
    /// The §5.1 profile claims as JSON; absent in exports made before it
    /// existed.
    #[serde(default = "empty_profile")]
    pub profile: String,
}

fn empty_profile() -> String {
    "{}".into()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = resources)]
#[serde(deny_unknown_fields)]
pub struct ResourceDump {
    pub identifier: String,
    pub secret_hash: Option<String>,
    pub jwks: Option<String>,
    pub scopes: String,
    pub access_token_ttl: Option<i64>,
    pub signing_alg: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Absent in exports made before resources could encrypt.
    #[serde(default)]
    pub access_token_encrypted_response_alg: Option<String>,
    #[serde(default)]
    pub access_token_encrypted_response_enc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = group_members)]
#[serde(deny_unknown_fields)]
pub struct MemberDump {
    pub group_name: String,
    pub user_id: String,
    pub added_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = consents)]
#[serde(deny_unknown_fields)]
pub struct ConsentDump {
    pub user_id: String,
    pub client_id: String,
    pub scopes: String,
    pub granted_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = signing_keys)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyDump {
    pub kid: String,
    pub alg: String,
    pub state: String,
    /// Sealed with the key-encryption key (`jose::Kek`), as stored.
    pub private_key: String,
    pub created_at: i64,
    pub signs_from: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub delete_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = totp_factors)]
#[serde(deny_unknown_fields)]
pub struct TotpDump {
    pub user_id: String,
    /// Sealed with the key-encryption key, as stored.
    pub secret_sealed: String,
    pub last_step: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = recovery_codes)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodeDump {
    pub user_id: String,
    pub code_hash: String,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = passkeys)]
#[serde(deny_unknown_fields)]
pub struct PasskeyDump {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A dynamically registered client's registration access token, as its
/// digest (RFC 7592 §3), so the registrant keeps managing it after a move.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = client_registrations)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDump {
    pub client_id: String,
    pub registration_token_hash: String,
    pub created_at: i64,
}

/// The whole document. Rows are in key order, so two exports of the same
/// data are the same text.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dump {
    pub format: String,
    pub version: u32,
    pub exported_at: i64,
    pub users: Vec<UserDump>,
    pub groups: Vec<GroupRow>,
    pub group_members: Vec<MemberDump>,
    pub clients: Vec<ClientRow>,
    /// Absent in exports made before dynamic client registration.
    #[serde(default)]
    pub client_registrations: Vec<RegistrationDump>,
    pub resources: Vec<ResourceDump>,
    pub consents: Vec<ConsentDump>,
    pub signing_keys: Vec<SigningKeyDump>,
    pub totp_factors: Vec<TotpDump>,
    pub recovery_codes: Vec<RecoveryCodeDump>,
    pub passkeys: Vec<PasskeyDump>,
}

impl Dump {
    /// Records per kind, in document order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("users", self.users.len()),
            ("groups", self.groups.len()),
            ("group_members", self.group_members.len()),
            ("clients", self.clients.len()),
            ("client_registrations", self.client_registrations.len()),
            ("resources", self.resources.len()),
            ("consents", self.consents.len()),
            ("signing_keys", self.signing_keys.len()),
            ("totp_factors", self.totp_factors.len()),
            ("recovery_codes", self.recovery_codes.len()),
            ("passkeys", self.passkeys.len()),
        ]
    }
}

/// Reads everything, in one transaction so the document is consistent.
pub fn export(conn: &mut AnyConnection, now: i64) -> Result<Dump, StoreError> {
    conn.transaction(|c| {
        Ok(Dump {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: now,
            users: users::table.order(users::id).select(UserDump::as_select()).load(c)?,
            groups: user_groups::table.order(user_groups::name).select(GroupRow::as_select()).load(c)?,
            group_members: group_members::table
                .order((group_members::group_name, group_members::user_id))
                .select(MemberDump::as_select())
                .load(c)?,
            clients: clients::table.order(clients::client_id).select(ClientRow::as_select()).load(c)?,
            client_registrations: client_registrations::table
                .order(client_registrations::client_id)
                .select(RegistrationDump::as_select())
                .load(c)?,
            resources: resources::table
                .order(resources::identifier)
                .select(ResourceDump::as_select())
                .load(c)?,
            consents: consents::table
                .order((consents::user_id, consents::client_id))
                .select(ConsentDump::as_select())
                .load(c)?,
            signing_keys: signing_keys::table
                .order(signing_keys::kid)
                .select(SigningKeyDump::as_select())
                .load(c)?,
            totp_factors: totp_factors::table
                .order(totp_factors::user_id)
                .select(TotpDump::as_select())
                .load(c)?,
            recovery_codes: recovery_codes::table
                .order((recovery_codes::user_id, recovery_codes::code_hash))
                .select(RecoveryCodeDump::as_select())
                .load(c)?,
            passkeys: passkeys::table.order(passkeys::id).select(PasskeyDump::as_select()).load(c)?,
        })
    })
}

/// What an import wrote, and what it left out when merging.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub written: Vec<(&'static str, usize)>,
    pub skipped: Vec<(&'static str, usize)>,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The target holds records and merging was not asked for.
    #[error("the target database is not empty ({0}): import into a new database, or pass --merge")]
    NotEmpty(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Store(e.into())
    }
}

/// Writes `dump` in one transaction (parents before children). Without
/// `merge`, a target holding any record is refused, naming what it holds.
pub fn import(conn: &mut AnyConnection, dump: Dump, merge: bool) -> Result<Imported, ImportError> {
    write_transaction(conn, |c| {
        if !merge {
            let held = held(c)?;
            if !held.is_empty() {
                let list: Vec<String> = held.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
                return Err(ImportError::NotEmpty(list.join(", ")));
            }
        }
        let mut report = Imported::default();
        let target_has_keys = signing_keys::table.count().get_result::<i64>(c)? > 0;
        macro_rules! put {
            ($name:literal, $rows:expr, $table:path, $key:expr, $existing:expr) => {{
                let rows = $rows;
                let total = rows.len();
                let existing: HashSet<String> =
                    if merge { $existing(c)?.into_iter().collect() } else { HashSet::new() };
                let new: Vec<_> = rows.into_iter().filter(|r| !existing.contains(&$key(r))).collect();
                // Row by row: batch inserts are not portable across the backends.
                for row in &new {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
                report.written.push(($name, new.len()));
                if total > new.len() {
                    report.skipped.push(($name, total - new.len()));
                }
            }};
        }
        put!("users", dump.users, users::table, |r: &UserDump| r.id.clone(), |c: &mut AnyConnection| {
            users::table.select(users::id).load::<String>(c)
        });
        put!(
            "groups",
            dump.groups,
            user_groups::table,
            |r: &GroupRow| r.name.clone(),
            |c: &mut AnyConnection| user_groups::table.select(user_groups::name).load::<String>(c)
        );
        put!(
            "group_members",
            dump.group_members,
            group_members::table,
            |r: &MemberDump| format!("{}\n{}", r.group_name, r.user_id),
            |c: &mut AnyConnection| group_members::table
                .select((group_members::group_name, group_members::user_id))
                .load::<(String, String)>(c)
                .map(|v| v.into_iter().map(|(g, u)| format!("{g}\n{u}")).collect::<Vec<_>>())
        );
        // A registration speaks for the client it came with, never for a
        // client of the same id the target keeps when merging.
        let kept: HashSet<String> = if merge {
            clients::table.select(clients::client_id).load::<String>(c)?.into_iter().collect()
        } else {
            HashSet::new()
        };
        let registrations: Vec<RegistrationDump> =
            dump.client_registrations.into_iter().filter(|r| !kept.contains(&r.client_id)).collect();
        put!(
            "clients",
            dump.clients,
            clients::table,
            |r: &ClientRow| r.client_id.clone(),
            |c: &mut AnyConnection| clients::table.select(clients::client_id).load::<String>(c)
        );
        put!(
            "client_registrations",
            registrations,
            client_registrations::table,
            |r: &RegistrationDump| r.client_id.clone(),
            |c: &mut AnyConnection| client_registrations::table
                .select(client_registrations::client_id)
                .load::<String>(c)
        );
        put!(
            "resources",
            dump.resources,
            resources::table,
            |r: &ResourceDump| r.identifier.clone(),
            |c: &mut AnyConnection| resources::table.select(resources::identifier).load::<String>(c)
        );
        put!(
            "consents",
            dump.consents,
            consents::table,
            |r: &ConsentDump| format!("{}\n{}", r.user_id, r.client_id),
            |c: &mut AnyConnection| consents::table
                .select((consents::user_id, consents::client_id))
                .load::<(String, String)>(c)
                .map(|v| v.into_iter().map(|(u, k)| format!("{u}\n{k}")).collect::<Vec<_>>())
        );
        // Two key sets would give an algorithm two active keys: the target's stays.
        let keys = if merge && target_has_keys {
            report.skipped.push(("signing_keys", dump.signing_keys.len()));
            Vec::new()
        } else {
            dump.signing_keys
        };
        put!(
            "signing_keys",
            keys,
            signing_keys::table,
            |r: &SigningKeyDump| r.kid.clone(),
            |c: &mut AnyConnection| signing_keys::table.select(signing_keys::kid).load::<String>(c)
        );
        put!(
            "totp_factors",
            dump.totp_factors,
            totp_factors::table,
            |r: &TotpDump| r.user_id.clone(),
            |c: &mut AnyConnection| totp_factors::table.select(totp_factors::user_id).load::<String>(c)
        );
        put!(
            "recovery_codes",
            dump.recovery_codes,
            recovery_codes::table,
            |r: &RecoveryCodeDump| format!("{}\n{}", r.user_id, r.code_hash),
            |c: &mut AnyConnection| recovery_codes::table
                .select((recovery_codes::user_id, recovery_codes::code_hash))
                .load::<(String, String)>(c)
                .map(|v| v.into_iter().map(|(u, h)| format!("{u}\n{h}")).collect::<Vec<_>>())
        );
        put!(
            "passkeys",
            dump.passkeys,
            passkeys::table,
            |r: &PasskeyDump| r.id.clone(),
            |c: &mut AnyConnection| passkeys::table.select(passkeys::id).load::<String>(c)
        );
        // Running instances drop what they cached.
        for counter in [Counter::Users, Counter::Clients, Counter::Resources] {
            revisions::bump(c, counter)?;
        }
        Ok(report)
    })
}

/// The kinds of record the target holds, with their counts.
fn held(c: &mut AnyConnection) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let counts = [
        ("users", users::table.count().get_result::<i64>(c)?),
        ("groups", user_groups::table.count().get_result::<i64>(c)?),
        ("clients", clients::table.count().get_result::<i64>(c)?),
        ("resources", resources::table.count().get_result::<i64>(c)?),
        ("signing keys", signing_keys::table.count().get_result::<i64>(c)?),
    ];
    Ok(counts.into_iter().filter(|(_, n)| *n > 0).collect())
}
