//! The palette of `static/style.css` against WCAG 2.2 AA, in both themes:
//! a colour change that breaks contrast fails here, not in front of users.

use std::collections::HashMap;

use super::branding::{
    Branding, DARK_ON_ACCENT, DEFAULT_ACCENT, DEFAULT_ACCENT_DARK, LIGHT_ON_ACCENT, TEXT_CONTRAST,
};
use super::colour::Rgb;
use crate::web::assets::STYLE_CSS;

/// WCAG 2.2 SC 1.4.11: user-interface components and focus indicators.
const NON_TEXT_CONTRAST: f64 = 3.0;

/// The custom properties of the first `:root { … }` block after `from`.
fn custom_properties(css: &str, from: usize) -> HashMap<String, Rgb> {
    let start = css[from..].find(":root {").map(|i| from + i + ":root {".len()).expect(":root block");
    let end = start + css[start..].find('}').expect("end of :root");
    css[start..end]
        .split(';')
        .filter_map(|decl| {
            let (name, value) = decl.split_once(':')?;
            let name = name.trim().strip_prefix("--")?;
            Some((name.to_string(), Rgb::parse(value.trim())?))
        })
        .collect()
}

fn themes() -> [(&'static str, HashMap<String, Rgb>); 2] {
    let dark_at = STYLE_CSS.find("@media (prefers-color-scheme: dark)").expect("a dark theme");
    [("light", custom_properties(STYLE_CSS, 0)), ("dark", custom_properties(STYLE_CSS, dark_at))]
}

/// Text (4.5:1) and non-text (3:1) pairs: (foreground, background).
const TEXT_PAIRS: [(&str, &str); 10] = [
    ("fg", "bg"),
    ("fg", "card"),
    ("muted", "card"),
    ("muted", "bg"),
    ("accent", "card"),
    ("on-accent", "accent"),
    ("on-accent", "danger"),
    ("alert-fg", "alert-bg"),
    ("notice-fg", "notice-bg"),
    ("alert-fg", "card"),
];
const NON_TEXT_PAIRS: [(&str, &str); 4] =
    [("input-border", "card"), ("input-border", "bg"), ("focus", "card"), ("focus", "bg")];

#[test]
fn both_themes_meet_wcag_aa() {
    let mut failures = Vec::new();
    for (theme, colours) in themes() {
        let colour =
            |name: &str| *colours.get(name).unwrap_or_else(|| panic!("{theme}: --{name} is not set"));
        for (pairs, needed) in [(&TEXT_PAIRS[..], TEXT_CONTRAST), (&NON_TEXT_PAIRS[..], NON_TEXT_CONTRAST)] {
            for (fg, bg) in pairs {
                let ratio = colour(fg).contrast(colour(bg));
                if ratio < needed {
                    failures.push(format!("{theme}: --{fg} on --{bg} is {ratio:.2}:1, needs {needed}:1"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_stylesheet_and_the_branding_check_agree() {
    // `branding.accent_color` is checked against these button texts; they
    // must be what the stylesheet draws.
    let [(_, light), (_, dark)] = themes();
    assert_eq!(light["on-accent"], LIGHT_ON_ACCENT);
    assert_eq!(light["card"], LIGHT_ON_ACCENT, "a readable accent is a readable link on the card");
    assert_eq!(dark["on-accent"], DARK_ON_ACCENT);
    assert_eq!(dark["card"], DARK_ON_ACCENT);
    assert_eq!((light["accent"], dark["accent"]), (DEFAULT_ACCENT, DEFAULT_ACCENT_DARK));
    assert_eq!((light["focus"], dark["focus"]), (DEFAULT_ACCENT, DEFAULT_ACCENT_DARK));
}

#[test]
fn any_accepted_accent_keeps_buttons_links_and_focus_readable() {
    let [(_, light), (_, dark)] = themes();
    for accent in ["#1a56db", "#0b6e4f", "#6d28d9", "#b7410e", "#000000"] {
        let b = Branding::new("Acme", None, accent, None).unwrap();
        for (theme, colours, accent) in [("light", &light, b.accent), ("dark", &dark, b.accent_dark)] {
            assert!(accent.contrast(colours["on-accent"]) >= TEXT_CONTRAST, "{theme} {accent}");
            assert!(accent.contrast(colours["card"]) >= TEXT_CONTRAST, "{theme} link {accent}");
            assert!(accent.contrast(colours["bg"]) >= NON_TEXT_CONTRAST, "{theme} focus {accent}");
        }
    }
}
