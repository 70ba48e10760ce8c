//! An insider with the database in hand, on SQLite and on PostgreSQL: each
//! tampering is done with the database's own client (`sqlite3`, `psql`) on a
//! copy of a demo database, and `liem audit verify --checkpoints FILE
//! --deep` must catch every one, naming what it found — while the untouched
//! copy verifies intact against the same checkpoint.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1/test";
/// The instance key of the PostgreSQL copies (a test key, 32 bytes hex).
const PG_KEY: &str = "5f1c0e3a9b7d24c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6";

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the command runs")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// One database under test.
enum Db {
    Sqlite { dir: PathBuf },
    Postgres { server: String, name: String },
}

impl Db {
    fn liem(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_liem"));
        c.args(args).env("RUST_LOG", "error");
        match self {
            Db::Sqlite { dir } => {
                c.arg("--data-dir").arg(dir);
            }
            Db::Postgres { server, name } => {
                c.arg("--database-url")
                    .arg(format!("{server}/{name}"))
                    .env("LIEM_SEAL_KEY", PG_KEY);
            }
        }
        run(&mut c)
    }

    /// Runs SQL with the database's own client, as the insider would (the
    /// script on standard input).
    fn sql(&self, sql: &str) -> String {
        use std::io::Write as _;
        let (mut cmd, script) = match self {
            Db::Sqlite { dir } => {
                let mut c = Command::new("sqlite3");
                c.arg("-separator")
                    .arg("\u{1e}")
                    .arg(dir.join("liem.sqlite3"));
                (c, sql.to_owned())
            }
            Db::Postgres { server, name } => {
                let mut c = Command::new("psql");
                c.arg(format!("{server}/{name}")).args([
                    "-qAt",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-F",
                    "\u{1e}",
                ]);
                // Past the foreign keys, as a superuser can.
                (c, format!("SET session_replication_role = replica;\n{sql}"))
            }
        };
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the database client runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{sql}: {}", text(&o.stderr));
        text(&o.stdout).trim().to_owned()
    }

    fn exec(&self, sql: &str) {
        self.sql(sql);
    }

    fn n(&self, sql: &str) -> i64 {
        self.sql(sql)
            .parse()
            .unwrap_or_else(|_| panic!("{sql}: a number"))
    }

    /// A copy of the database, by the database's own means.
    fn copy(&self, tag: &str) -> Db {
        match self {
            Db::Sqlite { dir } => {
                let to = dir.with_file_name(format!("copy-{tag}"));
                copy_dir(dir, &to);
                Db::Sqlite { dir: to }
            }
            Db::Postgres { server, name } => {
                let copy = format!("{name}_{tag}");
                psql_admin(server, &format!("CREATE DATABASE {copy} TEMPLATE {name}"));
                Db::Postgres {
                    server: server.clone(),
                    name: copy,
                }
            }
        }
    }

    fn drop_db(&self) {
        if let Db::Postgres { server, name } = self {
            psql_admin(server, &format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn psql_admin(server: &str, sql: &str) {
    let o = run(Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql]));
    assert!(o.status.success(), "{sql}: {}", text(&o.stderr));
}

/// The hash the insider computes for a row: SHA-256 over its fields and the
/// previous hash, links consistent — what the unkeyed chain accepted.
fn forged_hash(prev: &str, fields: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(fields.as_bytes());
    hex::encode(h.finalize())
}

/// Rewrites the links and hashes of every record from `from` on, and the
/// head, so that each row points at the one before it.
fn rechain(db: &Db, from: i64) {
    let prev = db.sql(&format!(
        "SELECT hash FROM audit_log WHERE seq = {}",
        from - 1
    ));
    let mut prev = if prev.is_empty() {
        "0".repeat(64)
    } else {
        prev
    };
    let rows = db.sql(&format!(
        "SELECT seq, action, entity, entity_id, detail FROM audit_log WHERE seq >= {from} ORDER BY seq"
    ));
    let mut script = String::new();
    let mut last = from - 1;
    for line in rows.lines() {
        let seq: i64 = line.split('\u{1e}').next().unwrap().parse().unwrap();
        let h = forged_hash(&prev, line);
        script.push_str(&format!(
            "UPDATE audit_log SET prev_hash = '{prev}', hash = '{h}' WHERE seq = {seq};\n"
        ));
        prev = h;
        last = seq;
    }
    script.push_str(&format!(
        "UPDATE audit_head SET seq = {last}, hash = '{prev}' WHERE id = 1;"
    ));
    db.exec(&script);
}

struct Verdict {
    ok: bool,
    out: String,
}

fn verify(db: &Db, checkpoints: &Path) -> Verdict {
    let o = db.liem(&[
        "audit",
        "verify",
        "--checkpoints",
        checkpoints.to_str().unwrap(),
        "--deep",
    ]);
    Verdict {
        ok: o.status.success(),
        out: format!("{}{}", text(&o.stdout), text(&o.stderr)),
    }
}

fn tamperings(src: &Db, checkpoints: &Path) {
    let last = src.n("SELECT MAX(seq) FROM audit_log");
    assert!(last > 500, "a demo of some size: {last} records");
    // The first letter's id as an SQL literal (SQLite keeps ids as blobs).
    let letter = src.sql(match src {
        Db::Sqlite { .. } => "SELECT quote(id) FROM letters ORDER BY received_on, id LIMIT 1",
        Db::Postgres { .. } => {
            "SELECT quote_literal(id::text) FROM letters ORDER BY received_on, id LIMIT 1"
        }
    });
    // The untouched copy: intact against the checkpoint, every register
    // record as attested.
    let v = verify(src, checkpoints);
    assert!(v.ok, "the untouched database: {}", v.out);
    assert!(v.out.contains("agrees with 1 checkpoints"), "{}", v.out);

    type Tamper = fn(&Db, i64, &str);
    let cases: Vec<(&str, Tamper, &[&str])> = vec![
        (
            "the last rows deleted and the head moved back",
            |db, last, _| {
                db.exec(&format!(
                    "DELETE FROM audit_log WHERE seq > {k}; UPDATE audit_head SET seq = {k}, \
                     hash = (SELECT hash FROM audit_log WHERE seq = {k}) WHERE id = 1",
                    k = last - 5
                ))
            },
            &["CONTRADICTS", "the chain holds"],
        ),
        (
            "a forged row appended with a consistent hash",
            |db, last, _| {
                db.exec(&format!(
                    "INSERT INTO audit_log (seq, at, action, entity, entity_id, source, detail, prev_hash, hash) \
                     SELECT {n}, at, 'letter.create', 'letter', '00000000-0000-0000-0000-000000000000', source, '{{}}', hash, hash \
                     FROM audit_log WHERE seq = {last}",
                    n = last + 1
                ));
                rechain(db, last + 1);
            },
            &["BROKEN at record", "not one this instance's key makes"],
        ),
        (
            "a row edited and the chain recomputed",
            |db, _, _| {
                db.exec("UPDATE audit_log SET source = 'cli' WHERE seq = 300");
                rechain(db, 300);
            },
            &["BROKEN at record 300"],
        ),
        (
            "a row deleted and the rest renumbered",
            |db, _, _| {
                db.exec(
                    "DELETE FROM audit_log WHERE seq = 200; \
                     UPDATE audit_log SET seq = -(seq - 1) WHERE seq > 200; \
                     UPDATE audit_log SET seq = -seq WHERE seq < 0",
                );
                rechain(db, 200);
            },
            &["BROKEN at record 200"],
        ),
        (
            "the table emptied and the head reset",
            |db, _, _| {
                db.exec(&format!(
                    "DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = '{}' WHERE id = 1",
                    "0".repeat(64)
                ))
            },
            &["CONTRADICTS", "inserted outside Liêm"],
        ),
        (
            "the table truncated, the head left",
            |db, _, _| db.exec("DELETE FROM audit_log"),
            &["BROKEN at record 1"],
        ),
        (
            "two rows swapped",
            |db, _, _| {
                db.exec(
                    "UPDATE audit_log SET seq = -1 WHERE seq = 250; \
                     UPDATE audit_log SET seq = 250 WHERE seq = 251; \
                     UPDATE audit_log SET seq = 251 WHERE seq = -1",
                )
            },
            &["BROKEN at record 250"],
        ),
        (
            "a middle row deleted",
            |db, _, _| db.exec("DELETE FROM audit_log WHERE seq = 222"),
            &["BROKEN at record 222", "missing"],
        ),
        (
            "a letter edited directly",
            |db, _, letter| {
                db.exec(&format!(
                    "UPDATE letters SET summary = 'đã sửa' WHERE id = {letter}"
                ))
            },
            &["edited outside Liêm"],
        ),
        (
            "a letter deleted directly",
            |db, _, letter| {
                db.exec(&format!(
                    "DELETE FROM letter_matters WHERE letter_id = {letter}; \
                     DELETE FROM letters WHERE id = {letter}"
                ))
            },
            &["deleted outside Liêm"],
        ),
        (
            "a case's asset edited directly",
            |db, _, _| {
                db.exec(
                    "UPDATE asset_events SET amount_vnd = amount_vnd + 1000000000 \
                     WHERE id = (SELECT id FROM asset_events ORDER BY id LIMIT 1)",
                )
            },
            &["case ", "edited outside Liêm"],
        ),
    ];
    for (i, (what, tamper, expect)) in cases.into_iter().enumerate() {
        let copy = src.copy(&format!("t{i}"));
        tamper(&copy, last, &letter);
        let v = verify(&copy, checkpoints);
        copy.drop_db();
        eprintln!("— {what}:\n{}", v.out.trim_end());
        assert!(!v.ok, "{what}: not caught:\n{}", v.out);
        for e in expect {
            assert!(v.out.contains(e), "{what}: expected «{e}» in:\n{}", v.out);
        }
    }
}

fn checkpoint_of(db: &Db, dir: &Path) -> PathBuf {
    let o = db.liem(&["audit", "checkpoint"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let line = text(&o.stdout);
    assert!(line.starts_with("liem-checkpoint/1 seq="), "{line}");
    let f = dir.join("checkpoints.txt");
    std::fs::write(&f, &line).unwrap();
    f
}

#[test]
fn every_tampering_is_caught_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let db = Db::Sqlite { dir: dir.clone() };
    let o = db.liem(&["demo", "--petitions", "300", "--cases", "60", "--no-serve"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cp = checkpoint_of(&db, tmp.path());
    tamperings(&db, &cp);
}

#[test]
fn every_tampering_is_caught_on_postgres() {
    let server = std::env::var("LIEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| PG_DEFAULT.to_owned())
        .rsplit_once('/')
        .map(|(s, _)| s.to_owned())
        .unwrap();
    let reachable = Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-qAt", "-c", "SELECT 1"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !reachable {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and PostgreSQL ({server}) or psql is not available");
        }
        eprintln!("\n!!! SKIPPED: PostgreSQL at {server} (with psql) is not reachable !!!\n");
        return;
    }
    let name = format!("liem_tamper_{}", uuid::Uuid::new_v4().simple());
    psql_admin(&server, &format!("CREATE DATABASE {name}"));
    let db = Db::Postgres {
        server: server.clone(),
        name,
    };
    struct Cleanup<'a>(&'a Db);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            self.0.drop_db();
        }
    }
    let _cleanup = Cleanup(&db);
    let tmp = tempfile::tempdir().unwrap();
    let o = db.liem(&[
        "demo",
        "--petitions",
        "300",
        "--cases",
        "60",
        "--no-serve",
        "--data-dir",
        tmp.path().join("files").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cp = checkpoint_of(&db, tmp.path());
    tamperings(&db, &cp);
}
