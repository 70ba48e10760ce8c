//! The test application shared by the API and public-channel tests: a real
//! router over a real SQLite file (or PostgreSQL schema), with users of
//! several roles in two provinces and the central committee.
#![allow(dead_code)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::civil::date;
use liem_domain::ids::UnitId;
use liem_domain::role::{Role, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_server::crypto::{random_token, token_hash, PasswordPolicy, SecretKey};
use liem_server::{AppState, Settings};
use liem_store::audit::Actor;
use liem_store::db::query;
use liem_store::testing::TestDb;
use liem_store::{units, users};
use serde_json::{json, Value};
use std::net::SocketAddr;
use tower::ServiceExt;

/// Runs each test on SQLite and on PostgreSQL.
#[allow(unused_macros)]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::common::app().await).await
            })+
        }
        mod postgres {
            // After each test, the trail explains every register record the
            // test's requests left (`liem audit verify --deep`).
            $(#[tokio::test]
            async fn $name() {
                let Some(db) = liem_store::testing::TestDb::postgres().await else { return };
                let store = db.store.clone();
                super::$name(super::common::app_on(db).await).await;
                super::common::the_trail_explains_every_record(&store).await;
            })+
        }
    };
}

/// The chain verifies and every register record is in the state its last
/// audit record attests.
pub async fn the_trail_explains_every_record(store: &liem_store::Store) {
    let mut c = store.conn().await.unwrap();
    let v = liem_store::audit::verify(&mut c, store.chain(), &[], true)
        .await
        .unwrap();
    assert!(v.first_break.is_none(), "{:?}", v.first_break);
    let mut last_actions = Vec::new();
    for f in v.findings.iter().take(10) {
        let trail = liem_store::audit::for_entity(&mut c, &f.entity, &f.id)
            .await
            .unwrap();
        last_actions.push(format!(
            "{} {} {}: {:?}",
            f.finding,
            f.entity,
            f.id,
            trail.iter().map(|r| r.action.as_str()).collect::<Vec<_>>()
        ));
    }
    assert!(
        v.findings.is_empty(),
        "records the trail does not explain: {last_actions:#?}"
    );
}

pub struct App {
    pub router: Router,
    pub db: TestDb,
    pub files: tempfile::TempDir,
    /// Tokens by user name.
    pub tokens: std::collections::HashMap<&'static str, String>,
    pub state: AppState,
    /// The units' recovery keys, by code.
    pub recovery: Vec<(String, liem_server::keys::PrivateKey)>,
    /// The instance key every node of the deployment shares.
    pub key: SecretKey,
    /// A second node's own data (its search index).
    pub second: tempfile::TempDir,
}

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

pub const POLICY: PasswordPolicy = PasswordPolicy {
    memory_kib: 1024,
    iterations: 1,
};

pub async fn app() -> App {
    app_on(TestDb::sqlite().await).await
}

pub async fn app_on(db: TestDb) -> App {
    app_with(db, Settings::default()).await
}

pub async fn app_with(db: TestDb, settings: Settings) -> App {
    let store = db.store.clone();
    let sys = Actor::system("test");
    let mut tx = store.begin().await.unwrap();
    let mk = |code: &str, kind, parent: Option<UnitId>| units::NewUnit {
        code: UnitCode::parse(code).unwrap(),
        name: format!("Unit {code}"),
        kind,
        parent,
        valid_from: date(2025, 7, 1),
    };
    let tw = units::create(&mut tx, &sys, &mk("TW", UnitKind::CentralCommittee, None))
        .await
        .unwrap();
    let hni = units::create(&mut tx, &sys, &mk("HNI", UnitKind::Province, Some(tw.id)))
        .await
        .unwrap();
    let hcm = units::create(&mut tx, &sys, &mk("HCM", UnitKind::Province, Some(tw.id)))
        .await
        .unwrap();
    // Agencies beside the Hà Nội committee, for case transfers.
    let ca = units::create(
        &mut tx,
        &sys,
        &mk("CA-HNI", UnitKind::PoliceInvestigation, Some(hni.id)),
    )
    .await
    .unwrap();
    units::create(
        &mut tx,
        &sys,
        &mk("VKS-HNI", UnitKind::Procuracy, Some(hni.id)),
    )
    .await
    .unwrap();
    let mut recovery = Vec::new();
    for u in [&tw, &hni, &hcm] {
        recovery.push((
            u.code.clone(),
            liem_server::sealing::provision_recovery_key(&mut tx, &sys, u.id)
                .await
                .unwrap(),
        ));
    }
    let mut tokens = std::collections::HashMap::new();
    for (name, unit, roles) in [
        ("clerk.hni", hni.id, vec![Role::IntakeClerk]),
        ("handler.hni", hni.id, vec![Role::Handler]),
        ("leader.hni", hni.id, vec![Role::Leader, Role::Handler]),
        ("clerk.hcm", hcm.id, vec![Role::IntakeClerk]),
        ("leader.tw", tw.id, vec![Role::Leader]),
        ("auditor", tw.id, vec![Role::Auditor]),
        ("custodian.hni", hni.id, vec![Role::Custodian]),
        ("admin", tw.id, vec![Role::Administrator]),
        ("handler.ca", ca.id, vec![Role::Handler]),
        ("admin.hni", hni.id, vec![Role::Administrator]),
        ("analyst.hni", hni.id, vec![Role::Analyst]),
        ("auditor.hni", hni.id, vec![Role::Auditor]),
        ("handler.hcm", hcm.id, vec![Role::Handler]),
        ("leader.hcm", hcm.id, vec![Role::Leader, Role::Handler]),
    ] {
        tokens.insert(name, add_user(&mut tx, name, unit, roles).await);
    }
    tx.commit().await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let settings = Settings {
        files_dir: files.path().to_owned(),
        max_upload_bytes: 1024 * 1024,
        ..settings
    };
    let key = SecretKey::generate();
    let state = AppState::new(store, &key, POLICY, settings);
    App {
        router: liem_server::router(state.clone()),
        db,
        files,
        tokens,
        state,
        recovery,
        key,
        second: tempfile::tempdir().unwrap(),
    }
}

impl App {
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_via(&self.router, method, uri, who, body).await
    }

    /// A second server node on the same database (its own memory: caches,
    /// groups, model, search index), as a second process behind the load
    /// balancer with the deployment's instance key and files.
    pub fn second_node(&self) -> axum::Router {
        self.second_node_with(Settings::default())
    }

    /// The same, with these settings (the files and the search index are
    /// the node's own).
    pub fn second_node_with(&self, settings: Settings) -> axum::Router {
        let settings = Settings {
            files_dir: self.files.path().to_owned(),
            search_dir: Some(self.second.path().join("search")),
            max_upload_bytes: 1024 * 1024,
            ..settings
        };
        liem_server::router(AppState::new(
            self.db.store.clone(),
            &self.key,
            POLICY,
            settings,
        ))
    }

    /// A node with a store of its own on the same database, as another
    /// process would have: its own known chain head and reference
    /// counters, its own intake queue.
    pub async fn node_with_its_own_store(&self) -> (axum::Router, liem_store::Store) {
        let store = liem_store::Store::open(&self.db.location, liem_store::testing::test_keys())
            .await
            .unwrap();
        let settings = Settings {
            files_dir: self.files.path().to_owned(),
            search_dir: Some(self.second.path().join("search-own-store")),
            max_upload_bytes: 1024 * 1024,
            ..Default::default()
        };
        let router = liem_server::router(AppState::new(store.clone(), &self.key, POLICY, settings));
        (router, store)
    }

    /// A request through the given node, with this app's users.
    pub async fn call_via(
        &self,
        router: &axum::Router,
        method: &str,
        uri: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(w) = who {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[w]));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, v)
    }

    pub async fn count(&self, table: &str) -> i64 {
        let mut c = self.db.store.conn().await.unwrap();
        query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&mut c)
            .await
            .unwrap()
            .i64("n")
            .unwrap()
    }

    /// Opens a letter's sealed identity with a unit's recovery key.
    pub async fn recover(
        &self,
        unit: &str,
        letter: liem_domain::ids::LetterId,
    ) -> Result<liem_domain::petition::Identity, liem_server::web::error::AppError> {
        let (_, key) = self
            .recovery
            .iter()
            .find(|(c, _)| c == unit)
            .expect("a unit of the test world");
        liem_server::custody::service::recover_identity(
            &self.state,
            &Actor::system("test"),
            letter,
            key,
            "test",
        )
        .await
    }

    /// Sends a request from a client address; returns status and body text.
    pub async fn raw(&self, req: Request<Body>, client: &str) -> (StatusCode, String) {
        let mut req = req;
        let addr: SocketAddr = format!("{client}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// A multipart/form-data body from text fields and files.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "liemtestboundary7d2f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The text between `start` and the next `end` in `html`.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)? + i;
    Some(&html[i..j])
}

/// Adds a unit (with a recovery key) and a user there (with a key pair and
/// a token).
pub async fn staff(
    app: &mut App,
    code: &str,
    kind: UnitKind,
    parent: &str,
    valid_from: jiff::civil::Date,
    user: &'static str,
    roles: Vec<Role>,
) {
    let store = app.db.store.clone();
    let sys = Actor::system("test");
    let mut c = store.conn().await.unwrap();
    let parent = units::by_code(&mut c, parent).await.unwrap();
    drop(c);
    let mut tx = store.begin().await.unwrap();
    let u = units::create(
        &mut tx,
        &sys,
        &units::NewUnit {
            code: liem_domain::unit::UnitCode::parse(code).unwrap(),
            name: format!("Unit {code}"),
            kind,
            parent: Some(parent.id),
            valid_from,
        },
    )
    .await
    .unwrap();
    liem_server::sealing::provision_recovery_key(&mut tx, &sys, u.id)
        .await
        .unwrap();
    let t = add_user(&mut tx, user, u.id, roles).await;
    tx.commit().await.unwrap();
    app.tokens.insert(user, t);
}

/// A user of `unit` with the test password, a key pair and an API token
/// (returned).
async fn add_user(tx: &mut liem_store::Tx, name: &str, unit: UnitId, roles: Vec<Role>) -> String {
    let sys = Actor::system("test");
    let id = users::create(
        tx,
        &sys,
        &users::NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.into(),
            unit_id: unit,
            password_hash: POLICY.hash(PASSWORD),
            roles,
            locale: None,
        },
    )
    .await
    .unwrap();
    liem_server::sealing::provision_user_key(tx, &sys, id, PASSWORD, POLICY)
        .await
        .unwrap();
    let t = random_token();
    users::create_token(
        tx,
        &sys,
        id,
        "test",
        &token_hash(&t),
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
    )
    .await
    .unwrap();
    t
}

/// A plain complaint letter, as a clerk registers it.
pub fn complaint(subject: &str) -> Value {
    serde_json::json!({
        "kinds": ["complaint"],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Hà Nội",
        "sender": {"kind": "person", "name": "Nguyễn Văn Dân", "address": "12 Phố Huế"},
        "subject": subject,
        "summary": "Khiếu nại việc thu hồi đất",
        "content": "Nội dung."
    })
}

/// A session for a page probe: the cookie and its CSRF token.
/// A page as `user` sees it in a browser session: its status and HTML.
#[allow(dead_code)]
pub async fn page(app: &App, user: &str, uri: &str) -> (StatusCode, String) {
    let (cookie, _) = session(app, user).await;
    let req = Request::get(uri)
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

pub async fn session(app: &App, user: &str) -> (String, String) {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": user, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "login {user}");
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_owned())
}
