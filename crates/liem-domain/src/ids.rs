//! Typed identifiers. Every id is a UUIDv7: time-ordered, so that ordering by
//! id is ordering by creation, which cursor pagination relies on.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A unit of the organisation tree.
    UnitId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A letter (đơn) in the petitions register.
    LetterId
);
id_type!(
    /// A matter (vụ việc): one or more letters about the same thing.
    MatterId
);
id_type!(
    /// A file attached to a letter.
    AttachmentId
);

/// A time-ordered id whose timestamp is `at` (used when importing or
/// generating records dated in the past, so their ids sort by that date).
pub fn uuid_at(at: jiff::Timestamp, counter: u16) -> Uuid {
    let secs = at.as_second().max(0) as u64;
    let nanos = at.subsec_nanosecond().max(0) as u32;
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos);
    let mut bytes = *Uuid::new_v7(ts).as_bytes();
    // Keep the time prefix, make the random part depend on the counter too so
    // that two ids minted for the same millisecond still differ in order.
    bytes[6] = (bytes[6] & 0xF0) | ((counter >> 8) as u8 & 0x0F);
    bytes[7] = counter as u8;
    Uuid::from_bytes(bytes)
}
