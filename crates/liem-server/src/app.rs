//! The whole application: every feature's routes merged, the probes, and
//! the layers every response passes (panic catching, security headers, the
//! request log).

use crate::state::AppState;
use crate::web::routes::{Route, Routes};
use crate::{
    account, admin, cases, committee, custody, hotspots, openapi, people, petitions, public,
    reception, reports, screening, web,
};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every feature's routes, the document and the probes.
fn routes() -> Routes {
    Routes::new()
        .at("/api/v1/openapi.json", &["GET"], get(openapi::openapi_json))
        .at("/static/app.css", &["GET"], get(web::assets::css))
        .at("/static/pow.js", &["GET"], get(web::assets::pow_js))
        .merge(account::router())
        .merge(admin::router())
        .merge(petitions::router())
        .merge(custody::router())
        .merge(public::router())
        .merge(reception::router())
        .merge(committee::router())
        .merge(screening::router())
        .merge(cases::router())
        .merge(people::router())
        .merge(reports::router())
        .merge(hotspots::router())
        .at("/healthz", &["GET"], get(|| async { "ok" }))
        .at("/readyz", &["GET"], get(readyz))
        .at("/metrics", &["GET"], get(crate::metrics::scrape))
}

/// Every route the application serves, with its methods.
pub fn route_list() -> Vec<Route> {
    routes().into_parts().1
}

/// The whole application: API, pages, health checks, security headers.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.max_upload_bytes * 5 + 1024 * 1024;
    let (router, _) = routes().into_parts();
    let router = router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(panic_response));
    let router = SECURITY_HEADERS.iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ))
    });
    // Nothing personal is kept by a browser or a proxy: every answer is
    // `no-store` unless it says otherwise (the static assets do).
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    // Served over HTTPS (the cookies are then `Secure`): browsers are told
    // to use nothing else.
    let router = if state.settings.secure_cookies {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router
        .layer(axum::middleware::from_fn(crate::web::error::api_problems))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
}

/// A path that names nothing: a page in the reader's language (an API
/// path gets its problem document from `api_problems`).
async fn not_found(uri: axum::http::Uri, page: crate::web::page::Page) -> Response {
    if uri.path().starts_with("/api/") {
        return (StatusCode::NOT_FOUND, "no such operation").into_response();
    }
    page.error(crate::web::error::AppError::NotFound)
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

/// Headers on every response unless a handler set its own: no framing, no
/// sniffing, no referrer, and a Content-Security-Policy that allows only our
/// own resources.
const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// A handler that panicked answers an opaque 500 problem document; the
/// panic goes to the log (it names no request data).
fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(panic = what, "a request handler panicked");
    web::error::AppError::Internal("handler panicked".into()).into_response()
}
