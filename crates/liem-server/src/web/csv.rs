//! CSV documents for download, written with the `csv` crate: RFC 4180
//! quoting, CRLF line ends, UTF-8 with a byte-order mark so that
//! spreadsheet programs read Vietnamese correctly, and cells that a
//! spreadsheet would run as a formula neutralised.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

/// A cell as written: one that starts like a formula (`=`, `+`, `-`, `@`)
/// gets a leading apostrophe, so that a spreadsheet shows it as text.
fn neutralised(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A CSV document (with its byte-order mark) from a header and rows.
pub fn document(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        let lines = std::iter::once(header.iter().map(|h| neutralised(h)).collect::<Vec<_>>())
            .chain(
                rows.iter()
                    .map(|r| r.iter().map(|f| neutralised(f)).collect()),
            );
        for cells in lines {
            // Writing into memory does not fail; a failure would be logged.
            if let Err(e) = w.write_record(cells.iter().map(|c| c.as_bytes())) {
                tracing::error!(error = %e, "writing a CSV record");
            }
        }
        if let Err(e) = w.flush() {
            tracing::error!(error = %e, "writing a CSV document");
        }
    }
    out
}

/// A CSV download named `filename`.
pub fn csv_response(filename: &str, header: &[&str], rows: Vec<Vec<String>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        document(header, &rows),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(header: &[&str], rows: &[Vec<String>]) -> String {
        String::from_utf8(document(header, rows)).unwrap()
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        let rows = vec![vec![
            "plain".to_owned(),
            "a,b".to_owned(),
            "say \"hi\"".to_owned(),
            "=HYPERLINK(\"x\")".to_owned(),
        ]];
        assert_eq!(
            text(&["Tỉnh"], &rows),
            "\u{feff}Tỉnh\r\nplain,\"a,b\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
    }

    proptest! {
        /// Whatever a field holds, the document reads back to the same
        /// cells (formulas neutralised), one record per row.
        #[test]
        fn any_cells_read_back(cells in proptest::collection::vec(".{0,20}", 1..6)) {
            let rows = vec![cells.clone()];
            let bytes = document(&["h"], &rows);
            let body = &bytes[3..];
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
            let back: Vec<String> = r.records().nth(1).unwrap().unwrap().iter().map(str::to_owned).collect();
            let expected: Vec<String> = cells.iter().map(|c| neutralised(c).into_owned()).collect();
            prop_assert_eq!(back, expected);
        }
    }
}
