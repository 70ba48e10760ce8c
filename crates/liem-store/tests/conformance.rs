//! The storage conformance suite: every test runs on SQLite and on
//! PostgreSQL (a fresh database or schema each).

use jiff::civil::{date, Date};
use liem_domain::ids::{LetterId, MatterId, UnitId, UserId};
use liem_domain::petition::{LetterInput, NewLetter, PetitionKind, SenderInput};
use liem_domain::reference::Register;
use liem_domain::role::{Role, Scope, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_domain::workflow::{apply, Action, Classification, MatterFacts, MatterState};
use liem_store::audit::{self, Actor};
use liem_store::db::query;
use liem_store::petitions::{
    self, LetterFilter, LetterRegistration, MatterOpening, SealedBlob, Transition,
};
use liem_store::units::{self, NewUnit, UnitRecord};
use liem_store::users::{self, NewUser};
use liem_store::{Store, StoreError};

macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = liem_store::testing::TestDb::sqlite().await;
                super::$name(&db.store).await;
                db.cleanup().await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(db) = liem_store::testing::TestDb::postgres().await else { return };
                super::$name(&db.store).await;
                db.cleanup().await;
            })+
        }
    };
}

conformance!(
    references_are_gap_free_and_survive_rollback,
    audit_chain_detects_edit_delete_and_reorder,
    audit_chain_detects_a_deleted_tail,
    sealed_identity_is_stored_apart,
    scope_hides_other_units,
    the_register_pages_and_leaves_words_to_the_index,
    concurrent_transition_is_a_conflict,
    batched_steps_write_each_matter_once_and_refuse_a_stale_one,
    calendar_days_round_trip,
    deadline_counts_by_unit_and_handler,
    usernames_are_unique,
    reception_sessions_round_trip_into_the_same_figures,
    settings_writes_leave_one_audit_record_and_one_change_feed_entry,
    committee_figures_of_a_province_and_the_nation,
    hot_spot_alerts_open_continue_end_and_are_acknowledged_once,
    shared_rate_counts_and_spent_challenges,
    scoped_statements_keep_plans_fit_for_their_scope,
);

struct World {
    central: UnitRecord,
    hni: UnitRecord,
    hcm: UnitRecord,
    clerk: UserId,
}

fn actor(user: Option<UserId>, unit: &UnitRecord) -> Actor {
    Actor {
        user,
        unit: Some(unit.id),
        source: "test".into(),
    }
}

async fn unit(store: &Store, code: &str, kind: UnitKind, parent: Option<UnitId>) -> UnitRecord {
    let mut tx = store.begin().await.unwrap();
    let u = units::create(
        &mut tx,
        &Actor::system("test"),
        &NewUnit {
            code: UnitCode::parse(code).unwrap(),
            name: format!("Unit {code}"),
            kind,
            parent,
            valid_from: date(2025, 7, 1),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u
}

async fn world(store: &Store) -> World {
    let central = unit(store, "TW", UnitKind::CentralCommittee, None).await;
    let hni = unit(store, "HNI", UnitKind::Province, Some(central.id)).await;
    let hcm = unit(store, "HCM", UnitKind::Province, Some(central.id)).await;
    let mut tx = store.begin().await.unwrap();
    let clerk = users::create(
        &mut tx,
        &Actor::system("test"),
        &NewUser {
            username: Username::parse("clerk.hni").unwrap(),
            display_name: "Clerk".into(),
            unit_id: hni.id,
            password_hash: "x".into(),
            roles: vec![Role::IntakeClerk],
            locale: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    World {
        central,
        hni,
        hcm,
        clerk,
    }
}

fn letter(kind: &str, name: &str, content: &str, received: &str) -> NewLetter {
    NewLetter::parse(
        &LetterInput {
            kinds: vec![kind.into()],
            channel: Some("post".into()),
            field: Some("corruption".into()),
            received_on: Some(received.into()),
            sender: SenderInput {
                kind: Some("person".into()),
                name: Some(name.into()),
                id_number: Some("001085012345".into()),
                ..Default::default()
            },
            summary: Some("Tóm tắt".into()),
            content: Some(content.into()),
            ..Default::default()
        },
        date(2026, 11, 23),
    )
    .unwrap()
}

async fn register(
    store: &Store,
    w: &World,
    unit: &UnitRecord,
    l: &NewLetter,
) -> (LetterId, MatterId) {
    let mut tx = store.begin().await.unwrap();
    let a = actor(Some(w.clerk), unit);
    let id = LetterId::new();
    let refs = petitions::next_references(
        &mut tx,
        unit,
        l.received_on.year(),
        &[(Register::Letters, 1), (Register::Matters, 1)],
    )
    .await
    .unwrap();
    let sealed = l.sealed().then(|| SealedBlob {
        key_id: "k".into(),
        nonce: vec![0; 12],
        ciphertext: vec![1, 2, 3],
    });
    petitions::insert_letter(
        &mut tx,
        &a,
        &LetterRegistration {
            letter: l,
            id,
            reference: &refs[0],
            unit,
            created_by: Some(w.clerk),
            sealed,
            ack_due: None,
            feedback_due: None,
            sender_keys: Vec::new(),
        },
    )
    .await
    .unwrap();
    let facts = MatterFacts::received(l.kinds[0], l.received_on, false);
    let mid = MatterId::new();
    petitions::insert_matter(
        &mut tx,
        &a,
        &MatterOpening {
            id: mid,
            unit,
            field_code: &l.field,
            summary: &l.summary,
            facts: &facts,
            due: None,
            duty: None,
            reference: &refs[1],
        },
    )
    .await
    .unwrap();
    petitions::link(&mut tx, &a, id, petitions::Grouping::Opened(mid))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (id, mid)
}

async fn references_are_gap_free_and_survive_rollback(store: &Store) {
    let w = world(store).await;
    let mut tx = store.begin().await.unwrap();
    let r1 = petitions::next_reference(&mut tx, &w.hni, Register::Letters, 2026)
        .await
        .unwrap();
    let r2 = petitions::next_reference(&mut tx, &w.hni, Register::Letters, 2026)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((r1.seq, r2.seq), (1, 2));
    assert_eq!(r2.format(), "HNI-2026-000002");
    // A rolled-back allocation leaves no gap.
    let mut tx = store.begin().await.unwrap();
    petitions::next_reference(&mut tx, &w.hni, Register::Letters, 2026)
        .await
        .unwrap();
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let r3 = petitions::next_reference(&mut tx, &w.hni, Register::Letters, 2026)
        .await
        .unwrap();
    let other_year = petitions::next_reference(&mut tx, &w.hni, Register::Letters, 2025)
        .await
        .unwrap();
    let other_unit = petitions::next_reference(&mut tx, &w.hcm, Register::Letters, 2026)
        .await
        .unwrap();
    let matters = petitions::next_reference(&mut tx, &w.hni, Register::Matters, 2026)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r3.seq, 3);
    assert_eq!((other_year.seq, other_unit.seq, matters.seq), (1, 1, 1));
    assert_eq!(matters.format(), "HNI-VV-2026-000001");
    // Several numbers of several registers in one allocation: consecutive,
    // in the order asked, continuing each register's sequence.
    let mut tx = store.begin().await.unwrap();
    let batch = petitions::next_references(
        &mut tx,
        &w.hni,
        2026,
        &[(Register::Letters, 1), (Register::Matters, 3)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let got: Vec<String> = batch.iter().map(|r| r.format()).collect();
    assert_eq!(
        got,
        [
            "HNI-2026-000004",
            "HNI-VV-2026-000002",
            "HNI-VV-2026-000003",
            "HNI-VV-2026-000004"
        ]
    );
    // A group of letters of several units and years in one allocation: each
    // want gets its own consecutive numbers, the wants of one counter in
    // the order given, every counter continuing its own sequence.
    let want = |unit, year, register, count| petitions::Want {
        unit,
        year,
        register,
        count,
    };
    let mut tx = store.begin().await.unwrap();
    let group = petitions::allocate_references(
        &mut tx,
        &[
            want(&w.hcm, 2026, Register::Letters, 1),
            want(&w.hni, 2026, Register::Letters, 1),
            want(&w.hni, 2026, Register::Matters, 2),
            want(&w.hni, 2025, Register::Letters, 1),
            want(&w.hni, 2026, Register::Matters, 0),
            want(&w.hni, 2026, Register::Letters, 1),
            want(&w.hni, 2026, Register::Matters, 1),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let got: Vec<Vec<String>> = group
        .iter()
        .map(|refs| refs.iter().map(|r| r.format()).collect())
        .collect();
    assert_eq!(
        got,
        [
            vec!["HCM-2026-000002"],
            vec!["HNI-2026-000005"],
            vec!["HNI-VV-2026-000005", "HNI-VV-2026-000006"],
            vec!["HNI-2025-000002"],
            vec![],
            vec!["HNI-2026-000006"],
            vec!["HNI-VV-2026-000007"],
        ]
    );
}

async fn audit_chain_detects_edit_delete_and_reorder(store: &Store) {
    let w = world(store).await;
    for i in 0..3 {
        register(
            store,
            &w,
            &w.hni,
            &letter("complaint", "A", &format!("c{i}"), "2026-11-02"),
        )
        .await;
    }
    let mut c = store.conn().await.unwrap();
    let ok = audit::verify(&mut c, store.chain(), &[], false)
        .await
        .unwrap();
    assert!(ok.first_break.is_none(), "{ok:?}");
    // Default fields + 3 units + 1 user + 3 × (letter, matter, link).
    let fields = liem_domain::petition::DEFAULT_FIELDS.len() as i64;
    assert_eq!(ok.records, fields + 13);
    drop(c);

    let edit = |sql: &'static str| async move {
        let mut tx = store.begin().await.unwrap();
        query(sql).execute(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    };
    let first_break = || async {
        let v = audit::verify(&mut store.conn().await.unwrap(), store.chain(), &[], false)
            .await
            .unwrap();
        v.first_break.map(|b| (b.seq, b.reason))
    };
    // Edited.
    let original = query("SELECT detail FROM audit_log WHERE seq = 12")
        .fetch_one(&mut store.conn().await.unwrap())
        .await
        .unwrap()
        .text("detail")
        .unwrap();
    edit("UPDATE audit_log SET detail = '{}' WHERE seq = 12").await;
    let (seq, reason) = first_break().await.unwrap();
    assert_eq!(seq, 12);
    assert!(reason.contains("edited"), "{reason}");
    let mut tx = store.begin().await.unwrap();
    query("UPDATE audit_log SET detail = $1 WHERE seq = 12")
        .bind(original)
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(first_break().await, None);
    // Reordered: rows 14 and 15 swap places.
    let swap = || async {
        edit("UPDATE audit_log SET seq = -1 WHERE seq = 14").await;
        edit("UPDATE audit_log SET seq = 14 WHERE seq = 15").await;
        edit("UPDATE audit_log SET seq = 15 WHERE seq = -1").await;
    };
    swap().await;
    assert_eq!(first_break().await.map(|b| b.0), Some(14));
    swap().await;
    assert_eq!(first_break().await, None);
    // Deleted in the middle.
    edit("DELETE FROM audit_log WHERE seq = 16").await;
    let (seq, reason) = first_break().await.unwrap();
    assert_eq!(seq, 16);
    assert!(reason.contains("missing"), "{reason}");
}

async fn audit_chain_detects_a_deleted_tail(store: &Store) {
    let w = world(store).await;
    register(
        store,
        &w,
        &w.hni,
        &letter("complaint", "A", "c", "2026-11-02"),
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = audit::verify(&mut store.conn().await.unwrap(), store.chain(), &[], false)
        .await
        .unwrap();
    let b = v.first_break.expect("a break");
    assert_eq!(b.seq, v.records + 1);
    assert!(b.reason.contains("deleted at the end"), "{}", b.reason);
}

async fn sealed_identity_is_stored_apart(store: &Store) {
    let w = world(store).await;
    let l = letter(
        "denunciation",
        "Lê Văn Bí Mật",
        "Nội dung tố cáo",
        "2026-11-02",
    );
    assert!(l.sealed());
    let (id, _) = register(store, &w, &w.hni, &l).await;
    let mut c = store.conn().await.unwrap();
    let rec = petitions::get_letter(&mut c, id).await.unwrap();
    assert!(rec.sealed);
    assert_eq!(rec.sender_name, None);
    assert_eq!(rec.sender_id_number, None);
    let n = query("SELECT COUNT(*) AS n FROM letters WHERE search_text LIKE '%bi mat%' OR sender_name IS NOT NULL")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    assert_eq!(n, 0);
    drop(c);
    let mut tx = store.begin().await.unwrap();
    let blob = petitions::unseal(&mut tx, &actor(Some(w.clerk), &w.hni), id, "verification")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(blob.ciphertext, vec![1, 2, 3]);
    let mut c = store.conn().await.unwrap();
    let trail = audit::for_entity(&mut c, "letter", &id.to_string())
        .await
        .unwrap();
    assert_eq!(trail.last().unwrap().action, "identity.unseal");
    assert!(trail.last().unwrap().detail.contains("verification"));
}

async fn scope_hides_other_units(store: &Store) {
    let w = world(store).await;
    register(
        store,
        &w,
        &w.hni,
        &letter("complaint", "A", "hni", "2026-11-02"),
    )
    .await;
    register(
        store,
        &w,
        &w.hcm,
        &letter("complaint", "B", "hcm", "2026-11-02"),
    )
    .await;
    let mut c = store.conn().await.unwrap();
    let lf = LetterFilter::default();
    let hni = petitions::list_letters(&mut c, &Scope::Unit(w.hni.path.clone()), &lf, None, 50)
        .await
        .unwrap();
    assert_eq!(hni.items.len(), 1);
    assert_eq!(hni.items[0].unit_code, "HNI");
    let all = petitions::count_letters(&mut c, &Scope::Subtree(w.central.path.clone()), &lf)
        .await
        .unwrap();
    assert_eq!(all, 2);
    let none = petitions::count_letters(&mut c, &Scope::None, &lf)
        .await
        .unwrap();
    assert_eq!(none, 0);
    // Central's own unit (not its subtree) holds nothing.
    let own = petitions::count_letters(&mut c, &Scope::Unit(w.central.path.clone()), &lf)
        .await
        .unwrap();
    assert_eq!(own, 0);
}

async fn the_register_pages_and_leaves_words_to_the_index(store: &Store) {
    let w = world(store).await;
    register(
        store,
        &w,
        &w.hni,
        &letter(
            "complaint",
            "Phạm Đức Anh",
            "Khiếu nại về tham nhũng đất đai",
            "2026-11-02",
        ),
    )
    .await;
    register(
        store,
        &w,
        &w.hni,
        &letter("complaint", "Hoàng Lan", "Phản ánh ô nhiễm", "2026-11-03"),
    )
    .await;
    let mut c = store.conn().await.unwrap();
    let scope = Scope::Subtree(w.central.path.clone());
    // Words are the search index's (liem-search, tested there on both
    // databases): the register's scan refuses them rather than scanning
    // every row with a substring match.
    let lf = LetterFilter {
        text: Some("tham nhung".into()),
        ..Default::default()
    };
    assert!(matches!(
        petitions::count_letters(&mut c, &scope, &lf).await,
        Err(StoreError::Config(_))
    ));
    assert!(petitions::list_letters(&mut c, &scope, &lf, None, 10)
        .await
        .is_err());
    // Blank words are no words.
    let lf = LetterFilter {
        text: Some("  ".into()),
        ..Default::default()
    };
    assert_eq!(
        petitions::count_letters(&mut c, &scope, &lf).await.unwrap(),
        2
    );
    // Pagination: one per page, newest first, then the end.
    let lf = LetterFilter::default();
    let p1 = petitions::list_letters(&mut c, &scope, &lf, None, 1)
        .await
        .unwrap();
    assert_eq!(p1.items[0].reference, "HNI-2026-000002");
    let cursor: LetterId = p1.next_cursor.unwrap().parse().unwrap();
    let p2 = petitions::list_letters(&mut c, &scope, &lf, Some(cursor), 1)
        .await
        .unwrap();
    assert_eq!(p2.items[0].reference, "HNI-2026-000001");
    assert_eq!(p2.next_cursor, None);
}

fn classification() -> Classification {
    Classification {
        eligible: true,
        ineligibility: None,
        competent: true,
        competent_body: None,
        has_originals: true,
        bypass_level: false,
        repeated: false,
        complex: false,
        especially_complex: false,
        continued: false,
        remote_area: false,
        multi_place: false,
        decision_known_on: None,
        obstacle_days: 0,
        round: 1,
    }
}

async fn concurrent_transition_is_a_conflict(store: &Store) {
    let w = world(store).await;
    let (_, mid) = register(
        store,
        &w,
        &w.hni,
        &letter("complaint", "A", "x", "2026-11-02"),
    )
    .await;
    let mut c = store.conn().await.unwrap();
    let m = petitions::get_matter(&mut c, mid).await.unwrap();
    drop(c);
    let next = apply(
        &m.facts,
        &Action::Classify(classification()),
        date(2026, 11, 3),
    )
    .unwrap();
    let t = Transition {
        matter: mid,
        expected_version: m.version,
        from: m.facts.state,
        facts: &next,
        due: None,
        duty: None,
        action: "classify",
        on: date(2026, 11, 3),
        detail: serde_json::json!({}),
    };
    let a = actor(Some(w.clerk), &w.hni);
    let mut tx = store.begin().await.unwrap();
    petitions::record_transition(&mut tx, &a, &t).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let err = petitions::record_transition(&mut tx, &a, &t)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref c) if c == "version"),
        "{err:?}"
    );
    drop(tx);
    let mut c = store.conn().await.unwrap();
    let m = petitions::get_matter(&mut c, mid).await.unwrap();
    assert_eq!(m.facts.state, MatterState::Classified);
    assert_eq!(m.version, 2);
    let ev = petitions::events(&mut c, mid).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].from_state.as_str(), ev[0].to_state.as_str()),
        ("received", "classified")
    );
}

/// Steps of several matters recorded at once: each matter's steps must
/// follow its version; one stale matter refuses the whole batch; a good
/// batch leaves each row as its last step does, with every event.
async fn batched_steps_write_each_matter_once_and_refuse_a_stale_one(store: &Store) {
    let w = world(store).await;
    let mut ids = Vec::new();
    for (i, day) in ["2026-11-02", "2026-11-03"].iter().enumerate() {
        let (_, mid) = register(
            store,
            &w,
            &w.hni,
            &letter("complaint", &format!("B{i}"), "x", day),
        )
        .await;
        ids.push(mid);
    }
    let mut c = store.conn().await.unwrap();
    let mut ms = Vec::new();
    for id in &ids {
        ms.push(petitions::get_matter(&mut c, *id).await.unwrap());
    }
    drop(c);
    let on = date(2026, 11, 4);
    let classified: Vec<_> = ms
        .iter()
        .map(|m| apply(&m.facts, &Action::Classify(classification()), on).unwrap())
        .collect();
    let accepted: Vec<_> = classified
        .iter()
        .map(|f| apply(f, &Action::Accept, date(2026, 11, 5)).unwrap())
        .collect();
    let step = |k: usize, version: i64, from: MatterState, facts, action| Transition {
        matter: ids[k],
        expected_version: version,
        from,
        facts,
        due: None,
        duty: None,
        action,
        on,
        detail: serde_json::json!({}),
    };
    let a = actor(Some(w.clerk), &w.hni);
    // A matter's second step that skips a version.
    let s1 = step(
        0,
        ms[0].version,
        MatterState::Received,
        &classified[0],
        "classify",
    );
    let s2 = step(
        0,
        ms[0].version + 2,
        MatterState::Classified,
        &accepted[0],
        "accept",
    );
    let mut tx = store.begin().await.unwrap();
    let err = petitions::record_transitions(&mut tx, &[(&a, &s1), (&a, &s2)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref c) if c == "version"),
        "{err:?}"
    );
    drop(tx);
    // The second matter stale (a version already past): nothing written.
    let good = step(
        0,
        ms[0].version + 1,
        MatterState::Classified,
        &accepted[0],
        "accept",
    );
    let stale = step(
        1,
        ms[1].version - 1,
        MatterState::Received,
        &classified[1],
        "classify",
    );
    let mut tx = store.begin().await.unwrap();
    let err = petitions::record_transitions(&mut tx, &[(&a, &s1), (&a, &good), (&a, &stale)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref c) if c == "version"),
        "{err:?}"
    );
    drop(tx);
    let mut c = store.conn().await.unwrap();
    let m0 = petitions::get_matter(&mut c, ids[0]).await.unwrap();
    assert_eq!(
        (m0.facts.state, m0.version),
        (MatterState::Received, ms[0].version)
    );
    drop(c);
    // Both matters, two steps and one: each row as its last step leaves it.
    let fresh = step(
        1,
        ms[1].version,
        MatterState::Received,
        &classified[1],
        "classify",
    );
    let mut tx = store.begin().await.unwrap();
    petitions::record_transitions(&mut tx, &[(&a, &s1), (&a, &fresh), (&a, &good)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let m0 = petitions::get_matter(&mut c, ids[0]).await.unwrap();
    let m1 = petitions::get_matter(&mut c, ids[1]).await.unwrap();
    assert_eq!(
        (m0.facts.state, m0.version),
        (MatterState::Accepted, ms[0].version + 2)
    );
    assert_eq!(
        (m1.facts.state, m1.version),
        (MatterState::Classified, ms[1].version + 1)
    );
    let ev0 = petitions::events(&mut c, ids[0]).await.unwrap();
    let ev1 = petitions::events(&mut c, ids[1]).await.unwrap();
    assert_eq!(
        ev0.iter().map(|e| e.to_state.as_str()).collect::<Vec<_>>(),
        ["classified", "accepted"]
    );
    assert_eq!(ev1.len(), 1);
    // Both letters processed on the day they were classified.
    let n = query("SELECT COUNT(*) AS n FROM letters WHERE processed_on = $1")
        .bind(on)
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    assert_eq!(n, 2);
}

async fn calendar_days_round_trip(store: &Store) {
    use liem_domain::calendar::{DayOverride, OverrideKind};
    // Days no announcement touches (a Friday, a Saturday), so that what is
    // seen is the administrator's entry and its removal.
    let mut tx = store.begin().await.unwrap();
    let a = Actor::system("test");
    let swap = DayOverride {
        date: date(2027, 1, 8),
        kind: OverrideKind::DayOff,
        name: "Swapped".into(),
    };
    liem_store::calendar::set_day(&mut tx, &a, &swap)
        .await
        .unwrap();
    liem_store::calendar::set_day(
        &mut tx,
        &a,
        &DayOverride {
            date: date(2027, 1, 16),
            kind: OverrideKind::WorkingDay,
            name: "Work".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let cal = liem_store::calendar::load(&mut c).await.unwrap();
    assert!(!cal.is_working_day(date(2027, 1, 8)));
    assert!(cal.is_working_day(date(2027, 1, 16)));
    drop(c);
    let mut tx = store.begin().await.unwrap();
    assert!(
        liem_store::calendar::remove_day(&mut tx, &a, date(2027, 1, 8))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let cal = liem_store::calendar::load(&mut store.conn().await.unwrap())
        .await
        .unwrap();
    assert!(cal.is_working_day(date(2027, 1, 8)));
}

async fn deadline_counts_by_unit_and_handler(store: &Store) {
    let w = world(store).await;
    let today: Date = date(2026, 11, 23);
    let mut due = Vec::new();
    for (i, d) in [date(2026, 11, 20), date(2026, 11, 25), date(2027, 1, 30)]
        .into_iter()
        .enumerate()
    {
        let (_, mid) = register(
            store,
            &w,
            &w.hni,
            &letter("complaint", "A", &format!("{i}"), "2026-11-02"),
        )
        .await;
        due.push((mid, d));
    }
    let mut tx = store.begin().await.unwrap();
    for (mid, d) in &due {
        query("UPDATE matters SET due_on = $1 WHERE id = $2")
            .bind(*d)
            .bind(mid.0)
            .execute(&mut tx)
            .await
            .unwrap();
    }
    petitions::assign(&mut tx, &actor(None, &w.hni), due[0].0, Some(w.clerk))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let counts =
        petitions::deadline_counts(&mut c, &Scope::Subtree(w.central.path.clone()), today, 7)
            .await
            .unwrap();
    let summary: Vec<(String, Option<String>, i64, i64)> = counts
        .into_iter()
        .map(|c| (c.unit_code, c.handler, c.overdue, c.due_soon))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("HNI".into(), None, 0, 1),
            ("HNI".into(), Some("clerk.hni".into()), 1, 0)
        ]
    );
    let lf = LetterFilter {
        overdue: true,
        today: Some(today),
        ..Default::default()
    };
    assert_eq!(
        petitions::count_letters(&mut c, &Scope::Subtree(w.central.path.clone()), &lf)
            .await
            .unwrap(),
        1
    );
    let lf = LetterFilter {
        due_within: Some(7),
        today: Some(today),
        ..Default::default()
    };
    assert_eq!(
        petitions::count_letters(&mut c, &Scope::Subtree(w.central.path.clone()), &lf)
            .await
            .unwrap(),
        1
    );
    let lf = LetterFilter {
        kind: Some(PetitionKind::Complaint),
        handler: Some(w.clerk),
        ..Default::default()
    };
    assert_eq!(
        petitions::count_letters(&mut c, &Scope::Subtree(w.central.path.clone()), &lf)
            .await
            .unwrap(),
        1
    );
}

async fn usernames_are_unique(store: &Store) {
    let w = world(store).await;
    let mut tx = store.begin().await.unwrap();
    let err = users::create(
        &mut tx,
        &Actor::system("test"),
        &NewUser {
            username: Username::parse("CLERK.HNI").unwrap(),
            display_name: "x".into(),
            unit_id: w.hni.id,
            password_hash: "x".into(),
            roles: vec![],
            locale: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref f) if f == "username"),
        "{err:?}"
    );
}

async fn reception_sessions_round_trip_into_the_same_figures(store: &Store) {
    use liem_domain::reception::{
        figures, HostMode, NewSession, RaisedMatter, Session, SessionKind, Visit, VisitOutcome,
    };
    let w = world(store).await;
    let v = |people: u32, first: &[PetitionKind], repeat: &[PetitionKind]| Visit {
        people,
        delegation: people >= 5,
        representatives: if people >= 5 { 2 } else { 0 },
        matters: first
            .iter()
            .map(|k| RaisedMatter {
                kind: *k,
                repeat: false,
            })
            .chain(repeat.iter().map(|k| RaisedMatter {
                kind: *k,
                repeat: true,
            }))
            .collect(),
        outcome: VisitOutcome::ReplyDue,
    };
    use PetitionKind::*;
    let sessions = vec![
        Session {
            held_on: date(2026, 3, 2),
            kind: SessionKind::Regular,
            host: HostMode::Office,
            visits: vec![v(1, &[Complaint], &[]), v(2, &[Reflection], &[Complaint])],
        },
        Session {
            held_on: date(2026, 3, 10),
            kind: SessionKind::Periodic,
            host: HostMode::HeadInPerson,
            visits: vec![v(6, &[], &[Complaint, Recommendation])],
        },
        Session {
            held_on: date(2026, 3, 20),
            kind: SessionKind::AdHoc,
            host: HostMode::Delegated,
            visits: vec![v(30, &[Denunciation], &[])],
        },
    ];
    let a = actor(Some(w.clerk), &w.hni);
    let mut tx = store.begin().await.unwrap();
    for (i, s) in sessions.iter().enumerate() {
        let unit = if i == 2 { w.hcm.id } else { w.hni.id };
        let n = NewSession {
            session: s.clone(),
            host_name: "Chủ tịch".into(),
            notes: vec![None; s.visits.len()],
            online: None,
        };
        let due = vec![Some(date(2026, 3, 16)); s.visits.len()];
        liem_store::reception::insert_session(&mut tx, &a, unit, &n, &due, &[])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let all = liem_store::reception::sessions(
        &mut c,
        &Scope::Subtree(w.central.path.clone()),
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    .await
    .unwrap();
    assert_eq!(all, sessions, "sessions read back exactly as written");
    let f = figures(&all, date(2026, 3, 1), date(2026, 3, 31));
    assert_eq!(
        (
            f.total.people,
            f.total.visits,
            f.total.matters_first,
            f.total.matters_repeat,
            f.total.delegations
        ),
        (39, 4, 3, 3, 2)
    );
    let hni = liem_store::reception::sessions(
        &mut c,
        &Scope::Unit(w.hni.path.clone()),
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    .await
    .unwrap();
    assert_eq!(hni.len(), 2, "scope limits the sessions");
    let due = liem_store::reception::replies_due(
        &mut c,
        &Scope::Unit(w.hni.path.clone()),
        date(2026, 3, 16),
    )
    .await
    .unwrap();
    assert_eq!(due.len(), 3);
}

/// Every writing function of the store (one that takes the transaction)
/// writes its audit record and its change-feed entry itself: read from the
/// source, so that a new writing function cannot forget them. The
/// exceptions say why.
#[test]
fn every_writing_function_writes_one_audit_record_and_one_change_feed_entry() {
    let exempt: &[(&str, &str)] = &[
        ("audit::append", "the audit primitive itself"),
        ("audit::record_change", "the pair itself"),
        ("outbox::append", "the change-feed primitive itself"),
        (
            "petitions::next_reference",
            "allocates a number inside the insert that records the entry",
        ),
        (
            "petitions::next_references",
            "allocates numbers inside the transaction whose inserts record the entries",
        ),
        (
            "petitions::allocate_references",
            "allocates numbers inside the transaction whose inserts record the entries",
        ),
        (
            "petitions::allocate_references_known",
            "numbers from the counters known; the insert that records the entries moves them",
        ),
        (
            "petitions::insert_letter",
            "one row of petitions::insert_letters_with_matters, which records each letter",
        ),
        (
            "petitions::insert_matter",
            "one row of petitions::insert_letters_with_matters, which records each matter",
        ),
        (
            "petitions::insert_letters",
            "petitions::insert_letters_with_matters without matters, which records each letter",
        ),
        (
            "petitions::insert_matters",
            "petitions::insert_letters_with_matters without letters, which records each matter",
        ),
        (
            "petitions::link_opened",
            "records each link as petitions::insert_matters records the links it writes (one audit record and one change-feed entry a link, in `linked`)",
        ),
        (
            "petitions::assign",
            "one row of petitions::assign_many, which records each assignment",
        ),
        (
            "petitions::record_transition",
            "one step of petitions::record_transitions, which records each step",
        ),
        (
            "petitions::unseal",
            "a read of sealed data: audited, not a change (no change-feed entry)",
        ),
        (
            "deadlines::recompute",
            "one audit record, and one change-feed entry per recomputed record",
        ),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in files {
        // `cases/people.rs` is `cases`'s; the functions are named by their
        // top module, as callers name them (`cases::add_party`).
        let rel = path.strip_prefix(&root).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(i) = rest.find("pub async fn ") {
            let tail = &rest[i + "pub async fn ".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let end = tail.find("\n}\n").unwrap_or(tail.len());
            let (sig, body) = tail[..end].split_once('{').unwrap_or((&tail[..end], ""));
            rest = &tail[end..];
            if !sig.contains("tx: &mut Tx") {
                continue;
            }
            let full = format!("{module}::{name}");
            if exempt.iter().any(|(f, _)| *f == full) {
                continue;
            }
            checked += 1;
            let pair = body.matches("audit::record_change(").count();
            let audits = body.matches("audit::append(").count();
            let feeds = body.matches("outbox::append(").count();
            if !((pair == 1 && audits == 0 && feeds == 0)
                || (pair == 0 && audits == 1 && feeds == 1))
            {
                wrong.push(format!(
                    "{full}: record_change {pair}, audit {audits}, change feed {feeds}"
                ));
            }
        }
    }
    assert!(checked >= 45, "only {checked} writing functions found");
    assert!(
        wrong.is_empty(),
        "writing functions that do not record themselves: {wrong:#?}"
    );
}

async fn counts(store: &Store) -> (i64, i64) {
    let mut c = store.conn().await.unwrap();
    let n = |t: &'static str| query(format!("SELECT COUNT(*) AS n FROM {t}"));
    let a = n("audit_log")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    let o = n("outbox")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    (a, o)
}

/// The writing functions that once wrote no change-feed entry, run one by
/// one, each in its own transaction: exactly one audit record and one
/// change-feed entry each.
async fn settings_writes_leave_one_audit_record_and_one_change_feed_entry(store: &Store) {
    use liem_domain::calendar::{DayOverride, OverrideKind};
    use liem_domain::deadline::{PeriodUnit, RuleCode};
    let w = world(store).await;
    let a = actor(Some(w.clerk), &w.hni);
    let mut token = None;
    for step in 0..9 {
        let before = counts(store).await;
        let mut tx = store.begin().await.unwrap();
        match step {
            0 => liem_store::calendar::set_day(
                &mut tx,
                &a,
                &DayOverride {
                    date: date(2026, 11, 5),
                    kind: OverrideKind::DayOff,
                    name: "Nghỉ bù".into(),
                },
            )
            .await
            .unwrap(),
            1 => liem_store::calendar::set_rule_unit(
                &mut tx,
                &a,
                RuleCode::LetterHandling,
                PeriodUnit::Days,
            )
            .await
            .unwrap(),
            2 => units::set_policy(
                &mut tx,
                &a,
                w.hni.id,
                liem_domain::timers::ChannelPolicy::EuDirective,
            )
            .await
            .unwrap(),
            3 => users::set_locale(&mut tx, &a, w.clerk, Some("en"))
                .await
                .unwrap(),
            4 => {
                token = Some(
                    users::create_token(&mut tx, &a, w.clerk, "t", b"hash", jiff::Timestamp::now())
                        .await
                        .unwrap(),
                )
            }
            6 => users::set_active(&mut tx, &a, w.clerk, false)
                .await
                .unwrap(),
            7 => users::revoke_token(&mut tx, &a, token.unwrap(), None)
                .await
                .unwrap(),
            5 => liem_store::keys::set_recovery_key(&mut tx, &a, w.hcm.id, &[7u8; 32])
                .await
                .unwrap(),
            _ => petitions::upsert_field(&mut tx, &a, "test_field", "Thử", "Test")
                .await
                .unwrap(),
        }
        tx.commit().await.unwrap();
        let after = counts(store).await;
        assert_eq!(
            (after.0 - before.0, after.1 - before.1),
            (1, 1),
            "step {step}: one audit record and one change-feed entry"
        );
    }
}

async fn meeting_of(store: &Store, unit: &UnitRecord, kind: &str, held_on: &str) -> uuid::Uuid {
    use liem_domain::committee::MeetingInput;
    let m = MeetingInput {
        kind: Some(kind.into()),
        held_on: Some(held_on.into()),
        place: Some("Trụ sở".into()),
        chair: Some("Trưởng ban".into()),
        members_total: Some(9),
        present: vec!["Nguyễn Văn A".into(), "Trần Thị B".into()],
        excused: vec![],
        quorum: Some(true),
        ..Default::default()
    }
    .parse(date(2026, 12, 31))
    .unwrap();
    let mut tx = store.begin().await.unwrap();
    let id = liem_store::committee::insert_meeting(&mut tx, &actor(None, unit), unit.id, &m, &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Records a conclusion of `unit`'s meeting with one direction per task
/// `(owner, due)`; the tasks' ids.
async fn conclusion_of(
    store: &Store,
    unit: &UnitRecord,
    meeting: uuid::Uuid,
    number: &str,
    issued_on: Date,
    tasks: &[(&UnitRecord, Date)],
) -> Vec<uuid::Uuid> {
    use liem_domain::committee::{ConclusionKind, Due, NewConclusion, NewDirection, NewTask};
    use liem_store::committee::TaskToWrite;
    let c = NewConclusion {
        kind: ConclusionKind::Conclusion,
        number: number.into(),
        issued_on,
        summary: "Kết luận".into(),
        directions: tasks
            .iter()
            .map(|(owner, due)| NewDirection {
                text: "Đẩy nhanh tiến độ".into(),
                tasks: vec![NewTask {
                    owner: UnitCode::parse(&owner.code).unwrap(),
                    coordinating: vec![],
                    title: "Đẩy nhanh tiến độ".into(),
                    due: Due::On(*due),
                    kind: None,
                    case: None,
                }],
            })
            .collect(),
        inspection: None,
    };
    let write: Vec<TaskToWrite> = tasks
        .iter()
        .enumerate()
        .map(|(i, (owner, due))| TaskToWrite {
            direction: i as i64 + 1,
            owner: owner.id,
            coordinating: vec![],
            title: "Đẩy nhanh tiến độ".into(),
            case_id: None,
            due_on: *due,
            kind: None,
            due_period: None,
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    let (_, ids) = liem_store::committee::insert_conclusion(
        &mut tx,
        &actor(None, unit),
        unit.id,
        meeting,
        &c,
        &write,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ids
}

async fn task_step(
    store: &Store,
    task: uuid::Uuid,
    m: liem_domain::committee::TaskMove,
    on: Date,
) -> Result<(), StoreError> {
    use liem_store::committee as c;
    let mut tx = store.begin().await.unwrap();
    let t = c::task_by_id(&mut tx, task).await?;
    let next = t.facts.apply(&m, on).expect("a legal move");
    c::record_step(
        &mut tx,
        &Actor::system("test"),
        &t,
        m.action(),
        &next,
        Some("ghi chú"),
        None,
    )
    .await?;
    tx.commit().await
}

/// A first quarter counted by hand, for a province and for the nation:
///
/// - meetings: Hà Nội's committee a session on 15 January and its
///   standing body on 5 February (a session on 2 April is outside); Hồ Chí
///   Minh City's a session on 10 February and a working group on 3 March;
///   the central committee a session on 20 March.
/// - conclusions and their tasks:
///   - Hà Nội 01-KL (16 Jan): police task due 27 Feb, reported done 20
///     Feb, accepted 23 Feb (on time); police task due 13 Mar, nothing
///     reported (overdue at 31 Mar).
///   - Hồ Chí Minh City 05-TB (11 Feb): procuracy task due 6 Mar,
///     reported 10 Mar, accepted 11 Mar (late).
///   - central 10-KL (23 Mar): Hà Nội's task due 30 Apr (not due in the
///     quarter); Hồ Chí Minh City's due 27 Mar, reported 26 Mar, not yet
///     reviewed (awaiting review).
///
/// Hà Nội: 1 session, 1 meeting, 1 conclusion, 2 tasks given, 2 due, 1 on
/// time, 1 overdue (500 ‰). Hồ Chí Minh City: 1, 1, 1, 1 given, 1 due, 1
/// late (0 ‰). The nation: 3 sessions, 2 meetings, 3 conclusions, 5 tasks
/// given, 4 due, 1 on time, 1 late, 1 overdue, 1 awaiting review (250 ‰).
async fn committee_figures_of_a_province_and_the_nation(store: &Store) {
    use liem_domain::committee::{activity, ActivityFigures, TaskMove};
    use liem_store::committee as c;
    let w = world(store).await;
    let police = unit(
        store,
        "HNI-CA",
        UnitKind::PoliceInvestigation,
        Some(w.hni.id),
    )
    .await;
    let procuracy = unit(store, "HCM-VKS", UnitKind::Procuracy, Some(w.hcm.id)).await;
    let hni1 = meeting_of(store, &w.hni, "session", "2026-01-15").await;
    meeting_of(store, &w.hni, "standing", "2026-02-05").await;
    meeting_of(store, &w.hni, "session", "2026-04-02").await;
    let hcm1 = meeting_of(store, &w.hcm, "session", "2026-02-10").await;
    meeting_of(store, &w.hcm, "working_group", "2026-03-03").await;
    let tw1 = meeting_of(store, &w.central, "session", "2026-03-20").await;
    let hni_tasks = conclusion_of(
        store,
        &w.hni,
        hni1,
        "01-KL/BCĐ",
        date(2026, 1, 16),
        &[(&police, date(2026, 2, 27)), (&police, date(2026, 3, 13))],
    )
    .await;
    let hcm_tasks = conclusion_of(
        store,
        &w.hcm,
        hcm1,
        "05-TB/BCĐ",
        date(2026, 2, 11),
        &[(&procuracy, date(2026, 3, 6))],
    )
    .await;
    let tw_tasks = conclusion_of(
        store,
        &w.central,
        tw1,
        "10-KL/BCĐTW",
        date(2026, 3, 23),
        &[(&w.hni, date(2026, 4, 30)), (&w.hcm, date(2026, 3, 27))],
    )
    .await;
    // The same number twice in one committee is a conflict; another
    // committee may use it.
    let dup = {
        let mut tx = store.begin().await.unwrap();
        let c = liem_domain::committee::NewConclusion {
            kind: liem_domain::committee::ConclusionKind::Conclusion,
            number: "01-KL/BCĐ".into(),
            issued_on: date(2026, 1, 20),
            summary: "x".into(),
            directions: vec![],
            inspection: None,
        };
        c::insert_conclusion(&mut tx, &actor(None, &w.hni), w.hni.id, hni1, &c, &[]).await
    };
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.starts_with("number")));
    conclusion_of(store, &w.hcm, hcm1, "01-KL/BCĐ", date(2026, 2, 11), &[]).await;

    task_step(store, hni_tasks[0], TaskMove::ReportDone, date(2026, 2, 20))
        .await
        .unwrap();
    task_step(store, hni_tasks[0], TaskMove::Accept, date(2026, 2, 23))
        .await
        .unwrap();
    task_step(store, hcm_tasks[0], TaskMove::ReportDone, date(2026, 3, 10))
        .await
        .unwrap();
    task_step(store, hcm_tasks[0], TaskMove::Accept, date(2026, 3, 11))
        .await
        .unwrap();
    task_step(store, tw_tasks[1], TaskMove::ReportDone, date(2026, 3, 26))
        .await
        .unwrap();

    // A step taken on a task read before another step changed it is refused.
    let mut tx = store.begin().await.unwrap();
    let stale = c::task_by_id(&mut tx, tw_tasks[1]).await.unwrap();
    tx.commit().await.unwrap();
    task_step(store, tw_tasks[1], TaskMove::SendBack, date(2026, 3, 27))
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let next = stale
        .facts
        .apply(&TaskMove::Accept, date(2026, 3, 28))
        .unwrap();
    let r = c::record_step(
        &mut tx,
        &Actor::system("test"),
        &stale,
        next_action(),
        &next,
        None,
        None,
    )
    .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    drop(tx);
    // Reported again the same day: awaiting review, in time.
    task_step(store, tw_tasks[1], TaskMove::ReportDone, date(2026, 3, 27))
        .await
        .unwrap();

    let q = (date(2026, 1, 1), date(2026, 3, 31));
    let figures = |scope: Scope| async move {
        let mut conn = store.conn().await.unwrap();
        let (m, c, t) = c::activity_facts(&mut conn, &scope, q.0, q.1)
            .await
            .unwrap();
        activity(&m, &c, &t, q.0, q.1)
    };
    assert_eq!(
        figures(Scope::Subtree(w.hni.path.clone())).await,
        ActivityFigures {
            sessions: 1,
            meetings: 1,
            conclusions: 1,
            tasks_assigned: 2,
            tasks_due: 2,
            done_on_time: 1,
            done_late: 0,
            overdue: 1,
            awaiting_review: 0,
            on_time_per_mille: Some(500),
            ..Default::default()
        }
    );
    assert_eq!(
        figures(Scope::Subtree(w.hcm.path.clone())).await,
        ActivityFigures {
            sessions: 1,
            meetings: 1,
            conclusions: 2,
            tasks_assigned: 1,
            tasks_due: 1,
            done_on_time: 0,
            done_late: 1,
            overdue: 0,
            awaiting_review: 0,
            on_time_per_mille: Some(0),
            ..Default::default()
        }
    );
    assert_eq!(
        figures(Scope::Subtree(w.central.path.clone())).await,
        ActivityFigures {
            sessions: 3,
            meetings: 2,
            conclusions: 4,
            tasks_assigned: 5,
            tasks_due: 4,
            done_on_time: 1,
            done_late: 1,
            overdue: 1,
            awaiting_review: 1,
            on_time_per_mille: Some(250),
            ..Default::default()
        }
    );

    // A thematic supervision of Hồ Chí Minh City's procuracy begun on
    // 5 March; its findings reported, it is concluded on 5 April with one
    // recommendation: a supervision in the first quarter, a recommendation
    // in the second, for the province and the nation; nothing for Hà Nội.
    let plan = liem_domain::committee::InspectionInput {
        kind: Some("thematic_supervision".into()),
        title: Some("Giám sát việc kê khai tài sản".into()),
        subjects: vec!["HCM-VKS".into()],
        team: vec!["Trưởng đoàn".into()],
        from: Some("2026-03-05".into()),
        to: Some("2026-03-25".into()),
    }
    .parse()
    .unwrap();
    let mut tx = store.begin().await.unwrap();
    let sup = c::insert_inspection(&mut tx, &actor(None, &w.hcm), w.hcm.id, &plan)
        .await
        .unwrap();
    // No conclusion before its findings.
    let early = c::conclude_inspection(&mut tx, &actor(None, &w.hcm), sup, hcm_tasks[0]).await;
    assert!(matches!(early, Err(StoreError::Conflict(_))), "{early:?}");
    c::report_findings(
        &mut tx,
        &actor(None, &w.hcm),
        sup,
        "Chậm kê khai",
        date(2026, 3, 28),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rec = conclusion_of(
        store,
        &w.hcm,
        hcm1,
        "07-TB/BCĐ",
        date(2026, 4, 5),
        &[(&procuracy, date(2026, 5, 29))],
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    let kid = c::task_by_id(&mut tx, rec[0]).await.unwrap().conclusion_id;
    c::conclude_inspection(&mut tx, &actor(None, &w.hcm), sup, kid)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let counts = |scope: Scope, from: Date, to: Date| async move {
        let mut conn = store.conn().await.unwrap();
        let facts = c::inspection_facts(&mut conn, &scope, from, to)
            .await
            .unwrap();
        liem_domain::committee::inspection_counts(&facts, from, to)
    };
    let q2 = (date(2026, 4, 1), date(2026, 6, 30));
    for scope in [
        Scope::Subtree(w.hcm.path.clone()),
        Scope::Subtree(w.central.path.clone()),
    ] {
        assert_eq!(counts(scope.clone(), q.0, q.1).await, (0, 1, 0));
        assert_eq!(counts(scope, q2.0, q2.1).await, (0, 0, 1));
    }
    assert_eq!(
        counts(Scope::Subtree(w.hni.path.clone()), q.0, q.1).await,
        (0, 0, 0)
    );

    // Who sees which tasks: the police see theirs only; Hồ Chí Minh City
    // its committee's and those it owns; the centre all.
    let mut conn = store.conn().await.unwrap();
    let seen = |scope: Scope| {
        let f = c::TaskFilter::default();
        async move {
            let mut conn = store.conn().await.unwrap();
            let mut ids: Vec<uuid::Uuid> = c::tasks(&mut conn, &scope, &f, 100)
                .await
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<uuid::Uuid>| {
        v.sort();
        v
    };
    assert_eq!(
        seen(Scope::Unit(police.path.clone())).await,
        sorted(hni_tasks.clone())
    );
    assert_eq!(
        seen(Scope::Subtree(w.hcm.path.clone())).await,
        sorted(vec![hcm_tasks[0], tw_tasks[1], rec[0]])
    );
    assert_eq!(seen(Scope::Subtree(w.central.path.clone())).await.len(), 6);
    let open = c::tasks(
        &mut conn,
        &Scope::Subtree(w.central.path.clone()),
        &c::TaskFilter {
            open_only: true,
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(open.len(), 4, "two accepted tasks are closed");
    let steps = c::steps(&mut conn, tw_tasks[1]).await.unwrap();
    let actions: Vec<&str> = steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, vec!["report_done", "send_back", "report_done"]);
}

fn next_action() -> liem_domain::committee::TaskAction {
    liem_domain::committee::TaskAction::Accept
}

async fn hot_spot_alerts_open_continue_end_and_are_acknowledged_once(store: &Store) {
    use liem_store::hotspots::{self as h, AlertFilter, Found, RunFacts};
    let w = world(store).await;
    let found = |unit: &UnitRecord, field: &str, observed: u32| Found {
        unit: unit.id,
        field: field.into(),
        window_from: date(2026, 11, 23),
        window_to: date(2026, 12, 6),
        observed,
        letters: observed - 1,
        collective: 1,
        delegations: 1,
        expected_milli: 2500,
        llr_milli: 7250,
        p_micro: 2000,
    };
    let facts = |as_of: Date, nightly: bool| RunFacts {
        as_of,
        nightly,
        weeks: 56,
        max_window: 4,
        replicas: 999,
        cells: 40,
        counted: 300,
        millis: 12,
        requested_by: None,
    };
    let run = |f: RunFacts, found: Vec<Found>| async move {
        let mut tx = store.begin().await.unwrap();
        let o = h::record_run(&mut tx, &Actor::system("test"), &f, &found)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        o
    };
    let all = Scope::Subtree(w.central.path.clone());
    let list = |scope: Scope, f: AlertFilter| async move {
        let mut c = store.conn().await.unwrap();
        h::alerts(&mut c, &scope, &f, 100).await.unwrap()
    };
    // The first scan opens two alerts; the same day's nightly scan again
    // (another node) records nothing.
    let o = run(
        facts(date(2026, 12, 6), true),
        vec![
            found(&w.hni, "admin_land", 9),
            found(&w.hcm, "corruption", 6),
        ],
    )
    .await
    .unwrap();
    assert_eq!((o.opened, o.continued, o.ended), (2, 0, 0));
    assert!(run(facts(date(2026, 12, 6), true), vec![]).await.is_none());
    let open = list(
        all.clone(),
        AlertFilter {
            open_only: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(open.len(), 2);
    // Most significant first; figures read back as stored.
    let a = open.iter().find(|a| a.unit == "HNI").unwrap();
    assert_eq!(
        (a.observed, a.letters, a.collective, a.delegations),
        (9, 8, 1, 1)
    );
    assert_eq!(a.expected, 2.5);
    assert_eq!(a.llr, 7.25);
    assert_eq!(a.p_value, 0.002);
    assert_eq!(a.ratio, 9.0 / 2.5);
    assert_eq!(a.opened_on, date(2026, 12, 6));
    // Scope: Hà Nội sees its own only; an alert of Hồ Chí Minh City is
    // absent to it.
    let hni_scope = Scope::Subtree(w.hni.path.clone());
    let seen = list(hni_scope.clone(), AlertFilter::default()).await;
    assert_eq!(
        seen.iter().map(|a| a.unit.as_str()).collect::<Vec<_>>(),
        ["HNI"]
    );
    let hcm_alert = open.iter().find(|a| a.unit == "HCM").unwrap().id;
    let mut c = store.conn().await.unwrap();
    assert!(h::alert(&mut c, &hni_scope, hcm_alert)
        .await
        .unwrap()
        .is_none());
    assert!(h::alert(&mut c, &Scope::None, a.id)
        .await
        .unwrap()
        .is_none());
    drop(c);
    // Acknowledged once.
    let mut tx = store.begin().await.unwrap();
    assert!(
        h::acknowledge(&mut tx, &actor(Some(w.clerk), &w.hni), a.id, "Đã nắm")
            .await
            .unwrap()
    );
    assert!(
        !h::acknowledge(&mut tx, &actor(Some(w.clerk), &w.hni), a.id, "Lại")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    // The next scan (asked for) finds Hà Nội's cell again and not Hồ Chí
    // Minh City's: the first continues, acknowledged, the second ends.
    let o = run(
        facts(date(2026, 12, 7), false),
        vec![found(&w.hni, "admin_land", 11), found(&w.hni, "", 3)],
    )
    .await
    .unwrap();
    assert_eq!((o.opened, o.continued, o.ended), (1, 1, 1));
    let now = list(all.clone(), AlertFilter::default()).await;
    assert_eq!(now.len(), 3);
    let a2 = now.iter().find(|x| x.id == a.id).unwrap();
    assert_eq!(a2.observed, 11);
    assert_eq!(a2.note.as_deref(), Some("Đã nắm"));
    assert!(a2.acknowledged_at.is_some());
    assert_eq!(a2.ended_on, None);
    let ended = now.iter().find(|x| x.id == hcm_alert).unwrap();
    assert_eq!(ended.ended_on, Some(date(2026, 12, 7)));
    // Ended ones come after the open ones, and `since` leaves out those
    // ended before it.
    assert_eq!(now.last().unwrap().id, hcm_alert);
    let recent = list(
        all.clone(),
        AlertFilter {
            since: Some(date(2026, 12, 8)),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(recent.len(), 2);
    // Only under a unit.
    let under = list(
        all,
        AlertFilter {
            within: Some(w.hcm.path.clone()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(under.len(), 1);
    // Every change is in the trail: two scans and one acknowledgement.
    let mut c = store.conn().await.unwrap();
    let n = query("SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('hotspot.scan', 'hotspot.acknowledge')")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .i64("n")
        .unwrap();
    assert_eq!(n, 3);
    let last = h::last_run(&mut c).await.unwrap().unwrap();
    assert_eq!(last.as_of, date(2026, 12, 7));
    assert!(!last.nightly);
}

/// The counts every node shares: each attempt counted before it runs, a
/// stale window starting afresh, the count stopping at its cap, a success
/// taken back, a client forgotten, limiters apart; a challenge spent once.
async fn shared_rate_counts_and_spent_challenges(store: &Store) {
    use liem_store::guards::*;
    let c = store;
    let counts: Vec<u32> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(
                count_attempt(c, "receipt", "k1", 1_000, 0, 4)
                    .await
                    .unwrap(),
            );
        }
        v
    };
    assert_eq!(counts, [0, 1, 2, 3, 3], "stops at the cap: four failures");
    assert_eq!(
        count_attempt(c, "receipt", "k1", 1_000, 0, 4)
            .await
            .unwrap(),
        3
    );
    // Another limiter, another client: counted apart.
    assert_eq!(
        count_attempt(c, "login", "k1", 1_000, 0, 4).await.unwrap(),
        0
    );
    assert_eq!(
        count_attempt(c, "receipt", "k2", 1_000, 0, 4)
            .await
            .unwrap(),
        0
    );
    // Forgiven twice: two fewer (4 → 2), then this attempt.
    forgive(c, "receipt", "k1").await.unwrap();
    forgive(c, "receipt", "k1").await.unwrap();
    assert_eq!(
        count_attempt(c, "receipt", "k1", 1_000, 0, 4)
            .await
            .unwrap(),
        2
    );
    // A window that began before the current one's start begins again.
    assert_eq!(
        count_attempt(c, "receipt", "k1", 5_000, 2_000, 4)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        count_attempt(c, "receipt", "k1", 5_100, 2_000, 4)
            .await
            .unwrap(),
        1
    );
    clear(c, "receipt", "k1").await.unwrap();
    assert_eq!(
        count_attempt(c, "receipt", "k1", 5_200, 2_000, 4)
            .await
            .unwrap(),
        0
    );
    // Pruning removes the limiter's stale windows only.
    assert_eq!(prune_counts(c, "receipt", 2_000).await.unwrap(), 1, "k2's");
    assert_eq!(
        count_attempt(c, "login", "k1", 5_300, 0, 4).await.unwrap(),
        1
    );
    // A challenge is spent once; expired ones are pruned.
    assert!(spend_challenge(c, "1.a.b", 10_000).await.unwrap());
    assert!(!spend_challenge(c, "1.a.b", 10_000).await.unwrap());
    assert!(spend_challenge(c, "2.a.b", 20_000).await.unwrap());
    assert_eq!(prune_challenges(c, 15_000).await.unwrap(), 1);
    assert!(!spend_challenge(c, "2.a.b", 20_000).await.unwrap());
}

/// Every scoped statement keeps a plan fit for its scope. Each is run
/// seven times on one connection (PostgreSQL considers a generic plan
/// after five executions of a prepared statement); then, on PostgreSQL,
/// every statement the connection prepared that reads the unit tree has
/// the scope written into it (not a parameter a generic plan would have to
/// guess), and the planner's estimate of each scope's units is within a
/// factor of two of the truth (a bound `LIKE $1` was estimated at 17 units
/// for a province of 3,356).
async fn scoped_statements_keep_plans_fit_for_their_scope(store: &Store) {
    use liem_store::cases::{self, CaseFilter, Viewer};
    use liem_store::{committee, hotspots, reception, screening};
    let w = world(store).await;
    let mut tx = store.begin().await.unwrap();
    for i in 0..240 {
        units::create(
            &mut tx,
            &Actor::system("test"),
            &NewUnit {
                code: UnitCode::parse(&format!("HNI-X{i:03}")).unwrap(),
                name: format!("Xã {i}"),
                kind: UnitKind::Commune,
                parent: Some(w.hni.id),
                valid_from: date(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let postgres = store.dialect() == liem_store::db::Dialect::Postgres;
    let mut c = store.conn().await.unwrap();
    if postgres {
        query("ANALYZE units").execute(&mut c).await.unwrap();
    }
    let (from, to) = (date(2026, 1, 1), date(2026, 12, 31));
    for scope in [
        Scope::Subtree(w.hni.path.clone()),
        Scope::Subtree(w.central.path.clone()),
        Scope::Unit(w.hcm.path.clone()),
    ] {
        let viewer = Viewer {
            user: w.clerk,
            scope: scope.clone(),
        };
        for _ in 0..7 {
            let lf = LetterFilter::default();
            petitions::count_letters(&mut c, &scope, &lf).await.unwrap();
            petitions::list_letters(&mut c, &scope, &lf, None, 20)
                .await
                .unwrap();
            cases::list_cases(&mut c, &viewer, &CaseFilter::default(), None, 20)
                .await
                .unwrap();
            committee::meetings(&mut c, &scope, from, to, 50)
                .await
                .unwrap();
            committee::tasks(&mut c, &scope, &Default::default(), 50)
                .await
                .unwrap();
            committee::inspections(&mut c, &scope).await.unwrap();
            hotspots::alerts(&mut c, &scope, &Default::default(), 50)
                .await
                .unwrap();
            reception::sessions(&mut c, &scope, from, to).await.unwrap();
            reception::replies_due(&mut c, &scope, to).await.unwrap();
            screening::rounds(&mut c, &scope).await.unwrap();
        }
    }
    if !postgres {
        return;
    }
    let prepared = query(
        "SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements \
         WHERE statement ~ 'path (LIKE|=) '",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(prepared.len() >= 10, "{} statements", prepared.len());
    let mut literals = std::collections::BTreeSet::new();
    for r in &prepared {
        let sql = r.text("statement").unwrap();
        assert!(r.i64("runs").unwrap() >= 7, "{sql}");
        for op in ["LIKE $", "= $"] {
            assert!(
                !sql.contains(&format!("path {op}")),
                "a scope bound as a parameter: {sql}"
            );
        }
        for (i, _) in sql
            .match_indices("path LIKE '")
            .chain(sql.match_indices("path = '"))
        {
            let rest = &sql[i..];
            let start = rest.find('\'').unwrap() + 1;
            let end = start + rest[start..].find('\'').unwrap();
            let op = if rest.starts_with("path LIKE") {
                "LIKE"
            } else {
                "="
            };
            literals.insert((op, rest[start..end].to_owned()));
        }
    }
    assert!(literals.len() >= 3, "{literals:?}");
    for (op, lit) in literals {
        let cond = format!("path {op} '{lit}'");
        // The top line of the plan: "Seq Scan on units  (cost=… rows=N width=…)".
        let top = query(format!("EXPLAIN SELECT id FROM units WHERE {cond}"))
            .fetch_all(&mut c)
            .await
            .unwrap()[0]
            .text("QUERY PLAN")
            .unwrap();
        let rows = &top[top.find("rows=").expect("an estimate") + 5..];
        let estimated: f64 = rows[..rows.find(' ').unwrap()].parse().unwrap();
        let actual = query(format!("SELECT COUNT(*) AS n FROM units WHERE {cond}"))
            .fetch_one(&mut c)
            .await
            .unwrap()
            .i64("n")
            .unwrap() as f64;
        assert!(
            estimated >= actual / 2.0 && estimated <= (actual * 2.0).max(2.0),
            "{cond}: {estimated} estimated, {actual} there"
        );
    }
}

/// Two nodes on one database append to one chain: each tries the head it
/// last committed and, when the other has moved it, reads it again; the
/// chain verifies whole, with every record in it, whatever the order.
async fn two_nodes_append_to_one_chain(a: &Store, b: &Store) {
    let before = audit::head(&mut a.conn().await.unwrap()).await.unwrap().0;
    let note = |store: &Store, n: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            audit::record_change(
                &mut tx,
                &Actor::system("test"),
                "test.note",
                "note",
                &n.to_string(),
                serde_json::json!({ "n": n }),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    };
    // In turn: A, A, B, A, B, B, A.
    for (i, on_a) in [true, true, false, true, false, false, true]
        .into_iter()
        .enumerate()
    {
        note(if on_a { a } else { b }, i as i64).await;
    }
    // At once: eight writers, four a node.
    let mut tasks = Vec::new();
    for w in 0..8i64 {
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            for k in 0..5 {
                note(&store, 100 + w * 10 + k).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = audit::verify(&mut b.conn().await.unwrap(), b.chain(), &[], false)
        .await
        .unwrap();
    assert!(v.intact(), "{:?}", v.first_break);
    assert_eq!(v.records, before + 7 + 40);
    let (known_a, moved_a) = a.chain().appends_from_known_head();
    let (known_b, moved_b) = b.chain().appends_from_known_head();
    // On both databases (on SQLite, two processes on one file): A's
    // second note went from the head A had just committed; B's first note
    // after A's found the head moved.
    assert!(known_a >= 1, "{known_a} appends from A's known head");
    assert!(moved_b >= 1, "{moved_b} appends found B's head moved");
    // Every append but a node's first (no head known yet) tried one.
    let tried = known_a + moved_a + known_b + moved_b;
    assert!(
        (45..=47).contains(&tried),
        "{tried} appends tried a known head"
    );
}

mod two_nodes {
    use liem_store::testing::{test_keys, TestDb};
    use liem_store::Store;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = TestDb::sqlite().await;
        let other = Store::open(&db.location, test_keys()).await.unwrap();
        super::two_nodes_append_to_one_chain(&db.store, &other).await;
        other.close().await;
        db.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let other = Store::open(&db.location, test_keys()).await.unwrap();
        super::two_nodes_append_to_one_chain(&db.store, &other).await;
        other.close().await;
        db.cleanup().await;
    }
}
