//! Time limits worked out by hand from the texts of the laws, not from the
//! code: each row names its article and clause, the event the period starts
//! from and its date, the conditions, the last day, and one line of
//! reasoning. The computed side goes through the domain's own functions.
//!
//! Counting (Criminal Procedure Code 2015 art. 134(1); Civil Code 2015 art.
//! 148 for the laws on complaints and denunciations): a period in days or
//! months starts the day after its event; months end on the same day
//! number, or the month's last day; a last day that is a day off moves to
//! the next working day; an extension runs from the last day of the period
//! it extends. Working days skip weekends and days off (Tết 2026: Monday 16
//! to Friday 20 February; 1 May 2026 is a Friday) and follow the swaps the
//! Government announced: in 2025 (8726/VPCP-KGVX) Monday 27 January off and
//! Monday 3 February worked, Friday 2 May off and Saturday 26 April worked;
//! in 2026 (12729/VPCP-KGVX) Friday 2 January off and Saturday 10 January
//! worked.

use jiff::civil::{date, Date};
use liem_domain::calendar::Calendar;
use liem_domain::case::{advance, stage_limit, CaseFacts, CrimeClass, StageAction};
use liem_domain::deadline::{current_deadline, RuleBook};
use liem_domain::petition::PetitionKind;
use liem_domain::workflow::{apply, Action, Classification, MatterFacts, WorkflowError};

/// One hand-worked limit.
struct Row {
    cite: &'static str,
    start: &'static str,
    conditions: &'static str,
    due: Option<Date>,
    why: &'static str,
    computed: Option<Date>,
}

fn d(s: &str) -> Date {
    s.parse().expect("a date")
}

/// A case reported on `on`, moved by `steps` (action, date).
fn case(class: CrimeClass, complex: bool, on: &str, steps: &[(StageAction, &str)]) -> CaseFacts {
    let mut f = CaseFacts::reported(class, complex, d(on));
    for (a, day) in steps {
        f = advance(&f, *a, d(day)).unwrap_or_else(|e| panic!("{a} on {day}: {e}"));
    }
    f
}

fn due(f: &CaseFacts) -> Option<Date> {
    stage_limit(f, &Calendar::new()).map(|l| l.due)
}

fn classified(complex: bool, remote: bool, round: u8, competent: bool) -> Classification {
    Classification {
        eligible: true,
        ineligibility: None,
        competent,
        competent_body: None,
        has_originals: true,
        bypass_level: false,
        repeated: false,
        complex,
        especially_complex: false,
        continued: false,
        remote_area: remote,
        multi_place: false,
        decision_known_on: None,
        obstacle_days: 0,
        round,
    }
}

/// A matter received on `received`, then moved by `steps`.
fn matter(kind: PetitionKind, received: &str, steps: &[(Action, &str)]) -> MatterFacts {
    let mut f = MatterFacts::received(kind, d(received), false);
    for (a, day) in steps {
        f = apply(&f, a, d(day)).unwrap_or_else(|e| panic!("{:?} on {day}: {e}", a.kind()));
    }
    f
}

fn matter_due(f: &MatterFacts) -> Option<Date> {
    current_deadline(f, &Calendar::new(), &RuleBook::default()).map(|d| d.due)
}

fn extend(especially: bool) -> Action {
    Action::Extend {
        reason: "phức tạp".into(),
        especially_complex: especially,
    }
}

use CrimeClass::{EspeciallySerious as ES, LessSerious as LS, Serious as S, VerySerious as VS};
use StageAction::{
    ConcludeInvestigation as Conclude, Extend, Indict, Judge, Prosecute, ReceiveFile,
    ReturnForSupplement as Return,
};

fn criminal_rows() -> Vec<Row> {
    let inv = |class, p: &str, exts: usize| {
        let mut steps = vec![(Prosecute, p)];
        steps.extend(std::iter::repeat_n((Extend, p), exts));
        due(&case(class, false, p, &steps))
    };
    let procuracy = |class, concluded: &str, received: Option<&str>, ext: bool| {
        let mut steps = vec![(Prosecute, concluded), (Conclude, concluded)];
        if let Some(r) = received {
            steps.push((ReceiveFile, r));
        }
        if ext {
            steps.push((Extend, received.unwrap_or(concluded)));
        }
        due(&case(class, false, concluded, &steps))
    };
    let court = |class, accepted: &str, ext: bool| {
        let i = "2026-03-02";
        let mut steps = vec![
            (Prosecute, i),
            (Conclude, i),
            (Indict, i),
            (ReceiveFile, accepted),
        ];
        if ext {
            steps.push((Extend, accepted));
        }
        due(&case(class, false, i, &steps))
    };
    vec![
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 02/03/2026",
            conditions: "less serious",
            due: Some(date(2026, 5, 4)),
            why: "2 months: 02/05 is a Saturday, the next working day is Monday 04/05",
            computed: inv(LS, "2026-03-02", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(a)",
            start: "prosecuted 02/03/2026",
            conditions: "less serious, extended once",
            due: Some(date(2026, 7, 6)),
            why: "one extension of 2 months from 04/05: 04/07 is a Saturday, so 06/07",
            computed: inv(LS, "2026-03-02", 1),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 31/12/2025",
            conditions: "less serious",
            due: Some(date(2026, 3, 2)),
            why: "2 months: February has no 31st, so 28/02 (Saturday), then Monday 02/03",
            computed: inv(LS, "2025-12-31", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 13/04/2026",
            conditions: "serious",
            due: Some(date(2026, 7, 13)),
            why: "3 months to the same day, a Monday",
            computed: inv(S, "2026-04-13", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(b)",
            start: "prosecuted 13/04/2026",
            conditions: "serious, first extension",
            due: Some(date(2026, 10, 13)),
            why: "the first extension is 3 months: 13/07 + 3 months",
            computed: inv(S, "2026-04-13", 1),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(b)",
            start: "prosecuted 13/04/2026",
            conditions: "serious, second extension",
            due: Some(date(2026, 12, 14)),
            why: "the second is 2 months: 13/12 is a Sunday, so Monday 14/12",
            computed: inv(S, "2026-04-13", 2),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 12/01/2026",
            conditions: "very serious",
            due: Some(date(2026, 5, 12)),
            why: "4 months",
            computed: inv(VS, "2026-01-12", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(c)",
            start: "prosecuted 12/01/2026",
            conditions: "very serious, first extension",
            due: Some(date(2026, 9, 14)),
            why: "4 more months: 12/09 is a Saturday, so 14/09",
            computed: inv(VS, "2026-01-12", 1),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(c)",
            start: "prosecuted 12/01/2026",
            conditions: "very serious, second extension",
            due: Some(date(2027, 1, 14)),
            why: "two extensions of 4 months each: 14/09 + 4 months",
            computed: inv(VS, "2026-01-12", 2),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 12/01/2026",
            conditions: "especially serious",
            due: Some(date(2026, 5, 12)),
            why: "4 months, as for a very serious crime",
            computed: inv(ES, "2026-01-12", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(d)",
            start: "prosecuted 12/01/2026",
            conditions: "especially serious, third extension",
            due: Some(date(2027, 5, 14)),
            why: "three extensions of 4 months: 14/09/2026, 14/01/2027, 14/05/2027",
            computed: inv(ES, "2026-01-12", 3),
        },
        Row {
            cite: "CPC 2015 art. 172(3)",
            start: "prosecuted 12/01/2026",
            conditions: "especially serious, the Supreme People's Procuracy's further extension",
            due: Some(date(2027, 9, 14)),
            why: "one further extension of 4 months after the three",
            computed: inv(ES, "2026-01-12", 4),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(d)",
            start: "prosecuted 12/01/2026",
            conditions: "especially serious, first extension",
            due: Some(date(2026, 9, 14)),
            why: "4 months to 12/05, 4 more: 12/09 is a Saturday, so 14/09",
            computed: inv(ES, "2026-01-12", 1),
        },
        Row {
            cite: "CPC 2015 art. 172(2)(d)",
            start: "prosecuted 12/01/2026",
            conditions: "especially serious, second extension",
            due: Some(date(2027, 1, 14)),
            why: "14/09/2026 + 4 months, a Thursday",
            computed: inv(ES, "2026-01-12", 2),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 30/06/2026",
            conditions: "less serious",
            due: Some(date(2026, 8, 31)),
            why: "2 months: 30/08 is a Sunday, so Monday 31/08 (2 September's extra day is 3/09)",
            computed: inv(LS, "2026-06-30", 0),
        },
        Row {
            cite: "CPC 2015 art. 172(1)",
            start: "prosecuted 30/11/2025",
            conditions: "serious",
            due: Some(date(2026, 3, 2)),
            why: "3 months: no 30 February, so 28/02 (a Saturday), then Monday 02/03",
            computed: inv(S, "2025-11-30", 0),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "less serious",
            due: Some(date(2026, 3, 24)),
            why: "20 days from the receipt, as for a serious crime",
            computed: procuracy(LS, "2026-03-02", Some("2026-03-04"), false),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "less serious, extended",
            due: Some(date(2026, 4, 3)),
            why: "at most 10 more days: 24/03 + 10",
            computed: procuracy(LS, "2026-03-02", Some("2026-03-04"), true),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "very serious",
            due: Some(date(2026, 4, 3)),
            why: "30 days from the receipt, a Friday",
            computed: procuracy(VS, "2026-03-02", Some("2026-03-04"), false),
        },
        Row {
            cite: "CPC 2015 art. 147(1)",
            start: "crime report received 26/01/2026",
            conditions: "plain, across Tết",
            due: Some(date(2026, 2, 23)),
            why: "20 days: 15/02 is a Sunday and 16-20/02 is Tết, so Monday 23/02",
            computed: due(&case(S, false, "2026-01-26", &[])),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "serious",
            due: Some(date(2026, 3, 24)),
            why: "20 days from the receipt of the file, not from the conclusion (02/03)",
            computed: procuracy(S, "2026-03-02", Some("2026-03-04"), false),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "serious, extended",
            due: Some(date(2026, 4, 3)),
            why: "the extension is at most 10 days: 24/03 + 10",
            computed: procuracy(S, "2026-03-02", Some("2026-03-04"), true),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "very serious, extended",
            due: Some(date(2026, 4, 20)),
            why: "30 days to 03/04, then 15: 18/04 is a Saturday, so 20/04",
            computed: procuracy(VS, "2026-03-02", Some("2026-03-04"), true),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "file received by the procuracy 04/03/2026",
            conditions: "especially serious, extended",
            due: Some(date(2026, 5, 4)),
            why: "30 days to 03/04, then 30: 03/05 is a Sunday, so 04/05",
            computed: procuracy(ES, "2026-03-02", Some("2026-03-04"), true),
        },
        Row {
            cite: "CPC 2015 art. 240(1)",
            start: "investigation concluded 02/03/2026, receipt not recorded",
            conditions: "serious",
            due: Some(date(2026, 3, 23)),
            why: "counted from the conclusion until the receipt is known: 22/03 is a Sunday",
            computed: procuracy(S, "2026-03-02", None, false),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 01/06/2026",
            conditions: "less serious",
            due: Some(date(2026, 7, 1)),
            why: "30 days",
            computed: court(LS, "2026-06-01", false),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 01/06/2026",
            conditions: "less serious, extended",
            due: Some(date(2026, 7, 16)),
            why: "the extension is at most 15 days",
            computed: court(LS, "2026-06-01", true),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 01/06/2026",
            conditions: "serious, extended",
            due: Some(date(2026, 7, 31)),
            why: "45 days to 16/07, then 15",
            computed: court(S, "2026-06-01", true),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 16/03/2026",
            conditions: "very serious",
            due: Some(date(2026, 5, 18)),
            why: "2 months, not 60 days: 16/05 is a Saturday, so 18/05 (60 days would be 15/05)",
            computed: court(VS, "2026-03-16", false),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 16/03/2026",
            conditions: "very serious, extended",
            due: Some(date(2026, 6, 17)),
            why: "then at most 30 days",
            computed: court(VS, "2026-03-16", true),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 16/03/2026",
            conditions: "especially serious",
            due: Some(date(2026, 6, 16)),
            why: "3 months, not 90 days (which would end on Sunday 14/06)",
            computed: court(ES, "2026-03-16", false),
        },
        Row {
            cite: "CPC 2015 art. 277(1)",
            start: "case accepted by the court 16/03/2026",
            conditions: "especially serious, extended",
            due: Some(date(2026, 7, 16)),
            why: "then at most 30 days",
            computed: court(ES, "2026-03-16", true),
        },
        Row {
            cite: "CPC 2015 art. 277(2)",
            start: "file back at the court 01/06/2026 after the court returned it",
            conditions: "very serious",
            due: Some(date(2026, 6, 16)),
            why: "15 days from receiving the file back",
            computed: due(&case(
                VS,
                false,
                "2026-01-05",
                &[
                    (Prosecute, "2026-01-05"),
                    (Conclude, "2026-02-02"),
                    (Indict, "2026-02-16"),
                    (Return, "2026-03-02"),
                    (Conclude, "2026-04-01"),
                    (Indict, "2026-05-04"),
                    (ReceiveFile, "2026-06-01"),
                ],
            )),
        },
        Row {
            cite: "CPC 2015 art. 174(1)",
            start: "file received back by the investigators 03/04/2026",
            conditions: "returned by the procuracy",
            due: Some(date(2026, 6, 3)),
            why: "2 months from the receipt, not from the return (01/04)",
            computed: due(&case(
                S,
                false,
                "2026-01-05",
                &[
                    (Prosecute, "2026-01-05"),
                    (Conclude, "2026-03-02"),
                    (Return, "2026-04-01"),
                    (ReceiveFile, "2026-04-03"),
                ],
            )),
        },
        Row {
            cite: "CPC 2015 art. 174(1)",
            start: "file received back by the investigators 03/04/2026",
            conditions: "returned by the court",
            due: Some(date(2026, 5, 4)),
            why: "1 month: 03/05 is a Sunday, so 04/05",
            computed: due(&case(
                S,
                false,
                "2026-01-05",
                &[
                    (Prosecute, "2026-01-05"),
                    (Conclude, "2026-02-02"),
                    (Indict, "2026-02-16"),
                    (Return, "2026-04-01"),
                    (ReceiveFile, "2026-04-03"),
                ],
            )),
        },
        Row {
            cite: "CPC 2015 art. 147(1)",
            start: "crime report received 02/03/2026",
            conditions: "plain",
            due: Some(date(2026, 3, 23)),
            why: "20 days: 22/03 is a Sunday",
            computed: due(&case(S, false, "2026-03-02", &[])),
        },
        Row {
            cite: "CPC 2015 art. 147(2)",
            start: "crime report received 02/03/2026",
            conditions: "complex",
            due: Some(date(2026, 5, 4)),
            why: "at most 2 months: 02/05 is a Saturday",
            computed: due(&case(S, true, "2026-03-02", &[])),
        },
        Row {
            cite: "CPC 2015 art. 147(2)",
            start: "crime report received 02/03/2026",
            conditions: "complex, extended by the procuracy",
            due: Some(date(2026, 7, 6)),
            why: "one extension of at most 2 months from 04/05: 04/07 is a Saturday",
            computed: due(&case(S, true, "2026-03-02", &[(Extend, "2026-04-20")])),
        },
        Row {
            cite: "CPC 2015 art. 147(2)",
            start: "crime report received 02/03/2026",
            conditions: "plain, found complex (first extension)",
            due: Some(date(2026, 5, 4)),
            why: "finding it complex makes the limit 2 months from receipt",
            computed: due(&case(S, false, "2026-03-02", &[(Extend, "2026-03-16")])),
        },
        Row {
            cite: "CPC 2015 art. 147(2)",
            start: "incident reported as a crime 01/04/2026",
            conditions: "incident registered as complex",
            due: Some(date(2026, 6, 1)),
            why: "the complex mark survives the incident's becoming a crime report: 2 months",
            computed: {
                let f = CaseFacts::verifying(S, true, d("2026-03-02"));
                due(&advance(&f, StageAction::ReportCrime, d("2026-04-01")).unwrap())
            },
        },
        Row {
            cite: "CPC 2015 art. 333(1)",
            start: "judgment given 02/03/2026",
            conditions: "first instance",
            due: Some(date(2026, 3, 17)),
            why: "15 days to appeal",
            computed: due(&case(
                S,
                false,
                "2026-03-02",
                &[
                    (Prosecute, "2026-03-02"),
                    (Conclude, "2026-03-02"),
                    (Indict, "2026-03-02"),
                    (Judge, "2026-03-02"),
                ],
            )),
        },
    ]
}

fn petition_rows() -> Vec<Row> {
    use PetitionKind::{Complaint, Denunciation};
    let classify = |complex, remote, round, competent| {
        Action::Classify(classified(complex, remote, round, competent))
    };
    let resolve = |complex, remote, round| {
        matter_due(&matter(
            Complaint,
            "2026-03-02",
            &[
                (classify(complex, remote, round, true), "2026-03-05"),
                (Action::Accept, "2026-03-09"),
            ],
        ))
    };
    let denounced = |exts: &[Action]| {
        let mut steps = vec![
            (classify(true, false, 1, true), "2026-03-05"),
            (Action::Accept, "2026-03-09"),
        ];
        steps.extend(exts.iter().map(|a| (a.clone(), "2026-03-20")));
        matter_due(&matter(Denunciation, "2026-03-02", &steps))
    };
    let mut multi = classified(false, false, 1, true);
    multi.multi_place = true;
    let continued = |received: &str, classified_on: &str, competent: bool| {
        let mut c = classified(false, false, 1, competent);
        c.continued = true;
        matter_due(&matter(
            Denunciation,
            received,
            &[(Action::Classify(c), classified_on)],
        ))
    };
    vec![
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 02/03/2026",
            conditions: "first time",
            due: Some(date(2026, 3, 16)),
            why: "10 working days: 3, 4, 5, 6, 9, 10, 11, 12, 13, 16 March",
            computed: matter_due(&matter(Complaint, "2026-03-02", &[])),
        },
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 13/02/2026",
            conditions: "across Tết",
            due: Some(date(2026, 3, 6)),
            why: "Tết 16-20/02 and weekends skipped: 23-27/02, then 2-6/03",
            computed: matter_due(&matter(Complaint, "2026-02-13", &[])),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 09/03/2026",
            conditions: "first time",
            due: Some(date(2026, 4, 8)),
            why: "30 days from acceptance",
            computed: resolve(false, false, 1),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 09/03/2026",
            conditions: "first time, complex",
            due: Some(date(2026, 4, 23)),
            why: "45 days",
            computed: resolve(true, false, 1),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 09/03/2026",
            conditions: "first time, remote area",
            due: Some(date(2026, 4, 23)),
            why: "45 days",
            computed: resolve(false, true, 1),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 09/03/2026",
            conditions: "first time, remote area, complex",
            due: Some(date(2026, 5, 8)),
            why: "60 days",
            computed: resolve(true, true, 1),
        },
        Row {
            cite: "Law on Complaints 2011 art. 37",
            start: "complaint accepted 09/03/2026",
            conditions: "second time",
            due: Some(date(2026, 4, 23)),
            why: "45 days",
            computed: resolve(false, false, 2),
        },
        Row {
            cite: "Law on Complaints 2011 art. 37",
            start: "complaint accepted 09/03/2026",
            conditions: "second time, complex",
            due: Some(date(2026, 5, 8)),
            why: "60 days",
            computed: resolve(true, false, 2),
        },
        Row {
            cite: "Law on Complaints 2011 art. 37",
            start: "complaint accepted 09/03/2026",
            conditions: "second time, remote area, complex",
            due: Some(date(2026, 5, 18)),
            why: "70 days",
            computed: resolve(true, true, 2),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 02/03/2026",
            conditions: "one place",
            due: Some(date(2026, 3, 11)),
            why: "7 working days: 3, 4, 5, 6, 9, 10, 11 March",
            computed: matter_due(&matter(Denunciation, "2026-03-02", &[])),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 02/03/2026",
            conditions: "checks in several places",
            due: Some(date(2026, 3, 16)),
            why: "at most 10 working days",
            computed: matter_due(&matter(
                Denunciation,
                "2026-03-02",
                &[(Action::Classify(multi.clone()), "2026-03-04")],
            )),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 02/03/2026, classified 10/03",
            conditions: "outside the unit's competence",
            due: Some(date(2026, 3, 9)),
            why: "5 working days from receipt (3, 4, 5, 6, 9 March), not from classification",
            computed: matter_due(&matter(
                Denunciation,
                "2026-03-02",
                &[(classify(false, false, 1, false), "2026-03-10")],
            )),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 37(1)",
            start: "continued denunciation received 02/03/2026 (Monday), classified 04/03",
            conditions: "the head of the body directly above reviews the earlier resolution",
            due: Some(date(2026, 3, 23)),
            why: "20 days from the day after receipt: Sunday 22/03, so Monday 23/03",
            computed: continued("2026-03-02", "2026-03-04", true),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 37(1)",
            start: "continued denunciation received 30/01/2026, classified 02/02",
            conditions: "across Tết (16-20/02/2026 off)",
            due: Some(date(2026, 2, 23)),
            why: "the 20th day is Thursday 19/02, off for Tết; Friday 20/02 off, then a weekend: Monday 23/02",
            computed: continued("2026-01-30", "2026-02-02", true),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 37(1)",
            start: "continued denunciation received 31/03/2026",
            conditions: "across a month end",
            due: Some(date(2026, 4, 20)),
            why: "1/04 is day 1, so 20/04, a Monday",
            computed: continued("2026-03-31", "2026-04-01", true),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 37(1)",
            start: "continued denunciation received 10/04/2026",
            conditions: "the 20th day is 30/04, a holiday",
            due: Some(date(2026, 5, 4)),
            why: "30/04 and 1/05 off, 2-3/05 a weekend: Monday 04/05",
            computed: continued("2026-04-10", "2026-04-13", true),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)(b)",
            start: "continued denunciation received 02/03/2026, classified 04/03",
            conditions: "sent to a body that is not the one above the resolver",
            due: Some(date(2026, 3, 9)),
            why: "a denunciation outside one's competence goes on within 5 working days of receipt: 3, 4, 5, 6, 9 March",
            computed: continued("2026-03-02", "2026-03-04", false),
        },
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 08/01/2026",
            conditions: "the announced working Saturday 10/01/2026",
            due: Some(date(2026, 1, 21)),
            why: "10 working days: 9, 10 (Saturday, worked), 12-16, 19, 20, 21 January",
            computed: matter_due(&matter(Complaint, "2026-01-08", &[])),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 30/12/2025",
            conditions: "one place; New Year, 2/01 off and 10/01 worked",
            due: Some(date(2026, 1, 10)),
            why: "7 working days: 31/12, 5-9/01, and Saturday 10/01, which is worked",
            computed: matter_due(&matter(Denunciation, "2025-12-30", &[])),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 08/01/2026",
            conditions: "checks in several places",
            due: Some(date(2026, 1, 21)),
            why: "10 working days, Saturday 10/01 among them",
            computed: matter_due(&matter(
                Denunciation,
                "2026-01-08",
                &[(Action::Classify(multi.clone()), "2026-01-09")],
            )),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 31/01/2025 (Tết)",
            conditions: "outside competence; 3/02/2025 worked as announced",
            due: Some(date(2025, 2, 7)),
            why: "5 working days: 3, 4, 5, 6, 7 February (the compensatory day was taken on 27/01)",
            computed: matter_due(&matter(
                Denunciation,
                "2025-01-31",
                &[(classify(false, false, 1, false), "2025-02-03")],
            )),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 24(1)",
            start: "denunciation received 28/04/2025",
            conditions: "outside competence; 30/04-1/05 and the announced 2/05 off",
            due: Some(date(2025, 5, 8)),
            why: "5 working days: 29/04, then 5, 6, 7, 8 May",
            computed: matter_due(&matter(
                Denunciation,
                "2025-04-28",
                &[(classify(false, false, 1, false), "2025-04-29")],
            )),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 30/01/2026",
            conditions: "first time, across a month end",
            due: Some(date(2026, 3, 2)),
            why: "30 days: 01/03 (February has 28 days) is a Sunday, so 02/03",
            computed: matter_due(&matter(
                Complaint,
                "2026-01-26",
                &[
                    (classify(false, false, 1, true), "2026-01-28"),
                    (Action::Accept, "2026-01-30"),
                ],
            )),
        },
        Row {
            cite: "Law on Complaints 2011 art. 28",
            start: "complaint accepted 05/01/2026",
            conditions: "first time, complex, across Tết",
            due: Some(date(2026, 2, 23)),
            why: "45 days end on 19/02, in Tết: the next working day is Monday 23/02",
            computed: matter_due(&matter(
                Complaint,
                "2026-01-02",
                &[
                    (classify(true, false, 1, true), "2026-01-05"),
                    (Action::Accept, "2026-01-05"),
                ],
            )),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 30(1)",
            start: "denunciation accepted 16/01/2026",
            conditions: "plain, across Tết",
            due: Some(date(2026, 2, 23)),
            why: "30 days: 15/02 is a Sunday, 16-20/02 Tết, so 23/02",
            computed: matter_due(&matter(
                Denunciation,
                "2026-01-12",
                &[
                    (classify(false, false, 1, true), "2026-01-14"),
                    (Action::Accept, "2026-01-16"),
                ],
            )),
        },
        Row {
            cite: "Law on Complaints 2011 art. 37",
            start: "complaint accepted 09/03/2026",
            conditions: "second time, remote area",
            due: Some(date(2026, 5, 8)),
            why: "60 days, a Friday",
            computed: resolve(false, true, 2),
        },
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 30/06/2026",
            conditions: "before Law 136/2025/QH15 came into force",
            due: Some(date(2026, 7, 14)),
            why: "10 working days: 1-3, 6-10, 13, 14 July",
            computed: matter_due(&matter(Complaint, "2026-06-30", &[])),
        },
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 01/07/2026",
            conditions:
                "on the day Law 136/2025/QH15 came into force (no changed value read: same rule)",
            due: Some(date(2026, 7, 15)),
            why: "10 working days: 2, 3, 6-10, 13, 14, 15 July",
            computed: matter_due(&matter(Complaint, "2026-07-01", &[])),
        },
        Row {
            cite: "Law on Complaints 2011 art. 27",
            start: "complaint received 29/04/2026",
            conditions: "across 30/04 and 1/05 (Thursday and Friday)",
            due: Some(date(2026, 5, 15)),
            why: "10 working days: 4-8 and 11-15 May",
            computed: matter_due(&matter(Complaint, "2026-04-29", &[])),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 30(1)",
            start: "denunciation accepted 09/03/2026",
            conditions: "plain",
            due: Some(date(2026, 4, 8)),
            why: "30 days from acceptance",
            computed: denounced(&[]),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 30(1)",
            start: "denunciation accepted 09/03/2026",
            conditions: "complex, extended once",
            due: Some(date(2026, 5, 8)),
            why: "one extension of at most 30 days",
            computed: denounced(&[extend(false)]),
        },
        Row {
            cite: "Law on Denunciations 2018 art. 30(1)",
            start: "denunciation accepted 09/03/2026",
            conditions: "especially complex, extended twice",
            due: Some(date(2026, 6, 8)),
            why: "two extensions of 30 days: 07/06 is a Sunday",
            computed: denounced(&[extend(false), extend(true)]),
        },
    ]
}

#[test]
fn limits_worked_out_by_hand_from_the_texts() {
    let rows: Vec<Row> = criminal_rows().into_iter().chain(petition_rows()).collect();
    let mut wrong = Vec::new();
    for r in &rows {
        if r.computed != r.due {
            wrong.push(format!(
                "{} — {} ({}): expected {:?}, computed {:?} — {}",
                r.cite, r.start, r.conditions, r.due, r.computed, r.why
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(rows.len() >= 60, "{} rows", rows.len());
}

#[test]
fn the_ladders_end_where_the_law_does() {
    // CPC art. 172(2)-(3): 1, 2, 2 and 3 + 1 extensions of an investigation.
    for (class, n) in [(LS, 1), (S, 2), (VS, 2), (ES, 4)] {
        let mut steps = vec![(Prosecute, "2026-01-05")];
        steps.extend(std::iter::repeat_n((Extend, "2026-01-05"), n));
        let f = case(class, false, "2026-01-05", &steps);
        assert!(advance(&f, Extend, d("2026-01-05")).is_err(), "{class}");
    }
    // Art. 240(1), 277(1): one extension each.
    let p = case(
        S,
        false,
        "2026-01-05",
        &[
            (Prosecute, "2026-01-05"),
            (Conclude, "2026-01-05"),
            (Extend, "2026-01-05"),
        ],
    );
    assert!(advance(&p, Extend, d("2026-01-06")).is_err());
    // Art. 277(2): the 15 days after a court's return are not extended.
    let back = case(
        S,
        false,
        "2026-01-05",
        &[
            (Prosecute, "2026-01-05"),
            (Conclude, "2026-01-05"),
            (Indict, "2026-01-05"),
            (Return, "2026-01-05"),
            (Conclude, "2026-01-05"),
            (Indict, "2026-01-05"),
        ],
    );
    assert!(advance(&back, Extend, d("2026-01-06")).is_err());
    // Art. 174(1): the procuracy returns the file twice at most, and so
    // does the court.
    let twice = case(
        S,
        false,
        "2026-01-05",
        &[
            (Prosecute, "2026-01-05"),
            (Conclude, "2026-01-05"),
            (Return, "2026-01-06"),
            (Conclude, "2026-01-07"),
            (Return, "2026-01-08"),
            (Conclude, "2026-01-09"),
        ],
    );
    assert!(advance(&twice, Return, d("2026-01-10")).is_err());
    // The court may still return it twice.
    let by_court = case(
        S,
        false,
        "2026-01-05",
        &[
            (Prosecute, "2026-01-05"),
            (Conclude, "2026-01-05"),
            (Return, "2026-01-06"),
            (Conclude, "2026-01-07"),
            (Return, "2026-01-08"),
            (Conclude, "2026-01-09"),
            (Indict, "2026-01-10"),
            (Return, "2026-01-11"),
            (Conclude, "2026-01-12"),
            (Indict, "2026-01-13"),
            (Return, "2026-01-14"),
            (Conclude, "2026-01-15"),
            (Indict, "2026-01-16"),
        ],
    );
    assert!(advance(&by_court, Return, d("2026-01-17")).is_err());
    // The receipt is recorded once, and not before the stage began.
    let r = advance(&p, ReceiveFile, d("2026-01-07")).unwrap();
    assert!(advance(&r, ReceiveFile, d("2026-01-08")).is_err());
    let q = case(
        S,
        false,
        "2026-01-05",
        &[(Prosecute, "2026-01-05"), (Conclude, "2026-01-09")],
    );
    assert!(advance(&q, ReceiveFile, d("2026-01-08")).is_err());
    // Law on Denunciations art. 30(1): no second extension unless
    // especially complex.
    let f = matter(
        PetitionKind::Denunciation,
        "2026-03-02",
        &[
            (
                Action::Classify(classified(true, false, 1, true)),
                "2026-03-05",
            ),
            (Action::Accept, "2026-03-09"),
            (extend(false), "2026-03-20"),
        ],
    );
    assert_eq!(
        apply(&f, &extend(false), d("2026-03-21")).unwrap_err(),
        WorkflowError::NoSecondExtension
    );
}
