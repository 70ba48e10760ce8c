//! A citizen writes again, in other words, with their identity sealed:
//! the earlier letter is proposed because the two share a sender (their
//! ID numbers' keyed digests match; neither identity is opened), while the
//! same words from someone else are not proposed. When one text comes
//! from three senders it is flagged as a campaign. The database holds
//! digests, never the marks they were made from. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use serde_json::{json, Value};

on_both!(a_sealed_sender_writing_again_in_other_words_is_recognised_without_being_opened);

const FIRST: &str = "Ông Trần Văn Kế, cán bộ địa chính phường Ba Đình, đã nhận tiền của nhiều hộ \
    dân để làm giấy chứng nhận quyền sử dụng đất nhưng đến nay vẫn chưa cấp giấy.";
const AGAIN: &str =
    "Tôi tiếp tục phản ánh việc cán bộ địa chính phường Ba Đình là ông Trần Văn Kế \
    nhận tiền của các hộ dân khi làm hồ sơ cấp giấy chứng nhận quyền sử dụng đất, đã hơn một năm \
    mà gia đình tôi vẫn chưa được cấp.";

fn letter(name: &str, id_number: &str, address: &str, content: &str) -> Value {
    json!({
        "kinds": ["denunciation"],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Phường Ba Đình, Hà Nội",
        "sender": {"kind": "person", "name": name, "id_number": id_number, "address": address},
        "subject": "Cán bộ địa chính phường",
        "summary": "Tố cáo nhận tiền khi cấp giấy chứng nhận",
        "content": content,
        "seal_identity": true
    })
}

async fn register(app: &common::App, body: Value) -> String {
    let (s, v) = app
        .call("POST", "/api/v1/letters", Some("clerk.hni"), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn proposals(app: &common::App, id: &str) -> Value {
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/letters/{id}/similar"),
            Some("clerk.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn similar(app: &common::App, id: &str) -> Vec<Value> {
    proposals(app, id).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn a_sealed_sender_writing_again_in_other_words_is_recognised_without_being_opened(
    app: common::App,
) {
    let first = register(
        &app,
        letter("Lê Thị Lặp", "001190012345", "12 Hàng Bông", FIRST),
    )
    .await;
    // The same person, typed otherwise, in other words.
    let again = register(
        &app,
        letter("LÊ THỊ  LẶP", "001190012345", "12 HÀNG BÔNG", AGAIN),
    )
    .await;
    // Someone else, in the same other words.
    let other = register(
        &app,
        letter("Phạm Văn Khác", "001190099999", "3 Hàng Gà", AGAIN),
    )
    .await;
    let proposed = similar(&app, &again).await;
    let hit = proposed
        .iter()
        .find(|s| s["id"] == first.as_str())
        .unwrap_or_else(|| panic!("the earlier letter of the same sender: {proposed:?}"));
    assert_eq!(hit["same_sender"], true);
    let share = hit["similarity"].as_f64().unwrap();
    assert!(
        (liem_domain::petition::SAME_SENDER_AT..liem_domain::petition::PROPOSE_AT).contains(&share),
        "reworded: too little in common to be proposed on the text alone ({share})"
    );
    // The other sender's letter is proposed the letter of the same words
    // (the second), not the first.
    let proposed = similar(&app, &other).await;
    assert!(
        proposed.iter().all(|s| s["id"] != first.as_str()),
        "{proposed:?}"
    );
    let copy = proposed.iter().find(|s| s["id"] == again.as_str()).unwrap();
    assert_eq!(copy["same_sender"], false);
    // Two senders of one text are not a campaign; a third (anonymous, a
    // sender of its own) makes one, seen from any of its letters.
    assert_eq!(proposals(&app, &other).await["campaign"], Value::Null);
    let mut anonymous = letter("", "", "", AGAIN);
    anonymous["sender"] = json!({"kind": "anonymous"});
    anonymous["seal_identity"] = json!(false);
    let anonymous = register(&app, anonymous).await;
    for id in [&other, &anonymous, &again] {
        let p = proposals(&app, id).await;
        assert_eq!(p["campaign"], json!({"letters": 3, "senders": 3}), "{p}");
    }
    // The first letter's text is not the campaign's.
    assert_eq!(proposals(&app, &first).await["campaign"], Value::Null);
    let (s, html) = common::page(&app, "clerk.hni", &format!("/petitions/{other}?lang=en")).await;
    assert_eq!(s, StatusCode::OK);
    let flag = common::between(&html, "id=\"campaign\"", "</p>").expect("the flag");
    assert!(
        flag.contains("3 letters from 3 different senders"),
        "{flag}"
    );
    // Digests only: no ID number, name or address in the table, and the
    // two letters of one sender share their ID number's digest.
    let mut c = app.state.store.conn().await.unwrap();
    let rows = liem_store::db::query("SELECT letter_id, digest FROM letter_senders")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let digests = |id: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.uuid("letter_id").unwrap().to_string() == id)
            .map(|r| r.text("digest").unwrap())
            .collect()
    };
    let (a, b, o) = (digests(&first), digests(&again), digests(&other));
    assert!(digests(&anonymous).is_empty());
    assert_eq!(a.len(), 2, "ID number, name with address: {a:?}");
    assert_eq!(a, b, "the same marks, however typed");
    assert!(o.iter().all(|d| !a.contains(d)));
    for r in &rows {
        let d = r.text("digest").unwrap();
        assert_eq!(d.len(), 32);
        assert!(d.chars().all(|c| c.is_ascii_hexdigit()), "{d}");
        assert!(!d.contains("001190"), "{d}");
    }
    // The identity stayed sealed: no unsealing was asked or recorded.
    assert_eq!(app.count("unseal_requests").await, 0);
    assert_eq!(
        app.count("audit_log WHERE action LIKE 'identity.%'").await,
        0
    );
}
