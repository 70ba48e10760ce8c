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
    /// How many elements match.
    fn count(&self, css: &str) -> usize {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }
    /// Waits until an element matches (pages that run scripts first).
    fn wait_for(&self, css: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            if self.count(css) > 0 {
                return self.el(css);
            }
            assert!(
                started.elapsed() < timeout,
                "{css} did not appear; page: {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    /// Waits until no element matches (a form posted, its page reloaded
    /// without it): waiting for an element the old page had too would race.
    fn wait_gone(&self, css: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            if self.count(css) == 0 {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "{css} is still there; page: {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    /// Runs a script that answers through its callback (the last
    /// argument), waiting up to the session's script timeout.
    fn script_async(&self, js: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": js, "args": args})),
        )
    }
    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }
}

/// A running demo, a chromedriver, and a browser session on them.
struct Setup {
    _demo: Kill,
    _driver: Kill,
    _dir: tempfile::TempDir,
    _profile: tempfile::TempDir,
    d: Driver,
    app: String,
    clerk: (String, String),
    admin: (String, String),
    token: String,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.d.base, self.d.session)).call();
    }
}

/// Starts everything, or returns `None` (loudly) when Chromium is missing
/// outside CI.
fn setup() -> Option<Setup> {
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
        return None;
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
            "--cases",
            "60",
        ])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .env("LIEM_POW_BITS", "10")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(demo.stdout.take().unwrap());
    let demo = Kill(demo);
    let mut clerk = None;
    let mut admin = None;
    let mut token = None;
    for line in out.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("admin login: ") {
            let mut p = rest.split(' ');
            admin = Some((p.next().unwrap().to_owned(), p.next().unwrap().to_owned()));
        }
        if let Some(rest) = line.strip_prefix("clerk login: ") {
            let mut p = rest.split(' ');
            clerk = Some((p.next().unwrap().to_owned(), p.next().unwrap().to_owned()));
        }
        if let Some(rest) = line.strip_prefix("API token: ") {
            token = Some(rest.to_owned());
        }
        if line.starts_with("serving on") {
            break;
        }
    }
    let dport = free_port();
    let driver = Kill(
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
                 "--disable-dev-shm-usage", "--window-size=1200,1600",
                 format!("--user-data-dir={}", profile.path().display())]
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
    // A page that takes a while on a loaded machine (five demos and five
    // browsers share two cores here) is waited for, not missed: finding an
    // element waits up to 10 s for it to appear.
    d.call("POST", "/timeouts", Some(json!({"implicit": 10_000})));
    Some(Setup {
        _demo: demo,
        _driver: driver,
        _dir: dir,
        _profile: profile,
        d,
        app: format!("http://127.0.0.1:{port}"),
        clerk: clerk.expect("the demo printed the clerk's login"),
        admin: admin.expect("the demo printed the administrator's login"),
        token: token.expect("the demo printed an API token"),
    })
}

#[test]
fn a_clerk_logs_in_registers_a_letter_and_finds_it_in_the_register() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let (user, password) = setup.clerk.clone();

    d.go(&format!("{app}/petitions"));
    assert!(
        d.url().ends_with("/login"),
        "unauthenticated visitors are sent to the login page"
    );
    login(d, &app, &user, &password);
    // The count as written is grouped by the language; the attribute is the
    // number itself.
    let total: i64 = d
        .script("return document.getElementById('total').dataset.total;")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 0, "the clerk sees the letters of their unit");

    // A named complaint without the sender's name: refused, and the
    // message, in Vietnamese, stands next to the name's field (and in the
    // summary at the top, linked to it); what was typed is kept.
    d.call(
        "POST",
        "/cookie",
        Some(json!({"cookie": {"name": "liem_lang", "value": "vi"}})),
    );
    d.go(&format!("{app}/petitions/new"));
    d.click("input[name=kinds][value=complaint]");
    d.type_in("#summary", "Khiếu nại việc thu phí chợ không có biên lai");
    d.type_in("#content", "Ban quản lý chợ thu tiền không có biên lai.");
    d.click("#register-submit");
    d.wait_for("#sender_name-error", Duration::from_secs(10));
    assert_eq!(d.text("#sender_name-error"), "không được để trống");
    let next_to = d.script(
        "const i = document.getElementById('sender_name');
         const e = document.getElementById('sender_name-error');
         return {invalid: i.getAttribute('aria-invalid'), described: i.getAttribute('aria-describedby'),
                 same_label: i.closest('label') === e.closest('label'),
                 linked: !!document.querySelector('#form-errors a[href=\"#sender_name\"]')};",
    );
    assert_eq!(
        next_to,
        json!({"invalid": "true", "described": "sender_name-error", "same_label": true, "linked": true}),
        "the message stands with its field"
    );
    assert!(
        d.source()
            .contains("Ban quản lý chợ thu tiền không có biên lai."),
        "what was typed is kept"
    );
    d.call("DELETE", "/cookie/liem_lang", None);

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
    // Operator mode: a call taken down, read back, confirmed, and a code given.
    d.go(&format!("{app}/operator"));
    d.type_in("#op-who", "Giám đốc Ban quản lý chợ");
    d.type_in(
        "#op-what",
        "Thu tiền chỗ ngồi của tiểu thương không có biên lai.",
    );
    d.type_in("#op-name", "Lý Thị Gọi Điện");
    d.click("#op-submit");
    d.wait_for("#form-errors", Duration::from_secs(10));
    assert!(
        d.source().contains("confirmed_by_reporter"),
        "the confirmation is required"
    );
    assert!(
        d.source().contains("Lý Thị Gọi Điện"),
        "what was typed is kept"
    );
    d.click("#op-confirmed");
    d.click("#op-submit");
    d.wait_for("#receipt-code", Duration::from_secs(10));
    assert_eq!(
        d.text("#receipt-code")
            .chars()
            .filter(char::is_ascii_digit)
            .count(),
        32
    );
    let shot = d.call("GET", "/screenshot", None);
    if let Some(png) = shot.as_str() {
        let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("register.png.b64");
        let _ = std::fs::write(target, png);
    }
}

#[test]
fn an_anonymous_reporter_in_arabic_follows_up_with_the_receipt_code() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    d.go(&format!("{app}/report?lang=ar"));
    assert_eq!(
        d.script("return document.documentElement.dir"),
        json!("rtl")
    );
    assert_eq!(
        d.script("return getComputedStyle(document.body).direction"),
        json!("rtl")
    );
    d.click("#choose-denunciation");
    // No province is chosen for the reporter: sent as it comes, the
    // browser keeps the form (the choice is required) and nothing is sent.
    assert_eq!(
        d.script("return document.querySelector('#unit').value"),
        json!("")
    );
    d.click("#report-submit");
    assert!(
        d.url().contains("/report/denunciation"),
        "the form stays: {}",
        d.url()
    );
    d.script("const u = document.querySelector('#unit'); u.value = 'HNI'; return u.value");
    d.type_in("#who", "مدير مشروع الطرق");
    d.type_in(
        "#what",
        "تلقى رشوة من المقاول مقابل ترسية العطاء رقم ٧ — ثاتش-تشونغ",
    );
    d.click("#anonymous");
    d.click("#report-submit");
    d.wait_for("#receipt-code", Duration::from_secs(30));
    let code = d.text("#receipt-code");
    assert_eq!(
        code.chars().filter(char::is_ascii_digit).count(),
        32,
        "{code}"
    );

    // The handling unit finds the report and writes to the reporter.
    let auth = format!("Bearer {}", setup.token);
    let found: Value = ureq::get(&format!("{app}/api/v1/letters?q=%D8%AB%D8%A7%D8%AA%D8%B4"))
        .set("Authorization", &auth)
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(found["total"], 1, "{found}");
    let id = found["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(found["items"][0]["sender_kind"], "anonymous");
    ureq::post(&format!("{app}/api/v1/letters/{id}/messages"))
        .set("Authorization", &auth)
        .send_json(json!({"body": "هل يمكنك ذكر تاريخ الدفع؟"}))
        .unwrap();

    // A later visit with the code reads the reply and answers it.
    d.go(&format!("{app}/follow?lang=ar"));
    d.type_in("#code", &code);
    d.click("#follow-submit");
    d.wait_for("#messages", Duration::from_secs(10));
    assert!(d.text("#messages").contains("هل يمكنك ذكر تاريخ الدفع؟"));
    assert!(d.text("#progress").contains("تم الاستلام"));
    d.type_in("#reply-body", "في مارس ٢٠٢٦");
    d.click("#reply-submit");
    d.wait_for("#reply-sent", Duration::from_secs(10));
    let msgs: Value = ureq::get(&format!("{app}/api/v1/letters/{id}/messages"))
        .set("Authorization", &auth)
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let bodies: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["هل يمكنك ذكر تاريخ الدفع؟", "في مارس ٢٠٢٦"]);
}

/// Adds a user through the command line, beside the running demo.
fn add_user(setup: &Setup, username: &str, role: &str, password: &str) {
    add_user_in(setup, "HNI", username, role, password);
}

fn add_user_in(setup: &Setup, unit: &str, username: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args([
            "user",
            "add",
            "--data-dir",
            setup._dir.path().join("data").to_str().unwrap(),
        ])
        .args([
            "--username",
            username,
            "--name",
            username,
            "--unit",
            unit,
            "--role",
            role,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success(), "liem user add {username}");
}

fn login(d: &Driver, app: &str, user: &str, password: &str) {
    d.call("DELETE", "/cookie", None);
    d.go(&format!("{app}/login"));
    d.type_in("#username", user);
    d.type_in("#password", password);
    d.click("#login-submit");
    // Password hashing takes a moment; wait for the redirect.
    let started = Instant::now();
    while !d.url().ends_with("/petitions") {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{user} could not log in: {}",
            d.url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_handler_sees_a_named_denouncer_only_after_a_custodian_approves() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let pw = "mật khẩu đủ dài 2026";
    add_user(&setup, "xuly.test", "handler", pw);
    add_user(&setup, "baomat.test", "custodian", pw);

    // The clerk registers a named denunciation.
    let (clerk, clerk_pw) = setup.clerk.clone();
    login(d, &app, &clerk, &clerk_pw);
    d.go(&format!("{app}/petitions/new"));
    d.click("input[name=kinds][value=denunciation]");
    d.type_in("#sender_name", "Hà Văn Kín");
    d.type_in("#summary", "Tố cáo cán bộ địa chính nhận tiền");
    d.type_in(
        "#content",
        "Cán bộ địa chính nhận tiền để ký xác nhận hồ sơ.",
    );
    d.click("#register-submit");
    // Registration hashes and seals: wait for the letter's own page.
    let started = Instant::now();
    while d.url().ends_with("/petitions/new") || d.url().ends_with("/petitions") {
        assert!(started.elapsed() < Duration::from_secs(15), "{}", d.url());
        std::thread::sleep(Duration::from_millis(100));
    }
    let letter_url = d.url();
    assert!(
        !d.source().contains("Hà Văn Kín"),
        "the denouncer is sealed from the moment of registration"
    );

    // The handler cannot see the name; asks a custodian.
    login(d, &app, "xuly.test", pw);
    d.go(&letter_url);
    assert!(!d.source().contains("Hà Văn Kín"));
    d.type_in(
        "#unseal-reason",
        "Cần liên hệ người tố cáo để bổ sung chứng cứ",
    );
    d.click("#unseal-submit");
    d.wait_for("#unseal-requests", Duration::from_secs(10));
    assert!(
        !d.source().contains("Hà Văn Kín"),
        "still sealed while the request is pending"
    );

    // The custodian approves with their password.
    login(d, &app, "baomat.test", pw);
    d.go(&format!("{app}/custody"));
    d.type_in(".custody-password", pw);
    d.click(".custody-approve");
    d.wait_for("#custody-empty", Duration::from_secs(10));

    // Now the handler sees it, giving their own password.
    login(d, &app, "xuly.test", pw);
    d.go(&letter_url);
    d.type_in("#identity-password", pw);
    d.click("#identity-submit");
    d.wait_for("#identity-shown", Duration::from_secs(10));
    assert!(d.text("#identity-shown").contains("Hà Văn Kín"));
}

#[test]
fn a_leader_places_a_case_under_monitoring_moves_it_with_a_transfer_and_sees_it_on_the_watch_list()
{
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let pw = "mật khẩu đủ dài 2026";
    add_user(&setup, "lanhdao.test", "leader", pw);
    login(d, &app, "lanhdao.test", pw);

    // Register an incident found by an inspection.
    d.go(&format!("{app}/cases/new"));
    d.type_in("#title", "Sai phạm đấu thầu thiết bị y tế Bệnh viện X");
    d.type_in(
        "#summary",
        "Kết luận thanh tra phát hiện dấu hiệu nâng giá thiết bị.",
    );
    d.script("document.getElementById('class').value = 'very_serious';");
    d.click("#cs-submit");
    d.wait_for("#case-ref", Duration::from_secs(10));
    let case_url = d.url();
    assert!(
        d.text("#case-ref").starts_with("HNI-SV-"),
        "{}",
        d.text("#case-ref")
    );

    // Place it under the Hà Nội committee's monitoring with a target.
    d.type_in("#mon-session", "Phiên họp thứ 21");
    d.script(
        "document.getElementById('mon-milestone').value = 'conclude_investigation';\
         document.getElementById('mon-due').value = '2027-03-31';",
    );
    d.click("#mon-submit");
    d.wait_for(".targets li", Duration::from_secs(10));

    // First stage: the inspectorate reports the crime and sends the file to the police.
    d.script(
        "document.getElementById('stage-action').value = 'report_crime';\
         document.getElementById('stage-send-to').value = 'HNI-CA';",
    );
    d.click("#stage-submit");
    d.wait_for("#case-transfers", Duration::from_secs(10));
    assert!(
        d.text("#case-holder").contains("HNI-CA"),
        "{}",
        d.text("#case-holder")
    );
    // The police acknowledge the file (the leader's scope holds the agency).
    d.click(".ack");
    d.wait_gone(".ack", Duration::from_secs(10));
    d.wait_for("#stage-form", Duration::from_secs(10));
    assert!(!d.source().contains("class=\"ack\""), "acknowledged");

    // Second stage: prosecution; the incident becomes a case.
    d.go(&case_url);
    d.script("document.getElementById('stage-action').value = 'prosecute';");
    d.click("#stage-submit");
    d.wait_for("#case-events li:nth-child(2)", Duration::from_secs(10));
    assert!(
        d.text("#case-ref").starts_with("HNI-VA-"),
        "{}",
        d.text("#case-ref")
    );
    // Headless Chromium asks for English.
    assert_eq!(d.text("#case-stage"), "Investigation");

    // The watch list shows it with its stage, holder and next target.
    d.go(&format!("{app}/watchlist?committee=HNI"));
    d.wait_for("#wl-table", Duration::from_secs(10));
    let table = d.text("#wl-table");
    let reference = table
        .lines()
        .find(|l| l.contains("Bệnh viện X"))
        .unwrap_or_else(|| panic!("not on the watch list: {table}"));
    assert!(reference.contains("HNI-VA-"), "{reference}");
    assert!(
        reference.contains("Finish the investigation — 31 Mar 2027"),
        "{reference}"
    );
    assert!(reference.contains("HNI-CA"), "{reference}");
}

#[test]
fn a_standing_body_member_records_a_session_gives_two_agencies_tasks_and_accepts_one_done() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let pw = "mật khẩu đủ dài 2026";
    add_user_in(&setup, "HNI", "thuongtruc.test", "leader", pw);
    add_user_in(&setup, "HNI-CA", "congan.test", "handler", pw);
    let today = jiff::Zoned::now()
        .with_time_zone(liem_domain::calendar::legal_zone())
        .date();
    let held = today.checked_sub(jiff::Span::new().days(30)).unwrap();
    let due = today.checked_add(jiff::Span::new().days(20)).unwrap();
    let figure = |name: &str| -> i64 {
        d.text(&format!("#db-committee [data-figure={name}]"))
            .trim()
            .parse()
            .unwrap()
    };
    let dashboard = format!("{app}/dashboard?unit=HNI&period={}", today.year());
    login(d, &app, "thuongtruc.test", pw);
    d.go(&dashboard);
    d.wait_for("#db-committee", Duration::from_secs(20));
    let (on_time, overdue) = (figure("done_on_time"), figure("overdue"));

    // The session, held a month ago.
    d.go(&format!("{app}/committee"));
    d.wait_for("#cm-record", Duration::from_secs(10));
    d.script(&format!(
        "document.getElementById('kind').value = 'session';\
         document.getElementById('held_on').value = '{held}';"
    ));
    d.type_in("#place", "Hội trường Thành ủy");
    d.type_in("#chair", "Bí thư Thành ủy, Trưởng Ban Chỉ đạo");
    d.type_in("#members_total", "11");
    d.type_in("#present", "Nguyễn Văn A\nTrần Thị B\nLê Văn C");
    d.type_in("#excused", "Phạm Văn D");
    d.click("#quorum");
    d.type_in("#agenda", "Tiến độ các vụ án thuộc diện theo dõi");
    d.click("#cm-record-submit");
    d.wait_for("#cm-adopt", Duration::from_secs(10));
    assert!(
        d.text("#cm-attendance").starts_with("3/11"),
        "{}",
        d.text("#cm-attendance")
    );

    // Its conclusion: two directions, a task for the police by a date and
    // one for the procuracy within five working days — long past.
    d.type_in("#number", "21-KL/BCĐ");
    d.script(&format!(
        "document.getElementById('issued_on').value = '{held}';\
         document.getElementById('owner_0_0').value = 'HNI-CA';\
         document.getElementById('due_0_0').value = '{due}';\
         document.getElementById('owner_1_0').value = 'HNI-VKS';"
    ));
    d.type_in(
        "#summary",
        "Kết luận về tiến độ xử lý các vụ án tham nhũng.",
    );
    d.type_in(
        "#text_0",
        "Công an thành phố khẩn trương kết thúc điều tra vụ án.",
    );
    d.type_in("#text_1", "Viện kiểm sát hoàn thành rà soát hồ sơ vụ việc.");
    d.type_in("#days_1_0", "5");
    d.click("#cm-adopt-submit");
    d.wait_for("#cm-tasks", Duration::from_secs(10));
    let standings = d.script(
        "return Array.from(document.querySelectorAll('#cm-tasks tbody tr')).map(r => r.dataset.standing);",
    );
    assert_eq!(
        standings,
        json!(["on_track", "overdue"]),
        "{}",
        d.text("#cm-tasks")
    );

    // The police report their task done, with the report attached.
    login(d, &app, "congan.test", pw);
    d.go(&format!("{app}/committee/tasks?mine=true"));
    d.wait_for("#cm-task-list", Duration::from_secs(10));
    // Their own unit's tasks only (the demo's among them), this one with them.
    let owners = d.script(
        "return Array.from(document.querySelectorAll('#cm-task-list tbody tr')).map(r => r.cells[2].textContent.trim());",
    );
    assert!(
        owners
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o.as_str().unwrap().contains("Công an")),
        "{owners}"
    );
    d.script(
        "Array.from(document.querySelectorAll('#cm-task-list tbody tr td a')).find(a => a.textContent.includes('21-KL/BCĐ')).click();",
    );
    d.wait_for("#cm-report", Duration::from_secs(10));
    let task_url = d.url();
    let report = setup._dir.path().join("bao-cao-ket-thuc-dieu-tra.pdf");
    std::fs::write(&report, b"%PDF-1.4\nBao cao ket thuc dieu tra\n%%EOF\n").unwrap();
    d.script("document.getElementById('action').value = 'report_done';");
    d.type_in(
        "#note",
        "Đã kết thúc điều tra, chuyển Viện kiểm sát đề nghị truy tố.",
    );
    d.type_in("#document", report.to_str().unwrap());
    d.click("#cm-report-submit");
    d.wait_for("#cm-step-done", Duration::from_secs(10));
    assert_eq!(
        d.script("return document.getElementById('cm-state').dataset.state;"),
        json!("reported")
    );
    assert!(d.source().contains("bao-cao-ket-thuc-dieu-tra.pdf"));

    // The standing body's member accepts it: done on time.
    login(d, &app, "thuongtruc.test", pw);
    d.go(&task_url);
    d.wait_for("#cm-decide", Duration::from_secs(10));
    d.script("document.getElementById('decide_action').value = 'accept';");
    d.click("#cm-decide-submit");
    d.wait_for("#cm-step-done", Duration::from_secs(10));
    assert_eq!(
        d.script("return document.getElementById('cm-standing').dataset.standing;"),
        json!("done_on_time")
    );

    // The dashboard: one more task done on time, one more overdue.
    d.go(&dashboard);
    d.wait_for("#db-committee", Duration::from_secs(20));
    assert_eq!(
        (figure("done_on_time"), figure("overdue")),
        (on_time + 1, overdue + 1),
        "{}",
        d.text("#db-committee-summary")
    );
}

#[test]
fn a_leader_reads_the_dashboards_svg_charts_and_follows_a_figure_to_its_letters() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let pw = "mật khẩu đủ dài 2026";
    add_user(&setup, "lanhdao.bd", "leader", pw);
    login(d, &app, "lanhdao.bd", pw);

    d.go(&format!("{app}/dashboard?period=2026"));
    d.wait_for("#db-figures", Duration::from_secs(20));
    // Every chart is an SVG drawn on the server, its axes described.
    let charts = d.script(
        "return Array.from(document.querySelectorAll('figure.chart')).map(f => ({
            id: f.id,
            svg: f.firstElementChild ? f.firstElementChild.tagName.toLowerCase() : '',
            texts: Array.from(f.querySelectorAll('svg text')).map(t => t.textContent.trim())}));",
    );
    let charts = charts.as_array().unwrap();
    let axes = [
        ("chart-letters", "Month", "Letters"),
        ("chart-resolved", "Month", "Matters"),
        ("chart-fields", "Field", "Letters"),
        ("chart-units", "Unit", "Letters"),
    ];
    assert_eq!(charts.len(), axes.len(), "{charts:?}");
    for (id, x, y) in axes {
        let c = charts
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no chart {id}: {charts:?}"));
        assert_eq!(c["svg"], "svg", "{id}");
        let texts: Vec<&str> = c["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(texts.contains(&x) && texts.contains(&y), "{id}: {texts:?}");
    }
    // Each chart has its figures as a table too (its text alternative).
    let tables = d.script(
        "return Array.from(document.querySelectorAll('figure.chart')).map(f => ({id: f.id,
            rows: f.querySelectorAll('details table tbody tr').length,
            cols: f.querySelectorAll('details table thead th').length,
            caption: (f.querySelector('details table caption') || {}).textContent}));",
    );
    for t in tables.as_array().unwrap() {
        assert!(t["rows"].as_i64().unwrap() > 0, "{t}");
        assert!(t["caption"].as_str().is_some_and(|c| !c.is_empty()), "{t}");
        if t["id"] == "chart-letters" {
            assert_eq!(t["cols"], 3, "month, this year, the year before: {t}");
            assert_eq!(t["rows"], 12, "{t}");
        }
    }
    // The trend compares the year with the one before, month by month.
    let letters = &charts.iter().find(|c| c["id"] == "chart-letters").unwrap()["texts"];
    let t: Vec<&str> = letters
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        t.contains(&"2026") && t.contains(&"2025") && t.contains(&"2026-03"),
        "{t:?}"
    );

    // Follow the letters received down to the letters themselves.
    // The figure is written with its thousands grouped.
    let figure: i64 = d
        .text("#fig-letters_received td a")
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    assert!(figure > 0, "the demo has letters in Hà Nội in 2026");
    d.click("#fig-letters_received td a");
    d.wait_for("#cell-records", Duration::from_secs(20));
    assert_eq!(d.text("#cell-title"), "Letters received");
    assert_eq!(d.text("#cell-counted"), format!("Counted: {figure}"));
    let rows = d.script(
        "return Array.from(document.querySelectorAll('#cell-records tbody tr')).map(r => r.cells[1].textContent.trim());",
    );
    let refs: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(refs.len() as i64, figure.min(500));
    assert!(refs.iter().all(|r| r.contains("-2026-")), "{refs:?}");
    // And from the list to a letter.
    d.click("#cell-records tbody tr td a");
    let started = Instant::now();
    while !d.url().contains("/petitions/") {
        assert!(started.elapsed() < Duration::from_secs(10), "{}", d.url());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.source().contains(refs[0]));
}

/// Waits until the browser has left `from` (a form's post, its redirect).
fn wait_away(d: &Driver, from: &str) {
    let started = Instant::now();
    while d.url() == from || d.url().ends_with("/petitions/new") {
        assert!(started.elapsed() < Duration::from_secs(15), "{}", d.url());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_leader_assigns_a_handler_from_the_letters_page_and_the_handler_finds_it_under_my_letters() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let pw = "mật khẩu đủ dài 2026";
    add_user(&setup, "lanhdao.giao", "leader", pw);
    add_user(&setup, "xuly.giao", "handler", pw);

    let (clerk, clerk_pw) = setup.clerk.clone();
    login(d, &app, &clerk, &clerk_pw);
    d.go(&format!("{app}/petitions/new"));
    d.click("input[name=kinds][value=complaint]");
    d.type_in("#sender_name", "Trần Thị Giao Việc");
    d.type_in("#summary", "Khiếu nại quyết định thu hồi đất ở thôn Đông");
    d.type_in(
        "#content",
        "Quyết định thu hồi đất không đúng diện tích thực tế.",
    );
    d.click("#register-submit");
    wait_away(d, &format!("{app}/petitions/new"));
    let letter_url = d.url();
    let reference = d
        .text("#letter-reference")
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert_eq!(
        d.script("return document.querySelector('form.assign') === null;"),
        json!(true),
        "a clerk is offered no assignment"
    );

    // Nothing is the new handler's yet.
    login(d, &app, "xuly.giao", pw);
    d.click("#nav-mine");
    d.wait_for("#total", Duration::from_secs(10));
    assert!(d.url().contains("mine=true"), "{}", d.url());
    assert_eq!(
        d.script("return document.getElementById('total').dataset.total;"),
        json!("0")
    );

    // The leader picks the handler by name on the letter's page.
    login(d, &app, "lanhdao.giao", pw);
    d.go(&letter_url);
    let picked = d.script(
        "const s = document.querySelector('form.assign select');
         for (const o of s.options) { if (o.text === 'xuly.giao') { o.selected = true; return o.value; } }
         return null;",
    );
    assert!(
        picked.is_string(),
        "the unit's handler is offered: {picked}"
    );
    d.click("form.assign button[type=submit]");
    d.wait_for(".notice", Duration::from_secs(10));
    assert_eq!(d.text(".matter .handler"), "xuly.giao");

    // The handler finds it under "my letters", and only it.
    login(d, &app, "xuly.giao", pw);
    d.click("#nav-mine");
    d.wait_for("#total", Duration::from_secs(10));
    assert_eq!(
        d.script("return document.getElementById('total').dataset.total;"),
        json!("1")
    );
    assert!(
        d.source().contains(&reference),
        "{reference} under my letters"
    );
    // Combined with a date range that excludes it, nothing.
    d.go(&format!("{app}/petitions?mine=true&to=2000-01-01"));
    assert_eq!(
        d.script("return document.getElementById('total').dataset.total;"),
        json!("0")
    );
    // The handler classifies it; the history names who acted.
    d.go(&format!("{letter_url}?lang=en"));
    d.click("details.action summary");
    d.click("details.action[open] button[type=submit]");
    d.wait_for("ol.history li", Duration::from_secs(10));
    let line = d.text("ol.history li");
    assert!(
        line.contains("by xuly.giao") || line.contains("bởi xuly.giao"),
        "{line}"
    );
}

#[test]
fn a_clerk_registers_a_repeated_letter_sees_the_earlier_one_and_joins_its_matter() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let (clerk, clerk_pw) = setup.clerk.clone();
    login(d, &app, &clerk, &clerk_pw);
    // Registers a letter that repeats nothing: its page at once.
    let register = |name: &str, summary: &str, content: &str| {
        d.go(&format!("{app}/petitions/new"));
        d.click("input[name=kinds][value=complaint]");
        d.type_in("#sender_name", name);
        d.type_in("#summary", summary);
        d.type_in("#content", content);
        d.click("#register-submit");
        wait_away(d, &format!("{app}/petitions/new"));
        let reference = d
            .text("#letter-reference")
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned();
        (d.url(), reference)
    };
    let (first_url, first) = register(
        "Hà Văn Lặp",
        "Khiếu nại việc thu tiền làm sổ đỏ ở xã Đông Anh",
        "Kính gửi Ủy ban nhân dân xã. Tôi xin trình bày sự việc như sau: cán bộ địa chính xã \
         Nguyễn Văn Thu đã nhận tiền của mười hai hộ dân thôn Bắc để làm giấy chứng nhận quyền \
         sử dụng đất, mỗi hộ năm triệu đồng, nhưng đến nay đã hơn một năm vẫn chưa cấp giấy và \
         không trả lại tiền. Xin chân thành cảm ơn.",
    );
    let first_matter = d
        .script("return document.querySelector('section.matter h2 .token').textContent;")
        .as_str()
        .unwrap()
        .to_owned();
    // The same matter sent again, retyped, with a line more; the formulas
    // differ. Before it is saved, the earlier letter is proposed.
    d.go(&format!("{app}/petitions/new"));
    d.click("input[name=kinds][value=complaint]");
    d.type_in("#sender_name", "Hà Văn Lặp");
    d.type_in("#summary", "Khiếu nại lần hai việc thu tiền làm sổ đỏ");
    d.type_in(
        "#content",
        "Kính gửi Chủ tịch UBND xã. Cán bộ địa chính xã Nguyễn Văn Thu đã nhận tiền của mười hai \
         hộ dân thôn Bắc để làm giấy chứng nhận quyền sử dụng đất, mỗi hộ năm triệu đồng, nhưng \
         đến nay đã hơn một năm vẫn chưa cấp giấy và không trả lại tiền. Tôi đã gửi đơn một lần.",
    );
    d.click("#register-submit");
    d.wait_for("#repeats", Duration::from_secs(10));
    let proposed = d.text("#repeats");
    assert!(proposed.contains(&first), "{first} proposed: {proposed}");
    assert!(
        d.source().contains("mười hai"),
        "what was typed is kept while the clerk decides"
    );
    // Joined in one step: the letter is registered into the earlier matter,
    // and no second matter is opened for it.
    d.click(&format!(
        "#repeats .join-submit[data-matter='{first_matter}']"
    ));
    wait_away(d, &format!("{app}/petitions"));
    d.wait_for("#letter-reference", Duration::from_secs(10));
    let second = d
        .text("#letter-reference")
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    let matters: Vec<String> = d
        .script("return [...document.querySelectorAll('section.matter h2 .token')].map(e => e.textContent);")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        matters,
        vec![first_matter.clone()],
        "the letter shows the earlier matter, and only it"
    );
    // The earlier letter's page proposes nothing (only earlier letters are,
    // and the later one is in its matter already).
    d.go(&first_url);
    assert_eq!(
        d.script("return document.getElementById('similar') === null;"),
        json!(true)
    );
    // A letter that repeats nothing is registered at once.
    let (_, third) = register(
        "Lò Thị Khác",
        "Phản ánh trường học thu thêm tiền ngoài quy định",
        "Trường tiểu học thôn Nam thu thêm tiền điều hòa, tiền vệ sinh và tiền học thêm \
         ngoài các khoản phí được phép, phụ huynh không được họp bàn trước.",
    );
    assert!(third.contains("HNI-"), "{third}");
    // A search finds both letters, the words highlighted.
    d.go(&format!("{app}/petitions?q=nguyen+van+thu+so+do"));
    let list = d.source();
    assert!(
        list.contains(&first) || list.contains(&second),
        "found by search"
    );
    assert!(
        d.script("return document.querySelectorAll('.snippet mark').length;")
            .as_i64()
            .unwrap()
            > 0,
        "the words are highlighted"
    );
}

#[test]
fn every_staff_page_fits_a_phone_and_a_desktop() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let (admin, admin_pw) = setup.admin.clone();
    login(d, &app, &admin, &admin_pw);
    let pages = main_pages(d, &app);
    let mut too_wide = Vec::new();
    for (w, h) in [(390, 844), (1366, 900)] {
        d.call(
            "POST",
            "/window/rect",
            Some(json!({"width": w, "height": h})),
        );
        for lang in ["vi", "en"] {
            for p in &pages {
                let sep = if p.contains('?') { '&' } else { '?' };
                d.go(&format!("{app}{p}{sep}lang={lang}"));
                let m = d.script(
                    "return {page: document.documentElement.scrollWidth, view: window.innerWidth};",
                );
                let (page, view) = (m["page"].as_i64().unwrap(), m["view"].as_i64().unwrap());
                assert!(view <= w, "the window is {view} px wide, asked for {w}");
                if page > view {
                    too_wide.push(format!("{p} ({lang}, {w} px): {page} > {view}"));
                }
                if w == 390 && lang == "vi" && p == "/petitions" {
                    let shot = d.call("GET", "/screenshot", None);
                    if let Some(png) = shot.as_str() {
                        let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                            .join("register-390.png.b64");
                        let _ = std::fs::write(target, png);
                    }
                }
            }
        }
    }
    assert!(
        too_wide.is_empty(),
        "pages wider than the window: {too_wide:#?}"
    );

    // Printed on A4 landscape as it comes (no shrinking by the browser),
    // the widest form keeps every column on the page.
    let Some(pdftotext) = find(&["/usr/bin/pdftotext"]) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and pdftotext is missing (Debian package poppler-utils)"
        );
        eprintln!("\n!!! SKIPPED the printed form's check: install poppler-utils !!!\n");
        return;
    };
    d.go(&format!("{app}/reports/02-XLD-KN?period=2026&lang=vi"));
    let last = d.script(
        "const h = document.querySelectorAll('#report-table thead tr');
         return {heading: h[0].lastElementChild.textContent.trim(), arith: h[1].lastElementChild.textContent.trim(),
                 columns: h[0].children.length};",
    );
    assert!(last["columns"].as_i64().unwrap() >= 23, "{last}");
    let pdf = d.call(
        "POST",
        "/print",
        Some(
            json!({"orientation": "landscape", "page": {"width": 29.7, "height": 21.0},
                    "shrinkToFit": false, "background": false}),
        ),
    );
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(pdf.as_str().unwrap())
        .unwrap();
    let file = setup._dir.path().join("02-XLD-KN.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(pdftotext)
        .args([file.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text: String = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let arith = last["arith"].as_str().unwrap();
    let number = arith.split_whitespace().next().unwrap();
    assert!(
        text.contains(number),
        "the last column's number {number} is printed: {text}"
    );
    for word in last["heading"].as_str().unwrap().split_whitespace() {
        assert!(
            text.contains(word),
            "the last column's heading ({}) is printed: {word} missing",
            last["heading"]
        );
    }
}

/// The code of an RFC 6238 authenticator for `secret` (base32) at step
/// `step`: what a person's phone shows, computed here apart from the
/// server's own code.
fn authenticator_code(secret_b32: &str, step: u64) -> String {
    use hmac::Mac;
    let mut bits = 0u32;
    let mut buffer = 0u32;
    let mut key = Vec::new();
    for c in secret_b32.chars().filter(|c| !c.is_whitespace()) {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .find(c.to_ascii_uppercase())
            .expect("a base32 letter") as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]) % 1_000_000;
    format!("{n:06}")
}

fn now_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
}

/// Posts the login form with a code, and says where the browser landed.
fn login_with_code(d: &Driver, app: &str, user: &str, password: &str, code: &str) -> String {
    d.call("DELETE", "/cookie", None);
    d.go(&format!("{app}/login"));
    d.type_in("#username", user);
    d.type_in("#password", password);
    if !code.is_empty() {
        d.type_in("#code", code);
    }
    d.click("#login-submit");
    let started = Instant::now();
    loop {
        let url = d.url();
        if url.ends_with("/petitions") {
            return url;
        }
        let found = d.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": ".error, .field-error"})),
        );
        if found.as_array().is_some_and(|a| !a.is_empty()) {
            return url;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{url}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_person_changes_their_password_turns_a_second_factor_on_and_logs_in_with_both() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let old = "mật khẩu cũ đủ dài 2026";
    let new = "mật khẩu mới còn dài hơn 2027";
    add_user(&setup, "canbo.matkhau", "handler", old);
    login(d, &app, "canbo.matkhau", old);
    d.click("#nav-account");
    d.wait_for("#password-section", Duration::from_secs(10));

    // A wrong current password is refused next to its field.
    d.type_in("#current_password", "không phải mật khẩu này");
    d.type_in("#new_password", new);
    d.type_in("#repeat_password", new);
    d.click("#password-submit");
    d.wait_for("#current_password-error", Duration::from_secs(15));

    d.type_in("#current_password", old);
    d.type_in("#new_password", new);
    d.type_in("#repeat_password", new);
    d.click("#password-submit");
    d.wait_for("#acc-notice", Duration::from_secs(15));

    // The old password no longer opens the account; the new one does.
    let landed = login_with_code(d, &app, "canbo.matkhau", old, "");
    assert!(landed.ends_with("/login"), "{landed}");
    assert!(d.source().contains("role=\"alert\""));
    login(d, &app, "canbo.matkhau", new);

    // A second factor: the key shown once, confirmed with a first code.
    d.go(&format!("{app}/account"));
    d.click("#factor-begin");
    d.wait_for("#factor-secret-text", Duration::from_secs(10));
    let secret = d.text("#factor-secret-text");
    assert!(secret.len() >= 32, "{secret}");
    let uri = d.script("return document.getElementById('factor-uri').getAttribute('href');");
    assert!(
        uri.as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/") && u.contains(&secret)),
        "{uri}"
    );
    d.type_in("#code", &authenticator_code(&secret, now_step()));
    d.click("#factor-confirm");
    d.wait_for("#factor-on", Duration::from_secs(10));

    // Now a login needs the code: without it, refused next to the field.
    let landed = login_with_code(d, &app, "canbo.matkhau", new, "");
    assert!(landed.ends_with("/login"), "{landed}");
    d.wait_for("#code-error", Duration::from_secs(5));
    // With the code the authenticator shows (the next step's: the one just
    // used to confirm is never accepted twice), the person is in.
    let landed = login_with_code(
        d,
        &app,
        "canbo.matkhau",
        new,
        &authenticator_code(&secret, now_step() + 1),
    );
    assert!(landed.ends_with("/petitions"), "{landed}");
    // The account lists the person's sessions, this one marked; another
    // one ends from here.
    d.go(&format!("{app}/account"));
    let rows = |d: &Driver| {
        d.script("return document.querySelectorAll('#sessions tbody tr').length;")
            .as_i64()
            .unwrap()
    };
    let before = rows(d);
    assert!(before >= 2, "the sessions of earlier logins: {before}");
    assert_eq!(
        d.script("return document.querySelectorAll('#sessions tbody strong').length;"),
        json!(1),
        "this session is marked, and has no button"
    );
    d.click(".session-end");
    d.wait_for("#acc-notice", Duration::from_secs(10));
    assert_eq!(rows(d), before - 1);
}

#[test]
fn axe_finds_nothing_serious_on_the_main_pages_in_two_languages() {
    let axe = match std::env::var("LIEM_AXE") {
        Ok(p) => std::fs::read_to_string(p).expect("LIEM_AXE names axe.min.js"),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_AXE is not: run scripts/test (it installs axe-core)")
        }
        Err(_) => {
            eprintln!("\n!!! SKIPPED the accessibility check: run scripts/test (axe-core) !!!\n");
            return;
        }
    };
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    d.call("POST", "/timeouts", Some(json!({"script": 60_000})));
    let (admin, admin_pw) = setup.admin.clone();
    login(d, &app, &admin, &admin_pw);
    let pages = main_pages(d, &app);
    let mut found = Vec::new();
    for lang in ["vi", "en"] {
        for p in &pages {
            let sep = if p.contains('?') { '&' } else { '?' };
            d.go(&format!("{app}{p}{sep}lang={lang}"));
            d.script(&format!("{axe}\n;return true;"));
            let v = d.script_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));",
                json!([]),
            );
            for violation in v.as_array().unwrap() {
                found.push(format!("{p} ({lang}): {violation}"));
            }
        }
    }
    assert!(found.is_empty(), "serious or critical: {found:#?}");
}

#[test]
fn every_main_page_reads_in_each_language_without_a_key_a_timestamp_or_an_english_citation() {
    let Some(setup) = setup() else { return };
    let (d, app) = (&setup.d, setup.app.clone());
    let ftl = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../liem-server/locales/en.ftl"),
    )
    .unwrap();
    let keys: Vec<&str> = ftl
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| k.contains('-') && !k.starts_with('#'))
        .collect();
    assert!(keys.len() > 500, "{}", keys.len());
    let (admin, admin_pw) = setup.admin.clone();
    login(d, &app, &admin, &admin_pw);
    let pages = main_pages(d, &app);
    let mut found = Vec::new();
    for lang in ["vi", "en", "fr", "ar"] {
        for p in &pages {
            let sep = if p.contains('?') { '&' } else { '?' };
            d.go(&format!("{app}{p}{sep}lang={lang}"));
            // What a reader reads: a machine string quoted as such (the
            // signed checkpoint in a <code>) is left out.
            let text = d
                .script(
                    "const b = document.body.cloneNode(true);
                     b.querySelectorAll('code').forEach(c => c.remove());
                     document.documentElement.appendChild(b);
                     const t = b.innerText; b.remove(); return t;",
                )
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let words: std::collections::HashSet<&str> = text
                .split(|c: char| {
                    c.is_whitespace() || matches!(c, ',' | ':' | '(' | ')' | '·' | ';')
                })
                .collect();
            for k in &keys {
                if words.contains(k) {
                    found.push(format!("{p} ({lang}): the key {k} untranslated"));
                }
            }
            let bytes = text.as_bytes();
            for i in 0..bytes.len().saturating_sub(11) {
                let w = &bytes[i..i + 11];
                if w[..4].iter().all(u8::is_ascii_digit)
                    && w[4] == b'-'
                    && w[7] == b'-'
                    && w[10] == b'T'
                {
                    found.push(format!(
                        "{p} ({lang}): a raw timestamp {}",
                        String::from_utf8_lossy(&bytes[i..(i + 20).min(bytes.len())])
                    ));
                    break;
                }
            }
            if lang == "vi" {
                for english in [
                    "Law on ",
                    "Criminal Procedure Code",
                    "Circular 0",
                    ", art. ",
                ] {
                    if text.contains(english) {
                        found.push(format!("{p} (vi): an English citation ({english})"));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// The main pages, public and staff, and a letter and a case of the demo,
/// as a signed-in administrator (who leads the central committee) sees
/// them: what the width, accessibility and language checks go through.
fn main_pages(d: &Driver, app: &str) -> Vec<String> {
    let first_link = |list: &str| {
        d.go(&format!("{app}{list}"));
        d.script("return document.querySelector('table.register tbody a').getAttribute('href');")
            .as_str()
            .map(str::to_owned)
    };
    let letter = first_link("/petitions");
    let case = first_link("/cases");
    let meeting = first_link("/committee");
    let task = first_link("/committee/tasks");
    let round = first_link("/screening");
    let inspection = first_link("/committee/inspections");
    let mut pages: Vec<String> = [
        "/petitions",
        "/petitions?mine=true",
        "/petitions/new",
        "/petitions/import",
        "/operator",
        "/reception",
        "/cases",
        "/watchlist",
        "/dashboard",
        "/reports",
        "/reports/02-XLD-KN?period=2026",
        "/reports/07-PCTN?period=2026",
        "/calendar",
        "/account",
        "/admin/users",
        "/admin/rules",
        "/admin/units",
        "/committee",
        "/committee/tasks",
        "/committee/inspections",
        "/screening",
        "/report",
        "/follow",
        "/nowhere",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    pages.extend(letter);
    pages.extend(case);
    pages.extend(meeting);
    pages.extend(task);
    pages.extend(round);
    pages.extend(inspection);
    pages
}
