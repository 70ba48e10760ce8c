//! Statutory time limits and the deadlines they give a matter.
//!
//! Each rule is data: an amount, a unit (working days, days, months), its
//! legal citation and the dates between which it applies, chosen by the date
//! the matter began, so that a matter begun under an old law keeps the old
//! limit. Administrators may change a rule's unit where official guidance
//! says so ([`RuleBook::set_unit`]).

use crate::calendar::Calendar;
use crate::petition::PetitionKind;
use crate::workflow::{MatterFacts, MatterState};
use jiff::civil::Date;
use serde::Serialize;
use std::borrow::Cow;

code_enum!(
    /// The unit a time limit is counted in.
    PeriodUnit {
        /// Working days: weekends and days off are skipped.
        WorkingDays = "working_days",
        /// Calendar days, ending on the next working day if the last is off.
        Days = "days",
        /// Calendar months.
        Months = "months",
    }
);

code_enum!(
    /// The statutory steps that have a time limit.
    RuleCode {
        /// Complaint: accept or refuse (first and second time).
        ComplaintAccept = "complaint_accept",
        /// Complaint, first time: resolve.
        ComplaintResolve1 = "complaint_resolve_1",
        /// Complaint, first time, complex.
        ComplaintResolve1Complex = "complaint_resolve_1_complex",
        /// Complaint, first time, remote area.
        ComplaintResolve1Remote = "complaint_resolve_1_remote",
        /// Complaint, first time, remote and complex.
        ComplaintResolve1RemoteComplex = "complaint_resolve_1_remote_complex",
        /// Complaint, second time: resolve.
        ComplaintResolve2 = "complaint_resolve_2",
        /// Complaint, second time, complex.
        ComplaintResolve2Complex = "complaint_resolve_2_complex",
        /// Complaint, second time, remote area.
        ComplaintResolve2Remote = "complaint_resolve_2_remote",
        /// Complaint, second time, remote and complex.
        ComplaintResolve2RemoteComplex = "complaint_resolve_2_remote_complex",
        /// Complaint: send the decision.
        ComplaintSendDecision = "complaint_send_decision",
        /// Denunciation: register, classify, check conditions.
        DenunciationRegister = "denunciation_register",
        /// Denunciation: the same, when checks span several places.
        DenunciationRegisterMultiPlace = "denunciation_register_multi_place",
        /// Denunciation: transfer when not competent.
        DenunciationTransfer = "denunciation_transfer",
        /// Denunciation: resolve.
        DenunciationResolve = "denunciation_resolve",
        /// Denunciation: each extension.
        DenunciationExtension = "denunciation_extension",
        /// Continued denunciation: review the earlier resolution and decide
        /// whether to resolve it again.
        DenunciationContinuedReview = "denunciation_continued_review",
        /// Recommendation or reflection: handle the letter.
        LetterHandling = "letter_handling",
        /// Citizen reception: written reply after a reception.
        ReceptionReply = "reception_reply",
    }
);

/// One statutory time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    /// Which step.
    pub code: RuleCode,
    /// How many units.
    pub amount: u32,
    /// Counted in.
    pub unit: PeriodUnit,
    /// The legal source.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub citation: Cow<'static, str>,
    /// First day of validity (by the date the matter began).
    pub valid_from: Date,
    /// Last day of validity, if the rule was replaced.
    pub valid_to: Option<Date>,
}

const COMPLAINTS_2011: Date = Date::constant(2012, 7, 1);
const DENUNCIATIONS_2018: Date = Date::constant(2019, 1, 1);
const RECEPTION_2013: Date = Date::constant(2014, 7, 1);
const CIRCULAR_05_2021: Date = Date::constant(2021, 8, 16);

macro_rules! rule {
    ($code:ident, $amount:expr, $unit:ident, $cite:literal, $from:expr) => {
        Rule {
            code: RuleCode::$code,
            amount: $amount,
            unit: PeriodUnit::$unit,
            citation: Cow::Borrowed($cite),
            valid_from: $from,
            valid_to: None,
        }
    };
}

/// The default rules, from `DOMAIN.md`.
pub fn default_rules() -> Vec<Rule> {
    vec![
        rule!(
            ComplaintAccept,
            10,
            WorkingDays,
            "Law on Complaints 2011 (02/2011/QH13), art. 27",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve1,
            30,
            Days,
            "Law on Complaints 2011, art. 28",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve1Complex,
            45,
            Days,
            "Law on Complaints 2011, art. 28",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve1Remote,
            45,
            Days,
            "Law on Complaints 2011, art. 28",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve1RemoteComplex,
            60,
            Days,
            "Law on Complaints 2011, art. 28",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve2,
            45,
            Days,
            "Law on Complaints 2011, art. 37",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve2Complex,
            60,
            Days,
            "Law on Complaints 2011, art. 37",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve2Remote,
            60,
            Days,
            "Law on Complaints 2011, art. 37",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintResolve2RemoteComplex,
            70,
            Days,
            "Law on Complaints 2011, art. 37",
            COMPLAINTS_2011
        ),
        rule!(
            ComplaintSendDecision,
            3,
            WorkingDays,
            "Law on Complaints 2011, art. 32, 41",
            COMPLAINTS_2011
        ),
        rule!(
            DenunciationRegister,
            7,
            WorkingDays,
            "Law on Denunciations 2018 (25/2018/QH14), art. 24",
            DENUNCIATIONS_2018
        ),
        rule!(
            DenunciationRegisterMultiPlace,
            10,
            WorkingDays,
            "Law on Denunciations 2018, art. 24",
            DENUNCIATIONS_2018
        ),
        rule!(
            DenunciationTransfer,
            5,
            WorkingDays,
            "Law on Denunciations 2018, art. 24",
            DENUNCIATIONS_2018
        ),
        rule!(
            DenunciationResolve,
            30,
            Days,
            "Law on Denunciations 2018, art. 30",
            DENUNCIATIONS_2018
        ),
        rule!(
            DenunciationExtension,
            30,
            Days,
            "Law on Denunciations 2018, art. 30",
            DENUNCIATIONS_2018
        ),
        // Art. 37(1) as a legal Q&A service quotes it (thukyluat.vn, "Thủ
        // tục tố cáo tiếp, giải quyết lại vụ việc tố cáo theo Luật Tố cáo
        // 2018"): within 20 days of receiving a continued denunciation the
        // head of the body directly above reviews the earlier file and
        // decides not to resolve it again (telling the denouncer) or to
        // resolve it again. The gazette text was not read: administrators
        // can enter another version (`RuleVersion`) or change its unit.
        rule!(
            DenunciationContinuedReview,
            20,
            Days,
            "Law on Denunciations 2018, art. 37(1)",
            DENUNCIATIONS_2018
        ),
        rule!(
            LetterHandling,
            10,
            WorkingDays,
            "Circular 05/2021/TT-TTCP (letter handling)",
            CIRCULAR_05_2021
        ),
        rule!(
            ReceptionReply,
            10,
            WorkingDays,
            "Law on Citizen Reception 2013 (42/2013/QH13), art. 28",
            RECEPTION_2013
        ),
    ]
}

/// A new version of a rule, as an administrator enters it when a law
/// changes a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVersion {
    /// The step.
    pub code: RuleCode,
    /// The first day of the matters it applies to.
    pub valid_from: Date,
    /// How many units.
    pub amount: u32,
    /// Counted in.
    pub unit: PeriodUnit,
    /// The article and clause that set it.
    pub citation: String,
}

impl RuleVersion {
    /// Validates a version as a client sends it, naming each broken rule:
    /// a known step and unit, a day, 1 to 3,650 units, and the article and
    /// clause in 5 to 300 characters.
    pub fn parse(
        code: &str,
        valid_from: &str,
        amount: u32,
        unit: &str,
        citation: &str,
    ) -> Result<RuleVersion, crate::ValidationErrors> {
        use crate::validation::{required_code, required_date};
        let mut errs = crate::ValidationErrors::new();
        let code = required_code::<RuleCode>(&mut errs, "code", Some(code));
        let unit = required_code::<PeriodUnit>(&mut errs, "unit", Some(unit));
        let valid_from = required_date(&mut errs, "valid_from", Some(valid_from));
        if !(1..=3650).contains(&amount) {
            errs.add("amount", "range", "must be 1 to 3650");
        }
        let citation = citation.trim();
        if !(5..=300).contains(&citation.chars().count()) {
            errs.add(
                "citation",
                "length",
                "must give the article and clause in 5 to 300 characters",
            );
        }
        match (code, unit, valid_from) {
            (Some(code), Some(unit), Some(valid_from)) if errs.is_empty() => Ok(RuleVersion {
                code,
                valid_from,
                amount,
                unit,
                citation: citation.to_owned(),
            }),
            _ => Err(errs),
        }
    }
}

/// The set of rules in force, with any administrator changes of unit.
#[derive(Debug, Clone)]
pub struct RuleBook {
    rules: Vec<Rule>,
}

impl Default for RuleBook {
    fn default() -> Self {
        Self {
            rules: default_rules(),
        }
    }
}

impl RuleBook {
    /// Changes the unit a rule is counted in (e.g. days → working days).
    pub fn set_unit(&mut self, code: RuleCode, unit: PeriodUnit) {
        for r in self.rules.iter_mut().filter(|r| r.code == code) {
            r.unit = unit;
        }
    }

    /// Enters a new version of a rule for matters begun on or after `from`
    /// (a law's amendment): the version in force that day ends the day
    /// before, and a matter begun earlier keeps it. Refused when no version
    /// is in force that day, or one already begins on it.
    pub fn add_version(&mut self, v: &RuleVersion) -> Result<(), &'static str> {
        let (code, from) = (v.code, v.valid_from);
        let Some(i) = self.rules.iter().position(|r| {
            r.code == code && r.valid_from <= from && r.valid_to.is_none_or(|to| from <= to)
        }) else {
            return Err("no version of the rule is in force on that day");
        };
        let old = &mut self.rules[i];
        if old.valid_from == from {
            return Err("a version of the rule already begins on that day");
        }
        let until = old.valid_to;
        old.valid_to = Some(from.yesterday().map_err(|_| "a day out of range")?);
        self.rules.push(Rule {
            code,
            amount: v.amount,
            unit: v.unit,
            citation: Cow::Owned(v.citation.clone()),
            valid_from: from,
            valid_to: until,
        });
        Ok(())
    }

    /// Every rule.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule for a step, for a matter that began on `began`.
    pub fn rule(&self, code: RuleCode, began: Date) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.code == code && r.valid_from <= began && r.valid_to.is_none_or(|to| began <= to)
        })
    }
}

/// A deadline of a matter: which step, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    /// The step.
    pub code: RuleCode,
    /// The last day on which the step is on time.
    pub due: Date,
    /// The rule's citation.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub citation: Cow<'static, str>,
    /// The period and unit, for display (e.g. 30 days + 30 extension).
    pub amount: u32,
    /// The unit counted in.
    pub unit: PeriodUnit,
}

impl Deadline {
    /// Days from `today` to the due date (negative when overdue).
    pub fn days_left(&self, today: Date) -> i32 {
        (self.due - today).get_days()
    }

    /// Whether the step is late on `today` ([`overdue`]).
    pub fn is_overdue(&self, today: Date) -> bool {
        overdue(self.due, today)
    }
}

/// Whether a step due on `due` is late on `today`: the due day itself is
/// still on time. The store's overdue filters and counts say the same in SQL
/// (`due < today`).
pub fn overdue(due: Date, today: Date) -> bool {
    due < today
}

/// The last day of a period of `amount` units that starts after `start`,
/// skipping paused days.
pub fn period_end(
    cal: &Calendar,
    unit: PeriodUnit,
    start: Date,
    amount: u32,
    paused: impl Fn(Date) -> bool,
) -> Date {
    match unit {
        PeriodUnit::WorkingDays => cal.add_working_days(start, amount, paused),
        PeriodUnit::Days => cal.add_days(start, amount, paused),
        PeriodUnit::Months => cal.add_months(start, amount, paused),
    }
}

impl Rule {
    /// The last day of this rule's period from `start`.
    pub fn due_after(&self, cal: &Calendar, start: Date) -> Date {
        period_end(cal, self.unit, start, self.amount, |_| false)
    }
}

/// The deadline running now for a matter, or `None` when no clock runs
/// (suspended, final, or no rule for the step).
pub fn current_deadline(facts: &MatterFacts, cal: &Calendar, book: &RuleBook) -> Option<Deadline> {
    use MatterState as S;
    let c = facts.classification.as_ref();
    let began = facts.received_on;
    let (code, start, extra) = match (facts.state, facts.kind) {
        (S::Received | S::Classified, PetitionKind::Complaint) => {
            (RuleCode::ComplaintAccept, facts.received_on, 0)
        }
        // Law on Denunciations 2018, art. 24(1)(b): a denunciation outside
        // one's competence goes on within 5 working days from receipt.
        (S::Classified, PetitionKind::Denunciation) if c.is_some_and(|c| !c.competent) => {
            (RuleCode::DenunciationTransfer, facts.received_on, 0)
        }
        // Art. 37(1): a continued denunciation, once classified as one, is
        // reviewed (and re-resolution decided) within 20 days of receipt;
        // accepting it for resolution again, or refusing, ends the step.
        (S::Classified, PetitionKind::Denunciation) if c.is_some_and(|c| c.continued) => {
            (RuleCode::DenunciationContinuedReview, facts.received_on, 0)
        }
        (S::Received | S::Classified, PetitionKind::Denunciation) => {
            let multi = c.is_some_and(|c| c.multi_place);
            let code = if multi {
                RuleCode::DenunciationRegisterMultiPlace
            } else {
                RuleCode::DenunciationRegister
            };
            (code, facts.received_on, 0)
        }
        (S::Received | S::Classified, _) => (RuleCode::LetterHandling, facts.received_on, 0),
        (S::Accepted | S::Verifying, PetitionKind::Complaint) => {
            let c = c?;
            let code = match (c.round, c.remote_area, c.complex) {
                (2, false, false) => RuleCode::ComplaintResolve2,
                (2, false, true) => RuleCode::ComplaintResolve2Complex,
                (2, true, false) => RuleCode::ComplaintResolve2Remote,
                (2, true, true) => RuleCode::ComplaintResolve2RemoteComplex,
                (_, false, false) => RuleCode::ComplaintResolve1,
                (_, false, true) => RuleCode::ComplaintResolve1Complex,
                (_, true, false) => RuleCode::ComplaintResolve1Remote,
                (_, true, true) => RuleCode::ComplaintResolve1RemoteComplex,
            };
            (code, facts.accepted_on?, 0)
        }
        (S::Accepted | S::Verifying, PetitionKind::Denunciation) => {
            let ext = book.rule(RuleCode::DenunciationExtension, began)?;
            (
                RuleCode::DenunciationResolve,
                facts.accepted_on?,
                ext.amount * u32::from(facts.extensions),
            )
        }
        (S::Concluded, PetitionKind::Complaint) => {
            (RuleCode::ComplaintSendDecision, facts.concluded_on?, 0)
        }
        _ => return None,
    };
    let rule = book.rule(code, began)?;
    let amount = rule.amount + extra;
    let due = period_end(cal, rule.unit, start, amount, |d| facts.suspended_on(d));
    Some(Deadline {
        code,
        due,
        citation: rule.citation.clone(),
        amount,
        unit: rule.unit,
    })
}

#[cfg(test)]
mod version_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_new_version_applies_to_matters_begun_from_its_day_and_an_older_matter_keeps_the_old() {
        let mut book = RuleBook::default();
        let v = RuleVersion::parse(
            "complaint_accept",
            "2026-07-01",
            7,
            "working_days",
            "Law 136/2025/QH15 (as entered)",
        )
        .unwrap();
        book.add_version(&v).unwrap();
        let before = book
            .rule(RuleCode::ComplaintAccept, date(2026, 6, 30))
            .unwrap();
        assert_eq!(
            (before.amount, before.valid_to),
            (10, Some(date(2026, 6, 30)))
        );
        let after = book
            .rule(RuleCode::ComplaintAccept, date(2026, 7, 1))
            .unwrap();
        assert_eq!(
            (after.amount, after.citation.as_ref()),
            (7, "Law 136/2025/QH15 (as entered)")
        );
        assert!(book.add_version(&v).is_err(), "the same day twice");
        let early = RuleVersion {
            valid_from: date(2000, 1, 1),
            ..v.clone()
        };
        assert!(book.add_version(&early).is_err(), "before any version");
        let e = RuleVersion::parse("no_such_rule", "1/7/2026", 0, "weeks", "x").unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "unit", "valid_from", "amount", "citation"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::{apply, Action, Classification};
    use jiff::civil::date;
    use proptest::prelude::*;

    fn classified(complex: bool, remote: bool, round: u8) -> Classification {
        Classification {
            especially_complex: false,
            continued: false,
            eligible: true,
            ineligibility: None,
            competent: true,
            competent_body: None,
            has_originals: true,
            bypass_level: false,
            repeated: false,
            complex,
            remote_area: remote,
            multi_place: false,
            decision_known_on: None,
            obstacle_days: 0,
            round,
        }
    }

    fn accepted(kind: PetitionKind, c: Classification, on: Date) -> MatterFacts {
        let f = MatterFacts::received(kind, on, false);
        let f = apply(&f, &Action::Classify(c), on).unwrap();
        apply(&f, &Action::Accept, on).unwrap()
    }

    #[test]
    fn complaint_acceptance_is_ten_working_days_from_receipt() {
        let f = MatterFacts::received(PetitionKind::Complaint, date(2026, 2, 13), false);
        let d = current_deadline(&f, &Calendar::new(), &RuleBook::default()).unwrap();
        assert_eq!(d.code, RuleCode::ComplaintAccept);
        // Tết 16–20 February 2026 and two weekends are skipped.
        assert_eq!(d.due, date(2026, 3, 6));
    }

    #[test]
    fn complaint_resolution_limits_by_complexity_and_area() {
        let cal = Calendar::new();
        let book = RuleBook::default();
        let on = date(2026, 3, 2);
        let cases = [
            (false, false, 1, date(2026, 4, 1)),
            (true, false, 1, date(2026, 4, 16)),
            (false, true, 1, date(2026, 4, 16)),
            (true, true, 1, date(2026, 5, 4)),
            (false, false, 2, date(2026, 4, 16)),
            (true, true, 2, date(2026, 5, 11)),
        ];
        for (complex, remote, round, due) in cases {
            let f = accepted(
                PetitionKind::Complaint,
                classified(complex, remote, round),
                on,
            );
            let d = current_deadline(&f, &cal, &book).unwrap();
            assert_eq!(
                d.due, due,
                "complex={complex} remote={remote} round={round}"
            );
        }
    }

    #[test]
    fn overdue_after_thirty_days_skips_tet() {
        // Accepted 20 January 2026: day 30 is 19 February, inside Tết, so the
        // period ends on the next working day, Monday 23 February.
        let f = accepted(
            PetitionKind::Denunciation,
            classified(false, false, 1),
            date(2026, 1, 20),
        );
        let d = current_deadline(&f, &Calendar::new(), &RuleBook::default()).unwrap();
        assert_eq!(d.code, RuleCode::DenunciationResolve);
        assert_eq!(d.due, date(2026, 2, 23));
        assert_eq!(d.days_left(date(2026, 2, 24)), -1);
    }

    #[test]
    fn each_denunciation_extension_adds_thirty_days() {
        let mut f = accepted(
            PetitionKind::Denunciation,
            classified(true, false, 1),
            date(2026, 3, 2),
        );
        f = apply(
            &f,
            &Action::Extend {
                reason: "complex".into(),
                especially_complex: false,
            },
            date(2026, 3, 20),
        )
        .unwrap();
        let d = current_deadline(&f, &Calendar::new(), &RuleBook::default()).unwrap();
        // 60 days after 2 March 2026 = 1 May (holiday) -> Monday 4 May.
        assert_eq!(d.due, date(2026, 5, 4));
        assert_eq!(d.amount, 60);
    }

    #[test]
    fn suspension_stops_the_clock() {
        let cal = Calendar::new();
        let book = RuleBook::default();
        let mut f = accepted(
            PetitionKind::Complaint,
            classified(false, false, 1),
            date(2026, 3, 2),
        );
        f = apply(
            &f,
            &Action::Suspend { reason: "r".into() },
            date(2026, 3, 10),
        )
        .unwrap();
        assert_eq!(current_deadline(&f, &cal, &book), None);
        f = apply(&f, &Action::Resume, date(2026, 3, 20)).unwrap();
        let d = current_deadline(&f, &cal, &book).unwrap();
        // 30 days + 10 suspended days after 2 March = 11 April (Saturday) -> 13 April.
        assert_eq!(d.due, date(2026, 4, 13));
    }

    #[test]
    fn administrators_can_count_a_rule_in_working_days() {
        let mut book = RuleBook::default();
        book.set_unit(RuleCode::ComplaintResolve1, PeriodUnit::WorkingDays);
        let f = accepted(
            PetitionKind::Complaint,
            classified(false, false, 1),
            date(2026, 3, 2),
        );
        let d = current_deadline(&f, &Calendar::new(), &book).unwrap();
        // 30 working days after Monday 2 March 2026 (Hùng Kings' day 27 April is
        // not reached): 13 April 2026.
        assert_eq!(d.unit, PeriodUnit::WorkingDays);
        assert_eq!(d.due, date(2026, 4, 13));
    }

    #[test]
    fn rules_apply_by_the_date_the_matter_began() {
        let book = RuleBook::default();
        assert!(book
            .rule(RuleCode::DenunciationResolve, date(2018, 12, 31))
            .is_none());
        assert!(book
            .rule(RuleCode::DenunciationResolve, date(2019, 1, 1))
            .is_some());
    }

    #[test]
    fn final_states_have_no_running_deadline() {
        let f = accepted(
            PetitionKind::Complaint,
            classified(false, false, 1),
            date(2026, 3, 2),
        );
        let f = apply(
            &f,
            &Action::Withdraw {
                reason: String::new(),
            },
            date(2026, 3, 3),
        )
        .unwrap();
        assert_eq!(
            current_deadline(&f, &Calendar::new(), &RuleBook::default()),
            None
        );
    }

    proptest! {
        /// A deadline is always a working day after its start, and never
        /// earlier than the plain count would give.
        #[test]
        fn deadlines_fall_on_working_days_after_the_start(
            offset in 0i64..1500,
            kind in prop::sample::select(PetitionKind::ALL.to_vec()),
        ) {
            let start = date(2024, 1, 1).checked_add(jiff::Span::new().days(offset)).unwrap();
            let cal = Calendar::new();
            let f = accepted(kind, classified(false, false, 1), start);
            if let Some(d) = current_deadline(&f, &cal, &RuleBook::default()) {
                prop_assert!(cal.is_working_day(d.due));
                prop_assert!(d.due > start);
                prop_assert!((d.due - start).get_days() >= d.amount as i32);
            }
        }
    }
}
