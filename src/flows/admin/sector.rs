//! Pairwise clients' sectors (OpenID Connect Core §8.1, Registration §5):
//! checked when a client is registered or changed, never while it logs
//! people in, so a sector document that later goes away breaks nothing.

use super::{Admin, AdminError};
use crate::flows::client_auth::client_keys::get_bounded;
use crate::protocol::ClientRecord;
use crate::protocol::subjects::{MAX_SECTOR_DOCUMENT_BYTES, check_sector_document};
use crate::protocol::vocabulary::SubjectType;

impl Admin {
    /// A pairwise client needs pairwise subjects switched on, and its
    /// `sector_identifier_uri` (when it has one) must list every redirect
    /// URI: the OP "MUST validate" it (Registration §5). Public clients
    /// pass untouched.
    pub(super) async fn check_sector(&self, client: &ClientRecord) -> Result<(), AdminError> {
        if client.subject_type != SubjectType::Pairwise {
            return Ok(());
        }
        if !self.pairwise_subjects {
            return Err(AdminError::invalid_field(
                "subject_type",
                "pairwise subject identifiers are switched off (subjects.pairwise)",
            ));
        }
        let Some(uri) = &client.sector_identifier_uri else { return Ok(()) };
        let unreachable = |why: String| {
            AdminError::invalid_field("sector_identifier_uri", format!("cannot read {uri}: {why}"))
        };
        let http = self.outbound.client().map_err(|e| unreachable(e.to_string()))?;
        let body = get_bounded(http, uri, "application/json", MAX_SECTOR_DOCUMENT_BYTES)
            .await
            .map_err(unreachable)?;
        check_sector_document(&body, &client.redirect_uris)
            .map_err(AdminError::field("sector_identifier_uri"))
    }
}
