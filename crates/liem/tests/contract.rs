//! The API against its own contract: schemathesis (from PyPI, in the test
//! venv that scripts/test makes) generates requests for every operation of
//! the served `/api/v1/openapi.json` and checks each answer — no server
//! error, no undocumented status code or content type, every body valid
//! against its schema — on a demo instance, within a time budget. With `CI`
//! set, a missing schemathesis is a failure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_operation_keeps_its_contract() {
    let Some(st) = std::env::var_os("LIEM_SCHEMATHESIS") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and LIEM_SCHEMATHESIS is not: run scripts/test");
        }
        eprintln!("\n!!! schemathesis not available (run scripts/test): the contract check is SKIPPED !!!\n");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args([
            "demo",
            "--petitions",
            "200",
            "--cases",
            "50",
            "--bind",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let _server = Kill(child);
    let mut token = None;
    let mut base = None;
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        if let Some(t) = line.strip_prefix("API token: ") {
            token = Some(t.trim().to_owned());
        }
        if let Some(a) = line.strip_prefix("serving on ") {
            base = Some(a.trim().to_owned());
            break;
        }
    }
    let (token, base) = (token.expect("a token"), base.expect("an address"));
    let seconds = std::env::var("LIEM_CONTRACT_SECONDS").unwrap_or_else(|_| "120".into());
    let report = schemathesis(&st, &base, &token, &seconds, &[], dir.path());
    // Every operation of the document was exercised.
    let (selected, tested) = counts(&report);
    assert!(
        selected > 70 && tested == selected,
        "{tested} of {selected} operations tested:\n{report}"
    );
    clean(&report);
    // The operations the administrator may not use, with the tokens of
    // those who may: the auditor (the chain) and Hà Nội's custodian (the
    // sealed identities).
    for (user, paths) in [
        ("kiemtoan", "^/api/v1/audit/"),
        ("baomat.hni", "^/api/v1/(unseal-requests|reseals)"),
    ] {
        // The administrator's run may have stopped this user (it is given
        // real login names to `PUT /users/{username}/active`): let them in
        // again, as an administrator would, before their own run.
        let back = ureq::put(&format!(
            "{}/api/v1/users/{user}/active",
            base.trim_end_matches('/')
        ))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({"active": true}));
        assert!(
            matches!(&back, Ok(r) if r.status() == 204),
            "{user} let in again: {back:?}"
        );
        let o = Command::new(env!("CARGO_BIN_EXE_liem"))
            .args(["token", "--username", user, "--days", "1"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let t = String::from_utf8_lossy(&o.stdout).trim().to_owned();
        let report = schemathesis(
            &st,
            &base,
            &t,
            "30",
            &["--include-path-regex", paths],
            dir.path(),
        );
        let (selected, tested) = counts(&report);
        assert!(
            selected >= 2 && tested == selected,
            "{user}: {tested} of {selected} operations tested:\n{report}"
        );
        assert!(
            !report.contains("returned only 401/403"),
            "{user} was refused everywhere:\n{report}"
        );
        clean(&report);
    }
}

/// Runs schemathesis over the served document with a bearer token; the
/// report it prints.
fn schemathesis(
    st: &std::ffi::OsStr,
    base: &str,
    token: &str,
    seconds: &str,
    extra: &[&str],
    dir: &std::path::Path,
) -> String {
    let seed = std::env::var("LIEM_CONTRACT_SEED").unwrap_or_else(|_| "20261202".into());
    let o = Command::new(st)
        .args(["run", &format!("{base}/api/v1/openapi.json")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--max-time", seconds, "--seed", &seed, "--workers", "2"])
        .args(["--suppress-health-check", "all", "--max-failures", "1000", "--no-color"])
        .args(extra)
        .current_dir(dir)
        .output()
        .expect("schemathesis runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!(
        "{}",
        report
            .lines()
            .rev()
            .take(14)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    report
}

/// Operations selected and tested, from the report's summary.
fn counts(report: &str) -> (usize, usize) {
    let selected = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Selected: "))
        .and_then(|s| s.split('/').next())
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no summary:\n{report}"));
    let tested = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tested: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    (selected, tested)
}

/// No failure of any check, and no error in the document itself. (The
/// tool's own internal errors, if any, are reported but are not ours.)
fn clean(report: &str) {
    assert!(!report.contains("Failures:"), "{report}");
    assert!(!report.contains("Schema Error"), "{report}");
}

/// Every example the served document gives for a JSON success answer is
/// valid against that answer's schema (JSON Schema 2020-12, with the
/// document's components), checked by the `jsonschema_rs` package that
/// comes with schemathesis. With `CI` set, a missing package is a failure.
#[test]
fn every_example_of_the_document_is_valid_against_its_schema() {
    let Some(python) = std::env::var_os("LIEM_PYTHON") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and LIEM_PYTHON is not: run scripts/test");
        }
        eprintln!("\n!!! the test venv is not available (run scripts/test): the example check is SKIPPED !!!\n");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("openapi.json");
    std::fs::write(&doc, liem_server::openapi::served().to_string()).unwrap();
    let script = r##"
import json, sys
import jsonschema_rs
doc = json.load(open(sys.argv[1]))
checked, bad = 0, []
for path, item in doc["paths"].items():
    for method, op in item.items():
        for code, r in op.get("responses", {}).items():
            j = r.get("content", {}).get("application/json")
            if not code.startswith("2") or j is None or "example" not in j:
                continue
            # The schema's references point into the document's components.
            schema = {"allOf": [j["schema"]], "components": doc.get("components", {})}
            errors = list(jsonschema_rs.Draft202012Validator(schema, validate_formats=True).iter_errors(j["example"]))
            checked += 1
            if errors:
                bad.append(f"{method} {path} {code}: {str(errors[0]).splitlines()[0]} at {list(errors[0].instance_path)}")
print(f"checked {checked}")
for b in bad:
    print(b)
sys.exit(1 if bad or checked < 60 else 0)
"##;
    let o = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&doc)
        .output()
        .expect("python runs");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{out}");
    assert!(out.contains("checked "), "{out}");
}
