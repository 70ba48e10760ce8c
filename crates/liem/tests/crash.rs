//! Crashes under load, on SQLite and on PostgreSQL: writers register letters
//! over HTTP while `liem serve` is killed with SIGKILL at a random moment;
//! it is restarted, a few rounds over. Every letter the server acknowledged
//! (201) is there afterwards, and the audit chain verifies — keys, links,
//! state of every register record — against the checkpoints taken between
//! the rounds.

use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1/test";
const PG_KEY: &str = "8a1c0e3a9b7d24c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f7";

/// Where the database is, as the command line takes it.
#[derive(Clone)]
struct Target {
    args: Vec<String>,
    env: Vec<(String, String)>,
    checkpoints: PathBuf,
}

impl Target {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_liem"));
        c.args(args)
            .args(&self.args)
            .env("RUST_LOG", "error")
            .env("LIEM_CHECKPOINT_FILE", &self.checkpoints);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("liem runs")
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(t: &Target) -> (Server, String) {
    let mut child = t
        .command(&["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("liem serve runs");
    let out = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(out).lines();
    loop {
        let line = lines
            .next()
            .expect("the server says where it listens")
            .unwrap();
        if let Some(a) = line.strip_prefix("serving on ") {
            return (server, a.trim().to_owned());
        }
    }
}

fn letter(n: usize) -> serde_json::Value {
    serde_json::json!({
        "kinds": ["complaint"],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Hà Nội",
        "sender": {"kind": "person", "name": format!("Người gửi {n}"), "address": "12 Phố Huế"},
        "subject": format!("Đơn số {n}"),
        "summary": "Khiếu nại việc thu hồi đất",
        "content": "Nội dung."
    })
}

fn crashes_lose_nothing_acknowledged(t: &Target, seed: u64) {
    let o = t.run(&["demo", "--petitions", "20", "--cases", "5", "--no-serve"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let token = String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("API token: ").map(str::to_owned))
        .expect("the demo prints a token");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let started = Instant::now();
    for round in 0..3 {
        let (mut server, base) = serve(t);
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (base, token, stop, acked) = (
                    base.clone(),
                    token.clone(),
                    stop.clone(),
                    acknowledged.clone(),
                );
                std::thread::spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(10))
                        .build();
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let r = agent
                            .post(&format!("{base}/api/v1/letters"))
                            .set("Authorization", &format!("Bearer {token}"))
                            .send_json(letter(round * 100_000 + w * 10_000 + n));
                        match r {
                            Ok(resp) if resp.status() == 201 => {
                                let v: serde_json::Value = resp.into_json().unwrap();
                                acked
                                    .lock()
                                    .unwrap()
                                    .push(v["id"].as_str().unwrap().to_owned());
                            }
                            // Killed mid-request: nothing was promised.
                            Err(ureq::Error::Transport(_)) => break,
                            Ok(resp) => panic!("{}", resp.status()),
                            Err(ureq::Error::Status(s, resp)) => {
                                panic!("{s}: {}", resp.into_string().unwrap_or_default())
                            }
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(300..1500)));
        // kill -9, in the middle of whatever it was doing.
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        // A checkpoint of what survived, kept outside the database.
        let o = t.run(&["audit", "checkpoint"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() > 20, "the writers wrote: {}", acked.len());
    // Every acknowledged letter is there.
    let (_server, base) = serve(t);
    let agent = ureq::AgentBuilder::new().build();
    let mut lost = Vec::new();
    for id in &acked {
        let r = agent
            .get(&format!("{base}/api/v1/letters/{id}"))
            .set("Authorization", &format!("Bearer {token}"))
            .call();
        if !matches!(r, Ok(ref resp) if resp.status() == 200) {
            lost.push(id.clone());
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged letters lost",
        lost.len(),
        acked.len()
    );
    drop(_server);
    // The chain agrees with every checkpoint and explains every record.
    let v = t.run(&[
        "audit",
        "verify",
        "--deep",
        "--checkpoints",
        t.checkpoints.to_str().unwrap(),
    ]);
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    // Three taken between the rounds, and the server's own at each start.
    let out = String::from_utf8_lossy(&v.stdout).into_owned();
    let n: usize = out
        .split("agrees with ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(n >= 3, "{out}");
    eprintln!(
        "{} acknowledged letters over 3 crashes, none lost, in {:.1} s",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn crashes_lose_nothing_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let t = Target {
        args: vec!["--data-dir".into(), data.to_str().unwrap().into()],
        env: Vec::new(),
        checkpoints: tmp.path().join("witness").join("checkpoints.txt"),
    };
    crashes_lose_nothing_acknowledged(&t, 7);
}

#[test]
fn crashes_lose_nothing_on_postgres() {
    let server = std::env::var("LIEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| PG_DEFAULT.to_owned())
        .rsplit_once('/')
        .map(|(s, _)| s.to_owned())
        .unwrap();
    let psql = |sql: &str| {
        Command::new("psql")
            .arg(format!("{server}/postgres"))
            .args(["-qAt", "-c", sql])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let name = format!("liem_crash_{}", uuid::Uuid::new_v4().simple());
    if !psql(&format!("CREATE DATABASE {name}")) {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and PostgreSQL ({server}) or psql is not available");
        }
        eprintln!("\n!!! SKIPPED: PostgreSQL at {server} (with psql) is not reachable !!!\n");
        return;
    }
    struct Drop_(Box<dyn Fn()>);
    impl Drop for Drop_ {
        fn drop(&mut self) {
            (self.0)()
        }
    }
    let dropper = {
        let (server, name) = (server.clone(), name.clone());
        Drop_(Box::new(move || {
            let _ = Command::new("psql")
                .arg(format!("{server}/postgres"))
                .args([
                    "-qAt",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }))
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("files");
    let t = Target {
        args: vec![
            "--database-url".into(),
            format!("{server}/{name}"),
            "--data-dir".into(),
            data.to_str().unwrap().into(),
        ],
        env: vec![("LIEM_SEAL_KEY".into(), PG_KEY.into())],
        checkpoints: tmp.path().join("witness").join("checkpoints.txt"),
    };
    crashes_lose_nothing_acknowledged(&t, 11);
    drop(dropper);
}
