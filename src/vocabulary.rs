//! The one way a vocabulary of protocol words is declared: an enum whose
//! variants each stand for one registered string (a grant type, an
//! authentication method, a signing algorithm, ...).
//!
//! Every list derives from the enum: `ALL` feeds discovery metadata,
//! configuration validation, CLI value parsers and admin validation;
//! `FromStr` / `as_str` are the only row and wire mapping. A new word is
//! one line in its declaration, and the exhaustive `match`es on the enum
//! make the compiler list every place that must decide what to do with it.

use std::fmt;

/// A string that is not a word of the vocabulary it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// What the vocabulary is called in messages ("grant type").
    pub vocabulary: &'static str,
    pub value: String,
    /// The words that exist.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?} (expected one of {})",
            self.vocabulary,
            self.value,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownWord {}

/// What every vocabulary enum offers, for code generic over vocabularies
/// (e.g. CLI value parsers).
pub trait Vocabulary: Copy + std::str::FromStr<Err = UnknownWord> + Send + Sync + 'static {
    /// The registered strings, in declaration order.
    fn words() -> Vec<&'static str>;
}

/// Declares a vocabulary enum:
///
/// ```text
/// vocabulary! {
///     /// RFC 6749 grant types.
///     pub enum GrantType("grant type") {
///         AuthorizationCode => "authorization_code",
///         RefreshToken => "refresh_token",
///     }
/// }
/// ```
///
/// The enum gets `ALL` and `WORDS` (declaration order), `as_str`,
/// `from_word`, `words`, `FromStr`
/// (failing with [`UnknownWord`]), `Display` and string serde.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The registered strings of [`Self::ALL`], in the same order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The registered string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// [`Self::WORDS`] as a list (for serde and clap).
            pub fn words() -> Vec<&'static str> {
                Self::WORDS.to_vec()
            }

            /// The variant of a registered string, without allocating.
            pub fn from_word(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::vocabulary::Vocabulary for $name {
            fn words() -> Vec<&'static str> {
                $name::words()
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::from_word(s).ok_or_else(|| $crate::vocabulary::UnknownWord {
                    vocabulary: $what,
                    value: s.to_string(),
                    expected: $name::WORDS,
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let word = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                word.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary! {
        /// A vocabulary for the tests.
        pub enum Colour("colour") {
            Red => "red",
            DarkBlue => "dark_blue",
        }
    }

    #[test]
    fn words_round_trip_and_unknown_words_name_the_choices() {
        for colour in Colour::ALL {
            assert_eq!(colour.as_str().parse::<Colour>(), Ok(*colour));
        }
        assert_eq!(Colour::words(), ["red", "dark_blue"]);
        let err = "Red".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), r#"unknown colour "Red" (expected one of red, dark_blue)"#);
        assert_eq!(serde_json::to_string(&Colour::DarkBlue).unwrap(), r#""dark_blue""#);
        assert_eq!(serde_json::from_str::<Colour>(r#""red""#).unwrap(), Colour::Red);
        assert!(serde_json::from_str::<Colour>(r#""green""#).is_err());
    }
}
