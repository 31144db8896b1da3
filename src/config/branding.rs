//! `[branding]`: what the pages show of the deployment. Checked at startup
//! by `web::pages::Branding::new` (an accent that fails WCAG 2.2 AA
//! contrast with the button text is refused, naming the key).

use serde::Deserialize;

use crate::web::pages::Branding;
use crate::web::pages::branding::{DEFAULT_ACCENT, DEFAULT_PRODUCT_NAME};

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrandingSettings {
    /// Shown in every page's header and title.
    pub product_name: String,
    /// An https URL, or a path on this site (`/…`).
    pub logo_url: Option<String>,
    /// `#rrggbb`: buttons, links and focus rings in the light theme; white
    /// button text on it needs 4.5:1.
    pub accent_color: String,
    /// `#rrggbb` for dark mode (dark button text on it needs 4.5:1);
    /// default: a lighter shade of `accent_color`.
    pub accent_color_dark: Option<String>,
}

impl Default for BrandingSettings {
    fn default() -> Self {
        BrandingSettings {
            product_name: DEFAULT_PRODUCT_NAME.into(),
            logo_url: None,
            accent_color: DEFAULT_ACCENT.to_string(),
            accent_color_dark: None,
        }
    }
}

impl BrandingSettings {
    pub fn branding(&self) -> Result<Branding, String> {
        Branding::new(
            &self.product_name,
            self.logo_url.as_deref().filter(|u| !u.is_empty()),
            &self.accent_color,
            self.accent_color_dark.as_deref().filter(|c| !c.is_empty()),
        )
    }
}
