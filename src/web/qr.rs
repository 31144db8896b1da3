//! QR codes as inline SVG (no script, no image request), for the
//! `otpauth://` URI an authenticator app scans.

use qrcode::QrCode;
use qrcode::render::svg;

/// An SVG QR code of `data`, labelled `label` for screen readers, without
/// the XML declaration so it can sit inside HTML; empty when `data` is too
/// long for a QR code.
pub fn svg(data: &str, label: &str) -> String {
    let Ok(code) = QrCode::new(data.as_bytes()) else { return String::new() };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(192, 192)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    match image.find("<svg") {
        Some(start) => {
            let label = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
            image[start..].replacen("<svg", &format!("<svg role=\"img\" aria-label=\"{label}\""), 1)
        }
        None => String::new(),
    }
}

/// A base32 secret in groups of four, easier to type.
pub fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_svg_and_a_readable_secret() {
        let image = svg("otpauth://totp/oxidp:alice?secret=ABCD&issuer=oxidp", "QR \"code\"");
        assert!(image.contains("aria-label=\"QR &quot;code&quot;\""), "{}", &image[..80.min(image.len())]);
        assert!(image.starts_with("<svg role=\"img\""), "{}", &image[..40.min(image.len())]);
        assert!(image.ends_with("</svg>"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
