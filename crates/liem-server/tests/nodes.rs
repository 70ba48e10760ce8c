//! Several nodes on one database, and what each tells its operator: a
//! letter registered on one node is counted and found on another within
//! two seconds, receipt-code guessing and logins spread over the nodes are
//! limited as if on one, a proof of work is spent once in the deployment,
//! and `/metrics` is Prometheus text for the central administrators only.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use liem_server::guard::{ProofOfWork, RatePolicy};
use liem_server::Settings;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tower::ServiceExt;

on_both!(metrics_are_prometheus_text_for_the_central_administrators_only);

/// The two-node test on both databases, each node with [`strict`] limits.
mod two_nodes {
    use liem_store::testing::TestDb;

    #[tokio::test]
    async fn sqlite() {
        let app = super::common::app_with(TestDb::sqlite().await, super::strict()).await;
        super::a_letter_registered_on_one_node_is_counted_and_found_on_the_other_within_two_seconds(
            app,
        )
        .await
    }

    #[tokio::test]
    async fn postgres() {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let store = db.store.clone();
        let app = super::common::app_with(db, super::strict()).await;
        super::a_letter_registered_on_one_node_is_counted_and_found_on_the_other_within_two_seconds(app)
            .await;
        super::common::the_trail_explains_every_record(&store).await;
    }
}

/// Both nodes' receipt-code limiter: 2 free failures, refused after 6.
fn strict() -> Settings {
    Settings {
        rate: RatePolicy {
            free_failures: 2,
            step: Duration::ZERO,
            max_delay: Duration::ZERO,
            block_after: 6,
            ..Default::default()
        },
        login_address_rate: RatePolicy {
            free_failures: 2,
            step: Duration::ZERO,
            max_delay: Duration::ZERO,
            block_after: 4,
            ..Default::default()
        },
        pow_bits: 4,
        ..Default::default()
    }
}

/// A request from `client` through `node`: status and body.
async fn send(node: &axum::Router, mut req: Request<Body>, client: &str) -> (StatusCode, String) {
    let addr: std::net::SocketAddr = format!("{client}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let resp = node.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn follow(code: &str) -> Request<Body> {
    Request::post("/follow")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("code={}", code.replace(' ', "+"))))
        .unwrap()
}

fn login(user: &str, password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": user, "password": password}).to_string(),
        ))
        .unwrap()
}

/// The key figures of Hà Nội this quarter through `node`: letters received.
async fn received(app: &common::App, node: &axum::Router) -> i64 {
    let (s, v) = app
        .call_via(
            node,
            "GET",
            "/api/v1/reports/00-KEY?period=2026-Q4&unit=HNI",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["total"][0].as_i64().unwrap()
}

/// The register searched for the letter's place through `node`.
async fn search(app: &common::App, node: &axum::Router) -> serde_json::Value {
    let (s, v) = app
        .call_via(
            node,
            "GET",
            "/api/v1/letters?q=Khuê+Trung",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn a_letter_registered_on_one_node_is_counted_and_found_on_the_other_within_two_seconds(
    app: common::App,
) {
    let b = app.second_node_with(strict());
    // Node B has served figures (its model is loaded) and a search.
    let before = received(&app, &b).await;
    let v = search(&app, &b).await;
    assert_eq!(v["total"], 0, "{v}");
    // Registered on node A …
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(json!({
                "kinds": ["denunciation"], "channel": "post", "field": "admin_land",
                "received_on": "2026-12-01",
                "sender": {"kind": "person", "name": "Đoàn Thị Hạnh", "address": "5 Lý Thường Kiệt"},
                "summary": "Tố cáo cán bộ địa chính phường Khuê Trung nhận tiền",
                "content": "Nội dung chi tiết của đơn tố cáo (the denouncer's name is sealed, not searched).",
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    // … counted and found on node B within two seconds.
    let started = Instant::now();
    loop {
        let counted = received(&app, &b).await == before + 1;
        let found = search(&app, &b).await;
        let listed = found["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|l| l["id"] == id.as_str()));
        if counted && listed {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "node B after {:?}: counted {counted}, listed {listed}: {found}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Receipt-code guessing spread over both nodes meets one limit: six
    // wrong codes in all (three on each) are checked, the rest refused.
    let guesser = "203.0.113.77";
    let mut statuses = Vec::new();
    for i in 0..10u32 {
        let node = if i % 2 == 0 { &app.router } else { &b };
        let wrong = format!("{:07} {:025}", 3_000_000 + i, i);
        statuses.push(send(node, follow(&wrong), guesser).await.0);
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (6, 4), "{statuses:?}");
    assert!(
        statuses[6..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Another client is not held back, on either node.
    let (s, _) = send(
        &b,
        follow("3000099 0000000000000000000000099"),
        "198.51.100.3",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // No address is kept: the counts hold digests only.
    let mut c = app.db.store.conn().await.unwrap();
    let clients: Vec<String> = liem_store::db::query("SELECT client FROM rate_counts")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.text("client").unwrap())
        .collect();
    drop(c);
    assert!(!clients.is_empty());
    assert!(
        clients
            .iter()
            .all(|k| k.len() == 32 && !k.contains("203.0.113")),
        "{clients:?}"
    );

    // Password spraying from one address over both nodes: one address
    // limit (four failures, then refused), whichever node answers.
    let sprayer = "203.0.113.88";
    let mut statuses = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { &b } else { &app.router };
        statuses.push(
            send(node, login(&format!("user{i}"), "Mùa Xuân 2026"), sprayer)
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
        ]
    );

    // A proof of work solved once is spent once in the whole deployment:
    // the same form posted again to the other node is refused.
    let page = Request::get("/report/denunciation")
        .body(Body::empty())
        .unwrap();
    let (_, html) = send(&app.router, page, "192.0.2.10").await;
    let challenge = common::between(&html, "name=\"pow_challenge\" value=\"", "\"")
        .expect("the form carries a challenge")
        .to_owned();
    let nonce = ProofOfWork::solve(&challenge, 4);
    let (ct, body) = common::multipart(
        &[
            ("pow_challenge", &challenge),
            ("pow_nonce", &nonce),
            ("kind", "denunciation"),
            ("unit", "HNI"),
            ("who", "Cán bộ địa chính xã"),
            ("what", "Cán bộ xã nhận tiền của dân để làm sổ đỏ."),
            ("anonymous", "true"),
        ],
        &[],
    );
    let post = |body: Vec<u8>| {
        Request::post("/report")
            .header(header::CONTENT_TYPE, &ct)
            .body(Body::from(body))
            .unwrap()
    };
    let (s, first) = send(&app.router, post(body.clone()), "192.0.2.10").await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert!(first.contains("id=\"receipt-code\""), "{first}");
    let letters = app.count("letters").await;
    let (s, again) = send(&b, post(body), "192.0.2.10").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert!(!again.contains("id=\"receipt-code\""), "{again}");
    assert_eq!(
        app.count("letters").await,
        letters,
        "nothing registered twice"
    );
}

/// A family's samples as the text format gives them.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

/// Parses Prometheus's text format strictly enough to refuse what a
/// scraper would: every sample belongs to a family declared by a TYPE line
/// before it, names and labels are well formed, values are numbers.
fn parse(text: &str) -> BTreeMap<String, Family> {
    let mut out: BTreeMap<String, Family> = BTreeMap::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(name_ok(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                out.insert(
                    name.to_owned(),
                    Family {
                        kind: kind.to_owned(),
                        ..Default::default()
                    }
                )
                .is_none(),
                "declared twice: {line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        assert!(!line.starts_with('#'), "{line}");
        let (series, value) = line.rsplit_once(' ').expect("a sample and its value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').expect("labels closed");
                let mut labels = BTreeMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (k, v) = rest.split_once("=\"").expect("label=\"value\"");
                    assert!(name_ok(k), "{line}");
                    let mut value = String::new();
                    let mut chars = v.char_indices();
                    let end = loop {
                        match chars.next().expect("label value closed") {
                            (_, '\\') => value.push(chars.next().unwrap().1),
                            (i, '"') => break i,
                            (_, c) => value.push(c),
                        }
                    };
                    labels.insert(k.to_owned(), value);
                    rest = v[end + 1..].trim_start_matches(',');
                }
                (n, labels)
            }
            None => (series, BTreeMap::new()),
        };
        assert!(name_ok(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| out.get(*f).is_some_and(|x| x.kind == "histogram"))
            })
            .unwrap_or(name);
        out.get_mut(family)
            .unwrap_or_else(|| panic!("a sample before its TYPE: {line}"))
            .samples
            .push((name.to_owned(), labels, value));
    }
    out
}

fn value(families: &BTreeMap<String, Family>, name: &str) -> f64 {
    families[name].samples[0].2
}

async fn metrics_are_prometheus_text_for_the_central_administrators_only(app: common::App) {
    // Some traffic: a registration, a list, a letter that does not exist,
    // figures (the model loads), a search (the index opens).
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/letters",
            Some("clerk.hni"),
            Some(common::complaint("Đo đạc")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let missing = "/api/v1/letters/00000000-0000-7000-8000-000000000000";
    for (who, method, uri) in [
        ("leader.hni", "GET", "/api/v1/letters"),
        ("leader.hni", "GET", missing),
        (
            "leader.hni",
            "GET",
            "/api/v1/reports/00-KEY?period=2026-Q4&unit=HNI",
        ),
        ("leader.hni", "GET", "/api/v1/letters?q=tham+nhung"),
    ] {
        app.call(method, uri, Some(who), None).await;
    }
    // The figures were counted by the database (no model yet); asking for
    // them started the model's load in the background.
    let asked = std::time::Instant::now();
    while !app.state.model.is_loaded() {
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(30),
            "the model loads after a figures request"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Only a central administrator reads them.
    for (who, status) in [
        ("admin.hni", StatusCode::FORBIDDEN),
        ("leader.tw", StatusCode::FORBIDDEN),
        ("auditor", StatusCode::FORBIDDEN),
    ] {
        let (s, _) = app.call("GET", "/metrics", Some(who), None).await;
        assert_eq!(s, status, "{who}");
    }
    let (s, _) = app.call("GET", "/metrics", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let req = Request::get("/metrics")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.tokens["admin"]),
        )
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let f = parse(&text);
    // Requests by route template and status; never a concrete path.
    let requests = &f["liem_http_requests_total"];
    assert_eq!(requests.kind, "counter");
    let count = |route: &str, method: &str, status: &str| {
        requests
            .samples
            .iter()
            .filter(|(_, l, _)| {
                l["route"] == route && l["method"] == method && l["status"] == status
            })
            .map(|s| s.2)
            .sum::<f64>()
    };
    assert_eq!(count("/api/v1/letters", "GET", "200"), 2.0, "{text}");
    assert_eq!(count("/api/v1/letters/{id}", "GET", "404"), 1.0, "{text}");
    assert_eq!(count("/api/v1/letters", "POST", "201"), 1.0, "{text}");
    assert!(
        !text.contains("00000000-0000-7000"),
        "a concrete path leaked"
    );
    // Each duration histogram is cumulative and ends at its count.
    let h = &f["liem_http_request_duration_seconds"];
    assert_eq!(h.kind, "histogram");
    let mut series: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut counts = BTreeMap::new();
    for (name, l, v) in &h.samples {
        let key = (l["method"].clone(), l["route"].clone());
        match name.as_str() {
            "liem_http_request_duration_seconds_bucket" => {
                let le = match l["le"].as_str() {
                    "+Inf" => f64::INFINITY,
                    x => x.parse().unwrap(),
                };
                series.entry(key).or_default().push((le, *v));
            }
            "liem_http_request_duration_seconds_count" => {
                counts.insert(key, *v);
            }
            _ => {}
        }
    }
    assert!(!series.is_empty());
    for (key, buckets) in &series {
        assert!(
            buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
            "{key:?}: {buckets:?}"
        );
        assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, counts[key]));
    }
    // The feed's head as the database has it; the model and the index
    // applied everything up to the figures and the search asked.
    let mut c = app.db.store.conn().await.unwrap();
    let head = liem_store::stats::data_version(&mut c).await.unwrap();
    drop(c);
    assert_eq!(value(&f, "liem_change_feed_head"), head as f64);
    assert_eq!(value(&f, "liem_model_loaded"), 1.0);
    assert!(value(&f, "liem_model_bytes") > 0.0);
    assert!(value(&f, "liem_model_position") > 0.0);
    assert!(value(&f, "liem_search_position") > 0.0);
    assert_eq!(value(&f, "liem_intake_letters_total"), 1.0);
    assert_eq!(value(&f, "liem_intake_queue_letters"), 0.0);
    assert!(value(&f, "liem_process_resident_memory_bytes") > 1e6);
    let kinds: BTreeSet<&str> = f.values().map(|x| x.kind.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["counter", "gauge", "histogram"]));
    // And Prometheus's own parser reads it.
    let python = match std::env::var("LIEM_PYTHON") {
        Ok(p) => p,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set and LIEM_PYTHON is not: run scripts/test")
        }
        _ => {
            eprintln!("!!! prometheus_client not available (run scripts/test): SKIPPED !!!");
            return;
        }
    };
    let script =
        "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\n\
                  fs = list(p(sys.stdin.read()))\nprint(len(fs), sum(len(f.samples) for f in fs))";
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let samples: usize = f.values().map(|x| x.samples.len()).sum();
    assert_eq!(said.trim(), format!("{} {samples}", f.len()), "{text}");
}
