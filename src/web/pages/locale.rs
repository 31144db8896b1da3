//! Which language a page speaks: the first supported tag of the request's
//! `ui_locales` (OpenID Connect Core §3.1.2.1, in order of preference),
//! else the best of `Accept-Language` (RFC 9110 §12.5.4, q-values), else
//! English. Tags match by their primary language subtag (`de-AT` → `de`).

use super::texts::{self, Texts};
use crate::vocabulary::vocabulary;

vocabulary! {
    /// The languages the pages are written in (`<html lang>`).
    pub enum Locale("locale") {
        En => "en",
        De => "de",
    }
}

impl Locale {
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &texts::en::TEXTS,
            Locale::De => &texts::de::TEXTS,
        }
    }

    /// The locale of one language tag, by its primary subtag.
    fn of_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Locale::ALL.iter().copied().find(|l| l.as_str().eq_ignore_ascii_case(primary))
    }

    /// `ui_locales` first, then `Accept-Language`, then English.
    pub fn negotiate<'a>(
        ui_locales: impl IntoIterator<Item = &'a str>,
        accept_language: Option<&str>,
    ) -> Locale {
        ui_locales
            .into_iter()
            .find_map(Locale::of_tag)
            .or_else(|| accept_language.and_then(from_accept_language))
            .unwrap_or(Locale::En)
    }
}

/// Longest `Accept-Language` header looked at (browsers send ~100 bytes).
const MAX_ACCEPT_LANGUAGE: usize = 1024;

/// The supported language with the highest q-value (ties: the earlier
/// one); `q=0` means "not this one".
fn from_accept_language(header: &str) -> Option<Locale> {
    let header = header.get(..MAX_ACCEPT_LANGUAGE).unwrap_or(header);
    let mut best: Option<(Locale, u16)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .map_or(Some(1000), quality)
            .unwrap_or(0);
        let locale = if tag == "*" { Some(Locale::En) } else { Locale::of_tag(tag) };
        if let Some(locale) = locale
            && q > 0
            && best.is_none_or(|(_, b)| q > b)
        {
            best = Some((locale, q));
        }
    }
    best.map(|(locale, _)| locale)
}

/// A q-value in thousandths (RFC 9110 §12.4.2: 0 to 1, three decimals).
fn quality(raw: &str) -> Option<u16> {
    let value: f32 = raw.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_win_over_accept_language() {
        assert_eq!(Locale::negotiate(["fr-CA", "de-AT"], Some("en")), Locale::De);
        assert_eq!(Locale::negotiate(["fr"], Some("de-DE,de;q=0.9")), Locale::De);
        assert_eq!(Locale::negotiate([], None), Locale::En);
        assert_eq!(Locale::negotiate(["xx"], None), Locale::En);
    }

    #[test]
    fn accept_language_follows_q_values() {
        let pick = |h: &str| Locale::negotiate([], Some(h));
        assert_eq!(pick("de-DE,de;q=0.9,en;q=0.8"), Locale::De);
        assert_eq!(pick("fr;q=1, en;q=0.5, de;q=0.7"), Locale::De);
        assert_eq!(pick("de;q=0, en"), Locale::En);
        assert_eq!(pick("fr, de;q=0.1"), Locale::De);
        assert_eq!(pick("en-GB, de"), Locale::En);
        assert_eq!(pick("de;q=abc"), Locale::En);
        assert_eq!(pick("*"), Locale::En);
    }
}
