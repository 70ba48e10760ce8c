//! The workflow of a matter (vụ việc) as a state machine: classification,
//! the not-eligible outcomes, acceptance, verification, extension,
//! suspension and resumption, conclusion, notification, closure, withdrawal.
//!
//! [`apply`] is the only way a matter changes state; an illegal transition is
//! an error that names the state and the action.

use crate::petition::PetitionKind;
use crate::validation::{optional_text, required_text, ValidationErrors};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a matter stands.
    MatterState {
        /// Registered, not yet classified.
        Received = "received",
        /// Classified; awaiting acceptance, filing, guidance or transfer.
        Classified = "classified",
        /// Not eligible: filed with a reason (lưu đơn). Final.
        Filed = "filed",
        /// The sender was guided to the competent body. Final.
        Guided = "guided",
        /// Transferred to the competent body. Final.
        TransferredOut = "transferred_out",
        /// Acceptance refused with a reason. Final.
        NotAccepted = "not_accepted",
        /// Accepted for resolution (thụ lý).
        Accepted = "accepted",
        /// Under verification.
        Verifying = "verifying",
        /// Suspended: the clock stops.
        Suspended = "suspended",
        /// Anonymous denunciation kept and checked for management purposes.
        ManagementCheck = "management_check",
        /// Concluded with an outcome.
        Concluded = "concluded",
        /// The parties were notified of the conclusion.
        Notified = "notified",
        /// Closed. Final.
        Closed = "closed",
        /// Withdrawn by the sender. Final.
        Withdrawn = "withdrawn",
    }
);

impl MatterState {
    /// Whether no further action is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MatterState::Filed
                | MatterState::Guided
                | MatterState::TransferredOut
                | MatterState::NotAccepted
                | MatterState::Closed
                | MatterState::Withdrawn
        )
    }
}

code_enum!(
    /// Why a letter is not eligible for handling (Circular 05/2021/TT-TTCP).
    IneligibilityReason {
        /// Unsigned, or without name and address.
        Unsigned = "unsigned",
        /// Not in Vietnamese and no translation attached.
        NotVietnamese = "not_vietnamese",
        /// Illegible.
        Illegible = "illegible",
        /// Sent to several bodies including the competent one.
        SentToSeveral = "sent_to_several",
        /// The same matter was already answered once with guidance.
        AlreadyGuided = "already_guided",
        /// A complaint past its limitation period.
        LimitationExpired = "limitation_expired",
        /// Already finally decided, with no new facts.
        FinallyDecided = "finally_decided",
        /// Another reason, described in the note.
        Other = "other",
    }
);

code_enum!(
    /// The kind of body competent for a matter outside this unit's competence.
    CompetentBody {
        /// A state administrative body.
        StateAdministration = "state_administration",
        /// An elected body.
        ElectedBody = "elected_body",
        /// A procedural or enforcement body.
        ProceduralBody = "procedural_body",
        /// A Party or mass organisation.
        PartyOrMassOrganisation = "party_or_mass_organisation",
        /// A public service unit.
        PublicServiceUnit = "public_service_unit",
        /// A state enterprise.
        StateEnterprise = "state_enterprise",
    }
);

code_enum!(
    /// The outcome of a concluded matter.
    Outcome {
        /// Complaint, first round: right.
        Right = "right",
        /// Complaint, first round: partly right.
        PartlyRight = "partly_right",
        /// Complaint, first round: wrong.
        Wrong = "wrong",
        /// Complaint, second round: the first decision upheld.
        Upheld = "upheld",
        /// Complaint, second round: the first decision annulled or amended.
        AnnulledOrAmended = "annulled_or_amended",
        /// Denunciation: true.
        True = "true",
        /// Denunciation: partly true.
        PartlyTrue = "partly_true",
        /// Denunciation: false.
        False = "false",
        /// Recommendation or reflection: answered.
        Answered = "answered",
        /// Anonymous denunciation checked for management purposes.
        ManagementChecked = "management_checked",
    }
);

/// How a matter was classified at intake (Circular 05/2021/TT-TTCP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Classification {
    /// Eligible for handling.
    pub eligible: bool,
    /// Why not, when not eligible.
    pub ineligibility: Option<IneligibilityReason>,
    /// Within this unit's competence.
    pub competent: bool,
    /// The competent body's kind, when not competent.
    pub competent_body: Option<CompetentBody>,
    /// Original documents attached.
    pub has_originals: bool,
    /// Sent above the competent level.
    pub bypass_level: bool,
    /// The same matter sent again.
    pub repeated: bool,
    /// Complex (longer legal limits).
    pub complex: bool,
    /// Denunciation: especially complex (a second extension allowed, Law on
    /// Denunciations 2018, art. 30(1)).
    #[serde(default)]
    pub especially_complex: bool,
    /// Denunciation: a continued denunciation (tố cáo tiếp), sent to the
    /// head of the body directly above the one that resolved it because it
    /// was not resolved in time or the denouncer holds its resolution
    /// unlawful; the head reviews the earlier file and decides whether to
    /// resolve it again within 20 days (Law on Denunciations 2018, art. 37).
    #[serde(default)]
    pub continued: bool,
    /// From a remote or disadvantaged area (longer legal limits).
    pub remote_area: bool,
    /// Checks span several places (denunciation: 10 working days, not 7).
    pub multi_place: bool,
    /// Complaint round: 1 (first time) or 2 (second time).
    pub round: u8,
    /// Complaint: the day the complainant received or learnt of the decision
    /// or act complained of (first time), or received the first decision or
    /// saw its limit lapse (second time): where the limitation runs from
    /// (Law on Complaints 2011, arts. 9 and 33(1)).
    #[serde(default)]
    pub decision_known_on: Option<Date>,
    /// Complaint: days the complainant could not complain for illness,
    /// disaster, war, work or study far away or another objective obstacle,
    /// which do not count in the limitation (art. 9).
    #[serde(default)]
    pub obstacle_days: u32,
}

/// A classification as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassificationInput {
    /// Eligible for handling (required).
    pub eligible: Option<bool>,
    /// Reason code when not eligible.
    pub ineligibility: Option<String>,
    /// Within this unit's competence (required).
    pub competent: Option<bool>,
    /// Competent body kind when not competent.
    pub competent_body: Option<String>,
    /// Original documents attached.
    #[serde(default)]
    pub has_originals: bool,
    /// Sent above the competent level.
    #[serde(default)]
    pub bypass_level: bool,
    /// The same matter sent again.
    #[serde(default)]
    pub repeated: bool,
    /// Complex.
    #[serde(default)]
    pub complex: bool,
    /// Denunciation: especially complex (implies complex).
    #[serde(default)]
    pub especially_complex: bool,
    /// Denunciation: a continued denunciation (tố cáo tiếp, Law on
    /// Denunciations 2018, art. 37).
    #[serde(default)]
    pub continued: bool,
    /// Remote or disadvantaged area.
    #[serde(default)]
    pub remote_area: bool,
    /// Checks span several places.
    #[serde(default)]
    pub multi_place: bool,
    /// Complaint round, 1 or 2 (1 when absent).
    pub round: Option<u8>,
    /// Complaint: the day the decision or act was received or known
    /// (YYYY-MM-DD), where the limitation runs from.
    pub decision_known_on: Option<String>,
    /// Complaint: days lost to an objective obstacle (0 to 3650).
    pub obstacle_days: Option<u32>,
}

impl Classification {
    /// Validates a classification, naming each broken rule.
    pub fn parse(i: &ClassificationInput) -> Result<Classification, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let eligible = i.eligible;
        if eligible.is_none() {
            errs.add("eligible", "required", "must be true or false");
        }
        let competent = i.competent;
        if competent.is_none() {
            errs.add("competent", "required", "must be true or false");
        }
        let ineligibility = crate::validation::optional_code::<IneligibilityReason>(
            &mut errs,
            "ineligibility",
            i.ineligibility.as_deref(),
        );
        if eligible == Some(false) && ineligibility.is_none() && i.ineligibility.is_none() {
            errs.add(
                "ineligibility",
                "required_when_not_eligible",
                "must give the reason when the letter is not eligible",
            );
        }
        if eligible == Some(true) && ineligibility.is_some() {
            errs.add(
                "ineligibility",
                "empty_when_eligible",
                "must be empty when the letter is eligible",
            );
        }
        let competent_body = crate::validation::optional_code::<CompetentBody>(
            &mut errs,
            "competent_body",
            i.competent_body.as_deref(),
        );
        if competent == Some(false) && competent_body.is_none() && i.competent_body.is_none() {
            errs.add(
                "competent_body",
                "required_when_not_competent",
                "must name the competent body's kind when this unit is not competent",
            );
        }
        let round = i.round.unwrap_or(1);
        if !(1..=2).contains(&round) {
            errs.add("round", "range", "must be 1 or 2");
        }
        let decision_known_on = match i.decision_known_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => crate::validation::required_date(&mut errs, "decision_known_on", Some(v)),
        };
        let obstacle_days = i.obstacle_days.unwrap_or(0);
        if obstacle_days > 3650 {
            errs.add("obstacle_days", "range", "must be 0 to 3650 days");
        }
        if obstacle_days > 0 && decision_known_on.is_none() {
            errs.add(
                "obstacle_days",
                "needs_decision_known_on",
                "counts only with the day the decision was received or known",
            );
        }
        let (Some(eligible), Some(competent)) = (eligible, competent) else {
            return Err(errs);
        };
        errs.into_result(Classification {
            eligible,
            ineligibility,
            competent,
            competent_body,
            has_originals: i.has_originals,
            bypass_level: i.bypass_level,
            repeated: i.repeated,
            complex: i.complex || i.especially_complex,
            especially_complex: i.especially_complex,
            continued: i.continued,
            remote_area: i.remote_area,
            multi_place: i.multi_place,
            round,
            decision_known_on,
            obstacle_days,
        })
    }
}

code_enum!(
    /// The name of an action, as the event log and error messages give it.
    ActionKind {
        /// Classify the matter.
        Classify = "classify",
        /// File a not-eligible letter with a reason.
        File = "file",
        /// Guide the sender to the competent body.
        Guide = "guide",
        /// Transfer to the competent body.
        Transfer = "transfer",
        /// Accept for resolution.
        Accept = "accept",
        /// Refuse acceptance.
        Refuse = "refuse",
        /// Keep an anonymous denunciation and check it for management purposes.
        CheckForManagement = "check_for_management",
        /// Start verification.
        StartVerification = "start_verification",
        /// Record that a denunciation's acceptance was sent to the
        /// denouncer and the person denounced (Law on Denunciations 2018,
        /// art. 29(2)).
        SendAcceptanceNotice = "send_acceptance_notice",
        /// Extend the time limit.
        Extend = "extend",
        /// Suspend (the clock stops).
        Suspend = "suspend",
        /// Resume after a suspension.
        Resume = "resume",
        /// Record that a denunciation's suspension decision was sent to the
        /// denouncer and the person denounced (Law on Denunciations 2018,
        /// art. 34(3)).
        SendSuspensionNotice = "send_suspension_notice",
        /// Conclude with an outcome.
        Conclude = "conclude",
        /// Notify the parties of the conclusion.
        Notify = "notify",
        /// Close.
        Close = "close",
        /// Record the sender's withdrawal.
        Withdraw = "withdraw",
    }
);

impl ActionKind {
    /// Whether the action ends the matter's handling (a final state).
    pub fn ends_matter(self) -> bool {
        matches!(
            self,
            ActionKind::File
                | ActionKind::Guide
                | ActionKind::Transfer
                | ActionKind::Refuse
                | ActionKind::Withdraw
                | ActionKind::Close
        )
    }
}

/// An action on a matter, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Classify.
    Classify(Classification),
    /// File with a reason.
    File {
        /// Why.
        reason: String,
    },
    /// Guide the sender.
    Guide {
        /// Where to, and how.
        note: String,
    },
    /// Transfer to the competent body.
    Transfer {
        /// The receiving body's name.
        to_body: String,
    },
    /// Accept for resolution.
    Accept,
    /// Refuse acceptance.
    Refuse {
        /// Why.
        reason: String,
    },
    /// Check for management purposes.
    CheckForManagement,
    /// Start verification.
    StartVerification,
    /// The acceptance was sent to the denouncer and the person denounced.
    SendAcceptanceNotice,
    /// Extend the time limit.
    Extend {
        /// Why.
        reason: String,
        /// Denunciation: the matter is especially complex (what a second
        /// extension needs, Law on Denunciations 2018, art. 30(1)).
        especially_complex: bool,
    },
    /// Suspend.
    Suspend {
        /// Why.
        reason: String,
    },
    /// Resume.
    Resume,
    /// The suspension decision was sent to the denouncer and the person
    /// denounced.
    SendSuspensionNotice,
    /// Conclude.
    Conclude {
        /// The outcome.
        outcome: Outcome,
        /// A summary of the conclusion.
        summary: String,
    },
    /// Notify.
    Notify,
    /// Close.
    Close,
    /// Withdraw.
    Withdraw {
        /// The sender's stated reason, if any.
        reason: String,
    },
}

impl Action {
    /// The action's name.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Classify(_) => ActionKind::Classify,
            Action::File { .. } => ActionKind::File,
            Action::Guide { .. } => ActionKind::Guide,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Accept => ActionKind::Accept,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::CheckForManagement => ActionKind::CheckForManagement,
            Action::StartVerification => ActionKind::StartVerification,
            Action::SendAcceptanceNotice => ActionKind::SendAcceptanceNotice,
            Action::SendSuspensionNotice => ActionKind::SendSuspensionNotice,
            Action::Extend { .. } => ActionKind::Extend,
            Action::Suspend { .. } => ActionKind::Suspend,
            Action::Resume => ActionKind::Resume,
            Action::Conclude { .. } => ActionKind::Conclude,
            Action::Notify => ActionKind::Notify,
            Action::Close => ActionKind::Close,
            Action::Withdraw { .. } => ActionKind::Withdraw,
        }
    }
}

/// An action as a client sends it: the action's name and its fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionInput {
    /// The action's name (see `ActionKind`).
    pub action: Option<String>,
    /// The date the action took effect, `YYYY-MM-DD` (today when absent).
    pub on: Option<String>,
    /// Reason (file, refuse, extend, suspend, withdraw).
    pub reason: Option<String>,
    /// Extend a denunciation: it is especially complex (a second extension
    /// needs it).
    #[serde(default)]
    pub especially_complex: bool,
    /// Note (guide).
    pub note: Option<String>,
    /// Receiving body (transfer).
    pub to_body: Option<String>,
    /// Outcome code (conclude).
    pub outcome: Option<String>,
    /// Summary (conclude).
    pub summary: Option<String>,
    /// Classification (classify).
    pub classification: Option<ClassificationInput>,
}

impl ActionInput {
    /// Validates into an action and its effective date (`today` when absent;
    /// never in the future).
    pub fn parse(&self, today: Date) -> Result<(Action, Date), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = crate::validation::required_code::<ActionKind>(
            &mut errs,
            "action",
            self.action.as_deref(),
        );
        let on = match self.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(today),
            Some(_) => crate::validation::required_date(&mut errs, "on", self.on.as_deref()),
        };
        if on.is_some_and(|d| d > today) {
            errs.add("on", "not_in_future", "must not be after today");
        }
        let text = |errs: &mut ValidationErrors, field: &str, v: &Option<String>| {
            required_text(errs, field, v.as_deref().unwrap_or(""), 2000)
        };
        let action = match kind {
            None => None,
            Some(ActionKind::Classify) => match &self.classification {
                None => {
                    errs.add("classification", "required", "must be given to classify");
                    None
                }
                Some(c) => match Classification::parse(c) {
                    Ok(c) => Some(Action::Classify(c)),
                    Err(e) => {
                        errs.merge_prefixed("classification", e);
                        None
                    }
                },
            },
            Some(ActionKind::File) => Some(Action::File {
                reason: text(&mut errs, "reason", &self.reason),
            }),
            Some(ActionKind::Guide) => Some(Action::Guide {
                note: text(&mut errs, "note", &self.note),
            }),
            Some(ActionKind::Transfer) => Some(Action::Transfer {
                to_body: text(&mut errs, "to_body", &self.to_body),
            }),
            Some(ActionKind::Accept) => Some(Action::Accept),
            Some(ActionKind::Refuse) => Some(Action::Refuse {
                reason: text(&mut errs, "reason", &self.reason),
            }),
            Some(ActionKind::CheckForManagement) => Some(Action::CheckForManagement),
            Some(ActionKind::StartVerification) => Some(Action::StartVerification),
            Some(ActionKind::SendAcceptanceNotice) => Some(Action::SendAcceptanceNotice),
            Some(ActionKind::SendSuspensionNotice) => Some(Action::SendSuspensionNotice),
            Some(ActionKind::Extend) => Some(Action::Extend {
                reason: text(&mut errs, "reason", &self.reason),
                especially_complex: self.especially_complex,
            }),
            Some(ActionKind::Suspend) => Some(Action::Suspend {
                reason: text(&mut errs, "reason", &self.reason),
            }),
            Some(ActionKind::Resume) => Some(Action::Resume),
            Some(ActionKind::Conclude) => {
                let outcome = crate::validation::required_code::<Outcome>(
                    &mut errs,
                    "outcome",
                    self.outcome.as_deref(),
                );
                let summary = text(&mut errs, "summary", &self.summary);
                outcome.map(|outcome| Action::Conclude { outcome, summary })
            }
            Some(ActionKind::Notify) => Some(Action::Notify),
            Some(ActionKind::Close) => Some(Action::Close),
            Some(ActionKind::Withdraw) => Some(Action::Withdraw {
                reason: optional_text(&mut errs, "reason", self.reason.as_deref(), 2000)
                    .unwrap_or_default(),
            }),
        };
        match (action, on) {
            (Some(a), Some(on)) if errs.is_empty() => Ok((a, on)),
            _ => Err(errs),
        }
    }
}

/// A period during which the matter was suspended; `to` is `None` while it
/// still is. Days from `from` to `to - 1` do not count toward a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suspension {
    /// First suspended day (the day of the suspension decision).
    pub from: Date,
    /// Day of resumption (not suspended), if resumed.
    pub to: Option<Date>,
    /// A denunciation: the day the decision was sent to the denouncer and
    /// the person denounced, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_on: Option<Date>,
}

impl Suspension {
    /// Whether `date` is a suspended day.
    pub fn covers(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date < to)
    }
}

/// Everything the workflow and the deadline rules need to know of a matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterFacts {
    /// The single kind of this matter.
    pub kind: PetitionKind,
    /// Where it stands.
    pub state: MatterState,
    /// The state to go back to on resumption.
    pub resume_to: Option<MatterState>,
    /// Whether the sender is anonymous.
    pub anonymous: bool,
    /// The classification, once made.
    pub classification: Option<Classification>,
    /// Date of receipt of the first letter.
    pub received_on: Date,
    /// Date of classification.
    pub classified_on: Option<Date>,
    /// Date of acceptance.
    pub accepted_on: Option<Date>,
    /// Date of conclusion.
    pub concluded_on: Option<Date>,
    /// Date the conclusion was sent to the sender (notified).
    #[serde(default)]
    pub notified_on: Option<Date>,
    /// Reported by an official of the unit (Anti-Corruption Law 2018, art.
    /// 66): the head considers and handles it, or passes it on, within 15
    /// days of receipt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal_report: bool,
    /// A denunciation: the day its acceptance was sent to the denouncer and
    /// the person denounced, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_notice_on: Option<Date>,
    /// Date of closure (any final state).
    pub closed_on: Option<Date>,
    /// The outcome.
    pub outcome: Option<Outcome>,
    /// How many extensions were granted.
    pub extensions: u8,
    /// Suspensions, oldest first.
    pub suspensions: Vec<Suspension>,
}

impl MatterFacts {
    /// A freshly registered matter.
    pub fn received(kind: PetitionKind, received_on: Date, anonymous: bool) -> MatterFacts {
        MatterFacts {
            kind,
            state: MatterState::Received,
            resume_to: None,
            anonymous,
            classification: None,
            received_on,
            classified_on: None,
            accepted_on: None,
            concluded_on: None,
            notified_on: None,
            internal_report: false,
            acceptance_notice_on: None,
            closed_on: None,
            outcome: None,
            extensions: 0,
            suspensions: Vec::new(),
        }
    }

    /// The same, reported by an official of the unit (Anti-Corruption Law
    /// 2018, art. 66) when `internal` is set.
    pub fn internal(mut self, internal: bool) -> MatterFacts {
        self.internal_report = internal;
        self
    }

    /// The day the matter was considered and dealt with: accepted (or
    /// taken up for a management check), or closed without that (filed,
    /// guided, transferred, withdrawn).
    pub fn dealt_with_on(&self) -> Option<Date> {
        match (self.accepted_on, self.closed_on) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        }
    }

    /// The day the matter was accepted for resolution (thụ lý), as the
    /// statistics count it. An anonymous denunciation is never accepted: the
    /// date it was taken up for a management check is not an acceptance.
    pub fn accepted_for_resolution(&self) -> Option<Date> {
        if self.anonymous && self.kind == PetitionKind::Denunciation {
            None
        } else {
            self.accepted_on
        }
    }

    /// Whether `date` is a suspended day.
    pub fn suspended_on(&self, date: Date) -> bool {
        self.suspensions.iter().any(|s| s.covers(date))
    }

    /// The actions that would be accepted now (rights aside).
    pub fn allowed_actions(&self) -> Vec<ActionKind> {
        ActionKind::ALL
            .iter()
            .copied()
            .filter(|k| self.guard(*k).is_ok())
            .collect()
    }

    /// The most extensions the law allows for this matter.
    pub fn max_extensions(&self) -> u8 {
        match self.kind {
            // Law on Denunciations 2018, art. 30(1): one extension of at
            // most 30 days for a complex matter (extending marks it so),
            // two for an especially complex one (the second extension may
            // mark it so: see `apply`).
            PetitionKind::Denunciation => 2,
            // Law on Complaints 2011, art. 28, 37: a complex matter takes the
            // longer limit; marking it complex is the one extension.
            PetitionKind::Complaint => {
                u8::from(!self.classification.as_ref().is_some_and(|c| c.complex))
            }
            PetitionKind::Recommendation | PetitionKind::Reflection => 0,
        }
    }

    fn guard(&self, action: ActionKind) -> Result<(), GuardFailure> {
        use ActionKind as A;
        use MatterState as S;
        let c = self.classification.as_ref();
        let ok = match (self.state, action) {
            (S::Received, A::Classify) => true,
            (S::Classified, A::Classify) => true,
            (S::Classified, A::File) => true,
            (S::Classified, A::Guide) => true,
            (S::Classified, A::Transfer) => c.is_some_and(|c| !c.competent),
            (S::Classified, A::Accept) => {
                if self.anonymous && self.kind == PetitionKind::Denunciation {
                    return Err(GuardFailure::AnonymousDenunciation);
                }
                c.is_some_and(|c| c.eligible && c.competent)
            }
            (S::Classified, A::Refuse) => c.is_some_and(|c| c.competent),
            (S::Classified, A::CheckForManagement) => {
                self.anonymous && self.kind == PetitionKind::Denunciation
            }
            (S::Accepted, A::StartVerification) => true,
            (S::Accepted | S::Verifying, A::Extend) => {
                if self.extensions >= self.max_extensions() {
                    return Err(GuardFailure::NoMoreExtensions);
                }
                true
            }
            (S::Accepted | S::Verifying, A::Suspend) => true,
            (S::Suspended, A::Resume) => true,
            // Art. 29(2): told once, from the acceptance on.
            (
                S::Accepted | S::Verifying | S::Suspended | S::Concluded | S::Notified,
                A::SendAcceptanceNotice,
            ) => {
                self.kind == PetitionKind::Denunciation
                    && !self.anonymous
                    && self.acceptance_notice_on.is_none()
            }
            // Art. 34(3): each suspension decision is sent, while the
            // matter is open.
            (s, A::SendSuspensionNotice) => {
                !s.is_final()
                    && self.kind == PetitionKind::Denunciation
                    && self
                        .suspensions
                        .last()
                        .is_some_and(|p| p.notice_on.is_none())
            }
            (S::Accepted | S::Verifying | S::ManagementCheck, A::Conclude) => true,
            (S::Concluded, A::Notify) => true,
            (S::Notified, A::Close) => true,
            // Nobody to notify of a management check on an anonymous letter.
            (S::Concluded, A::Close) => self.outcome == Some(Outcome::ManagementChecked),
            (
                S::Received | S::Classified | S::Accepted | S::Verifying | S::Suspended,
                A::Withdraw,
            ) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(GuardFailure::NotFromState)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GuardFailure {
    NotFromState,
    AnonymousDenunciation,
    NoMoreExtensions,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The action is not possible from the current state.
    #[error("cannot {action} a matter in state {state}")]
    IllegalTransition {
        /// Current state.
        state: MatterState,
        /// Attempted action.
        action: ActionKind,
    },
    /// An anonymous denunciation is not handled as a denunciation.
    #[error("an anonymous denunciation cannot be accepted as a denunciation (Law on Denunciations 2018, art. 25); check it for management purposes instead")]
    AnonymousDenunciation,
    /// The law allows no more extensions.
    #[error("no further extension is allowed for this matter (state {state})")]
    NoMoreExtensions {
        /// Current state.
        state: MatterState,
    },
    /// A denunciation's second extension needs it to be especially complex.
    #[error("a denunciation is extended a second time only when it is especially complex (Law on Denunciations 2018, art. 30(1))")]
    NoSecondExtension,
    /// The outcome does not fit the matter's kind or round.
    #[error("outcome {outcome} does not fit a {kind} matter")]
    OutcomeDoesNotFit {
        /// The outcome given.
        outcome: Outcome,
        /// The matter's kind.
        kind: PetitionKind,
    },
    /// A notice is dated before the decision it tells of.
    #[error("the notice's date {on} is before the decision it tells of, on {decided}")]
    NoticeBeforeDecision {
        /// The date given.
        on: Date,
        /// The decision's date.
        decided: Date,
    },
    /// The action's date is before the matter's last recorded date.
    #[error("the date {on} is before the matter's last recorded date {last}")]
    DateBeforeLast {
        /// The date given.
        on: Date,
        /// The last date on the matter.
        last: Date,
    },
}

/// Applies an action taken on `on`; returns the matter's new facts.
pub fn apply(facts: &MatterFacts, action: &Action, on: Date) -> Result<MatterFacts, WorkflowError> {
    let kind = action.kind();
    facts.guard(kind).map_err(|g| match g {
        GuardFailure::NotFromState => WorkflowError::IllegalTransition {
            state: facts.state,
            action: kind,
        },
        GuardFailure::AnonymousDenunciation => WorkflowError::AnonymousDenunciation,
        GuardFailure::NoMoreExtensions => WorkflowError::NoMoreExtensions { state: facts.state },
    })?;
    // A notice is recorded when it was sent, which may be after later
    // steps were recorded: it is dated from the decision it tells of on,
    // and other actions are not held to its date (see `last_date`).
    let decided = match action {
        Action::SendAcceptanceNotice => facts.accepted_on,
        Action::SendSuspensionNotice => facts.suspensions.last().map(|s| s.from),
        _ => None,
    };
    match decided {
        Some(decided) if on < decided => {
            return Err(WorkflowError::NoticeBeforeDecision { on, decided })
        }
        Some(_) => {}
        None => {
            let last = last_date(facts);
            if on < last {
                return Err(WorkflowError::DateBeforeLast { on, last });
            }
        }
    }
    let mut f = facts.clone();
    use MatterState as S;
    match action {
        Action::Classify(c) => {
            f.classification = Some(c.clone());
            f.classified_on = Some(on);
            f.state = S::Classified;
        }
        Action::File { .. } => close(&mut f, S::Filed, on),
        Action::Guide { .. } => close(&mut f, S::Guided, on),
        Action::Transfer { .. } => close(&mut f, S::TransferredOut, on),
        Action::Refuse { .. } => close(&mut f, S::NotAccepted, on),
        Action::Withdraw { .. } => {
            if let Some(s) = f.suspensions.last_mut().filter(|s| s.to.is_none()) {
                s.to = Some(on);
            }
            close(&mut f, S::Withdrawn, on)
        }
        Action::Accept => {
            f.accepted_on = Some(on);
            f.state = S::Accepted;
        }
        Action::CheckForManagement => {
            f.accepted_on = Some(on);
            f.state = S::ManagementCheck;
        }
        Action::StartVerification => f.state = S::Verifying,
        Action::SendAcceptanceNotice => f.acceptance_notice_on = Some(on),
        Action::SendSuspensionNotice => {
            if let Some(s) = f.suspensions.last_mut() {
                s.notice_on = Some(on);
            }
        }
        Action::Extend {
            especially_complex, ..
        } => {
            if f.kind == PetitionKind::Denunciation {
                let marked = *especially_complex
                    || f.classification
                        .as_ref()
                        .is_some_and(|c| c.especially_complex);
                // Art. 30(1): a second extension only for an especially
                // complex denunciation.
                if f.extensions >= 1 && !marked {
                    return Err(WorkflowError::NoSecondExtension);
                }
                if let Some(c) = f.classification.as_mut() {
                    c.especially_complex |= *especially_complex;
                }
            }
            f.extensions += 1;
            if let Some(c) = f.classification.as_mut() {
                c.complex = true;
            }
        }
        Action::Suspend { .. } => {
            f.resume_to = Some(f.state);
            f.state = S::Suspended;
            f.suspensions.push(Suspension {
                from: on,
                to: None,
                notice_on: None,
            });
        }
        Action::Resume => {
            f.state = f.resume_to.take().unwrap_or(S::Accepted);
            if let Some(s) = f.suspensions.last_mut() {
                s.to = Some(on);
            }
        }
        Action::Conclude { outcome, .. } => {
            if !outcome_fits(&f, *outcome) {
                return Err(WorkflowError::OutcomeDoesNotFit {
                    outcome: *outcome,
                    kind: f.kind,
                });
            }
            f.outcome = Some(*outcome);
            f.concluded_on = Some(on);
            f.state = S::Concluded;
        }
        Action::Notify => {
            f.notified_on = Some(on);
            f.state = S::Notified;
        }
        Action::Close => close(&mut f, S::Closed, on),
    }
    Ok(f)
}

fn close(f: &mut MatterFacts, state: MatterState, on: Date) {
    f.state = state;
    f.closed_on = Some(on);
}

/// The latest date recorded on the matter; actions cannot be dated earlier
/// (a notice aside: it is dated from its decision on).
fn last_date(f: &MatterFacts) -> Date {
    let mut dates = vec![f.received_on];
    dates.extend(f.classified_on);
    dates.extend(f.accepted_on);
    dates.extend(f.concluded_on);
    dates.extend(f.closed_on);
    for s in &f.suspensions {
        dates.push(s.from);
        dates.extend(s.to);
    }
    dates.into_iter().max().unwrap_or(f.received_on)
}

fn outcome_fits(f: &MatterFacts, outcome: Outcome) -> bool {
    use Outcome as O;
    if f.state == MatterState::ManagementCheck {
        return outcome == O::ManagementChecked;
    }
    let round = f.classification.as_ref().map_or(1, |c| c.round);
    match f.kind {
        PetitionKind::Complaint if round == 2 => {
            matches!(outcome, O::Upheld | O::AnnulledOrAmended)
        }
        PetitionKind::Complaint => matches!(outcome, O::Right | O::PartlyRight | O::Wrong),
        PetitionKind::Denunciation => matches!(outcome, O::True | O::PartlyTrue | O::False),
        PetitionKind::Recommendation | PetitionKind::Reflection => outcome == O::Answered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn classification(eligible: bool, competent: bool) -> Classification {
        Classification {
            especially_complex: false,
            continued: false,
            eligible,
            ineligibility: (!eligible).then_some(IneligibilityReason::Illegible),
            competent,
            competent_body: (!competent).then_some(CompetentBody::StateAdministration),
            has_originals: false,
            bypass_level: false,
            repeated: false,
            complex: false,
            remote_area: false,
            multi_place: false,
            decision_known_on: None,
            obstacle_days: 0,
            round: 1,
        }
    }

    fn run(kind: PetitionKind, actions: &[Action]) -> Result<MatterFacts, WorkflowError> {
        let mut f = MatterFacts::received(kind, date(2026, 3, 2), false);
        let mut d = date(2026, 3, 2);
        for a in actions {
            f = apply(&f, a, d)?;
            d = d.tomorrow().unwrap();
        }
        Ok(f)
    }

    #[test]
    fn a_complaint_goes_from_receipt_to_closure() {
        let f = run(
            PetitionKind::Complaint,
            &[
                Action::Classify(classification(true, true)),
                Action::Accept,
                Action::StartVerification,
                Action::Suspend {
                    reason: "await expert".into(),
                },
                Action::Resume,
                Action::Conclude {
                    outcome: Outcome::PartlyRight,
                    summary: "s".into(),
                },
                Action::Notify,
                Action::Close,
            ],
        )
        .unwrap();
        assert_eq!(f.state, MatterState::Closed);
        assert_eq!(f.outcome, Some(Outcome::PartlyRight));
        assert_eq!(f.suspensions.len(), 1);
        assert_eq!(f.suspensions[0].from, date(2026, 3, 5));
        assert_eq!(f.suspensions[0].to, Some(date(2026, 3, 6)));
        assert_eq!(f.closed_on, Some(date(2026, 3, 9)));
    }

    #[test]
    fn illegal_transition_names_state_and_action() {
        let err = run(PetitionKind::Complaint, &[Action::Accept]).unwrap_err();
        assert_eq!(
            err,
            WorkflowError::IllegalTransition {
                state: MatterState::Received,
                action: ActionKind::Accept
            }
        );
        assert_eq!(err.to_string(), "cannot accept a matter in state received");
    }

    #[test]
    fn not_eligible_letters_cannot_be_accepted_but_can_be_filed() {
        let c = Action::Classify(classification(false, true));
        assert!(run(PetitionKind::Complaint, &[c.clone(), Action::Accept]).is_err());
        let f = run(
            PetitionKind::Complaint,
            &[c, Action::File { reason: "x".into() }],
        )
        .unwrap();
        assert_eq!(f.state, MatterState::Filed);
        assert!(f.state.is_final());
        assert!(f.allowed_actions().is_empty());
    }

    #[test]
    fn only_matters_outside_competence_are_transferred() {
        let t = Action::Transfer {
            to_body: "UBND tỉnh".into(),
        };
        assert!(run(
            PetitionKind::Denunciation,
            &[Action::Classify(classification(true, true)), t.clone()]
        )
        .is_err());
        let f = run(
            PetitionKind::Denunciation,
            &[Action::Classify(classification(true, false)), t],
        )
        .unwrap();
        assert_eq!(f.state, MatterState::TransferredOut);
    }

    #[test]
    fn anonymous_denunciations_are_checked_for_management_not_accepted() {
        let mut f = MatterFacts::received(PetitionKind::Denunciation, date(2026, 3, 2), true);
        f = apply(
            &f,
            &Action::Classify(classification(true, true)),
            date(2026, 3, 2),
        )
        .unwrap();
        assert_eq!(
            apply(&f, &Action::Accept, date(2026, 3, 3)).unwrap_err(),
            WorkflowError::AnonymousDenunciation
        );
        f = apply(&f, &Action::CheckForManagement, date(2026, 3, 3)).unwrap();
        let wrong = Action::Conclude {
            outcome: Outcome::True,
            summary: "s".into(),
        };
        assert!(apply(&f, &wrong, date(2026, 3, 4)).is_err());
        let ok = Action::Conclude {
            outcome: Outcome::ManagementChecked,
            summary: "s".into(),
        };
        f = apply(&f, &ok, date(2026, 3, 4)).unwrap();
        f = apply(&f, &Action::Close, date(2026, 3, 5)).unwrap();
        assert_eq!(f.state, MatterState::Closed);
    }

    #[test]
    fn denunciations_allow_two_extensions_complaints_one() {
        let ext = || Action::Extend {
            reason: "complex".into(),
            especially_complex: false,
        };
        let especially = || Action::Extend {
            reason: "especially complex".into(),
            especially_complex: true,
        };
        let base = [Action::Classify(classification(true, true)), Action::Accept];
        // Law on Denunciations 2018, art. 30(1): a complex denunciation is
        // extended once; a second extension needs it especially complex.
        let mut once = base.to_vec();
        once.extend([ext(), ext()]);
        assert_eq!(
            run(PetitionKind::Denunciation, &once),
            Err(WorkflowError::NoSecondExtension)
        );
        let mut acts = base.to_vec();
        acts.extend([ext(), especially()]);
        let f = run(PetitionKind::Denunciation, &acts).unwrap();
        assert!(f.classification.as_ref().unwrap().especially_complex);
        assert_eq!(
            run(PetitionKind::Denunciation, &acts).unwrap().extensions,
            2
        );
        acts.push(ext());
        assert!(matches!(
            run(PetitionKind::Denunciation, &acts),
            Err(WorkflowError::NoMoreExtensions { .. })
        ));
        let mut c = base.to_vec();
        c.push(ext());
        let f = run(PetitionKind::Complaint, &c).unwrap();
        assert!(f.classification.unwrap().complex);
        c.push(ext());
        assert!(run(PetitionKind::Complaint, &c).is_err());
    }

    #[test]
    fn outcomes_must_fit_the_kind_and_round() {
        let base = [Action::Classify(classification(true, true)), Action::Accept];
        let mut a = base.to_vec();
        a.push(Action::Conclude {
            outcome: Outcome::True,
            summary: "s".into(),
        });
        assert!(matches!(
            run(PetitionKind::Complaint, &a),
            Err(WorkflowError::OutcomeDoesNotFit { .. })
        ));
        let mut second = classification(true, true);
        second.round = 2;
        let b = [
            Action::Classify(second),
            Action::Accept,
            Action::Conclude {
                outcome: Outcome::Upheld,
                summary: "s".into(),
            },
        ];
        assert_eq!(
            run(PetitionKind::Complaint, &b).unwrap().state,
            MatterState::Concluded
        );
    }

    #[test]
    fn actions_cannot_be_backdated_before_the_last_event() {
        let f = MatterFacts::received(PetitionKind::Complaint, date(2026, 3, 2), false);
        let err = apply(
            &f,
            &Action::Classify(classification(true, true)),
            date(2026, 3, 1),
        )
        .unwrap_err();
        assert!(matches!(err, WorkflowError::DateBeforeLast { .. }));
    }

    #[test]
    fn action_input_names_missing_fields() {
        let i = ActionInput {
            action: Some("conclude".into()),
            ..Default::default()
        };
        let e = i.parse(date(2026, 3, 2)).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["outcome", "summary"]);
        let i = ActionInput {
            action: Some("classify".into()),
            classification: Some(ClassificationInput {
                eligible: Some(false),
                competent: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let e = i.parse(date(2026, 3, 2)).unwrap_err();
        assert_eq!(e.errors[0].field, "classification.ineligibility");
        assert_eq!(e.errors[0].rule, "required_when_not_eligible");
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            (any::<bool>(), any::<bool>())
                .prop_map(|(e, c)| Action::Classify(classification(e, c))),
            Just(Action::File { reason: "r".into() }),
            Just(Action::Guide { note: "n".into() }),
            Just(Action::Transfer {
                to_body: "b".into()
            }),
            Just(Action::Accept),
            Just(Action::Refuse { reason: "r".into() }),
            Just(Action::CheckForManagement),
            Just(Action::StartVerification),
            any::<bool>().prop_map(|e| Action::Extend {
                reason: "r".into(),
                especially_complex: e
            }),
            Just(Action::Suspend { reason: "r".into() }),
            Just(Action::Resume),
            prop::sample::select(Outcome::ALL.to_vec()).prop_map(|o| Action::Conclude {
                outcome: o,
                summary: "s".into()
            }),
            Just(Action::Notify),
            Just(Action::Close),
            Just(Action::Withdraw {
                reason: String::new()
            }),
        ]
    }

    proptest! {
        /// Whatever actions are tried, the matter only moves along allowed
        /// edges: final states stay final, suspensions are well-formed, and
        /// a refused action leaves the facts unchanged.
        #[test]
        fn random_action_sequences_keep_invariants(
            kind in prop::sample::select(PetitionKind::ALL.to_vec()),
            anonymous in any::<bool>(),
            actions in prop::collection::vec(any_action(), 0..30),
        ) {
            let mut f = MatterFacts::received(kind, date(2026, 1, 5), anonymous);
            let mut d = date(2026, 1, 5);
            for a in &actions {
                let allowed = f.allowed_actions().contains(&a.kind());
                if let Ok(next) = apply(&f, a, d) {
                    prop_assert!(allowed, "{:?} applied from {:?}", a.kind(), f.state);
                    prop_assert!(!f.state.is_final());
                    f = next;
                }
                prop_assert!(f.extensions <= 2);
                let open = f.suspensions.iter().filter(|s| s.to.is_none()).count();
                prop_assert!(open <= 1);
                prop_assert_eq!(open == 1, f.state == MatterState::Suspended);
                if f.state.is_final() {
                    prop_assert!(f.closed_on.is_some());
                }
                d = d.tomorrow().unwrap();
            }
        }
    }
}
