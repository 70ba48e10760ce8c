//! Criminal cases and the incidents that may become them: the procedural
//! stages as a state machine, and each stage's legal time limit from the
//! crime class of the most serious charge. Criminal Procedure Code 2015
//! (101/2015/QH13, "CPC") and Penal Code 2015 (100/2015/QH13).

use crate::calendar::Calendar;
use jiff::civil::Date;
use jiff::ToSpan;
use serde::{Deserialize, Serialize};

code_enum!(
    /// The class of a crime, by the highest penalty of its clause (Penal
    /// Code 2015, art. 9).
    CrimeClass {
        /// Less serious: at most 3 years.
        LessSerious = "less_serious",
        /// Serious: more than 3, at most 7 years.
        Serious = "serious",
        /// Very serious: more than 7, at most 15 years.
        VerySerious = "very_serious",
        /// Especially serious: more than 15 years, life or death.
        EspeciallySerious = "especially_serious",
    }
);

impl CrimeClass {
    /// The class of a clause whose highest penalty is `years` of prison
    /// (`None` for life imprisonment or death).
    pub fn from_max_penalty(years: Option<u32>) -> CrimeClass {
        match years {
            Some(0..=3) => CrimeClass::LessSerious,
            Some(4..=7) => CrimeClass::Serious,
            Some(8..=15) => CrimeClass::VerySerious,
            _ => CrimeClass::EspeciallySerious,
        }
    }

    /// Investigation time limit in months (CPC art. 172(1)).
    pub fn investigation_months(self) -> u32 {
        match self {
            CrimeClass::LessSerious => 2,
            CrimeClass::Serious => 3,
            CrimeClass::VerySerious | CrimeClass::EspeciallySerious => 4,
        }
    }

    /// The extensions of an investigation the procuracy may grant, in
    /// months each (CPC art. 172(2)): (a) one of 2 months for a less
    /// serious crime; (b) two for a serious one, 3 then 2 months; (c) two of
    /// 4 months for a very serious one; (d) three of 4 months for an
    /// especially serious one.
    pub fn investigation_extensions(self) -> &'static [u32] {
        match self {
            CrimeClass::LessSerious => &[2],
            CrimeClass::Serious => &[3, 2],
            CrimeClass::VerySerious => &[4, 4],
            CrimeClass::EspeciallySerious => &[4, 4, 4],
        }
    }

    /// The further extension, in months, that the Chief Procurator of the
    /// Supreme People's Procuracy may grant once the others are spent, for
    /// an especially serious crime whose case is very complex (CPC art.
    /// 172(3)).
    pub fn supreme_extension_months(self) -> Option<u32> {
        match self {
            CrimeClass::EspeciallySerious => Some(4),
            _ => None,
        }
    }

    /// Every extension of an investigation, in the order they are granted:
    /// art. 172(2)'s, then art. 172(3)'s.
    pub fn investigation_ladder(self) -> Vec<u32> {
        let mut l = self.investigation_extensions().to_vec();
        l.extend(self.supreme_extension_months());
        l
    }

    /// Days the procuracy has to decide on indictment, from the day it
    /// receives the file and the investigation's conclusion (CPC art.
    /// 240(1)).
    pub fn indictment_days(self) -> u32 {
        match self {
            CrimeClass::LessSerious | CrimeClass::Serious => 20,
            CrimeClass::VerySerious | CrimeClass::EspeciallySerious => 30,
        }
    }

    /// The one extension of the indictment decision the Chief Procurator
    /// may grant, in days (CPC art. 240(1)): 10 for a less serious or
    /// serious crime, 15 for a very serious one, 30 for an especially
    /// serious one.
    pub fn indictment_extension_days(self) -> u32 {
        match self {
            CrimeClass::LessSerious | CrimeClass::Serious => 10,
            CrimeClass::VerySerious => 15,
            CrimeClass::EspeciallySerious => 30,
        }
    }

    /// The court's time to prepare a first-instance trial, from the day it
    /// accepts the case (CPC art. 277(1)): 30 days, 45 days, 2 months,
    /// 3 months.
    pub fn trial_preparation(self) -> Period {
        match self {
            CrimeClass::LessSerious => Period::Days(30),
            CrimeClass::Serious => Period::Days(45),
            CrimeClass::VerySerious => Period::Months(2),
            CrimeClass::EspeciallySerious => Period::Months(3),
        }
    }

    /// The one extension of trial preparation the court's president may
    /// grant for a complex case, in days (CPC art. 277(1)): 15 for a less
    /// serious or serious crime, 30 for a very or especially serious one.
    pub fn trial_preparation_extension_days(self) -> u32 {
        match self {
            CrimeClass::LessSerious | CrimeClass::Serious => 15,
            CrimeClass::VerySerious | CrimeClass::EspeciallySerious => 30,
        }
    }
}

/// A legal period, as the article counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Calendar days.
    Days(u32),
    /// Calendar months (same day number, or the month's last day).
    Months(u32),
}

/// Days the court has, after a file returned for supplementary
/// investigation comes back, to decide to bring the case to trial (CPC
/// art. 277(2)).
pub const TRIAL_AFTER_SUPPLEMENT_DAYS: u32 = 15;

/// Whether a Penal Code article is a corruption crime (art. 353–359) or
/// another crime of office (art. 360–366).
pub fn office_crime_group(article: u32) -> Option<&'static str> {
    match article {
        353..=359 => Some("corruption"),
        360..=366 => Some("office"),
        _ => None,
    }
}

code_enum!(
    /// Where a case stands.
    Stage {
        /// An incident under inspection or verification, before any crime report.
        Verification = "verification",
        /// A crime report (tin báo) being checked before any prosecution.
        CrimeReport = "crime_report",
        /// Prosecuted; under investigation.
        Investigation = "investigation",
        /// Investigation concluded; with the procuracy for indictment.
        Prosecution = "prosecution",
        /// Indicted; with the court for the first-instance trial.
        FirstInstance = "first_instance",
        /// First-instance judgment given; the appeal window runs.
        Judged = "judged",
        /// On appeal.
        Appeal = "appeal",
        /// Judgment final; being enforced.
        Enforcement = "enforcement",
        /// Suspended (the clock stops).
        Suspended = "suspended",
        /// Closed (not prosecuted, dropped, or enforced).
        Closed = "closed",
    }
);

code_enum!(
    /// What moves a case.
    StageAction {
        /// Report signs of a crime found by an inspection or verification
        /// to the investigating agency (the incident becomes a crime report).
        ReportCrime = "report_crime",
        /// Decide to prosecute (khởi tố vụ án).
        Prosecute = "prosecute",
        /// Decide not to prosecute.
        DeclineToProsecute = "decline_to_prosecute",
        /// Extend the stage's time limit.
        Extend = "extend",
        /// Record the day the file reached the agency now holding it (the
        /// procuracy, the court, or the investigators after a return): the
        /// stage's clock runs from that day (CPC arts. 174, 240, 277).
        ReceiveFile = "receive_file",
        /// Conclude the investigation and send the file to the procuracy.
        ConcludeInvestigation = "conclude_investigation",
        /// Return the file for supplementary investigation.
        ReturnForSupplement = "return_for_supplement",
        /// Indict (truy tố).
        Indict = "indict",
        /// Give the first-instance judgment.
        Judge = "judge",
        /// Appeal (within 15 days of the judgment).
        Appeal = "appeal",
        /// The judgment becomes final (no appeal, or appeal decided).
        MakeFinal = "make_final",
        /// Suspend.
        Suspend = "suspend",
        /// Resume after a suspension.
        Resume = "resume",
        /// Close.
        Close = "close",
    }
);

/// Days to appeal a first-instance judgment (CPC art. 333).
pub const APPEAL_DAYS: u32 = 15;

/// The facts of a case that its stage and limits depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFacts {
    /// Where it stands.
    pub stage: Stage,
    /// The stage to go back to on resumption.
    pub resume_to: Option<Stage>,
    /// The day the case was suspended, while it is.
    pub suspended_on: Option<Date>,
    /// The class of the most serious charge.
    pub class: CrimeClass,
    /// A crime report checked as complex (2 months, not 20 days).
    pub complex_report: bool,
    /// When the current stage began.
    pub stage_since: Date,
    /// Extensions granted in the current stage.
    pub extensions: u8,
    /// Times the file came back for supplementary investigation.
    pub returns: u8,
    /// Of those, the procuracy's returns (at most two, CPC art. 174(1)).
    #[serde(default)]
    pub procuracy_returns: u8,
    /// And a court's (first instance or appeal; at most two, art. 174(1)).
    #[serde(default)]
    pub court_returns: u8,
    /// While the investigation is a supplementary one: the stage that
    /// returned the file (the procuracy's or a court's).
    #[serde(default)]
    pub supplement_from: Option<Stage>,
    /// The day the file reached the agency of the current stage, once
    /// recorded (the clock of CPC arts. 174, 240 and 277 starts then).
    #[serde(default)]
    pub file_received_on: Option<Date>,
    /// The stage that last returned the file for supplementary
    /// investigation (kept after it, for CPC art. 277(2)).
    #[serde(default)]
    pub last_return_from: Option<Stage>,
}

/// Why a stage action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    /// Not possible from this stage.
    #[error("cannot {action} a case in stage {stage}")]
    IllegalTransition {
        /// Current stage.
        stage: Stage,
        /// Attempted action.
        action: StageAction,
    },
    /// The law allows no further extension in this stage.
    #[error("no further extension is allowed in stage {stage} for a {class} crime")]
    NoMoreExtensions {
        /// Current stage.
        stage: Stage,
        /// The crime class.
        class: CrimeClass,
    },
    /// The procuracy, or the courts, returned the file twice already.
    #[error("the file may be returned for supplementary investigation at most twice by the {by} (CPC 2015, art. 174(1))")]
    NoMoreReturns {
        /// `procuracy` or `court`.
        by: &'static str,
    },
    /// The appeal window has closed.
    #[error("the {APPEAL_DAYS}-day appeal period ended on {ended}")]
    AppealTooLate {
        /// Last day to appeal.
        ended: Date,
    },
    /// The date is before the stage began.
    #[error("the date {on} is before the current stage began on {since}")]
    DateBeforeStage {
        /// Given.
        on: Date,
        /// Stage start.
        since: Date,
    },
}

impl CaseFacts {
    /// An incident opened for inspection or verification on `on`;
    /// `complex` marks the crime report it may become as complex, and the
    /// mark is kept when it does.
    pub fn verifying(class: CrimeClass, complex: bool, on: Date) -> CaseFacts {
        CaseFacts {
            stage: Stage::Verification,
            ..CaseFacts::reported(class, complex, on)
        }
    }

    /// Whether the current stage's clock waits for the file's receipt:
    /// the procuracy's (art. 240), the court's (art. 277) and a
    /// supplementary investigation's (art. 174) run from the day the file
    /// arrives.
    pub fn counts_from_receipt(&self) -> bool {
        match self.stage {
            Stage::Prosecution | Stage::FirstInstance => true,
            Stage::Investigation => self.supplement_from.is_some(),
            _ => false,
        }
    }

    /// The day the current stage's period counts from: the file's
    /// receipt where the article says so and it is recorded, else the
    /// stage's start.
    pub fn clock_from(&self) -> Date {
        match self.file_received_on {
            Some(d) if self.counts_from_receipt() => d,
            _ => self.stage_since,
        }
    }

    /// A fresh crime report received on `on`.
    pub fn reported(class: CrimeClass, complex: bool, on: Date) -> CaseFacts {
        CaseFacts {
            stage: Stage::CrimeReport,
            resume_to: None,
            suspended_on: None,
            class,
            complex_report: complex,
            stage_since: on,
            extensions: 0,
            returns: 0,
            procuracy_returns: 0,
            court_returns: 0,
            supplement_from: None,
            file_received_on: None,
            last_return_from: None,
        }
    }

    /// How many extensions the law allows in the current stage.
    pub fn max_extensions(&self) -> u8 {
        match self.stage {
            // CPC art. 147(2): a complex report's 2 months may be extended
            // once (extending a plain one makes it complex: see `advance`).
            Stage::CrimeReport => 1,
            // A supplementary investigation has a fixed limit (CPC art. 174).
            Stage::Investigation if self.supplement_from.is_some() => 0,
            // CPC art. 172(2) and (3).
            Stage::Investigation => self.class.investigation_ladder().len() as u8,
            // CPC art. 240(1): the indictment decision may be extended once.
            Stage::Prosecution => 1,
            // CPC art. 277(1): trial preparation may be extended once; not
            // the 15 days after a return (art. 277(2)).
            Stage::FirstInstance if self.last_return_from == Some(Stage::FirstInstance) => 0,
            Stage::FirstInstance => 1,
            _ => 0,
        }
    }

    /// The actions possible now.
    pub fn allowed(&self) -> Vec<StageAction> {
        StageAction::ALL
            .iter()
            .copied()
            .filter(|a| self.guard(*a).is_ok())
            .collect()
    }

    fn guard(&self, a: StageAction) -> Result<(), StageError> {
        use Stage as S;
        use StageAction as A;
        let ok = match (self.stage, a) {
            (S::Verification, A::ReportCrime | A::Close) => true,
            (S::CrimeReport, A::Prosecute | A::DeclineToProsecute) => true,
            (S::Investigation, A::ConcludeInvestigation) => true,
            // CPC art. 174(1): the procuracy and the courts return the file
            // for supplementary investigation at most twice each.
            (S::Prosecution | S::FirstInstance | S::Appeal, A::ReturnForSupplement) => {
                let (count, by) = if self.stage == S::Prosecution {
                    (self.procuracy_returns, "procuracy")
                } else {
                    (self.court_returns, "court")
                };
                if count >= 2 {
                    return Err(StageError::NoMoreReturns { by });
                }
                true
            }
            (S::Prosecution, A::Indict) => true,
            (S::FirstInstance, A::Judge) => true,
            (S::Judged, A::Appeal | A::MakeFinal) => true,
            (S::Appeal, A::MakeFinal) => true,
            (S::Enforcement, A::Close) => true,
            (
                S::CrimeReport | S::Investigation | S::Prosecution | S::FirstInstance | S::Appeal,
                A::Suspend,
            ) => true,
            (S::Suspended, A::Resume) => true,
            (S::CrimeReport | S::Investigation | S::Prosecution | S::FirstInstance, A::Extend) => {
                if self.extensions >= self.max_extensions() {
                    return Err(StageError::NoMoreExtensions {
                        stage: self.stage,
                        class: self.class,
                    });
                }
                true
            }
            (S::Investigation | S::Prosecution | S::FirstInstance, A::ReceiveFile) => {
                self.counts_from_receipt() && self.file_received_on.is_none()
            }
            (S::Investigation | S::Prosecution | S::FirstInstance, A::Close) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(StageError::IllegalTransition {
                stage: self.stage,
                action: a,
            })
        }
    }
}

/// Applies a stage action taken on `on`.
pub fn advance(f: &CaseFacts, action: StageAction, on: Date) -> Result<CaseFacts, StageError> {
    f.guard(action)?;
    if on < f.stage_since {
        return Err(StageError::DateBeforeStage {
            on,
            since: f.stage_since,
        });
    }
    let mut n = f.clone();
    let enter = |n: &mut CaseFacts, s: Stage| {
        n.stage = s;
        n.stage_since = on;
        n.extensions = 0;
        n.supplement_from = None;
        n.file_received_on = None;
    };
    use Stage as S;
    use StageAction as A;
    match action {
        A::ReportCrime => enter(&mut n, S::CrimeReport),
        A::Prosecute => enter(&mut n, S::Investigation),
        A::DeclineToProsecute | A::Close => enter(&mut n, S::Closed),
        A::ConcludeInvestigation => enter(&mut n, S::Prosecution),
        A::Indict => enter(&mut n, S::FirstInstance),
        A::ReturnForSupplement => {
            // Counted for art. 174(1), which the guard checks.
            if f.stage == S::Prosecution {
                n.procuracy_returns += 1;
            } else {
                n.court_returns += 1;
            }
            n.returns += 1;
            enter(&mut n, S::Investigation);
            n.supplement_from = Some(f.stage);
            n.last_return_from = Some(f.stage);
        }
        A::Judge => enter(&mut n, S::Judged),
        A::Appeal => {
            let ended = f
                .stage_since
                .checked_add(jiff::Span::new().days(i64::from(APPEAL_DAYS)))
                .expect("in range");
            if on > ended {
                return Err(StageError::AppealTooLate { ended });
            }
            enter(&mut n, S::Appeal);
        }
        A::MakeFinal => enter(&mut n, S::Enforcement),
        // CPC art. 147(2): a plain report's 20 days become a complex one's
        // 2 months before any extension is counted.
        A::Extend if f.stage == S::CrimeReport && !f.complex_report => n.complex_report = true,
        A::Extend => n.extensions += 1,
        A::ReceiveFile => n.file_received_on = Some(on),
        A::Suspend => {
            n.resume_to = Some(f.stage);
            n.suspended_on = Some(on);
            n.stage = S::Suspended;
        }
        A::Resume => {
            // Suspended days do not count: the stage's start moves forward
            // by as many days as the case was suspended.
            let paused = f.suspended_on.map_or(0, |s| (on - s).get_days());
            n.stage = f.resume_to.unwrap_or(S::Investigation);
            n.resume_to = None;
            n.suspended_on = None;
            let days = jiff::Span::new().days(i64::from(paused));
            n.stage_since = f.stage_since.checked_add(days).expect("in range");
            n.file_received_on = f
                .file_received_on
                .map(|d| d.checked_add(days).expect("in range"));
        }
    }
    Ok(n)
}

/// The legal time limit of the current stage: its last day, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageLimit {
    /// Last day.
    pub due: Date,
    /// The legal source, with its clauses.
    pub citation: &'static str,
    /// The day the period counts from.
    pub from: Date,
    /// The period runs from the file's receipt, which is not recorded yet:
    /// it is counted from the stage's start until it is (never later than
    /// the law's).
    pub awaiting_receipt: bool,
}

/// The end of consecutive periods from `from`: months to the same day
/// number or the month's last day, and a period that ends on a day off ends
/// on the next working day (CPC art. 134(1)); an extension runs from the
/// last day of the period it extends.
fn end_of(cal: &Calendar, from: Date, periods: &[Period]) -> Date {
    let mut d = from;
    for p in periods {
        let raw = match *p {
            Period::Days(n) => d.checked_add(i64::from(n).days()),
            Period::Months(n) => d.checked_add(i64::from(n).months()),
        };
        d = cal.next_working_day_from(raw.expect("date within range"));
    }
    d
}

/// The time limit running now, with granted extensions, or `None`.
pub fn stage_limit(f: &CaseFacts, cal: &Calendar) -> Option<StageLimit> {
    use Period::{Days, Months};
    let ext = usize::from(f.extensions);
    let mut periods: Vec<Period> = Vec::new();
    let citation = match f.stage {
        Stage::CrimeReport => {
            // Art. 147(1): 20 days from receipt of the report; (2) up to
            // 2 months when it is complex, and then one extension of up to
            // 2 months by the procuracy.
            periods.push(if f.complex_report {
                Months(2)
            } else {
                Days(20)
            });
            if ext > 0 {
                periods.push(Months(2));
            }
            if f.complex_report {
                "Criminal Procedure Code 2015, art. 147(2)"
            } else {
                "Criminal Procedure Code 2015, art. 147(1)"
            }
        }
        Stage::Investigation if f.supplement_from.is_some() => {
            // Art. 174(1): 2 months when the procuracy returned the file,
            // 1 month when a court did, from the investigators' receipt.
            periods.push(Months(if f.supplement_from == Some(Stage::Prosecution) {
                2
            } else {
                1
            }));
            "Criminal Procedure Code 2015, art. 174(1)"
        }
        Stage::Investigation => {
            periods.push(Months(f.class.investigation_months()));
            let ladder = f.class.investigation_ladder();
            periods.extend(ladder.iter().take(ext).map(|m| Months(*m)));
            let ordinary = f.class.investigation_extensions().len();
            match ext {
                0 => "Criminal Procedure Code 2015, art. 172(1)",
                e if e > ordinary => "Criminal Procedure Code 2015, art. 172(1), (2), (3)",
                _ => "Criminal Procedure Code 2015, art. 172(1), (2)",
            }
        }
        Stage::Prosecution => {
            periods.push(Days(f.class.indictment_days()));
            if ext > 0 {
                periods.push(Days(f.class.indictment_extension_days()));
            }
            "Criminal Procedure Code 2015, art. 240(1)"
        }
        Stage::FirstInstance if f.last_return_from == Some(Stage::FirstInstance) => {
            periods.push(Days(TRIAL_AFTER_SUPPLEMENT_DAYS));
            "Criminal Procedure Code 2015, art. 277(2)"
        }
        Stage::FirstInstance => {
            periods.push(f.class.trial_preparation());
            if ext > 0 {
                periods.push(Days(f.class.trial_preparation_extension_days()));
            }
            "Criminal Procedure Code 2015, art. 277(1)"
        }
        Stage::Judged => {
            periods.push(Days(APPEAL_DAYS));
            "Criminal Procedure Code 2015, art. 333(1)"
        }
        Stage::Verification
        | Stage::Appeal
        | Stage::Enforcement
        | Stage::Suspended
        | Stage::Closed => return None,
    };
    let from = f.clock_from();
    Some(StageLimit {
        due: end_of(cal, from, &periods),
        citation,
        from,
        awaiting_receipt: f.counts_from_receipt() && f.file_received_on.is_none(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn crime_classes_follow_the_highest_penalty() {
        assert_eq!(
            CrimeClass::from_max_penalty(Some(3)),
            CrimeClass::LessSerious
        );
        assert_eq!(CrimeClass::from_max_penalty(Some(7)), CrimeClass::Serious);
        assert_eq!(
            CrimeClass::from_max_penalty(Some(15)),
            CrimeClass::VerySerious
        );
        assert_eq!(
            CrimeClass::from_max_penalty(Some(20)),
            CrimeClass::EspeciallySerious
        );
        assert_eq!(
            CrimeClass::from_max_penalty(None),
            CrimeClass::EspeciallySerious
        );
        assert_eq!(office_crime_group(354), Some("corruption"));
        assert_eq!(office_crime_group(364), Some("office"));
        assert_eq!(office_crime_group(174), None);
    }

    #[test]
    fn investigation_limits_by_class_with_extensions() {
        let cal = Calendar::new();
        let start = date(2026, 3, 2);
        for (class, months, exts) in [
            // CPC art. 172(1), (2)(a)-(d), and (3) for the last one.
            (CrimeClass::LessSerious, 2, vec![2]),
            (CrimeClass::Serious, 3, vec![3, 2]),
            (CrimeClass::VerySerious, 4, vec![4, 4]),
            (CrimeClass::EspeciallySerious, 4, vec![4, 4, 4, 4]),
        ] {
            let mut f = advance(
                &CaseFacts::reported(class, false, start),
                StageAction::Prosecute,
                start,
            )
            .unwrap();
            let mut due = cal.add_months(start, months, |_| false);
            assert_eq!(stage_limit(&f, &cal).unwrap().due, due, "{class}");
            for e in &exts {
                f = advance(&f, StageAction::Extend, start).unwrap();
                // Each extension runs from the last day of the period before.
                due = cal.add_months(due, *e, |_| false);
                assert_eq!(stage_limit(&f, &cal).unwrap().due, due, "{class} +{e}");
            }
            assert!(
                matches!(
                    advance(&f, StageAction::Extend, start),
                    Err(StageError::NoMoreExtensions { .. })
                ),
                "{class}"
            );
        }
    }

    #[test]
    fn a_crime_report_is_decided_in_twenty_days_or_two_months() {
        let cal = Calendar::new();
        let f = CaseFacts::reported(CrimeClass::Serious, false, date(2026, 3, 2));
        assert_eq!(stage_limit(&f, &cal).unwrap().due, date(2026, 3, 23));
        let c = CaseFacts::reported(CrimeClass::Serious, true, date(2026, 3, 2));
        assert_eq!(
            stage_limit(&c, &cal).unwrap().due,
            date(2026, 5, 4),
            "2 months: 2 May is a Saturday"
        );
        let e = advance(&c, StageAction::Extend, date(2026, 4, 1)).unwrap();
        assert_eq!(stage_limit(&e, &cal).unwrap().due, date(2026, 7, 6));
    }

    #[test]
    fn a_return_for_supplementary_investigation_loops_back_and_restarts_the_clock() {
        let d = date(2026, 3, 2);
        let mut f = CaseFacts::reported(CrimeClass::VerySerious, false, d);
        for a in [
            StageAction::Prosecute,
            StageAction::ConcludeInvestigation,
            StageAction::Indict,
        ] {
            f = advance(&f, a, d).unwrap();
        }
        assert_eq!(f.stage, Stage::FirstInstance);
        f = advance(&f, StageAction::ReturnForSupplement, date(2026, 4, 1)).unwrap();
        assert_eq!(
            (f.stage, f.returns, f.stage_since, f.extensions),
            (Stage::Investigation, 1, date(2026, 4, 1), 0)
        );
    }

    #[test]
    fn a_supplementary_investigation_has_its_own_limit_and_no_extension() {
        let cal = Calendar::new();
        let d = date(2026, 3, 2);
        let mut f = CaseFacts::reported(CrimeClass::EspeciallySerious, false, d);
        for a in [StageAction::Prosecute, StageAction::ConcludeInvestigation] {
            f = advance(&f, a, d).unwrap();
        }
        // Returned by the procuracy: 2 months.
        let p = advance(&f, StageAction::ReturnForSupplement, date(2026, 4, 1)).unwrap();
        let l = stage_limit(&p, &cal).unwrap();
        assert_eq!(
            (l.due, l.citation),
            (
                date(2026, 6, 1),
                "Criminal Procedure Code 2015, art. 174(1)"
            )
        );
        assert!(matches!(
            advance(&p, StageAction::Extend, date(2026, 4, 2)),
            Err(StageError::NoMoreExtensions { .. })
        ));
        // Returned by the court: 1 month.
        let mut c = advance(&p, StageAction::ConcludeInvestigation, date(2026, 5, 4)).unwrap();
        assert_eq!(c.supplement_from, None);
        c = advance(&c, StageAction::Indict, date(2026, 5, 11)).unwrap();
        c = advance(&c, StageAction::ReturnForSupplement, date(2026, 6, 1)).unwrap();
        assert_eq!(c.returns, 2);
        assert_eq!(stage_limit(&c, &cal).unwrap().due, date(2026, 7, 1));
    }

    #[test]
    fn an_incident_becomes_a_crime_report_then_a_case() {
        let cal = Calendar::new();
        let f = CaseFacts::verifying(CrimeClass::Serious, false, date(2026, 3, 2));
        assert_eq!(stage_limit(&f, &cal), None);
        assert_eq!(
            f.allowed(),
            vec![StageAction::ReportCrime, StageAction::Close]
        );
        let r = advance(&f, StageAction::ReportCrime, date(2026, 4, 1)).unwrap();
        assert_eq!(r.stage, Stage::CrimeReport);
        assert_eq!(stage_limit(&r, &cal).unwrap().due, date(2026, 4, 21));
        assert_eq!(
            advance(&f, StageAction::Prosecute, date(2026, 4, 1))
                .unwrap_err()
                .to_string(),
            "cannot prosecute a case in stage verification"
        );
    }

    #[test]
    fn illegal_moves_name_stage_and_action() {
        let f = CaseFacts::reported(CrimeClass::Serious, false, date(2026, 3, 2));
        let e = advance(&f, StageAction::Indict, date(2026, 3, 3)).unwrap_err();
        assert_eq!(e.to_string(), "cannot indict a case in stage crime_report");
    }

    #[test]
    fn an_appeal_after_fifteen_days_is_too_late() {
        let d = date(2026, 3, 2);
        let mut f = CaseFacts::reported(CrimeClass::Serious, false, d);
        for a in [
            StageAction::Prosecute,
            StageAction::ConcludeInvestigation,
            StageAction::Indict,
            StageAction::Judge,
        ] {
            f = advance(&f, a, d).unwrap();
        }
        assert!(matches!(
            advance(&f, StageAction::Appeal, date(2026, 3, 18)),
            Err(StageError::AppealTooLate { .. })
        ));
        assert_eq!(
            advance(&f, StageAction::Appeal, date(2026, 3, 17))
                .unwrap()
                .stage,
            Stage::Appeal
        );
    }

    #[test]
    fn suspension_shifts_the_stage_clock() {
        let cal = Calendar::new();
        let d = date(2026, 3, 2);
        let f = advance(
            &CaseFacts::reported(CrimeClass::LessSerious, false, d),
            StageAction::Prosecute,
            d,
        )
        .unwrap();
        let s = advance(&f, StageAction::Suspend, date(2026, 3, 10)).unwrap();
        assert_eq!(stage_limit(&s, &cal), None);
        let r = advance(&s, StageAction::Resume, date(2026, 3, 20)).unwrap();
        assert_eq!(r.stage, Stage::Investigation);
        // Suspended from 10 to 20 March: the 2-month investigation started on
        // 2 March now counts from 12 March, and ends on 12 May.
        assert_eq!(r.stage_since, date(2026, 3, 12));
        assert_eq!(stage_limit(&r, &cal).unwrap().due, date(2026, 5, 12));
    }

    proptest! {
        /// Random action sequences only move along allowed edges, never
        /// exceed the extensions the class allows, and closed stays closed.
        #[test]
        fn random_stage_sequences_keep_invariants(
            class in prop::sample::select(CrimeClass::ALL.to_vec()),
            actions in prop::collection::vec(prop::sample::select(StageAction::ALL.to_vec()), 0..40),
        ) {
            let mut f = CaseFacts::reported(class, false, date(2026, 1, 5));
            for a in actions {
                let allowed = f.allowed().contains(&a);
                let on = f.stage_since;
                match advance(&f, a, on) {
                    Ok(next) => {
                        prop_assert!(allowed, "{:?} from {:?}", a, f.stage);
                        prop_assert!(f.stage != Stage::Closed);
                        f = next;
                    }
                    Err(_) => prop_assert!(!allowed || matches!(a, StageAction::Appeal)),
                }
                if f.stage != Stage::Suspended {
                    prop_assert!(f.extensions <= f.max_extensions(), "{} extensions in {:?}", f.extensions, f.stage);
                }
                prop_assert_eq!(f.suspended_on.is_some(), f.stage == Stage::Suspended);
            }
        }
    }
}

/// A defendant as counting needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DefendantFacts {
    /// A stable id.
    pub id: uuid::Uuid,
    /// When they were prosecuted (khởi tố bị can).
    pub prosecuted_on: Date,
    /// Added to a case already prosecuted (khởi tố bổ sung).
    pub added: bool,
}

/// A case as counting needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRecord {
    /// A stable id.
    pub id: uuid::Uuid,
    /// When the case was prosecuted (khởi tố vụ án), if it was.
    pub prosecuted_on: Option<Date>,
    /// When it was closed, if it was.
    pub closed_on: Option<Date>,
    /// Its defendants.
    pub defendants: Vec<DefendantFacts>,
    /// Its stage actions, in order, with their dates.
    pub events: Vec<(Date, StageAction)>,
}

/// Cases and defendants (bị can; bị cáo from trial on) counted once each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    /// Cases.
    pub cases: u32,
    /// Defendants.
    pub defendants: u32,
}

/// The case figures of a period, as reports and pages state them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFigures {
    /// Prosecuted within the period (their original defendants).
    pub newly_prosecuted: Count,
    /// Prosecuted before the period and still open at its start.
    pub carried_over: Count,
    /// Newly prosecuted plus carried over.
    pub handled: Count,
    /// Defendants added to an existing case within the period, and the cases.
    pub added: Count,
    /// Investigations concluded within the period.
    pub investigation_concluded: Count,
    /// Indicted within the period.
    pub indicted: Count,
    /// Tried at first instance within the period.
    pub tried_first_instance: Count,
    /// Appeals brought within the period.
    pub appealed: Count,
}

fn tally(
    pairs: impl Iterator<Item = (uuid::Uuid, uuid::Uuid)>,
    cases_only: impl Iterator<Item = uuid::Uuid>,
) -> Count {
    use std::collections::BTreeSet;
    let mut cases = BTreeSet::new();
    let mut defendants = BTreeSet::new();
    for (c, d) in pairs {
        cases.insert(c);
        defendants.insert(d);
    }
    cases.extend(cases_only);
    Count {
        cases: cases.len() as u32,
        defendants: defendants.len() as u32,
    }
}

/// Counts cases and defendants for the period `from..=to`. Each case and
/// each defendant is counted at most once per figure, however many events
/// (a file returned and concluded twice, say) fall in the period.
///
/// Where a case counts — the one attribution of every case figure (form
/// 07-PCTN, the dashboard, `/api/v1/case-figures`): in the unit that
/// registered it and that unit's ancestors, wherever its file has gone since,
/// so that no case is counted twice in a roll-up; a committee's monitored
/// list counts the cases it monitored during the period, wherever
/// registered.
pub fn count<C: std::borrow::Borrow<CaseRecord>>(cases: &[C], from: Date, to: Date) -> CaseFigures {
    let cases: Vec<&CaseRecord> = cases.iter().map(|c| c.borrow()).collect();
    let within = |d: Date| d >= from && d <= to;
    let at_stage = |c: &CaseRecord, action: StageAction| -> Vec<(uuid::Uuid, uuid::Uuid)> {
        // The defendants prosecuted by the time of the last such event in the period.
        match c
            .events
            .iter()
            .filter(|(d, a)| *a == action && within(*d))
            .map(|(d, _)| *d)
            .max()
        {
            Some(last) => c
                .defendants
                .iter()
                .filter(|d| d.prosecuted_on <= last)
                .map(|d| (c.id, d.id))
                .collect(),
            None => Vec::new(),
        }
    };
    let cases_with = |action: StageAction| -> Vec<uuid::Uuid> {
        cases
            .iter()
            .filter(|c| c.events.iter().any(|(d, a)| *a == action && within(*d)))
            .map(|c| c.id)
            .collect()
    };
    let new_cases: Vec<&CaseRecord> = cases
        .iter()
        .copied()
        .filter(|c| c.prosecuted_on.is_some_and(within))
        .collect();
    let carried: Vec<&CaseRecord> = cases
        .iter()
        .copied()
        .filter(|c| {
            c.prosecuted_on.is_some_and(|p| p < from) && c.closed_on.is_none_or(|x| x >= from)
        })
        .collect();
    let newly_prosecuted = tally(
        new_cases.iter().flat_map(|c| {
            c.defendants
                .iter()
                .filter(|d| !d.added && within(d.prosecuted_on))
                .map(|d| (c.id, d.id))
        }),
        new_cases.iter().map(|c| c.id),
    );
    let carried_over = tally(
        carried.iter().flat_map(|c| {
            c.defendants
                .iter()
                .filter(|d| d.prosecuted_on < from)
                .map(|d| (c.id, d.id))
        }),
        carried.iter().map(|c| c.id),
    );
    let handled = tally(
        new_cases
            .iter()
            .flat_map(|c| {
                c.defendants
                    .iter()
                    .filter(|d| !d.added && within(d.prosecuted_on))
                    .map(|d| (c.id, d.id))
            })
            .chain(carried.iter().flat_map(|c| {
                c.defendants
                    .iter()
                    .filter(|d| d.prosecuted_on < from)
                    .map(|d| (c.id, d.id))
            })),
        new_cases.iter().chain(carried.iter()).map(|c| c.id),
    );
    let added = tally(
        cases.iter().flat_map(|c| {
            c.defendants
                .iter()
                .filter(|d| d.added && within(d.prosecuted_on))
                .map(|d| (c.id, d.id))
        }),
        std::iter::empty(),
    );
    let stage = |a: StageAction| {
        tally(
            cases.iter().flat_map(|c| at_stage(c, a)),
            cases_with(a).into_iter(),
        )
    };
    CaseFigures {
        newly_prosecuted,
        carried_over,
        handled,
        added,
        investigation_concluded: stage(StageAction::ConcludeInvestigation),
        indicted: stage(StageAction::Indict),
        tried_first_instance: stage(StageAction::Judge),
        appealed: stage(StageAction::Appeal),
    }
}

#[cfg(test)]
mod counting_tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn defendant(n: u128, on: Date, added: bool) -> DefendantFacts {
        DefendantFacts {
            id: id(n),
            prosecuted_on: on,
            added,
        }
    }

    /// A fixed set counted by hand for 2026.
    #[test]
    fn figures_match_the_hand_count() {
        use StageAction::*;
        let cases = vec![
            // Carried over from 2025 with 2 defendants; one more added in 2026;
            // its file came back once and was concluded twice in 2026.
            CaseRecord {
                id: id(1),
                prosecuted_on: Some(date(2025, 10, 1)),
                closed_on: None,
                defendants: vec![
                    defendant(11, date(2025, 10, 1), false),
                    defendant(12, date(2025, 10, 1), false),
                    defendant(13, date(2026, 2, 1), true),
                ],
                events: vec![
                    (date(2025, 10, 1), Prosecute),
                    (date(2026, 1, 10), ConcludeInvestigation),
                    (date(2026, 2, 1), ReturnForSupplement),
                    (date(2026, 4, 1), ConcludeInvestigation),
                    (date(2026, 5, 1), Indict),
                ],
            },
            // New in 2026 with 3 defendants, tried in 2026.
            CaseRecord {
                id: id(2),
                prosecuted_on: Some(date(2026, 3, 1)),
                closed_on: None,
                defendants: vec![
                    defendant(21, date(2026, 3, 1), false),
                    defendant(22, date(2026, 3, 1), false),
                    defendant(23, date(2026, 3, 1), false),
                ],
                events: vec![
                    (date(2026, 3, 1), Prosecute),
                    (date(2026, 6, 1), ConcludeInvestigation),
                    (date(2026, 7, 1), Indict),
                    (date(2026, 9, 1), Judge),
                ],
            },
            // Closed in 2025: not carried over.
            CaseRecord {
                id: id(3),
                prosecuted_on: Some(date(2025, 1, 1)),
                closed_on: Some(date(2025, 12, 1)),
                defendants: vec![defendant(31, date(2025, 1, 1), false)],
                events: vec![],
            },
            // A crime report never prosecuted.
            CaseRecord {
                id: id(4),
                prosecuted_on: None,
                closed_on: None,
                defendants: vec![],
                events: vec![],
            },
        ];
        let f = count(&cases, date(2026, 1, 1), date(2026, 12, 31));
        assert_eq!(
            f.newly_prosecuted,
            Count {
                cases: 1,
                defendants: 3
            }
        );
        assert_eq!(
            f.carried_over,
            Count {
                cases: 1,
                defendants: 2
            }
        );
        assert_eq!(
            f.handled,
            Count {
                cases: 2,
                defendants: 5
            }
        );
        assert_eq!(
            f.added,
            Count {
                cases: 1,
                defendants: 1
            }
        );
        // Case 1 concluded twice in 2026 counts once, with its 3 defendants by then.
        assert_eq!(
            f.investigation_concluded,
            Count {
                cases: 2,
                defendants: 6
            }
        );
        assert_eq!(
            f.indicted,
            Count {
                cases: 2,
                defendants: 6
            }
        );
        assert_eq!(
            f.tried_first_instance,
            Count {
                cases: 1,
                defendants: 3
            }
        );
        assert_eq!(f.appealed, Count::default());
    }

    fn arb_case(n: u128) -> impl Strategy<Value = CaseRecord> {
        let day = |o: i64| {
            date(2025, 1, 1)
                .checked_add(jiff::Span::new().days(o))
                .unwrap()
        };
        (
            prop::option::of(0i64..700),
            prop::collection::vec((0i64..700, any::<bool>()), 0..6),
            prop::collection::vec(
                (0i64..700, prop::sample::select(StageAction::ALL.to_vec())),
                0..12,
            ),
        )
            .prop_map(move |(p, ds, es)| CaseRecord {
                id: uuid::Uuid::from_u128(n),
                prosecuted_on: p.map(day),
                closed_on: None,
                defendants: ds
                    .iter()
                    .enumerate()
                    .map(|(i, (o, a))| DefendantFacts {
                        id: uuid::Uuid::from_u128(n * 100 + i as u128),
                        prosecuted_on: day(*o),
                        added: *a,
                    })
                    .collect(),
                events: es.iter().map(|(o, a)| (day(*o), *a)).collect(),
            })
    }

    proptest! {
        /// No figure counts a case or a defendant twice, handled is new plus
        /// carried over, and a stage never counts more defendants than exist.
        #[test]
        fn counting_never_counts_twice(cases in (0u128..20).prop_flat_map(|k| (0..k).map(arb_case).collect::<Vec<_>>())) {
            let f = count(&cases, date(2026, 1, 1), date(2026, 12, 31));
            let all_defendants: u32 = cases.iter().map(|c| c.defendants.len() as u32).sum();
            for c in [f.newly_prosecuted, f.carried_over, f.handled, f.added, f.investigation_concluded, f.indicted, f.tried_first_instance, f.appealed] {
                prop_assert!(c.cases as usize <= cases.len());
                prop_assert!(c.defendants <= all_defendants);
            }
            prop_assert_eq!(f.handled.cases, f.newly_prosecuted.cases + f.carried_over.cases);
            prop_assert_eq!(f.handled.defendants, f.newly_prosecuted.defendants + f.carried_over.defendants);
            // Duplicating every event changes nothing.
            let doubled: Vec<CaseRecord> = cases.iter().cloned().map(|mut c| { c.events.extend(c.events.clone()); c }).collect();
            prop_assert_eq!(count(&doubled, date(2026, 1, 1), date(2026, 12, 31)), f);
        }
    }
}
