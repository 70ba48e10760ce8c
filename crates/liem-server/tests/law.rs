//! A dozen rows of the hand-worked table (`liem-domain/tests/law_by_hand.rs`)
//! through the API, on SQLite and on PostgreSQL: the letter or case
//! registered and moved by requests, the limit read back as a client reads
//! it. Each row: what is done, on which days, and the last day the text
//! gives (worked out by hand in the domain table, with its reasoning).

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

on_both!(
    a_dozen_hand_worked_limits_hold_through_the_api,
    a_complaint_past_its_limitation_is_refused_and_the_other_limits_are_shown,
    a_rule_changed_from_1_july_2026_applies_to_matters_begun_from_then,
    a_rule_changed_on_another_node_or_by_hand_applies_at_once_on_every_node,
    a_reception_is_held_online_from_1_july_2026_with_what_it_was_held_through,
    the_cases_list_says_which_limit_a_late_case_passed_and_by_how_many_days,
    a_denunciations_notices_and_an_internal_report_are_duties_on_the_overdue_list,
    a_continued_denunciation_is_reviewed_within_twenty_days_and_only_a_denunciation_is_continued,
);

async fn letter(app: &common::App, kind: &str, received: &str) -> String {
    register(
        app,
        json!({
            "kinds": [kind], "channel": "post", "field": "admin_land", "received_on": received,
            "sender": {"kind": "person", "name": "Phạm Văn D", "address": "3 Hàng Bài"},
            "summary": "Đơn về thu hồi đất", "content": "Nội dung chi tiết của đơn thư.",
        }),
    )
    .await
}

/// Registers a letter as the clerk; its first matter's id.
async fn register(app: &common::App, body: Value) -> String {
    let (s, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(body))
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

async fn matter(app: &common::App, matter: &str) -> Value {
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/matters/{matter}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn matter_due(app: &common::App, m: &str) -> String {
    matter(app, m).await["deadline"]["due"]
        .as_str()
        .unwrap_or("none")
        .to_owned()
}

/// What the overdue list says of matter `m`: its `column` (`due_rule` for
/// the running step, `duty_rule` for a duty), as the leader reads it.
async fn overdue_rules(app: &common::App, m: &str, column: &str) -> Vec<String> {
    let (s, v) = app
        .call(
            "GET",
            "/api/v1/letters?overdue=true&limit=200",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["matters"].as_array().unwrap().clone())
        .filter(|x| x["id"] == m)
        .filter_map(|x| x[column].as_str().map(str::to_owned))
        .collect()
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

/// Law on Complaints 2011 art. 9 at classification, arts. 44 and 33(1)
/// after a decision, Law on Denunciations 2018 art. 29(2) after an
/// acceptance, through the API.
async fn a_complaint_past_its_limitation_is_refused_and_the_other_limits_are_shown(
    app: common::App,
) {
    let m = letter(&app, "complaint", "2026-06-02").await;
    let known = |extra: Value| {
        let mut c = json!({"eligible": true, "competent": true, "round": 1, "decision_known_on": "2026-03-02"});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        json!({"action": "classify", "on": "2026-06-03", "classification": c})
    };
    // Known on 02/03: the 90 days ended on Monday 01/06 (31/05 a Sunday).
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{m}/actions"),
            Some("leader.hni"),
            Some(known(json!({}))),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "classification.eligible");
    assert_eq!(p["errors"][0]["rule"], "limitation_expired");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2026-06-01"),
        "{p}"
    );
    // Refusing it for the limitation is what the law asks.
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{m}/actions"),
            Some("leader.hni"),
            Some(known(
                json!({"eligible": false, "ineligibility": "limitation_expired"}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // Twenty days in hospital keep another complaint open to 22/06.
    let m = letter(&app, "complaint", "2026-06-02").await;
    let v = act(&app, &m, known(json!({"obstacle_days": 20}))).await;
    let limits = v["limits"].as_array().unwrap();
    assert!(
        limits
            .iter()
            .any(|l| l["code"] == "complaint_limitation" && l["on"] == "2026-06-22"),
        "{v}"
    );
    // And refusing that one for the limitation is refused.
    let m2 = letter(&app, "complaint", "2026-06-01").await;
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{m2}/actions"),
            Some("leader.hni"),
            Some(known(
                json!({"eligible": false, "ineligibility": "limitation_expired"}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["rule"], "limitation_not_expired");
    // Bytes that are not a day name the field.
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{m2}/actions"),
            Some("leader.hni"),
            Some(json!({"action": "classify", "classification": {"eligible": true, "competent": true, "decision_known_on": "02/03/2026"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "classification.decision_known_on");

    // Decided on 20/07: it takes effect, and a second complaint is possible,
    // until Wednesday 19/08 (30 days).
    act(&app, &m, json!({"action": "accept", "on": "2026-06-05"})).await;
    let v = act(&app, &m, json!({"action": "conclude", "on": "2026-07-20", "outcome": "right", "summary": "Khiếu nại đúng"})).await;
    let has = |v: &Value, code: &str, on: &str| {
        v["limits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["code"] == code && l["on"] == on)
    };
    assert!(has(&v, "decision_effective", "2026-08-19"), "{v}");
    assert!(has(&v, "second_complaint_window", "2026-08-19"), "{v}");
    // A denunciation accepted on Thursday 05/03/2026 is notified by 12/03.
    let d = letter(&app, "denunciation", "2026-03-02").await;
    act(&app, &d, classify("2026-03-03", true, false)).await;
    let v = act(&app, &d, json!({"action": "accept", "on": "2026-03-05"})).await;
    assert!(
        has(&v, "denunciation_acceptance_notice", "2026-03-12"),
        "{v}"
    );
}

/// Law 136/2025/QH15 (in force 1 July 2026) could not be read: a national
/// administrator enters a limit it changes as a new version of the rule;
/// a matter begun before keeps the old one, an open matter begun since is
/// counted again.
async fn a_rule_changed_from_1_july_2026_applies_to_matters_begun_from_then(app: common::App) {
    let before = letter(&app, "complaint", "2026-06-30").await;
    let since = letter(&app, "complaint", "2026-07-02").await;
    assert_eq!(matter_due(&app, &since).await, "2026-07-16");
    let uri = "/api/v1/rules/complaint_accept/versions";
    let body = json!({"valid_from": "2026-07-01", "amount": 7, "unit": "working_days",
                      "citation": "Law 136/2025/QH15 (value entered by the administrator)"});
    // Only a national administrator changes the law's limits.
    let (s, _) = app
        .call("POST", uri, Some("admin.hni"), Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .call(
            "POST",
            uri,
            Some("admin"),
            Some(
                json!({"valid_from": "2026-07-01", "amount": 0, "unit": "weeks", "citation": "x"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["unit", "amount", "citation"], "{p}");
    let (s, p) = app
        .call("POST", uri, Some("admin"), Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    // The same day twice is refused, naming the field.
    let (s, p) = app.call("POST", uri, Some("admin"), Some(body)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "valid_from");
    // 7 working days from 02/07: 3, 6, 7, 8, 9, 10, 13 July; the matter of
    // 30/06 keeps 10 working days (14/07); a new one of 01/07 ends 10/07.
    assert_eq!(matter_due(&app, &since).await, "2026-07-13");
    assert_eq!(matter_due(&app, &before).await, "2026-07-14");
    let new = letter(&app, "complaint", "2026-07-01").await;
    assert_eq!(matter_due(&app, &new).await, "2026-07-10");
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/matters/{new}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(
        v["deadline"]["citation"],
        "Law 136/2025/QH15 (value entered by the administrator)"
    );
}

/// Every node holds the calendar and the rules in memory: a change made
/// through another node, or by hand in the database, applies to the next
/// letter on this one (the settings version moves with every change).
async fn a_rule_changed_on_another_node_or_by_hand_applies_at_once_on_every_node(app: common::App) {
    // 10 working days from 02/07/2026 (art. 27, Law on Complaints 2011):
    // 3, 6, 7, 8, 9, 10, 13, 14, 15, 16 July. Read here, so held in memory.
    let first = letter(&app, "complaint", "2026-07-02").await;
    assert_eq!(matter_due(&app, &first).await, "2026-07-16");
    let other = app.second_node();
    let body = json!({"valid_from": "2026-07-01", "amount": 7, "unit": "working_days",
                      "citation": "Law 136/2025/QH15 (value entered by the administrator)"});
    let (s, p) = app
        .call_via(
            &other,
            "POST",
            "/api/v1/rules/complaint_accept/versions",
            Some("admin"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    // 7 working days from 02/07: 13 July, on this node at once.
    let second = letter(&app, "complaint", "2026-07-02").await;
    assert_eq!(matter_due(&app, &second).await, "2026-07-13");
    // By hand: a day off entered straight into the database (Friday 10/07)
    // moves the next letter's last day to Tuesday 14/07.
    let mut tx = app.db.store.begin().await.unwrap();
    liem_store::db::query(
        "INSERT INTO calendar_days (day, kind, name) VALUES ($1, 'day_off', 'by hand')",
    )
    .bind(jiff::civil::date(2026, 7, 10))
    .execute(&mut tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let third = letter(&app, "complaint", "2026-07-02").await;
    assert_eq!(matter_due(&app, &third).await, "2026-07-14");
}

/// Online citizen reception (Law on Citizen Reception art. 3a, added by Law
/// 136/2025/QH15 from 1 July 2026): recorded with its platform, connection
/// points, recording and identity check; refused before the law, and
/// without what it must record.
async fn a_reception_is_held_online_from_1_july_2026_with_what_it_was_held_through(
    app: common::App,
) {
    let session = |held: &str, online: Value| {
        json!({
            "held_on": held, "kind": "periodic", "host": "head_in_person", "host_name": "Chủ tịch UBND tỉnh",
            "visits": [{"people": 1, "first_matters": ["complaint"], "outcome": "answered_on_spot"}],
            "online": online,
        })
    };
    let full = json!({"platform": "Hệ thống tiếp công dân trực tuyến tỉnh", "connection_points": 3,
                      "recording": "Lưu trữ số TCD-2026-0915", "identity_check": "VNeID mức 2"});
    let (s, p) = app
        .call(
            "POST",
            "/api/v1/reception/sessions",
            Some("clerk.hni"),
            Some(session("2026-06-30", full.clone())),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["rule"].as_str()
        ),
        (Some("online"), Some("before_law"))
    );
    let (s, p) = app
        .call(
            "POST",
            "/api/v1/reception/sessions",
            Some("clerk.hni"),
            Some(session(
                "2026-09-15",
                json!({"platform": " ", "connection_points": 0}),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "online.connection_points",
            "online.platform",
            "online.recording",
            "online.identity_check"
        ],
        "{p}"
    );
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/reception/sessions",
            Some("clerk.hni"),
            Some(session("2026-09-15", full)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id: uuid::Uuid = v["id"].as_str().unwrap().parse().unwrap();
    let mut c = app.db.store.conn().await.unwrap();
    let online = liem_store::reception::online_of(&mut c, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (online.connection_points, online.identity_check.as_str()),
        (3, "VNeID mức 2")
    );
}

/// Overdue means overdue (item 8) on the cases register: a late row names
/// the article it passed and the days since.
async fn the_cases_list_says_which_limit_a_late_case_passed_and_by_how_many_days(app: common::App) {
    // Serious, prosecuted 30/11/2025: the 3 months ended on 02/03/2026.
    assert_eq!(
        case_due(&app, "serious", "2025-11-30", 0).await,
        "2026-03-02"
    );
    let late = (liem_server::clock::today() - jiff::civil::date(2026, 3, 2)).get_days();
    let (status, page) = common::page(&app, "handler.hni", "/cases?overdue=true&lang=vi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!(
            "khoản 1 Điều 172 Bộ luật Tố tụng hình sự 2015 · quá hạn {late} ngày"
        )),
        "{page}"
    );
}

/// Law on Denunciations 2018 arts. 29(2) and 34(3), Anti-Corruption Law
/// 2018 art. 66(2), through the API: each duty is shown on the matter with
/// its last day and article, the overdue list names it while it is owed,
/// and recording it done takes it off.
async fn a_denunciations_notices_and_an_internal_report_are_duties_on_the_overdue_list(
    app: common::App,
) {
    fn limit<'a>(v: &'a Value, code: &str) -> &'a Value {
        v["limits"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|l| l["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {v}"))
    }
    // Accepted Friday 24/04/2026 → Wednesday 06/05 (Hùng Kings' day
    // compensated on Monday 27/04; 30/04 and 01/05 off).
    let d = letter(&app, "denunciation", "2026-04-20").await;
    act(&app, &d, classify("2026-04-22", true, false)).await;
    act(&app, &d, json!({"action": "accept", "on": "2026-04-24"})).await;
    let v = matter(&app, &d).await;
    let told = limit(&v, "denunciation_acceptance_notice");
    assert_eq!(told["on"], "2026-05-06", "{v}");
    assert_eq!(told["citation"], "Law on Denunciations 2018, art. 29(2)");
    assert!(told["done_on"].is_null());
    assert!(v["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "send_acceptance_notice"));
    assert_eq!(
        overdue_rules(&app, &d, "duty_rule").await,
        ["denunciation_acceptance_notice"]
    );
    // A notice dated before its decision is refused, naming the dates.
    let (s, e) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{d}/actions"),
            Some("leader.hni"),
            Some(json!({"action": "send_acceptance_notice", "on": "2026-04-23"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    act(
        &app,
        &d,
        json!({"action": "start_verification", "on": "2026-05-07"}),
    )
    .await;
    // Sent on 05/05, recorded after verification began.
    act(
        &app,
        &d,
        json!({"action": "send_acceptance_notice", "on": "2026-05-05"}),
    )
    .await;
    let v = matter(&app, &d).await;
    assert_eq!(
        limit(&v, "denunciation_acceptance_notice")["done_on"],
        "2026-05-05"
    );
    assert!(overdue_rules(&app, &d, "duty_rule").await.is_empty());
    // Suspended Friday 28/08/2026 → Tuesday 08/09 (National Day and the
    // day joined to it, 02–03/09, off).
    act(
        &app,
        &d,
        json!({"action": "suspend", "on": "2026-08-28", "reason": "Chờ giám định"}),
    )
    .await;
    let v = matter(&app, &d).await;
    let sent = limit(&v, "denunciation_suspension_notice");
    assert_eq!(sent["on"], "2026-09-08", "{v}");
    assert_eq!(sent["citation"], "Law on Denunciations 2018, art. 34(3)");
    assert_eq!(
        overdue_rules(&app, &d, "duty_rule").await,
        ["denunciation_suspension_notice"]
    );
    act(
        &app,
        &d,
        json!({"action": "send_suspension_notice", "on": "2026-09-01"}),
    )
    .await;
    assert!(overdue_rules(&app, &d, "duty_rule").await.is_empty());

    // An official's report of corruption, received Friday 30/01/2026: the
    // 15th day is Saturday 14/02, Tết runs 16–20/02, so Monday 23/02.
    let r = register(
        &app,
        json!({
            "kinds": ["reflection"], "channel": "internal_report", "field": "corruption",
            "received_on": "2026-01-30",
            "sender": {"kind": "person", "name": "Lê Thị E", "address": "Phòng Kế toán"},
            "summary": "Báo cáo về việc lập chứng từ khống", "content": "Nội dung báo cáo chi tiết.",
        }),
    )
    .await;
    let v = matter(&app, &r).await;
    let handled = limit(&v, "internal_report_handling");
    assert_eq!(handled["on"], "2026-02-23", "{v}");
    assert_eq!(handled["citation"], "Anti-Corruption Law 2018, art. 66(2)");
    assert_eq!(
        overdue_rules(&app, &r, "duty_rule").await,
        ["internal_report_handling"]
    );
    // An administrator makes Monday 23/02 a day off: the duty's stored day
    // moves with the calendar (recomputed in the same transaction), to 24/02.
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/calendar/days/2026-02-23",
            Some("admin"),
            Some(json!({"kind": "day_off", "name": "Nghỉ bù"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    let v = matter(&app, &r).await;
    assert_eq!(
        limit(&v, "internal_report_handling")["on"],
        "2026-02-24",
        "{v}"
    );
    assert_eq!(v["duty_on"], "2026-02-24", "{v}");
    act(&app, &r, classify("2026-02-02", true, false)).await;
    act(&app, &r, json!({"action": "accept", "on": "2026-02-20"})).await;
    let v = matter(&app, &r).await;
    assert_eq!(
        limit(&v, "internal_report_handling")["done_on"],
        "2026-02-20"
    );
    assert!(overdue_rules(&app, &r, "duty_rule").await.is_empty());
}

/// Law on Denunciations 2018, art. 37(1), as worked out by hand in the
/// domain table: a continued denunciation received Friday 10/04/2026 is
/// reviewed by Monday 04/05 (the 20th day, 30/04, and 1/05 are holidays,
/// then a weekend). Classified on the letter page by a leader, as a clerk's
/// browser posts the form.
async fn a_continued_denunciation_is_reviewed_within_twenty_days_and_only_a_denunciation_is_continued(
    app: common::App,
) {
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(json!({
                "kinds": ["denunciation"], "channel": "post", "field": "admin_land",
                "received_on": "2026-04-10",
                "sender": {"kind": "person", "name": "Phạm Văn D", "address": "3 Hàng Bài"},
                "summary": "Tố cáo tiếp việc giải quyết tố cáo về thu hồi đất",
                "content": "Tôi đã tố cáo, quá hạn chưa được giải quyết nên tố cáo tiếp.",
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let letter_id = v["id"].as_str().unwrap().to_owned();
    let d = v["matters"][0]["id"].as_str().unwrap().to_owned();
    // Before classification the 7-working-day step of art. 24 runs.
    assert_eq!(matter_due(&app, &d).await, "2026-04-21");
    // The page offers the box for a denunciation, in Vietnamese.
    let (s, page) = common::page(&app, "leader.hni", &format!("/petitions/{letter_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("name=\"continued\""), "{page}");
    assert!(page.contains("Tố cáo tiếp (gửi người đứng đầu"), "{page}");
    let (cookie, csrf) = common::session(&app, "leader.hni").await;
    let req = Request::post(format!("/matters/{d}/actions"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&action=classify&letter={letter_id}&on=2026-04-13\
             &eligible=true&competent=true&round=1&continued=true"
        )))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let v = matter(&app, &d).await;
    assert_eq!(v["facts"]["classification"]["continued"], true, "{v}");
    assert_eq!(
        v["deadline"]["code"], "denunciation_continued_review",
        "{v}"
    );
    assert_eq!(v["deadline"]["due"], "2026-05-04", "{v}");
    assert_eq!(
        v["deadline"]["citation"],
        "Law on Denunciations 2018, art. 37(1)"
    );
    // Past that day it is on the overdue list, saying which step.
    assert_eq!(
        overdue_rules(&app, &d, "due_rule").await,
        ["denunciation_continued_review"]
    );
    // The page names the step and its article in Vietnamese.
    let (_, page) = common::page(&app, "leader.hni", &format!("/petitions/{letter_id}")).await;
    assert!(
        page.contains("Xem xét tố cáo tiếp, quyết định có giải quyết lại hay không"),
        "{page}"
    );
    // Resolving it again: the resolution's 30 days run from the
    // acceptance, 30/04 + 30 = Saturday 30/05, so Monday 01/06.
    act(&app, &d, json!({"action": "accept", "on": "2026-04-30"})).await;
    let v = matter(&app, &d).await;
    assert_eq!(v["deadline"]["code"], "denunciation_resolve", "{v}");
    assert_eq!(v["deadline"]["due"], "2026-06-01", "{v}");

    // A complaint is not continued: 422 naming the field, nothing written.
    let c = letter(&app, "complaint", "2026-04-10").await;
    let mut body = classify("2026-04-13", true, false);
    body["classification"]["continued"] = json!(true);
    let (s, e) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{c}/actions"),
            Some("leader.hni"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("classification.continued"), "{e}");
    assert!(e.to_string().contains("denunciation_only"), "{e}");
    assert_eq!(matter(&app, &c).await["facts"]["state"], "received");
}
