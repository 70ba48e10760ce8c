//! The audit trail's anchors: every report carries the signed checkpoint it
//! was computed under, issuing one appends a checkpoint to the configured
//! file, a witness polls for one, and the chain is checked against them all.
//! On SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use liem_server::Settings;
use liem_store::audit::checkpoint::Checkpoint;
use liem_store::testing::TestDb;

mod sqlite {
    #[tokio::test]
    async fn checkpoints_anchor_the_chain() {
        super::checkpoints_anchor_the_chain(liem_store::testing::TestDb::sqlite().await).await
    }
}

mod postgres {
    #[tokio::test]
    async fn checkpoints_anchor_the_chain() {
        let Some(db) = liem_store::testing::TestDb::postgres().await else {
            return;
        };
        super::checkpoints_anchor_the_chain(db).await
    }
}

async fn checkpoints_anchor_the_chain(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("witness").join("checkpoints.txt");
    let app = common::app_with(
        db,
        Settings {
            checkpoint_file: Some(file.clone()),
            ..Settings::default()
        },
    )
    .await;
    let store = app.db.store.clone();
    let head = || async {
        liem_store::audit::head(&mut store.conn().await.unwrap())
            .await
            .unwrap()
    };
    // A report's JSON carries the head it was computed under, signed.
    let (s, r) = app
        .call(
            "GET",
            "/api/v1/reports/07-PCTN?period=2026-H1&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let read = Checkpoint::parse(r["checkpoint"].as_str().expect("a checkpoint")).unwrap();
    assert!(read.signature_holds());
    assert_eq!(read.key, store.audit_keys().public_key_hex());
    assert_eq!((read.seq, read.head.clone()), head().await);
    assert!(!file.exists(), "reading a report writes no checkpoint");

    // Issuing it appends the head, with the issue's own record, to the file.
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/reports/07-PCTN/issue?period=2026-H1&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let written = Checkpoint::parse_all(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written.len(), 1);
    assert!(written[0].seq > read.seq, "the issue is in it");
    assert_eq!((written[0].seq, written[0].head.clone()), head().await);

    // A witness with an auditor's token polls for one; others may not.
    let (s, w) = app
        .call("GET", "/api/v1/audit/checkpoint", Some("auditor.hni"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let polled = Checkpoint::parse(w["line"].as_str().unwrap()).unwrap();
    assert_eq!(polled.seq, w["seq"].as_i64().unwrap());
    let (s, _) = app
        .call("GET", "/api/v1/audit/checkpoint", Some("handler.hni"), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let lines = Checkpoint::parse_all(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(lines.len(), 2, "the polled one is kept too");

    // The database agrees with all three.
    let verify = |cps: Vec<Checkpoint>| {
        let store = store.clone();
        async move {
            let mut c = store.conn().await.unwrap();
            liem_store::audit::verify(&mut c, store.chain(), &cps, true)
                .await
                .unwrap()
        }
    };
    let v = verify(vec![read.clone(), written[0].clone(), polled.clone()]).await;
    assert!(v.intact(), "{v:?}");
    assert_eq!(v.checkpoints, 3);

    // A checkpoint altered after signing, or signed by another instance,
    // is refused by name.
    let mut altered = polled.clone();
    altered.seq -= 1;
    let v = verify(vec![altered]).await;
    let x = v.contradiction.expect("refused");
    assert!(x.reason.contains("signature"), "{}", x.reason);
    let other =
        liem_store::audit::AuditKeys::derive(b"another instance").sign(polled.seq, &polled.head);
    let v = verify(vec![other]).await;
    let x = v.contradiction.expect("refused");
    assert!(x.reason.contains("another key"), "{}", x.reason);

    // The tail cut and the head moved back: the chain alone still links, the
    // checkpoints do not agree, and say from where.
    let mut tx = store.begin().await.unwrap();
    let keep = read.seq;
    liem_store::db::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(keep)
        .execute(&mut tx)
        .await
        .unwrap();
    liem_store::db::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(read.head.as_str())
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = verify(vec![]).await;
    assert!(v.first_break.is_none(), "the chain alone cannot tell");
    let v = verify(vec![read.clone(), written[0].clone(), polled]).await;
    let x = v.contradiction.expect("the checkpoints tell");
    assert_eq!(x.from_record, read.seq + 1);
    assert!(
        x.checkpoint.contains(&format!("seq={}", written[0].seq)),
        "{x:?}"
    );
}
