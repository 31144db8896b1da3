//! The deployment's brand on every page: product name, logo and accent
//! colours (`branding.*` in the configuration). The accents reach the
//! pages as `/static/brand.css`, a few CSS custom properties layered over
//! `static/style.css`, so the CSP keeps `style-src 'self'` (no inline
//! styles).

use super::colour::Rgb;

/// WCAG 2.2 SC 1.4.3 (AA): normal text needs 4.5:1 against its background.
pub const TEXT_CONTRAST: f64 = 4.5;

/// Button text on the accent in the light theme (`--on-accent`, also the
/// card colour, so an accent readable under white text is readable as a
/// link on the card).
pub const LIGHT_ON_ACCENT: Rgb = Rgb(0xff, 0xff, 0xff);
/// Button text on the accent in the dark theme (the dark card colour).
pub const DARK_ON_ACCENT: Rgb = Rgb(0x20, 0x23, 0x28);

/// The stylesheet's own accents (`static/style.css`).
pub const DEFAULT_ACCENT: Rgb = Rgb(0xb7, 0x41, 0x0e);
pub const DEFAULT_ACCENT_DARK: Rgb = Rgb(0xf0, 0x8a, 0x5d);

pub const DEFAULT_PRODUCT_NAME: &str = "oxidp";

/// What the pages show of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub product_name: String,
    /// An https URL or a path on this site.
    pub logo_url: Option<String>,
    pub accent: Rgb,
    pub accent_dark: Rgb,
    /// `/static/brand.css`, and a digest of it for its URL (cache busting).
    pub css: String,
    pub css_version: String,
}

impl Default for Branding {
    fn default() -> Self {
        Branding::with(DEFAULT_PRODUCT_NAME.into(), None, DEFAULT_ACCENT, DEFAULT_ACCENT_DARK)
    }
}

impl Branding {
    /// The settings' branding, checked: the accent under white button text
    /// and the dark accent under dark button text must reach 4.5:1 (WCAG
    /// 2.2 AA). Without `accent_color_dark`, a lighter shade of the accent
    /// that does is used in dark mode. Errors name the configuration key.
    pub fn new(
        product_name: &str,
        logo_url: Option<&str>,
        accent: &str,
        accent_dark: Option<&str>,
    ) -> Result<Branding, String> {
        let product_name = product_name.trim();
        if product_name.is_empty() || product_name.chars().count() > 64 {
            return Err("branding.product_name must be 1 to 64 characters".into());
        }
        if let Some(url) = logo_url {
            check_logo_url(url)?;
        }
        let accent = check_accent("branding.accent_color", accent, LIGHT_ON_ACCENT)?;
        let accent_dark = match accent_dark {
            Some(raw) => check_accent("branding.accent_color_dark", raw, DARK_ON_ACCENT)?,
            None if accent == DEFAULT_ACCENT => DEFAULT_ACCENT_DARK,
            None => accent.shade_reaching(Rgb(0xff, 0xff, 0xff), DARK_ON_ACCENT, TEXT_CONTRAST),
        };
        Ok(Branding::with(product_name.to_string(), logo_url.map(str::to_string), accent, accent_dark))
    }

    fn with(product_name: String, logo_url: Option<String>, accent: Rgb, accent_dark: Rgb) -> Branding {
        // The accents as custom properties, per theme (`--focus` is the
        // focus ring, WCAG 2.2 SC 1.4.11 and 2.4.7).
        let css = format!(
            ":root {{ --accent: {accent}; --focus: {accent}; }}\n\
             @media (prefers-color-scheme: dark) {{ :root {{ --accent: {accent_dark}; --focus: {accent_dark}; }} }}\n"
        );
        let digest = openssl::sha::sha256(css.as_bytes());
        let css_version = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Branding { product_name, logo_url, accent, accent_dark, css, css_version }
    }

    /// The origin of an https logo, which the CSP's `img-src` must allow.
    pub fn logo_origin(&self) -> Option<String> {
        image_origin(self.logo_url.as_deref()?)
    }
}

/// The origin of an https image URL (`None` for paths on this site).
pub fn image_origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "https" | "http").then(|| parsed.origin().ascii_serialization())
}

/// A `#rrggbb` accent with at least 4.5:1 against the button text `on`.
pub fn check_accent(key: &str, raw: &str, on: Rgb) -> Result<Rgb, String> {
    let colour = Rgb::parse(raw).filter(|_| raw.trim().len() == 7).ok_or_else(|| {
        format!("{key} {raw:?} is not a colour: write it as #rrggbb (e.g. {DEFAULT_ACCENT})")
    })?;
    let ratio = colour.contrast(on);
    if ratio < TEXT_CONTRAST {
        return Err(format!(
            "{key} {colour} has a contrast of {ratio:.2}:1 with the button text {on}; \
             WCAG 2.2 AA needs at least {TEXT_CONTRAST}:1 ({})",
            if on == LIGHT_ON_ACCENT { "choose a darker colour" } else { "choose a lighter colour" }
        ));
    }
    Ok(colour)
}

/// The logo: an https URL, or an absolute path on this site (e.g.
/// `/static/logo.svg`), which the CSP's `img-src` allows.
fn check_logo_url(raw: &str) -> Result<(), String> {
    let bad =
        || format!("branding.logo_url {raw:?} must be an https URL or a path on this site starting with '/'");
    if raw.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') || raw.len() > 2048 {
        return Err(bad());
    }
    if raw.starts_with('/') {
        return if raw.starts_with("//") || raw.contains('\\') { Err(bad()) } else { Ok(()) };
    }
    match url::Url::parse(raw) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_weak_accents_are_refused_by_key() {
        assert_eq!(Branding::new("oxidp", None, "#b7410e", None).unwrap(), Branding::default());
        let err = Branding::new("oxidp", None, "#ffcc00", None).unwrap_err();
        assert!(err.starts_with("branding.accent_color #ffcc00 has a contrast of"), "{err}");
        let err = Branding::new("oxidp", None, "#b7410e", Some("#333333")).unwrap_err();
        assert!(err.starts_with("branding.accent_color_dark"), "{err}");
        assert!(Branding::new("oxidp", None, "blue", None).unwrap_err().contains("#rrggbb"));
        assert!(Branding::new(" ", None, "#b7410e", None).is_err());
    }

    #[test]
    fn a_dark_accent_is_derived_that_reads_on_the_dark_card() {
        let b = Branding::new("Acme", None, "#1a56db", None).unwrap();
        assert!(b.accent_dark.contrast(DARK_ON_ACCENT) >= TEXT_CONTRAST);
        assert!(b.css.contains("--accent: #1a56db"));
    }

    #[test]
    fn logos_are_https_or_local_paths() {
        for ok in ["https://cdn.example/logo.png", "/static/logo.svg"] {
            assert!(check_logo_url(ok).is_ok(), "{ok}");
        }
        for bad in ["http://cdn.example/logo.png", "//evil.example/x", "javascript:alert(1)", "logo.png"] {
            assert!(check_logo_url(bad).is_err(), "{bad}");
        }
    }
}
