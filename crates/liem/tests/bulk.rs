//! The demo's bulk writer against the live one, on SQLite and on
//! PostgreSQL: the same generated letters, written once a group at a time
//! (grouped statements, one transaction a group) and once as the server
//! writes them (each letter, assignment and step in its own transaction),
//! leave the same audit records for every letter and matter, the same
//! change-feed entries, the same register rows with their statistics
//! columns, and the same figures on every form; both chains verify, deep.
//!
//! Ids are random, so records are compared by what names them: a letter or
//! a matter by its reference, a unit by its code, a user by login.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Command, Output};

const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1/test";
/// The instance key of both databases of a pair (a test key, 32 bytes hex):
/// the senders' keyed digests then agree too.
const KEY: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
const LETTERS: &str = "240";

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

enum Db {
    Sqlite { dir: PathBuf },
    Postgres { server: String, name: String },
}

impl Db {
    fn liem(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_liem"));
        c.args(args)
            .env("RUST_LOG", "error")
            .env("LIEM_SEAL_KEY", KEY);
        match self {
            Db::Sqlite { dir } => c.arg("--data-dir").arg(dir),
            Db::Postgres { server, name } => c
                .arg("--data-dir")
                .arg(std::env::temp_dir().join(format!("{name}-files")))
                .arg("--database-url")
                .arg(format!("{server}/{name}")),
        };
        c.output().expect("liem runs")
    }

    /// Rows of a query, by the database's own client, each a list of
    /// fields as the client prints them.
    fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let mut cmd = match self {
            Db::Sqlite { dir } => {
                let mut c = Command::new("sqlite3");
                c.args(["-separator", "\u{1e}", "-newline", "\u{1d}"])
                    .arg(dir.join("liem.sqlite3"))
                    .arg(sql);
                c
            }
            Db::Postgres { server, name } => {
                let mut c = Command::new("psql");
                c.arg(format!("{server}/{name}"))
                    .args([
                        "-qAt",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-F",
                        "\u{1e}",
                        "-R",
                        "\u{1d}",
                    ])
                    .args(["-c", sql]);
                c
            }
        };
        let o = cmd.output().expect("the database client runs");
        assert!(o.status.success(), "{sql}: {}", text(&o.stderr));
        text(&o.stdout)
            .trim_end_matches(['\n', '\u{1d}'])
            .split('\u{1d}')
            .filter(|r| !r.is_empty())
            .map(|r| r.split('\u{1e}').map(str::to_owned).collect())
            .collect()
    }

    /// An id column as hyphenated text.
    fn id(&self, col: &str) -> String {
        match self {
            Db::Sqlite { .. } => format!(
                "lower(substr(hex({col}),1,8)||'-'||substr(hex({col}),9,4)||'-'||substr(hex({col}),13,4)||'-'||substr(hex({col}),17,4)||'-'||substr(hex({col}),21))"
            ),
            Db::Postgres { .. } => format!("{col}::text"),
        }
    }

    fn drop_db(&self) {
        if let Db::Postgres { server, name } = self {
            psql_admin(server, &format!("DROP DATABASE IF EXISTS {name}"));
            let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("{name}-files")));
        }
    }
}

fn psql_admin(server: &str, sql: &str) -> bool {
    Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Every id the two writers draw at random, named by what identifies it.
fn names(db: &Db) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (table, key, tag) in [
        ("letters", "reference", "letter"),
        ("matters", "reference", "matter"),
        ("units", "code", "unit"),
        ("users", "username", "user"),
    ] {
        for r in db.rows(&format!("SELECT {}, {key} FROM {table}", db.id("id"))) {
            out.insert(r[0].clone(), format!("{tag}:{}", r[1]));
        }
    }
    out
}

/// The text with every id it holds replaced by its name.
fn named(s: &str, names: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let b = s.as_bytes();
    while i < s.len() {
        if i + 36 <= s.len() && s.is_char_boundary(i + 36) {
            let cand = &s[i..i + 36];
            if uuid::Uuid::parse_str(cand).is_ok() && b.get(i + 8) == Some(&b'-') {
                match names.get(&cand.to_ascii_lowercase()) {
                    Some(n) => out.push_str(n),
                    None => out.push_str("<unnamed>"),
                }
                i += 36;
                continue;
            }
        }
        let c = s[i..].chars().next().expect("in range");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// What a database holds of the letters and matters, named: each record's
/// audit records in order (action, actor, unit, source, detail, whether it
/// attests the record's own state), its change-feed entries in order, the
/// rows of the registers' letters and matters, and the counts of every
/// other audit action.
struct Picture {
    trail: BTreeMap<String, Vec<String>>,
    feed: BTreeMap<String, Vec<String>>,
    rows: Vec<String>,
    others: BTreeMap<String, usize>,
}

fn picture(db: &Db) -> Picture {
    let names = names(db);
    let mut trail: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    let sql = format!(
        "SELECT entity, entity_id, action, COALESCE({}, ''), COALESCE({}, ''), source, detail, state \
         FROM audit_log ORDER BY seq",
        db.id("actor_id"),
        db.id("actor_unit_id")
    );
    for r in db.rows(&sql) {
        let (entity, id) = (&r[0], &r[1]);
        if entity != "letter" && entity != "matter" {
            *others.entry(format!("{entity} {}", r[2])).or_default() += 1;
            continue;
        }
        let own = r[7].contains(&format!("\"{entity}:{id}\""));
        trail.entry(named(id, &names)).or_default().push(named(
            &format!(
                "{} by {} of {} via {}: {} attests itself: {own}",
                r[2], r[3], r[4], r[5], r[6]
            ),
            &names,
        ));
    }
    let mut feed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in db.rows("SELECT entity, entity_id, op, payload FROM outbox ORDER BY seq") {
        if r[0] == "letter" || r[0] == "matter" {
            feed.entry(named(&r[1], &names))
                .or_default()
                .push(named(&format!("{} {}", r[2], r[3]), &names));
        }
    }
    let mut rows = Vec::new();
    let letters = format!(
        "SELECT reference, {}, kinds, channel, field_code, received_on, place, sender_kind, sender_name, \
         sender_id_number, signatories, collective, subject, summary, {}, ack_due, feedback_due, \
         processed_on, eligible, competent FROM letters ORDER BY reference",
        db.id("unit_id"),
        db.id("created_by")
    );
    for r in db.rows(&letters) {
        rows.push(named(&r.join(" | "), &names));
    }
    let matters = format!(
        "SELECT reference, {}, kind, field_code, state, facts, due_on, due_rule, version, {}, \
         classified_on, eligible, competent, round, accepted_on, concluded_on, outcome, closed_on, late \
         FROM matters ORDER BY reference",
        db.id("unit_id"),
        db.id("handler_id")
    );
    for r in db.rows(&matters) {
        rows.push(named(&r.join(" | "), &names));
    }
    let links = format!(
        "SELECT {}, {} FROM letter_matters",
        db.id("letter_id"),
        db.id("matter_id")
    );
    let mut linked: Vec<String> = db
        .rows(&links)
        .iter()
        .map(|r| named(&r.join(" in "), &names))
        .collect();
    linked.sort();
    rows.extend(linked);
    let duties = format!(
        "SELECT {}, due_on, rule FROM matter_duties",
        db.id("matter_id")
    );
    let mut owed: Vec<String> = db
        .rows(&duties)
        .iter()
        .map(|r| named(&r.join(" owes "), &names))
        .collect();
    owed.sort();
    rows.extend(owed);
    let events = format!(
        "SELECT {}, action, on_date, from_state, to_state, detail, COALESCE({}, '') FROM matter_events",
        db.id("matter_id"),
        db.id("actor_id")
    );
    let mut happened: Vec<String> = db
        .rows(&events)
        .iter()
        .map(|r| named(&r.join(" "), &names))
        .collect();
    happened.sort();
    rows.extend(happened);
    Picture {
        trail,
        feed,
        rows,
        others,
    }
}

/// Every form's figures for the two years the demo spans, as JSON with its
/// units named, and the sum of all their cells.
fn figures(db: &Db) -> (Vec<(String, String)>, f64) {
    let names = names(db);
    let mut sum = 0.0;
    let list = db.liem(&["report", "--list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let year = jiff::Zoned::now().year();
    let mut out = Vec::new();
    for line in text(&list.stdout).lines() {
        let Some((code, _)) = line.split_once('\t') else {
            continue;
        };
        for period in [format!("{}", year - 1), format!("{year}")] {
            let o = db.liem(&["report", code, "--period", &period]);
            assert!(o.status.success(), "{code} {period}: {}", text(&o.stderr));
            let mut json: serde_json::Value =
                serde_json::from_slice(&o.stdout).expect("the form is JSON");
            // The signed head of each chain: its hashes differ (times, ids).
            assert!(json
                .as_object_mut()
                .expect("an object")
                .remove("checkpoint")
                .is_some());
            for row in json["rows"].as_array().expect("rows") {
                for cell in row["cells"].as_array().expect("cells") {
                    sum += cell.as_f64().unwrap_or(0.0);
                }
            }
            let pretty = serde_json::to_string_pretty(&json).expect("JSON");
            out.push((format!("{code} {period}"), named(&pretty, &names)));
        }
    }
    assert!(out.len() >= 16, "the forms are listed: {out:?}");
    (out, sum)
}

fn demo(db: &Db, writer: &str) {
    let o = db.liem(&[
        "demo",
        "--no-serve",
        "--seed",
        "7",
        "--petitions",
        LETTERS,
        "--cases",
        "6",
        "--writer",
        writer,
    ]);
    assert!(
        o.status.success(),
        "demo --writer {writer}: {}",
        text(&o.stderr)
    );
    let v = db.liem(&["audit", "verify", "--deep"]);
    assert!(
        v.status.success(),
        "the {writer} writer's chain verifies, deep: {}{}",
        text(&v.stdout),
        text(&v.stderr)
    );
}

fn compare(live: &Db, bulk: &Db) {
    demo(live, "live");
    demo(bulk, "bulk");
    let (a, b) = (picture(live), picture(bulk));
    let letters = a.trail.keys().filter(|k| k.starts_with("letter:")).count();
    let matters = a.trail.keys().filter(|k| k.starts_with("matter:")).count();
    assert_eq!(
        letters,
        LETTERS.parse::<usize>().unwrap(),
        "every letter is in the trail"
    );
    assert!(
        matters >= letters,
        "{matters} matters for {letters} letters"
    );
    let steps: usize = a.trail.values().map(Vec::len).sum();
    assert!(
        steps > 3 * letters,
        "the matters moved along: {steps} audit records for {letters} letters"
    );
    for (k, v) in &a.trail {
        assert!(
            !v.iter().any(|r| r.contains("<unnamed>")),
            "every id is named: {k} {v:?}"
        );
        assert_eq!(Some(v), b.trail.get(k), "the audit records of {k}");
    }
    assert_eq!(a.trail.len(), b.trail.len(), "the same records are audited");
    assert_eq!(a.feed, b.feed, "the change feed");
    assert_eq!(a.rows.len(), b.rows.len(), "the same rows");
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert_eq!(x, y, "a row");
    }
    assert_eq!(a.others, b.others, "the rest of the trail");
    let ((fa, sa), (fb, sb)) = (figures(live), figures(bulk));
    assert!(sa > 1000.0, "the forms hold figures: {sa}");
    assert_eq!(sa, sb, "the figures' sums");
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert!(!x.1.contains("<unnamed>"), "{}: every id is named", x.0);
        assert_eq!(x.0, y.0);
        let first = x.1.lines().zip(y.1.lines()).position(|(a, b)| a != b);
        assert!(
            first.is_none() && x.1.len() == y.1.len(),
            "the figures of form {} differ from line {first:?}",
            x.0
        );
    }
}

#[test]
fn bulk_and_live_writers_leave_the_same_trail_feed_rows_and_figures_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let live = Db::Sqlite {
        dir: tmp.path().join("live"),
    };
    let bulk = Db::Sqlite {
        dir: tmp.path().join("bulk"),
    };
    compare(&live, &bulk);
}

#[test]
fn bulk_and_live_writers_leave_the_same_trail_feed_rows_and_figures_on_postgres() {
    let url = std::env::var("LIEM_TEST_POSTGRES_URL").unwrap_or_else(|_| PG_DEFAULT.to_owned());
    let server = url.rsplit_once('/').map(|(s, _)| s.to_owned()).unwrap();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (a, b) = (
        format!("liem_live_{}", &tag[..12]),
        format!("liem_bulk_{}", &tag[..12]),
    );
    if !psql_admin(&server, &format!("CREATE DATABASE {a}")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is required when CI is set"
        );
        eprintln!("PostgreSQL unreachable: the PostgreSQL half is skipped");
        return;
    }
    assert!(psql_admin(&server, &format!("CREATE DATABASE {b}")));
    let live = Db::Postgres {
        server: server.clone(),
        name: a,
    };
    let bulk = Db::Postgres { server, name: b };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compare(&live, &bulk)));
    live.drop_db();
    bulk.drop_db();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}
