//! The standard statistical forms, column by column, as counting rules
//! (Circular 01/2024/TT-TTCP and 06/2025/TT-TTCP on reporting; the layout
//! of the reception, letter-handling, complaint and denunciation forms; the
//! anti-corruption form of the steering committees).
//!
//! Every column is a [`Rule`]; every form carries the arithmetic its rows
//! must satisfy before it is issued (total = carried over + new, and so on).
//! Letters that hold several kinds are counted in the form of each kind they
//! hold, as the paper forms do; matters have one kind each.

use crate::stats::c::{all, any, not, open_at_end, open_at_start};
use crate::stats::{CaseCell, Check, Col, Column, Cond, Form, Measure, Rule, Source};
use std::sync::LazyLock;

fn count(source: Source, cond: Cond) -> Rule {
    Rule::Facts {
        source,
        measure: Measure::Count,
        cond,
    }
}

fn sum(col: Col, cond: Cond) -> Rule {
    Rule::Facts {
        source: col.source(),
        measure: Measure::Sum(col),
        cond,
    }
}

fn col(code: &'static str, rule: Rule) -> Column {
    Column { code, rule }
}

fn check(total: &'static str, parts: &[&'static str]) -> Check {
    Check {
        total,
        parts: parts.to_vec(),
    }
}

/// Form 01/TCD: citizen reception.
fn reception() -> Form {
    use Col::*;
    let held = Cond::InPeriod(VisitHeld);
    // A regular session, or any session the office held, is "regular
    // reception"; the head's periodic and ad hoc sessions are in person or
    // delegated.
    let regular = |kind: Col, host: Col| any([Cond::Is(kind, "regular"), Cond::Is(host, "office")]);
    let by = |kind: Col, host: Col, mode: &'static str| {
        all([not(regular(kind, host)), Cond::Is(host, mode)])
    };
    let s_held = Cond::InPeriod(SessionHeld);
    let visits = |extra: Cond| all([held.clone(), extra]);
    Form {
        code: "01-TCD",
        basis: "Circular 01/2024/TT-TTCP, form 01/TCD; Law on Citizen Reception 2013",
        columns: vec![
            col("sessions", count(Source::Session, s_held.clone())),
            col(
                "sessions_regular",
                count(
                    Source::Session,
                    all([s_held.clone(), regular(SessionKind, SessionHost)]),
                ),
            ),
            col(
                "sessions_head",
                count(
                    Source::Session,
                    all([
                        s_held.clone(),
                        by(SessionKind, SessionHost, "head_in_person"),
                    ]),
                ),
            ),
            col(
                "sessions_delegated",
                count(
                    Source::Session,
                    all([s_held.clone(), by(SessionKind, SessionHost, "delegated")]),
                ),
            ),
            col(
                "sessions_ad_hoc",
                count(
                    Source::Session,
                    all([s_held, Cond::Is(SessionKind, "ad_hoc")]),
                ),
            ),
            col("visits", count(Source::Visit, held.clone())),
            col("people", sum(VisitPeople, held.clone())),
            col(
                "people_regular",
                sum(VisitPeople, visits(regular(VisitSessionKind, VisitHost))),
            ),
            col(
                "people_head",
                sum(
                    VisitPeople,
                    visits(by(VisitSessionKind, VisitHost, "head_in_person")),
                ),
            ),
            col(
                "people_delegated",
                sum(
                    VisitPeople,
                    visits(by(VisitSessionKind, VisitHost, "delegated")),
                ),
            ),
            col("matters", sum(VisitMatters, held.clone())),
            col("matters_first", sum(VisitFirst, held.clone())),
            col("matters_repeat", sum(VisitRepeat, held.clone())),
            col(
                "delegations",
                count(Source::Visit, visits(Cond::Yes(VisitDelegation))),
            ),
            col(
                "delegation_people",
                sum(VisitPeople, visits(Cond::Yes(VisitDelegation))),
            ),
            col(
                "delegation_matters",
                sum(VisitMatters, visits(Cond::Yes(VisitDelegation))),
            ),
            col("complaints", sum(VisitComplaints, held.clone())),
            col("denunciations", sum(VisitDenunciations, held.clone())),
            col("recommendations", sum(VisitRecommendations, held.clone())),
            col("reflections", sum(VisitReflections, held)),
        ],
        checks: vec![
            check(
                "sessions",
                &["sessions_regular", "sessions_head", "sessions_delegated"],
            ),
            check(
                "people",
                &["people_regular", "people_head", "people_delegated"],
            ),
            check("matters", &["matters_first", "matters_repeat"]),
            check(
                "matters",
                &[
                    "complaints",
                    "denunciations",
                    "recommendations",
                    "reflections",
                ],
            ),
        ],
    }
}

/// The channels of the letter-handling forms: (column, channel codes).
pub const CHANNEL_GROUPS: &[(&str, &[&str])] = &[
    // A report by an official to the head of the unit (Anti-Corruption Law
    // 2018, art. 66) is handed in directly, as at the desk.
    ("ch_desk", &["reception_desk", "internal_report"]),
    ("ch_post", &["post", "drop_box"]),
    ("ch_online", &["web", "hotline"]),
    ("ch_forwarded", &["forwarded", "press", "leader_referral"]),
];

/// The fields of the letter-handling forms: (column, field code); letters
/// in any other field count under `f_other`.
pub const FIELD_COLUMNS: &[(&str, &str)] = &[
    ("f_land", "admin_land"),
    ("f_policy", "admin_policy"),
    ("f_admin_other", "admin_other"),
    ("f_judicial", "judicial"),
    ("f_party", "party"),
    ("f_corruption", "corruption"),
];

const KNOWN_FIELDS: &[&str] = &[
    "admin_land",
    "admin_policy",
    "admin_other",
    "judicial",
    "party",
    "corruption",
];

/// Forms 02–04/XLD: letter handling for one group of kinds.
fn letter_handling(code: &'static str, kinds: &'static [&'static str]) -> Form {
    use Col::*;
    let of_kind = any(kinds.iter().map(|k| Cond::Has(LetterKinds, k)));
    let l = |extra: Vec<Cond>| {
        let mut v = vec![of_kind.clone()];
        v.extend(extra);
        count(Source::Letter, all(v))
    };
    let received = Cond::InPeriod(LetterReceived);
    let processed = || vec![Cond::ByEnd(LetterReceived), Cond::InPeriod(LetterProcessed)];
    let with = |mut v: Vec<Cond>, extra: Vec<Cond>| {
        v.extend(extra);
        v
    };
    let mut columns = vec![
        col(
            "carried_over",
            l(vec![
                Cond::Before(LetterReceived),
                open_at_start(LetterProcessed),
            ]),
        ),
        col("received", l(vec![received.clone()])),
        col(
            "total",
            l(vec![
                Cond::ByEnd(LetterReceived),
                open_at_start(LetterProcessed),
            ]),
        ),
        col("processed", l(processed())),
        col(
            "pending",
            l(vec![
                Cond::ByEnd(LetterReceived),
                open_at_end(LetterProcessed),
            ]),
        ),
        col(
            "eligible",
            l(with(processed(), vec![Cond::Yes(LetterEligible)])),
        ),
        col(
            "not_eligible",
            l(with(processed(), vec![Cond::No(LetterEligible)])),
        ),
        col(
            "competent",
            l(with(
                processed(),
                vec![Cond::Yes(LetterEligible), Cond::Yes(LetterCompetent)],
            )),
        ),
        col(
            "not_competent",
            l(with(
                processed(),
                vec![Cond::Yes(LetterEligible), Cond::No(LetterCompetent)],
            )),
        ),
    ];
    for (code, channels) in CHANNEL_GROUPS {
        columns.push(col(
            code,
            l(vec![received.clone(), Cond::In(LetterChannel, channels)]),
        ));
    }
    for (code, field) in FIELD_COLUMNS {
        columns.push(col(
            code,
            l(vec![received.clone(), Cond::Is(LetterField, field)]),
        ));
    }
    columns.push(col(
        "f_other",
        l(vec![
            received.clone(),
            not(Cond::In(LetterField, KNOWN_FIELDS)),
        ]),
    ));
    columns.push(col(
        "collective",
        l(vec![received.clone(), Cond::Yes(LetterCollective)]),
    ));
    columns.push(col(
        "anonymous",
        l(vec![received, Cond::Yes(LetterAnonymous)]),
    ));
    columns.push(col(
        "matters_accepted",
        count(
            Source::Matter,
            all([Cond::In(MatterKind, kinds), Cond::InPeriod(MatterAccepted)]),
        ),
    ));
    let mut channel_parts: Vec<&'static str> = CHANNEL_GROUPS.iter().map(|c| c.0).collect();
    let mut field_parts: Vec<&'static str> = FIELD_COLUMNS.iter().map(|c| c.0).collect();
    field_parts.push("f_other");
    channel_parts.shrink_to_fit();
    Form {
        code,
        basis: "Circular 05/2021/TT-TTCP; Circular 01/2024/TT-TTCP, forms 02–04/XLD",
        columns,
        checks: vec![
            check("total", &["carried_over", "received"]),
            check("total", &["processed", "pending"]),
            check("processed", &["eligible", "not_eligible"]),
            check("eligible", &["competent", "not_competent"]),
            Check {
                total: "received",
                parts: channel_parts,
            },
            Check {
                total: "received",
                parts: field_parts,
            },
        ],
    }
}

/// Forms 05/GQKN and 06/GQTC: resolution of accepted complaints or
/// denunciations; `outcomes` are the outcome columns with their codes.
fn resolution(
    code: &'static str,
    kind: &'static str,
    outcomes: &[(&'static str, &'static str)],
) -> Form {
    use Col::*;
    let m = |extra: Vec<Cond>| {
        let mut v = vec![Cond::Is(MatterKind, kind), Cond::ByEnd(MatterAccepted)];
        v.extend(extra);
        count(Source::Matter, all(v))
    };
    let resolved = || vec![Cond::InPeriod(MatterConcluded)];
    let with = |mut v: Vec<Cond>, extra: Vec<Cond>| {
        v.extend(extra);
        v
    };
    let open_at_start_all = || vec![open_at_start(MatterConcluded), open_at_start(MatterClosed)];
    let mut columns = vec![
        col(
            "carried_over",
            m(with(
                vec![Cond::Before(MatterAccepted)],
                open_at_start_all(),
            )),
        ),
        col("accepted", m(vec![Cond::InPeriod(MatterAccepted)])),
        col("total", m(open_at_start_all())),
        col("resolved", m(resolved())),
        col(
            "withdrawn",
            m(vec![
                Cond::Null(MatterConcluded),
                Cond::InPeriod(MatterClosed),
            ]),
        ),
        col(
            "pending",
            m(with(
                open_at_start_all(),
                vec![open_at_end(MatterConcluded), open_at_end(MatterClosed)],
            )),
        ),
        col(
            "pending_overdue",
            m(with(
                open_at_start_all(),
                vec![
                    open_at_end(MatterConcluded),
                    open_at_end(MatterClosed),
                    Cond::BeforeEnd(MatterDue),
                ],
            )),
        ),
    ];
    let mut outcome_parts = Vec::new();
    for (column, outcome) in outcomes {
        columns.push(col(
            column,
            m(with(resolved(), vec![Cond::Is(MatterOutcome, outcome)])),
        ));
        outcome_parts.push(*column);
    }
    let codes: Vec<&'static str> = outcomes.iter().map(|o| o.1).collect();
    let codes: &'static [&'static str] = Box::leak(codes.into_boxed_slice());
    columns.push(col(
        "outcome_other",
        m(with(resolved(), vec![not(Cond::In(MatterOutcome, codes))])),
    ));
    outcome_parts.push("outcome_other");
    columns.push(col(
        "on_time",
        m(with(resolved(), vec![Cond::No(MatterLate)])),
    ));
    columns.push(col(
        "late",
        m(with(resolved(), vec![Cond::Yes(MatterLate)])),
    ));
    let mut checks = vec![
        check("total", &["carried_over", "accepted"]),
        check("total", &["resolved", "withdrawn", "pending"]),
        Check {
            total: "resolved",
            parts: outcome_parts,
        },
        check("resolved", &["on_time", "late"]),
    ];
    if kind == "complaint" {
        columns.push(col(
            "resolved_first",
            m(with(resolved(), vec![Cond::IntIs(MatterRound, 1)])),
        ));
        columns.push(col(
            "resolved_second",
            m(with(resolved(), vec![Cond::IntIs(MatterRound, 2)])),
        ));
        checks.push(check("resolved", &["resolved_first", "resolved_second"]));
    } else {
        columns.push(col(
            "management_checked",
            count(
                Source::Matter,
                all([
                    Cond::Is(MatterKind, kind),
                    Cond::Is(MatterOutcome, "management_checked"),
                    Cond::InPeriod(MatterConcluded),
                ]),
            ),
        ));
    }
    Form {
        code,
        basis: if kind == "complaint" {
            "Law on Complaints 2011; Circular 01/2024/TT-TTCP, form 05/GQKN"
        } else {
            "Law on Denunciations 2018; Circular 01/2024/TT-TTCP, form 06/GQTC"
        },
        columns,
        checks,
    }
}

/// The anti-corruption form: cases and defendants, monitoring, discipline
/// and assets.
fn anti_corruption() -> Form {
    use CaseCell::*;
    use Col::*;
    let case = |code, cell| col(code, Rule::Case(cell));
    let monitored_at_end = |kind: &'static str| {
        count(
            Source::Monitoring,
            all([
                Cond::ByEnd(MonitoringAdded),
                open_at_end(MonitoringRemoved),
                Cond::Is(MonitoringCaseKind, kind),
            ]),
        )
    };
    let asset = |kind: &'static str, extra: Vec<Cond>| {
        let mut v = vec![Cond::InPeriod(AssetOn), Cond::Is(AssetKind, kind)];
        v.extend(extra);
        all(v)
    };
    let sanctions = |track: &'static str| {
        count(
            Source::Sanction,
            all([
                Cond::InPeriod(SanctionDecided),
                Cond::Is(SanctionTrack, track),
            ]),
        )
    };
    let mut columns = vec![
        case("new_cases", NewCases),
        case("new_defendants", NewDefendants),
        case("carried_cases", CarriedCases),
        case("carried_defendants", CarriedDefendants),
        case("handled_cases", HandledCases),
        case("handled_defendants", HandledDefendants),
        case("added_cases", AddedCases),
        case("added_defendants", AddedDefendants),
        case("concluded_cases", ConcludedCases),
        case("concluded_defendants", ConcludedDefendants),
        case("indicted_cases", IndictedCases),
        case("indicted_defendants", IndictedDefendants),
        case("tried_cases", TriedCases),
        case("tried_defendants", TriedDefendants),
        case("appealed_cases", AppealedCases),
        case("appealed_defendants", AppealedDefendants),
        col("monitored_cases", monitored_at_end("case")),
        col("monitored_incidents", monitored_at_end("incident")),
        col(
            "monitoring_added",
            count(Source::Monitoring, Cond::InPeriod(MonitoringAdded)),
        ),
        col(
            "monitoring_removed",
            count(Source::Monitoring, Cond::InPeriod(MonitoringRemoved)),
        ),
        col(
            "targets_due",
            count(Source::Target, Cond::InPeriod(TargetDue)),
        ),
        col(
            "targets_met",
            count(Source::Target, Cond::InPeriod(TargetMet)),
        ),
        col(
            "targets_overdue",
            count(
                Source::Target,
                all([
                    Cond::ByEnd(TargetDue),
                    open_at_end(TargetMet),
                    open_at_end(TargetRemoved),
                ]),
            ),
        ),
        col("party_discipline", sanctions("party")),
        col("administrative_discipline", sanctions("administrative")),
        col("criminal_sentences", sanctions("criminal")),
        col("damage_vnd", sum(AssetVnd, asset("damage", vec![]))),
        col("to_recover_vnd", sum(AssetVnd, asset("to_recover", vec![]))),
        col("seized_vnd", sum(AssetVnd, asset("seized", vec![]))),
        col("recovered_vnd", sum(AssetVnd, asset("recovered", vec![]))),
    ];
    let mut route_parts = Vec::new();
    for (code, route) in [
        ("recovered_inspection_vnd", "inspection"),
        ("recovered_investigation_vnd", "investigation"),
        ("recovered_court_vnd", "court"),
        ("recovered_enforcement_vnd", "enforcement"),
    ] {
        columns.push(col(
            code,
            sum(
                AssetVnd,
                asset("recovered", vec![Cond::Is(AssetRoute, route)]),
            ),
        ));
        route_parts.push(code);
    }
    columns.push(col(
        "to_recover_m2",
        sum(AssetM2, asset("to_recover", vec![])),
    ));
    columns.push(col(
        "recovered_m2",
        sum(AssetM2, asset("recovered", vec![])),
    ));
    Form {
        code: "07-PCTN",
        basis: "Anti-Corruption Law 2018; Circular 06/2025/TT-TTCP; Criminal Procedure Code 2015",
        columns,
        checks: vec![
            check("handled_cases", &["new_cases", "carried_cases"]),
            check(
                "handled_defendants",
                &["new_defendants", "carried_defendants"],
            ),
            Check {
                total: "recovered_vnd",
                parts: route_parts,
            },
        ],
    }
}

/// The key figures a dashboard and the summary in words show: one
/// indicator each, over every kind (a letter holding two kinds counts once).
fn key_figures() -> Form {
    use CaseCell::*;
    use Col::*;
    let letters = |cond: Cond| count(Source::Letter, cond);
    let processed = || vec![Cond::ByEnd(LetterReceived), Cond::InPeriod(LetterProcessed)];
    let with = |mut v: Vec<Cond>, extra: Vec<Cond>| {
        v.extend(extra);
        all(v)
    };
    let resolved = Cond::InPeriod(MatterConcluded);
    let pick = |code: &str| -> Column {
        let f = anti_corruption();
        f.columns
            .into_iter()
            .find(|c| c.code == code)
            .expect("a column of the anti-corruption form")
    };
    Form {
        code: "00-KEY",
        basis: "Key figures of the dashboard and the summary (every kind together)",
        columns: vec![
            col("letters_received", letters(Cond::InPeriod(LetterReceived))),
            col(
                "letters_carried_over",
                letters(all([
                    Cond::Before(LetterReceived),
                    open_at_start(LetterProcessed),
                ])),
            ),
            col("letters_processed", letters(all(processed()))),
            col(
                "letters_eligible",
                letters(with(processed(), vec![Cond::Yes(LetterEligible)])),
            ),
            col(
                "letters_competent",
                letters(with(
                    processed(),
                    vec![Cond::Yes(LetterEligible), Cond::Yes(LetterCompetent)],
                )),
            ),
            col(
                "matters_accepted",
                count(Source::Matter, Cond::InPeriod(MatterAccepted)),
            ),
            col(
                "matters_resolved",
                count(
                    Source::Matter,
                    all([Cond::ByEnd(MatterAccepted), resolved.clone()]),
                ),
            ),
            col(
                "matters_resolved_late",
                count(
                    Source::Matter,
                    all([Cond::ByEnd(MatterAccepted), resolved, Cond::Yes(MatterLate)]),
                ),
            ),
            col(
                "matters_overdue",
                count(
                    Source::Matter,
                    all([
                        Cond::ByEnd(MatterReceived),
                        open_at_end(MatterConcluded),
                        open_at_end(MatterClosed),
                        Cond::BeforeEnd(MatterDue),
                    ]),
                ),
            ),
            col(
                "reception_sessions",
                count(Source::Session, Cond::InPeriod(SessionHeld)),
            ),
            col(
                "reception_people",
                sum(VisitPeople, Cond::InPeriod(VisitHeld)),
            ),
            col("new_cases", Rule::Case(NewCases)),
            col("new_defendants", Rule::Case(NewDefendants)),
            col("added_cases", Rule::Case(AddedCases)),
            col("added_defendants", Rule::Case(AddedDefendants)),
            col("indicted_defendants", Rule::Case(IndictedDefendants)),
            col("tried_defendants", Rule::Case(TriedDefendants)),
            pick("monitored_cases"),
            pick("monitored_incidents"),
            pick("targets_met"),
            pick("targets_overdue"),
            pick("to_recover_vnd"),
            pick("recovered_vnd"),
            pick("to_recover_m2"),
            pick("recovered_m2"),
        ],
        checks: vec![],
    }
}

static FORMS: LazyLock<Vec<Form>> = LazyLock::new(|| {
    vec![
        key_figures(),
        reception(),
        letter_handling("02-XLD-KN", &["complaint"]),
        letter_handling("03-XLD-TC", &["denunciation"]),
        letter_handling("04-XLD-KNPA", &["recommendation", "reflection"]),
        resolution(
            "05-GQKN",
            "complaint",
            &[
                ("right", "right"),
                ("partly_right", "partly_right"),
                ("wrong", "wrong"),
                ("upheld", "upheld"),
                ("annulled", "annulled_or_amended"),
            ],
        ),
        resolution(
            "06-GQTC",
            "denunciation",
            &[
                ("true", "true"),
                ("partly_true", "partly_true"),
                ("false", "false"),
            ],
        ),
        anti_corruption(),
    ]
});

static BY_FIELD: LazyLock<Vec<(&'static str, Rule)>> = LazyLock::new(|| {
    crate::petition::DEFAULT_FIELDS
        .iter()
        .map(|(code, _, _)| {
            (
                *code,
                count(
                    Source::Letter,
                    all([
                        Cond::InPeriod(Col::LetterReceived),
                        Cond::Is(Col::LetterField, code),
                    ]),
                ),
            )
        })
        .collect()
});

/// Letters received in each field of the default list, every kind together
/// (the dashboard's breakdown): (field code, rule).
pub fn letters_by_field() -> &'static [(&'static str, Rule)] {
    &BY_FIELD
}

/// The rule of one of the key figures (form `00-KEY`).
pub fn key_rule(code: &str) -> Option<&'static Rule> {
    FORMS[0]
        .columns
        .iter()
        .find(|c| c.code == code)
        .map(|c| &c.rule)
}

/// Every standard form, in order.
pub fn all_forms() -> &'static [Form] {
    &FORMS
}

/// A form by code (case-insensitive; `01/TCD` and `01-tcd` both work).
pub fn form(code: &str) -> Option<&'static Form> {
    let want = code.trim().replace('/', "-").to_ascii_uppercase();
    FORMS.iter().find(|f| f.code == want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_names_columns_of_its_form_and_codes_are_unique() {
        for f in all_forms() {
            let mut codes: Vec<&str> = f.columns.iter().map(|c| c.code).collect();
            let n = codes.len();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), n, "{}: duplicate column", f.code);
            for ch in &f.checks {
                assert!(f.index(ch.total).is_some(), "{} {}", f.code, ch.total);
                for p in &ch.parts {
                    assert!(f.index(p).is_some(), "{} {}", f.code, p);
                }
            }
            for c in &f.columns {
                if let Rule::Facts {
                    source,
                    cond,
                    measure,
                } = &c.rule
                {
                    let mut cols = Vec::new();
                    cond.columns(&mut cols);
                    if let Measure::Sum(m) = measure {
                        cols.push(*m);
                    }
                    for col in cols {
                        assert_eq!(col.source(), *source, "{} {}", f.code, c.code);
                    }
                }
            }
        }
        let listed: Vec<&str> = all_forms()
            .iter()
            .filter(|f| f.counts_monitored_lists())
            .map(|f| f.code)
            .collect();
        assert_eq!(listed, vec!["07-PCTN"]);
        assert!(form("01/tcd").is_some());
        assert!(form("07-PCTN").is_some());
        assert!(form("99-X").is_none());
    }
}
