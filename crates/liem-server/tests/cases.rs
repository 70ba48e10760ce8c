//! The register of cases through the real router: visibility of restricted
//! cases, the screening right, stages with transfers and monitoring, and
//! figures counted by hand.

#[macro_use]
mod common;

use axum::http::StatusCode;
use serde_json::{json, Value};

on_both!(
    a_restricted_case_is_invisible_to_an_unassigned_handler,
    a_persons_page_needs_the_screening_right_and_every_view_is_audited,
    stages_transfers_and_monitoring_reach_the_watch_list,
    figures_of_a_fixed_data_set_match_the_hand_count,
    a_case_counts_where_it_was_registered_in_the_figures_and_the_form_alike,
    a_charge_takes_its_class_from_the_penal_code_clause,
);

/// Penal Code art. 9 by the highest penalty of the clause: art. 364(1)
/// (offering bribes, at most 3 years) is less serious and cannot be sent as
/// especially serious; art. 353(3) (embezzlement, 15–20 years) is
/// especially serious; the case's class follows its most serious charge.
async fn a_charge_takes_its_class_from_the_penal_code_clause(app: common::App) {
    let h = "handler.hni";
    let mut body = case("case", "Vụ án đưa hối lộ", "2026-03-02");
    body["class"] = json!("serious");
    let id = create(&app, h, body).await;
    step(&app, h, &id, "prosecute", "2026-03-10").await;
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/parties"),
            Some(h),
            Some(json!({"person": {"full_name": "Lê Văn Cường"}, "role": "accused", "prosecuted_on": "2026-03-10"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let party = v["id"].as_str().unwrap().to_owned();
    let charge = |b: Value| {
        let uri = format!("/api/v1/case-parties/{party}/charges");
        let app = &app;
        async move { app.call("POST", &uri, Some(h), Some(b)).await }
    };
    let (s, v) = charge(json!({"article": 364, "clause": 1, "class": "especially_serious"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"][0]["field"], "class", "{v}");
    assert_eq!(v["errors"][0]["rule"], "contradicts_clause", "{v}");
    let (s, v) = charge(json!({"article": 364, "clause": 1})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let class = || async {
        let (_, c) = app
            .call("GET", &format!("/api/v1/cases/{id}"), Some(h), None)
            .await;
        c["case"]["facts"]["class"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| c.to_string())
    };
    // The class sent at registration was a guess; the charges decide it.
    assert_eq!(class().await, "less_serious");
    let (s, v) = charge(json!({"article": 353, "clause": 3})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(class().await, "especially_serious");
}

async fn create(app: &common::App, who: &str, body: Value) -> String {
    let (s, v) = app
        .call("POST", "/api/v1/cases", Some(who), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

fn case(kind: &str, title: &str, opened: &str) -> Value {
    json!({
        "kind": kind, "title": title, "summary": "Sai phạm trong đấu thầu thiết bị",
        "source": "inspection", "field": "corruption", "opened_on": opened, "class": "very_serious"
    })
}

async fn stage(
    app: &common::App,
    who: &str,
    id: &str,
    action: &str,
    on: &str,
) -> (StatusCode, Value) {
    app.call(
        "POST",
        &format!("/api/v1/cases/{id}/stage"),
        Some(who),
        Some(json!({"action": action, "on": on})),
    )
    .await
}

async fn step(app: &common::App, who: &str, id: &str, action: &str, on: &str) {
    let (s, v) = stage(app, who, id, action, on).await;
    assert_eq!(s, StatusCode::OK, "{action} on {on}: {v}");
}

async fn party(app: &common::App, who: &str, id: &str, name: &str, on: &str) -> String {
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/parties"),
            Some(who),
            Some(json!({"person": {"full_name": name}, "role": "accused", "prosecuted_on": on})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn asset(app: &common::App, who: &str, id: &str, kind: &str, on: &str, vnd: i64) {
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/assets"),
            Some(who),
            Some(json!({"kind": kind, "route": "investigation", "on": on, "amount_vnd": vnd})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn a_restricted_case_is_invisible_to_an_unassigned_handler(app: common::App) {
    let mut secret = case("case", "Vụ án mật danh Sông Hồng", "2026-03-02");
    secret["restricted"] = json!(true);
    let hidden = create(&app, "leader.hni", secret).await;
    let open = create(
        &app,
        "handler.hni",
        case("case", "Vụ án công khai", "2026-03-02"),
    )
    .await;
    step(&app, "leader.hni", &hidden, "prosecute", "2026-03-10").await;
    party(&app, "leader.hni", &hidden, "Phạm Văn Kín", "2026-03-10").await;
    step(&app, "handler.hni", &open, "prosecute", "2026-03-10").await;

    // The registering leader is named on it and sees it.
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{hidden}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, l) = app
        .call("GET", "/api/v1/cases", Some("leader.hni"), None)
        .await;
    assert_eq!(l["total"], 2);

    // A handler of the same unit, not named: 404, absent from list, search and counts.
    for who in ["handler.hni", "leader.tw"] {
        let (s, _) = app
            .call("GET", &format!("/api/v1/cases/{hidden}"), Some(who), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        let (s, _) = app
            .call(
                "POST",
                &format!("/api/v1/cases/{hidden}/stage"),
                Some(who),
                Some(json!({"action": "extend", "on": "2026-03-11"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} cannot act on it either");
    }
    let (_, l) = app
        .call("GET", "/api/v1/cases", Some("handler.hni"), None)
        .await;
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["id"], open.as_str());
    let (_, l) = app
        .call(
            "GET",
            "/api/v1/cases?q=song%20hong",
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(l["total"], 0, "search never betrays it: {l}");
    let (_, l) = app
        .call("GET", "/api/v1/cases?q=kin", Some("handler.hni"), None)
        .await;
    assert_eq!(l["total"], 0, "nor does a party's name");
    let (_, l) = app
        .call(
            "GET",
            "/api/v1/cases?q=song%20hong",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(l["total"], 1);
    // The figures are statistics: a handler holds no right to them, so a
    // restricted case cannot be inferred from a count; those who do read
    // them count every case, as form 07-PCTN does.
    let period = "/api/v1/case-figures?from=2026-01-01&to=2026-12-31";
    let (s, f) = app.call("GET", period, Some("handler.hni"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{f}");
    assert!(f.get("cases").is_none(), "{f}");
    for who in ["leader.hni", "analyst.hni"] {
        let (s, f) = app.call("GET", period, Some(who), None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["cases"]["newly_prosecuted"]["cases"], 2, "{who}: {f}");
        assert_eq!(f["cases"]["newly_prosecuted"]["defendants"], 1);
    }
    let (_, csv) = app
        .call("GET", "/api/v1/cases?format=csv", Some("handler.hni"), None)
        .await;
    let csv = csv.as_str().unwrap();
    assert!(
        !csv.contains("Sông Hồng") && csv.contains("Vụ án công khai"),
        "{csv}"
    );

    // Once a leader names them on it, they see it.
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{hidden}/access"),
            Some("leader.hni"),
            Some(json!({"username": "handler.hni"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{hidden}"),
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A clerk holds no right to the register at all.
    let (s, _) = app
        .call("GET", "/api/v1/cases", Some("clerk.hni"), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn a_persons_page_needs_the_screening_right_and_every_view_is_audited(app: common::App) {
    let id = create(
        &app,
        "handler.hni",
        case("case", "Vụ án nhận hối lộ", "2026-03-02"),
    )
    .await;
    step(&app, "handler.hni", &id, "prosecute", "2026-03-10").await;
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/parties"),
            Some("handler.hni"),
            Some(json!({"person": {"full_name": "Trần Văn Bình", "birth_year": 1968, "position": "Giám đốc Sở"}, "role": "accused", "prosecuted_on": "2026-03-10"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, c) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some("handler.hni"),
            None,
        )
        .await;
    let person = c["parties"][0]["party"]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/sanctions",
            Some("handler.hni"),
            Some(json!({"person_id": person, "case_id": id, "track": "party", "measure": "expulsion", "decided_on": "2026-04-01", "authority": "UBKT Thành ủy Hà Nội"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let views = || async { app.count("audit_log WHERE action = 'person.view'").await };
    for who in ["handler.hni", "clerk.hni", "auditor"] {
        let (s, _) = app
            .call("GET", &format!("/api/v1/persons/{person}"), Some(who), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(views().await, 0);
    let (s, d) = app
        .call(
            "GET",
            &format!("/api/v1/persons/{person}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["cases"][0][0]["id"], id.as_str());
    assert_eq!(d["sanctions"][0]["measure"], "expulsion");
    assert_eq!(views().await, 1);
    // A Party measure that does not fit: named field and rule, nothing written.
    let before = app.count("sanctions").await;
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/sanctions",
            Some("handler.hni"),
            Some(json!({"person_id": person, "track": "party", "measure": "dissolution", "decided_on": "2026-04-01", "authority": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["field"], "measure");
    assert_eq!(v["errors"][0]["rule"], "measure_of_track");
    assert_eq!(app.count("sanctions").await, before);
}

async fn stages_transfers_and_monitoring_reach_the_watch_list(app: common::App) {
    let id = create(
        &app,
        "handler.hni",
        case("incident", "Sai phạm cấp phép khai thác cát", "2026-09-01"),
    )
    .await;
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/monitoring"),
            Some("leader.hni"),
            Some(json!({"committee": "HNI", "session": "Phiên họp thứ 12", "decided_on": "2026-09-10",
                        "targets": [{"milestone": "conclude_investigation", "due_on": "2027-03-31"}, {"milestone": "prosecute", "due_on": "2026-10-31"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Only leaders decide monitoring.
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/monitoring"),
            Some("handler.hni"),
            Some(json!({"committee": "HNI", "session": "x", "decided_on": "2026-09-10"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // An illegal move names the stage and the action.
    let (s, v) = stage(&app, "handler.hni", &id, "indict", "2026-09-15").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("cannot indict a case in stage verification"),
        "{v}"
    );

    // The inspectorate reports the crime and sends the file to the police.
    let (s, v) = app
        .call("POST", &format!("/api/v1/cases/{id}/stage"), Some("handler.hni"),
              Some(json!({"action": "report_crime", "on": "2026-09-15", "send_to": "CA-HNI", "note": "KLTT số 15"})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["holder_code"], "CA-HNI");
    // Sent on Tue 15 Sep: acknowledge by Fri 18 Sep; unacknowledged, it is overdue for both.
    let (_, p) = app
        .call(
            "GET",
            "/api/v1/case-transfers?overdue=true",
            Some("handler.ca"),
            None,
        )
        .await;
    assert_eq!(p["items"][0]["ack_due"], "2026-09-18", "{p}");
    assert_eq!(p["items"][0]["overdue"], true);
    let (_, p) = app
        .call(
            "GET",
            "/api/v1/case-transfers?overdue=true",
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(p["items"].as_array().unwrap().len(), 1);
    let tid = p["items"][0]["id"].as_str().unwrap().to_owned();
    // Only the receiving agency acknowledges.
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/case-transfers/{tid}/acknowledge"),
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/case-transfers/{tid}/acknowledge"),
            Some("handler.ca"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/case-transfers/{tid}/acknowledge"),
            Some("handler.ca"),
            None,
        )
        .await;
    // A repeated acknowledgement (a retry, a double click) is answered like
    // the first and records nothing more (the one audit record is counted below).
    assert_eq!(s, StatusCode::NO_CONTENT, "a second acknowledgement");
    let (_, p) = app
        .call("GET", "/api/v1/case-transfers", Some("handler.ca"), None)
        .await;
    assert!(p["items"].as_array().unwrap().is_empty());

    // The police prosecute: the incident becomes a case with a case reference.
    step(&app, "handler.ca", &id, "prosecute", "2026-10-01").await;
    let (_, c) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some("handler.ca"),
            None,
        )
        .await;
    assert_eq!(c["case"]["kind"], "case");
    assert!(
        c["case"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("HNI-VA-2026-"),
        "{c}"
    );
    assert!(c["case"]["incident_reference"]
        .as_str()
        .unwrap()
        .starts_with("HNI-SV-2026-"));
    // Very serious: 4 months from 1 October.
    assert_eq!(
        c["limit"]["due"], "2027-02-01",
        "1 Feb 2027 is a Monday after 31 Jan (Sunday)"
    );
    assert_eq!(
        c["limit"]["citation"],
        "Criminal Procedure Code 2015, art. 172(1)"
    );

    // On the watch list: the prosecution target is met, the next is the investigation's.
    let (_, w) = app
        .call(
            "GET",
            "/api/v1/watchlist?committee=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    let row = &w["items"][0];
    assert_eq!(row["case"]["id"], id.as_str());
    assert_eq!(row["case"]["holder_code"], "CA-HNI");
    assert_eq!(
        row["monitoring"]["next_target"]["milestone"],
        "conclude_investigation"
    );
    assert_eq!(row["monitoring"]["next_target"]["due_on"], "2027-03-31");
    let (_, csv) = app
        .call(
            "GET",
            "/api/v1/watchlist?committee=HNI&format=csv",
            Some("leader.hni"),
            None,
        )
        .await;
    assert!(
        csv.as_str()
            .unwrap()
            .contains("conclude_investigation,2027-03-31"),
        "{csv}"
    );
    // Asked in a language, the same file reads in it.
    let (_, csv) = app
        .call(
            "GET",
            "/api/v1/watchlist?committee=HNI&format=csv&lang=vi",
            Some("leader.hni"),
            None,
        )
        .await;
    let text = csv.as_str().unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("Số hiệu vụ,"),
        "{text}"
    );
    assert!(
        text.contains("31/03/2027") && !text.contains("conclude_investigation"),
        "{text}"
    );

    // Deadlines per agency: the case is due in February at the police.
    let (_, d) = app
        .call(
            "GET",
            "/api/v1/case-deadlines?within=120",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(d["per_agency"][0]["unit_code"], "CA-HNI", "{d}");
    assert_eq!(d["per_agency"][0]["due_soon"], 1);

    // Every step was audited in its transaction.
    assert_eq!(app.count("audit_log WHERE action = 'case.stage'").await, 2);
    assert_eq!(
        app.count("audit_log WHERE action = 'case.transfer.acknowledge'")
            .await,
        1
    );

    // Removed by a later session, it leaves the watch list.
    let mid = c["monitorings"][0]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/monitorings/{mid}/removal"),
            Some("leader.hni"),
            Some(json!({"session": "Phiên họp thứ 14", "on": "2026-11-20"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, w) = app
        .call(
            "GET",
            "/api/v1/watchlist?committee=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert!(w["items"].as_array().unwrap().is_empty());
}

/// A fixed data set whose figures were counted by hand (see the comments),
/// for the first half of 2026, as Hà Nội's statistics count it (read by its
/// analyst; a restricted case counts like any other).
async fn figures_of_a_fixed_data_set_match_the_hand_count(app: common::App) {
    let h = "handler.hni";
    // A: prosecuted in 2025 (carried over) with P1, P2; P3 added in Feb 2026;
    // concluded 1 Mar, indicted 1 Apr, tried 15 Jun 2026.
    let a = create(&app, h, case("case", "Vụ A", "2025-10-01")).await;
    step(&app, h, &a, "prosecute", "2025-10-20").await;
    party(&app, h, &a, "P1", "2025-10-20").await;
    party(&app, h, &a, "P2", "2025-10-20").await;
    party(&app, h, &a, "P3", "2026-02-10").await;
    step(&app, h, &a, "conclude_investigation", "2026-03-01").await;
    step(&app, h, &a, "indict", "2026-04-01").await;
    step(&app, h, &a, "judge", "2026-06-15").await;
    asset(&app, h, &a, "to_recover", "2025-11-01", 100_000_000_000).await; // before the period
                                                                           // B: new in 2026 with P4, P5; concluded 1 May.
    let b = create(&app, h, case("case", "Vụ B", "2026-01-05")).await;
    step(&app, h, &b, "prosecute", "2026-01-20").await;
    party(&app, h, &b, "P4", "2026-01-20").await;
    party(&app, h, &b, "P5", "2026-01-20").await;
    step(&app, h, &b, "conclude_investigation", "2026-05-01").await;
    asset(&app, h, &b, "damage", "2026-02-01", 50_000_000_000).await;
    asset(&app, h, &b, "to_recover", "2026-05-01", 40_000_000_000).await;
    asset(&app, h, &b, "recovered", "2026-06-01", 10_000_000_000).await;
    // C: new in 2026 with P6; P7 added in March.
    let c = create(&app, h, case("case", "Vụ C", "2026-02-01")).await;
    step(&app, h, &c, "prosecute", "2026-02-15").await;
    party(&app, h, &c, "P6", "2026-02-15").await;
    party(&app, h, &c, "P7", "2026-03-15").await;
    asset(&app, h, &c, "to_recover", "2026-03-01", 20_000_000_000).await;
    asset(&app, h, &c, "seized", "2026-03-05", 5_000_000_000).await;
    asset(&app, h, &c, "recovered", "2026-06-20", 20_000_000_000).await;
    // D: an incident never prosecuted, with damage found.
    let d = create(&app, h, case("incident", "Vụ việc D", "2026-03-01")).await;
    asset(&app, h, &d, "damage", "2026-03-10", 7_000_000_000).await;
    // E: restricted, prosecuted in the period with no accused named yet; the
    // handler does not see it, the unit's statistics count it.
    let mut e = case("case", "Vụ E", "2026-02-01");
    e["restricted"] = json!(true);
    let e = create(&app, "leader.hni", e).await;
    step(&app, "leader.hni", &e, "prosecute", "2026-02-02").await;

    let (s, f) = app
        .call(
            "GET",
            "/api/v1/case-figures?from=2026-01-01&to=2026-06-30",
            Some("analyst.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let n = |path: &str, k: &str| f["cases"][path][k].as_i64().unwrap();
    // Newly prosecuted: B, C, E / P4, P5, P6 (P7 was added).
    assert_eq!(
        (
            n("newly_prosecuted", "cases"),
            n("newly_prosecuted", "defendants")
        ),
        (3, 3)
    );
    // Carried over: A / P1, P2.
    assert_eq!(
        (n("carried_over", "cases"), n("carried_over", "defendants")),
        (1, 2)
    );
    // Handled: A, B, C, E / P1, P2, P4, P5, P6.
    assert_eq!((n("handled", "cases"), n("handled", "defendants")), (4, 5));
    // Added: P3 in A, P7 in C.
    assert_eq!((n("added", "cases"), n("added", "defendants")), (2, 2));
    // Concluded: A with P1-P3, B with P4-P5.
    assert_eq!(
        (
            n("investigation_concluded", "cases"),
            n("investigation_concluded", "defendants")
        ),
        (2, 5)
    );
    assert_eq!(
        (n("indicted", "cases"), n("indicted", "defendants")),
        (1, 3)
    );
    assert_eq!(
        (
            n("tried_first_instance", "cases"),
            n("tried_first_instance", "defendants")
        ),
        (1, 3)
    );
    assert_eq!(
        (n("appealed", "cases"), n("appealed", "defendants")),
        (0, 0)
    );
    // Assets dated in the period: damage 50 + 7, to recover 40 + 20, seized 5,
    // recovered 10 + 20 billion VND: 30 / 60 = 50.0 %.
    assert_eq!(f["assets"]["damage"]["vnd"], 57_000_000_000i64);
    assert_eq!(f["assets"]["to_recover"]["vnd"], 60_000_000_000i64);
    assert_eq!(f["assets"]["seized"]["vnd"], 5_000_000_000i64);
    assert_eq!(f["assets"]["recovered"]["vnd"], 30_000_000_000i64);
    assert_eq!(f["recovery_rate_vnd"], "50.0");
    // After indictment A's accused are defendants (bị cáo).
    let (_, av) = app
        .call("GET", &format!("/api/v1/cases/{a}"), Some(h), None)
        .await;
    let roles: Vec<&str> = av["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["defendant"; 3]);
    // A party prosecuted before the case: refused with field and rule.
    let (s, v) = app
        .call("POST", &format!("/api/v1/cases/{c}/parties"), Some(h), Some(json!({"person": {"full_name": "P8"}, "role": "accused", "prosecuted_on": "2026-01-01"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["rule"], "after_case");
}

/// The one attribution of case figures: a case counts in the unit that
/// registered it, wherever its file went — on `/api/v1/case-figures` and in
/// form 07-PCTN alike.
async fn a_case_counts_where_it_was_registered_in_the_figures_and_the_form_alike(app: common::App) {
    let h = "handler.hni";
    let x = create(&app, h, case("case", "Vụ chuyển tỉnh", "2026-02-01")).await;
    step(&app, h, &x, "prosecute", "2026-02-10").await;
    party(&app, h, &x, "Bị can chuyển", "2026-02-10").await;
    // The file goes to Hồ Chí Minh City's unit.
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{x}/transfers"),
            Some(h),
            Some(json!({"to": "HCM", "sent_on": "2026-03-01"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        newly(&app, "leader.hni").await,
        (1, 1),
        "counted where registered"
    );
    assert_eq!(
        newly(&app, "leader.hcm").await,
        (0, 0),
        "not where the file went"
    );
    for (who, unit, expected) in [("leader.hni", "HNI", 1), ("leader.hcm", "HCM", 0)] {
        let (s, r) = app_call(
            &app,
            who,
            &format!("/api/v1/reports/07-PCTN?period=2026-H1&unit={unit}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let col = r["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["code"] == "new_cases" || c == "new_cases")
            .expect("a new_cases column");
        assert_eq!(
            r["total"][col], expected,
            "07-PCTN {unit} agrees with the figures"
        );
    }
}

async fn newly(app: &common::App, who: &str) -> (i64, i64) {
    let (s, f) = app_call(
        app,
        who,
        "/api/v1/case-figures?from=2026-01-01&to=2026-06-30",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    (
        f["cases"]["newly_prosecuted"]["cases"].as_i64().unwrap(),
        f["cases"]["newly_prosecuted"]["defendants"]
            .as_i64()
            .unwrap(),
    )
}

async fn app_call(app: &common::App, who: &str, uri: &str) -> (StatusCode, Value) {
    app.call("GET", uri, Some(who), None).await
}
