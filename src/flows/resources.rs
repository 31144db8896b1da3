//! The registered resources (RFC 8707) as the authorize and token flows see
//! them: a cached snapshot, re-read when it does not know a resource the
//! client is allowed (so a resource registered a moment ago works at once).

use std::sync::Arc;

use crate::protocol::{ClientRecord, ResourceRecord};
use crate::store::{Resources, StoreError};

/// The registry, fresh from the database when the cached copy lacks one of
/// the `requested` resources that the client may use. Resources the client
/// may not use cost no database read: they are refused anyway.
pub async fn snapshot_for(
    resources: &Resources,
    client: &ClientRecord,
    requested: &[String],
) -> Result<Arc<Vec<ResourceRecord>>, StoreError> {
    let all = resources.all().await?;
    let unknown =
        |r: &String| client.resources.contains(r) && !all.iter().any(|known| &known.identifier == r);
    if requested.iter().any(unknown) {
        return resources.all_fresh().await;
    }
    Ok(all)
}
