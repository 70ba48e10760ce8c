//! Intake in groups (group commit): letters registered at the same moment
//! share a transaction, keep gap-free references and their own audit
//! records, and one letter that fails inside a group fails only itself.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use liem_domain::ids::{LetterId, MatterId};
use liem_domain::petition::{LetterInput, NewLetter};
use liem_server::petitions::intake::{self, Job};
use liem_store::db::query;
use serde_json::{json, Value};
use tower::ServiceExt;

on_both!(
    letters_sent_at_once_share_transactions_and_keep_gap_free_references,
    a_letter_that_fails_in_a_group_fails_alone,
    the_answer_to_a_registration_is_the_letter_as_read_back,
    two_nodes_number_from_the_counters_they_know_and_never_reuse_a_number
);

fn letter(n: usize) -> Value {
    common::complaint(&format!("Đơn số {n}"))
}

/// The test world's clerk of Hà Nội.
async fn clerk(app: &common::App) -> liem_store::users::UserRecord {
    let mut c = app.state.store.conn().await.unwrap();
    liem_store::users::by_username(&mut c, "clerk.hni")
        .await
        .unwrap()
        .expect("the test world's clerk")
        .0
}

/// Letter `i` posted through `router` with the bearer `token` (from a task
/// of its own, hence no borrowed app): status and body.
async fn post_letter(router: axum::Router, token: String, i: usize) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/letters")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(letter(i).to_string()))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice::<Value>(&bytes).unwrap())
}

async fn letter_creates(app: &common::App) -> i64 {
    let mut c = app.db.store.conn().await.unwrap();
    query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'letter.create'")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}

async fn letters_sent_at_once_share_transactions_and_keep_gap_free_references(app: common::App) {
    let n = 24;
    let mut tasks = Vec::new();
    for i in 0..n {
        let router = app.router.clone();
        let token = app.tokens["clerk.hni"].clone();
        tasks.push(tokio::spawn(
            async move { post_letter(router, token, i).await },
        ));
    }
    let mut refs = Vec::new();
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // The answer is the letter as stored: its matter opened with it.
        assert_eq!(v["matter_views"].as_array().unwrap().len(), 1, "{v}");
        refs.push(v["reference"].as_str().unwrap().to_owned());
    }
    refs.sort();
    let want: Vec<String> = (1..=n).map(|i| format!("HNI-2026-{i:06}")).collect();
    assert_eq!(refs, want, "unique and gap-free");
    let (letters, transactions) = liem_server::petitions::intake::committed(&app.state);
    assert_eq!(letters, n as u64);
    assert!(
        transactions < letters,
        "{letters} letters in {transactions} transactions: none shared one"
    );
    // Each letter has its own audit record, and the chain holds.
    assert_eq!(letter_creates(&app).await, n as i64);
    common::the_trail_explains_every_record(&app.db.store).await;
}

/// Registers letter `i` through `node` as the clerk of Hà Nội: its
/// reference.
async fn register_via(app: &common::App, node: &axum::Router, i: usize) -> String {
    let (s, v) = app
        .call_via(
            node,
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(letter(i)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["reference"].as_str().unwrap().to_owned()
}

/// Two nodes (two stores on one database, as two processes) register into
/// one unit. Each numbers a group from the counters it last committed,
/// checked in the statement that writes the letters; when the other node
/// has moved a counter since, the check fails, nothing is kept and the
/// letters are numbered again from the database. Every reference is used
/// once and none is skipped, and the trail holds.
async fn two_nodes_number_from_the_counters_they_know_and_never_reuse_a_number(app: common::App) {
    let (b, b_store) = app.node_with_its_own_store().await;
    let a = app.router.clone();
    let mut refs = Vec::new();
    // In turn: A, A, B, A. A's second letter is numbered from the counter
    // A committed; A's third from a counter B has moved since.
    for (i, node) in [&a, &a, &b, &a].into_iter().enumerate() {
        refs.push(register_via(&app, node, i).await);
    }
    let (hits_a, misses_a) = app.db.store.counters().guesses();
    assert!(
        hits_a >= 1,
        "A numbered {hits_a} groups from the counters it knew"
    );
    assert_eq!(misses_a, 1, "A's guess after B's letter failed once");
    // At once: eight writers, four a node, five letters each (after a
    // failed guess a node takes its numbers in the database for a while;
    // both ways run here).
    let mut tasks = Vec::new();
    for w in 0..8usize {
        let node = if w % 2 == 0 { a.clone() } else { b.clone() };
        let token = app.tokens["clerk.hni"].clone();
        tasks.push(tokio::spawn(async move {
            let mut refs = Vec::new();
            for k in 0..5 {
                let (status, v) = post_letter(node.clone(), token.clone(), 100 + w * 10 + k).await;
                assert_eq!(status, StatusCode::CREATED, "{v}");
                refs.push(v["reference"].as_str().unwrap().to_owned());
            }
            refs
        }));
    }
    for t in tasks {
        refs.extend(t.await.unwrap());
    }
    refs.sort();
    let want: Vec<String> = (1..=44).map(|i| format!("HNI-2026-{i:06}")).collect();
    assert_eq!(refs, want, "unique and gap-free over both nodes");
    // The counter and the letters agree, the letters' audit records are
    // all there, and the chain verifies with every record explained.
    let mut c = app.db.store.conn().await.unwrap();
    let last = query(
        "SELECT c.last_seq AS n FROM reference_counters c JOIN units u ON u.id = c.unit_id \
         WHERE u.code = 'HNI' AND c.register = 'letters' AND c.year = 2026",
    )
    .fetch_one(&mut c)
    .await
    .unwrap()
    .i64("n")
    .unwrap();
    assert_eq!(last, 44);
    drop(c);
    assert_eq!(letter_creates(&app).await, 44);
    common::the_trail_explains_every_record(&app.db.store).await;
    b_store.close().await;
}

async fn a_letter_that_fails_in_a_group_fails_alone(app: common::App) {
    let state = &app.state;
    let mut c = state.store.conn().await.unwrap();
    let hni = query("SELECT id FROM units WHERE code = 'HNI'")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .uuid("id")
        .unwrap();
    let unit = liem_store::units::get(&mut c, liem_domain::ids::UnitId(hni))
        .await
        .unwrap();
    let policy = liem_store::units::policy(&mut c, unit.id).await.unwrap();
    drop(c);
    let rules = std::sync::Arc::new(liem_server::admin::service::rules(state).await.unwrap());
    let clerk = clerk(&app).await;
    let job = |n: usize, join: Option<MatterId>| {
        let mut v = letter(n);
        if let Some(m) = join {
            v["join_matter"] = json!(m);
        }
        let input: LetterInput = serde_json::from_value(v).unwrap();
        let letter = NewLetter::parse(&input, jiff::civil::date(2026, 11, 2)).unwrap();
        Job {
            permit: liem_server::web::write::Writer::cli(clerk.clone())
                .permit_own(liem_domain::role::Right::RegisterLetter)
                .unwrap(),
            unit: unit.clone(),
            created_by: None,
            sender_keys: state.sender_key.of_letter(&letter),
            letter,
            id: LetterId::new(),
            attachments: Vec::new(),
            rules: rules.clone(),
            policy,
        }
    };
    // The first goes alone; the three queued behind it make one group, whose
    // second letter joins a matter that does not exist (as if it had been
    // deleted after the checks).
    let (a, b, bad, d) = tokio::join!(
        intake::register(state, job(1, None)),
        intake::register(state, job(2, None)),
        intake::register(state, job(3, Some(MatterId::new()))),
        intake::register(state, job(4, None)),
    );
    assert!(bad.is_err(), "the letter joining no matter is refused");
    let mut got: Vec<String> = [a, b, d]
        .into_iter()
        .map(|r| r.expect("the others are registered").reference.format())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["HNI-2026-000001", "HNI-2026-000002", "HNI-2026-000003"]
    );
    assert_eq!(app.count("letters").await, 3);
    assert_eq!(letter_creates(&app).await, 3);
    common::the_trail_explains_every_record(&app.db.store).await;
}

/// The answer to a registration is built from what its transaction wrote,
/// without reading the letter back: it must be exactly what a read returns,
/// for every shape of letter (several kinds, a sealed identity or content,
/// an anonymous sender, attachments, a matter joined).
async fn the_answer_to_a_registration_is_the_letter_as_read_back(app: common::App) {
    let mut two_kinds = letter(1);
    two_kinds["kinds"] = json!(["complaint", "denunciation", "recommendation"]);
    two_kinds["sender"] = json!({"kind": "person", "name": "Trần Thị Bình",
        "id_number": "001190000001", "phone": "0912345678", "email": "binh@example.vn",
        "address": "5 Lý Thái Tổ"});
    two_kinds["seal_identity"] = json!(true);
    let mut sealed_content = letter(2);
    sealed_content["kinds"] = json!(["denunciation"]);
    sealed_content["seal_identity"] = json!(true);
    sealed_content["seal_content"] = json!(true);
    let mut anonymous = letter(3);
    anonymous["kinds"] = json!(["reflection"]);
    anonymous["sender"] = json!({"kind": "anonymous"});
    let mut collective = letter(4);
    collective["signatories"] = json!(7);
    collective["forwarded_by"] = json!("Văn phòng Quốc hội");
    let mut first_id = None;
    for body in [letter(0), two_kinds, sealed_content, anonymous, collective] {
        let (s, posted) = app
            .call(
                "POST",
                "/api/v1/letters",
                Some("clerk.hni"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{posted}");
        let id = posted["id"].as_str().unwrap().to_owned();
        let (s, read) = app
            .call(
                "GET",
                &format!("/api/v1/letters/{id}"),
                Some("clerk.hni"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{read}");
        assert_eq!(
            posted, read,
            "the answer to {body} differs from the letter read back"
        );
        first_id.get_or_insert(posted["matter_views"][0]["id"].as_str().unwrap().to_owned());
    }
    // A letter joining a matter: the matter holds the other letter too.
    let mut join = letter(5);
    join["join_matter"] = json!(first_id.unwrap());
    let (s, posted) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(join))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{posted}");
    assert_eq!(
        posted["matter_views"][0]["letters"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{posted}"
    );
    let (_, read) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{}", posted["id"].as_str().unwrap()),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(posted, read);

    // With attachments, through the service the staff form calls.
    let who = liem_server::web::write::Writer::cli(clerk(&app).await);
    let input: LetterInput = serde_json::from_value(letter(6)).unwrap();
    let uploads = ["b.pdf", "a.pdf", "c.pdf"]
        .iter()
        .map(|name| liem_server::files::Upload {
            filename: (*name).to_owned(),
            bytes: format!("%PDF-1.4 {name}\n%%EOF").into_bytes(),
        })
        .collect();
    let answer =
        liem_server::petitions::service::register_letter(&app.state, &who, &input, uploads)
            .await
            .unwrap();
    assert_eq!(answer.attachments.len(), 3);
    let read = liem_server::petitions::service::letter_view(&app.state, &who, answer.letter.id)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&answer).unwrap(),
        serde_json::to_value(&read).unwrap()
    );
    assert_eq!(answer.letter, read.letter);
}
