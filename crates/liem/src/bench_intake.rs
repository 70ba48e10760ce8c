//! `liem bench-intake`: letters registered over HTTP through the real
//! server (router, gate, store, audit chain) by 1, 8 and 32 concurrent
//! writers, each on its own keep-alive connection, beside the bare rate at
//! which the same disk (or the same PostgreSQL) makes a commit durable,
//! measured in the same run. Prints letters per second and latencies.

use anyhow::{bail, Context, Result};
use liem_domain::role::{Role, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_server::crypto::{random_token, token_hash, PasswordPolicy, SecretKey};
use liem_store::audit::Actor;
use liem_store::{units, users, Store};
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// One measurement.
pub struct Figure {
    /// Concurrent writers.
    pub writers: usize,
    /// Letters acknowledged.
    pub letters: usize,
    /// Letters per second.
    pub rate: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Letters per intake transaction (group commit's mean group).
    pub per_transaction: f64,
    /// Groups numbered from the reference counters the node knew, and
    /// guesses that failed (the counters had moved).
    pub from_known_counters: (u64, u64),
    /// The share of the time a group was being written.
    pub busy: f64,
    /// The mean time a group took, from its start to its commit: with the
    /// writer busy nearly all the time it sets the rate, and it moves less
    /// between runs than the rate does.
    pub per_group: Duration,
}

/// Durable commits per second of a bare file on the data directory's disk
/// (write 64 bytes, `fdatasync`), one writer.
pub fn bare_file_commits(dir: &Path, seconds: f64) -> Result<f64> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("bench-fsync.tmp");
    let mut f = std::fs::File::create(&path)?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        f.write_all(&[b'x'; 64])?;
        f.sync_data()?;
        n += 1;
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Durable commits per second of the database itself: one-row insert
/// transactions from `writers` connections.
pub async fn bare_db_commits(store: &Store, writers: usize, seconds: f64) -> Result<f64> {
    let mut tx = store.begin().await?;
    liem_store::db::query("CREATE TABLE IF NOT EXISTS bench_commits (n BIGINT NOT NULL)")
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while started.elapsed().as_secs_f64() < seconds {
                let mut tx = store.begin().await?;
                liem_store::db::query("INSERT INTO bench_commits (n) VALUES ($1)")
                    .bind(w as i64)
                    .execute(&mut tx)
                    .await?;
                tx.commit().await?;
                n += 1;
            }
            Ok::<u64, liem_store::StoreError>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    let mut tx = store.begin().await?;
    liem_store::db::query("DROP TABLE bench_commits")
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(rate)
}

/// A clerk of a fresh province and their token.
async fn world(store: &Store) -> Result<String> {
    let sys = Actor::system("bench");
    let mut tx = store.begin().await?;
    let n = liem_store::db::query("SELECT COUNT(*) AS n FROM units")
        .fetch_one(&mut tx)
        .await?
        .i64("n")?;
    if n > 0 {
        bail!("bench-intake needs an empty database");
    }
    let mk = |code: &str, kind, parent| units::NewUnit {
        code: UnitCode::parse(code).expect("a valid code"),
        name: format!("Đơn vị {code}"),
        kind,
        parent,
        valid_from: jiff::civil::date(2025, 7, 1),
    };
    let tw = units::create(&mut tx, &sys, &mk("TW", UnitKind::CentralCommittee, None)).await?;
    let hni = units::create(&mut tx, &sys, &mk("HNI", UnitKind::Province, Some(tw.id))).await?;
    let policy = PasswordPolicy {
        memory_kib: 1024,
        iterations: 1,
    };
    let id = users::create(
        &mut tx,
        &sys,
        &users::NewUser {
            username: Username::parse("bench.clerk").map_err(anyhow::Error::msg)?,
            display_name: "Văn thư".into(),
            unit_id: hni.id,
            password_hash: policy.hash(&random_token()),
            roles: vec![Role::IntakeClerk],
            locale: None,
        },
    )
    .await?;
    let token = random_token();
    users::create_token(
        &mut tx,
        &sys,
        id,
        "bench",
        &token_hash(&token),
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

fn letter(n: u64) -> String {
    serde_json::json!({
        "kinds": ["complaint"],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Hà Nội",
        "sender": {"kind": "person", "name": format!("Nguyễn Văn {n}"), "address": "12 Phố Huế"},
        "subject": format!("Đơn số {n}"),
        "summary": "Khiếu nại việc thu hồi đất không đúng quy định",
        "content": "Nội dung chi tiết của đơn khiếu nại."
    })
    .to_string()
}

/// One writer on one keep-alive connection until `until`; the latency of
/// each acknowledged letter.
async fn writer(
    addr: std::net::SocketAddr,
    token: String,
    id: u64,
    until: Instant,
) -> Result<Vec<Duration>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut lat = Vec::new();
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let body = letter(id * 1_000_000 + n);
        let req = format!(
            "POST /api/v1/letters HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let started = Instant::now();
        w.write_all(req.as_bytes()).await?;
        let mut status = String::new();
        r.read_line(&mut status).await?;
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            r.read_line(&mut h).await?;
            if h == "\r\n" || h.is_empty() {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut buf = vec![0; len];
        r.read_exact(&mut buf).await?;
        if !status.starts_with("HTTP/1.1 201") {
            bail!("{status}: {}", String::from_utf8_lossy(&buf));
        }
        lat.push(started.elapsed());
    }
    Ok(lat)
}

/// Runs the writers against a server on `store`.
pub async fn run(store: Store, writer_counts: &[usize], seconds: f64) -> Result<Vec<Figure>> {
    let token = world(&store).await.context("making the bench's clerk")?;
    let state = liem_server::AppState::new(
        store.clone(),
        &SecretKey::generate(),
        PasswordPolicy::default(),
        liem_server::Settings {
            files_dir: std::env::temp_dir().join(format!("liem-bench-{}", uuid::Uuid::new_v4())),
            ..Default::default()
        },
    );
    let app = liem_server::router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    // Warm up.
    writer(
        addr,
        token.clone(),
        0,
        Instant::now() + Duration::from_millis(500),
    )
    .await?;
    let mut out = Vec::new();
    for &w in writer_counts {
        let (letters_before, txs_before) = liem_server::petitions::intake::committed(&state);
        let (hits_before, misses_before) = store.counters().guesses();
        let busy_before = liem_server::petitions::intake::busy(&state);
        let started = Instant::now();
        let until = started + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = (0..w)
            .map(|i| tokio::spawn(writer(addr, token.clone(), (w * 1000 + i) as u64, until)))
            .collect();
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await??);
        }
        let elapsed = started.elapsed().as_secs_f64();
        let (letters_after, txs_after) = liem_server::petitions::intake::committed(&state);
        let per_transaction =
            (letters_after - letters_before) as f64 / (txs_after - txs_before).max(1) as f64;
        let (hits, misses) = store.counters().guesses();
        let busy =
            (liem_server::petitions::intake::busy(&state) - busy_before).as_secs_f64() / elapsed;
        lat.sort();
        let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
        out.push(Figure {
            writers: w,
            letters: lat.len(),
            rate: lat.len() as f64 / elapsed,
            p50: q(0.50),
            p99: q(0.99),
            per_transaction,
            from_known_counters: (hits - hits_before, misses - misses_before),
            busy,
            per_group: Duration::from_secs_f64(
                busy * elapsed / (txs_after - txs_before).max(1) as f64,
            ),
        });
    }
    Ok(out)
}
