//! A draft answer in the reader's words: one sentence per finding, as the
//! reply to the personnel body writes them.

use crate::i18n::Tr;
use liem_domain::screening::DraftLine;

/// The draft's lines as sentences.
pub fn lines(tr: &Tr, draft: &[DraftLine]) -> Vec<String> {
    draft
        .iter()
        .map(|l| match l {
            DraftLine::NothingPending => tr.t("scr-nothing-pending"),
            DraftLine::Denunciations { references } => tr.t_args(
                "scr-denunciations",
                &[
                    ("n", references.len().to_string()),
                    ("refs", references.join(", ")),
                ],
            ),
            DraftLine::OtherLetters { references } => tr.t_args(
                "scr-other-letters",
                &[
                    ("n", references.len().to_string()),
                    ("refs", references.join(", ")),
                ],
            ),
            DraftLine::CasesUnderWay {
                references,
                monitored,
            } => tr.t_args(
                "scr-cases-under-way",
                &[
                    ("n", references.len().to_string()),
                    ("refs", references.join(", ")),
                    ("monitored", monitored.to_string()),
                ],
            ),
            DraftLine::CasesClosed { references } => tr.t_args(
                "scr-cases-closed",
                &[
                    ("n", references.len().to_string()),
                    ("refs", references.join(", ")),
                ],
            ),
            DraftLine::Sanction {
                track,
                measure,
                decided_on,
            } => tr.t_args(
                "scr-sanction",
                &[
                    ("track", tr.code("cs-track", track.as_str())),
                    ("measure", tr.code("cs-measure", measure.as_str())),
                    ("date", tr.date(*decided_on)),
                ],
            ),
        })
        .collect()
}

/// The draft as one text: its sentences, each ending with a full stop.
pub fn text(tr: &Tr, draft: &[DraftLine]) -> String {
    lines(tr, draft)
        .iter()
        .map(|s| format!("{}.", s.trim_end_matches('.')))
        .collect::<Vec<_>>()
        .join(" ")
}
