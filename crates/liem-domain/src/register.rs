//! The register of cases and incidents: what opens an entry, how a file
//! moves between agencies, and a steering committee's monitoring with its
//! milestone targets. The stages themselves are in [`crate::case`].

use crate::calendar::Calendar;
use crate::case::{CrimeClass, StageAction};
use crate::validation::{
    optional_code, optional_text, required_code, required_date, required_text, ValidationErrors,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Whether an entry is still an incident or already a criminal case.
    CaseKind {
        /// Vụ việc: under inspection or verification.
        Incident = "incident",
        /// Vụ án: a criminal case.
        Case = "case",
    }
);

code_enum!(
    /// What brought the matter to light.
    CaseSource {
        /// An inspection's findings.
        Inspection = "inspection",
        /// A state audit.
        Audit = "audit",
        /// A denunciation (linked to the petitions that made it).
        Denunciation = "denunciation",
        /// An investigating agency's own work.
        Investigation = "investigation",
        /// The press.
        Press = "press",
    }
);

code_enum!(
    /// The direction a file travels in.
    TransferKind {
        /// Forward to the next agency (inspectorate → police → procuracy → court → enforcement).
        Forward = "forward",
        /// Returned (for supplementary investigation, or refused).
        Return = "return",
    }
);

code_enum!(
    /// A milestone a steering committee sets for a monitored case.
    Milestone {
        /// Finish the inspection or verification.
        ConcludeVerification = "conclude_verification",
        /// Prosecute the case.
        Prosecute = "prosecute",
        /// Conclude the investigation.
        ConcludeInvestigation = "conclude_investigation",
        /// Indict.
        Indict = "indict",
        /// Bring to first-instance trial.
        FirstInstanceTrial = "first_instance_trial",
        /// Decide the appeal.
        AppealTrial = "appeal_trial",
        /// Recover the assets.
        RecoverAssets = "recover_assets",
    }
);

impl Milestone {
    /// The stage action that meets this milestone, if one does.
    pub fn met_by(self) -> Option<StageAction> {
        match self {
            Milestone::Prosecute => Some(StageAction::Prosecute),
            Milestone::ConcludeInvestigation => Some(StageAction::ConcludeInvestigation),
            Milestone::Indict => Some(StageAction::Indict),
            Milestone::FirstInstanceTrial => Some(StageAction::Judge),
            Milestone::AppealTrial => Some(StageAction::MakeFinal),
            Milestone::ConcludeVerification | Milestone::RecoverAssets => None,
        }
    }
}

/// Working days the receiving agency has to acknowledge a file. Internal
/// practice of the committees' coordination rules, not a statute: an
/// administrator-set value would replace it.
pub const TRANSFER_ACK_WORKING_DAYS: u32 = 3;

/// The last day to acknowledge a file sent on `sent_on`.
pub fn transfer_ack_due(cal: &Calendar, sent_on: Date) -> Date {
    cal.add_working_days(sent_on, TRANSFER_ACK_WORKING_DAYS, |_| false)
}

/// Whether a transfer is past its acknowledgement day and still unanswered.
pub fn transfer_overdue(due: Date, acknowledged: Option<Date>, today: Date) -> bool {
    acknowledged.is_none() && crate::deadline::overdue(due, today)
}

/// A new register entry as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseInput {
    /// `incident` or `case`.
    pub kind: Option<String>,
    /// A short title.
    pub title: Option<String>,
    /// What happened.
    pub summary: Option<String>,
    /// `inspection`, `audit`, `denunciation`, `investigation` or `press`.
    pub source: Option<String>,
    /// The field code from the reference list.
    pub field: Option<String>,
    /// Where it happened.
    pub place: Option<String>,
    /// The day it was registered (opened), `YYYY-MM-DD`.
    pub opened_on: Option<String>,
    /// The class of the most serious suspected crime (defaults to `serious`).
    pub class: Option<String>,
    /// Code of the agency holding the file (defaults to the registering unit).
    pub holder: Option<String>,
    /// Only assigned people and named leaders may see it.
    #[serde(default)]
    pub restricted: bool,
    /// References of the letters (petitions) that started it.
    #[serde(default)]
    pub letters: Vec<String>,
    /// A crime report checked as complex (2 months instead of 20 days).
    #[serde(default)]
    pub complex: bool,
}

/// A validated new entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCase {
    /// Incident or case.
    pub kind: CaseKind,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Source.
    pub source: CaseSource,
    /// Field code.
    pub field: String,
    /// Place.
    pub place: Option<String>,
    /// Opened on.
    pub opened_on: Date,
    /// Most serious class.
    pub class: CrimeClass,
    /// Holder unit code, if not the registering unit.
    pub holder: Option<String>,
    /// Restricted.
    pub restricted: bool,
    /// Letter references.
    pub letters: Vec<String>,
    /// Complex crime report.
    pub complex: bool,
}

impl CaseInput {
    /// Validates every field, naming each broken rule.
    pub fn parse(&self, today: Date) -> Result<NewCase, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = required_code::<CaseKind>(&mut e, "kind", self.kind.as_deref());
        let title = required_text(&mut e, "title", self.title.as_deref().unwrap_or(""), 300);
        let summary = required_text(
            &mut e,
            "summary",
            self.summary.as_deref().unwrap_or(""),
            20_000,
        );
        let source = required_code::<CaseSource>(&mut e, "source", self.source.as_deref());
        let field = required_text(&mut e, "field", self.field.as_deref().unwrap_or(""), 64);
        let place = optional_text(&mut e, "place", self.place.as_deref(), 300);
        let opened_on = required_date(&mut e, "opened_on", self.opened_on.as_deref());
        if opened_on.is_some_and(|d| d > today) {
            e.add("opened_on", "not_in_future", "must not be after today");
        }
        let class = optional_code::<CrimeClass>(&mut e, "class", self.class.as_deref())
            .unwrap_or(CrimeClass::Serious);
        let holder = optional_text(&mut e, "holder", self.holder.as_deref(), 32);
        let mut letters = Vec::new();
        for (i, r) in self.letters.iter().enumerate() {
            let r = r.trim();
            if crate::reference::Reference::parse(r).is_none() {
                e.add(
                    &format!("letters[{i}]"),
                    "reference_format",
                    "must be a letter reference such as HNI-2026-000123",
                );
            } else if !letters.iter().any(|l: &String| l.eq_ignore_ascii_case(r)) {
                letters.push(r.to_ascii_uppercase());
            }
        }
        if source == Some(CaseSource::Denunciation) && letters.is_empty() {
            e.add(
                "letters",
                "required_for_denunciation",
                "a case started by a denunciation must name the letters that made it",
            );
        }
        let parsed = match (kind, source, opened_on) {
            (Some(kind), Some(source), Some(opened_on)) => Some(NewCase {
                kind,
                title,
                summary,
                source,
                field,
                place,
                opened_on,
                class,
                holder,
                restricted: self.restricted,
                letters,
                complex: self.complex,
            }),
            _ => None,
        };
        match (e.is_empty(), parsed) {
            (true, Some(p)) => Ok(p),
            _ => Err(e),
        }
    }
}

/// A stage action as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageInput {
    /// The action code.
    pub action: Option<String>,
    /// The day it was decided, `YYYY-MM-DD`.
    pub on: Option<String>,
    /// The decision's number or a note.
    pub note: Option<String>,
    /// Send the file to this agency (unit code) with the action.
    pub send_to: Option<String>,
}

/// A validated stage action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageStep {
    /// The action.
    pub action: StageAction,
    /// Its day.
    pub on: Date,
    /// A note.
    pub note: Option<String>,
    /// The agency the file goes to.
    pub send_to: Option<String>,
}

impl StageInput {
    /// Validates the fields.
    pub fn parse(&self, today: Date) -> Result<StageStep, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let action = required_code::<StageAction>(&mut e, "action", self.action.as_deref());
        let on = required_date(&mut e, "on", self.on.as_deref());
        if on.is_some_and(|d| d > today) {
            e.add("on", "not_in_future", "must not be after today");
        }
        let note = optional_text(&mut e, "note", self.note.as_deref(), 2000);
        let send_to = optional_text(&mut e, "send_to", self.send_to.as_deref(), 32);
        match (action, on) {
            (Some(action), Some(on)) if e.is_empty() => Ok(StageStep {
                action,
                on,
                note,
                send_to,
            }),
            _ => Err(e),
        }
    }
}

/// Placing a case under monitoring, as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringInput {
    /// Code of the steering committee (the central committee or a province).
    pub committee: Option<String>,
    /// The session that decided it (e.g. "Phiên họp thứ 25").
    pub session: Option<String>,
    /// The day of the decision, `YYYY-MM-DD`.
    pub decided_on: Option<String>,
    /// Milestone targets set with the decision.
    #[serde(default)]
    pub targets: Vec<TargetInput>,
}

/// A milestone target as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetInput {
    /// The milestone code.
    pub milestone: Option<String>,
    /// The day it must be reached by, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// The committee's wording.
    pub note: Option<String>,
}

/// A validated target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// The milestone.
    pub milestone: Milestone,
    /// Due.
    pub due_on: Date,
    /// Wording.
    pub note: Option<String>,
}

/// A validated monitoring decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringDecision {
    /// The committee's unit code.
    pub committee: String,
    /// The deciding session.
    pub session: String,
    /// Decided on.
    pub decided_on: Date,
    /// Targets.
    pub targets: Vec<Target>,
}

impl TargetInput {
    fn parse_into(
        &self,
        e: &mut ValidationErrors,
        prefix: &str,
        decided: Option<Date>,
    ) -> Option<Target> {
        let milestone =
            required_code::<Milestone>(e, &format!("{prefix}milestone"), self.milestone.as_deref());
        let due_on = required_date(e, &format!("{prefix}due_on"), self.due_on.as_deref());
        if let (Some(d), Some(from)) = (due_on, decided) {
            if d < from {
                e.add(
                    &format!("{prefix}due_on"),
                    "after_decision",
                    "must not be before the decision",
                );
            }
        }
        let note = optional_text(e, &format!("{prefix}note"), self.note.as_deref(), 500);
        Some(Target {
            milestone: milestone?,
            due_on: due_on?,
            note,
        })
    }

    /// Validates one target set after a decision of `decided_on`.
    pub fn parse(&self, decided_on: Date) -> Result<Target, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let t = self.parse_into(&mut e, "", Some(decided_on));
        match t {
            Some(t) if e.is_empty() => Ok(t),
            _ => Err(e),
        }
    }
}

impl MonitoringInput {
    /// Validates the decision and its targets.
    pub fn parse(&self, today: Date) -> Result<MonitoringDecision, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let committee = required_text(
            &mut e,
            "committee",
            self.committee.as_deref().unwrap_or(""),
            32,
        );
        let session = required_text(
            &mut e,
            "session",
            self.session.as_deref().unwrap_or(""),
            200,
        );
        let decided_on = required_date(&mut e, "decided_on", self.decided_on.as_deref());
        if decided_on.is_some_and(|d| d > today) {
            e.add("decided_on", "not_in_future", "must not be after today");
        }
        let mut targets = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            if let Some(t) = t.parse_into(&mut e, &format!("targets[{i}]."), decided_on) {
                targets.push(t);
            }
        }
        match decided_on {
            Some(decided_on) if e.is_empty() => Ok(MonitoringDecision {
                committee,
                session,
                decided_on,
                targets,
            }),
            _ => Err(e),
        }
    }
}

/// A target as stored, with the day it was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetState {
    /// The target.
    pub target: Target,
    /// The day it was met, if it was.
    pub met_on: Option<Date>,
}

/// The next target of a monitored case and how far away it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextTarget {
    /// The milestone.
    pub milestone: Milestone,
    /// Its due day.
    pub due_on: Date,
    /// Days left (negative: days overdue).
    pub days_left: i32,
}

/// The earliest unmet target, with the days left from `today`.
pub fn next_target(targets: &[TargetState], today: Date) -> Option<NextTarget> {
    targets
        .iter()
        .filter(|t| t.met_on.is_none())
        .min_by_key(|t| t.target.due_on)
        .map(|t| NextTarget {
            milestone: t.target.milestone,
            due_on: t.target.due_on,
            days_left: (t.target.due_on - today).get_days(),
        })
}

/// The targets a stage action taken on `on` meets.
pub fn targets_met(targets: &[TargetState], action: StageAction) -> Vec<usize> {
    targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.met_on.is_none() && t.target.milestone.met_by() == Some(action))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input() -> CaseInput {
        CaseInput {
            kind: Some("incident".into()),
            title: Some("Sai phạm đấu thầu thiết bị y tế".into()),
            summary: Some("Kết luận thanh tra số 12".into()),
            source: Some("inspection".into()),
            field: Some("health".into()),
            opened_on: Some("2026-03-02".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_entry_parses_with_defaults() {
        let c = input().parse(date(2026, 11, 23)).unwrap();
        assert_eq!(c.kind, CaseKind::Incident);
        assert_eq!(c.class, CrimeClass::Serious);
        assert!(!c.restricted);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let mut i = input();
        i.kind = Some("affair".into());
        i.title = None;
        i.opened_on = Some("2027-01-01".into());
        i.source = Some("denunciation".into());
        i.letters = vec!["not-a-ref".into()];
        let e = i.parse(date(2026, 11, 23)).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|f| (f.field.as_str(), f.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("kind", "unknown_value"),
                ("title", "required"),
                ("opened_on", "not_in_future"),
                ("letters[0]", "reference_format"),
                ("letters", "required_for_denunciation"),
            ]
        );
    }

    #[test]
    fn targets_cannot_precede_the_decision() {
        let m = MonitoringInput {
            committee: Some("TW".into()),
            session: Some("Phiên họp thứ 25".into()),
            decided_on: Some("2026-05-10".into()),
            targets: vec![TargetInput {
                milestone: Some("indict".into()),
                due_on: Some("2026-05-01".into()),
                note: None,
            }],
        };
        let e = m.parse(date(2026, 11, 23)).unwrap_err();
        assert_eq!(e.errors[0].field, "targets[0].due_on");
        assert_eq!(e.errors[0].rule, "after_decision");
    }

    #[test]
    fn the_next_target_is_the_earliest_unmet() {
        let t = |m, d, met| TargetState {
            target: Target {
                milestone: m,
                due_on: d,
                note: None,
            },
            met_on: met,
        };
        let ts = vec![
            t(
                Milestone::ConcludeInvestigation,
                date(2026, 6, 30),
                Some(date(2026, 6, 1)),
            ),
            t(Milestone::FirstInstanceTrial, date(2026, 12, 31), None),
            t(Milestone::Indict, date(2026, 9, 30), None),
        ];
        let n = next_target(&ts, date(2026, 10, 5)).unwrap();
        assert_eq!(n.milestone, Milestone::Indict);
        assert_eq!(n.days_left, -5);
        assert_eq!(targets_met(&ts, StageAction::Indict), vec![2]);
        assert!(targets_met(&ts, StageAction::ConcludeInvestigation).is_empty());
    }

    #[test]
    fn acknowledgement_is_due_three_working_days_after_sending() {
        let cal = Calendar::new();
        // Sent on Thursday 5 Nov 2026: Fri 6, Mon 9, Tue 10.
        let due = transfer_ack_due(&cal, date(2026, 11, 5));
        assert_eq!(due, date(2026, 11, 10));
        assert!(!transfer_overdue(due, None, date(2026, 11, 10)));
        assert!(transfer_overdue(due, None, date(2026, 11, 11)));
        assert!(!transfer_overdue(
            due,
            Some(date(2026, 11, 12)),
            date(2026, 11, 20)
        ));
    }
}
