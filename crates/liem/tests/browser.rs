//! A real browser session: headless Chromium driven through chromedriver
//! (Debian's packages) logs in, registers a letter through the intake form,
//! and finds it in the register.
//!
//! Without Chromium the test says loudly that it skipped — unless `CI` is
//! set, where a missing browser is a failure.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(binaries: &[&str]) -> Option<String> {
    binaries
        .iter()
        .find(|b| std::path::Path::new(b).exists())
        .map(|b| (*b).to_owned())
}

struct Driver {
    base: String,
    session: String,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let req = ureq::request(method, &url);
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(code, r)) => panic!(
                "webdriver {method} {path}: {code} {}",
                r.into_string().unwrap_or_default()
            ),
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    }
    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }
    fn el(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        // The W3C element reference is the object's one value.
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }
    fn type_in(&self, css: &str, text: &str) {
        let e = self.el(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }
    fn click(&self, css: &str) {
        let e = self.el(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }
    fn text(&self, css: &str) -> String {
        let e = self.el(css);
        self.call("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_owned()
    }
    fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[test]
fn a_clerk_logs_in_registers_a_letter_and_finds_it_in_the_register() {
    let (Some(chromium), Some(chromedriver)) = (
        find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]),
        find(&["/usr/bin/chromedriver"]),
    ) else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and Chromium or chromedriver is missing (Debian packages chromium, chromium-driver)");
        }
        eprintln!(
            "\n!!! SKIPPED browser test: install Debian's chromium and chromium-driver !!!\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args([
            "demo",
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
            "--petitions",
            "200",
        ])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(demo.stdout.take().unwrap());
    let _demo = Kill(demo);
    let mut clerk = None;
    for line in out.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("clerk login: ") {
            let mut p = rest.split(' ');
            clerk = Some((p.next().unwrap().to_owned(), p.next().unwrap().to_owned()));
        }
        if line.starts_with("serving on") {
            break;
        }
    }
    let (user, password) = clerk.expect("the demo printed the clerk's login");

    let dport = free_port();
    let _driver = Kill(
        Command::new(chromedriver)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{dport}");
    let started = Instant::now();
    while ureq::get(&format!("{base}/status")).call().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": chromium,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--lang=vi", format!("--user-data-dir={}", profile.path().display())]
    }}}});
    let session: Value = ureq::post(&format!("{base}/session"))
        .send_json(caps)
        .unwrap()
        .into_json()
        .unwrap();
    let d = Driver {
        base,
        session: session["value"]["sessionId"].as_str().unwrap().to_owned(),
    };
    let app = format!("http://127.0.0.1:{port}");

    d.go(&format!("{app}/petitions"));
    assert!(
        d.url().ends_with("/login"),
        "unauthenticated visitors are sent to the login page"
    );
    d.type_in("#username", &user);
    d.type_in("#password", &password);
    d.click("#login-submit");
    assert!(d.url().ends_with("/petitions"), "{}", d.url());
    let total: i64 = d
        .text("#total")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 0, "the clerk sees the letters of their unit");

    d.go(&format!("{app}/petitions/new"));
    d.click("input[name=kinds][value=complaint]");
    d.type_in("#sender_name", "Đinh Công Tráng");
    d.type_in(
        "#summary",
        "Khiếu nại việc cấp phép xây dựng trái phép ở ngõ Xuân Thủy",
    );
    d.type_in(
        "#content",
        "Nội dung: công trình xây vượt tầng, ảnh hưởng nhà liền kề.",
    );
    d.click("#register-submit");
    let reference = d.text("#letter-reference");
    assert!(reference.contains("HNI-"), "{reference}");
    let reference = reference.split_whitespace().last().unwrap().to_owned();
    assert!(
        d.source().contains("Đinh Công Tráng"),
        "a complaint's sender is shown"
    );

    d.go(&format!("{app}/petitions?q=xuan+thuy+cap+phep"));
    let list = d.source();
    assert!(
        list.contains(&reference),
        "the new letter {reference} is found without diacritics"
    );
    let shot = d.call("GET", "/screenshot", None);
    if let Some(png) = shot.as_str() {
        let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("register.png.b64");
        let _ = std::fs::write(target, png);
    }
    d.call("DELETE", "", None);
}
