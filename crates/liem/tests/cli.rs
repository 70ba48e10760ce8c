//! The binary as a new user runs it: `liem demo`, `liem audit verify`,
//! `liem calendar`, and the sealing of identities in the database file.

use std::path::Path;
use std::process::{Command, Output};

fn liem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liem"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("liem runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sqlite3(db: &Path, sql: &str) -> String {
    let o = Command::new("sqlite3").arg(db).arg(sql).output();
    match o {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => panic!("sqlite3 failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("the sqlite3 command is needed (Debian package sqlite3): {e}"),
    }
}

#[test]
fn demo_generates_once_prints_logins_and_the_audit_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let first = liem(&["demo", "--data-dir", d, "--petitions", "400", "--no-serve"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = stdout(&first);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("admin login: admin "));
    assert!(lines[1].starts_with("clerk login: tiepnhan.hni "));
    assert!(lines[2].starts_with("API token: "));
    let db = data.join("liem.sqlite3");
    assert_eq!(sqlite3(&db, "SELECT COUNT(*) FROM letters"), "400");
    let users: i64 = sqlite3(&db, "SELECT COUNT(*) FROM users").parse().unwrap();
    assert!((38..=45).contains(&users), "{users} users");
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(*) FROM units WHERE kind = 'province'"),
        "34"
    );

    // A second run reuses the data and prints the same logins.
    let second = liem(&["demo", "--data-dir", d, "--petitions", "400", "--no-serve"]);
    assert!(second.status.success());
    assert_eq!(stdout(&second), out);
    assert_eq!(sqlite3(&db, "SELECT COUNT(*) FROM letters"), "400");

    // Every kind, channel and field, and more than a handful of states, are present.
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(DISTINCT kind) FROM matters"),
        "4"
    );
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(DISTINCT channel) FROM letters"),
        "8"
    );
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(DISTINCT field_code) FROM letters"),
        "7"
    );
    let states: i64 = sqlite3(&db, "SELECT COUNT(DISTINCT state) FROM matters")
        .parse()
        .unwrap();
    assert!(states >= 8, "{states} states");

    // The audit chain verifies, then fails after one row is edited.
    let ok = liem(&["audit", "verify", "--data-dir", d]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout(&ok).contains("audit chain intact"));
    sqlite3(
        &db,
        "UPDATE audit_log SET source = 'forged' WHERE seq = 123",
    );
    let bad = liem(&["audit", "verify", "--data-dir", d]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("record 123"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    // Sealed identities are not in the database file in clear.
    let sealed_ids = sqlite3(&db, "SELECT COUNT(*) FROM sealed_identities");
    assert_ne!(sealed_ids, "0");
    let bytes = std::fs::read(&db).unwrap();
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    let key = std::fs::read_to_string(data.join("seal.key")).unwrap();
    assert!(!contains(key.trim()), "the key is not in the database");
    let sealer =
        liem_server::crypto::Sealer::new(&liem_server::crypto::SecretKey::parse(&key).unwrap());
    let rows = sqlite3(&db, "SELECT hex(letter_id) || ' ' || key_id || ' ' || hex(nonce) || ' ' || hex(ciphertext) FROM sealed_identities");
    let mut checked = 0;
    for row in rows.lines() {
        let f: Vec<&str> = row.split(' ').collect();
        let letter = liem_domain::ids::LetterId(uuid::Uuid::from_slice(&hex(f[0])).unwrap());
        let blob = liem_store::petitions::SealedBlob {
            key_id: f[1].to_owned(),
            nonce: hex(f[2]),
            ciphertext: hex(f[3]),
        };
        let identity = sealer
            .open(letter, &blob)
            .expect("a demo identity unseals with the demo key");
        if let Some(n) = &identity.id_number {
            assert!(
                !contains(n),
                "sealed identity number {n} found in the database file"
            );
        }
        if let Some(p) = &identity.phone {
            assert!(!contains(p), "sealed phone {p} found in the database file");
        }
        // A common name may also belong to an open (complaint) sender or to
        // a member of staff; only names used nowhere else must be absent.
        let n = identity.name.replace('\'', "''");
        let open = sqlite3(
            &db,
            &format!("SELECT (SELECT COUNT(*) FROM letters WHERE sender_name = '{n}') + (SELECT COUNT(*) FROM users WHERE display_name = '{n}')"),
        );
        if open == "0" {
            assert!(
                !contains(&identity.name),
                "sealed name {} found in the database file",
                identity.name
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "{checked} sealed identities checked");
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn calendar_prints_one_day_off_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = liem(&[
        "calendar",
        "2025",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    // Tết 2025 is 29 January: 28 January to 1 February.
    for line in [
        "2025-01-01 New Year's Day",
        "2025-01-28 Lunar New Year (Tết)",
        "2025-02-01 Lunar New Year (Tết)",
        "2025-04-07 Hùng Kings' Commemoration Day",
        "2025-09-02 National Day",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    assert!(out.lines().all(|l| l.len() > 11 && l.as_bytes()[4] == b'-'));
    let bad = liem(&["calendar", "1700"]);
    assert!(!bad.status.success());
}

#[test]
fn a_fresh_instance_is_set_up_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let unit = liem(&[
        "unit",
        "add",
        "--data-dir",
        d,
        "--code",
        "tw",
        "--name",
        "Ban Chỉ đạo",
        "--kind",
        "central_committee",
    ]);
    assert!(
        unit.status.success(),
        "{}",
        String::from_utf8_lossy(&unit.stderr)
    );
    assert!(stdout(&unit).contains("unit TW created at /TW/"));
    let bad_kind = liem(&[
        "unit",
        "add",
        "--data-dir",
        d,
        "--code",
        "X1",
        "--name",
        "x",
        "--kind",
        "castle",
    ]);
    assert!(!bad_kind.status.success());

    let add_user = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_liem"))
            .args([
                "user",
                "add",
                "--data-dir",
                d,
                "--username",
                "Admin",
                "--name",
                "Quản trị",
                "--unit",
                "TW",
            ])
            .args(["--role", "administrator", "--role", "leader"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = add_user("short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let ok = add_user("a long enough passphrase");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = add_user("a long enough passphrase");
    assert!(!again.status.success(), "user names are unique");

    let db = dir.path().join("liem.sqlite3");
    assert_eq!(sqlite3(&db, "SELECT username FROM users"), "admin");
    assert!(sqlite3(&db, "SELECT password_hash FROM users").starts_with("$argon2id$"));
    let token = liem(&["token", "--data-dir", d, "--username", "admin"]);
    assert!(token.status.success());
    assert_eq!(stdout(&token).trim().len(), 43);
    let verify = liem(&["audit", "verify", "--data-dir", d]);
    assert!(verify.status.success());
    let backup = dir.path().join("copy.sqlite3");
    let b = liem(&[
        "backup",
        "--data-dir",
        d,
        "--output",
        backup.to_str().unwrap(),
    ]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(sqlite3(&backup, "SELECT COUNT(*) FROM users"), "1");
}
