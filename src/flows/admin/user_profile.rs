//! A user's standard profile claims (OpenID Connect Core §5.1) as admins
//! set and see them: the change an update carries, its checks (through
//! `Profile::validated`, errors naming the member) and the view's members.

use crate::protocol::profile::{Address, Profile, ProfileError};

use super::AdminError;

/// A change of the profile claims. Outer `None`: leave as is;
/// `Some(None)` (or an empty string): clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    pub given_name: Option<Option<String>>,
    pub family_name: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub zoneinfo: Option<Option<String>>,
    pub picture: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    /// Unset while the phone number changes: the new number is unverified.
    pub phone_number_verified: Option<bool>,
    /// The whole address, replaced or cleared.
    pub address: Option<Option<Address>>,
}

/// A refused profile as the admin error naming its member (the admin
/// API's `field`, the CLI's one line).
pub fn profile_error(e: ProfileError) -> AdminError {
    let message =
        if e.message.starts_with(e.field) { e.message } else { format!("{}: {}", e.field, e.message) };
    AdminError::invalid_field(e.field, message)
}

/// `profile` checked and normalised (trimmed, blanks absent).
pub(super) fn checked(profile: Profile) -> Result<Profile, AdminError> {
    profile.validated().map_err(profile_error)
}

/// A member as it will be kept: trimmed, blank as absent.
fn kept(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl ProfileUpdate {
    /// The profile `current` has after this update, checked.
    pub(super) fn apply(&self, current: &Profile) -> Result<Profile, AdminError> {
        let pick = |change: &Option<Option<String>>, now: &Option<String>| {
            change.clone().unwrap_or_else(|| now.clone())
        };
        let mut next = Profile {
            given_name: pick(&self.given_name, &current.given_name),
            family_name: pick(&self.family_name, &current.family_name),
            locale: pick(&self.locale, &current.locale),
            zoneinfo: pick(&self.zoneinfo, &current.zoneinfo),
            picture: pick(&self.picture, &current.picture),
            phone_number: pick(&self.phone_number, &current.phone_number),
            phone_number_verified: current.phone_number_verified,
            address: self.address.clone().unwrap_or_else(|| current.address.clone()),
        };
        let phone_changed = kept(next.phone_number.as_deref()) != kept(current.phone_number.as_deref());
        next.phone_number_verified = match self.phone_number_verified {
            Some(verified) => verified,
            None if phone_changed => false,
            None => current.phone_number_verified,
        };
        checked(next)
    }
}

/// §5.1.1 postal address parts, as shown (absent parts are `null`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AddressView {
    /// The full mailing address, lines separated by `\n`.
    pub formatted: Option<String>,
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> AddressView {
        AddressView {
            formatted: a.formatted.clone(),
            street_address: a.street_address.clone(),
            locality: a.locality.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
        }
    }
}

/// The §5.1 members of a user's view, at the top level of the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ProfileView {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// A BCP 47 language tag, e.g. `en-US`.
    pub locale: Option<String>,
    /// A tz database zone, e.g. `Europe/Paris`.
    pub zoneinfo: Option<String>,
    /// An https URL.
    pub picture: Option<String>,
    /// E.164, e.g. `+14255551212`.
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    pub address: Option<AddressView>,
}

impl From<&Profile> for ProfileView {
    fn from(p: &Profile) -> ProfileView {
        ProfileView {
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            locale: p.locale.clone(),
            zoneinfo: p.zoneinfo.clone(),
            picture: p.picture.clone(),
            phone_number: p.phone_number.clone(),
            phone_number_verified: p.phone_number_verified,
            address: p.address.as_ref().map(AddressView::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> Profile {
        Profile {
            given_name: Some("Alice".into()),
            phone_number: Some("+14255551212".into()),
            phone_number_verified: true,
            address: Some(Address { locality: Some("Springfield".into()), ..Address::default() }),
            ..Profile::default()
        }
    }

    #[test]
    fn absent_keeps_null_clears_and_a_new_phone_is_unverified() {
        let keep = ProfileUpdate::default().apply(&current()).unwrap();
        assert_eq!(keep, current());
        let update = ProfileUpdate {
            given_name: Some(None),
            family_name: Some(Some(" Example ".into())),
            phone_number: Some(Some("+33123456789".into())),
            address: Some(None),
            ..ProfileUpdate::default()
        };
        let next = update.apply(&current()).unwrap();
        assert_eq!((next.given_name, next.family_name.as_deref()), (None, Some("Example")));
        assert!(!next.phone_number_verified, "a new number is unverified");
        assert_eq!(next.address, None);
        let cleared = ProfileUpdate { phone_number: Some(Some(String::new())), ..ProfileUpdate::default() };
        let next = cleared.apply(&current()).unwrap();
        assert_eq!((next.phone_number, next.phone_number_verified), (None, false));
    }

    #[test]
    fn a_bad_member_is_named() {
        let bad = ProfileUpdate { locale: Some(Some("english".into())), ..ProfileUpdate::default() };
        match bad.apply(&current()) {
            Err(AdminError::Invalid { field, message }) => {
                assert_eq!(field, Some("locale"));
                assert!(message.starts_with("locale: "), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
