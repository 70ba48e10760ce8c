//! API tests through the real router, on a real SQLite file.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{app, app_on};
use http_body_util::BodyExt;
use liem_store::testing::TestDb;
use serde_json::{json, Value};
use tower::ServiceExt;

fn letter(kind: &str, name: &str) -> Value {
    json!({
        "kinds": [kind],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Phường Ba Đình, Hà Nội",
        "sender": {"kind": "person", "name": name, "id_number": "001085012345", "address": "12 Phố Huế"},
        "subject": "Chủ tịch UBND phường",
        "summary": "Tố cáo nhận hối lộ khi cấp phép xây dựng",
        "content": "Nội dung chi tiết về hành vi tham nhũng."
    })
}

fn fields_of(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn invalid_letter_is_a_422_naming_each_field_and_writes_nothing() {
    let app = app().await;
    let before = (
        app.count("letters").await,
        app.count("matters").await,
        app.count("audit_log").await,
    );
    let mut bad = letter("denunciation", "Nguyễn Văn A");
    bad["kinds"] = json!(["denunciation", "rumour"]);
    bad["received_on"] = json!("02/11/2026");
    bad["sender"]["email"] = json!("not-an-email");
    bad["field"] = json!("astrology");
    let (status, p) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["type"], "/problems/validation-failed");
    let f = fields_of(&p);
    assert!(
        f.contains(&("kinds[1]".into(), "unknown_value".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("received_on".into(), "date_format".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("sender.email".into(), "email_format".into())),
        "{f:?}"
    );
    // A wrong JSON type names its path too.
    let mut wrong_type = letter("complaint", "B");
    wrong_type["signatories"] = json!("many");
    let (status, p) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(wrong_type),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&p)[0].0, "signatories");
    // An unknown field code is caught against the reference list.
    let mut unknown_field = letter("complaint", "C");
    unknown_field["field"] = json!("astrology");
    let (status, p) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(unknown_field),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields_of(&p),
        vec![("field".to_owned(), "unknown_value".to_owned())]
    );
    let after = (
        app.count("letters").await,
        app.count("matters").await,
        app.count("audit_log").await,
    );
    assert_eq!(before, after, "nothing may be written");
}

#[tokio::test]
async fn a_letter_is_registered_numbered_and_found_without_diacritics() {
    let app = app().await;
    let mut l = letter("complaint", "Phạm Thị Hồng");
    l["kinds"] = json!(["complaint", "denunciation"]);
    let (status, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(l))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["reference"], "HNI-2026-000001");
    // One matter per kind, each with its statutory deadline.
    let matters = v["matter_views"].as_array().unwrap();
    assert_eq!(matters.len(), 2);
    let codes: Vec<&str> = matters
        .iter()
        .map(|m| m["deadline"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["complaint_accept", "denunciation_register"]);
    // Received Monday 2 Nov 2026: 10 working days -> 16 Nov; 7 -> 11 Nov.
    assert_eq!(matters[0]["deadline"]["due"], "2026-11-16");
    assert_eq!(matters[1]["deadline"]["due"], "2026-11-11");
    // Holding a denunciation, the sender's identity is sealed.
    assert_eq!(v["sealed"], true);
    assert_eq!(v["sender_name"], Value::Null);
    let (_, list) = app
        .call("GET", "/api/v1/letters?q=HOI%20LO", Some("clerk.hni"), None)
        .await;
    assert_eq!(list["total"], 1);
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/letters?q=pham%20thi%20hong",
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(list["total"], 0, "a sealed name is never searchable");
    let (status, _) = app
        .call(
            "GET",
            "/api/v1/letters/by-reference/hni-2026-000001",
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn letters_outside_scope_do_not_exist_for_the_caller() {
    let app = app().await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("complaint", "A")),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let (status, p) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}"),
            Some("clerk.hcm"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(p["status"], 404);
    let (_, list) = app
        .call("GET", "/api/v1/letters", Some("clerk.hcm"), None)
        .await;
    assert_eq!(list["total"], 0);
    // The central leader sees the whole tree.
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}"),
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The auditor holds no right to read petitions at all.
    let (status, _) = app
        .call("GET", "/api/v1/letters", Some("auditor"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call("GET", "/api/v1/letters", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_handler_sees_a_sealed_identity_only_after_a_custodian_approves() {
    let app = app().await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("denunciation", "Lê Thị Kín Đáo")),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let pw = json!({"password": common::PASSWORD});
    let identity_uri = format!("/api/v1/letters/{id}/identity");
    // Nobody sees it without an approved request, not even with the password.
    let (status, _) = app
        .call("POST", &identity_uri, Some("handler.hni"), Some(pw.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let ask = format!("/api/v1/letters/{id}/unseal-requests");
    let reason = json!({"reason": "cần xác minh nhân thân người tố cáo"});
    let (status, _) = app
        .call("POST", &ask, Some("clerk.hni"), Some(reason.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a clerk may not ask");
    let (status, _) = app
        .call("POST", &ask, Some("leader.tw"), Some(reason.clone()))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a leader above is not of the handling unit"
    );
    let (status, p) = app
        .call(
            "POST",
            &ask,
            Some("handler.hni"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&p)[0].0, "reason");
    let (status, req) = app
        .call("POST", &ask, Some("handler.hni"), Some(reason))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    let rid = req["id"].as_str().unwrap().to_owned();
    assert_eq!(req["status"], "pending");

    // Still hidden while pending.
    let (status, _) = app
        .call("POST", &identity_uri, Some("handler.hni"), Some(pw.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Only the custodian decides, and needs the right password to approve.
    let (_, pending) = app
        .call(
            "GET",
            "/api/v1/unseal-requests?status=pending",
            Some("custodian.hni"),
            None,
        )
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let decide = format!("/api/v1/unseal-requests/{rid}/decision");
    let (status, _) = app
        .call(
            "POST",
            &decide,
            Some("leader.hni"),
            Some(json!({"approve": true, "password": common::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, p) = app
        .call(
            "POST",
            &decide,
            Some("custodian.hni"),
            Some(json!({"approve": true, "password": "wrong password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields_of(&p),
        vec![("password".to_owned(), "does_not_open".to_owned())]
    );
    let audits_before = app.count("audit_log").await;
    let (status, d) = app
        .call(
            "POST",
            &decide,
            Some("custodian.hni"),
            Some(json!({"approve": true, "password": common::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "approved");
    assert_eq!(app.count("audit_log").await, audits_before + 1);
    let (status, _) = app
        .call(
            "POST",
            &decide,
            Some("custodian.hni"),
            Some(json!({"approve": false})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");

    // The requester now sees it with their own password; the view is audited.
    let (status, _) = app
        .call(
            "POST",
            &identity_uri,
            Some("handler.hni"),
            Some(json!({"password": "wrong password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, identity) = app
        .call("POST", &identity_uri, Some("handler.hni"), Some(pw.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(identity["identity"]["name"], "Lê Thị Kín Đáo");
    let (status, _) = app
        .call("POST", &identity_uri, Some("leader.hni"), Some(pw))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another handler of the unit still cannot"
    );
    let mut c = app.db.store.conn().await.unwrap();
    let trail = liem_store::audit::for_entity(&mut c, "letter", &id)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    for a in [
        "identity.unseal_request",
        "identity.unseal_approve",
        "identity.unseal",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(
        trail.iter().all(|r| !r.detail.contains("Kín Đáo")),
        "the audit trail holds no identity"
    );

    // The unit's recovery key opens it too (kept offline for when no custodian can).
    let letter_id: liem_domain::ids::LetterId = id.parse().unwrap();
    let i = app.recover("HNI", letter_id).await.unwrap();
    assert_eq!(i.name, "Lê Thị Kín Đáo");
}

#[tokio::test]
async fn sealed_identity_never_reaches_the_database_file_in_clear() {
    let app = app().await;
    let secret = "Trịnh Bảo Mật Tuyệt Đối";
    let mut l = letter("denunciation", secret);
    l["sender"]["id_number"] = json!("079912345678");
    let (status, _) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(l))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let liem_store::Location::SqliteFile(path) = app.db.location.clone() else {
        unreachable!()
    };
    app.db.store.close().await;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(path.with_extension("sqlite3-wal")).unwrap_or_default());
    for needle in [
        secret.as_bytes(),
        "079912345678".as_bytes(),
        "trinh bao mat".as_bytes(),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} found in the database file",
            String::from_utf8_lossy(needle)
        );
    }
    // The content itself is stored (and so findable) — the check above is meaningful.
    let needle = "Nội dung chi tiết".as_bytes();
    assert!(bytes.windows(needle.len()).any(|w| w == needle));
    drop(app.files);
}

#[tokio::test]
async fn workflow_actions_follow_the_state_machine() {
    let app = app().await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("complaint", "A")),
        )
        .await;
    let mid = v["matters"][0]["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/matters/{mid}/actions");
    let (status, p) = app
        .call(
            "POST",
            &uri,
            Some("handler.hni"),
            Some(json!({"action": "accept", "on": "2026-11-03"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(p["detail"], "cannot accept a matter in state received");
    // A clerk may read but not handle.
    let (status, _) = app
        .call(
            "POST",
            &uri,
            Some("clerk.hni"),
            Some(json!({"action": "classify"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let classify = json!({"action": "classify", "on": "2026-11-03", "classification": {"eligible": true, "competent": true}});
    let (status, m) = app
        .call("POST", &uri, Some("handler.hni"), Some(classify))
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["facts"]["state"], "classified");
    let (status, m) = app
        .call(
            "POST",
            &uri,
            Some("handler.hni"),
            Some(json!({"action": "accept", "on": "2026-11-04"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Accepted 4 November: 30 days -> 4 December 2026 (a Friday).
    assert_eq!(m["deadline"]["code"], "complaint_resolve_1");
    assert_eq!(m["deadline"]["due"], "2026-12-04");
    let conclude = json!({"action": "conclude", "on": "2026-11-20", "outcome": "partly_right", "summary": "s"});
    let (status, _) = app
        .call("POST", &uri, Some("handler.hni"), Some(conclude.clone()))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a handler does not record conclusions"
    );
    let (status, m) = app
        .call("POST", &uri, Some("leader.hni"), Some(conclude))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["facts"]["outcome"], "partly_right");
    assert_eq!(m["events"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_for_writes() {
    let app = app().await;
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": "clerk.hni", "password": "correct horse battery"}).to_string(),
        ))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let csrf = serde_json::from_slice::<Value>(&body).unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |csrf: Option<&str>| {
        let mut r = Request::post("/api/v1/letters")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &cookie);
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        r.body(Body::from(letter("complaint", "A").to_string()))
            .unwrap()
    };
    assert_eq!(
        app.router
            .clone()
            .oneshot(post(None))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.router
            .clone()
            .oneshot(post(Some("forged")))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.router
            .clone()
            .oneshot(post(Some(&csrf)))
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    let bad = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": "clerk.hni", "password": "wrong"}).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.router.clone().oneshot(bad).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_the_routes() {
    let app = app().await;
    let (status, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/letters",
        "/api/v1/matters/{id}/actions",
        "/api/v1/letters/{id}/unseal-requests",
        "/api/v1/calendar/{year}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("LetterInput").is_some());
}

#[tokio::test]
async fn calendar_api_lists_tet_and_administrators_enter_swaps() {
    let app = app().await;
    let (status, c) = app
        .call("GET", "/api/v1/calendar/2027", Some("clerk.hni"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let days: Vec<&str> = c["days_off"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    // Tết 2027 falls on 6 February: 5 to 9 February are off.
    for d in ["2027-02-05", "2027-02-06", "2027-02-09"] {
        assert!(days.contains(&d), "{d} in {days:?}");
    }
    let (status, _) = app
        .call("GET", "/api/v1/calendar/1800", Some("clerk.hni"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_database_dump_and_the_server_configuration_reveal_no_sealed_identity() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let liem_store::Location::Postgres {
        url,
        schema: Some(schema),
    } = db.location.clone()
    else {
        unreachable!()
    };
    let app = app_on(db).await;
    let secret = "Quách Thị Ẩn Danh";
    let mut l = letter("denunciation", secret);
    l["sender"]["id_number"] = json!("038199000777");
    let (status, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(l))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let letter_id: liem_domain::ids::LetterId = v["id"].as_str().unwrap().parse().unwrap();
    let dump = std::process::Command::new("pg_dump")
        .args(["--schema", &schema, &url])
        .output()
        .expect("pg_dump (Debian package postgresql-client) is needed");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(
        text.contains("HNI-2026-000001"),
        "the dump holds the letter"
    );
    for needle in [secret, "038199000777", "quach thi an danh"] {
        assert!(!text.contains(needle), "{needle} found in the dump");
    }
    // The server's configuration key opens nothing: the identity is sealed
    // to the custodians' and the recovery keys, not to it.
    let mut c = app.db.store.conn().await.unwrap();
    let row = liem_store::db::query(
        "SELECT key_id, nonce, ciphertext FROM sealed_identities WHERE letter_id = $1",
    )
    .bind(letter_id.0)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(row.text("key_id").unwrap(), "dek");
    let blob = liem_store::petitions::SealedBlob {
        key_id: app.state.sealer_key_id(),
        nonce: row.bytes("nonce").unwrap(),
        ciphertext: row.bytes("ciphertext").unwrap(),
    };
    assert!(
        app.state.sealer.open(letter_id, &blob).is_err(),
        "the configuration key must not open a sealed identity"
    );
    let recipients = liem_store::keys::recipients_of(&mut c, letter_id)
        .await
        .unwrap();
    assert_eq!(
        recipients.len(),
        2,
        "the custodian and the recovery key: {recipients:?}"
    );
    drop(c);
    app.db.cleanup().await;
}

#[tokio::test]
async fn identities_sealed_under_the_configuration_key_are_migrated_to_custodians() {
    let app = app().await;
    // A letter as the first release sealed it.
    let input: liem_domain::petition::LetterInput =
        serde_json::from_value(letter("denunciation", "Đỗ Văn Cũ")).unwrap();
    let new =
        liem_domain::petition::NewLetter::parse(&input, jiff::civil::date(2026, 11, 23)).unwrap();
    let id = liem_domain::ids::LetterId::new();
    let mut c = app.db.store.conn().await.unwrap();
    let unit = liem_store::units::by_code(&mut c, "HNI").await.unwrap();
    let clerk = liem_store::users::by_username(&mut c, "clerk.hni")
        .await
        .unwrap()
        .unwrap()
        .0;
    drop(c);
    let legacy = app.state.sealer.seal(id, new.identity.as_ref().unwrap());
    let mut tx = app.db.store.begin().await.unwrap();
    let reference = liem_store::petitions::next_reference(
        &mut tx,
        &unit,
        liem_domain::reference::Register::Letters,
        new.received_on.year(),
    )
    .await
    .unwrap();
    let reg = liem_store::petitions::LetterRegistration {
        letter: &new,
        id,
        reference: &reference,
        unit: &unit,
        created_by: Some(clerk.id),
        sealed: Some(legacy),
        ack_due: None,
        feedback_due: None,
        sender_keys: Vec::new(),
    };
    liem_store::petitions::insert_letter(&mut tx, &liem_store::audit::Actor::system("test"), &reg)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        liem_server::custody::service::migrate_legacy(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        liem_server::custody::service::migrate_legacy(&app.state)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    let i = app.recover("HNI", id).await.unwrap();
    assert_eq!(i.name, "Đỗ Văn Cũ");
}

#[tokio::test]
async fn reception_sessions_feed_the_01_tcd_figures_and_the_schedule_check() {
    let app = app().await;
    // A fixed data set whose figures were counted by hand.
    let sessions = [
        json!({"held_on": "2026-03-02", "kind": "regular", "host": "office", "host_name": "Ban Tiếp công dân", "visits": [
            {"people": 1, "first_matters": ["complaint"], "outcome": "reply_due"},
            {"people": 2, "first_matters": ["reflection"], "repeat_matters": ["complaint"], "outcome": "guided"},
            {"people": 12, "representatives": 3, "first_matters": ["complaint"], "outcome": "letter_registered"}]}),
        json!({"held_on": "2026-03-10", "kind": "periodic", "host": "head_in_person", "host_name": "Chủ tịch UBND tỉnh", "visits": [
            {"people": 1, "first_matters": ["denunciation"], "outcome": "reply_due"},
            {"people": 6, "representatives": 2, "repeat_matters": ["complaint", "recommendation"], "outcome": "answered_on_spot"}]}),
        json!({"held_on": "2026-03-20", "kind": "ad_hoc", "host": "delegated", "host_name": "Phó Chủ tịch", "visits": [
            {"people": 30, "representatives": 5, "first_matters": ["complaint"], "outcome": "guided"}]}),
    ];
    for s in &sessions {
        let (status, v) = app
            .call(
                "POST",
                "/api/v1/reception/sessions",
                Some("clerk.hni"),
                Some(s.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let bad = json!({"held_on": "2026-03-02", "kind": "periodic", "host": "office", "host_name": "x", "visits": []});
    let (status, p) = app
        .call(
            "POST",
            "/api/v1/reception/sessions",
            Some("clerk.hni"),
            Some(bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = fields_of(&p);
    assert!(
        f.contains(&("host".into(), "head_or_delegate".into()))
            && f.contains(&("visits".into(), "required".into())),
        "{f:?}"
    );

    let (status, f) = app
        .call(
            "GET",
            "/api/v1/reception/figures?from=2026-03-01&to=2026-03-31&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(
        f["regular"],
        json!({"sessions": 1, "visits": 3, "people": 15, "matters_first": 3, "matters_repeat": 1,
        "delegations": 1, "delegation_people": 12, "delegation_matters_first": 1, "delegation_matters_repeat": 0})
    );
    assert_eq!(f["head_in_person"]["people"], 7);
    assert_eq!(f["head_in_person"]["matters_repeat"], 2);
    assert_eq!(f["head_in_person"]["delegations"], 1);
    assert_eq!(f["delegated"]["people"], 30);
    assert_eq!(f["delegated"]["sessions"], 1);
    assert_eq!(f["total"]["people"], 52);
    assert_eq!(f["total"]["visits"], 6);
    assert_eq!(f["ad_hoc_sessions"], 1);
    assert_eq!(f["matters_by_kind"], json!([5, 1, 1, 1]));
    // Another province's clerk sees none of it.
    let (_, other) = app
        .call(
            "GET",
            "/api/v1/reception/figures?from=2026-03-01&to=2026-03-31",
            Some("clerk.hcm"),
            None,
        )
        .await;
    assert_eq!(other["total"]["people"], 0);

    // The provincial chair received in person in March only.
    let (_, c) = app
        .call(
            "GET",
            "/api/v1/reception/compliance?from=2026-02-01&to=2026-04-30&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(c["frequency"], "monthly");
    let missed: Vec<&str> = c["missed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["from"].as_str().unwrap())
        .collect();
    assert_eq!(missed, vec!["2026-02-01", "2026-04-01"]);
}

#[tokio::test]
async fn eu_policy_timers_are_counted_apart_from_what_the_law_makes_late() {
    let app = app().await;
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/units/HCM/policy",
            Some("leader.tw"),
            Some(json!({"policy": "eu"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "administrators choose the policy"
    );
    let (status, p) = app
        .call(
            "PUT",
            "/api/v1/units/HCM/policy",
            Some("admin"),
            Some(json!({"policy": "us"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&p)[0].0, "policy");
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/units/HCM/policy",
            Some("admin"),
            Some(json!({"policy": "eu"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Received 20 days ago: acknowledgement (7 days) is overdue.
    let received = (liem_server::clock::today() - jiff::Span::new().days(20)).to_string();
    let mut l = letter("reflection", "A");
    l["received_on"] = json!(received);
    let (status, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hcm"), Some(l))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let seven = (liem_server::clock::today() - jiff::Span::new().days(13)).to_string();
    assert_eq!(v["ack_due"], json!(seven));
    // Received 8 days ago: its acknowledgement is a day late, but the law's
    // limit (10 working days to handle a reflection) has not passed.
    let mut recent = letter("reflection", "B");
    recent["received_on"] =
        json!((liem_server::clock::today() - jiff::Span::new().days(8)).to_string());
    let (status, r) = app
        .call("POST", "/api/v1/letters", Some("clerk.hcm"), Some(recent))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/letters?overdue=true",
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(
        list["total"], 1,
        "only the letter past its legal limit: {list}"
    );
    assert_eq!(list["items"][0]["id"], json!(id));
    let (_, d) = app
        .call("GET", "/api/v1/deadlines", Some("leader.tw"), None)
        .await;
    assert_eq!(
        d["timers"],
        json!([{"unit_code": "HCM", "ack_overdue": 2, "feedback_overdue": 0}])
    );

    // Acknowledged today: the timer is met; feedback is due in three months.
    let (status, a) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{id}/acknowledge"),
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let today = liem_server::clock::today();
    assert_eq!(a["ack_on"], json!(today.to_string()));
    assert_eq!(
        a["feedback_due"],
        json!(today
            .checked_add(jiff::Span::new().months(3))
            .unwrap()
            .to_string())
    );
    let (_, d) = app
        .call("GET", "/api/v1/deadlines", Some("leader.tw"), None)
        .await;
    assert_eq!(
        d["timers"],
        json!([{"unit_code": "HCM", "ack_overdue": 1, "feedback_overdue": 0}]),
        "the other letter's acknowledgement is still late"
    );
    // (The letter stays on the overdue list for its matter's own statutory
    // deadline — 10 working days to handle a reflection — which has passed.)
    let (_, m) = app
        .call(
            "GET",
            &format!(
                "/api/v1/matters/{}",
                a["matters"][0]["id"].as_str().unwrap()
            ),
            Some("leader.tw"),
            None,
        )
        .await;
    assert_eq!(m["deadline"]["code"], "letter_handling");
    // The register page says which limit passed, and by how many days.
    let due: jiff::civil::Date = m["deadline"]["due"].as_str().unwrap().parse().unwrap();
    let late = (liem_server::clock::today() - due).get_days();
    assert!(late > 0, "{m}");
    let (cookie, _) = common::session(&app, "leader.tw").await;
    let req = Request::get("/petitions?overdue=true&lang=vi")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        page.contains(&format!(
            "Xử lý đơn kiến nghị, phản ánh · quá hạn {late} ngày"
        )),
        "{page}"
    );

    // A Vietnamese-policy unit answers in ten working days.
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("reflection", "B")),
        )
        .await;
    assert_eq!(
        v["ack_due"], "2026-11-16",
        "10 working days after Monday 2 November 2026"
    );
    assert_eq!(v["feedback_due"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_transferred_sealed_letter_is_resealed_for_the_receiving_unit() {
    let app = app().await;
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("denunciation", "Vương Thị Chuyển")),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let letter_id: liem_domain::ids::LetterId = id.parse().unwrap();
    let uri = format!("/api/v1/letters/{id}/transfer");
    let (status, _) = app
        .call(
            "POST",
            &uri,
            Some("clerk.hni"),
            Some(json!({"to_unit": "HCM", "reason": "Thuộc thẩm quyền TP.HCM"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a clerk does not transfer");
    let (status, p) = app
        .call(
            "POST",
            &uri,
            Some("handler.hni"),
            Some(json!({"to_unit": "HNI", "reason": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = fields_of(&p);
    assert!(
        f.contains(&("to_unit".into(), "same_unit".into()))
            && f.contains(&("reason".into(), "length".into())),
        "{f:?}"
    );
    let (status, t) = app
        .call(
            "POST",
            &uri,
            Some("handler.hni"),
            Some(json!({"to_unit": "HCM", "reason": "Thuộc thẩm quyền TP.HCM"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let tid = t["id"].as_str().unwrap().to_owned();

    // The letter and its matters now belong to HCM.
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, l) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}"),
            Some("clerk.hcm"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(l["unit_code"], "HCM");
    assert!(
        app.recover("HCM", letter_id).await.is_err(),
        "not yet re-sealed for HCM"
    );

    // The sending unit's custodian re-seals it.
    let (_, pending) = app
        .call("GET", "/api/v1/reseals", Some("custodian.hni"), None)
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/reseals/{tid}"),
            Some("custodian.hni"),
            Some(json!({"password": "wrong password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/reseals/{tid}"),
            Some("custodian.hni"),
            Some(json!({"password": common::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, pending) = app
        .call("GET", "/api/v1/reseals", Some("custodian.hni"), None)
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 0);
    let i = app.recover("HCM", letter_id).await.unwrap();
    assert_eq!(i.name, "Vương Thị Chuyển");
    // The sending unit's recovery key no longer matches the letter's unit.
    assert!(app.recover("HNI", letter_id).await.is_err());
}

#[tokio::test]
async fn the_reception_page_records_a_session_and_shows_the_figures() {
    let app = app().await;
    let (cookie, csrf) = common::session(&app, "clerk.hni").await;
    let today = liem_server::clock::today().to_string();
    let form = format!(
        "csrf={csrf}&held_on={today}&kind=regular&host=office&host_name=Ban+ti%E1%BA%BFp&people_0=7&representatives_0=2\
         &first_0=complaint&first_0=denunciation&repeat_0=reflection&outcome_0=reply_due&people_1=1&first_1=complaint&outcome_1=guided\
         &people_2=0&people_3=0"
    );
    let req = Request::post("/reception")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("id=\"rc-recorded\""), "{html}");
    // Regular row: 1 session, 2 visits, 8 people, 3 first, 1 repeat, 1 delegation of 7.
    assert!(
        html.contains("<td>1</td><td>2</td><td>8</td><td>3</td><td>1</td><td>1</td><td>7</td>"),
        "{html}"
    );
    let (_, f) = app
        .call(
            "GET",
            &format!("/api/v1/reception/figures?from={today}&to={today}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(f["total"]["people"], 8);
}

#[tokio::test]
async fn heads_schedules_must_meet_the_statutory_minimum() {
    let app = app().await;
    let monthly = json!({"head": "Chủ tịch UBND tỉnh", "frequency": "monthly", "day": 15});
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/reception/schedules",
            Some("clerk.hni"),
            Some(monthly.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, p) = app
        .call(
            "PUT",
            "/api/v1/reception/schedules",
            Some("leader.hni"),
            Some(json!({"head": "x", "frequency": "monthly", "day": 31})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields_of(&p),
        vec![("day".to_owned(), "day_of_month".to_owned())]
    );
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/reception/schedules",
            Some("leader.hni"),
            Some(monthly),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/reception/schedules?unit=HNI",
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(
        list,
        json!([{"head": "Chủ tịch UBND tỉnh", "frequency": {"every": "month", "day": 15}}])
    );
}

/// Issue 13, the handler's day: on the letter's page an action that ends
/// the matter is taken only once confirmed (the page's box, checked by the
/// server too), the conclusion's outcome is not preselected, and an
/// action's errors are in the reader's language.
#[tokio::test]
async fn an_action_that_ends_a_matter_is_confirmed_and_errors_read_in_vietnamese() {
    let app = app().await;
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("complaint", "Lý Văn F")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let letter_id = v["id"].as_str().unwrap().to_owned();
    let m = v["matters"][0]["id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/matters/{m}/actions"),
            Some("leader.hni"),
            Some(json!({"action": "classify", "on": "2026-11-03",
                "classification": {"eligible": false, "ineligibility": "illegible", "competent": true, "round": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (cookie, csrf) = common::session(&app, "leader.hni").await;
    // Posts the page's action form; its status and page.
    let send = |body: String| {
        let req = Request::post(format!("/matters/{m}/actions"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("accept-language", "vi")
            .body(Body::from(body))
            .unwrap();
        let router = app.router.clone();
        async move {
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let state = || async {
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/matters/{m}"),
                Some("leader.hni"),
                None,
            )
            .await;
        v["facts"]["state"].as_str().unwrap().to_owned()
    };
    // The page offers the filing with its confirmation box.
    let (s, page) = common::page(&app, "leader.hni", &format!("/petitions/{letter_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("name=\"confirm\" value=\"true\" required"),
        "{page}"
    );
    // Sent without the box: refused, nothing changes.
    let base = format!("csrf={csrf}&action=file&letter={letter_id}&on=2026-11-04&reason=Kh%C3%B4ng+%C4%91%E1%BB%A7+%C4%91i%E1%BB%81u+ki%E1%BB%87n");
    let (s, html) = send(base.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("hãy đánh dấu ô xác nhận"), "{html}");
    assert_eq!(state().await, "classified");
    // A missing reason, confirmed: the error names the field in Vietnamese.
    let (s, html) = send(format!(
        "csrf={csrf}&action=file&letter={letter_id}&on=2026-11-04&confirm=true"
    ))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Lý do: không được để trống"), "{html}");
    // Confirmed and complete: done.
    let (s, _) = send(format!("{base}&confirm=true")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state().await, "filed");
}

#[tokio::test]
async fn a_repeated_letter_is_proposed_in_scope_only_and_joined_once() {
    let app = app().await;
    let text = "Ông Trần Văn Kế, cán bộ địa chính phường Ba Đình, đã nhận tiền của nhiều hộ dân \
                để làm giấy chứng nhận quyền sử dụng đất nhưng đến nay vẫn chưa cấp giấy.";
    let with = |content: &str| {
        let mut l = letter("complaint", "Lê Thị Lặp");
        l["content"] = json!(content);
        l
    };
    let (_, first) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(with(text)),
        )
        .await;
    let (_, second) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(with(&format!("Kính gửi. {text} Tôi gửi lần hai."))),
        )
        .await;
    let (_, other) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hcm"),
            Some(with(text)),
        )
        .await;
    let second_id = second["id"].as_str().unwrap();
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{second_id}/similar"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the earlier letter of the unit: {v}");
    assert_eq!(items[0]["id"], first["id"]);
    assert!(items[0]["similarity"].as_f64().unwrap() > 0.8, "{v}");
    // Another province's letter with the same text is not proposed, and
    // another province's clerk finds neither the letter nor its proposals.
    assert!(!v.to_string().contains(other["id"].as_str().unwrap()));
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{second_id}/similar"),
            Some("clerk.hcm"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Joining a matter out of reach is refused like one that does not exist.
    let other_matter = other["matter_views"][0]["id"].as_str().unwrap();
    let (s, p) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{second_id}/join"),
            Some("clerk.hni"),
            Some(json!({"matter_id": other_matter})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        fields_of(&p),
        vec![("matter_id".into(), "not_found".into())]
    );
    let first_matter = items[0]["matters"][0]["id"].as_str().unwrap();
    let join = Some(json!({"matter_id": first_matter}));
    let (s, l) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{second_id}/join"),
            Some("clerk.hni"),
            join.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let matters: Vec<&str> = l["matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(matters.contains(&first_matter), "{l}");
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{second_id}/join"),
            Some("clerk.hni"),
            join,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "joined once");
    // Once in the same matter, it is no longer proposed.
    let (_, v) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{second_id}/similar"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(v["items"], json!([]));
    // The register's file of a search holds what the search finds in reach.
    let (s, csv) = app
        .call(
            "GET",
            "/api/v1/letters?q=tran+van+ke&format=csv",
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv.as_str().unwrap();
    for l in [&first, &second] {
        assert!(csv.contains(l["reference"].as_str().unwrap()), "{csv}");
    }
    assert!(!csv.contains(other["reference"].as_str().unwrap()), "{csv}");
    assert_eq!(csv.lines().count(), 3, "a heading and two letters: {csv}");
}
