//! Hot spots through the API and the pages, as their users meet them: a
//! commune that usually receives nothing on land matters receives eight
//! letters on them this week; a scan raises an alert there, which Hà Nội's
//! leaders see on their list and dashboard, with the letters behind it,
//! and acknowledge with a note (audited, once); Hồ Chí Minh City sees
//! nothing of it; a clerk can neither scan nor acknowledge; a later scan
//! continues the same alert. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use jiff::ToSpan;
use liem_domain::role::Role;
use liem_domain::unit::UnitKind;
use serde_json::{json, Value};

on_both!(a_build_up_in_a_commune_is_raised_seen_in_scope_and_acknowledged_once);

fn letter(field: &str, received_on: jiff::civil::Date, n: usize) -> Value {
    json!({
        "kinds": ["complaint"],
        "channel": "post",
        "field": field,
        "received_on": received_on.to_string(),
        "place": "Xã Minh Phú, Hà Nội",
        "sender": {"kind": "person", "name": format!("Người dân số {n}"), "address": format!("Thôn {n}")},
        "subject": "UBND xã Minh Phú",
        "summary": format!("Khiếu nại bồi thường thu hồi đất, hộ số {n}"),
        "content": "Mức bồi thường thấp hơn giá thị trường."
    })
}

async fn a_build_up_in_a_commune_is_raised_seen_in_scope_and_acknowledged_once(
    mut app: common::App,
) {
    common::staff(
        &mut app,
        "HNI-M01",
        UnitKind::Commune,
        "HNI",
        jiff::civil::date(2025, 7, 1),
        "clerk.m01",
        vec![Role::IntakeClerk],
    )
    .await;
    let today = jiff::Zoned::now()
        .with_time_zone(liem_domain::calendar::legal_zone())
        .date();
    // The province's usual trickle of letters on corruption, a few a
    // month over the past months; the commune's land letters, all this week.
    for i in 0..10 {
        let day = today.checked_sub((7 * (3 + 3 * i as i64)).days()).unwrap();
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/letters",
                Some("clerk.hni"),
                Some(letter("corruption", day, 100 + i)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    for i in 0..8 {
        let day = today.checked_sub((i as i64 % 5).days()).unwrap();
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/letters",
                Some("clerk.m01"),
                Some(letter("admin_land", day, i)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    // Before any scan: no alert, no run.
    let (s, l) = app
        .call("GET", "/api/v1/hotspots", Some("leader.hni"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["items"], json!([]));
    assert_eq!(l["last_run"], Value::Null);
    // A clerk neither reads nor scans; nothing is written.
    let audit_before = app.count("audit_log").await;
    for (m, uri) in [
        ("GET", "/api/v1/hotspots"),
        ("POST", "/api/v1/hotspots/scan"),
    ] {
        let (s, _) = app.call(m, uri, Some("clerk.hni"), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{m} {uri}");
    }
    assert_eq!(app.count("audit_log").await, audit_before);
    // The scan, asked for by the analyst.
    let (s, o) = app
        .call("POST", "/api/v1/hotspots/scan", Some("analyst.hni"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["opened"], 1, "{o}");
    assert_eq!(o["continued"], 0);
    assert_eq!(
        app.count("audit_log WHERE action = 'hotspot.scan'").await,
        1
    );
    let (_, l) = app
        .call("GET", "/api/v1/hotspots", Some("leader.hni"), None)
        .await;
    let items = l["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{l}");
    let a = &items[0];
    assert_eq!(a["unit"], "HNI-M01");
    assert_eq!(a["field"], "admin_land");
    assert_eq!(a["letters"], 8);
    assert_eq!(a["observed"], 8);
    assert_eq!(a["delegations"], 0);
    assert!(a["p_value"].as_f64().unwrap() <= 0.05, "{a}");
    assert!(a["ratio"].as_f64().unwrap() > 3.0, "{a}");
    assert_eq!(a["window_to"], today.to_string());
    assert_eq!(a["ended_on"], Value::Null);
    assert!(l["last_run"]["cells"].as_i64().unwrap() >= 2, "{l}");
    assert_eq!(l["last_run"]["counted"], 18);
    let id = a["id"].as_str().unwrap().to_owned();
    // The letters behind it: the register filtered to the cell and window.
    let href = a["letters_href"].as_str().unwrap();
    assert!(href.starts_with("/petitions?"), "{href}");
    let (s, r) = app
        .call(
            "GET",
            &href.replace("/petitions?", "/api/v1/letters?"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["total"], 8, "{r}");
    // Scoped to the unit under the commune: the same; under Hồ Chí Minh
    // City's reach: nothing, and the alert itself is a 404.
    let (_, l) = app
        .call(
            "GET",
            "/api/v1/hotspots?unit=HNI-M01",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let (_, l) = app
        .call("GET", "/api/v1/hotspots", Some("leader.hcm"), None)
        .await;
    assert_eq!(l["items"], json!([]), "{l}");
    let (s, _) = app
        .call("GET", "/api/v1/hotspots?unit=HNI", Some("leader.hcm"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/hotspots/{id}"),
            Some("leader.hcm"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let ack = |note: &str| json!({ "note": note });
    let uri = format!("/api/v1/hotspots/{id}/acknowledge");
    let (s, _) = app
        .call("POST", &uri, Some("leader.hcm"), Some(ack("Đã nắm")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The dashboard of Hà Nội shows it; a handler of Hà Nội, who does not
    // read statistics, cannot acknowledge it.
    let (s, html) = common::page(&app, "leader.hni", "/dashboard?unit=HNI").await;
    assert_eq!(s, StatusCode::OK);
    let table = common::between(&html, "id=\"db-hotspots\"", "</table>").expect("the alerts");
    assert!(table.contains("Unit HNI-M01"), "{table}");
    let (s, _) = app
        .call("POST", &uri, Some("handler.hni"), Some(ack("Đã nắm")))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A note too short names the field and writes nothing.
    let audit_before = app.count("audit_log").await;
    let (s, p) = app
        .call("POST", &uri, Some("leader.hni"), Some(ack(" ")))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p.to_string().contains("note"), "{p}");
    assert_eq!(app.count("audit_log").await, audit_before);
    // Acknowledged once, with the note; a second time is a conflict.
    let note = "Đã giao Thanh tra huyện làm việc với UBND xã về phương án bồi thường";
    let (s, v) = app
        .call("POST", &uri, Some("leader.hni"), Some(ack(note)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["note"], note);
    assert_eq!(v["acknowledged_by"], "leader.hni");
    assert_eq!(
        app.count("audit_log WHERE action = 'hotspot.acknowledge'")
            .await,
        1
    );
    let (s, _) = app
        .call("POST", &uri, Some("analyst.hni"), Some(ack("Lần nữa")))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A later scan finds it still raised: the same alert continues, still
    // acknowledged.
    let (s, o) = app
        .call("POST", "/api/v1/hotspots/scan", Some("leader.hni"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(
        (o["opened"].clone(), o["continued"].clone()),
        (json!(0), json!(1))
    );
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/hotspots/{id}"),
            Some("analyst.hni"),
            None,
        )
        .await;
    assert_eq!(v["note"], note);
    assert_eq!(v["ended_on"], Value::Null);
    // The page lists it with its note and the link to its letters.
    let (s, html) = common::page(&app, "analyst.hni", "/hotspots").await;
    assert_eq!(s, StatusCode::OK);
    let row = common::between(&html, &format!("id=\"hs-{id}\""), "</tr>").expect("the row");
    assert!(row.contains("Unit HNI-M01"), "{row}");
    assert!(row.contains("Thanh tra huyện"), "{row}");
    assert!(row.contains("/petitions?unit=HNI-M01"), "{row}");
}
