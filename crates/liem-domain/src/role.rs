//! Roles and the rights they grant. Authorisation decisions are made here,
//! as pure functions, and enforced by the server on every request.

code_enum!(
    /// A role a user holds within their unit.
    Role {
        /// Keeps units, users, calendars and reference lists.
        Administrator = "administrator",
        /// Registers letters and visits at a reception desk or mail room.
        IntakeClerk = "intake_clerk",
        /// Classifies, verifies, resolves or transfers matters.
        Handler = "handler",
        /// Leads a unit: sees its descendants, approves conclusions, unseals.
        Leader = "leader",
        /// Reads figures and registers across a unit and its descendants.
        Analyst = "analyst",
        /// Reads and verifies the audit trail.
        Auditor = "auditor",
        /// Holds a key to sealed identities; approves or refuses unsealing.
        Custodian = "custodian",
    }
);

/// Something a user may want to do; each is granted by some roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Register a new letter.
    RegisterLetter,
    /// Read letters and matters in scope.
    ReadPetitions,
    /// Move a matter through its workflow.
    HandleMatter,
    /// Record a conclusion on a matter.
    ConcludeMatter,
    /// Ask to see a sealed identity (with a reason).
    RequestUnseal,
    /// Approve or refuse a request to see a sealed identity.
    ApproveUnseal,
    /// Manage users, units, calendars and reference lists.
    Administer,
    /// Read and verify the audit trail.
    ReadAudit,
    /// Read the register of cases and incidents in scope.
    ReadCases,
    /// Register cases and incidents, record stages, transfers, parties,
    /// charges, sanctions and assets.
    HandleCases,
    /// Place a case under a steering committee's monitoring, set targets,
    /// remove it.
    DecideMonitoring,
    /// Read a person's page: everything linked to them across cases and
    /// petitions (personnel screening). Every view is audited.
    ScreenPersons,
    /// Read statistics, forms and dashboards of the units in scope.
    ReadStatistics,
    /// Issue (freeze and sign off) a report.
    IssueReports,
    /// Read a committee's meetings, conclusions and tasks: those of the
    /// committees in scope and the tasks owned by units in scope.
    ReadCommitteeWork,
    /// Record a committee's meetings and conclusions, and accept, send
    /// back, extend or withdraw the tasks it gave (its standing body).
    RunCommittee,
    /// Report progress on, and the completion of, a task one's unit owns.
    ReportTask,
    /// Run the hot-spot scan on demand and acknowledge the alerts of the
    /// units in scope (reading them is `ReadStatistics`).
    WatchHotSpots,
}

impl Role {
    /// Whether this role grants the right.
    pub fn grants(self, right: Right) -> bool {
        use Right::*;
        match self {
            Role::Administrator => matches!(right, Administer),
            Role::IntakeClerk => matches!(right, RegisterLetter | ReadPetitions),
            Role::Handler => matches!(
                right,
                RegisterLetter
                    | ReadPetitions
                    | HandleMatter
                    | RequestUnseal
                    | ReadCases
                    | HandleCases
                    | ReadCommitteeWork
                    | ReportTask
            ),
            Role::Leader => matches!(
                right,
                RegisterLetter
                    | ReadPetitions
                    | HandleMatter
                    | ConcludeMatter
                    | RequestUnseal
                    | ReadCases
                    | HandleCases
                    | DecideMonitoring
                    | ScreenPersons
                    | ReadStatistics
                    | IssueReports
                    | ReadCommitteeWork
                    | RunCommittee
                    | ReportTask
                    | WatchHotSpots
            ),
            Role::Analyst => matches!(
                right,
                ReadPetitions | ReadCases | ReadStatistics | ReadCommitteeWork | WatchHotSpots
            ),
            Role::Auditor => matches!(right, ReadAudit),
            Role::Custodian => matches!(right, ReadPetitions | ApproveUnseal),
        }
    }

    /// Whether the role reaches the descendants of the user's unit, not only
    /// the unit itself.
    pub fn reaches_descendants(self) -> bool {
        matches!(
            self,
            Role::Leader | Role::Analyst | Role::Administrator | Role::Auditor
        )
    }
}

/// The part of the unit tree a user may act on for a right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Nothing: the user holds no role granting the right.
    None,
    /// Exactly the user's own unit.
    Unit(String),
    /// The unit and all its descendants (a path prefix).
    Subtree(String),
}

impl Scope {
    /// The scope of a user with `roles` in the unit at `unit_path` for `right`.
    pub fn for_right(roles: &[Role], unit_path: &str, right: Right) -> Scope {
        let granting: Vec<Role> = roles.iter().copied().filter(|r| r.grants(right)).collect();
        if granting.is_empty() {
            Scope::None
        } else if granting.iter().any(|r| r.reaches_descendants()) {
            Scope::Subtree(unit_path.to_owned())
        } else {
            Scope::Unit(unit_path.to_owned())
        }
    }

    /// Whether a unit (by its path) lies in this scope.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::None => false,
            Scope::Unit(p) => p == path,
            Scope::Subtree(p) => path.starts_with(p.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerk_scope_is_own_unit_only() {
        let s = Scope::for_right(&[Role::IntakeClerk], "/C/HNI/", Right::ReadPetitions);
        assert!(s.contains("/C/HNI/"));
        assert!(!s.contains("/C/HNI/BADINH/"));
        assert!(!s.contains("/C/HCM/"));
    }

    #[test]
    fn leader_scope_reaches_descendants() {
        let s = Scope::for_right(
            &[Role::Handler, Role::Leader],
            "/C/HNI/",
            Right::ReadPetitions,
        );
        assert!(s.contains("/C/HNI/BADINH/"));
        assert!(!s.contains("/C/HCMX/"));
    }

    #[test]
    fn auditor_cannot_read_petitions() {
        assert_eq!(
            Scope::for_right(&[Role::Auditor], "/C/", Right::ReadPetitions),
            Scope::None
        );
    }

    #[test]
    fn only_leaders_screen_persons_and_decide_monitoring() {
        for r in Role::ALL {
            assert_eq!(r.grants(Right::ScreenPersons), *r == Role::Leader, "{r}");
            assert_eq!(r.grants(Right::DecideMonitoring), *r == Role::Leader, "{r}");
            assert_eq!(
                r.grants(Right::HandleCases),
                matches!(r, Role::Leader | Role::Handler),
                "{r}"
            );
        }
    }

    #[test]
    fn only_leaders_run_a_committee_and_handlers_report_their_units_tasks() {
        for r in Role::ALL {
            assert_eq!(r.grants(Right::RunCommittee), *r == Role::Leader, "{r}");
            assert_eq!(
                r.grants(Right::ReportTask),
                matches!(r, Role::Leader | Role::Handler),
                "{r}"
            );
            assert_eq!(
                r.grants(Right::ReadCommitteeWork),
                matches!(r, Role::Leader | Role::Handler | Role::Analyst),
                "{r}"
            );
        }
    }

    #[test]
    fn only_leaders_conclude_and_only_custodians_approve_unsealing() {
        for r in Role::ALL {
            assert_eq!(r.grants(Right::ConcludeMatter), *r == Role::Leader, "{r}");
            assert_eq!(r.grants(Right::ApproveUnseal), *r == Role::Custodian, "{r}");
            assert_eq!(
                r.grants(Right::RequestUnseal),
                matches!(r, Role::Leader | Role::Handler),
                "{r}"
            );
        }
    }
}

/// A login name: 3–64 characters of `a–z`, `0–9`, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a login name, lower-casing it.
    pub fn parse(raw: &str) -> Result<Username, crate::ValidationErrors> {
        let u = raw.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&u.len())
            && u.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(Username(u))
        } else {
            Err(crate::ValidationErrors::single(
                "username",
                "username_format",
                "must be 3-64 characters a-z, 0-9, '.', '_' or '-'",
            ))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The minimum length of a password.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a new password's length (at least 12 characters, at most 1024).
pub fn check_password(pw: &str) -> Result<(), crate::ValidationErrors> {
    let n = pw.chars().count();
    if !(MIN_PASSWORD_CHARS..=1024).contains(&n) {
        Err(crate::ValidationErrors::single(
            "password",
            "password_length",
            format!("must be {MIN_PASSWORD_CHARS} to 1024 characters"),
        ))
    } else {
        Ok(())
    }
}
