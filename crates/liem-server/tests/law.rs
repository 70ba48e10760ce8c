//! A dozen rows of the hand-worked table (`liem-domain/tests/law_by_hand.rs`)
//! through the API, on SQLite and on PostgreSQL: the letter or case
//! registered and moved by requests, the limit read back as a client reads
//! it. Each row: what is done, on which days, and the last day the text
//! gives (worked out by hand in the domain table, with its reasoning).

#[macro_use]
mod common;

use axum::http::StatusCode;
use serde_json::{json, Value};

on_both!(a_dozen_hand_worked_limits_hold_through_the_api);

async fn letter(app: &common::App, kind: &str, received: &str) -> String {
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(json!({
                "kinds": [kind], "channel": "post", "field": "admin_land", "received_on": received,
                "sender": {"kind": "person", "name": "Phạm Văn D", "address": "3 Hàng Bài"},
                "summary": "Đơn về thu hồi đất", "content": "Nội dung chi tiết của đơn thư.",
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["matters"][0]["id"].as_str().unwrap().to_owned()
}

async fn act(app: &common::App, matter: &str, body: Value) -> Value {
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{matter}/actions"),
            Some("leader.hni"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}: {v}");
    v
}

fn classify(on: &str, competent: bool, complex: bool) -> Value {
    let mut c = json!({"eligible": true, "competent": competent, "round": 1, "complex": complex});
    if !competent {
        c["competent_body"] = json!("state_administration");
    }
    json!({"action": "classify", "on": on, "classification": c})
}

async fn matter_due(app: &common::App, matter: &str) -> String {
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/matters/{matter}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["deadline"]["due"].as_str().unwrap_or("none").to_owned()
}

async fn case_due(app: &common::App, class: &str, prosecuted: &str, extensions: usize) -> String {
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some("handler.hni"),
            Some(json!({
                "kind": "case", "title": "Vụ án tham ô tài sản", "summary": "Sai phạm trong quản lý ngân sách",
                "source": "inspection", "field": "corruption", "opened_on": prosecuted, "class": class,
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let steps = std::iter::once("prosecute").chain(std::iter::repeat_n("extend", extensions));
    for action in steps {
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/stage"),
                Some("handler.hni"),
                Some(json!({"action": action, "on": prosecuted})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["limit"]["due"].as_str().unwrap_or("none").to_owned()
}

async fn a_dozen_hand_worked_limits_hold_through_the_api(app: common::App) {
    let mut got: Vec<(&str, String, &str)> = Vec::new();
    let m = letter(&app, "complaint", "2026-01-08").await;
    got.push((
        "Complaints art. 27, across the worked Saturday 10/01/2026",
        matter_due(&app, &m).await,
        "2026-01-21",
    ));
    let m = letter(&app, "denunciation", "2025-12-30").await;
    got.push((
        "Denunciations art. 24(1), ending on the worked Saturday",
        matter_due(&app, &m).await,
        "2026-01-10",
    ));
    let m = letter(&app, "denunciation", "2025-01-31").await;
    act(&app, &m, classify("2025-02-03", false, false)).await;
    got.push((
        "Denunciations art. 24(1), outside competence, Tết 2025 as announced",
        matter_due(&app, &m).await,
        "2025-02-07",
    ));
    let m = letter(&app, "denunciation", "2025-04-28").await;
    act(&app, &m, classify("2025-04-29", false, false)).await;
    got.push((
        "Denunciations art. 24(1), outside competence, 2/05/2025 off",
        matter_due(&app, &m).await,
        "2025-05-08",
    ));
    let m = letter(&app, "complaint", "2026-01-26").await;
    act(&app, &m, classify("2026-01-28", true, false)).await;
    act(&app, &m, json!({"action": "accept", "on": "2026-01-30"})).await;
    got.push((
        "Complaints art. 28, across a month end",
        matter_due(&app, &m).await,
        "2026-03-02",
    ));
    let m = letter(&app, "complaint", "2026-01-02").await;
    act(&app, &m, classify("2026-01-05", true, true)).await;
    act(&app, &m, json!({"action": "accept", "on": "2026-01-05"})).await;
    got.push((
        "Complaints art. 28, complex, across Tết",
        matter_due(&app, &m).await,
        "2026-02-23",
    ));
    let m = letter(&app, "denunciation", "2026-01-12").await;
    act(&app, &m, classify("2026-01-14", true, false)).await;
    act(&app, &m, json!({"action": "accept", "on": "2026-01-16"})).await;
    got.push((
        "Denunciations art. 30(1), across Tết",
        matter_due(&app, &m).await,
        "2026-02-23",
    ));
    let m = letter(&app, "complaint", "2026-06-30").await;
    got.push((
        "Complaints art. 27, before 1 July 2026",
        matter_due(&app, &m).await,
        "2026-07-14",
    ));
    let m = letter(&app, "complaint", "2026-07-01").await;
    got.push((
        "Complaints art. 27, from 1 July 2026",
        matter_due(&app, &m).await,
        "2026-07-15",
    ));
    let m = letter(&app, "complaint", "2026-02-13").await;
    got.push((
        "Complaints art. 27, across Tết 2026",
        matter_due(&app, &m).await,
        "2026-03-06",
    ));
    got.push((
        "CPC art. 172(2)(d), especially serious, first extension",
        case_due(&app, "especially_serious", "2026-01-12", 1).await,
        "2026-09-14",
    ));
    got.push((
        "CPC art. 172(1), serious, from 30/11/2025",
        case_due(&app, "serious", "2025-11-30", 0).await,
        "2026-03-02",
    ));
    let wrong: Vec<String> = got
        .iter()
        .filter(|(_, g, want)| g != want)
        .map(|(row, g, want)| format!("{row}: expected {want}, got {g}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(got.len(), 12);
}
