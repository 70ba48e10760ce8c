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

on_both!(
    no_input_gives_a_server_error,
    tokens_expire_are_listed_and_revoked,
    the_login_form_is_refused_without_its_own_token,
    nothing_personal_is_cached,
    an_unknown_path_is_a_page_or_a_problem_in_the_readers_language
);

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
    let mut l = common::complaint("Đơn có ký tự rỗng");
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
        .body(Body::from(format!(
            "{} {{}}",
            common::complaint("Hai tài liệu")
        )))
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
            Some(common::complaint("Đơn thường")),
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

async fn tokens_expire_are_listed_and_revoked(app: common::App) {
    let call = |uri: &str, token: &str, method: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let (s, v) = app
        .call("POST", "/api/v1/tokens?days=7", Some("handler.hni"), None)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();
    let expires: jiff::Timestamp = v["expires_at"].as_str().unwrap().parse().unwrap();
    let days = expires.duration_since(jiff::Timestamp::now()).as_secs() / 86_400;
    assert!((6..=7).contains(&days), "{days}");
    for bad in ["0", "367", "-1"] {
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/tokens?days={bad}"),
                Some("handler.hni"),
                None,
            )
            .await;
        refused(s, &v, "days", "range", bad);
    }
    let (s, _) = app
        .raw(call("/api/v1/me", &token, "GET"), "192.0.2.8")
        .await;
    assert_eq!(s, StatusCode::OK);
    // Listed for its owner, never the token itself; not for anyone else.
    let (_, l) = app
        .call("GET", "/api/v1/tokens", Some("handler.hni"), None)
        .await;
    let items = l["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|t| t["id"] == id.as_str() && t["revoked_at"].is_null()),
        "{l}"
    );
    assert!(!l.to_string().contains(&token));
    let (_, l) = app
        .call("GET", "/api/v1/tokens", Some("clerk.hni"), None)
        .await;
    assert!(!l.to_string().contains(&id));
    // Another user cannot revoke it: not found, and it still works.
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .raw(call("/api/v1/me", &token, "GET"), "192.0.2.8")
        .await;
    assert_eq!(s, StatusCode::OK);
    // Its owner revokes it (with itself): it stops at once, once recorded.
    let (s, _) = app
        .raw(
            call(&format!("/api/v1/tokens/{id}"), &token, "DELETE"),
            "192.0.2.8",
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .raw(call("/api/v1/me", &token, "GET"), "192.0.2.8")
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            Some("handler.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "revoking again changes nothing");
    assert_eq!(
        app.count("audit_log WHERE action = 'token.revoke'").await,
        1
    );
    let (_, l) = app
        .call("GET", "/api/v1/tokens", Some("handler.hni"), None)
        .await;
    assert!(l["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id.as_str() && !t["revoked_at"].is_null()));
    // A token past its expiry stops working.
    let (_, v) = app
        .call("POST", "/api/v1/tokens?days=1", Some("handler.hni"), None)
        .await;
    let old = v["token"].as_str().unwrap().to_owned();
    let mut tx = app.db.store.begin().await.unwrap();
    liem_store::db::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
        .bind(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1))
        .bind(v["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap())
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (s, _) = app.raw(call("/api/v1/me", &old, "GET"), "192.0.2.8").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn nothing_personal_is_cached(app: common::App) {
    use tower::ServiceExt;
    for (uri, who) in [
        ("/api/v1/letters", Some("leader.hni")),
        ("/api/v1/me", Some("leader.hni")),
        ("/api/v1/cases", Some("leader.hni")),
        ("/login", None),
        ("/report", None),
    ] {
        let mut req = Request::builder().uri(uri);
        if let Some(w) = who {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[w]));
        }
        let resp = app
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{uri}: {}", resp.status());
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store", "{uri}");
        assert!(
            resp.headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none(),
            "no HSTS over plain HTTP"
        );
    }
    // The static assets may be cached; they hold nothing personal.
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/static/app.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_ne!(resp.headers()[header::CACHE_CONTROL], "no-store");
    // Served over HTTPS: HSTS, and cookies marked Secure.
    let https = liem_server::router(liem_server::AppState::new(
        app.db.store.clone(),
        &liem_server::crypto::SecretKey::generate(),
        common::POLICY,
        liem_server::Settings {
            secure_cookies: true,
            ..Default::default()
        },
    ));
    let resp = https
        .oneshot(
            Request::builder()
                .uri("/login")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        resp.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

async fn the_login_form_is_refused_without_its_own_token(app: common::App) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let post = |cookie: Option<&str>, csrf: &str| {
        let mut r = Request::builder()
            .method("POST")
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.body(Body::from(format!(
            "username=clerk.hni&password={}&csrf={csrf}",
            common::PASSWORD.replace(' ', "+")
        )))
        .unwrap()
    };
    // The page sets the token in a cookie and in the form.
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/login")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let token = cookie.split_once('=').unwrap().1.to_owned();
    assert!(
        html.contains(&format!("name=\"csrf\" value=\"{token}\"")),
        "{html}"
    );
    let sessions = app.count("sessions").await;
    // Posted from elsewhere: no cookie, or a token that is not the cookie's.
    for (c, t) in [
        (None, token.as_str()),
        (Some(cookie.as_str()), "forged"),
        (Some(cookie.as_str()), ""),
    ] {
        let resp = app.router.clone().oneshot(post(c, t)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert!(resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .all(|v| !v.to_str().unwrap().starts_with("liem_session")));
    }
    assert_eq!(
        app.count("sessions").await,
        sessions,
        "no session was opened"
    );
    // From the page itself: signed in.
    let resp = app
        .router
        .clone()
        .oneshot(post(Some(&cookie), &token))
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(app.count("sessions").await, sessions + 1);
}

/// Issue 13: a path that names nothing gives a page that says so in the
/// reader's language (not an empty body), and under /api/ a problem
/// document.
async fn an_unknown_path_is_a_page_or_a_problem_in_the_readers_language(app: common::App) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    for (lang, words) in [("vi", "Không tìm thấy"), ("en", "Not found")] {
        let resp = app
            .router
            .clone()
            .oneshot(
                Request::get("/khong-co-trang-nay")
                    .header("accept-language", lang)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let html = String::from_utf8(
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
        .unwrap();
        assert!(
            html.contains(words) && html.contains(&format!("lang=\"{lang}\"")),
            "{html}"
        );
    }
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/no-such-thing")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(v["status"], 404, "{v}");
}
