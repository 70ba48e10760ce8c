//! The handler's day and one's own account, through the real router on
//! SQLite and PostgreSQL: the register as a CSV file in the reader's
//! language, "my letters", a handler assigned from the letter's page, and
//! a password change that protects the key pair anew and ends the other
//! sessions.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

on_both!(
    the_register_downloads_as_csv_in_the_readers_language_and_only_what_the_reader_may_see,
    a_leader_assigns_from_the_page_and_the_handler_finds_it_under_my_letters,
    a_password_change_protects_the_key_pair_anew_and_ends_the_other_sessions,
    a_deep_link_survives_the_login_and_no_login_sends_the_reader_off_site,
    an_administrator_resets_a_forgotten_password_within_their_tree_only,
    the_register_sorts_by_the_day_received_and_pages_keep_the_order,
    a_central_administrator_enters_and_removes_a_day_off_on_the_calendar_page,
    the_rules_page_lists_each_limit_with_its_citation_and_only_the_centre_changes_one,
    an_administrator_adds_a_unit_and_sets_a_timer_policy_within_their_tree_only,
);

fn letter(kind: &str, name: &str, summary: &str) -> Value {
    json!({
        "kinds": [kind],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "sender": {"kind": "person", "name": name, "address": "12 Phố Huế"},
        "summary": summary,
        "content": "Nội dung chi tiết."
    })
}

async fn get_text(app: &common::App, who: &str, uri: &str) -> (StatusCode, String, String) {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Posts a page form with a session; status and `Location`.
async fn post_form(
    app: &common::App,
    session: &(String, String),
    uri: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &session.1);
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    let req = Request::post(uri)
        .header(header::COOKIE, &session.0)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

async fn the_register_downloads_as_csv_in_the_readers_language_and_only_what_the_reader_may_see(
    app: common::App,
) {
    for (who, kind, name, summary) in [
        (
            "clerk.hni",
            "complaint",
            "Lê Thị Khiếu",
            "Khiếu nại thu hồi đất",
        ),
        (
            "clerk.hni",
            "denunciation",
            "Phạm Văn Kín",
            "Tố cáo cán bộ địa chính",
        ),
        (
            "clerk.hni",
            "recommendation",
            "Đỗ Văn Kiến",
            "=HYPERLINK(\"x\") kiến nghị",
        ),
        (
            "clerk.hcm",
            "complaint",
            "Người Tỉnh Khác",
            "Khiếu nại ở TP HCM",
        ),
    ] {
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/letters",
                Some(who),
                Some(letter(kind, name, summary)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, listed) = app
        .call("GET", "/api/v1/letters", Some("leader.hni"), None)
        .await;
    assert_eq!(listed["total"], 3);

    let (s, kind, text) = get_text(&app, "leader.hni", "/api/v1/letters?format=csv&lang=vi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("Số đơn,Ngày nhận,"), "{}", lines[0]);
    assert_eq!(
        lines.len(),
        1 + 3,
        "every letter the filter finds: {lines:?}"
    );
    assert!(
        text.contains("Lê Thị Khiếu"),
        "a complaint's sender is shown"
    );
    assert!(
        text.contains("02/11/2026"),
        "dates as Vietnamese write them"
    );
    assert!(
        !text.contains("Phạm Văn Kín"),
        "a denouncer stays sealed in the file"
    );
    assert!(
        !text.contains("Người Tỉnh Khác"),
        "another province's letter is not there"
    );
    assert!(text.contains("'=HYPERLINK"), "a formula is neutralised");
    // The same file in English, and filtered like the list.
    let (_, _, en) = get_text(
        &app,
        "leader.hni",
        "/api/v1/letters?format=csv&lang=en&kind=complaint",
    )
    .await;
    let en_lines: Vec<&str> = en.trim_start_matches('\u{feff}').lines().collect();
    assert!(en_lines[0].starts_with("Reference,"), "{}", en_lines[0]);
    assert_eq!(en_lines.len(), 2);
    assert!(en.contains("2 Nov 2026"));
    // Another province's leader gets a file of its own letters only.
    let (_, _, hcm) = get_text(&app, "leader.hcm", "/api/v1/letters?format=csv").await;
    assert!(hcm.contains("Người Tỉnh Khác") && !hcm.contains("Lê Thị Khiếu"));
    // An unknown format is refused, naming the field.
    let (s, p) = app
        .call(
            "GET",
            "/api/v1/letters?format=xml",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "format");
}

async fn a_leader_assigns_from_the_page_and_the_handler_finds_it_under_my_letters(
    app: common::App,
) {
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter(
                "complaint",
                "Vũ Thị Giao",
                "Khiếu nại về bồi thường",
            )),
        )
        .await;
    let letter_id = v["id"].as_str().unwrap().to_owned();
    let matter = v["matters"][0]["id"].as_str().unwrap().to_owned();
    let (_, me) = app
        .call("GET", "/api/v1/me", Some("handler.hni"), None)
        .await;
    let handler = me["id"].as_str().unwrap().to_owned();

    let (_, mine) = app
        .call(
            "GET",
            "/api/v1/letters?mine=true",
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(mine["total"], 0);

    // A handler may not assign; another province's leader finds nothing.
    let uri = format!("/matters/{matter}/assign");
    let form = [
        ("letter", letter_id.as_str()),
        ("handler", handler.as_str()),
    ];
    let hcm = common::session(&app, "leader.hcm").await;
    let (s, _, _) = post_form(&app, &hcm, &uri, &form).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let h = common::session(&app, "handler.hni").await;
    let (s, _, _) = post_form(&app, &h, &uri, &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Someone who is no handler of the unit is refused, naming the field.
    let (_, clerk) = app.call("GET", "/api/v1/me", Some("clerk.hni"), None).await;
    let leader = common::session(&app, "leader.hni").await;
    let (s, _, body) = post_form(
        &app,
        &leader,
        &uri,
        &[
            ("letter", &letter_id),
            ("handler", clerk["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("role=\"alert\""),
        "the refusal is shown on the page"
    );

    let (s, location, _) = post_form(&app, &leader, &uri, &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("/petitions/{letter_id}")),
        "{location}"
    );

    let (_, mine) = app
        .call(
            "GET",
            "/api/v1/letters?mine=true",
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], letter_id.as_str());
    // "Mine" with another handler's id contradicts itself.
    let (s, p) = app
        .call(
            "GET",
            &format!("/api/v1/letters?mine=true&handler={}", uuid::Uuid::now_v7()),
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "mine");
    // The page offers the unit's handlers to its leader, and not to the
    // handler.
    let (_, page) = common::page(&app, "leader.hni", &format!("/petitions/{letter_id}")).await;
    assert!(page.contains("class=\"assign\"") && page.contains("handler.hni"));
    let (_, page) = common::page(&app, "handler.hni", &format!("/petitions/{letter_id}")).await;
    assert!(!page.contains("class=\"assign\""));
}

async fn a_password_change_protects_the_key_pair_anew_and_ends_the_other_sessions(
    app: common::App,
) {
    let new = "một mật khẩu mới đủ dài";
    let first = common::session(&app, "handler.hni").await;
    let second = common::session(&app, "handler.hni").await;
    // Wrong current password, short new one, mismatch: each named.
    let (s, _, body) = post_form(
        &app,
        &second,
        "/account/password",
        &[
            ("current_password", "không đúng"),
            ("new_password", "ngắn"),
            ("repeat_password", "khác"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "current_password-error",
        "new_password-error",
        "repeat_password-error",
    ] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let (s, location, _) = post_form(
        &app,
        &second,
        "/account/password",
        &[
            ("current_password", common::PASSWORD),
            ("new_password", new),
            ("repeat_password", new),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location}");
    // The session that changed it goes on; the other one has ended.
    let (s, _, _) = post_form(&app, &second, "/account/factor", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = post_form(&app, &first, "/account/factor", &[]).await;
    assert!(
        matches!(
            s,
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER | StatusCode::FORBIDDEN
        ),
        "{s}"
    );
    // The old password no longer logs in; the new one does.
    for (password, ok) in [(common::PASSWORD, false), (new, true)] {
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "handler.hni", "password": password}).to_string(),
            ))
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status() == StatusCode::OK, ok, "{password}");
    }
    // The key pair that opens sealed identities opens with the new password
    // only.
    let (_, me) = app
        .call("GET", "/api/v1/me", Some("handler.hni"), None)
        .await;
    let id = liem_domain::ids::UserId(me["id"].as_str().unwrap().parse().unwrap());
    let mut c = app.db.store.conn().await.unwrap();
    let key = liem_store::keys::user_key(&mut c, id)
        .await
        .unwrap()
        .unwrap();
    let owner = id.0.as_bytes().to_vec();
    assert!(liem_server::keys::open_protected(&key, new, &owner).is_ok());
    assert!(liem_server::keys::open_protected(&key, common::PASSWORD, &owner).is_err());
}

async fn a_deep_link_survives_the_login_and_no_login_sends_the_reader_off_site(app: common::App) {
    let get = |uri: &str| {
        Request::get(uri)
            .header(header::ACCEPT_LANGUAGE, "vi")
            .body(Body::empty())
            .unwrap()
    };
    let resp = app
        .router
        .clone()
        .oneshot(get("/petitions?mine=true&from=2026-01-01"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()[header::LOCATION],
        "/login?next=%2Fpetitions%3Fmine%3Dtrue%26from%3D2026-01-01"
    );
    let login = |uri: &'static str| {
        let app = &app;
        async move {
            let resp = app.router.clone().oneshot(get(uri)).await.unwrap();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            String::from_utf8(bytes.to_vec()).unwrap()
        }
    };
    let page = login("/login?next=%2Fpetitions%3Fmine%3Dtrue").await;
    assert!(
        page.contains(r#"name="next" value="/petitions?mine=true""#),
        "the page remembers where to go"
    );
    for off_site in [
        "/login?next=%2F%2Fevil.example%2Fx",
        "/login?next=https%3A%2F%2Fevil.example",
    ] {
        let page = login(off_site).await;
        assert!(
            page.contains(r#"name="next" value="/petitions""#),
            "{off_site}"
        );
        assert!(!page.contains("evil.example"));
    }
}

async fn an_administrator_resets_a_forgotten_password_within_their_tree_only(app: common::App) {
    let admin = common::session(&app, "admin.hni").await;
    let victim = common::session(&app, "handler.hni").await;
    // Another province's user is not found; one's own is refused; without
    // the box ticked nothing happens.
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/admin/users/clerk.hcm/reset",
        &[("confirm", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/admin/users/admin.hni/reset",
        &[("confirm", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, body) = post_form(&app, &admin, "/admin/users/handler.hni/reset", &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!body.contains("id=\"us-password\""));
    let (s, _, _) = post_form(&app, &victim, "/account/factor", &[]).await;
    assert_eq!(s, StatusCode::OK, "nothing was reset yet");
    // A handler holds no right to it at all.
    let (s, _, _) = post_form(
        &app,
        &victim,
        "/admin/users/clerk.hni/reset",
        &[("confirm", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, _, body) = post_form(
        &app,
        &admin,
        "/admin/users/handler.hni/reset",
        &[("confirm", "true")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let password = common::between(&body, "id=\"us-password\">", "</code>")
        .expect("the new password, shown once")
        .to_owned();
    assert!(password.len() >= 16, "{password}");
    // Their session and token ended; the old password opens nothing; the
    // new one logs in, and opens their new key pair.
    let (s, _, _) = post_form(&app, &victim, "/account/factor", &[]).await;
    assert_ne!(s, StatusCode::OK, "the session ended");
    let (s, _) = app
        .call("GET", "/api/v1/me", Some("handler.hni"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the token was revoked");
    for (pw, ok) in [(common::PASSWORD, false), (password.as_str(), true)] {
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "handler.hni", "password": pw}).to_string(),
            ))
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status() == StatusCode::OK, ok, "{pw}");
    }
    let (_, list) = common::page(&app, "admin.hni", "/admin/users").await;
    assert!(list.contains("id=\"user-handler.hni\"") && !list.contains("clerk.hcm"));
    let mut c = app.db.store.conn().await.unwrap();
    let (u, _) = liem_store::users::by_username(&mut c, "handler.hni")
        .await
        .unwrap()
        .unwrap();
    let key = liem_store::keys::user_key(&mut c, u.id)
        .await
        .unwrap()
        .unwrap();
    assert!(liem_server::keys::open_protected(&key, &password, u.id.0.as_bytes()).is_ok());
}

async fn the_register_sorts_by_the_day_received_and_pages_keep_the_order(app: common::App) {
    // Received out of the order they are registered in, two on one day.
    for day in [
        "2026-10-05",
        "2026-09-01",
        "2026-11-20",
        "2026-09-01",
        "2026-10-30",
    ] {
        let mut l = letter("recommendation", "Ngô Văn Sắp", "Kiến nghị sắp xếp");
        l["received_on"] = json!(day);
        let (s, _) = app
            .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(l))
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    for (sort, expected) in [
        (
            "received",
            [
                "2026-09-01",
                "2026-09-01",
                "2026-10-05",
                "2026-10-30",
                "2026-11-20",
            ],
        ),
        (
            "-received",
            [
                "2026-11-20",
                "2026-10-30",
                "2026-10-05",
                "2026-09-01",
                "2026-09-01",
            ],
        ),
    ] {
        // One letter a page: the cursors walk the whole order, each once.
        let mut days = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut cursor = String::new();
        loop {
            let uri = format!("/api/v1/letters?sort={sort}&limit=1&cursor={cursor}");
            let (s, page) = app.call("GET", &uri, Some("leader.hni"), None).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            for l in page["items"].as_array().unwrap() {
                days.push(l["received_on"].as_str().unwrap().to_owned());
                assert!(
                    ids.insert(l["id"].as_str().unwrap().to_owned()),
                    "a letter twice"
                );
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.replace('~', "%7E"),
                None => break,
            }
        }
        assert_eq!(days, expected, "{sort}");
    }
    // An unknown order, and a cursor of another order, are refused.
    let (s, p) = app
        .call(
            "GET",
            "/api/v1/letters?sort=sender",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");
    let (_, first) = app
        .call("GET", "/api/v1/letters?limit=1", Some("leader.hni"), None)
        .await;
    let id_cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (s, p) = app
        .call(
            "GET",
            &format!("/api/v1/letters?sort=received&cursor={id_cursor}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "cursor");
    // The page's heading sorts, keeping the filters.
    let (_, page) = common::page(
        &app,
        "leader.hni",
        "/petitions?kind=recommendation&sort=-received",
    )
    .await;
    assert!(page.contains("aria-sort=\"descending\""));
    let link = common::between(&page, "<thead>", "</thead>").unwrap_or_default();
    assert!(
        page.contains("href=\"/petitions?kind=recommendation&#38;sort=received\""),
        "the heading turns the order round: {link}"
    );
}

async fn a_central_administrator_enters_and_removes_a_day_off_on_the_calendar_page(
    app: common::App,
) {
    let day = [
        ("date", "2027-09-03"),
        ("kind", "day_off"),
        ("name", "Nghỉ liền kề Quốc khánh"),
    ];
    // A province's administrator may not change the national calendar.
    let province = common::session(&app, "admin.hni").await;
    let (s, _, _) = post_form(&app, &province, "/calendar/days", &day).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, page) = common::page(&app, "admin.hni", "/calendar?year=2027").await;
    assert!(!page.contains("id=\"cal-add\""), "no form for them");

    let central = common::session(&app, "admin").await;
    let (s, location, _) = post_form(&app, &central, "/calendar/days", &day).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location, "/calendar?year=2027&done=1");
    let (_, page) = common::page(&app, "admin", "/calendar?year=2027&lang=vi").await;
    assert!(
        page.contains("03/09/2027") && page.contains("Nghỉ liền kề Quốc khánh"),
        "entered and listed"
    );
    let (_, cal) = app
        .call("GET", "/api/v1/calendar/2027", Some("clerk.hni"), None)
        .await;
    assert!(
        cal.to_string().contains("2027-09-03"),
        "the calendar counts it: {cal}"
    );
    // A bad date is refused, naming the field.
    let (s, _, body) = post_form(
        &app,
        &central,
        "/calendar/days",
        &[("date", "31/02/2027"), ("kind", "day_off"), ("name", "x")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("role=\"alert\""));
    let (s, _, _) = post_form(&app, &central, "/calendar/days/2027-09-03/remove", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = common::page(&app, "admin", "/calendar?year=2027").await;
    assert!(!page.contains("Nghỉ liền kề Quốc khánh"));
}

async fn the_rules_page_lists_each_limit_with_its_citation_and_only_the_centre_changes_one(
    app: common::App,
) {
    let (s, page) = common::page(&app, "clerk.hni", "/admin/rules?lang=vi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"rule-complaint_accept\""));
    assert!(
        page.contains("Luật Khiếu nại 2011"),
        "the citation in Vietnamese"
    );
    assert!(
        !page.contains("action=\"/admin/rules/"),
        "no form for a clerk"
    );
    let province = common::session(&app, "admin.hni").await;
    let (s, _, _) = post_form(
        &app,
        &province,
        "/admin/rules/letter_handling",
        &[("unit", "days")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let central = common::session(&app, "admin").await;
    let (s, location, _) = post_form(
        &app,
        &central,
        "/admin/rules/letter_handling",
        &[("unit", "days")],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, "/admin/rules?done=1")
    );
    let (_, rules) = app
        .call("GET", "/api/v1/rules", Some("clerk.hni"), None)
        .await;
    let r = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "letter_handling" && r["valid_to"].is_null())
        .unwrap();
    assert_eq!(r["unit"], "days");
    let (s, _, _) = post_form(
        &app,
        &central,
        "/admin/rules/letter_handling",
        &[("unit", "fortnights")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sqlite_a_custodian_sets_up_the_required_second_factor_before_anything_else() {
    let app = common::app_with(
        liem_store::testing::TestDb::sqlite().await,
        liem_server::Settings {
            require_second_factor: true,
            ..Default::default()
        },
    )
    .await;
    a_custodian_sets_up_the_required_second_factor_before_anything_else(app).await;
}

#[tokio::test]
async fn postgres_a_custodian_sets_up_the_required_second_factor_before_anything_else() {
    let Some(db) = liem_store::testing::TestDb::postgres().await else {
        return;
    };
    let store = db.store.clone();
    let app = common::app_with(
        db,
        liem_server::Settings {
            require_second_factor: true,
            ..Default::default()
        },
    )
    .await;
    a_custodian_sets_up_the_required_second_factor_before_anything_else(app).await;
    common::the_trail_explains_every_record(&store).await;
}

/// A page as seen with a session: status and `Location`.
async fn get_with(
    app: &common::App,
    session: &(String, String),
    uri: &str,
) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::COOKIE, &session.0)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status(), location)
}

fn base32_decode(text: &str) -> Vec<u8> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).unwrap() as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

async fn a_custodian_sets_up_the_required_second_factor_before_anything_else(app: common::App) {
    let custodian = common::session(&app, "custodian.hni").await;
    // Every page leads to the account page; the API refuses, naming why.
    assert_eq!(
        get_with(&app, &custodian, "/custody").await,
        (StatusCode::SEE_OTHER, "/account?enrol=1".to_owned())
    );
    let (s, _) = get_with(&app, &custodian, "/account?enrol=1").await;
    assert_eq!(s, StatusCode::OK);
    let req = Request::get("/api/v1/unseal-requests")
        .header(header::COOKIE, &custodian.0)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("second-factor-required"));
    // A clerk is not concerned.
    let clerk = common::session(&app, "clerk.hni").await;
    assert_eq!(get_with(&app, &clerk, "/petitions").await.0, StatusCode::OK);

    // The custodian sets it up; then everything is open again.
    let (s, _, page) = post_form(&app, &custodian, "/account/factor", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let secret = common::between(&page, "id=\"factor-secret-text\">", "</code>").unwrap();
    let key = base32_decode(secret);
    let step = jiff::Timestamp::now().as_second().div_euclid(30);
    let code = format!("{:06}", liem_server::totp::code_at(&key, step));
    let (s, location, _) = post_form(
        &app,
        &custodian,
        "/account/factor/confirm",
        &[("code", &code)],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, "/account?done=factor-on")
    );
    assert_eq!(
        get_with(&app, &custodian, "/custody").await.0,
        StatusCode::OK
    );
}

async fn an_administrator_adds_a_unit_and_sets_a_timer_policy_within_their_tree_only(
    app: common::App,
) {
    let admin = common::session(&app, "admin.hni").await;
    let (s, page) = common::page(&app, "admin.hni", "/admin/units").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"unit-CA-HNI\""),
        "the units under Hà Nội"
    );
    assert!(!page.contains("id=\"unit-HCM"), "not another province's");
    let (s, _) = common::page(&app, "admin.hni", "/admin/units?parent=HCM").await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another province's tree does not exist for them"
    );
    let (s, _) = common::page(&app, "clerk.hni", "/admin/units").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, _, body) = post_form(
        &app,
        &admin,
        "/admin/units",
        &[
            ("code", "HNI-M77"),
            ("name", "Phường Thử Nghiệm"),
            ("kind", "commune"),
            ("parent", "HNI"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let key = common::between(&body, "id=\"un-recovery-key\">", "</code>")
        .expect("the recovery key, once");
    assert!(key.len() > 20);
    assert!(body.contains("id=\"unit-HNI-M77\""));
    // A bad code is refused next to its field.
    let (s, _, body) = post_form(
        &app,
        &admin,
        "/admin/units",
        &[
            ("code", "không hợp lệ"),
            ("name", "X"),
            ("kind", "commune"),
            ("parent", "HNI"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("id=\"code-error\""));

    let (s, location, _) = post_form(
        &app,
        &admin,
        "/admin/units/HNI-M77/policy",
        &[("policy", "eu")],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, "/admin/units?parent=HNI&done=1")
    );
    let mut c = app.db.store.conn().await.unwrap();
    let u = liem_store::units::by_code(&mut c, "HNI-M77").await.unwrap();
    assert_eq!(
        liem_store::units::policy(&mut c, u.id)
            .await
            .unwrap()
            .as_str(),
        "eu"
    );
    drop(c);
    let (s, _, _) = post_form(&app, &admin, "/admin/units/HCM/policy", &[("policy", "eu")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
