//! `subjects.*`: subject identifier types (OpenID Connect Core §8).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubjectSettings {
    /// Clients may be registered with `subject_type` `pairwise` (Core
    /// §8.1). Switched off, pairwise clients are refused at /authorize and
    /// /token rather than given the users' public ids.
    pub pairwise: bool,
}

impl Default for SubjectSettings {
    fn default() -> Self {
        SubjectSettings { pairwise: true }
    }
}
