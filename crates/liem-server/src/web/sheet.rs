//! Tables uploaded as an Excel workbook or a CSV file, read as text: the
//! registers imported as letters, the lists of candidates to screen.

use crate::web::error::{AppError, AppResult};
use liem_domain::ValidationErrors;

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

/// A sheet as text: its headings, its rows, and the sheet's number of the
/// first row.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The headings (the first row that is not empty).
    pub headings: Vec<String>,
    /// The rows after it.
    pub rows: Vec<Vec<String>>,
    /// The sheet's number of the first of `rows`.
    pub first_row: usize,
}

fn unreadable(why: impl std::fmt::Display) -> AppError {
    AppError::Validation(ValidationErrors::single(
        "file",
        "file_format",
        format!("must be an Excel workbook (.xlsx) or a CSV file: {why}"),
    ))
}

/// Reads the first worksheet of an Excel workbook, or a CSV file (UTF-8,
/// with or without a byte-order mark), into text: a date cell becomes
/// `YYYY-MM-DD`, a whole number loses its `.0`.
pub fn read_sheet(filename: &str, bytes: &[u8]) -> AppResult<Sheet> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_csv = filename.to_ascii_lowercase().ends_with(".csv") || !is_zip;
    let mut all: Vec<(usize, Vec<String>)> = Vec::new();
    if is_csv {
        let text = std::str::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text"))?;
        let text = text.trim_start_matches('\u{feff}');
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(unreadable)?;
            all.push((i + 1, rec.iter().map(str::to_owned).collect()));
            if all.len() > MAX_ROWS + 1 {
                break;
            }
        }
    } else {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(unreadable)?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable("no worksheet"))?
            .map_err(unreadable)?;
        let top = range.start().map_or(0, |(r, _)| r as usize);
        let left = range.start().map_or(0, |(_, c)| c as usize);
        for (i, row) in range.rows().enumerate() {
            // Cells left of the range are empty: keep the columns where the
            // sheet has them, so that a cell's letter is the sheet's own.
            let mut cells = vec![String::new(); left];
            cells.extend(row.iter().map(cell_text));
            all.push((top + i + 1, cells));
            if all.len() > MAX_ROWS + 1 {
                break;
            }
        }
    }
    let mut rows = all
        .into_iter()
        .skip_while(|(_, r)| r.iter().all(|c| c.trim().is_empty()));
    let Some((head_row, headings)) = rows.next() else {
        return Err(unreadable("the sheet is empty"));
    };
    let rows: Vec<Vec<String>> = rows.map(|(_, r)| r).collect();
    if rows.len() > MAX_ROWS {
        return Err(AppError::Validation(ValidationErrors::single(
            "file",
            "too_many_rows",
            format!("holds more than {MAX_ROWS} rows: split it"),
        )));
    }
    Ok(Sheet {
        headings: headings.iter().map(|h| h.trim().to_owned()).collect(),
        rows,
        first_row: head_row + 1,
    })
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}
