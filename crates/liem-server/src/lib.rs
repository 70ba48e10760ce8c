//! Liêm's server: the services, the JSON API, the HTML pages, sessions and
//! authorisation. The command line builds an [`AppState`] and calls
//! [`router`] or the [`service`] functions directly.

pub mod api;
pub mod auth;
pub mod cases;
pub mod crypto;
pub mod custody;
pub mod error;
pub mod files;
pub mod guard;
pub mod i18n;
pub mod keys;
pub mod pages;
pub mod public;
pub mod reception;
pub mod reports;
pub mod service;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the server needs at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted attachment, in bytes.
    pub max_upload_bytes: usize,
    /// Session lifetime, in hours.
    pub session_hours: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Where attachments are stored.
    pub files_dir: PathBuf,
    /// Leading zero bits the public form's proof of work needs.
    pub pow_bits: u32,
    /// How failed receipt-code checks are slowed and refused.
    pub rate: guard::RatePolicy,
    /// How failed logins are slowed and refused.
    pub login_rate: guard::RatePolicy,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_upload_bytes: 20 * 1024 * 1024,
            session_hours: 12,
            secure_cookies: false,
            files_dir: PathBuf::from("liem-data/files"),
            pow_bits: 16,
            rate: guard::RatePolicy::default(),
            login_rate: guard::RatePolicy {
                window: std::time::Duration::from_secs(15 * 60),
                ..Default::default()
            },
            trust_forwarded_for: false,
        }
    }
}

/// What every request handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The database.
    pub store: liem_store::Store,
    /// Seals and unseals identities.
    pub sealer: crypto::Sealer,
    /// Translations.
    pub i18n: Arc<i18n::I18n>,
    /// Password hashing.
    pub passwords: crypto::PasswordPolicy,
    /// Attachments on disk.
    pub files: files::FileStore,
    /// Run-time settings.
    pub settings: Settings,
    /// Slows and refuses repeated wrong receipt codes.
    pub limiter: guard::RateLimiter,
    /// Slows and refuses repeated failed logins (per client and user name).
    pub login_limiter: guard::RateLimiter,
    /// The public form's proof of work.
    pub pow: guard::ProofOfWork,
    /// The in-memory statistics model, kept current from the change feed.
    pub model: liem_report::Model,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The id of the configuration key (for tests of the first-release seals).
    pub fn sealer_key_id(&self) -> String {
        let blob = self.sealer.seal(
            liem_domain::ids::LetterId::new(),
            &liem_domain::petition::Identity {
                name: String::new(),
                id_number: None,
                address: None,
                phone: None,
                email: None,
            },
        );
        blob.key_id
    }

    /// Builds the state.
    pub fn new(
        store: liem_store::Store,
        seal_key: &crypto::SecretKey,
        passwords: crypto::PasswordPolicy,
        settings: Settings,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store,
            sealer: crypto::Sealer::new(seal_key),
            i18n: Arc::new(i18n::I18n::load()),
            passwords,
            files: files::FileStore::new(
                settings.files_dir.clone(),
                seal_key.derive("liem files v1"),
            ),
            limiter: guard::RateLimiter::new(settings.rate),
            login_limiter: guard::RateLimiter::new(settings.login_rate),
            pow: guard::ProofOfWork::new(
                seal_key.derive("liem proof of work v1"),
                settings.pow_bits,
            ),
            settings,
            model: liem_report::Model::new(),
        }))
    }
}

/// The whole application: API, pages, health checks, security headers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.max_upload_bytes * 5 + 1024 * 1024;
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .merge(public::router())
        .merge(reception::router())
        .merge(cases::router())
        .merge(reports::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// One log line per request: method, route pattern (never the concrete path
/// or query, which may carry personal data), status and duration.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = std::time::Instant::now();
    let span = tracing::info_span!("request", %method, route = %route);
    let resp = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    tracing::info!(parent: &span, status = resp.status().as_u16(), micros = started.elapsed().as_micros() as u64, "handled");
    resp
}

/// Headers on every response: no framing, no sniffing, no referrer, and a
/// Content-Security-Policy that allows only our own resources.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    resp
}
