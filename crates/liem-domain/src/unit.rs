//! Units: the tree of committees, provinces, communes and the agencies
//! beside them, each valid over a period so that history stays attributable.

use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What kind of body a unit is.
    UnitKind {
        /// The central steering committee on anti-corruption.
        CentralCommittee = "central_committee",
        /// A province or centrally-governed city (its provincial committee).
        Province = "province",
        /// A commune, ward or special zone.
        Commune = "commune",
        /// An internal-affairs board serving a committee.
        InternalAffairs = "internal_affairs",
        /// A government inspectorate.
        Inspectorate = "inspectorate",
        /// A police investigation agency.
        PoliceInvestigation = "police_investigation",
        /// A people's procuracy.
        Procuracy = "procuracy",
        /// A people's court.
        Court = "court",
        /// A civil judgment enforcement agency.
        Enforcement = "enforcement",
    }
);

impl UnitKind {
    /// Whether the unit is a steering committee (central or provincial),
    /// which places cases under its monitoring.
    pub fn steers(self) -> bool {
        matches!(self, UnitKind::CentralCommittee | UnitKind::Province)
    }
}

/// Whether a steering committee (at `committee_path`) directs the unit at
/// `unit_path`: every unit of its subtree, not itself. Its tasks, its
/// inspections and its co-ordinating units are chosen among them.
pub fn directs(committee_path: &str, unit_path: &str) -> bool {
    unit_path.starts_with(committee_path) && unit_path != committee_path
}

/// A unit's short code: 2–32 characters of `A–Z`, `0–9` and `-`, starting
/// with a letter, not ending in `-` or a register infix (`-VV`, `-VA`, `-SV`). It prefixes the unit's register
/// references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

impl UnitCode {
    /// Parses a code, upper-casing it.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let code = raw.trim().to_ascii_uppercase();
        let ok_len = (2..=32).contains(&code.len());
        let ok_chars = code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        let ok_start = code.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        // `-VV`, `-VA` and `-SV` mark registers inside references.
        let ok_end =
            !["-VV", "-VA", "-SV"].iter().any(|r| code.ends_with(r)) && !code.ends_with('-');
        if ok_len && ok_chars && ok_start && ok_end {
            Ok(Self(code))
        } else {
            Err(ValidationErrors::single(
                "code",
                "unit_code",
                "must be 2-32 characters A-Z, 0-9 or '-', starting with a letter",
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UnitCode {
    type Error = ValidationErrors;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UnitCode> for String {
    fn from(value: UnitCode) -> Self {
        value.0
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The materialised path of a unit in the tree: `/CENTRAL/HNI/HNI-BADINH/`.
/// A unit's scope is every unit whose path starts with its own.
pub fn child_path(parent_path: Option<&str>, code: &UnitCode) -> String {
    match parent_path {
        Some(p) => format!("{p}{}/", code.as_str()),
        None => format!("/{}/", code.as_str()),
    }
}

/// Whether a materialised path names the root of the tree (`/TW/`): the
/// central level, whose administrators keep the nation's reference data.
pub fn is_root_path(path: &str) -> bool {
    path.len() > 2
        && path.starts_with('/')
        && path.ends_with('/')
        && path[1..path.len() - 1].find('/').is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committee_directs_its_subtree_not_itself_nor_a_neighbour() {
        assert!(directs("/TW/HNI/", "/TW/HNI/HNI-CA/"));
        assert!(!directs("/TW/HNI/", "/TW/HNI/"));
        assert!(!directs("/TW/HNI/", "/TW/HCM/HCM-CA/"));
        assert!(directs("/TW/", "/TW/HNI/"));
    }

    #[test]
    fn only_a_one_segment_path_is_the_root() {
        assert!(is_root_path("/TW/"));
        assert!(!is_root_path("/TW/HNI/"));
        assert!(!is_root_path("/"));
        assert!(!is_root_path(""));
    }

    #[test]
    fn unit_codes_are_upper_cased_and_checked() {
        assert_eq!(UnitCode::parse(" hni ").unwrap().as_str(), "HNI");
        assert!(UnitCode::parse("1AB").is_err());
        assert!(UnitCode::parse("A").is_err());
        assert!(UnitCode::parse("HN I").is_err());
        assert!(UnitCode::parse("HNI-VV").is_err());
    }

    #[test]
    fn paths_nest_under_the_parent() {
        let c = UnitCode::parse("HNI").unwrap();
        let p = child_path(Some("/CENTRAL/"), &c);
        assert_eq!(p, "/CENTRAL/HNI/");
        assert!(p.starts_with("/CENTRAL/"));
    }
}
