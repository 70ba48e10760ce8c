//! A steering committee's own work through the API, as its users meet it:
//! a provincial committee's leader records a session and adopts a
//! conclusion whose two directions give tasks to two agencies; the police
//! report one done and the committee accepts it; the other passes its due
//! date. Another province sees nothing of it, an agency cannot decide and
//! the committee cannot report for an agency. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use jiff::ToSpan;
use serde_json::{json, Value};

on_both!(a_committee_gives_tasks_follows_them_up_and_counts_them);

async fn ok(app: &common::App, method: &str, uri: &str, who: &str, body: Option<Value>) -> Value {
    let (s, v) = app.call(method, uri, Some(who), body).await;
    assert!(s.is_success(), "{method} {uri} as {who}: {s} {v}");
    v
}

async fn a_committee_gives_tasks_follows_them_up_and_counts_them(app: common::App) {
    let today = jiff::Zoned::now()
        .with_time_zone(liem_domain::calendar::legal_zone())
        .date();
    let held = today.checked_sub(30.days()).unwrap();
    let police_due = today.checked_add(20.days()).unwrap();
    // A session of the Hà Nội committee, recorded by its leader.
    let audit_before = app.count("audit_log").await;
    let m = ok(
        &app,
        "POST",
        "/api/v1/committee/meetings",
        "leader.hni",
        Some(json!({"kind": "session", "held_on": held.to_string(), "place": "Hội trường Thành ủy",
                    "chair": "Bí thư Thành ủy, Trưởng Ban", "members_total": 11,
                    "present": ["Nguyễn Văn A", "Trần Thị B", "Lê Văn C"], "excused": ["Phạm Văn D"],
                    "quorum": true, "agenda": [{"title": "Tiến độ các vụ án theo dõi"}]})),
    )
    .await;
    let meeting = m["id"].as_str().unwrap().to_owned();
    assert_eq!(app.count("audit_log").await, audit_before + 1);
    // Only a steering committee's leader records one.
    for who in ["handler.hni", "handler.ca", "analyst.hni", "clerk.hni"] {
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/committee/meetings",
                Some(who),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    // A conclusion with two directions: the police within a date, the
    // procuracy within five working days of the issue.
    let body = json!({"kind": "conclusion", "number": "15-KL/BCĐ", "issued_on": held.to_string(),
    "summary": "Kết luận phiên họp về tiến độ xử lý các vụ án",
    "directions": [
        {"text": "Công an thành phố đẩy nhanh điều tra vụ án", "tasks": [{"owner": "CA-HNI", "due_on": police_due.to_string()}]},
        {"text": "Viện kiểm sát hoàn thành rà soát hồ sơ", "tasks": [{"owner": "VKS-HNI", "due_working_days": 5}]}
    ]});
    // Another province's agency, or the committee itself, is not a unit it directs.
    let mut bad = body.clone();
    bad["directions"][0]["tasks"][0]["owner"] = json!("HCM");
    bad["directions"][1]["tasks"][0]["owner"] = json!("HNI");
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
            Some("leader.hni"),
            Some(bad),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("directions[0].tasks[0].owner", "directed_unit"),
            ("directions[1].tasks[0].owner", "directed_unit")
        ]
    );
    // Another province's leader finds no such meeting.
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
            Some("leader.hcm"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    ok(
        &app,
        "POST",
        &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
        "leader.hni",
        Some(body.clone()),
    )
    .await;
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
            Some("leader.hni"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "the same number twice: {p}");

    let v = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/meetings/{meeting}"),
        "leader.hni",
        None,
    )
    .await;
    let tasks = v["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{v}");
    let police = tasks.iter().find(|t| t["owner"] == "CA-HNI").unwrap();
    let procuracy = tasks.iter().find(|t| t["owner"] == "VKS-HNI").unwrap();
    // A date on a day off moves to the next working day; five working days
    // run from the day after the issue.
    let cal = liem_domain::calendar::Calendar::computed();
    let police_due = cal.next_working_day_from(police_due);
    assert_eq!(police["facts"]["due_on"], police_due.to_string());
    let procuracy_due: jiff::civil::Date = procuracy["facts"]["due_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(procuracy_due, cal.add_working_days(held, 5, |_| false));
    assert_eq!(procuracy["standing"]["standing"], "overdue", "{procuracy}");
    let police_id = police["id"].as_str().unwrap().to_owned();
    let procuracy_id = procuracy["id"].as_str().unwrap().to_owned();

    // The police see their task, not the procuracy's; another province neither.
    let mine = ok(&app, "GET", "/api/v1/committee/tasks", "handler.ca", None).await;
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![police_id.as_str()]);
    for id in [&police_id, &procuracy_id] {
        let (s, _) = app
            .call(
                "GET",
                &format!("/api/v1/committee/tasks/{id}"),
                Some("leader.hcm"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/committee/tasks/{procuracy_id}"),
            Some("handler.ca"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another agency's task");

    // The committee cannot report for the agency, nor accept what was not
    // reported; the agency cannot accept its own report.
    let step = |id: &str| format!("/api/v1/committee/tasks/{id}/steps");
    let (s, _) = app
        .call(
            "POST",
            &step(&police_id),
            Some("leader.hni"),
            Some(json!({"action": "report_done"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .call(
            "POST",
            &step(&police_id),
            Some("leader.hni"),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("cannot accept a task that is assigned"),
        "{p}"
    );
    let (s, p) = app
        .call(
            "POST",
            &step(&police_id),
            Some("handler.ca"),
            Some(json!({"action": "progress"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a progress report says what was done: {p}"
    );
    assert_eq!(p["errors"][0]["field"], "note");
    ok(
        &app,
        "POST",
        &step(&police_id),
        "handler.ca",
        Some(json!({"action": "progress", "note": "Đã khởi tố bổ sung 2 bị can"})),
    )
    .await;
    ok(
        &app,
        "POST",
        &step(&police_id),
        "handler.ca",
        Some(json!({"action": "report_done", "note": "Đã kết thúc điều tra"})),
    )
    .await;
    let (s, _) = app
        .call(
            "POST",
            &step(&police_id),
            Some("handler.ca"),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let t = ok(
        &app,
        "POST",
        &step(&police_id),
        "leader.hni",
        Some(json!({"action": "accept"})),
    )
    .await;
    assert_eq!(t["facts"]["state"], "done");
    assert_eq!(t["standing"]["standing"], "done_on_time");
    let actions: Vec<&str> = t["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["progress", "report_done", "accept"]);

    // The figures: one session, one conclusion, two tasks, one done on time
    // and one overdue; the province's, and the nation's for the centre.
    let q = format!("/api/v1/committee/figures?from={held}&to={today}");
    for (who, unit) in [("leader.hni", ""), ("leader.tw", "&unit=HNI")] {
        let f = ok(&app, "GET", &format!("{q}{unit}"), who, None).await;
        assert_eq!(
            (
                f["sessions"].as_u64(),
                f["conclusions"].as_u64(),
                f["tasks_assigned"].as_u64(),
                f["tasks_due"].as_u64(),
                f["done_on_time"].as_u64(),
                f["overdue"].as_u64()
            ),
            (Some(1), Some(1), Some(2), Some(2), Some(1), Some(1)),
            "{who}: {f}"
        );
    }
    // Rolled up: a row per committee in reach, and their total.
    let r = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/figures/by-committee?from={held}&to={today}"),
        "leader.tw",
        None,
    )
    .await;
    let rows = r["rows"].as_array().unwrap();
    let units: Vec<&str> = rows.iter().map(|r| r["unit"].as_str().unwrap()).collect();
    assert!(units.contains(&"HNI") && units.contains(&"TW"), "{r}");
    let hni = rows.iter().find(|r| r["unit"] == "HNI").unwrap();
    assert_eq!(hni["figures"]["sessions"], 1);
    let summed: u64 = rows
        .iter()
        .map(|r| r["figures"]["tasks_assigned"].as_u64().unwrap())
        .sum();
    assert_eq!(r["total"]["tasks_assigned"].as_u64(), Some(summed));
    let r = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/figures/by-committee?from={held}&to={today}"),
        "leader.hcm",
        None,
    )
    .await;
    assert!(
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["unit"] == "HCM"),
        "another province sees its own committee only: {r}"
    );
    let f = ok(&app, "GET", &q, "leader.hcm", None).await;
    assert_eq!(f["sessions"], 0, "another province counts none of it: {f}");
    let (s, _) = app
        .call("GET", &format!("{q}&unit=HNI"), Some("leader.hcm"), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let overdue = ok(
        &app,
        "GET",
        "/api/v1/committee/tasks?show=overdue",
        "leader.hni",
        None,
    )
    .await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    // The tasks page sums the open tasks by owner unit, the most overdue first.
    let (cookie, _) = common::session(&app, "leader.hni").await;
    let req = axum::http::Request::builder()
        .uri("/committee/tasks")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, page) = app.raw(req, "10.0.0.9").await;
    assert_eq!(s, StatusCode::OK);
    let table = &page[page.find("id=\"cm-by-owner\"").expect("the owners' table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let first = &table[table.find("<tr data-owner=").unwrap()..];
    assert!(first.starts_with("<tr data-owner=\"VKS-HNI\""), "{first}");
    let cells: Vec<&str> = first
        .split("<td class=\"num\">")
        .skip(1)
        .take(3)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(cells, vec!["1", "0", "1"], "open, due soon, overdue");
    assert!(
        !table.contains("CA-HNI"),
        "the police's task is done: {table}"
    );

    // The year's key work programme, adopted by the session: an item due
    // within a quarter, with its kind. A standing-body meeting cannot adopt one.
    let next = today.year() + 1;
    let programme = json!({"kind": "programme", "number": "01-CTr/BCĐ", "issued_on": held.to_string(),
        "summary": "Chương trình công tác trọng tâm",
        "directions": [{"text": "Xây dựng đề án nâng cao hiệu quả thu hồi tài sản",
                        "tasks": [{"owner": "VKS-HNI", "due_period": format!("{next}-Q1"), "kind": "project"}]}]});
    let standing = ok(
        &app,
        "POST",
        "/api/v1/committee/meetings",
        "leader.hni",
        Some(json!({"kind": "standing", "held_on": held.to_string(), "place": "Phòng họp", "chair": "Phó Trưởng ban",
                    "members_total": 5, "present": ["A"], "quorum": true})),
    )
    .await;
    let (s, p) = app
        .call(
            "POST",
            &format!(
                "/api/v1/committee/meetings/{}/conclusions",
                standing["id"].as_str().unwrap()
            ),
            Some("leader.hni"),
            Some(programme.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["rule"], "programme_at_session", "{p}");
    ok(
        &app,
        "POST",
        &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
        "leader.hni",
        Some(programme),
    )
    .await;
    let v = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/meetings/{meeting}"),
        "leader.hni",
        None,
    )
    .await;
    let item = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "project")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(item["due_period"], format!("{next}-Q1"));
    let end_of_march = jiff::civil::date(next, 3, 31);
    assert_eq!(
        item["facts"]["due_on"],
        cal.next_working_day_from(end_of_march).to_string()
    );

    // A thematic supervision of the police, its findings, and the
    // conclusion issued on it at the session: its recommendation is a task.
    let sup = ok(
        &app,
        "POST",
        "/api/v1/committee/inspections",
        "leader.hni",
        Some(json!({"kind": "thematic_supervision", "title": "Giám sát việc thu hồi tài sản", "subjects": ["CA-HNI"],
                    "team": ["Trưởng đoàn", "Thành viên"], "from": held.to_string(), "to": held.to_string()})),
    )
    .await;
    let sup = sup["id"].as_str().unwrap().to_owned();
    let (s, p) = app
        .call(
            "POST",
            "/api/v1/committee/inspections",
            Some("leader.hni"),
            Some(
                json!({"kind": "regular", "title": "Kiểm tra", "subjects": ["HCM"], "team": ["A"],
                        "from": held.to_string(), "to": held.to_string()}),
            ),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another province is not inspected: {p}"
    );
    assert_eq!(p["errors"][0]["rule"], "directed_unit");
    let on_it = json!({"kind": "announcement", "number": "30-TB/BCĐ", "issued_on": today.to_string(),
        "summary": "Thông báo kết luận giám sát", "inspection": sup,
        "directions": [{"text": "Công an thành phố rà soát, thu hồi tài sản", "tasks": [{"owner": "CA-HNI", "due_working_days": 20}]}]});
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
            Some("leader.hni"),
            Some(on_it.clone()),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no conclusion before the findings: {p}"
    );
    assert_eq!(p["errors"][0]["rule"], "inspection_open");
    ok(
        &app,
        "POST",
        &format!("/api/v1/committee/inspections/{sup}/findings"),
        "leader.hni",
        Some(json!({"findings": "Chưa thu hồi đủ tài sản theo bản án."})),
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
        "leader.hni",
        Some(on_it),
    )
    .await;
    let i = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/inspections/{sup}"),
        "leader.hni",
        None,
    )
    .await;
    assert_eq!(i["conclusion_number"], "30-TB/BCĐ");
    assert_eq!(i["tasks"].as_array().unwrap().len(), 1, "{i}");
    assert_eq!(i["tasks"][0]["owner"], "CA-HNI");
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/committee/inspections/{sup}"),
            Some("leader.hcm"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let f = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/figures?from={held}&to={today}"),
        "leader.hni",
        None,
    )
    .await;
    assert_eq!(
        (f["supervisions"].as_u64(), f["recommendations"].as_u64()),
        (Some(1), Some(1)),
        "{f}"
    );

    // A task on a case the committee monitors: its page shows the case's
    // next target, and that the two dates differ.
    let (s, c) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some("handler.hni"),
            Some(json!({"kind": "case", "title": "Vụ án đấu thầu", "summary": "Sai phạm đấu thầu", "source": "inspection",
                        "field": "corruption", "opened_on": held.to_string(), "class": "very_serious"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let case_id = c["id"].as_str().unwrap().to_owned();
    let case_ref = ok(
        &app,
        "GET",
        &format!("/api/v1/cases/{case_id}"),
        "leader.hni",
        None,
    )
    .await["case"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let target = cal.next_working_day_from(today.checked_add(60.days()).unwrap());
    ok(
        &app,
        "POST",
        &format!("/api/v1/cases/{case_id}/monitoring"),
        "leader.hni",
        Some(json!({"committee": "HNI", "session": "Phiên họp thứ 5", "decided_on": held.to_string(),
                    "targets": [{"milestone": "conclude_investigation", "due_on": target.to_string()}]})),
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("/api/v1/committee/meetings/{meeting}/conclusions"),
        "leader.hni",
        Some(json!({"kind": "conclusion", "number": "31-KL/BCĐ", "issued_on": today.to_string(), "summary": "Vụ án đấu thầu",
                    "directions": [{"text": "Kết thúc điều tra vụ án", "tasks": [{"owner": "CA-HNI", "due_working_days": 10, "case": case_ref}]}]})),
    )
    .await;
    let tasks = ok(
        &app,
        "GET",
        "/api/v1/committee/tasks?show=all",
        "leader.hni",
        None,
    )
    .await;
    let on_case = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["case_id"] == case_id.as_str())
        .unwrap_or_else(|| panic!("{tasks}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = ok(
        &app,
        "GET",
        &format!("/api/v1/committee/tasks/{on_case}"),
        "leader.hni",
        None,
    )
    .await;
    assert_eq!(t["case_reference"], case_ref.as_str());
    assert_eq!(t["case_target"]["due_on"], target.to_string());
    assert_eq!(t["drifts"], true);

    // A secret document of the session: the committee's leaders open it
    // (each opening audited); an analyst of the same unit sees that it is
    // there, not its name, and cannot open it.
    let (cookie, csrf) = common::session(&app, "leader.hni").await;
    let (ct, bytes) = common::multipart(
        &[("csrf", csrf.as_str()), ("secret", "true")],
        &[("file", "bien-ban-mat.pdf", b"%PDF-1.4 bien ban\n%%EOF")],
    );
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/committee/meetings/{meeting}/documents"))
        .header("cookie", cookie.as_str())
        .header("content-type", ct)
        .body(axum::body::Body::from(bytes))
        .unwrap();
    let (s, _) = app.raw(req, "10.0.0.9").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let seen = |who: &'static str| {
        let app = &app;
        let meeting = meeting.clone();
        async move {
            ok(
                app,
                "GET",
                &format!("/api/v1/committee/meetings/{meeting}"),
                who,
                None,
            )
            .await
        }
    };
    let v = seen("leader.hni").await;
    assert_eq!(v["documents"][0]["filename"], "bien-ban-mat.pdf");
    assert_eq!(v["documents"][0]["secret"], true);
    let doc = v["documents"][0]["id"].as_str().unwrap().to_owned();
    let v = seen("analyst.hni").await;
    assert_eq!(v["documents"][0]["filename"], "", "{v}");
    let get_doc = |cookie: String| {
        axum::http::Request::builder()
            .uri(format!("/committee/meetings/{meeting}/documents/{doc}"))
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let reads = || async {
        app.count("audit_log WHERE action = 'committee.document.read'")
            .await
    };
    let (analyst, _) = common::session(&app, "analyst.hni").await;
    let (s, _) = app.raw(get_doc(analyst), "10.0.0.9").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(reads().await, 0);
    let (s, body) = app.raw(get_doc(cookie), "10.0.0.9").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.starts_with("%PDF-1.4 bien ban"));
    assert_eq!(reads().await, 1);

    // The meetings' calendar feed parses with a standard library.
    let (s, ics) = app
        .call(
            "GET",
            "/api/v1/meetings.ics?unit=HNI",
            Some("analyst.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let ics = ics.as_str().unwrap().to_owned();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    let (s, _) = app
        .call(
            "GET",
            "/api/v1/meetings.ics?unit=HNI",
            Some("leader.hcm"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another province's feed is not there"
    );
    let python = match std::env::var("LIEM_PYTHON") {
        Ok(p) => p,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_PYTHON is not: run scripts/test")
        }
        _ => {
            eprintln!("!!! icalendar not available (run scripts/test): feed check SKIPPED !!!");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("meetings.ics");
    std::fs::write(&file, &ics).unwrap();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, icalendar\ncal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
             for e in cal.walk('VEVENT'):\n    print(e.decoded('DTSTART').isoformat(), str(e.get('LOCATION')))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut events: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    events.sort();
    assert_eq!(
        events,
        vec![
            format!("{held} Hội trường Thành ủy"),
            format!("{held} Phòng họp")
        ]
    );
}
