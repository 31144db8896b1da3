//! The standard profile claims a user may have beyond name and email
//! (OpenID Connect Core §5.1): given and family name, locale, time zone,
//! picture, phone number and postal address. Released with the `profile`,
//! `phone` and `address` scopes (§5.4, `protocol::claims`); kept with the
//! user as one JSON document, checked here on every write.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Longest name part, locale, zone, phone number or address line kept.
const MAX_TEXT: usize = 200;
/// Longest picture URL.
const MAX_URL: usize = 2048;

/// The claims of §5.1 oxidp keeps besides `name`, `email` and the username.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// A BCP 47 language tag (§5.1 `locale`), e.g. `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A tz database zone (§5.1 `zoneinfo`), e.g. `Europe/Paris`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// An https URL of a picture of the user (§5.1 `picture`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// E.164 (§5.1 `phone_number`), e.g. `+14255551212`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub phone_number_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// §5.1.1: the postal address, its parts as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Address {
    /// The full mailing address, lines separated by `\n`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Why a profile was refused: the member and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> ProfileError {
    ProfileError { field, message: message.into() }
}

impl Address {
    fn is_empty(&self) -> bool {
        *self == Address::default()
    }

    fn parts(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("formatted", &self.formatted),
            ("street_address", &self.street_address),
            ("locality", &self.locality),
            ("region", &self.region),
            ("postal_code", &self.postal_code),
            ("country", &self.country),
        ]
    }
}

impl Profile {
    /// The stored document (`{}` for an empty profile).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// A stored document; one that does not parse (it never should) reads
    /// as an empty profile rather than failing the user's sign-in.
    pub fn from_json(text: &str) -> Profile {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// Every member checked; empty strings and an empty address count as
    /// absent. A verified phone needs a phone number.
    pub fn validated(mut self) -> Result<Profile, ProfileError> {
        for (field, value) in [
            ("given_name", &mut self.given_name),
            ("family_name", &mut self.family_name),
            ("locale", &mut self.locale),
            ("zoneinfo", &mut self.zoneinfo),
            ("picture", &mut self.picture),
            ("phone_number", &mut self.phone_number),
        ] {
            *value = value.take().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            if let Some(v) = value.as_deref() {
                check_text(field, v, if field == "picture" { MAX_URL } else { MAX_TEXT })?;
            }
        }
        if let Some(tag) = &self.locale
            && !is_language_tag(tag)
        {
            return Err(refuse("locale", format!("{tag:?} is not a BCP 47 language tag like en-US")));
        }
        if let Some(zone) = &self.zoneinfo
            && !is_zone(zone)
        {
            return Err(refuse("zoneinfo", format!("{zone:?} is not a time zone like Europe/Paris")));
        }
        if let Some(url) = &self.picture
            && !is_picture_url(url)
        {
            return Err(refuse("picture", "the picture must be an https URL (http only on loopback)"));
        }
        if let Some(phone) = &self.phone_number
            && !is_e164(phone)
        {
            return Err(refuse(
                "phone_number",
                format!("{phone:?} is not an E.164 number like +14255551212"),
            ));
        }
        if self.phone_number_verified && self.phone_number.is_none() {
            return Err(refuse("phone_number_verified", "a verified phone number needs a phone number"));
        }
        if let Some(address) = &mut self.address {
            for part in [
                &mut address.formatted,
                &mut address.street_address,
                &mut address.locality,
                &mut address.region,
                &mut address.postal_code,
                &mut address.country,
            ] {
                *part = part.take().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            }
            for (_, part) in address.parts() {
                if let Some(v) = part {
                    check_text("address", v, MAX_TEXT * 2)?;
                }
            }
        }
        if self.address.as_ref().is_some_and(Address::is_empty) {
            self.address = None;
        }
        Ok(self)
    }

    /// The claims of `profile` (§5.4) this profile has.
    pub fn profile_claims(&self, claims: &mut Map<String, Value>) {
        for (name, value) in [
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("locale", &self.locale),
            ("zoneinfo", &self.zoneinfo),
            ("picture", &self.picture),
        ] {
            if let Some(v) = value {
                claims.insert(name.into(), json!(v));
            }
        }
    }

    /// The claims of `phone` (§5.4): the number and whether it is verified.
    pub fn phone_claims(&self, claims: &mut Map<String, Value>) {
        if let Some(phone) = &self.phone_number {
            claims.insert("phone_number".into(), json!(phone));
            claims.insert("phone_number_verified".into(), json!(self.phone_number_verified));
        }
    }

    /// The claim of `address` (§5.4, §5.1.1): a JSON object.
    pub fn address_claim(&self, claims: &mut Map<String, Value>) {
        if let Some(address) = &self.address {
            claims.insert("address".into(), json!(address));
        }
    }
}

/// No control characters (a newline is allowed in an address) and a bound.
fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), ProfileError> {
    if value.chars().count() > max {
        return Err(refuse(field, format!("{field} is longer than {max} characters")));
    }
    if value.chars().any(|c| c.is_control() && !(field == "address" && c == '\n')) {
        return Err(refuse(field, format!("{field} contains control characters")));
    }
    Ok(())
}

/// RFC 5646 in the shape §5.1 asks for: letters, digits and hyphens, a
/// 2–3 letter language first (`en`, `en-US`, `zh-Hant-TW`).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A tz database name: `UTC`, or `Area/Location` of letters, digits and
/// `_ + -`.
fn is_zone(zone: &str) -> bool {
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b));
    zone == "UTC" || (zone.contains('/') && zone.split('/').all(ok))
}

fn is_picture_url(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
        _ => false,
    }
}

/// E.164: `+`, then 8 to 15 digits (extensions as `;ext=123`, RFC 3966).
fn is_e164(phone: &str) -> bool {
    let (number, extension) = phone.split_once(";ext=").unwrap_or((phone, ""));
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
        && extension.len() <= 10
        && extension.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Profile {
        Profile {
            given_name: Some(" Alice ".into()),
            family_name: Some("Example".into()),
            locale: Some("en-US".into()),
            zoneinfo: Some("Europe/Paris".into()),
            picture: Some("https://example.com/alice.png".into()),
            phone_number: Some("+14255551212".into()),
            phone_number_verified: true,
            address: Some(Address {
                street_address: Some("1 Main St\nApt 2".into()),
                locality: Some("Springfield".into()),
                country: Some("US".into()),
                ..Address::default()
            }),
        }
    }

    #[test]
    fn a_full_profile_is_trimmed_and_survives_storage() {
        let profile = full().validated().unwrap();
        assert_eq!(profile.given_name.as_deref(), Some("Alice"));
        assert_eq!(Profile::from_json(&profile.to_json()), profile);
        assert_eq!(Profile::default().to_json(), "{}");
        assert_eq!(Profile::from_json("not json"), Profile::default());
    }

    #[test]
    fn each_member_is_checked_and_named() {
        let cases: Vec<(Profile, &str)> = vec![
            (Profile { locale: Some("english".into()), ..full() }, "locale"),
            (Profile { zoneinfo: Some("Paris".into()), ..full() }, "zoneinfo"),
            (Profile { picture: Some("javascript:alert(1)".into()), ..full() }, "picture"),
            (Profile { picture: Some("http://example.com/a.png".into()), ..full() }, "picture"),
            (Profile { phone_number: Some("425 555 1212".into()), ..full() }, "phone_number"),
            (Profile { phone_number: None, ..full() }, "phone_number_verified"),
            (Profile { given_name: Some("x".repeat(201)), ..full() }, "given_name"),
            (Profile { family_name: Some("a\u{7}b".into()), ..full() }, "family_name"),
        ];
        for (profile, field) in cases {
            assert_eq!(profile.clone().validated().unwrap_err().field, field, "{profile:?}");
        }
        for phone in ["+14255551212", "+33123456789;ext=42"] {
            assert!(Profile { phone_number: Some(phone.into()), ..full() }.validated().is_ok(), "{phone}");
        }
        let blank = Profile {
            given_name: Some("  ".into()),
            address: Some(Address::default()),
            ..Profile::default()
        };
        assert_eq!(blank.validated().unwrap(), Profile::default(), "blank members are absent");
    }

    #[test]
    fn claims_follow_their_scope_groups() {
        let profile = full().validated().unwrap();
        let mut claims = Map::new();
        profile.profile_claims(&mut claims);
        assert_eq!(claims["given_name"], "Alice");
        assert!(!claims.contains_key("phone_number") && !claims.contains_key("address"));
        profile.phone_claims(&mut claims);
        assert_eq!(claims["phone_number_verified"], true);
        profile.address_claim(&mut claims);
        assert_eq!(claims["address"]["locality"], "Springfield");
        assert!(claims["address"].get("region").is_none(), "absent parts are left out");
    }
}
