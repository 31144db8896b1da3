//! Registered resources (APIs, RFC 8707) for the tests: a resource
//! introspects like a confidential client (Basic with its identifier and
//! secret), so it is handed back as a [`TestClient`].

use oxidp::flows::admin::NewResource;

use super::{TestApp, TestClient, now};

impl TestApp {
    /// Registers `new` and returns its credentials (no redirect URIs).
    pub async fn with_resource(&self, new: NewResource) -> TestClient {
        let identifier = new.identifier.clone();
        let created = self
            .services
            .admin
            .create_resource(&oxidp::flows::admin::Actor::Cli, new, now())
            .await
            .expect("create_resource");
        TestClient { client_id: identifier, secret: created.secret, redirect_uris: vec![] }
    }

    /// An API defining `scopes`, with a generated secret.
    pub async fn with_api(&self, identifier: &str, scopes: &[&str]) -> TestClient {
        self.with_resource(NewResource {
            identifier: identifier.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..NewResource::default()
        })
        .await
    }
}
