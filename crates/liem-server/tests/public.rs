//! The public channel through the real router: reporting with a proof of
//! work, the receipt code, the mailbox conversation, and the rate limit on
//! wrong codes.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{app_with, between, multipart, App};
use liem_server::guard::{ProofOfWork, RatePolicy};
use liem_server::Settings;
use liem_store::db::query;
use liem_store::testing::TestDb;
use serde_json::json;
use std::time::{Duration, Instant};

const BITS: u32 = 8;

async fn public_app(rate: RatePolicy) -> App {
    app_with(
        TestDb::sqlite().await,
        Settings {
            pow_bits: BITS,
            rate,
            ..Default::default()
        },
    )
    .await
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_form(uri: &str, form: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

fn post_multipart(
    uri: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Request<Body> {
    let (ct, body) = multipart(fields, files);
    Request::post(uri)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Files an anonymous denunciation through the form, as a browser would;
/// returns the receipt code shown.
async fn report(app: &App, client: &str, lang: &str) -> String {
    let (status, html) = app
        .raw(get(&format!("/report/denunciation?lang={lang}")), client)
        .await;
    assert_eq!(status, StatusCode::OK);
    let challenge = between(&html, "name=\"pow_challenge\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let nonce = ProofOfWork::solve(&challenge, BITS);
    let fields = [
        ("kind", "denunciation"),
        ("lang", lang),
        ("unit", "HNI"),
        ("who", "Trưởng ban quản lý dự án"),
        (
            "what",
            "Nhận tiền của nhà thầu để cho trúng thầu gói xây lắp số 3.",
        ),
        ("evidence", "Sao kê chuyển khoản"),
        ("anonymous", "true"),
        ("pow_challenge", challenge.as_str()),
        ("pow_nonce", nonce.as_str()),
    ];
    let (status, html) = app
        .raw(
            post_multipart(
                &format!("/report?lang={lang}"),
                &fields,
                &[("attachments", "sao-ke.txt", "bảng sao kê".as_bytes())],
            ),
            client,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    between(&html, "id=\"receipt-code\" dir=\"ltr\">", "</p>")
        .expect("the receipt code is shown")
        .to_owned()
}

#[tokio::test]
async fn an_anonymous_report_is_followed_and_answered_with_its_code() {
    let app = public_app(RatePolicy::default()).await;
    let (status, html) = app.raw(get("/report?lang=ar"), "192.0.2.10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    let code = report(&app, "192.0.2.10", "ar").await;
    assert_eq!(code.len(), 39, "eight groups of four digits: {code}");

    // Registered in Hà Nội through the web channel, with no staff author,
    // an attachment, a hashed code, and no client address anywhere.
    let mut c = app.db.store.conn().await.unwrap();
    let row = query("SELECT l.id, l.channel, l.sender_kind, l.created_by IS NULL AS public_author, r.locator, r.code_hash, r.lang \
                     FROM letters l JOIN reports r ON r.letter_id = l.id")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let letter_id = row.uuid("id").unwrap();
    assert_eq!(row.text("channel").unwrap(), "web");
    assert_eq!(row.text("sender_kind").unwrap(), "anonymous");
    assert!(row.bool("public_author").unwrap());
    assert_eq!(row.text("lang").unwrap(), "ar");
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(row.text("locator").unwrap(), &digits[..7]);
    assert!(row.text("code_hash").unwrap().starts_with("$argon2id$"));
    let n = query("SELECT COUNT(*) AS n FROM audit_log WHERE detail LIKE '%192.0.2.10%' OR source LIKE '%192.0.2.10%'")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    assert_eq!(n, 0, "no client address is stored for public routes");
    let secret = &digits[7..];
    let n = query(format!(
        "SELECT COUNT(*) AS n FROM reports WHERE code_hash LIKE '%{secret}%'"
    ))
    .fetch_one(&mut c)
    .await
    .unwrap()
    .i64("n")
    .unwrap();
    assert_eq!(n, 0);
    drop(c);

    // The handler writes to the reporter.
    let uri = format!("/api/v1/letters/{letter_id}/messages");
    let (status, _) = app
        .call(
            "POST",
            &uri,
            Some("leader.hni"),
            Some(json!({"body": "Xin cung cấp thêm số hợp đồng."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .call("POST", &uri, Some("clerk.hcm"), Some(json!({"body": "x"})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "out of scope");

    // The reporter opens the mailbox with the code, reads, and answers.
    let (status, html) = app
        .raw(
            post_form("/follow?lang=ar", &format!("code={}", urlencode(&code))),
            "198.51.100.7",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Xin cung cấp thêm số hợp đồng."));
    assert!(html.contains("dir=\"rtl\""));
    let fields = [
        ("code", code.as_str()),
        ("body", "Hợp đồng số 12/2025/HĐ-XL."),
    ];
    let (status, html) = app
        .raw(
            post_multipart("/follow/reply?lang=ar", &fields, &[]),
            "198.51.100.7",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"reply-sent\""));
    let (_, msgs) = app.call("GET", &uri, Some("leader.hni"), None).await;
    let bodies: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            "Xin cung cấp thêm số hợp đồng.",
            "Hợp đồng số 12/2025/HĐ-XL."
        ]
    );
    let (_, letter) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{letter_id}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(letter["attachments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_report_without_proof_of_work_is_refused_and_nothing_is_written() {
    let app = public_app(RatePolicy::default()).await;
    let before = app.count("letters").await;
    let fields = [
        ("kind", "reflection"),
        ("unit", "HNI"),
        ("what", "Một nội dung phản ánh đủ dài để hợp lệ."),
        ("anonymous", "true"),
    ];
    let (status, html) = app
        .raw(post_multipart("/report", &fields, &[]), "192.0.2.20")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Said in the page's language (Vietnamese by default), not the server's
    // English.
    assert!(html.contains("không xác minh được biểu mẫu"), "{html}");
    assert!(!html.contains("proof of work"), "{html}");
    assert_eq!(app.count("letters").await, before);
    // A forged challenge fails the same way.
    let forged = [
        ("kind", "reflection"),
        ("unit", "HNI"),
        ("what", "Một nội dung phản ánh đủ dài để hợp lệ."),
        ("pow_challenge", "1.2.3"),
        ("pow_nonce", "1"),
    ];
    let (status, _) = app
        .raw(post_multipart("/report", &forged, &[]), "192.0.2.20")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("letters").await, before);
}

#[tokio::test]
async fn wrong_codes_are_slowed_then_refused_and_the_right_code_works_from_another_client() {
    let rate = RatePolicy {
        free_failures: 5,
        step: Duration::from_millis(20),
        max_delay: Duration::from_millis(60),
        block_after: 20,
        ..Default::default()
    };
    let app = public_app(rate).await;
    let code = report(&app, "192.0.2.30", "vi").await;
    let attacker = "203.0.113.66";
    let mut timings = Vec::new();
    let mut statuses = Vec::new();
    for i in 0..1000u32 {
        let wrong = format!("{:07} {:025}", 1_000_000 + i, i);
        let started = Instant::now();
        let (status, _) = app
            .raw(
                post_form("/follow", &format!("code={}", urlencode(&wrong))),
                attacker,
            )
            .await;
        timings.push(started.elapsed());
        statuses.push(status);
    }
    assert!(
        statuses[..20].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "the first twenty are checked"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "then every attempt is refused"
    );
    for (i, t) in timings.iter().enumerate().take(20).skip(9) {
        assert!(
            *t >= Duration::from_millis(60),
            "attempt {i} took {t:?}, it should be slowed"
        );
    }
    // Even the right code is refused to the attacker now…
    let right = format!("code={}", urlencode(&code));
    let (status, _) = app.raw(post_form("/follow", &right), attacker).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // …but works from another client.
    let (status, html) = app.raw(post_form("/follow", &right), "198.51.100.9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("HNI-20"), "the reference is shown");
}

/// The form names no province for the reporter: one sent without
/// choosing is refused with the field named, in the reporter's language,
/// and nothing is written; the choice made is kept when the form comes back.
#[tokio::test]
async fn the_report_form_makes_the_reporter_choose_the_province() {
    let app = public_app(RatePolicy::default()).await;
    let (status, html) = app
        .raw(get("/report/denunciation?lang=vi"), "10.0.0.9")
        .await;
    assert_eq!(status, StatusCode::OK);
    let select = between(&html, "<select name=\"unit\"", "</select>").unwrap();
    let selected: Vec<&str> = select
        .split("<option")
        .filter(|o| o.contains(" selected"))
        .collect();
    assert_eq!(selected.len(), 1, "{select}");
    assert!(
        selected[0].contains("value=\"\""),
        "the empty choice is the one selected: {select}"
    );
    assert!(select.contains("Chọn tỉnh, thành phố"), "{select}");
    let before = app.count("letters").await;
    let challenge = between(&html, "name=\"pow_challenge\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let nonce = ProofOfWork::solve(&challenge, BITS);
    let fields = [
        ("kind", "denunciation"),
        ("lang", "vi"),
        ("unit", ""),
        ("who", "Trưởng ban quản lý dự án"),
        (
            "what",
            "Nhận tiền của nhà thầu để cho trúng thầu gói xây lắp số 3.",
        ),
        ("anonymous", "true"),
        ("pow_challenge", challenge.as_str()),
        ("pow_nonce", nonce.as_str()),
    ];
    let (status, html) = app
        .raw(post_multipart("/report?lang=vi", &fields, &[]), "10.0.0.9")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    // In Vietnamese, the field by its label, linked to the control.
    assert!(
        html.contains(
            "<a href=\"#unit\">Tỉnh, thành phố nơi xảy ra vụ việc: không được để trống</a>"
        ),
        "{html}"
    );
    assert_eq!(app.count("letters").await, before, "nothing written");
    let select = between(&html, "<select name=\"unit\"", "</select>").unwrap();
    assert!(select
        .split("<option")
        .any(|o| o.contains(" selected") && o.contains("value=\"\"")));
}

#[tokio::test]
async fn security_headers_are_sent_on_public_pages() {
    let app = public_app(RatePolicy::default()).await;
    let req = get("/report?lang=fr");
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    let h = resp.headers();
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(
        h.get(header::SET_COOKIE).is_none(),
        "public pages set no cookie"
    );
}

#[tokio::test]
async fn a_clerk_takes_down_a_call_reads_it_back_and_gives_a_receipt_code() {
    let app = public_app(RatePolicy::default()).await;
    let call = json!({
        "kind": "denunciation", "who": "Kế toán trưởng Sở Y tế", "what": "Lập chứng từ khống để rút tiền mua thiết bị.",
        "anonymous": false, "name": "Mai Thị Gọi", "phone": "0912 000 111", "channel": "hotline"
    });
    let (status, p) = app
        .call(
            "POST",
            "/api/v1/operator/reports",
            Some("clerk.hni"),
            Some(call.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "confirmed_by_reporter");
    let mut wrong = call.clone();
    wrong["channel"] = json!("web");
    wrong["confirmed_by_reporter"] = json!(true);
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/operator/reports",
            Some("clerk.hni"),
            Some(wrong),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut ok = call;
    ok["confirmed_by_reporter"] = json!(true);
    let (status, v) = app
        .call(
            "POST",
            "/api/v1/operator/reports",
            Some("clerk.hni"),
            Some(ok),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let code = v["receipt_code"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();
    // Registered in the clerk's unit, on the hotline, sealed, and the
    // confirmation is in the audit trail under the clerk's name.
    let (_, l) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(l["channel"], "hotline");
    assert_eq!(l["unit_code"], "HNI");
    assert_eq!(l["sealed"], true);
    assert_eq!(l["sender_name"], serde_json::Value::Null);
    let mut c = app.db.store.conn().await.unwrap();
    let trail = liem_store::audit::for_entity(&mut c, "letter", &id)
        .await
        .unwrap();
    let confirmed = trail
        .iter()
        .find(|r| r.action == "report.operator_confirmed")
        .expect("the confirmation is audited");
    assert!(confirmed.actor_id.is_some());
    drop(c);
    // The code given over the phone opens the mailbox.
    let (status, html) = app
        .raw(
            post_form("/follow", &format!("code={}", urlencode(&code))),
            "198.51.100.30",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(l["reference"].as_str().unwrap()));
}

#[tokio::test]
async fn a_reporter_can_seal_the_content_too() {
    let app = public_app(RatePolicy::default()).await;
    let (_, html) = app
        .raw(get("/report/reflection?lang=vi"), "192.0.2.40")
        .await;
    let challenge = between(&html, "name=\"pow_challenge\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let nonce = ProofOfWork::solve(&challenge, BITS);
    let fields = [
        ("kind", "reflection"),
        ("unit", "HNI"),
        ("what", "Nội dung nhạy cảm về khu xưởng bí mật ở Gia Lâm."),
        ("anonymous", "true"),
        ("seal_content", "true"),
        ("pow_challenge", challenge.as_str()),
        ("pow_nonce", nonce.as_str()),
    ];
    let (status, html) = app
        .raw(post_multipart("/report", &fields, &[]), "192.0.2.40")
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let mut c = app.db.store.conn().await.unwrap();
    let row = query("SELECT id, summary, content, content_sealed, search_text FROM letters")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let id = row.uuid("id").unwrap();
    assert!(row.bool("content_sealed").unwrap());
    assert_eq!(
        (row.text("summary").unwrap(), row.text("content").unwrap()),
        (String::new(), String::new())
    );
    assert!(!row.text("search_text").unwrap().contains("gia lam"));
    let summaries = query("SELECT summary FROM matters")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert!(
        summaries
            .iter()
            .all(|r| r.text("summary").unwrap().is_empty()),
        "matters do not copy a sealed summary"
    );
    drop(c);
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/letters?q=gia%20lam",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(list["total"], 0);
    // Asked, approved by the custodian, then read by the requester.
    let (status, req) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{id}/unseal-requests"),
            Some("handler.hni"),
            Some(json!({"reason": "cần đọc nội dung để xác minh"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    let rid = req["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/unseal-requests/{rid}/decision"),
            Some("custodian.hni"),
            Some(json!({"approve": true, "password": common::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, p) = app
        .call(
            "POST",
            &format!("/api/v1/letters/{id}/identity"),
            Some("handler.hni"),
            Some(json!({"password": common::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["identity"], serde_json::Value::Null);
    assert!(p["content"].as_str().unwrap().contains("Gia Lâm"));
}

#[tokio::test]
async fn failed_logins_are_slowed_then_refused_for_that_client_only() {
    let rate = RatePolicy {
        step: Duration::from_millis(2),
        max_delay: Duration::from_millis(5),
        ..Default::default()
    };
    let app = app_with(
        TestDb::sqlite().await,
        Settings {
            login_rate: rate,
            ..Default::default()
        },
    )
    .await;
    let login = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "clerk.hni", "password": password}).to_string(),
            ))
            .unwrap()
    };
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(app.raw(login("guess"), "203.0.113.5").await.0);
    }
    assert!(
        statuses[..20]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Even the right password is refused to that client for now…
    assert_eq!(
        app.raw(login(common::PASSWORD), "203.0.113.5").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …but the account is not locked for everyone else.
    assert_eq!(
        app.raw(login(common::PASSWORD), "198.51.100.77").await.0,
        StatusCode::OK
    );
}

fn login_request(username: &str, password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn spraying_accounts_from_one_address_is_refused_yet_the_right_password_gets_in_from_elsewhere(
) {
    let app = app_with(
        TestDb::sqlite().await,
        Settings {
            login_address_rate: RatePolicy {
                free_failures: 3,
                step: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                block_after: 10,
                ..Default::default()
            },
            login_account_rate: RatePolicy {
                free_failures: 3,
                step: Duration::from_millis(1),
                max_delay: Duration::from_millis(5),
                block_after: u32::MAX,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    // One password tried on many accounts from one address: each account
    // sees one failure, the address sees them all.
    let sprayer = "203.0.113.40";
    let mut statuses = Vec::new();
    for i in 0..14 {
        let (s, _) = app
            .raw(login_request(&format!("user{i}"), "Mua Xuân 2026"), sprayer)
            .await;
        statuses.push(s);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Refused at that address even for a real account and password…
    let (s, _) = app
        .raw(login_request("clerk.hni", common::PASSWORD), sprayer)
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // …while the account's owner, from their own address, gets in, however
    // many failures others made on the account from elsewhere.
    for i in 0..30 {
        let (s, _) = app
            .raw(
                login_request("leader.hni", "sai mật khẩu"),
                &format!("198.51.100.{i}"),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = app
        .raw(login_request("leader.hni", common::PASSWORD), "192.0.2.200")
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_burst_of_receipt_code_checks_gets_no_more_checks_than_the_limit() {
    let app = public_app(RatePolicy {
        free_failures: 5,
        step: Duration::ZERO,
        max_delay: Duration::ZERO,
        block_after: 20,
        ..Default::default()
    })
    .await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50u32 {
        let router = app.router.clone();
        let wrong = format!("{:07} {:025}", 2_000_000 + i, i);
        set.spawn(async move {
            let mut req = post_form("/follow", &format!("code={}", urlencode(&wrong)));
            let addr: std::net::SocketAddr = "203.0.113.50:4000".parse().unwrap();
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    let mut checked = 0;
    let mut refused = 0;
    while let Some(s) = set.join_next().await {
        match s.unwrap() {
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            StatusCode::NOT_FOUND => checked += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!((checked, refused), (20, 30));
}

#[tokio::test]
async fn behind_trusted_proxies_each_limiter_counts_the_first_untrusted_address() {
    let app = app_with(
        TestDb::sqlite().await,
        Settings {
            pow_bits: BITS,
            rate: RatePolicy {
                free_failures: 1,
                step: Duration::ZERO,
                max_delay: Duration::ZERO,
                block_after: 3,
                ..Default::default()
            },
            proxies: liem_server::proxies::Proxies::parse("10.0.0.0/8").unwrap(),
            ..Default::default()
        },
    )
    .await;
    let follow = |xff: &str| {
        let mut r = post_form("/follow", "code=0000000%20111");
        r.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        r
    };
    // Through our proxy (10.1.1.1): the client is 198.51.100.60, whatever
    // it claims further left.
    for claimed in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        let (s, _) = app
            .raw(
                follow(&format!("{claimed}, 198.51.100.60, 10.2.2.2")),
                "10.1.1.1",
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = app
        .raw(follow("4.4.4.4, 198.51.100.60, 10.2.2.2"), "10.1.1.1")
        .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the claims do not reset the count"
    );
    // Another client through the same proxy is counted apart.
    let (s, _) = app.raw(follow("198.51.100.61"), "10.1.1.1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A peer that is not our proxy is believed in nothing it forwards.
    for i in 0..3 {
        let (s, _) = app
            .raw(follow(&format!("198.51.100.{}", 70 + i)), "192.0.2.99")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = app.raw(follow("198.51.100.80"), "192.0.2.99").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}
