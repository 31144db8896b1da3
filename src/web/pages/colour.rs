//! sRGB colours and their WCAG 2.2 contrast ratio (relative luminance,
//! WCAG 2.2 §1.4.3 "contrast ratio" definition), for the palette test and
//! the startup check of `branding.accent_color`.

use std::fmt;

/// A `#rrggbb` colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb` (also `#rgb`, as CSS allows); anything else is `None`.
    pub fn parse(raw: &str) -> Option<Rgb> {
        let hex = raw.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            6 => Some(Rgb(channel(&hex[0..2])?, channel(&hex[2..4])?, channel(&hex[4..6])?)),
            3 => {
                let double = |i: usize| channel(&hex[i..=i].repeat(2));
                Some(Rgb(double(0)?, double(1)?, double(2)?))
            }
            _ => None,
        }
    }

    /// Relative luminance (WCAG 2.2, "relative luminance").
    pub fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// (L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top:
    /// 1 (same colour) to 21 (black on white).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// This colour moved `percent` of the way towards `target`.
    pub fn mix(self, target: Rgb, percent: u8) -> Rgb {
        let p = u16::from(percent.min(100));
        let blend = |a: u8, b: u8| ((u16::from(a) * (100 - p) + u16::from(b) * p + 50) / 100) as u8;
        Rgb(blend(self.0, target.0), blend(self.1, target.1), blend(self.2, target.2))
    }

    /// The first shade between this colour and `towards` (in 5 % steps)
    /// whose contrast with `against` is at least `ratio`.
    pub fn shade_reaching(self, towards: Rgb, against: Rgb, ratio: f64) -> Rgb {
        (0..=20)
            .map(|step| self.mix(towards, step * 5))
            .find(|c| c.contrast(against) >= ratio)
            .unwrap_or(towards)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_the_wcag_examples() {
        let white = Rgb(255, 255, 255);
        assert!((Rgb(0, 0, 0).contrast(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((grey.contrast(white) - 4.54).abs() < 0.01, "{}", grey.contrast(white));
        assert_eq!(Rgb::parse("#abc"), Some(Rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(Rgb::parse("#12345g"), None);
        assert_eq!(Rgb::parse("123456"), None);
        assert_eq!(Rgb(1, 2, 255).to_string(), "#0102ff");
    }

    #[test]
    fn a_shade_is_found_when_one_exists() {
        let dark_card = Rgb::parse("#202328").unwrap();
        let accent = Rgb::parse("#1a56db").unwrap();
        let shade = accent.shade_reaching(Rgb(255, 255, 255), dark_card, 4.5);
        assert!(shade.contrast(dark_card) >= 4.5);
        assert_ne!(shade, accent);
    }
}
