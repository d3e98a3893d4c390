//! Closed vocabularies (sex, health status, vehicle kind, …) as enums with a stable code for the
//! database, a label in each language, and the synonyms desks actually type.

/// Compares a typed word with a vocabulary entry, ignoring case, spaces, '-', '_' and '/'.
/// Allocation-free because it runs on every cell of large manifests.
pub fn same_word(input: &str, entry: &str) -> bool {
    fn significant(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '/' | '.'))
            .flat_map(char::to_lowercase)
    }
    significant(input).eq(significant(entry))
}

/// Declares a closed vocabulary: an enum with a stable code, an English and a Chinese label and
/// the synonyms desks type, parsed case- and space-blind, serialised as its code. Exported for the
/// other crates' vocabularies (incident kinds, check-list kinds), so every one behaves alike.
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal, $expected:literal {
            $($(#[$vmeta:meta])* $variant:ident => $code:literal, $en:literal, $zh:literal $(, [$($synonym:literal),* $(,)?])?;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and written to exports.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn label(self, lang: $crate::Lang) -> &'static str {
                match self {
                    $($name::$variant => lang.pick($en, $zh)),+
                }
            }

            fn words(self) -> &'static [&'static str] {
                match self {
                    $($name::$variant => &[$code, $en, $zh $($(, $synonym)*)?]),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                // Exact spellings first: most cells are written exactly as a listed word, and
                // the byte comparison is far cheaper than the case- and space-blind one.
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.words().contains(&s))
                    .or_else(|| {
                        $name::ALL
                            .iter()
                            .copied()
                            .find(|v| v.words().iter().any(|w| $crate::vocab::same_word(s, w)))
                    })
                    .ok_or_else(|| $crate::DomainError::Invalid {
                        field: $field,
                        value: s.to_string(),
                        expected: $expected,
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as $crate::__serde::Deserialize>::deserialize(d)?;
                s.parse().map_err($crate::__serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::same_word;

    #[test]
    fn ignores_case_spaces_and_separators() {
        assert!(same_word("Close Contact", "close_contact"));
        assert!(same_word("NEGATIVE-PRESSURE", "negative pressure"));
        assert!(!same_word("close", "close_contact"));
        assert!(same_word("密接", "密接"));
    }
}
