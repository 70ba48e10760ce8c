//! `cargo bench -p liem-server --bench receipt`: the time of one receipt-code
//! check — the Argon2id verification alone, and the whole check through the
//! service (locator lookup on SQLite, Argon2id, rate-limiter bookkeeping) —
//! with the production password policy (19 MiB, 2 iterations).

use liem_domain::report::ReportInput;
use liem_server::crypto::{PasswordPolicy, SecretKey};
use liem_server::{AppState, Settings};
use liem_store::audit::Actor;
use liem_store::testing::TestDb;
use std::time::{Duration, Instant};

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let median = samples[samples.len() / 2];
    let p90 = samples[samples.len() * 9 / 10];
    println!(
        "{name}: n={} mean={mean:.2?} median={median:.2?} p90={p90:.2?}",
        samples.len()
    );
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let policy = PasswordPolicy::default();
        let secret = "1234567890123456789012345";
        let phc = policy.hash(secret);
        let mut s = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            assert!(policy.verify(secret, &phc));
            s.push(t.elapsed());
        }
        summary("argon2id verify (19 MiB, t=2)", s);

        let db = TestDb::sqlite().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let sys = Actor::system("bench");
        let mut tx = db.store.begin().await.expect("tx");
        let unit = liem_store::units::create(
            &mut tx,
            &sys,
            &liem_store::units::NewUnit {
                code: liem_domain::unit::UnitCode::parse("HNI").expect("code"),
                name: "Hà Nội".into(),
                kind: liem_domain::unit::UnitKind::Province,
                parent: None,
                valid_from: jiff::civil::date(2025, 7, 1),
            },
        )
        .await
        .expect("unit");
        liem_server::sealing::provision_recovery_key(&mut tx, &sys, unit.id)
            .await
            .expect("recovery key");
        tx.commit().await.expect("commit");
        let settings = Settings {
            files_dir: dir.path().to_owned(),
            ..Default::default()
        };
        let state = AppState::new(db.store.clone(), &SecretKey::generate(), policy, settings);
        let report = ReportInput {
            kind: Some("denunciation".into()),
            unit: Some("HNI".into()),
            who: Some("Trưởng phòng".into()),
            what: Some("Nhận tiền để ký hồ sơ, có chứng cứ cụ thể kèm theo.".into()),
            anonymous: true,
            ..Default::default()
        };
        let (_, code) =
            liem_server::public::service::submit_report(&state, &report, Vec::new(), None)
                .await
                .expect("report");
        let text = code.grouped();
        let mut s = Vec::new();
        for i in 0..30 {
            let t = Instant::now();
            let r =
                liem_server::public::service::open_mailbox(&state, &format!("client-{i}"), &text)
                    .await;
            s.push(t.elapsed());
            assert!(r.is_ok());
        }
        summary("receipt-code check through the service (SQLite)", s);
        let mut s = Vec::new();
        for i in 0..30 {
            let wrong = format!("{}{:025}", code.locator(), i);
            let t = Instant::now();
            let r =
                liem_server::public::service::open_mailbox(&state, &format!("other-{i}"), &wrong)
                    .await;
            s.push(t.elapsed());
            assert!(r.is_err());
        }
        summary("wrong code with a valid locator", s);
    });
}
