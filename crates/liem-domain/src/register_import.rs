//! An existing register, kept until now in a spreadsheet, read into letters:
//! which column holds what (guessed from the headings a unit's register
//! uses, or named), each row parsed as the intake form would parse it, and
//! every refusal named by its row and cell.
//!
//! The sheet arrives as text cells (the server reads Excel or CSV into
//! them; a date cell arrives as `YYYY-MM-DD`). A row is known again by its
//! key — the old register's own number when a column holds it, else a
//! digest of the row — so importing the same file twice registers nothing
//! the second time.

use crate::petition::{LetterInput, NewLetter, SenderInput};
use crate::text::fold;
use crate::validation::{FieldError, ValidationErrors};
use jiff::civil::Date;
use sha2::{Digest, Sha256};

/// What a column of the old register holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The old register's own number for the letter (the row's key).
    Number,
    /// The day it was received.
    ReceivedOn,
    /// Its kinds (one or more, by name or code).
    Kinds,
    /// How it came (by name or code).
    Channel,
    /// Its field (by name or code).
    Field,
    /// The sender's name (empty: anonymous).
    SenderName,
    /// The sender's address.
    SenderAddress,
    /// The sender's identity card number.
    SenderIdNumber,
    /// The sender's telephone.
    SenderPhone,
    /// Where the matter happened.
    Place,
    /// The subject line (trích yếu).
    Subject,
    /// The summary.
    Summary,
    /// The content.
    Content,
    /// How many signed it.
    Signatories,
    /// The body that forwarded it.
    ForwardedBy,
}

impl Column {
    /// Every column, in the order the intake form has them.
    pub const ALL: [Column; 15] = [
        Column::Number,
        Column::ReceivedOn,
        Column::Kinds,
        Column::Channel,
        Column::Field,
        Column::SenderName,
        Column::SenderAddress,
        Column::SenderIdNumber,
        Column::SenderPhone,
        Column::Place,
        Column::Subject,
        Column::Summary,
        Column::Content,
        Column::Signatories,
        Column::ForwardedBy,
    ];

    /// The code a mapping names it by (`--map "Ngày nhận=received_on"`).
    pub fn code(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::ReceivedOn => "received_on",
            Column::Kinds => "kinds",
            Column::Channel => "channel",
            Column::Field => "field",
            Column::SenderName => "sender_name",
            Column::SenderAddress => "sender_address",
            Column::SenderIdNumber => "sender_id_number",
            Column::SenderPhone => "sender_phone",
            Column::Place => "place",
            Column::Subject => "subject",
            Column::Summary => "summary",
            Column::Content => "content",
            Column::Signatories => "signatories",
            Column::ForwardedBy => "forwarded_by",
        }
    }

    /// The field path the intake's parser names for this column.
    fn field_path(self) -> &'static str {
        match self {
            Column::SenderName => "sender.name",
            Column::SenderAddress => "sender.address",
            Column::SenderIdNumber => "sender.id_number",
            Column::SenderPhone => "sender.phone",
            other => other.code(),
        }
    }

    /// The headings registers are seen to use for it, folded (Vietnamese
    /// without tones, English).
    fn headings(self) -> &'static [&'static str] {
        match self {
            Column::Number => &[
                "so don",
                "so",
                "stt so",
                "so hieu",
                "so vao so",
                "so thu tu",
                "number",
                "reference",
                "ref",
            ],
            Column::ReceivedOn => &[
                "ngay nhan",
                "ngay nhan don",
                "ngay tiep nhan",
                "ngay vao so",
                "received",
                "received on",
                "date received",
            ],
            Column::Kinds => &["loai don", "phan loai", "loai", "kind", "kinds", "type"],
            Column::Channel => &[
                "nguon don",
                "nguon",
                "hinh thuc tiep nhan",
                "channel",
                "source",
            ],
            Column::Field => &["linh vuc", "field"],
            Column::SenderName => &[
                "ho ten nguoi gui",
                "nguoi gui",
                "ho va ten",
                "ho ten",
                "nguoi dung don",
                "sender",
                "sender name",
                "name",
            ],
            Column::SenderAddress => &["dia chi", "dia chi nguoi gui", "address"],
            Column::SenderIdNumber => &[
                "so cccd",
                "cccd",
                "so cmnd",
                "cmnd",
                "so giay to",
                "id number",
                "id card",
            ],
            Column::SenderPhone => &["dien thoai", "so dien thoai", "phone", "telephone"],
            Column::Place => &["noi xay ra", "dia diem", "place"],
            Column::Subject => &["trich yeu", "subject"],
            Column::Summary => &["tom tat", "tom tat noi dung", "noi dung tom tat", "summary"],
            Column::Content => &["noi dung", "noi dung don", "content"],
            Column::Signatories => &["so nguoi ky", "so nguoi", "signatories"],
            Column::ForwardedBy => &[
                "co quan chuyen",
                "co quan chuyen don",
                "don vi chuyen",
                "forwarded by",
            ],
        }
    }

    /// The column a heading names, by its folded text.
    pub fn guess(heading: &str) -> Option<Column> {
        let h = fold(heading);
        Column::ALL
            .into_iter()
            .find(|c| c.headings().contains(&h.as_str()))
    }

    /// Parses a column's code.
    pub fn parse(code: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// Which column of the sheet holds what: one entry per heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The sheet's headings, as written.
    pub headings: Vec<String>,
    /// What each holds (`None`: not imported).
    pub columns: Vec<Option<Column>>,
}

impl Mapping {
    /// The mapping of a sheet: each heading guessed, then `named` pairs
    /// (`heading = column code`, or `heading = -` to leave it out) applied.
    /// Refused: a pair naming a heading the sheet lacks or an unknown code,
    /// a column held twice, and a sheet without the columns every letter
    /// needs (received on, kinds, and a summary or a content).
    pub fn new(
        headings: &[String],
        named: &[(String, String)],
    ) -> Result<Mapping, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let mut columns: Vec<Option<Column>> = headings.iter().map(|h| Column::guess(h)).collect();
        for (heading, code) in named {
            let Some(i) = headings.iter().position(|h| h.trim() == heading.trim()) else {
                errs.add(
                    "map",
                    "unknown_heading",
                    format!("the sheet has no heading \"{heading}\""),
                );
                continue;
            };
            if code.trim() == "-" {
                columns[i] = None;
                continue;
            }
            match Column::parse(code) {
                Some(c) => columns[i] = Some(c),
                None => errs.add(
                    "map",
                    "unknown_value",
                    format!("\"{code}\" is no column of a letter"),
                ),
            }
        }
        for c in Column::ALL {
            let held: Vec<&str> = columns
                .iter()
                .zip(headings)
                .filter(|(x, _)| **x == Some(c))
                .map(|(_, h)| h.as_str())
                .collect();
            if held.len() > 1 {
                errs.add(
                    "map",
                    "duplicate",
                    format!(
                        "{} is held by several headings: {}",
                        c.code(),
                        held.join(", ")
                    ),
                );
            }
        }
        let has = |c: Column| columns.contains(&Some(c));
        for c in [Column::ReceivedOn, Column::Kinds] {
            if !has(c) {
                errs.add("map", "required", format!("no heading holds {}", c.code()));
            }
        }
        if !has(Column::Summary) && !has(Column::Content) {
            errs.add(
                "map",
                "required",
                "no heading holds the summary or the content",
            );
        }
        errs.into_result(Mapping {
            headings: headings.to_vec(),
            columns,
        })
    }

    fn index(&self, c: Column) -> Option<usize> {
        self.columns.iter().position(|x| *x == Some(c))
    }
}

/// A row refused, or one of its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row's number in the sheet (the headings are row 1 when they
    /// stand first).
    pub row: usize,
    /// The cell's column, as a spreadsheet names it (`A`, `B`, … `AA`);
    /// `None` for the row as a whole.
    pub column: Option<String>,
    /// Its heading.
    pub heading: Option<String>,
    /// The rule it broke, and why.
    pub error: FieldError,
}

/// A row read into a letter.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's number in the sheet.
    pub row: usize,
    /// What knows it again: the old register's number, else a digest of
    /// its cells.
    pub key: String,
    /// The letter.
    pub letter: NewLetter,
}

/// A spreadsheet's name for a column (0 → `A`, 26 → `AA`).
pub fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A day as registers write it: `06/12/2026`, `6/12/2026`, `06-12-2026`
/// or `2026-12-06`.
pub fn parse_day(text: &str) -> Option<Date> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some(d);
    }
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let (d, m, y): (i8, i8, i16) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    Date::new(y, m, d).ok()
}

/// A kind, channel or field cell: its code, found by code or by one of the
/// names registers write (folded).
fn code_of(cell: &str, names: &[(&str, &[&str])]) -> String {
    let f = fold(cell);
    names
        .iter()
        .find(|(code, words)| f == fold(code) || words.contains(&f.as_str()))
        .map_or_else(|| cell.trim().to_owned(), |(code, _)| (*code).to_owned())
}

const KINDS: &[(&str, &[&str])] = &[
    ("complaint", &["khieu nai", "don khieu nai", "kn"]),
    ("denunciation", &["to cao", "don to cao", "tc"]),
    (
        "recommendation",
        &["kien nghi", "don kien nghi", "kien nghi phan anh"],
    ),
    ("reflection", &["phan anh", "don phan anh", "pa"]),
];

const CHANNELS: &[(&str, &[&str])] = &[
    (
        "reception_desk",
        &["tiep cong dan", "truc tiep", "tai tru so", "desk"],
    ),
    ("post", &["buu dien", "buu chinh", "qua buu dien", "mail"]),
    ("drop_box", &["hom thu", "hom thu gop y"]),
    (
        "web",
        &["trang dien tu", "cong thong tin", "truc tuyen", "online"],
    ),
    ("hotline", &["duong day nong", "dien thoai"]),
    (
        "forwarded",
        &[
            "co quan chuyen den",
            "chuyen den",
            "co quan to chuc chuyen den",
        ],
    ),
    ("press", &["bao chi"]),
    ("leader_referral", &["lanh dao chuyen", "lanh dao giao"]),
];

const FIELDS: &[(&str, &[&str])] = &[
    (
        "admin_land",
        &["dat dai", "dat dai nha o", "hanh chinh dat dai nha o"],
    ),
    (
        "admin_policy",
        &["che do chinh sach", "hanh chinh che do chinh sach"],
    ),
    (
        "admin_other",
        &["hanh chinh", "hanh chinh khac", "hanh chinh linh vuc khac"],
    ),
    ("judicial", &["tu phap"]),
    ("party", &["dang doan the", "dang"]),
    ("corruption", &["tham nhung", "phong chong tham nhung"]),
    ("other", &["khac", "linh vuc khac"]),
];

/// Reads the sheet's rows (`first_row` is the sheet's number of the first
/// one) into letters as the intake form would parse them on `today`; a
/// row entirely empty is passed over. Each refusal names its row, and its
/// cell where the rule is about one.
pub fn read(
    mapping: &Mapping,
    rows: &[Vec<String>],
    first_row: usize,
    today: Date,
) -> (Vec<Row>, Vec<RowError>) {
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for (i, cells) in rows.iter().enumerate() {
        let row = first_row + i;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Column| -> Option<String> {
            mapping
                .index(c)
                .and_then(|j| cells.get(j))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let mut own = ValidationErrors::new();
        let received_on = match cell(Column::ReceivedOn) {
            Some(t) => match parse_day(&t) {
                Some(d) => Some(d.to_string()),
                None => {
                    own.add("received_on", "date_format", "must be a date (dd/mm/yyyy)");
                    None
                }
            },
            None => None,
        };
        let kinds: Vec<String> = cell(Column::Kinds)
            .map(|t| {
                t.split([',', ';', '/', '+'])
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(|k| code_of(k, KINDS))
                    .collect()
            })
            .unwrap_or_default();
        let signatories = match cell(Column::Signatories) {
            Some(t) => match t.trim_end_matches(".0").parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    own.add(
                        "signatories",
                        "range",
                        "must be a whole number from 1 to 10000",
                    );
                    None
                }
            },
            None => None,
        };
        let name = cell(Column::SenderName);
        let summary = cell(Column::Summary)
            .or_else(|| cell(Column::Content).map(|c| c.chars().take(300).collect()));
        let input = LetterInput {
            kinds,
            channel: Some(
                cell(Column::Channel).map_or_else(|| "post".to_owned(), |c| code_of(&c, CHANNELS)),
            ),
            field: Some(
                cell(Column::Field).map_or_else(|| "other".to_owned(), |c| code_of(&c, FIELDS)),
            ),
            received_on,
            place: cell(Column::Place),
            sender: SenderInput {
                kind: Some(
                    if name.is_some() {
                        "person"
                    } else {
                        "anonymous"
                    }
                    .to_owned(),
                ),
                name,
                id_number: cell(Column::SenderIdNumber),
                address: cell(Column::SenderAddress),
                phone: cell(Column::SenderPhone),
                email: None,
            },
            signatories,
            subject: cell(Column::Subject),
            summary: summary.clone(),
            content: cell(Column::Content).or(summary),
            forwarded_by: cell(Column::ForwardedBy),
            seal_identity: false,
            seal_content: false,
            join_matter: None,
        };
        let parsed = NewLetter::parse(&input, today);
        let mut errors = own.errors;
        match parsed {
            Ok(letter) if errors.is_empty() => {
                let key = cell(Column::Number).unwrap_or_else(|| {
                    let joined = cells
                        .iter()
                        .map(|c| c.trim())
                        .collect::<Vec<_>>()
                        .join("\u{1f}");
                    hex::encode(Sha256::digest(joined.as_bytes()))
                });
                ok.push(Row { row, key, letter });
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                // A rule the row's own reading broke stands once.
                for fe in e.errors {
                    if !errors.iter().any(|x| x.field == fe.field) {
                        errors.push(fe);
                    }
                }
            }
        }
        // The summary and the content stand in for each other: where the
        // sheet holds only one, an empty cell is one refusal, not two.
        for (absent, other) in [(Column::Content, "summary"), (Column::Summary, "content")] {
            if mapping.index(absent).is_none() && errors.iter().any(|e| e.field == other) {
                errors.retain(|e| e.field != absent.code());
            }
        }
        for e in errors {
            let column = Column::ALL
                .into_iter()
                .find(|c| {
                    e.field == c.field_path()
                        || e.field.starts_with(&format!("{}[", c.field_path()))
                })
                .or(match e.field.as_str() {
                    "sender" | "sender.kind" => Some(Column::SenderName),
                    _ => None,
                })
                .and_then(|c| mapping.index(c));
            refused.push(RowError {
                row,
                column: column.map(column_name),
                heading: column.and_then(|j| mapping.headings.get(j).cloned()),
                error: e,
            });
        }
    }
    (ok, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn today() -> Date {
        jiff::civil::date(2026, 12, 6)
    }

    #[test]
    fn headings_of_a_units_register_are_recognised_with_or_without_tones() {
        let m = Mapping::new(
            &s(&[
                "Số đơn",
                "NGÀY NHẬN",
                "Loại đơn",
                "Họ tên người gửi",
                "Địa chỉ",
                "Tóm tắt nội dung",
                "Ghi chú",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            m.columns,
            vec![
                Some(Column::Number),
                Some(Column::ReceivedOn),
                Some(Column::Kinds),
                Some(Column::SenderName),
                Some(Column::SenderAddress),
                Some(Column::Summary),
                None
            ]
        );
    }

    #[test]
    fn a_mapping_names_what_a_guess_missed_and_refuses_what_cannot_be() {
        let h = s(&["Ngày", "Việc", "Nội dung"]);
        let e = Mapping::new(&h, &[]).unwrap_err();
        assert!(e.errors.iter().any(|e| e.message.contains("received_on")));
        let m = Mapping::new(
            &h,
            &[
                ("Ngày".into(), "received_on".into()),
                ("Việc".into(), "kinds".into()),
            ],
        )
        .unwrap();
        assert_eq!(m.columns[0], Some(Column::ReceivedOn));
        let e = Mapping::new(&h, &[("Không có".into(), "kinds".into())]).unwrap_err();
        assert_eq!(e.errors[0].rule, "unknown_heading");
        let e = Mapping::new(
            &s(&["Ngày nhận", "Ngày vào sổ", "Loại đơn", "Nội dung"]),
            &[],
        )
        .unwrap_err();
        assert!(e.errors.iter().any(|e| e.rule == "duplicate"));
    }

    #[test]
    fn rows_become_letters_and_each_refusal_names_its_row_and_cell() {
        let m = Mapping::new(
            &s(&[
                "Số đơn",
                "Ngày nhận",
                "Loại đơn",
                "Người gửi",
                "Số CCCD",
                "Nội dung",
            ]),
            &[],
        )
        .unwrap();
        let rows = vec![
            s(&[
                "12/2026",
                "03/11/2026",
                "Khiếu nại",
                "Trần Văn Bình",
                "",
                "Khiếu nại quyết định thu hồi đất",
            ]),
            s(&[
                "13/2026",
                "31/02/2026",
                "Tố cáo",
                "",
                "",
                "Tố cáo cán bộ xã",
            ]),
            s(&["", "", "", "", "", ""]),
            s(&[
                "14/2026",
                "04/11/2026",
                "Đơn lạ",
                "Lê Thị C",
                "",
                "Nội dung",
            ]),
            s(&[
                "15/2026",
                "05/11/2026",
                "Khiếu nại",
                "Hồ Văn D",
                "12",
                "Khiếu nại về thuế",
            ]),
            s(&[
                "16/2026",
                "2026-11-06",
                "to cao, phan anh",
                "",
                "",
                "Tố cáo và phản ánh",
            ]),
        ];
        let (ok, refused) = read(&m, &rows, 2, today());
        assert_eq!(ok.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 7]);
        assert_eq!(ok[0].key, "12/2026");
        assert_eq!(ok[0].letter.received_on, jiff::civil::date(2026, 11, 3));
        assert_eq!(ok[1].letter.kinds.len(), 2);
        let cells: Vec<(usize, Option<&str>, &str)> = refused
            .iter()
            .map(|e| (e.row, e.column.as_deref(), e.error.rule.as_str()))
            .collect();
        assert!(cells.contains(&(3, Some("B"), "date_format")), "{cells:?}");
        assert!(
            cells.contains(&(5, Some("C"), "unknown_value")),
            "{cells:?}"
        );
        assert!(
            cells.contains(&(6, Some("E"), "id_number_format")),
            "a bad identity card number is refused on its cell: {cells:?}"
        );
        assert_eq!(refused.len(), 3, "{cells:?}");
        assert!(
            refused.iter().all(|e| e.row != 4),
            "an empty row is passed over"
        );
    }

    #[test]
    fn a_row_without_a_number_is_known_again_by_its_cells() {
        let m = Mapping::new(&s(&["Ngày nhận", "Loại đơn", "Nội dung"]), &[]).unwrap();
        let rows = vec![s(&["03/11/2026", "Phản ánh", "Đường hỏng"])];
        let (a, _) = read(&m, &rows, 2, today());
        let (b, _) = read(&m, &rows, 9, today());
        assert_eq!(a[0].key, b[0].key);
        assert_eq!(a[0].key.len(), 64);
    }

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn days_are_read_as_registers_write_them() {
        let d = jiff::civil::date(2026, 12, 6);
        for t in [
            "06/12/2026",
            "6/12/2026",
            "06-12-2026",
            "2026-12-06",
            " 6.12.2026 ",
        ] {
            assert_eq!(parse_day(t), Some(d), "{t}");
        }
        assert_eq!(parse_day("31/02/2026"), None);
        assert_eq!(parse_day("12/2026"), None);
    }
}
