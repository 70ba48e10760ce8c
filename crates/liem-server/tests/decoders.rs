//! Every decoder of request bytes, fed arbitrary input through the real
//! router: multipart bodies, form bodies, JSON bodies, query strings, path
//! segments and the headers we read (language, cookies, authorisation, the
//! forwarded address). Whatever arrives, the answer is never a server error
//! — a panic would be caught and answered as one.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tower::ServiceExt;

/// Bytes that look a little like what each decoder expects, and a lot not.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "[ -~é%&=;,\\-\r\n\"]{0,200}".prop_map(String::into_bytes),
        (
            "[a-z_]{1,10}",
            proptest::collection::vec(any::<u8>(), 0..100)
        )
            .prop_map(|(name, bytes)| {
                let mut b = format!(
                    "--B\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"x\"\r\n\r\n"
                )
                .into_bytes();
                b.extend(bytes);
                b.extend(b"\r\n--B--\r\n");
                b
            }),
    ]
}

#[derive(Debug, Clone)]
enum Probe {
    Multipart(&'static str, Vec<u8>),
    Form(&'static str, Vec<u8>),
    Json(&'static str, Vec<u8>),
    Query(&'static str, Vec<u8>),
    Path(&'static str, Vec<u8>),
    Header(&'static str, Vec<u8>),
}

fn probes() -> impl Strategy<Value = Probe> {
    let multipart = prop_oneof![
        Just("/report"),
        Just("/follow/reply"),
        Just("/petitions"),
        Just("/api/v1/letters/01a23300-0000-7000-8000-000000000000/attachments"),
    ];
    let form = prop_oneof![
        Just("/login"),
        Just("/follow"),
        Just("/language"),
        Just("/reception"),
        Just("/matters/01a23300-0000-7000-8000-000000000000/actions"),
    ];
    let json = prop_oneof![
        Just("/api/v1/letters"),
        Just("/api/v1/session"),
        Just("/api/v1/cases"),
        Just("/api/v1/reception/sessions"),
        Just("/api/v1/operator/reports"),
    ];
    let query = prop_oneof![
        Just("/api/v1/letters"),
        Just("/api/v1/cases"),
        Just("/api/v1/reports/02-XLD-KN"),
        Just("/api/v1/case-figures"),
        Just("/report"),
        Just("/petitions"),
    ];
    let path = prop_oneof![
        Just("/api/v1/letters/"),
        Just("/api/v1/calendar/"),
        Just("/api/v1/letters/by-reference/"),
        Just("/report/"),
        Just("/reports/"),
    ];
    let headers = prop_oneof![
        Just("accept-language"),
        Just("cookie"),
        Just("authorization"),
        Just("x-forwarded-for"),
        Just("x-csrf-token"),
    ];
    prop_oneof![
        (multipart, noise()).prop_map(|(p, b)| Probe::Multipart(p, b)),
        (form, noise()).prop_map(|(p, b)| Probe::Form(p, b)),
        (json, noise()).prop_map(|(p, b)| Probe::Json(p, b)),
        (query, noise()).prop_map(|(p, b)| Probe::Query(p, b)),
        (path, noise()).prop_map(|(p, b)| Probe::Path(p, b)),
        (headers, noise()).prop_map(|(h, b)| Probe::Header(h, b)),
    ]
}

/// Percent-encodes bytes for a URL, so that any of them can travel.
fn escaped(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

async fn send(app: &common::App, probe: &Probe) -> Option<StatusCode> {
    let token = format!("Bearer {}", app.tokens["leader.hni"]);
    let req = match probe {
        Probe::Multipart(path, body) => Request::post(*path)
            .header(header::AUTHORIZATION, &token)
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=B")
            .body(Body::from(body.clone())),
        Probe::Form(path, body) => Request::post(*path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.clone())),
        Probe::Json(path, body) => Request::post(*path)
            .header(header::AUTHORIZATION, &token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone())),
        Probe::Query(path, q) => {
            // Raw bytes where the query allows them, escaped elsewhere.
            let raw: String = q
                .iter()
                .map(|&b| match b {
                    b'a'..=b'z' | b'0'..=b'9' | b'=' | b'&' | b'%' | b'+' => {
                        (b as char).to_string()
                    }
                    b => format!("%{b:02X}"),
                })
                .collect();
            Request::get(format!("{path}?{raw}"))
                .header(header::AUTHORIZATION, &token)
                .body(Body::empty())
        }
        Probe::Path(prefix, seg) => Request::get(format!("{prefix}{}", escaped(seg)))
            .header(header::AUTHORIZATION, &token)
            .body(Body::empty()),
        Probe::Header(name, value) => {
            let Ok(v) = axum::http::HeaderValue::from_bytes(value) else {
                return None;
            };
            Request::get("/api/v1/letters")
                .header(*name, v)
                .body(Body::empty())
        }
    };
    let resp = app.router.clone().oneshot(req.ok()?).await.unwrap();
    Some(resp.status())
}

#[test]
fn arbitrary_request_bytes_never_give_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(common::app());
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&probes(), |probe| {
            if let Some(status) = rt.block_on(send(&app, &probe)) {
                prop_assert!(!status.is_server_error(), "{status} for {probe:?}");
            }
            Ok(())
        })
        .unwrap();
}
