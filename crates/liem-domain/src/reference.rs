//! Human references of register entries, as paper registers write them:
//! `HNI-2026-000123` — unit code, year, sequence number within the year.
//! Sequences are unique and gap-free per unit, register and year; the store
//! allocates them inside the transaction that writes the entry.

use crate::unit::UnitCode;
use serde::{Deserialize, Serialize};

code_enum!(
    /// The registers that number their entries.
    Register {
        /// The register of letters (sổ đơn thư).
        Letters = "letters",
        /// The register of matters (vụ việc) that letters are grouped into.
        Matters = "matters",
        /// The register of criminal cases (vụ án).
        Cases = "cases",
        /// The register of incidents under inspection or verification.
        Incidents = "incidents",
    }
);

impl Register {
    /// The infix that tells registers apart in a reference (empty for letters).
    fn infix(self) -> &'static str {
        match self {
            Register::Letters => "",
            Register::Matters => "VV-",
            Register::Cases => "VA-",
            Register::Incidents => "SV-",
        }
    }
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    /// The numbering unit.
    pub unit: UnitCode,
    /// The register.
    pub register: Register,
    /// The civil year of registration.
    pub year: i16,
    /// The sequence number within unit, register and year, from 1.
    pub seq: i64,
}

impl Reference {
    /// Formats as `UNIT-YYYY-NNNNNN` (letters) or `UNIT-VV-YYYY-NNNNNN` (matters).
    pub fn format(&self) -> String {
        format!(
            "{}-{}{:04}-{:06}",
            self.unit,
            self.register.infix(),
            self.year,
            self.seq
        )
    }

    /// Parses a formatted reference (case-insensitive).
    pub fn parse(raw: &str) -> Option<Reference> {
        let raw = raw.trim().to_ascii_uppercase();
        let mut parts: Vec<&str> = raw.rsplitn(3, '-').collect();
        if parts.len() != 3 {
            return None;
        }
        parts.reverse();
        let (head, year, seq) = (parts[0], parts[1], parts[2]);
        if year.len() != 4 || seq.len() < 6 {
            return None;
        }
        let year: i16 = year.parse().ok()?;
        let seq: i64 = seq.parse().ok().filter(|s| *s > 0)?;
        let (unit, register) = [
            ("-VV", Register::Matters),
            ("-VA", Register::Cases),
            ("-SV", Register::Incidents),
        ]
        .iter()
        .find_map(|(suffix, r)| head.strip_suffix(suffix).map(|u| (u, *r)))
        .unwrap_or((head, Register::Letters));
        let unit = UnitCode::parse(unit).ok()?;
        Some(Reference {
            unit,
            register,
            year,
            seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_like_the_paper_register() {
        let r = Reference {
            unit: UnitCode::parse("HNI").unwrap(),
            register: Register::Letters,
            year: 2026,
            seq: 123,
        };
        assert_eq!(r.format(), "HNI-2026-000123");
        let m = Reference {
            register: Register::Matters,
            ..r
        };
        assert_eq!(m.format(), "HNI-VV-2026-000123");
    }

    #[test]
    fn rejects_malformed_references() {
        assert_eq!(Reference::parse("HNI-26-000001"), None);
        assert_eq!(Reference::parse("HNI-2026-000000"), None);
        assert_eq!(Reference::parse("2026-000001"), None);
        assert_eq!(Reference::parse("HNI-2026-12"), None);
    }

    proptest! {
        #[test]
        fn references_round_trip(
            unit in "[A-Z][A-Z0-9]{1,5}(-[A-Z0-9]{1,6})?",
            register in prop::sample::select(Register::ALL.to_vec()),
            year in 1990i16..2100,
            seq in 1i64..10_000_000,
        ) {
            // A code ending like a register's mark (`-VA`) is not a unit's.
            prop_assume!(UnitCode::parse(&unit).is_ok());
            let r = Reference {
                unit: UnitCode::parse(&unit).unwrap(),
                register,
                year,
                seq,
            };
            prop_assert_eq!(Reference::parse(&r.format()), Some(r));
        }
    }
}
