//! An old register imported from Excel, through the real router on SQLite
//! and PostgreSQL: a thousand rows with five bad ones — the dry run names
//! the five and their cells and writes nothing, the import registers the
//! 995, a second run registers nothing, and no one imports outside their
//! reach.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use tower::ServiceExt;

on_both!(a_register_of_a_thousand_rows_with_five_bad_ones_imports_the_rest_once);

/// The bad rows (the sheet's numbers) and the cell each is refused for.
const BAD: [(u32, &str, &str); 5] = [
    (41, "B", "date_format"),
    (202, "C", "unknown_value"),
    (417, "E", "unknown_value"),
    (650, "F", "id_number_format"),
    (999, "H", "required"),
];

/// A unit's register as its Excel file: a title-less sheet, headings on
/// row 1, then a thousand letters (dates as Excel dates, some as text).
fn register() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in [
        "Số đơn",
        "Ngày nhận",
        "Loại đơn",
        "Họ tên người gửi",
        "Lĩnh vực",
        "Số CCCD",
        "Địa chỉ",
        "Nội dung tóm tắt",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..1000u32 {
        let row = i + 1; // 0-based; the sheet calls it i + 2
        let sheet_row = row + 1;
        let bad = BAD.iter().find(|b| b.0 == sheet_row).map(|b| b.1);
        ws.write_string(row, 0, format!("{}/2025", i + 1)).unwrap();
        let day = (i % 28 + 1) as u8;
        match bad {
            Some("B") => ws.write_string(row, 1, "31/02/2025").map(|_| ()).unwrap(),
            _ if i % 3 == 0 => ws
                .write_string(row, 1, format!("{day:02}/{:02}/2025", i % 12 + 1))
                .map(|_| ())
                .unwrap(),
            _ => ws
                .write_datetime_with_format(
                    row,
                    1,
                    ExcelDateTime::from_ymd(2025, (i % 12 + 1) as u8, day).unwrap(),
                    &date,
                )
                .map(|_| ())
                .unwrap(),
        }
        let kind = match (bad, i % 4) {
            (Some("C"), _) => "Đơn lạ",
            (_, 0) => "Khiếu nại",
            (_, 1) => "Tố cáo",
            (_, 2) => "Kiến nghị",
            _ => "Phản ánh",
        };
        ws.write_string(row, 2, kind).unwrap();
        ws.write_string(row, 3, format!("Người gửi số {}", i + 1))
            .unwrap();
        let field = if bad == Some("E") {
            "Thiên văn"
        } else {
            ["Đất đai", "Tư pháp", "Tham nhũng", "Khác"][(i % 4) as usize]
        };
        ws.write_string(row, 4, field).unwrap();
        if bad == Some("F") {
            ws.write_string(row, 5, "12").unwrap();
        } else if i % 5 == 0 {
            ws.write_string(row, 5, format!("0010850{:05}", i)).unwrap();
        }
        ws.write_string(row, 6, "Số 1 phố Huế, Hà Nội").unwrap();
        if bad != Some("H") {
            ws.write_string(
                row,
                7,
                format!("Nội dung đơn số {} về việc ở phường", i + 1),
            )
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(
    app: &common::App,
    who: &str,
    unit: &str,
    dry: bool,
    file: &[u8],
) -> (StatusCode, Value) {
    let dry = if dry { "true" } else { "false" };
    let (ct, body) = common::multipart(
        &[("unit", unit), ("dry_run", dry)],
        &[("file", "so-don-2025.xlsx", file)],
    );
    let req = Request::post("/api/v1/letters/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let s = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn a_register_of_a_thousand_rows_with_five_bad_ones_imports_the_rest_once(app: common::App) {
    let file = register();
    let letters = app.count("letters").await;

    // The dry run names the five rows and their cells, and writes nothing.
    let (s, dry) = import(&app, "clerk.hni", "HNI", true, &file).await;
    assert_eq!(s, StatusCode::OK, "{dry}");
    assert_eq!(dry["rows"], 1000);
    assert_eq!(dry["accepted"], 995);
    assert_eq!(dry["written"], 0);
    let refused: Vec<(u64, String, String)> = dry["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap_or("").to_owned(),
                r["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = BAD
        .iter()
        .map(|(r, c, rule)| (u64::from(*r), (*c).to_owned(), (*rule).to_owned()))
        .collect();
    assert_eq!(refused, expected, "each bad row, its cell and its rule");
    assert!(dry["refused"][0]["heading"] == "Ngày nhận");
    assert_eq!(app.count("letters").await, letters);

    // Outside one's reach or right: nothing.
    let (s, p) = import(&app, "clerk.hcm", "HNI", true, &file).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "unit");
    let (s, _) = import(&app, "auditor.hni", "HNI", false, &file).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = import(&app, "analyst.hni", "HNI", false, &file).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an analyst registers no letters");
    assert_eq!(app.count("letters").await, letters);

    // The import registers the 995, numbered in the unit's register.
    let (s, done) = import(&app, "clerk.hni", "HNI", false, &file).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["written"], 995);
    assert_eq!(done["refused"].as_array().unwrap().len(), 5);
    assert_eq!(app.count("letters").await, letters + 995);
    let refs = done["references"].as_array().unwrap();
    assert_eq!(refs.len(), 995);
    assert!(
        refs.iter()
            .all(|r| r.as_str().unwrap().starts_with("HNI-2025-")),
        "{:?}",
        &refs[..3]
    );
    // Letters as imported: a date written as text and one from an Excel
    // date cell, the sender named — or sealed, for a denunciation.
    let mut found = Vec::new();
    for r in &refs[..3] {
        let uri = format!("/api/v1/letters/by-reference/{}", r.as_str().unwrap());
        found.push(app.call("GET", &uri, Some("leader.hni"), None).await.1);
    }
    let [first, second, third] = [&found[0], &found[1], &found[2]];
    assert_eq!(first["received_on"], "2025-01-01");
    assert_eq!(first["sender_name"], "Người gửi số 1");
    assert_eq!(first["kinds"][0], "complaint");
    assert_eq!(first["field_code"], "admin_land");
    assert_eq!(second["kinds"][0], "denunciation");
    assert_eq!(
        second["sealed"], true,
        "a denouncer is sealed on import too"
    );
    assert_eq!(second["sender_name"], Value::Null);
    assert_eq!(third["received_on"], "2025-03-03", "an Excel date cell");
    assert_eq!(third["kinds"][0], "recommendation");

    // A second run registers nothing.
    let (s, again) = import(&app, "clerk.hni", "HNI", false, &file).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["written"], 0);
    assert_eq!(again["already_imported"], 995);
    assert_eq!(app.count("letters").await, letters + 995);

    // Bytes that are no register are refused, naming the file.
    let (s, p) = import(&app, "clerk.hni", "HNI", true, b"PK\x03\x04 not a workbook").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "file");
}
