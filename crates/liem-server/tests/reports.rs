//! Statistics through the real router, on SQLite and on PostgreSQL: every
//! column of every form for a commune, its province and the nation against
//! values counted by hand; the database's aggregation against the domain's
//! rules evaluated in Rust; the records behind a figure; issuing and
//! versions; the merger map; Excel checked with openpyxl; who may see what.

#[macro_use]
mod common;

use axum::http::StatusCode;
use jiff::civil::date;
use liem_domain::forms::all_forms;
use liem_domain::role::Role;
use liem_domain::stats::{Period, Source};
use liem_domain::unit::UnitKind;
use liem_store::audit::Actor;
use liem_store::units;
use serde_json::{json, Value};

on_both!(
    every_form_matches_the_hand_count_for_a_commune_its_province_and_the_nation,
    a_report_before_a_merger_has_the_same_national_totals_on_both_trees,
    each_unit_counts_what_it_received_and_did_and_a_closed_quarter_stays_closed,
    a_snapshot_of_the_model_gives_its_figures_and_is_refused_when_not_its_own,
    before_the_model_is_loaded_the_database_counts_the_same_figures,
    the_dashboard_names_its_periods_and_a_wrong_one_in_the_readers_language,
);

struct L<'a> {
    kinds: &'a [&'a str],
    channel: &'a str,
    field: &'a str,
    received: &'a str,
    anonymous: bool,
    signatories: u32,
}

fn l<'a>(kinds: &'a [&'a str], channel: &'a str, field: &'a str, received: &'a str) -> L<'a> {
    L {
        kinds,
        channel,
        field,
        received,
        anonymous: false,
        signatories: 1,
    }
}

/// Registers a letter; returns its matters' ids by kind.
/// The dashboard names a quarter and the same quarter a year before as a
/// Vietnamese reader does (not as the spans of days the request carries),
/// and a period it cannot read is explained in Vietnamese, by its label.
async fn the_dashboard_names_its_periods_and_a_wrong_one_in_the_readers_language(app: common::App) {
    let (s, html) = common::page(&app, "leader.hni", "/dashboard?unit=HNI&period=2025-Q3").await;
    assert_eq!(s, StatusCode::OK);
    let head = common::between(&html, "id=\"db-figures\"", "</thead>").expect("the figures");
    assert!(
        head.contains(">Quý 3/2025<") && head.contains(">Quý 3/2024<"),
        "{head}"
    );
    assert!(html.contains("so với cùng kỳ Quý 3/2024"), "{html}");
    assert!(!html.contains("2024-07-01"), "no ISO span on the page");
    let (s, html) = common::page(&app, "leader.hni", "/dashboard?unit=HNI&period=2025-Q7").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let alert = common::between(&html, "role=\"alert\">", "</p>").expect("the error");
    assert!(
        alert.starts_with("Dữ liệu chưa hợp lệ: Kỳ báo cáo: không đúng mẫu; ghi theo"),
        "{alert}"
    );
    assert!(!alert.contains("not understood"), "{alert}");
}

async fn letter(app: &common::App, who: &str, x: L<'_>) -> Vec<(String, String)> {
    let sender = if x.anonymous {
        json!({"kind": "anonymous"})
    } else {
        json!({"kind": "person", "name": "Nguyễn Văn A", "address": "12 Phố Huế"})
    };
    let mut body = json!({
        "kinds": x.kinds, "channel": x.channel, "field": x.field, "received_on": x.received,
        "sender": sender, "summary": "Nội dung đơn", "content": "Nội dung chi tiết của đơn thư.",
        "signatories": x.signatories,
    });
    if x.channel == "forwarded" {
        body["forwarded_by"] = json!("Đoàn đại biểu Quốc hội");
    }
    let (s, v) = app
        .call("POST", "/api/v1/letters", Some(who), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn act(app: &common::App, who: &str, matter: &str, body: Value) {
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{matter}/actions"),
            Some(who),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}: {v}");
}

fn classify(on: &str, eligible: bool, competent: bool, round: u8) -> Value {
    let mut c = json!({"eligible": eligible, "competent": competent, "round": round});
    if !eligible {
        c["ineligibility"] = json!("unsigned");
    }
    if !competent {
        c["competent_body"] = json!("state_administration");
    }
    json!({"action": "classify", "on": on, "classification": c})
}

async fn post(app: &common::App, who: &str, uri: &str, body: Value) -> Value {
    let (s, v) = app.call("POST", uri, Some(who), Some(body.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{uri} {body}: {v}");
    v
}

fn case(kind: &str, title: &str, opened: &str) -> Value {
    json!({
        "kind": kind, "title": title, "summary": "Sai phạm trong quản lý đất đai",
        "source": "inspection", "field": "corruption", "opened_on": opened, "class": "very_serious"
    })
}

async fn stage(app: &common::App, who: &str, id: &str, action: &str, on: &str) {
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/stage"),
            Some(who),
            Some(json!({"action": action, "on": on})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{action}: {v}");
}

async fn accused(app: &common::App, who: &str, case: &str, name: &str, on: &str) {
    post(
        app,
        who,
        &format!("/api/v1/cases/{case}/parties"),
        json!({"person": {"full_name": name}, "role": "accused", "prosecuted_on": on}),
    )
    .await;
}

async fn asset(app: &common::App, who: &str, case: &str, body: Value) {
    post(app, who, &format!("/api/v1/cases/{case}/assets"), body).await;
}

/// The fixed data set (period 2026-H1 = 1 January – 30 June 2026):
///
/// Commune HNI-X01 (a leader who also takes in letters and visitors):
/// - L1 complaint, post, land, received 10 Dec 2025, classified 15 Dec,
///   accepted 20 Dec, concluded "right" 10 Jan 2026 (on time);
/// - L2 complaint, desk, land, received 2 Feb, classified 5 Feb, accepted
///   10 Feb, pending (due 12 Mar: overdue at the period's end);
/// - L3 anonymous denunciation, web, corruption, received 1 Mar, not
///   eligible, checked for management and concluded 1 Apr;
/// - L4 recommendation, post, other field, received 25 Jun, unclassified;
/// - reception 2 Mar (regular): 1 person with a complaint; a delegation of 6
///   with a new denunciation and a repeated complaint;
/// - case C1 prosecuted 1 Feb with D1, investigation concluded 1 Mar,
///   indicted 1 Apr, tried 1 May, appealed 10 May; 10 bn to recover, 4 bn
///   recovered (investigation); incident I1 (monitored by Hà Nội from 1 Mar).
///
/// Province HNI itself:
/// - L5 denunciation, forwarded, corruption, received 20 Nov 2025,
///   classified 5 Jan, accepted 8 Jan, concluded "partly true" 20 Mar (late:
///   due 9 Feb);
/// - L6 complaint + denunciation, post, policy, 6 signatories, received
///   1 Apr; the complaint not competent and transferred 5 Apr, the
///   denunciation unclassified;
/// - L7 second-round complaint, desk, land, received 5 May, accepted 7 May,
///   upheld 30 May;
/// - L8 complaint, hotline, judicial, received 28 Dec 2025, classified
///   2 Jul 2026 (after the period);
/// - reception 15 Apr (head in person): 2 people with a recommendation;
///   1 Dec 2025: 1 person (outside the period);
/// - case C2 prosecuted 1 Oct 2025 with D2, D3; D4 added 10 Jan 2026;
///   investigation concluded 15 Feb, indicted 20 Mar; monitored from 15 Jan
///   with targets 1 Mar (met 15 Feb), 1 Apr (met 20 Mar), 15 Jun (missed);
///   damage 20 bn, seized 3 bn, 6 bn recovered by the court, 5,000 m² to
///   recover and 2,000 m² recovered; D2 warned by the Party on 10 Apr.
///
/// Province HCM: L9 reflection, web, other, received 15 Mar, unclassified.
async fn fixed_data_set(app: &mut common::App) {
    common::staff(
        app,
        "HNI-X01",
        UnitKind::Commune,
        "HNI",
        date(2025, 7, 1),
        "leader.x01",
        vec![Role::Leader, Role::IntakeClerk],
    )
    .await;
    let x = "leader.x01";
    let m = letter(
        app,
        x,
        l(&["complaint"], "post", "admin_land", "2025-12-10"),
    )
    .await;
    act(app, x, &m[0].1, classify("2025-12-15", true, true, 1)).await;
    act(
        app,
        x,
        &m[0].1,
        json!({"action": "accept", "on": "2025-12-20"}),
    )
    .await;
    act(app, x, &m[0].1, json!({"action": "conclude", "on": "2026-01-10", "outcome": "right", "summary": "Khiếu nại đúng"})).await;
    let m = letter(
        app,
        x,
        l(&["complaint"], "reception_desk", "admin_land", "2026-02-02"),
    )
    .await;
    act(app, x, &m[0].1, classify("2026-02-05", true, true, 1)).await;
    act(
        app,
        x,
        &m[0].1,
        json!({"action": "accept", "on": "2026-02-10"}),
    )
    .await;
    let mut anon = l(&["denunciation"], "web", "corruption", "2026-03-01");
    anon.anonymous = true;
    let m = letter(app, x, anon).await;
    act(app, x, &m[0].1, classify("2026-03-03", false, true, 1)).await;
    act(
        app,
        x,
        &m[0].1,
        json!({"action": "check_for_management", "on": "2026-03-04"}),
    )
    .await;
    act(app, x, &m[0].1, json!({"action": "conclude", "on": "2026-04-01", "outcome": "management_checked", "summary": "Đã kiểm tra"})).await;
    letter(
        app,
        x,
        l(&["recommendation"], "post", "other", "2026-06-25"),
    )
    .await;
    post(app, x, "/api/v1/reception/sessions", json!({"held_on": "2026-03-02", "kind": "regular", "host": "office", "host_name": "Cán bộ tiếp dân", "visits": [
        {"people": 1, "first_matters": ["complaint"], "outcome": "reply_due"},
        {"people": 6, "representatives": 2, "first_matters": ["denunciation"], "repeat_matters": ["complaint"], "outcome": "guided"}]})).await;
    let c1 = post(app, x, "/api/v1/cases", case("case", "Vụ C1", "2026-01-10")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stage(app, x, &c1, "prosecute", "2026-02-01").await;
    accused(app, x, &c1, "D1", "2026-02-01").await;
    stage(app, x, &c1, "conclude_investigation", "2026-03-01").await;
    stage(app, x, &c1, "indict", "2026-04-01").await;
    stage(app, x, &c1, "judge", "2026-05-01").await;
    stage(app, x, &c1, "appeal", "2026-05-10").await;
    asset(app, x, &c1, json!({"kind": "to_recover", "route": "investigation", "on": "2026-03-01", "amount_vnd": 10_000_000_000i64})).await;
    asset(app, x, &c1, json!({"kind": "recovered", "route": "investigation", "on": "2026-05-01", "amount_vnd": 4_000_000_000i64})).await;
    let i1 = post(
        app,
        x,
        "/api/v1/cases",
        case("incident", "Vụ việc I1", "2026-02-01"),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (k, h) = ("clerk.hni", "leader.hni");
    let m = letter(
        app,
        k,
        l(&["denunciation"], "forwarded", "corruption", "2025-11-20"),
    )
    .await;
    act(app, h, &m[0].1, classify("2026-01-05", true, true, 1)).await;
    act(
        app,
        h,
        &m[0].1,
        json!({"action": "accept", "on": "2026-01-08"}),
    )
    .await;
    act(app, h, &m[0].1, json!({"action": "conclude", "on": "2026-03-20", "outcome": "partly_true", "summary": "Có đúng, có sai"})).await;
    let mut six = l(
        &["complaint", "denunciation"],
        "post",
        "admin_policy",
        "2026-04-01",
    );
    six.signatories = 6;
    let m = letter(app, k, six).await;
    let complaint = &m.iter().find(|x| x.0 == "complaint").unwrap().1;
    act(app, h, complaint, classify("2026-04-03", true, false, 1)).await;
    act(
        app,
        h,
        complaint,
        json!({"action": "transfer", "on": "2026-04-05", "to_body": "UBND quận Ba Đình"}),
    )
    .await;
    let m = letter(
        app,
        k,
        l(&["complaint"], "reception_desk", "admin_land", "2026-05-05"),
    )
    .await;
    act(app, h, &m[0].1, classify("2026-05-06", true, true, 2)).await;
    act(
        app,
        h,
        &m[0].1,
        json!({"action": "accept", "on": "2026-05-07"}),
    )
    .await;
    act(app, h, &m[0].1, json!({"action": "conclude", "on": "2026-05-30", "outcome": "upheld", "summary": "Giữ nguyên quyết định"})).await;
    let m = letter(
        app,
        k,
        l(&["complaint"], "hotline", "judicial", "2025-12-28"),
    )
    .await;
    act(app, h, &m[0].1, classify("2026-07-02", true, true, 1)).await;
    post(app, k, "/api/v1/reception/sessions", json!({"held_on": "2026-04-15", "kind": "periodic", "host": "head_in_person", "host_name": "Chủ tịch UBND thành phố", "visits": [
        {"people": 2, "first_matters": ["recommendation"], "outcome": "guided"}]})).await;
    post(app, k, "/api/v1/reception/sessions", json!({"held_on": "2025-12-01", "kind": "regular", "host": "office", "host_name": "Cán bộ", "visits": [
        {"people": 1, "first_matters": ["complaint"], "outcome": "guided"}]})).await;
    let c2 = post(app, h, "/api/v1/cases", case("case", "Vụ C2", "2025-09-01")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stage(app, h, &c2, "prosecute", "2025-10-01").await;
    accused(app, h, &c2, "D2", "2025-10-01").await;
    accused(app, h, &c2, "D3", "2025-10-01").await;
    post(app, h, &format!("/api/v1/cases/{c2}/monitoring"), json!({"committee": "HNI", "session": "Phiên họp thứ 3", "decided_on": "2026-01-15",
        "targets": [{"milestone": "conclude_investigation", "due_on": "2026-03-01"}, {"milestone": "indict", "due_on": "2026-04-01"},
                    {"milestone": "first_instance_trial", "due_on": "2026-06-15"}]})).await;
    post(
        app,
        h,
        &format!("/api/v1/cases/{i1}/monitoring"),
        json!({"committee": "HNI", "session": "Phiên họp thứ 4", "decided_on": "2026-03-01"}),
    )
    .await;
    accused(app, h, &c2, "D4", "2026-01-10").await;
    stage(app, h, &c2, "conclude_investigation", "2026-02-15").await;
    stage(app, h, &c2, "indict", "2026-03-20").await;
    asset(app, h, &c2, json!({"kind": "damage", "route": "investigation", "on": "2026-02-20", "amount_vnd": 20_000_000_000i64})).await;
    asset(app, h, &c2, json!({"kind": "seized", "route": "investigation", "on": "2026-03-01", "amount_vnd": 3_000_000_000i64})).await;
    asset(app, h, &c2, json!({"kind": "recovered", "route": "court", "on": "2026-06-10", "amount_vnd": 6_000_000_000i64})).await;
    asset(
        app,
        h,
        &c2,
        json!({"kind": "to_recover", "route": "court", "on": "2026-04-01", "land_m2": 5000}),
    )
    .await;
    asset(
        app,
        h,
        &c2,
        json!({"kind": "recovered", "route": "court", "on": "2026-06-01", "land_m2": 2000}),
    )
    .await;
    let (_, cv) = app
        .call("GET", &format!("/api/v1/cases/{c2}"), Some(h), None)
        .await;
    // D2, the first party named.
    let d2 = cv["parties"][0]["party"]["id"].as_str().unwrap().to_owned();
    post(app, h, "/api/v1/sanctions", json!({"person_id": d2, "case_id": c2, "track": "party", "measure": "warning", "decided_on": "2026-04-10", "authority": "UBKT Thành ủy"})).await;

    letter(
        app,
        "clerk.hcm",
        l(&["reflection"], "web", "other", "2026-03-15"),
    )
    .await;
}

async fn report(app: &common::App, who: &str, form: &str, unit: &str) -> Value {
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/reports/{form}?period=2026-H1&unit={unit}"),
            Some(who),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{form} {unit}: {v}");
    assert_eq!(v["failures"], json!([]), "{form} {unit}");
    v
}

fn total(v: &Value) -> Vec<i64> {
    v["total"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn row(v: &Value, code: &str) -> Vec<i64> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"]["code"] == code)
        .unwrap_or_else(|| panic!("no row {code}"))["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

const BN: i64 = 1_000_000_000;

/// A form's expected totals: (code, commune, province, nation).
type Expected = (&'static str, Vec<i64>, Vec<i64>, Vec<i64>);

async fn every_form_matches_the_hand_count_for_a_commune_its_province_and_the_nation(
    mut app: common::App,
) {
    fixed_data_set(&mut app).await;
    // (form, commune, province, nation) — columns in the form's order.
    #[rustfmt::skip]
    let expected: Vec<Expected> = vec![
        // received, carried, processed, eligible, competent | accepted, resolved, late, overdue |
        // sessions, people | new c/d, added c/d, indicted, tried | monitored c/i, targets met/overdue | VND, m²
        ("00-KEY",
         vec![3, 0, 2, 1, 1, 1, 1, 0, 1, 1, 7, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 10 * BN, 4 * BN, 0, 0],
         vec![5, 2, 4, 3, 3, 3, 3, 1, 3, 2, 9, 1, 1, 1, 1, 4, 1, 1, 1, 2, 1, 10 * BN, 10 * BN, 5000, 2000],
         vec![6, 2, 4, 3, 3, 3, 3, 1, 4, 2, 9, 1, 1, 1, 1, 4, 1, 1, 1, 2, 1, 10 * BN, 10 * BN, 5000, 2000]),
        // sessions (regular, head, delegated, ad hoc) | visits, people (regular, head, delegated) |
        // matters (first, repeat) | delegations, their people, their matters | by kind
        ("01-TCD",
         vec![1, 1, 0, 0, 0, 2, 7, 7, 0, 0, 3, 2, 1, 1, 6, 2, 2, 1, 0, 0],
         vec![2, 1, 1, 0, 0, 3, 9, 7, 2, 0, 4, 3, 1, 1, 6, 2, 2, 1, 1, 0],
         vec![2, 1, 1, 0, 0, 3, 9, 7, 2, 0, 4, 3, 1, 1, 6, 2, 2, 1, 1, 0]),
        // carried, received, total, processed, pending, eligible, not, competent, not |
        // desk, post, online, forwarded | land, policy, admin other, judicial, party, corruption, other |
        // collective, anonymous, matters accepted
        ("02-XLD-KN",
         vec![0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
         vec![1, 3, 4, 2, 2, 2, 0, 2, 0, 2, 1, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1, 0, 2],
         vec![1, 3, 4, 2, 2, 2, 0, 2, 0, 2, 1, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1, 0, 2]),
        ("03-XLD-TC",
         vec![0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0],
         vec![1, 2, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1],
         vec![1, 2, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1]),
        ("04-XLD-KNPA",
         vec![0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
         vec![0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
         vec![0, 2, 2, 0, 2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]),
        // carried, accepted, total, resolved, withdrawn, pending, pending overdue |
        // right, partly, wrong, upheld, annulled, other | on time, late | first, second
        ("05-GQKN",
         vec![1, 1, 2, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0],
         vec![1, 2, 3, 2, 0, 1, 1, 1, 0, 0, 1, 0, 0, 2, 0, 1, 1],
         vec![1, 2, 3, 2, 0, 1, 1, 1, 0, 0, 1, 0, 0, 2, 0, 1, 1]),
        // … | true, partly, false, other | on time, late | checked for management
        ("06-GQTC",
         vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
         vec![0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1],
         vec![0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]),
        // new, carried, handled, added, concluded, indicted, tried, appealed (cases, defendants) |
        // monitored cases, incidents, added, removed | targets due, met, overdue |
        // party, administrative, criminal | damage, to recover, seized, recovered (and by route) | m²
        ("07-PCTN",
         vec![1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
              0, 10 * BN, 0, 4 * BN, 0, 4 * BN, 0, 0, 0, 0],
         vec![1, 1, 1, 2, 2, 3, 1, 1, 2, 4, 2, 4, 1, 1, 1, 1, 1, 1, 2, 0, 3, 2, 1, 1, 0, 0,
              20 * BN, 10 * BN, 3 * BN, 10 * BN, 0, 4 * BN, 6 * BN, 0, 5000, 2000],
         vec![1, 1, 1, 2, 2, 3, 1, 1, 2, 4, 2, 4, 1, 1, 1, 1, 1, 1, 2, 0, 3, 2, 1, 1, 0, 0,
              20 * BN, 10 * BN, 3 * BN, 10 * BN, 0, 4 * BN, 6 * BN, 0, 5000, 2000]),
    ];
    assert_eq!(expected.len(), all_forms().len(), "every form is checked");
    for (form, commune, province, nation) in &expected {
        let x = report(&app, "leader.x01", form, "HNI-X01").await;
        assert_eq!(&total(&x), commune, "{form} commune");
        let p = report(&app, "leader.hni", form, "HNI").await;
        assert_eq!(&total(&p), province, "{form} province");
        // The province's row for its commune is the commune's own report.
        assert_eq!(&row(&p, "HNI-X01"), commune, "{form} commune row");
        let n = report(&app, "leader.tw", form, "TW").await;
        assert_eq!(&total(&n), nation, "{form} nation");
        assert_eq!(&row(&n, "HNI"), province, "{form} province row");
        assert_eq!(x["columns"].as_array().unwrap().len(), commune.len());
    }

    // The database's aggregation agrees with the domain's rules evaluated
    // in Rust on every fact row, for every form and several periods.
    let mut c = app.db.store.conn().await.unwrap();
    let mut facts = Vec::new();
    for s in Source::ALL {
        for (u, row) in liem_store::stats::fact_rows(&mut c, *s).await.unwrap() {
            facts.push((*s, u, row));
        }
    }
    let cases = liem_store::stats::cases_by_unit(&mut c, None, None)
        .await
        .unwrap();
    let tree = liem_report::load_tree(&mut c).await.unwrap();
    let tw = tree.by_code("TW").unwrap().id;
    for p in [
        "2026-H1",
        "2025",
        "2026-Q1",
        "2026-03",
        "2025-12-15..2026-12-14",
    ] {
        let period = Period::parse(p).unwrap();
        let forms: Vec<_> = all_forms().iter().collect();
        let sql = liem_report::per_unit_sql(&mut c, &forms, period.span(), None, None)
            .await
            .unwrap();
        // The in-memory model (the server's, loaded by the reports above and
        // kept current from the change feed) gives the same.
        let (by_model, _) =
            liem_report::per_unit(&mut c, &app.state.model, &forms, period.span(), None)
                .await
                .unwrap();
        for ((f, by_sql), by_model) in forms.iter().zip(sql).zip(by_model) {
            let by_rust = liem_report::per_unit_from_rows(f, &facts, &cases, period.span());
            let by_sql = norm(by_sql);
            assert_eq!(by_sql, norm(by_rust), "{} over {p}", f.code);
            assert_eq!(by_sql, norm(by_model), "{} over {p} (model)", f.code);
            let r = liem_report::assemble(
                f,
                &tree,
                liem_report::TreeMode::AsOf,
                tw,
                &period,
                date(2026, 11, 23),
                &liem_report::per_unit_from_rows(f, &facts, &cases, period.span()),
                0,
            );
            assert!(
                r.failures.is_empty(),
                "{} over {p}: {:?}",
                f.code,
                r.failures
            );
        }
    }
    drop(c);

    // The records behind a figure: the matters overdue in Hà Nội.
    let (s, v) = app
        .call(
            "GET",
            "/api/v1/reports/00-KEY/cells/matters_overdue?period=2026-H1&unit=TW&row=HNI",
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["counted"], 3);
    let refs: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 3, "{v}");
    assert!(refs.iter().all(|r| r.contains("-VV-")), "{refs:?}");
    // A case figure: the case with a defendant added.
    let (_, v) = app
        .call(
            "GET",
            "/api/v1/reports/07-PCTN/cells/added_defendants?period=2026-H1&unit=HNI&row=total",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(v["counted"], 1, "{v}");
    assert_eq!(v["items"][0]["entity"], "case");
    assert!(v["items"][0]["reference"]
        .as_str()
        .unwrap()
        .contains("-VA-"));

    // The summary in words, in each language, from the same figures.
    for (lang, words) in [
        ("vi", "khởi tố mới 1 vụ / 1 bị can"),
        ("en", "newly prosecuted 1 cases / 1 defendants"),
        ("fr", "nouvelles poursuites : 1 affaires / 1 prévenus"),
        ("ar", "1 قضية جديدة / 1 متهماً"),
    ] {
        let (s, v) = app
            .call(
                "GET",
                &format!("/api/v1/summary?period=2026-H1&unit=TW&lang={lang}"),
                Some("leader.tw"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let text = v["text"].as_str().unwrap();
        assert!(text.contains(words), "{lang}: {text}");
    }
    let (_, v) = app
        .call(
            "GET",
            "/api/v1/summary?period=2026-H1&unit=TW&lang=en",
            Some("leader.tw"),
            None,
        )
        .await;
    let text = v["text"].as_str().unwrap();
    // 10 bn of 10 bn to recover; 2,000 m² = 0.2 ha; 3 eligible of 4 processed.
    assert!(
        text.contains("recovered 10.0 billion VND and 0.2 ha of land (100.0 %)"),
        "{text}"
    );
    assert!(
        text.contains("received 6 letters, 3 eligible (75.0 %)"),
        "{text}"
    );

    excel_matches_json(&app).await;
    csv_matches_json(&app).await;

    // A committee's monitored list: Hà Nội's committee monitors C2 (carried
    // over, D4 added, concluded and indicted, its assets and the Party
    // warning) and the incident I1; the list is laid out over the whole tree.
    let (s, v) = app
        .call(
            "GET",
            "/api/v1/reports/07-PCTN?period=2026-H1&committee=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    #[rustfmt::skip]
    let listed = vec![0, 0, 1, 2, 1, 2, 1, 1, 1, 3, 1, 3, 0, 0, 0, 0, 1, 1, 2, 0, 3, 2, 1, 1, 0, 0,
                      20 * BN, 0, 3 * BN, 6 * BN, 0, 0, 6 * BN, 0, 5000, 2000];
    assert_eq!(total(&v), listed);
    assert_eq!(v["unit"]["code"], "TW");
    assert_eq!(row(&v, "HNI"), listed);
    let (_, d) = app
        .call(
            "GET",
            "/api/v1/reports/07-PCTN/cells/added_defendants?period=2026-H1&committee=HNI&row=total",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(d["counted"], 1, "{d}");
    for (uri, field) in [
        (
            "/api/v1/reports/00-KEY?period=2026-H1&committee=HNI",
            "committee",
        ),
        (
            "/api/v1/reports/07-PCTN?period=2026-H1&committee=CA-HNI",
            "committee",
        ),
        (
            "/api/v1/reports/07-PCTN?period=2026-H1&committee=HCM",
            "committee",
        ),
    ] {
        let (s, p) = app.call("GET", uri, Some("leader.hni"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(p["errors"][0]["field"], field, "{uri}");
    }
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/reports/07-PCTN/issue?period=2026-H1&committee=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Who may see what: a handler has no statistics; a province's leader
    // cannot ask for another province, nor the nation.
    let (s, _) = app
        .call(
            "GET",
            "/api/v1/reports/00-KEY?period=2026",
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for unit in ["HCM", "TW", "NOPE"] {
        let (s, p) = app
            .call(
                "GET",
                &format!("/api/v1/reports/00-KEY?period=2026&unit={unit}"),
                Some("leader.hni"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{unit}");
        assert_eq!(p["errors"][0]["field"], "unit");
    }
    let (s, p) = app
        .call(
            "GET",
            "/api/v1/reports/00-KEY?period=2026-Q5",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "period");
    assert_eq!(p["errors"][0]["rule"], "format");
    let (s, _) = app
        .call(
            "GET",
            "/api/v1/reports/99-NOPE?period=2026",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Issuing freezes the figures; a later correction is a new version and
    // the first keeps what it said.
    let uri = "/api/v1/reports/02-XLD-KN/issue?period=2026-H1&unit=HNI";
    let (s, v1) = app.call("POST", uri, Some("leader.hni"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1);
    letter(
        &app,
        "clerk.hni",
        l(&["complaint"], "post", "admin_land", "2026-06-30"),
    )
    .await;
    let (s, v2) = app.call("POST", uri, Some("leader.hni"), None).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v2["version"], 2);
    assert!(v2["data_version"].as_i64() > v1["data_version"].as_i64());
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/reports/02-XLD-KN/issued?period=2026-H1&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    let received = |v: &Value| v["figures"]["total"][1].as_i64().unwrap();
    assert_eq!(received(&list["items"][0]), 3);
    assert_eq!(received(&list["items"][1]), 4);
    assert_eq!(app.count("issued_reports").await, 2);
    // A letter transferred to another province on 1 July stays counted as
    // received where it was received, in the period it was received; the
    // receiving province counts it received on the day it arrived (the
    // statistics model follows the change feed).
    let key = |unit: &'static str, period: &'static str| {
        let app = &app;
        async move {
            let (_, v) = app
                .call(
                    "GET",
                    &format!("/api/v1/reports/00-KEY?period={period}&unit={unit}"),
                    Some("leader.tw"),
                    None,
                )
                .await;
            total(&v)[0]
        }
    };
    let (hni, hcm) = (key("HNI", "2026-H1").await, key("HCM", "2026-H1").await);
    let hcm_q3 = key("HCM", "2026-Q3").await;
    let mut c = app.db.store.conn().await.unwrap();
    let moved = liem_store::db::query("SELECT id FROM letters WHERE received_on = $1")
        .bind(date(2026, 6, 30))
        .fetch_one(&mut c)
        .await
        .unwrap()
        .uuid("id")
        .unwrap();
    drop(c);
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{moved}/transfer"),
            Some("leader.hni"),
            Some(
                json!({"to_unit": "HCM", "on": "2026-07-01", "reason": "Thuộc thẩm quyền TP.HCM"}),
            ),
        )
        .await;
    assert!(s.is_success(), "{v}");
    assert_eq!(
        (key("HNI", "2026-H1").await, key("HCM", "2026-H1").await),
        (hni, hcm)
    );
    assert_eq!(key("HCM", "2026-Q3").await, hcm_q3 + 1);
    // A handler may not issue.
    let (s, _) = app.call("POST", uri, Some("handler.hni"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A report whose arithmetic does not hold is refused, naming the cell:
    // here a letter said to be processed before it was received.
    // The change reaches the statistics through the change feed.
    let mut tx = app.db.store.begin().await.unwrap();
    let id = liem_store::db::query("SELECT id FROM letters WHERE received_on = $1")
        .bind(date(2026, 2, 2))
        .fetch_one(&mut tx)
        .await
        .unwrap()
        .uuid("id")
        .unwrap();
    let was = liem_store::db::query("SELECT processed_on FROM letters WHERE id = $1")
        .bind(id)
        .fetch_one(&mut tx)
        .await
        .unwrap()
        .opt_date("processed_on")
        .unwrap();
    liem_store::db::query("UPDATE letters SET processed_on = $1 WHERE id = $2")
        .bind(date(2025, 12, 1))
        .bind(id)
        .execute(&mut tx)
        .await
        .unwrap();
    liem_store::outbox::append(&mut tx, "letter", &id.to_string(), "update", json!({}))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (s, p) = app
        .call(
            "POST",
            "/api/v1/reports/02-XLD-KN/issue?period=2026-H1&unit=HNI-X01",
            Some("leader.x01"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(
            "row HNI-X01 (own) column total: 0 but total = carried_over + received gives 1"
        ),
        "{detail}"
    );
    // That edit was made outside Liêm: the deep check names that letter,
    // and nothing else; put back, the letter is as the trail attests.
    let store = &app.db.store;
    let deep = || async {
        let mut c = store.conn().await.unwrap();
        liem_store::audit::verify(&mut c, store.chain(), &[], true)
            .await
            .unwrap()
            .findings
    };
    let found = deep().await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].entity.as_str(),
            found[0].id.clone(),
            found[0].finding
        ),
        ("letter", id.to_string(), "edited")
    );
    let mut tx = store.begin().await.unwrap();
    liem_store::db::query("UPDATE letters SET processed_on = $1 WHERE id = $2")
        .bind(was)
        .bind(id)
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(deep().await, vec![]);
}

/// A unit's figures where one is not zero, in the units' order.
fn norm(
    m: std::collections::HashMap<liem_domain::ids::UnitId, Vec<i64>>,
) -> Vec<(liem_domain::ids::UnitId, Vec<i64>)> {
    let mut v: Vec<_> = m
        .into_iter()
        .filter(|(_, c)| c.iter().any(|x| *x != 0))
        .collect();
    v.sort();
    v
}

/// The statistics model written to disk and read back by another process's
/// model gives every form's figures as the database does, after catching
/// up on a letter registered since; a damaged, cut or foreign snapshot is
/// refused and leaves the model to load from the database.
async fn a_snapshot_of_the_model_gives_its_figures_and_is_refused_when_not_its_own(
    mut app: common::App,
) {
    use liem_report::snapshot::Refused;
    use liem_report::{Model, Restored};
    fixed_data_set(&mut app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.snapshot");
    let mut c = app.db.store.conn().await.unwrap();
    let saved = app.state.model.save(&path, &mut c).await.unwrap();
    assert!(saved > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the snapshot is the owner's only");
    }
    drop(c);
    // A letter after the snapshot: the restored model must catch up on it.
    letter(
        &app,
        "leader.x01",
        l(&["denunciation"], "post", "corruption", "2026-03-10"),
    )
    .await;
    let mut c = app.db.store.conn().await.unwrap();
    let restored = Model::new();
    let got = restored.restore(&path, &mut c).await.unwrap();
    let Restored::Taken {
        position,
        caught_up_to,
    } = got
    else {
        panic!("the snapshot is taken: {got:?}");
    };
    assert_eq!(position, saved);
    assert!(caught_up_to > position, "{caught_up_to} > {position}");
    assert!(restored.stats().loaded);
    let forms: Vec<_> = all_forms().iter().collect();
    let mut nonzero = 0;
    for p in ["2025", "2026", "2026-Q1", "2025-12-15..2026-12-14"] {
        let period = Period::parse(p).unwrap();
        let sql = liem_report::per_unit_sql(&mut c, &forms, period.span(), None, None)
            .await
            .unwrap();
        let (by_snapshot, _) =
            liem_report::per_unit(&mut c, &restored, &forms, period.span(), None)
                .await
                .unwrap();
        for ((f, a), b) in forms.iter().zip(sql).zip(by_snapshot) {
            let a = norm(a);
            nonzero += a.len();
            assert_eq!(a, norm(b), "{} over {p} (from the snapshot)", f.code);
        }
    }
    assert!(nonzero > 20, "the forms hold figures: {nonzero}");
    // A byte changed, or the file cut short: refused, nothing loaded.
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let damaged = dir.path().join("damaged.snapshot");
    std::fs::write(&damaged, &bytes).unwrap();
    let fresh = Model::new();
    assert_eq!(
        fresh.restore(&damaged, &mut c).await.unwrap(),
        Restored::Refused(Refused::Damaged)
    );
    // A byte of the database's mark changed: damaged, not another database.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&damaged, &bytes).unwrap();
    assert_eq!(
        fresh.restore(&damaged, &mut c).await.unwrap(),
        Restored::Refused(Refused::Damaged)
    );
    let cut = std::fs::read(&path).unwrap();
    std::fs::write(&damaged, &cut[..cut.len() - 100]).unwrap();
    assert_eq!(
        fresh.restore(&damaged, &mut c).await.unwrap(),
        Restored::Refused(Refused::Damaged)
    );
    assert_eq!(
        fresh
            .restore(&dir.path().join("absent"), &mut c)
            .await
            .unwrap(),
        Restored::Absent
    );
    assert!(!fresh.stats().loaded, "a refused snapshot loads nothing");
    drop(c);
    // Another database (its own chain and feed): refused.
    let other = liem_store::testing::TestDb::sqlite().await;
    let mut oc = other.store.conn().await.unwrap();
    assert_eq!(
        Model::new().restore(&path, &mut oc).await.unwrap(),
        Restored::Refused(Refused::OtherDatabase)
    );
}

/// Every form over three periods, for the nation and for `within`, as
/// [`liem_report::per_unit`] gives them (units with a figure only).
async fn every_form(
    c: &mut liem_store::Conn,
    model: &liem_report::Model,
    within: Option<&[liem_domain::ids::UnitId]>,
) -> Vec<Vec<Vec<(liem_domain::ids::UnitId, Vec<i64>)>>> {
    let forms: Vec<_> = all_forms().iter().collect();
    let mut out = Vec::new();
    for p in ["2025", "2026", "2026-Q1"] {
        let span = Period::parse(p).unwrap().span();
        for units in [None, within] {
            let (v, _) = liem_report::per_unit(&mut *c, model, &forms, span, units)
                .await
                .unwrap();
            out.push(v.into_iter().map(norm).collect());
        }
    }
    out
}

/// A node whose model is not loaded yet (a first start, no snapshot)
/// answers from the database without loading it; the model, read in one
/// pass per source, then gives the same figures, and so do the dashboard's
/// trends (each month its own period) both ways.
async fn before_the_model_is_loaded_the_database_counts_the_same_figures(mut app: common::App) {
    use liem_report::Model;
    fixed_data_set(&mut app).await;
    let mut c = app.db.store.conn().await.unwrap();
    let model = Model::new();
    let hni = units::by_code(&mut c, "HNI").await.unwrap().id;
    let tree = model.tree(&mut c).await.unwrap();
    assert!(!model.is_loaded(), "the unit tree does not load the model");
    let within = tree.units_in(hni, liem_report::TreeMode::AsOf);
    let before = every_form(&mut c, &model, within.as_deref()).await;
    let months: Vec<(&liem_domain::stats::Rule, liem_domain::stats::Span)> =
        ["2026-01", "2026-02", "2026-03"]
            .iter()
            .map(|m| {
                (
                    liem_domain::forms::key_rule("letters_received").unwrap(),
                    Period::parse(m).unwrap().span(),
                )
            })
            .collect();
    let trend = |v: Vec<liem_report::model::PerUnit>| v.into_iter().map(norm).collect::<Vec<_>>();
    let trend_before = trend(
        liem_report::per_unit_spans(&mut c, &model, &[(Source::Letter, &months)], None)
            .await
            .unwrap(),
    );
    assert!(
        !model.is_loaded(),
        "answering from the database leaves the model to its loader"
    );
    let nonzero: usize = before.iter().flatten().map(Vec::len).sum();
    assert!(nonzero > 20, "the forms hold figures: {nonzero}");
    assert!(
        trend_before[0]
            .iter()
            .any(|(_, v)| v.iter().any(|x| *x > 0)),
        "letters were received in the first quarter of 2026: {trend_before:?}"
    );
    model.refresh(&mut c).await.unwrap();
    assert!(model.is_loaded());
    assert!(model.stats().loaded && model.stats().position > 0);
    let after = every_form(&mut c, &model, within.as_deref()).await;
    assert_eq!(before, after, "the model's figures are the database's");
    let trend_after = trend(
        liem_report::per_unit_spans(&mut c, &model, &[(Source::Letter, &months)], None)
            .await
            .unwrap(),
    );
    assert_eq!(trend_before, trend_after);
}

/// The CSV download starts with a byte-order mark (a spreadsheet program
/// then reads the units' Vietnamese names rightly), keeps its stable column
/// codes, and its total line is the JSON total.
async fn csv_matches_json(app: &common::App) {
    let json = report(app, "leader.hni", "07-PCTN", "HNI").await;
    let req =
        axum::http::Request::get("/api/v1/reports/07-PCTN?period=2026-H1&unit=HNI&format=csv")
            .header(
                "authorization",
                format!("Bearer {}", app.tokens["leader.hni"]),
            )
            .body(axum::body::Body::empty())
            .unwrap();
    let bytes = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.into_body().collect().await.unwrap().to_bytes()
    };
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "a byte-order mark first");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("unit_code,unit_name,own,"),
        "{}",
        lines[0]
    );
    let last: Vec<i64> = lines
        .last()
        .unwrap()
        .split(',')
        .skip(3)
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(last, total(&json));
}

/// The Excel file opens with openpyxl and its cells are the JSON figures.
async fn excel_matches_json(app: &common::App) {
    let python = match std::env::var("LIEM_PYTHON") {
        Ok(p) => p,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_PYTHON is not: run scripts/test")
        }
        _ => {
            eprintln!("!!! openpyxl not available (run scripts/test): Excel check SKIPPED !!!");
            return;
        }
    };
    let json = report(app, "leader.hni", "07-PCTN", "HNI").await;
    let mut req = axum::http::Request::builder()
        .uri("/api/v1/reports/07-PCTN?period=2026-H1&unit=HNI&format=xlsx")
        .header(
            "authorization",
            format!("Bearer {}", app.tokens["leader.hni"]),
        )
        .header("accept-language", "en");
    req = req.method("GET");
    let (status, bytes) = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = app
            .router
            .clone()
            .oneshot(req.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        let s = resp.status();
        (s, resp.into_body().collect().await.unwrap().to_bytes())
    };
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let script = r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
head = next(i for i, r in enumerate(rows) if r[0] == "Unit code")
total = next(r for r in rows if r[0] == "total")
out = {"title": rows[1][0], "unit": rows[0][0], "headings": list(rows[head][2:]), "arithmetic": list(rows[head + 1][2:]),
       "total": list(total[2:]), "rows": {r[0]: list(r[2:]) for r in rows[head + 2:] if r[0] not in (None, "total") and isinstance(r[2], (int, float))},
       "checkpoint": next((r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Audit checkpoint ")), None)}
print(json.dumps(out))
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        x["title"],
        "Anti-corruption: cases, defendants, discipline, assets"
    );
    assert_eq!(x["unit"], "Unit HNI");
    assert_eq!(x["headings"][0], "Newly prosecuted (cases)");
    assert_eq!(x["arithmetic"][4], "(5) = 1 + 3");
    assert_eq!(x["total"], json["total"]);
    // The footer carries the checkpoint of the audit chain the figures were
    // computed under, signed by this instance.
    let line = x["checkpoint"]
        .as_str()
        .expect("a checkpoint in the footer");
    let cp = liem_store::audit::checkpoint::Checkpoint::parse(
        line.trim_start_matches("Audit checkpoint "),
    )
    .unwrap();
    assert!(cp.signature_holds());
    assert_eq!(cp.key, app.db.store.audit_keys().public_key_hex());
    for r in json["rows"].as_array().unwrap() {
        let code = r["unit"]["code"].as_str().unwrap();
        assert_eq!(x["rows"][code], r["cells"], "row {code}");
    }
    every_forms_excel_has_the_paper_forms_page_setup(app, &python).await;
}

/// Each form's Excel file prints like its paper form: A4 landscape, every
/// column on the page's width, the headings repeated on every page, the
/// form as the print area with the title on the first page.
async fn every_forms_excel_has_the_paper_forms_page_setup(app: &common::App, python: &str) {
    let dir = tempfile::tempdir().unwrap();
    let forms = [
        "00-KEY",
        "01-TCD",
        "02-XLD-KN",
        "03-XLD-TC",
        "04-XLD-KNPA",
        "05-GQKN",
        "06-GQTC",
        "07-PCTN",
    ];
    let mut files = Vec::new();
    for form in forms {
        let req = axum::http::Request::builder()
            .method("GET")
            .uri(format!(
                "/api/v1/reports/{form}?period=2026-H1&unit=HNI&format=xlsx"
            ))
            .header(
                "authorization",
                format!("Bearer {}", app.tokens["leader.hni"]),
            )
            .header("accept-language", "vi");
        let resp = {
            use tower::ServiceExt;
            app.router
                .clone()
                .oneshot(req.body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap()
        };
        assert_eq!(resp.status(), StatusCode::OK, "{form}");
        let bytes = {
            use http_body_util::BodyExt;
            resp.into_body().collect().await.unwrap().to_bytes()
        };
        let file = dir.path().join(format!("{form}.xlsx"));
        std::fs::write(&file, &bytes).unwrap();
        files.push(file);
    }
    let script = r#"
import json, sys, openpyxl
from openpyxl.utils import get_column_letter
out = {}
for path in sys.argv[1:]:
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    out[ws.title] = {
        "orientation": ws.page_setup.orientation,
        "paper": ws.page_setup.paperSize,
        "fit": ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
        "fit_width": ws.page_setup.fitToWidth,
        "fit_height": ws.page_setup.fitToHeight,
        "title_rows": ws.print_title_rows,
        "print_area": ws.print_area,
        "last_column": get_column_letter(ws.max_column),
        "title": rows[1][0],
    }
print(json.dumps(out))
"#;
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x: Value = serde_json::from_slice(&out.stdout).unwrap();
    for form in forms {
        let f = &x[form];
        assert_eq!(f["orientation"], "landscape", "{form}: {f}");
        assert_eq!(f["paper"], 9, "{form}: A4");
        assert_eq!(f["fit"], true, "{form}: fit to page");
        // Absent means 1, the format's default (ECMA-376 part 1, 18.3.1.63).
        assert_eq!(
            f["fit_width"].as_i64().unwrap_or(1),
            1,
            "{form}: one page wide"
        );
        assert_eq!(f["fit_height"], 0, "{form}: as many pages down as needed");
        assert_eq!(
            f["title_rows"], "$6:$7",
            "{form}: headings and arithmetic repeated"
        );
        let last = f["last_column"].as_str().unwrap();
        let area = f["print_area"].as_str().unwrap_or_default();
        assert!(
            area.starts_with(&format!("'{form}'!$A$1:${last}$")),
            "{form}: the print area starts at the title and takes every column ({area}, last {last})"
        );
        assert!(
            f["title"]
                .as_str()
                .is_some_and(|t| !t.is_empty() && !t.starts_with("rp-")),
            "{form}: the title, translated, on the first page: {f}"
        );
    }
}

async fn a_report_before_a_merger_has_the_same_national_totals_on_both_trees(mut app: common::App) {
    // Hà Tây, a province until 2008 in life, here until 30 June 2025, with a
    // commune; both merged into Hà Nội.
    common::staff(
        &mut app,
        "HTY",
        UnitKind::Province,
        "TW",
        date(2000, 1, 1),
        "clerk.hty",
        vec![Role::IntakeClerk],
    )
    .await;
    common::staff(
        &mut app,
        "HTY-X01",
        UnitKind::Commune,
        "HTY",
        date(2000, 1, 1),
        "clerk.hty1",
        vec![Role::IntakeClerk],
    )
    .await;
    for (who, day) in [
        ("clerk.hty", "2024-03-01"),
        ("clerk.hty1", "2024-05-01"),
        ("clerk.hty1", "2024-06-01"),
        ("clerk.hni", "2024-07-01"),
        ("clerk.hcm", "2024-08-01"),
    ] {
        letter(&app, who, l(&["complaint"], "post", "admin_land", day)).await;
    }
    let mut c = app.db.store.conn().await.unwrap();
    let hty = units::by_code(&mut c, "HTY").await.unwrap();
    let hty1 = units::by_code(&mut c, "HTY-X01").await.unwrap();
    let hni = units::by_code(&mut c, "HNI").await.unwrap();
    drop(c);
    let mut tx = app.db.store.begin().await.unwrap();
    let sys = Actor::system("test");
    liem_store::stats::merge(&mut tx, &sys, hty.id, hni.id, date(2025, 7, 1))
        .await
        .unwrap();
    liem_store::stats::merge(&mut tx, &sys, hty1.id, hni.id, date(2025, 7, 1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let get = |tree: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .call(
                    "GET",
                    &format!("/api/v1/reports/02-XLD-KN?period=2024&unit=TW&tree={tree}"),
                    Some("leader.tw"),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let old = get("as_of").await;
    let new = get("current").await;
    assert_eq!(total(&old), total(&new));
    assert_eq!(total(&old)[1], 5, "five letters received in 2024");
    // On the tree as it stood Hà Tây has its row (3 letters) beside Hà Nội
    // (1); mapped onto today's tree they are all Hà Nội's.
    assert_eq!(row(&old, "HTY")[1], 3);
    assert_eq!(row(&old, "HNI")[1], 1);
    assert_eq!(row(&new, "HNI")[1], 4);
    assert!(new["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["unit"]["code"] != "HTY"));
    // Asked of Hà Nội on today's tree, the old communes' letters are there.
    let (_, v) = app
        .call(
            "GET",
            "/api/v1/reports/02-XLD-KN?period=2024&unit=HNI&tree=current",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(total(&v)[1], 4);
    // Merging twice is refused.
    let mut tx = app.db.store.begin().await.unwrap();
    assert!(
        liem_store::stats::merge(&mut tx, &sys, hty.id, hni.id, date(2025, 7, 1))
            .await
            .is_err()
    );
}

/// A form's columns by code.
fn cells(v: &Value, cells: &[i64], code: &str) -> i64 {
    let i = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == code)
        .unwrap_or_else(|| panic!("no column {code}"));
    cells[i]
}

async fn period_report(app: &common::App, form: &str, period: &str, unit: &str) -> Value {
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/reports/{form}?period={period}&unit={unit}"),
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{form} {period} {unit}: {v}");
    assert_eq!(v["failures"], json!([]), "{form} {period} {unit}");
    v
}

async fn transfer(app: &common::App, letter: &str, to: &str, on: &str) -> (StatusCode, Value) {
    app.call(
        "POST",
        &format!("/api/v1/letters/{letter}/transfer"),
        Some("leader.hni"),
        Some(json!({"to_unit": to, "on": on, "reason": "Thuộc thẩm quyền giải quyết của TP.HCM"})),
    )
    .await
}

/// Counted where and when it happened (issue 12, item 9): the sender counts
/// a letter received and processed (transferred), the receiver counts it
/// received (forwarded) on the day it arrived; a closed quarter's figures
/// do not move when a letter is transferred later; a letter withdrawn
/// before classification is processed, not pending for ever; and a letter
/// goes to a unit that has a letter of the same year and number.
async fn each_unit_counts_what_it_received_and_did_and_a_closed_quarter_stays_closed(
    app: common::App,
) {
    let letter_id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let register = |who: &'static str, received: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .call(
                    "POST",
                    "/api/v1/letters",
                    Some(who),
                    Some(json!({
                        "kinds": ["complaint"], "channel": "post", "field": "admin_land",
                        "received_on": received, "summary": "Khiếu nại về thu hồi đất",
                        "content": "Nội dung chi tiết của đơn khiếu nại.",
                        "sender": {"kind": "person", "name": "Trần Thị B", "address": "5 Lê Lợi"},
                    })),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v
        }
    };
    // HCM's first letter of 2026 and HNI's carry the same year and number.
    let h1 = register("clerk.hcm", "2026-01-05").await;
    let a = register("clerk.hni", "2026-01-10").await;
    let number = |v: &Value| {
        v["reference"]
            .as_str()
            .unwrap()
            .split_once('-')
            .unwrap()
            .1
            .to_owned()
    };
    assert_eq!(number(&h1), number(&a), "{h1} {a}");
    let b = register("clerk.hni", "2026-02-03").await;
    let c = register("clerk.hni", "2026-02-20").await;
    let c_matter = c["matters"][0]["id"].as_str().unwrap().to_owned();
    act(
        &app,
        "leader.hni",
        &c_matter,
        json!({"action": "withdraw", "on": "2026-03-01", "reason": "Người khiếu nại rút đơn"}),
    )
    .await;

    // A transfer's day is checked: not ahead of today, not before receipt.
    let (s, p) = transfer(&app, &letter_id(&a), "HCM", "2099-01-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["rule"].as_str()
        ),
        (Some("on"), Some("not_in_future"))
    );
    let (s, p) = transfer(&app, &letter_id(&a), "HCM", "2026-01-09").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["rule"].as_str()
        ),
        (Some("on"), Some("before_receipt"))
    );
    // A goes to HCM on 10 March, though HCM has a letter numbered as A is.
    let (s, t) = transfer(&app, &letter_id(&a), "HCM", "2026-03-10").await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["on_date"], "2026-03-10");
    let (s, moved) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{}", letter_id(&a)),
            Some("leader.hcm"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(
        moved["reference"], a["reference"],
        "a letter keeps its reference"
    );

    // HNI's first quarter, issued: A, B, C received; A processed by its
    // transfer, C by its withdrawal; B pending.
    let form = "02-XLD-KN";
    let q1 = period_report(&app, form, "2026-Q1", "HNI").await;
    let t1 = total(&q1);
    let col = |code: &str| cells(&q1, &t1, code);
    assert_eq!(
        [
            col("received"),
            col("processed"),
            col("pending"),
            col("not_competent"),
            col("ch_post")
        ],
        [3, 2, 1, 1, 3],
        "{q1}"
    );
    let (s, issued) = app
        .call(
            "POST",
            &format!("/api/v1/reports/{form}/issue?period=2026-Q1&unit=HNI"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["figures"]["total"], json!(t1));

    // B leaves in the second quarter: HNI's first quarter does not move.
    let (s, t) = transfer(&app, &letter_id(&b), "HCM", "2026-04-15").await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let again = period_report(&app, form, "2026-Q1", "HNI").await;
    assert_eq!(again["total"], issued["figures"]["total"]);
    assert_eq!(again["rows"], issued["figures"]["rows"]);
    // HNI's second quarter: B carried over and processed (transferred).
    let q2 = period_report(&app, form, "2026-Q2", "HNI").await;
    let t2 = total(&q2);
    assert_eq!(
        [
            cells(&q2, &t2, "carried_over"),
            cells(&q2, &t2, "received"),
            cells(&q2, &t2, "processed"),
            cells(&q2, &t2, "pending")
        ],
        [1, 0, 1, 0],
        "{q2}"
    );
    // HCM counts what it received, each on the day it arrived, forwarded.
    let h = period_report(&app, form, "2026-Q1", "HCM").await;
    let th = total(&h);
    assert_eq!(
        [
            cells(&h, &th, "received"),
            cells(&h, &th, "ch_post"),
            cells(&h, &th, "ch_forwarded"),
            cells(&h, &th, "pending")
        ],
        [2, 1, 1, 2],
        "{h}"
    );
    let h = period_report(&app, form, "2026-Q2", "HCM").await;
    let th = total(&h);
    assert_eq!(
        [
            cells(&h, &th, "carried_over"),
            cells(&h, &th, "received"),
            cells(&h, &th, "ch_forwarded"),
            cells(&h, &th, "pending")
        ],
        [2, 1, 1, 3],
        "{h}"
    );
    // The nation counts each stay at the unit that had it.
    let n = period_report(&app, form, "2026-Q1", "TW").await;
    assert_eq!(cells(&n, &total(&n), "received"), 5, "{n}");
}
