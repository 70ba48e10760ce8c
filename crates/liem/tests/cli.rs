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
    // One login for each role, the custodian's included, then the token.
    assert_eq!(lines.len(), 8, "{out}");
    for (line, start) in lines.iter().zip([
        "admin login: admin ",
        "clerk login: tiepnhan.hni ",
        "handler login: xuly.hni ",
        "leader login: lanhdao.hni ",
        "custodian login: baomat.hni ",
        "auditor login: kiemtoan ",
        "analyst login: phantich ",
        "API token: ",
    ]) {
        assert!(line.starts_with(start), "{line}");
    }
    let db = data.join("liem.sqlite3");
    assert_eq!(sqlite3(&db, "SELECT COUNT(*) FROM letters"), "400");
    let users: i64 = sqlite3(&db, "SELECT COUNT(*) FROM users").parse().unwrap();
    assert!((38..=45).contains(&users), "{users} users");
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(*) FROM units WHERE kind = 'province'"),
        "34"
    );

    // The cases register: ~1,200 entries, ~3,000 people, ~150 monitored.
    assert_eq!(sqlite3(&db, "SELECT COUNT(*) FROM cases"), "1200");
    let people: i64 = sqlite3(&db, "SELECT COUNT(*) FROM persons")
        .parse()
        .unwrap();
    assert!((2_500..=3_500).contains(&people), "{people} people");
    assert_eq!(
        sqlite3(&db, "SELECT COUNT(DISTINCT case_id) FROM monitorings"),
        "150"
    );
    let stages: i64 = sqlite3(&db, "SELECT COUNT(DISTINCT stage) FROM cases")
        .parse()
        .unwrap();
    assert!(stages >= 7, "{stages} stages");
    assert!(
        sqlite3(
            &db,
            "SELECT COUNT(*) FROM case_transfers WHERE acknowledged_on IS NULL"
        ) != "0"
    );
    ftm_export_validates(d);
    reports_add_up_on_the_demo(d);

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
        liem_domain::petition::Channel::ALL.len().to_string()
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
    let key = std::fs::read_to_string(data.join("seal.key")).unwrap();
    {
        let bytes = std::fs::read(&db).unwrap();
        assert!(
            !bytes
                .windows(key.trim().len())
                .any(|w| w == key.trim().as_bytes()),
            "the key is not in the database"
        );
    }
    // Every sealed identity is under a per-letter key wrapped for custodians
    // and recovery keys: the configuration key opens none of them.
    assert_eq!(
        sqlite3(
            &db,
            "SELECT COUNT(*) FROM sealed_identities WHERE key_id <> 'dek'"
        ),
        "0"
    );
    let unwrapped = sqlite3(&db, "SELECT COUNT(*) FROM sealed_identities s WHERE NOT EXISTS (SELECT 1 FROM sealed_keys k WHERE k.letter_id = s.letter_id)");
    assert_eq!(
        unwrapped, "0",
        "every sealed identity can be opened by someone"
    );
    let sealer =
        liem_server::crypto::Sealer::new(&liem_server::crypto::SecretKey::parse(&key).unwrap());
    let row = sqlite3(&db, "SELECT hex(letter_id) || ' ' || key_id || ' ' || hex(nonce) || ' ' || hex(ciphertext) FROM sealed_identities LIMIT 1");
    let f: Vec<&str> = row.split(' ').collect();
    let letter = liem_domain::ids::LetterId(uuid::Uuid::from_slice(&hex(f[0])).unwrap());
    let blob = liem_store::petitions::SealedBlob {
        key_id: sealer_key_id(&sealer),
        nonce: hex(f[2]),
        ciphertext: hex(f[3]),
    };
    assert!(sealer.open(letter, &blob).is_err());

    // A denunciation registered with a known identity is nowhere in the file.
    let token = lines
        .iter()
        .find_map(|l| l.strip_prefix("API token: "))
        .unwrap()
        .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args([
            "serve",
            "--data-dir",
            d,
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while ureq::get(&format!("{base}/readyz")).call().is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let created = ureq::post(&format!("{base}/api/v1/letters"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({
            "kinds": ["denunciation"], "channel": "hotline", "field": "corruption", "received_on": "2026-11-02",
            "sender": {"kind": "person", "name": "Tôn Nữ Bí Mật", "id_number": "046188123456", "phone": "0987 654 321"},
            "summary": "Tố cáo nhận hối lộ", "content": "Nội dung tố cáo có chứng cứ cụ thể."
        }));
    let _ = server.kill();
    let _ = server.wait();
    assert!(created.is_ok(), "{:?}", created.err());
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(data.join("liem.sqlite3-wal")).unwrap_or_default());
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains("Nội dung tố cáo có chứng cứ cụ thể."),
        "the content itself is stored"
    );
    for needle in [
        "Tôn Nữ Bí Mật",
        "046188123456",
        "0987 654 321",
        "ton nu bi mat",
    ] {
        assert!(!contains(needle), "{needle} found in the database file");
    }
}

fn sealer_key_id(s: &liem_server::crypto::Sealer) -> String {
    s.seal(
        liem_domain::ids::LetterId::new(),
        &liem_domain::petition::Identity {
            name: String::new(),
            id_number: None,
            address: None,
            phone: None,
            email: None,
        },
    )
    .key_id
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
    // Listed (never the token itself) and revoked by id.
    let list = stdout(&liem(&["token", "list", "--data-dir", d]));
    let line = list
        .lines()
        .find(|l| l.contains("\tadmin\tcli\t"))
        .expect(&list);
    assert!(
        line.ends_with("\tlive") && !list.contains(stdout(&token).trim()),
        "{list}"
    );
    let id = line.split('\t').next().unwrap();
    let revoke = liem(&["token", "revoke", "--data-dir", d, id]);
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    let list = stdout(&liem(&[
        "token",
        "list",
        "--data-dir",
        d,
        "--username",
        "admin",
    ]));
    assert!(list.contains("\trevoked "), "{list}");
    let unknown = liem(&[
        "token",
        "revoke",
        "--data-dir",
        d,
        "01a23300-0000-7000-8000-000000000000",
    ]);
    assert!(!unknown.status.success());
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
    // A second backup never overwrites the first.
    let again = liem(&[
        "backup",
        "--data-dir",
        d,
        "--output",
        backup.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    // The database, its WAL, the backup and the key: the owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let wal = dir.path().join("liem.sqlite3-wal");
        for f in [
            db.clone(),
            backup.clone(),
            dir.path().join("seal.key"),
            wal.clone(),
        ] {
            if f == wal && !f.exists() {
                continue;
            }
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}: {mode:o}", f.display());
        }
    }
}

/// Exports the demo's people, organisations and links as FollowTheMoney
/// and has the `followthemoney` package check them (scripts/ftm_check.py).
fn ftm_export_validates(data_dir: &str) {
    let out = liem(&["export", "ftm", "--data-dir", data_dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines = text.lines().count();
    assert!(lines > 3_000, "{lines} entities");
    let (python, cli) = match (
        std::env::var("LIEM_FTM_PYTHON"),
        std::env::var("LIEM_FTM_CLI"),
    ) {
        (Ok(p), Ok(c)) => (p, c),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_FTM_PYTHON/LIEM_FTM_CLI are not: run scripts/test")
        }
        _ => {
            eprintln!(
                "!!! followthemoney not available (run scripts/test): FtM validation SKIPPED !!!"
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.ftm.jsonl");
    std::fs::write(&file, &text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ftm_check.py");
    let check = Command::new(python)
        .arg(script)
        .arg(&file)
        .arg(cli)
        .output()
        .expect("python runs");
    assert!(
        check.status.success(),
        "followthemoney rejected the export: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let counts = String::from_utf8_lossy(&check.stdout);
    for schema in [
        "Person=",
        "Company=",
        "Directorship=",
        "Ownership=",
        "Employment=",
    ] {
        assert!(counts.contains(schema), "{counts}");
    }

    // The export reads back in: a second instance imports every entity.
    let other = tempfile::tempdir().unwrap();
    let od = other.path().to_str().unwrap();
    let m = liem(&[
        "unit",
        "add",
        "--data-dir",
        od,
        "--code",
        "TW",
        "--name",
        "Ban Chỉ đạo",
        "--kind",
        "central_committee",
    ]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let i = liem(&[
        "import",
        "ftm",
        "--data-dir",
        od,
        "--unit",
        "TW",
        file.to_str().unwrap(),
    ]);
    assert!(i.status.success(), "{}", String::from_utf8_lossy(&i.stderr));
    let persons = counts
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("Person="))
        .unwrap();
    assert!(
        stdout(&i).starts_with(&format!("imported {persons} people")),
        "{}",
        stdout(&i)
    );
    let again = liem(&[
        "import",
        "ftm",
        "--data-dir",
        od,
        "--unit",
        "TW",
        file.to_str().unwrap(),
    ]);
    assert!(
        stdout(&again).contains(&format!("{lines} already present")),
        "{}",
        stdout(&again)
    );
}

/// `liem report`: the list of forms, every form of the demo data for this
/// year and the last passing its own arithmetic (exit 0), the nation's
/// total being the sum of its rows, and the Excel file read back by
/// openpyxl with the JSON's figures.
fn reports_add_up_on_the_demo(data_dir: &str) {
    let list = liem(&["report", "--list"]);
    assert!(list.status.success());
    let text = stdout(&list);
    let lines: Vec<&str> = text.lines().collect();
    let forms = liem_domain::forms::all_forms();
    assert_eq!(lines.len(), forms.len() + 1, "{text}");
    for (line, f) in lines.iter().zip(forms) {
        assert_eq!(line.split('\t').next(), Some(f.code), "{line}");
    }
    assert!(lines[forms.len()].starts_with("period syntax: YYYY"));
    let year = liem_server::clock::today().year();
    for period in [
        year.to_string(),
        (year - 1).to_string(),
        format!("{year}-Q1"),
    ] {
        for f in forms {
            let out = liem(&[
                "report",
                f.code,
                "--period",
                &period,
                "--data-dir",
                data_dir,
            ]);
            assert!(
                out.status.success(),
                "{} {period}: {}",
                f.code,
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["failures"], serde_json::json!([]));
            assert_eq!(v["unit"]["code"], "TW", "the nation without --unit");
            let mut sum = vec![0i64; v["columns"].as_array().unwrap().len()];
            for r in v["rows"].as_array().unwrap() {
                for (a, c) in sum.iter_mut().zip(r["cells"].as_array().unwrap()) {
                    *a += c.as_i64().unwrap();
                }
            }
            assert_eq!(serde_json::json!(sum), v["total"], "{} {period}", f.code);
        }
    }
    // The demo's letters are there to be counted.
    let key = liem(&[
        "report",
        "00-KEY",
        "--period",
        &year.to_string(),
        "--data-dir",
        data_dir,
    ]);
    let v: serde_json::Value = serde_json::from_slice(&key.stdout).unwrap();
    assert!(
        v["total"][0].as_i64().unwrap() > 0,
        "letters received this year"
    );
    // Bad input is named.
    let bad = liem(&[
        "report",
        "00-KEY",
        "--period",
        "2026-Q9",
        "--data-dir",
        data_dir,
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--period"));
    let bad = liem(&["report", "99-X", "--period", "2026", "--data-dir", data_dir]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("liem report --list"));

    // Excel for Hà Nội on today's tree, read back with openpyxl.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hni.xlsx");
    let args = [
        "report",
        "02-XLD-KN",
        "--period",
        &year.to_string(),
        "--unit",
        "HNI",
        "--tree",
        "current",
        "--data-dir",
        data_dir,
    ];
    let json = liem(&args);
    assert!(json.status.success());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut xargs = args.to_vec();
    xargs.extend([
        "--format",
        "xlsx",
        "--lang",
        "fr",
        "--output",
        file.to_str().unwrap(),
    ]);
    let out = liem(&xargs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = match std::env::var("LIEM_PYTHON") {
        Ok(p) => p,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_PYTHON is not: run scripts/test")
        }
        _ => {
            eprintln!("!!! openpyxl not available (run scripts/test): Excel check SKIPPED !!!");
            return;
        }
    };
    let script = "import json, sys, openpyxl\n\
ws = openpyxl.load_workbook(sys.argv[1]).active\n\
rows = list(ws.iter_rows(values_only=True))\n\
total = next(r for r in rows if r[0] == 'total')\n\
print(json.dumps({'title': rows[1][0], 'total': list(total[2:])}))\n";
    let out = Command::new(python)
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(x["title"], "Traitement des lettres de réclamation");
    assert_eq!(x["total"], json["total"]);
}

/// Overdue means overdue (issue 12, item 8), on the demo data: the
/// register's overdue list counts the letters with a matter past the limit
/// the law sets, and the deadline counts the matters, as worked out a
/// second way: every matter's facts read straight from the database and its
/// running limit computed again from the law's rules, the matters that no
/// action is left for carrying none.
#[test]
fn on_the_demo_the_overdue_list_counts_what_the_law_makes_late() {
    use liem_domain::workflow::MatterFacts;
    use std::collections::BTreeSet;
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args(["demo", "--data-dir", data.to_str().unwrap()])
        .args(["--petitions", "600", "--cases", "60"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let out = BufReader::new(demo.stdout.take().unwrap());
    let _demo = Kill(demo);
    let mut token = None;
    for line in out.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("API token: ") {
            token = Some(rest.to_owned());
        }
        if line.starts_with("serving on") {
            break;
        }
    }
    let auth = format!("Bearer {}", token.expect("the demo printed an API token"));
    let get = |path: &str| -> serde_json::Value {
        ureq::get(&format!("http://127.0.0.1:{port}{path}"))
            .set("Authorization", &auth)
            .call()
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .into_json()
            .unwrap()
    };
    let deadlines = get("/api/v1/deadlines?within=7");
    let today: jiff::civil::Date = deadlines["today"].as_str().unwrap().parse().unwrap();
    let listed = get("/api/v1/letters?overdue=true&limit=200");
    let total = listed["total"].as_i64().unwrap();
    let counted: i64 = deadlines["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["overdue"].as_i64().unwrap())
        .sum();

    // The second way: the facts as stored, the limit as the law computes it.
    let db = data.join("liem.sqlite3");
    let rows: serde_json::Value = {
        let o = Command::new("sqlite3")
            .arg("-json")
            .arg(&db)
            .arg(
                "SELECT lower(hex(lm.letter_id)) AS letter, lower(hex(m.id)) AS matter, m.facts AS facts \
                 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id",
            )
            .output()
            .expect("the sqlite3 command is needed (Debian package sqlite3)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let cal = liem_domain::calendar::Calendar::new();
    let book = liem_domain::deadline::RuleBook::default();
    let mut late_letters = BTreeSet::new();
    // A matter that several letters joined is one matter.
    let mut late_matters = BTreeSet::new();
    let mut final_with_limit = 0;
    let mut duties = 0;
    let letters: BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["letter"].as_str().unwrap())
        .collect();
    for r in rows.as_array().unwrap() {
        let facts: MatterFacts = serde_json::from_str(r["facts"].as_str().unwrap()).unwrap();
        let limit = liem_domain::deadline::current_deadline(&facts, &cal, &book);
        // A duty beside it: a denunciation's acceptance or suspension
        // notice not sent (Law on Denunciations 2018, arts. 29(2), 34(3)).
        let duty = liem_domain::limits::next_duty(&facts, &cal);
        if facts.state.is_final() && (limit.is_some() || duty.is_some()) {
            final_with_limit += 1;
        }
        if duty.is_some() {
            duties += 1;
        }
        if limit.is_some_and(|d| d.due < today) || duty.is_some_and(|l| l.on < today) {
            late_matters.insert(r["matter"].as_str().unwrap().to_owned());
            late_letters.insert(r["letter"].as_str().unwrap().to_owned());
        }
    }
    eprintln!(
        "demo on {today}: {total} of {} letters overdue, {counted} matters past their limit",
        letters.len()
    );
    assert_eq!(
        final_with_limit, 0,
        "a matter with no action left has no limit"
    );
    assert!(duties > 0, "the demo has notices still owed");
    assert_eq!(
        total,
        late_letters.len() as i64,
        "letters with a matter past its limit"
    );
    assert_eq!(
        counted,
        late_matters.len() as i64,
        "matters past their limit"
    );
    assert!(
        total > 0 && total * 2 < letters.len() as i64,
        "{total} of {} letters overdue",
        letters.len()
    );
    // Each row listed names the limit it passed and is open.
    for item in listed["items"].as_array().unwrap() {
        let late: Vec<&serde_json::Value> = item["matters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                ["due_on", "duty_on"].iter().any(|k| {
                    m[k].as_str()
                        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
                        .is_some_and(|d| d < today)
                })
            })
            .collect();
        assert!(!late.is_empty(), "{item}");
        for m in late {
            for (on, rule) in [("due_on", "due_rule"), ("duty_on", "duty_rule")] {
                if m[on].is_string() {
                    assert!(m[rule].is_string(), "{item}");
                }
            }
        }
    }
}
