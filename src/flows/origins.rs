//! Which browser origins may talk to the token, UserInfo and revocation
//! endpoints at all: those some client registered. Asked for CORS
//! preflights (which carry no credentials, so no client) and for answers
//! that failed before their client was known; every actual request is then
//! held to its own client's origins (`protocol::origin`).

use crate::protocol::origin::WebOrigin;
use crate::store::Clients;

pub struct BrowserOrigins {
    clients: Clients,
}

impl BrowserOrigins {
    pub fn new(clients: Clients) -> BrowserOrigins {
        BrowserOrigins { clients }
    }

    /// Whether some client registered `origin`. A store failure answers
    /// no: the browser then cannot read the answer, which changes nothing.
    pub async fn is_registered(&self, origin: &WebOrigin) -> bool {
        match self.clients.is_web_origin(origin.as_str()).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the registered web origins");
                false
            }
        }
    }
}
