//! Liêm's domain: the types, rules and state machines of petition handling.
//!
//! Everything here is pure: no IO, no database, no web framework. Rules carry
//! their legal citation so that a reader can check them against the law.

/// Declares an enum of stable lower-case codes, with `as_str`, `FromStr`,
/// `ALL` and serde in the same spelling. The codes are what the database,
/// the API and the translation files use.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::validation::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(crate::validation::UnknownCode {
                        value: s.to_owned(),
                        allowed: &[$($code),+],
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod assets;
pub mod calendar;
pub mod case;
pub mod committee;
pub mod deadline;
pub mod forms;
pub mod ftm;
pub mod hotspot;
pub mod ids;
pub mod limits;
pub mod lunar;
pub mod penal;
pub mod people;
pub mod petition;
pub mod receipt;
pub mod reception;
pub mod reference;
pub mod register;
pub mod register_import;
pub mod report;
pub mod role;
pub mod screening;
pub mod stats;
pub mod text;
pub mod timers;
pub mod unit;
pub mod validation;
pub mod workflow;

pub use validation::{FieldError, ValidationErrors};
