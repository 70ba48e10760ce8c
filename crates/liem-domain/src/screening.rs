//! The screening of candidates before a Party congress, an election or an
//! appointment: for each candidate, everything the register holds about
//! them — denunciations naming them that are still being handled, cases in
//! which they are a party, sanctions on the three tracks, cases under a
//! committee's monitoring — summarised into a draft answer that a handler
//! confirms or amends with a reason.
//!
//! Only what is explicitly linked to the candidate's person record counts:
//! a letter whose subject a handler linked to the person, a case in which
//! the person is a party, a sanction decided on the person. Matching by
//! name alone would name every namesake.

use crate::people::{Measure as SanctionMeasure, PartyRole, SanctionTrack};
use crate::validation::{optional_text, required_code, required_date, required_text};
use crate::ValidationErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What the screening is for.
    RoundKind {
        /// A Party congress (đại hội Đảng bộ): candidates for the new Party committee.
        Congress = "congress",
        /// An election of a people's council or another elected body.
        Election = "election",
        /// An appointment or re-appointment to a post.
        Appointment = "appointment",
    }
);

/// A screening round as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundInput {
    /// `congress`, `election` or `appointment`.
    pub kind: Option<String>,
    /// The congress or appointment, e.g. "Đại hội Đảng bộ tỉnh lần thứ XVIII".
    pub title: Option<String>,
    /// Its level, e.g. "tỉnh", "xã".
    pub level: Option<String>,
    /// Who asked for the screening (the personnel body).
    pub requested_by: Option<String>,
    /// The day the answer is due, `YYYY-MM-DD`.
    pub deadline: Option<String>,
}

/// A validated round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewRound {
    /// What it is for.
    pub kind: RoundKind,
    /// The congress or appointment.
    pub title: String,
    /// Its level.
    pub level: String,
    /// Who asked.
    pub requested_by: String,
    /// The day the answer is due.
    pub deadline: Date,
}

impl RoundInput {
    /// Checks the round; every broken rule, each naming its field.
    pub fn parse(&self) -> Result<NewRound, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = required_code::<RoundKind>(&mut errs, "kind", self.kind.as_deref());
        let title = required_text(&mut errs, "title", self.title.as_deref().unwrap_or(""), 300);
        let level = required_text(&mut errs, "level", self.level.as_deref().unwrap_or(""), 100);
        let requested_by = required_text(
            &mut errs,
            "requested_by",
            self.requested_by.as_deref().unwrap_or(""),
            300,
        );
        let deadline = required_date(&mut errs, "deadline", self.deadline.as_deref());
        match (kind, deadline) {
            (Some(kind), Some(deadline)) if errs.is_empty() => Ok(NewRound {
                kind,
                title,
                level,
                requested_by,
                deadline,
            }),
            _ => Err(errs),
        }
    }
}

/// A candidate as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateInput {
    /// Full name.
    pub full_name: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Current post and unit.
    pub position: Option<String>,
    /// The person record the candidate is (its id), when a handler has
    /// identified them; without it nothing is found.
    pub person: Option<String>,
}

/// A validated candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCandidate {
    /// Full name.
    pub full_name: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Current post.
    pub position: String,
    /// The person record.
    pub person: Option<uuid::Uuid>,
}

impl CandidateInput {
    /// Checks the candidate; every broken rule, each naming its field
    /// (prefixed, for a list).
    pub fn parse(&self, prefix: &str) -> Result<NewCandidate, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let f = |n: &str| format!("{prefix}{n}");
        let full_name = required_text(
            &mut errs,
            &f("full_name"),
            self.full_name.as_deref().unwrap_or(""),
            200,
        );
        if let Some(y) = self.birth_year {
            if !(1920..=2015).contains(&y) {
                errs.add(&f("birth_year"), "range", "must be between 1920 and 2015");
            }
        }
        let position = optional_text(&mut errs, &f("position"), self.position.as_deref(), 300)
            .unwrap_or_default();
        let person = match self
            .person
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => match p.parse::<uuid::Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    errs.add(&f("person"), "unknown_value", "must be a person's id");
                    None
                }
            },
        };
        errs.into_result(NewCandidate {
            full_name,
            birth_year: self.birth_year,
            position,
            person,
        })
    }
}

/// The candidates of a list read from a sheet (Excel or CSV): columns found
/// by their headings, in Vietnamese, English or French, with or without
/// diacritics — full name (required), year of birth, post, person record.
/// Rows with every cell empty are skipped.
pub fn candidates_from_rows(
    headings: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<CandidateInput>, ValidationErrors> {
    let folded: Vec<String> = headings.iter().map(|h| crate::text::fold(h)).collect();
    let find = |names: &[&str]| folded.iter().position(|h| names.contains(&h.as_str()));
    let Some(name) = find(&[
        "ho va ten",
        "ho ten",
        "full name",
        "name",
        "nom",
        "nom complet",
    ]) else {
        return Err(ValidationErrors::single(
            "file",
            "unknown_heading",
            "the sheet needs a column of full names (Họ và tên)",
        ));
    };
    let year = find(&[
        "nam sinh",
        "year of birth",
        "birth year",
        "annee de naissance",
    ]);
    let post = find(&["chuc vu", "chuc vu, don vi", "position", "post", "fonction"]);
    let person = find(&["ma ho so", "ma ho so nguoi", "person", "person id", "fiche"]);
    let cell = |r: &Vec<String>, i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
    };
    Ok(rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| CandidateInput {
            full_name: cell(r, Some(name)),
            // Not a number: out of range, so the error names the field.
            birth_year: cell(r, year).map(|y| y.parse().unwrap_or(0)),
            position: cell(r, post),
            person: cell(r, person),
        })
        .collect())
}

/// A letter naming the candidate whose matter is still being handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldLetter {
    /// The letter's reference.
    pub reference: String,
    /// The day it was received.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub received_on: Date,
    /// Its matter's kind (`denunciation`, `complaint`…).
    pub kind: String,
    /// Its matter's state.
    pub state: String,
}

/// A case in which the candidate is a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldCase {
    /// The case's reference.
    pub reference: String,
    /// Their role in it.
    pub role: PartyRole,
    /// Its stage.
    pub stage: String,
    /// Whether it is closed.
    pub closed: bool,
    /// Whether a steering committee monitors it.
    pub monitored: bool,
}

/// A sanction decided on the candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldSanction {
    /// Its track.
    pub track: SanctionTrack,
    /// The measure.
    pub measure: SanctionMeasure,
    /// The day it was decided.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub decided_on: Date,
}

/// Everything the register holds about a candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Findings {
    /// Letters naming them whose matter is open.
    pub letters: Vec<HeldLetter>,
    /// Cases in which they are a party.
    pub cases: Vec<HeldCase>,
    /// Sanctions on them.
    pub sanctions: Vec<HeldSanction>,
}

/// One line of a draft answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum DraftLine {
    /// Nothing pending: no denunciation or other petition being handled,
    /// no case, no sanction.
    NothingPending,
    /// Denunciations naming them still being handled.
    Denunciations {
        /// Their references.
        references: Vec<String>,
    },
    /// Other petitions (complaints, reflections) naming them still being handled.
    OtherLetters {
        /// Their references.
        references: Vec<String>,
    },
    /// Cases under way in which they are a party.
    CasesUnderWay {
        /// Their references.
        references: Vec<String>,
        /// How many of them a steering committee monitors.
        monitored: usize,
    },
    /// Closed cases in which they were a party.
    CasesClosed {
        /// Their references.
        references: Vec<String>,
    },
    /// A sanction.
    Sanction {
        /// Its track.
        track: SanctionTrack,
        /// The measure.
        measure: SanctionMeasure,
        /// The day it was decided.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        decided_on: Date,
    },
}

/// The draft answer for a candidate: a line per kind of finding, or that
/// nothing is pending. An unidentified candidate (no person record) has
/// none: the handler must identify them first.
pub fn draft(f: &Findings) -> Vec<DraftLine> {
    let refs = |it: &mut dyn Iterator<Item = &String>| it.cloned().collect::<Vec<_>>();
    let mut out = Vec::new();
    let denunciations = refs(
        &mut f
            .letters
            .iter()
            .filter(|l| l.kind == "denunciation")
            .map(|l| &l.reference),
    );
    if !denunciations.is_empty() {
        out.push(DraftLine::Denunciations {
            references: denunciations,
        });
    }
    let others = refs(
        &mut f
            .letters
            .iter()
            .filter(|l| l.kind != "denunciation")
            .map(|l| &l.reference),
    );
    if !others.is_empty() {
        out.push(DraftLine::OtherLetters { references: others });
    }
    let open: Vec<&HeldCase> = f.cases.iter().filter(|c| !c.closed).collect();
    if !open.is_empty() {
        out.push(DraftLine::CasesUnderWay {
            references: open.iter().map(|c| c.reference.clone()).collect(),
            monitored: open.iter().filter(|c| c.monitored).count(),
        });
    }
    let closed = refs(&mut f.cases.iter().filter(|c| c.closed).map(|c| &c.reference));
    if !closed.is_empty() {
        out.push(DraftLine::CasesClosed { references: closed });
    }
    for s in &f.sanctions {
        out.push(DraftLine::Sanction {
            track: s.track,
            measure: s.measure,
            decided_on: s.decided_on,
        });
    }
    if out.is_empty() {
        out.push(DraftLine::NothingPending);
    }
    out
}

/// The answer given for a candidate: the draft as it stands when no other
/// text is given (or the same text), else the text given, which amends the
/// draft and must say why. The answer and whether it amends the draft.
pub fn settle(
    draft: &str,
    given: Option<String>,
    reason: Option<&str>,
) -> Result<(String, bool), ValidationErrors> {
    match given {
        Some(t) if t.trim() != draft.trim() => {
            if reason.is_none_or(|r| r.trim().is_empty()) {
                Err(ValidationErrors::single(
                    "reason",
                    "required",
                    "an amended answer says why",
                ))
            } else {
                Ok((t, true))
            }
        }
        _ => Ok((draft.trim().to_owned(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn an_answer_confirms_the_draft_or_amends_it_with_a_reason() {
        assert_eq!(
            settle(" Bản nháp. ", None, None),
            Ok(("Bản nháp.".into(), false))
        );
        assert_eq!(
            settle("Bản nháp.", Some("Bản nháp.".into()), None),
            Ok(("Bản nháp.".into(), false))
        );
        assert_eq!(
            settle("Bản nháp.", Some("Khác.".into()), None)
                .unwrap_err()
                .errors[0]
                .field,
            "reason"
        );
        assert_eq!(
            settle("Bản nháp.", Some("Khác.".into()), Some("Hồ sơ mới")),
            Ok(("Khác.".into(), true))
        );
    }

    #[test]
    fn a_clean_candidate_has_nothing_pending() {
        assert_eq!(draft(&Findings::default()), vec![DraftLine::NothingPending]);
    }

    #[test]
    fn each_kind_of_finding_is_a_line_in_a_fixed_order() {
        let f = Findings {
            letters: vec![
                HeldLetter {
                    reference: "HNI-2026-000012".into(),
                    received_on: date(2026, 3, 2),
                    kind: "denunciation".into(),
                    state: "verifying".into(),
                },
                HeldLetter {
                    reference: "HNI-2026-000020".into(),
                    received_on: date(2026, 4, 2),
                    kind: "complaint".into(),
                    state: "accepted".into(),
                },
                HeldLetter {
                    reference: "HNI-2026-000031".into(),
                    received_on: date(2026, 5, 2),
                    kind: "denunciation".into(),
                    state: "received".into(),
                },
            ],
            cases: vec![
                HeldCase {
                    reference: "HNI-VA-2025-000003".into(),
                    role: PartyRole::Convicted,
                    stage: "closed".into(),
                    closed: true,
                    monitored: false,
                },
                HeldCase {
                    reference: "HNI-VA-2026-000007".into(),
                    role: PartyRole::Suspect,
                    stage: "investigation".into(),
                    closed: false,
                    monitored: true,
                },
            ],
            sanctions: vec![HeldSanction {
                track: SanctionTrack::Party,
                measure: SanctionMeasure::Reprimand,
                decided_on: date(2025, 11, 3),
            }],
        };
        assert_eq!(
            draft(&f),
            vec![
                DraftLine::Denunciations {
                    references: vec!["HNI-2026-000012".into(), "HNI-2026-000031".into()]
                },
                DraftLine::OtherLetters {
                    references: vec!["HNI-2026-000020".into()]
                },
                DraftLine::CasesUnderWay {
                    references: vec!["HNI-VA-2026-000007".into()],
                    monitored: 1
                },
                DraftLine::CasesClosed {
                    references: vec!["HNI-VA-2025-000003".into()]
                },
                DraftLine::Sanction {
                    track: SanctionTrack::Party,
                    measure: SanctionMeasure::Reprimand,
                    decided_on: date(2025, 11, 3)
                },
            ]
        );
    }

    #[test]
    fn a_list_of_candidates_is_read_by_its_headings_in_any_language() {
        let rows = vec![
            vec![
                "Trần Văn Bình".into(),
                "".into(),
                "1972".into(),
                "Giám đốc Sở".into(),
            ],
            vec!["".into(), "".into(), "".into(), "".into()],
            vec!["Lê Thị Cúc".into(), "".into(), "".into(), "".into()],
        ];
        let c = candidates_from_rows(
            &[
                "HỌ VÀ TÊN".into(),
                "Ghi chú".into(),
                "Năm sinh".into(),
                "Chức vụ".into(),
            ],
            &rows,
        )
        .unwrap();
        assert_eq!(c.len(), 2, "the empty row is skipped");
        assert_eq!(c[0].full_name.as_deref(), Some("Trần Văn Bình"));
        assert_eq!(c[0].birth_year, Some(1972));
        assert_eq!(c[0].position.as_deref(), Some("Giám đốc Sở"));
        assert_eq!(c[1].birth_year, None);
        let e = candidates_from_rows(&["Năm sinh".into()], &rows).unwrap_err();
        assert_eq!(e.errors[0].rule, "unknown_heading");
    }

    #[test]
    fn a_round_and_a_candidate_name_each_broken_rule() {
        let e = RoundInput {
            kind: Some("coronation".into()),
            title: Some("".into()),
            level: Some("tỉnh".into()),
            requested_by: Some("Ban Tổ chức Tỉnh ủy".into()),
            deadline: Some("30/06/2026".into()),
        }
        .parse()
        .unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("kind", "unknown_value"),
                ("title", "required"),
                ("deadline", "date_format")
            ]
        );
        let e = CandidateInput {
            full_name: None,
            birth_year: Some(1890),
            position: None,
            person: Some("not-an-id".into()),
        }
        .parse("candidates[2].")
        .unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "candidates[2].full_name",
                "candidates[2].birth_year",
                "candidates[2].person"
            ]
        );
    }
}
