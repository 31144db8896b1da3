//! Groups: create, list, delete, and their members. A group's name is
//! what the `groups` claim carries; a client's role prefix maps some
//! names to `roles`; members of `oxidp-admins` may hold the admin scope.
//! Each change is an `admin_action` audit event naming its actor.

use super::{Actor, Admin, AdminError, Page, PageRequest};
use crate::accounts::users::normalize_username;
use crate::protocol::admin::validate_group_name;
use crate::protocol::{AdminOp, GroupRecord, UserRecord};
use crate::store::{MemberChange, StoreError};

/// The longest group description.
pub const MAX_GROUP_DESCRIPTION_LEN: usize = 500;

/// A group in a listing, with how many members it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: GroupRecord,
    pub members: i64,
}

fn no_group(name: &str) -> AdminError {
    AdminError::NotFound(format!("group {name:?} does not exist"))
}

fn no_user(user_id: &str) -> AdminError {
    AdminError::NotFound(format!("user {user_id:?} does not exist"))
}

impl Admin {
    pub async fn create_group(
        &self,
        by: &Actor,
        name: &str,
        description: Option<String>,
        now: i64,
    ) -> Result<GroupRecord, AdminError> {
        validate_group_name(name).map_err(AdminError::field("name"))?;
        let description = description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        if let Some(d) = &description
            && (d.chars().count() > MAX_GROUP_DESCRIPTION_LEN || d.chars().any(char::is_control))
        {
            return Err(AdminError::invalid_field(
                "description",
                format!("a description is at most {MAX_GROUP_DESCRIPTION_LEN} printable characters"),
            ));
        }
        let group = GroupRecord { name: name.to_string(), description, created_at: now, updated_at: now };
        let audited = by.audited(AdminOp::GroupCreate, name);
        match self.stores.groups.create(group.clone(), audited, now).await {
            Ok(()) => Ok(group),
            Err(StoreError::Duplicate(_)) => {
                Err(AdminError::Conflict(format!("group {name:?} already exists")))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Groups by name; `page.search` filters by a substring of the name.
    pub async fn list_groups(&self, page: &PageRequest) -> Result<Page<GroupSummary>, AdminError> {
        let size = page.size()?;
        let rows = self.stores.groups.list(page.after.clone(), page.search(), size + 1).await?;
        let items = rows.into_iter().map(|(group, members)| GroupSummary { group, members }).collect();
        Ok(Page::from_rows(items, size, |g: &GroupSummary| g.group.name.clone()))
    }

    pub async fn find_group(&self, name: &str) -> Result<GroupRecord, AdminError> {
        self.stores.groups.find(name).await?.ok_or_else(|| no_group(name))
    }

    /// Deletes a group; its members stay, their memberships go.
    pub async fn delete_group(&self, by: &Actor, name: &str, now: i64) -> Result<(), AdminError> {
        let audited = by.audited(AdminOp::GroupDelete, name);
        match self.stores.groups.delete(name, audited, now).await? {
            true => Ok(()),
            false => Err(no_group(name)),
        }
    }

    /// The members of a group, by username.
    pub async fn group_members(&self, name: &str) -> Result<Vec<UserRecord>, AdminError> {
        self.find_group(name).await?;
        Ok(self.stores.groups.members(name).await?)
    }

    /// The names of a user's groups, sorted.
    pub async fn user_groups(&self, user_id: &str) -> Result<Vec<String>, AdminError> {
        self.stores.groups.of_existing_user(user_id).await?.ok_or_else(|| no_user(user_id))
    }

    /// The user a username names (normalised as at sign-in), for commands
    /// that take usernames.
    pub async fn resolve_member(&self, username: &str) -> Result<UserRecord, AdminError> {
        let normalized = normalize_username(username).map_err(AdminError::field("username"))?;
        self.stores
            .users
            .find_by_username(&normalized)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("user {normalized:?} does not exist")))
    }

    /// Makes a user a member; a second time is a conflict. Takes effect at
    /// the user's next token (refresh included).
    pub async fn add_member(
        &self,
        by: &Actor,
        group: &str,
        user_id: &str,
        now: i64,
    ) -> Result<(), AdminError> {
        let audited = by.audited(AdminOp::GroupAddMember, group).user(user_id);
        match self.stores.groups.add_member(group, user_id, audited, now).await? {
            MemberChange::Done => Ok(()),
            MemberChange::NoGroup => Err(no_group(group)),
            MemberChange::NoUser => Err(no_user(user_id)),
            MemberChange::Unchanged => {
                Err(AdminError::Conflict(format!("user {user_id:?} is already a member of {group:?}")))
            }
        }
    }

    /// Ends a membership; the user's next token no longer shows it.
    pub async fn remove_member(
        &self,
        by: &Actor,
        group: &str,
        user_id: &str,
        now: i64,
    ) -> Result<(), AdminError> {
        let audited = by.audited(AdminOp::GroupRemoveMember, group).user(user_id);
        match self.stores.groups.remove_member(group, user_id, audited, now).await? {
            MemberChange::Done => Ok(()),
            MemberChange::NoGroup => Err(no_group(group)),
            MemberChange::NoUser | MemberChange::Unchanged => {
                Err(AdminError::NotFound(format!("user {user_id:?} is not a member of {group:?}")))
            }
        }
    }
}
