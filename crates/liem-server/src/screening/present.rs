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

/// The reply to the personnel body as an Excel workbook, in Vietnamese: the
/// round, the instant its data stood at, and a row per candidate with the
/// answer given (or the draft, marked, where none was given yet).
pub fn reply_xlsx(
    vi: &Tr,
    view: &super::service::RoundView,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Tham dinh")?;
    let bold = Format::new().set_bold();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let r = &view.round.brief;
    ws.write_string_with_format(0, 0, &r.unit, &bold)?;
    ws.merge_range(1, 0, 1, 5, &r.title, &title)?;
    ws.write_string(
        2,
        0,
        format!("{}: {}", vi.t("scr-requested-by"), r.requested_by),
    )?;
    ws.write_string(
        3,
        0,
        format!("{}: {}", vi.t("scr-as-of"), vi.instant(view.as_of)),
    )?;
    let heads = [
        "#".to_owned(),
        vi.t("scr-name"),
        vi.t("field-candidates-birth_year"),
        vi.t("scr-post"),
        vi.t("scr-answer"),
        vi.t("scr-amended"),
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(5, c as u16, h, &head)?;
    }
    for (i, c) in view.candidates.iter().enumerate() {
        let row = 6 + i as u32;
        let k = &c.candidate;
        ws.write_number_with_format(row, 0, k.position as f64, &cell)?;
        ws.write_string_with_format(row, 1, &k.full_name, &cell)?;
        match k.birth_year {
            Some(y) => ws.write_number_with_format(row, 2, y as f64, &cell)?,
            None => ws.write_string_with_format(row, 2, "", &cell)?,
        };
        ws.write_string_with_format(row, 3, &k.post, &cell)?;
        let answer = match (&k.answer, c.draft.is_empty()) {
            (Some(a), _) => a.clone(),
            (None, false) => format!("({}) {}", vi.t("scr-draft"), text(vi, &c.draft)),
            (None, true) => vi.t("scr-not-identified"),
        };
        ws.write_string_with_format(row, 4, &answer, &cell)?;
        let amended = match (k.amended, &k.reason) {
            (Some(true), Some(why)) => why.clone(),
            (Some(true), None) => vi.t("scr-amended"),
            _ => String::new(),
        };
        ws.write_string_with_format(row, 5, &amended, &cell)?;
    }
    ws.set_column_width(0, 5)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 28)?;
    ws.set_column_width(4, 60)?;
    ws.set_column_width(5, 28)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    wb.save_to_buffer()
}
