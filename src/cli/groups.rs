//! What `oxidp group …` does: one admin operation each, as `Actor::Cli`.

use serde_json::json;

use super::Failure;
use super::args_groups::GroupCommand;
use crate::flows::admin::{Actor, Admin, MAX_PAGE_SIZE, PageRequest};
use crate::protocol::UserRecord;

pub(super) async fn run(command: GroupCommand, admin: Admin, now: i64) -> Result<(), Failure> {
    let by = Actor::Cli;
    match command {
        GroupCommand::Create { name, description } => {
            let group = admin.create_group(&by, &name, description, now).await?;
            println!("Created group {:?}.", group.name);
        }
        GroupCommand::List { json } => {
            let mut groups = Vec::new();
            let mut page = PageRequest { limit: Some(MAX_PAGE_SIZE), ..PageRequest::default() };
            loop {
                let listed = admin.list_groups(&page).await?;
                groups.extend(listed.items);
                match listed.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            if json {
                let rows: Vec<_> = groups
                    .iter()
                    .map(|g| {
                        json!({
                            "name": g.group.name,
                            "description": g.group.description,
                            "members": g.members,
                            "created_at": g.group.created_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else if groups.is_empty() {
                println!("No groups.");
            } else {
                for g in &groups {
                    let description = g.group.description.as_deref().unwrap_or("");
                    println!("{}\t{} members\t{description}", g.group.name, g.members);
                }
            }
        }
        GroupCommand::Delete { name } => {
            admin.delete_group(&by, &name, now).await?;
            println!("Deleted group {name:?}.");
        }
        GroupCommand::AddMember { group, username } => {
            let user = admin.resolve_member(&username).await?;
            admin.add_member(&by, &group, &user.id, now).await?;
            println!("Added {:?} to group {group:?}.", user.username);
        }
        GroupCommand::RemoveMember { group, username } => {
            let user = admin.resolve_member(&username).await?;
            admin.remove_member(&by, &group, &user.id, now).await?;
            println!("Removed {:?} from group {group:?}.", user.username);
        }
        GroupCommand::Members { group, json } => {
            let members = admin.group_members(&group).await?;
            print_members(&members, json);
        }
    }
    Ok(())
}

fn print_members(members: &[UserRecord], as_json: bool) {
    if as_json {
        let rows: Vec<_> = members.iter().map(|u| json!({ "id": u.id, "username": u.username })).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if members.is_empty() {
        println!("No members.");
    } else {
        for u in members {
            println!("{}\t{}", u.username, u.id);
        }
    }
}
