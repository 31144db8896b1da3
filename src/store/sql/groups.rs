//! Groups and their members. Names are primary keys; members are users,
//! and both sides cascade on delete.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::{GroupRow, UserRow};
use super::schema::{group_members, user_groups, users};
use super::search::{contains_pattern, lower};
use crate::protocol::{GroupRecord, UserRecord};
use crate::store::StoreError;

/// Inserts a group; a taken name is `Duplicate`.
pub fn insert(conn: &mut AnyConnection, group: &GroupRecord) -> Result<(), StoreError> {
    diesel::insert_into(user_groups::table).values(GroupRow::from(group)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupRecord>, StoreError> {
    let row = user_groups::table.find(name).select(GroupRow::as_select()).first(conn).optional()?;
    Ok(row.map(GroupRecord::from))
}

/// Returns whether a group was deleted (its memberships go by cascade).
pub fn delete(conn: &mut AnyConnection, name: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(user_groups::table.find(name)).execute(conn)? > 0)
}

/// Up to `limit` groups named after `after`, by name, whose name contains
/// `search` (case-insensitive), each with its number of members.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<&str>,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<(GroupRecord, i64)>, StoreError> {
    let mut query = user_groups::table.order(user_groups::name.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(user_groups::name.gt(after.to_string()));
    }
    if let Some(search) = search {
        query = query.filter(lower(user_groups::name).like(contains_pattern(search)).escape('\\'));
    }
    let rows: Vec<GroupRow> = query.select(GroupRow::as_select()).load(conn)?;
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let counts: Vec<(String, i64)> = group_members::table
        .filter(group_members::group_name.eq_any(&names))
        .group_by(group_members::group_name)
        .select((group_members::group_name, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let members = counts.iter().find(|(n, _)| *n == r.name).map_or(0, |(_, c)| *c);
            (GroupRecord::from(r), members)
        })
        .collect())
}

/// Adds a member; an existing membership is `Duplicate`.
pub fn add_member(conn: &mut AnyConnection, group: &str, user_id: &str, now: i64) -> Result<(), StoreError> {
    diesel::insert_into(group_members::table)
        .values((
            group_members::group_name.eq(group),
            group_members::user_id.eq(user_id),
            group_members::added_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Returns whether the user was a member.
pub fn remove_member(conn: &mut AnyConnection, group: &str, user_id: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(group_members::table.find((group, user_id))).execute(conn)?;
    Ok(n > 0)
}

/// The members of a group, by username.
pub fn members(conn: &mut AnyConnection, group: &str) -> Result<Vec<UserRecord>, StoreError> {
    let rows: Vec<UserRow> = group_members::table
        .inner_join(users::table)
        .filter(group_members::group_name.eq(group))
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// The names of a user's groups, sorted.
pub fn of_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(group_members::table
        .filter(group_members::user_id.eq(user_id))
        .order(group_members::group_name.asc())
        .select(group_members::group_name)
        .load(conn)?)
}
