//! Everything the web layer is handed, each flow once, as `web::Data`.

use actix_web::{App, web};

use crate::clock::Clock;
use crate::flows::account::AccountFlow;
use crate::flows::admin::Admin;
use crate::flows::admin_gate::AdminGate;
use crate::flows::authorize::AuthorizeFlow;
use crate::flows::authorize::PushFlow;
use crate::flows::client_registration::ClientRegistration;
use crate::flows::console::ConsoleFlow;
use crate::flows::device::DeviceFlow;
use crate::flows::interaction::InteractionFlow;
use crate::flows::introspection::IntrospectionFlow;
use crate::flows::links::AccountLinkFlow;
use crate::flows::logout::LogoutFlow;
use crate::flows::metadata::Metadata;
use crate::flows::origins::BrowserOrigins;
use crate::flows::rate_limits::RateLimits;
use crate::flows::readiness::Readiness;
use crate::flows::revocation::RevocationFlow;
use crate::flows::token::TokenFlow;
use crate::flows::userinfo::UserinfoFlow;

/// Everything the web layer is handed, each flow once.
#[derive(Clone)]
pub(super) struct Registry {
    pub(super) clock: web::Data<Clock>,
    pub(super) site: web::Data<crate::web::Site>,
    pub(super) metadata: web::Data<Metadata>,
    pub(super) authorize: web::Data<AuthorizeFlow>,
    pub(super) interaction: web::Data<InteractionFlow>,
    pub(super) logout: web::Data<LogoutFlow>,
    pub(super) account: web::Data<AccountFlow>,
    pub(super) token: web::Data<TokenFlow>,
    pub(super) revocation: web::Data<RevocationFlow>,
    pub(super) introspection: web::Data<IntrospectionFlow>,
    pub(super) pushes: web::Data<PushFlow>,
    pub(super) userinfo: web::Data<UserinfoFlow>,
    pub(super) origins: web::Data<BrowserOrigins>,
    pub(super) device: web::Data<DeviceFlow>,
    pub(super) admin: web::Data<Admin>,
    pub(super) admin_gate: web::Data<AdminGate>,
    pub(super) console: web::Data<ConsoleFlow>,
    pub(super) links: web::Data<AccountLinkFlow>,
    pub(super) readiness: web::Data<Readiness>,
    pub(super) rate_limits: web::Data<RateLimits>,
    pub(super) client_registration: web::Data<ClientRegistration>,
}

impl Registry {
    pub(super) fn register<T>(&self, app: App<T>) -> App<T>
    where
        T: actix_web::dev::ServiceFactory<
                actix_web::dev::ServiceRequest,
                Config = (),
                Error = actix_web::Error,
                InitError = (),
            >,
    {
        app.app_data(self.clock.clone())
            .app_data(self.site.clone())
            .app_data(self.metadata.clone())
            .app_data(self.authorize.clone())
            .app_data(self.interaction.clone())
            .app_data(self.logout.clone())
            .app_data(self.account.clone())
            .app_data(self.token.clone())
            .app_data(self.revocation.clone())
            .app_data(self.introspection.clone())
            .app_data(self.pushes.clone())
            .app_data(self.userinfo.clone())
            .app_data(self.origins.clone())
            .app_data(self.device.clone())
            .app_data(self.admin.clone())
            .app_data(self.admin_gate.clone())
            .app_data(self.console.clone())
            .app_data(self.links.clone())
            .app_data(self.readiness.clone())
            .app_data(self.rate_limits.clone())
            .app_data(self.client_registration.clone())
            .configure(crate::web::configure)
    }
}

/// Dynamic client registration (RFC 7591, RFC 7592) over the admin operations.
pub(super) fn client_registration(
    admin: &std::sync::Arc<Admin>,
    stores: &crate::store::Stores,
    settings: &crate::config::Settings,
) -> web::Data<ClientRegistration> {
    web::Data::new(ClientRegistration::new(
        admin.clone(),
        stores.client_registrations.clone(),
        settings.client_registration.policy(),
        &settings.issuer,
    ))
}

/// The per-address budgets, shared through the ephemeral store when
/// `rate_limits.shared` (several instances).
pub(super) fn rate_limits(
    stores: &crate::store::Stores,
    settings: &crate::config::Settings,
) -> web::Data<RateLimits> {
    web::Data::new(RateLimits::new(
        settings.rate_policy(),
        settings.rate_limits.shared.then(|| stores.ephemeral.clone()),
    ))
}
