//! Exports of a report: Excel laid out like the paper form, and CSV.

use crate::Report;
use liem_domain::forms;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// The words an export needs, in the reader's language. `label(key)` turns a
/// translation key into text: `rp-f-{form}` the form's title,
/// `rp-c-{column}` a column's heading, and the `rp-x-*` keys of the layout.
pub struct Words<'a> {
    /// The translator.
    pub label: &'a dyn Fn(&str) -> String,
    /// Right-to-left (Arabic).
    pub rtl: bool,
}

/// The header arithmetic of a form: for each column, `n` or `n = a + b`
/// with the numbers of the columns it adds up.
pub fn column_formulas(form: &liem_domain::stats::Form) -> Vec<String> {
    form.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let n = i + 1;
            match form.checks.iter().find(|ch| ch.total == c.code) {
                Some(ch) => {
                    let parts: Vec<String> = ch
                        .parts
                        .iter()
                        .map(|p| (form.index(p).expect("checked") + 1).to_string())
                        .collect();
                    format!("({n}) = {}", parts.join(" + "))
                }
                None => format!("({n})"),
            }
        })
        .collect()
}

/// The report as CSV: one line per row and the total, with column codes as
/// headers (stable for other systems), in UTF-8 with a byte-order mark so
/// that a spreadsheet program reads the units' Vietnamese names rightly.
pub fn csv(report: &Report) -> String {
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(report.rows.len() + 2);
    let mut head = vec![
        "unit_code".to_owned(),
        "unit_name".to_owned(),
        "own".to_owned(),
    ];
    head.extend(report.columns.iter().cloned());
    lines.push(head);
    for r in &report.rows {
        let mut line = vec![r.unit.code.clone(), r.unit.name.clone(), r.own.to_string()];
        line.extend(r.cells.iter().map(i64::to_string));
        lines.push(line);
    }
    let mut total = vec![
        "total".to_owned(),
        report.unit.name.clone(),
        "false".to_owned(),
    ];
    total.extend(report.total.iter().map(i64::to_string));
    lines.push(total);
    let mut out = Vec::new();
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        for line in &lines {
            // Writing into memory does not fail; every line has the same width.
            w.write_record(line).ok();
        }
        w.flush().ok();
    }
    let mut text = String::from("\u{feff}");
    text.push_str(&String::from_utf8(out).unwrap_or_default());
    text
}

/// The report as an Excel workbook laid out like the paper form: the unit
/// and the form's number at the top, the title and period, the column
/// headings with their arithmetic row, one row per unit, the total, and the
/// signature block.
pub fn xlsx(report: &Report, words: &Words<'_>) -> Result<Vec<u8>, XlsxError> {
    let t = words.label;
    let form = forms::form(&report.form).expect("a report of a known form");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(report.form.as_str())?;
    if words.rtl {
        ws.set_right_to_left(true);
    }
    let n = report.columns.len() as u16;
    let last = n + 1;
    let bold = Format::new().set_bold();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let center = Format::new().set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let arith = Format::new()
        .set_italic()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");
    let text = Format::new().set_border(FormatBorder::Thin);
    let total = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");

    // Row 1: the unit (left) and the form's number (right).
    ws.write_string_with_format(0, 0, &report.unit.name, &bold)?;
    ws.write_string_with_format(
        0,
        last,
        format!(
            "{} {}",
            t("rp-x-form-number"),
            report.form.replace('-', "/")
        ),
        &bold,
    )?;
    // Rows 2–4: title, period, basis.
    ws.merge_range(1, 0, 1, last, &t(&format!("rp-f-{}", report.form)), &title)?;
    ws.merge_range(
        2,
        0,
        2,
        last,
        &format!(
            "{} {} – {} ({})",
            t("rp-x-period"),
            report.period.from,
            report.period.to,
            report.period.label
        ),
        &center,
    )?;
    ws.merge_range(3, 0, 3, last, &report.basis, &center)?;
    // Row 6: headings; row 7: arithmetic.
    let hr = 5u32;
    ws.set_row_height(hr, 60)?;
    ws.write_string_with_format(hr, 0, t("rp-x-unit-code"), &head)?;
    ws.write_string_with_format(hr, 1, t("rp-x-unit"), &head)?;
    ws.write_string_with_format(hr + 1, 0, "A", &arith)?;
    ws.write_string_with_format(hr + 1, 1, "B", &arith)?;
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 36)?;
    for (i, (c, f)) in report.columns.iter().zip(column_formulas(form)).enumerate() {
        let col = i as u16 + 2;
        ws.set_column_width(col, 14)?;
        ws.write_string_with_format(hr, col, t(&format!("rp-c-{c}")), &head)?;
        ws.write_string_with_format(hr + 1, col, f, &arith)?;
    }
    // The rows, then the total.
    let mut r = hr + 2;
    for row in &report.rows {
        ws.write_string_with_format(r, 0, &row.unit.code, &text)?;
        let name = if row.own {
            format!("{} ({})", row.unit.name, t("rp-x-own"))
        } else {
            row.unit.name.clone()
        };
        ws.write_string_with_format(r, 1, name, &text)?;
        for (i, v) in row.cells.iter().enumerate() {
            ws.write_number_with_format(r, i as u16 + 2, *v as f64, &cell)?;
        }
        r += 1;
    }
    ws.write_string_with_format(r, 0, "total", &total)?;
    ws.write_string_with_format(r, 1, t("rp-x-total"), &total)?;
    for (i, v) in report.total.iter().enumerate() {
        ws.write_number_with_format(r, i as u16 + 2, *v as f64, &total)?;
    }
    // Signature block.
    let s = r + 3;
    ws.write_string(s, last.saturating_sub(3), t("rp-x-place-date"))?;
    ws.write_string_with_format(s + 1, 1, t("rp-x-preparer"), &bold)?;
    ws.write_string_with_format(s + 1, last.saturating_sub(3), t("rp-x-head"), &bold)?;
    ws.write_string(s + 2, 1, t("rp-x-sign"))?;
    ws.write_string(s + 2, last.saturating_sub(3), t("rp-x-sign-seal"))?;
    ws.write_string(
        s + 7,
        0,
        format!(
            "{} {} · {}",
            t("rp-x-data-version"),
            report.data_version,
            report.tree.as_str()
        ),
    )?;
    if let Some(cp) = &report.checkpoint {
        ws.write_string(s + 8, 0, format!("{} {cp}", t("rp-x-checkpoint")))?;
    }
    // The paper form's page set-up: A4 landscape, every column on the page
    // (as many pages down as it takes), the headings and their arithmetic
    // repeated on each page, the form and its footer as the print area,
    // and the page's number in the footer.
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(hr, hr + 1)?;
    ws.set_print_area(0, 0, s + 8, last)?;
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    ws.set_footer("&C&P / &N");
    wb.save_to_buffer()
}
