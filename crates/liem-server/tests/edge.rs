//! Inputs that once made a server error, on SQLite and PostgreSQL alike:
//! searches of a thousand words or one 60,000-character word, the NUL
//! character in a JSON field, a form field, a path or a query, JSON with
//! bytes after the document, and a repeated acknowledgement. Each gets a
//! clear answer naming the field and the rule, and nothing is stored.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

on_both!(no_input_gives_a_server_error);

fn letter(subject: &str) -> Value {
    json!({
        "kinds": ["complaint"],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Hà Nội",
        "sender": {"kind": "person", "name": "Nguyễn Văn Dân", "address": "12 Phố Huế"},
        "subject": subject,
        "summary": "Khiếu nại việc thu hồi đất",
        "content": "Nội dung."
    })
}

fn refused(s: StatusCode, v: &Value, field: &str, rule: &str, what: &str) {
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {v}");
    let e = &v["errors"][0];
    assert_eq!(
        (e["field"].as_str(), e["rule"].as_str()),
        (Some(field), Some(rule)),
        "{what}: {v}"
    );
}

async fn no_input_gives_a_server_error(app: common::App) {
    // Searches: too many words, one word too long — on every searchable list.
    let thousand = vec!["tham"; 1000].join("+");
    let many = vec!["tham"; 20].join("+");
    let long = "a".repeat(60_000);
    for list in [
        "/api/v1/letters",
        "/api/v1/cases",
        "/api/v1/persons",
        "/api/v1/organisations",
    ] {
        let (s, v) = app
            .call("GET", &format!("{list}?q={many}"), Some("leader.hni"), None)
            .await;
        refused(s, &v, "q", "max_terms", list);
        let (s, v) = app
            .call(
                "GET",
                &format!("{list}?q={thousand}"),
                Some("leader.hni"),
                None,
            )
            .await;
        refused(s, &v, "q", "max_length", list);
        let (s, v) = app
            .call("GET", &format!("{list}?q={long}"), Some("leader.hni"), None)
            .await;
        refused(s, &v, "q", "max_length", list);
        let word = "b".repeat(200);
        let (s, v) = app
            .call("GET", &format!("{list}?q={word}"), Some("leader.hni"), None)
            .await;
        refused(s, &v, "q", "term_length", list);
        // Within the bounds, wildcards are only punctuation.
        let (s, v) = app
            .call(
                "GET",
                &format!("{list}?q=100%25_x"),
                Some("leader.hni"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{list}: {v}");
    }

    // NUL in a JSON field: refused by name, nothing stored.
    let before = app.count("letters").await;
    let mut l = letter("Đơn có ký tự rỗng");
    l["sender"]["name"] = json!("Nguyễn\u{0}Văn");
    let (s, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(l))
        .await;
    refused(s, &v, "sender.name", "no_nul", "NUL in JSON");
    assert_eq!(app.count("letters").await, before);
    // In a path or a query: refused, never a server error.
    for uri in [
        "/api/v1/letters/by-reference/HNI-2026%00",
        "/api/v1/letters?unit=HN%00I",
        "/api/v1/cases?holder=CA%00",
    ] {
        let (s, v) = app.call("GET", uri, Some("leader.hni"), None).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::NOT_FOUND,
            "{uri}: {s} {v}"
        );
    }
    // In a posted form (the public follow-up form, which no one need sign in for).
    let req = Request::builder()
        .method("POST")
        .uri("/follow")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("code=1234%005678"))
        .unwrap();
    let (s, body) = app.raw(req, "192.0.2.7").await;
    assert!(s.is_client_error() || s.is_success(), "{s} {body}");
    assert_ne!(s, StatusCode::INTERNAL_SERVER_ERROR);

    // JSON with bytes after the document.
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/letters")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.tokens["clerk.hni"]),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!("{} {{}}", letter("Hai tài liệu"))))
        .unwrap();
    let (s, body) = app.raw(req, "192.0.2.7").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    refused(s, &v, "body", "json_trailing", "trailing JSON");
    assert_eq!(app.count("letters").await, before);

    // A repeated acknowledgement of a letter is answered like the first and
    // records one acknowledgement.
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter("Đơn thường")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/letters/{id}/acknowledge"),
                Some("handler.hni"),
                None,
            )
            .await;
        assert!(s.is_success(), "{v}");
    }
    assert_eq!(
        app.count("audit_log WHERE action = 'letter.acknowledge'")
            .await,
        1
    );
}
