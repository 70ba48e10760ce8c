//! What a node reports to Prometheus at `GET /metrics`: requests by route
//! and status with their durations, requests in flight, the intake queue
//! and its groups, the change feed's head, how far this node's statistics
//! model and search index lag behind it, the model's load and refresh
//! times, and the process's memory. Central administrators only (a scraper
//! uses an API token of such an account); no figure names a person, a
//! letter or a unit.

use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use liem_domain::role::{Right, Scope};
use liem_domain::unit::is_root_path;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::traffic::BUCKETS;

/// Counts and times every request under the route it matched (its
/// template, never its concrete path: `/api/v1/letters/{id}`), and logs
/// one line for it: method, route template (never the path or query, which
/// may carry personal data), status and duration.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let span = tracing::info_span!("request", %method, route = %route);
    let resp = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let status = resp.status().as_u16();
    m.record(method.as_str(), &route, status, elapsed.as_secs_f64());
    tracing::info!(parent: &span, status, micros = elapsed.as_micros() as u64, "handled");
    resp
}

/// `GET /metrics`: the node's figures in Prometheus's text format
/// (version 0.0.4), for an administrator of the central level.
pub async fn scrape(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    let g = who.grant(Right::Administer)?;
    if !matches!(g.scope(), Scope::Subtree(p) if is_root_path(p)) {
        return Err(AppError::Forbidden(
            "a node's figures are read by the central level's administrators".into(),
        ));
    }
    let head = {
        let mut c = state.store.conn().await?;
        liem_store::stats::data_version(&mut c).await?
    };
    let mut resp = render(&state, head).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(resp)
}

/// Escapes a label value as the text format asks (backslash, quote,
/// newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One metric family's header.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample without labels.
fn sample(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// The resident memory of this process, in bytes (Linux), if known.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn render(state: &AppState, head: i64) -> String {
    let m = &state.metrics;
    let mut out = String::with_capacity(16 * 1024);
    family(
        &mut out,
        "liem_build_info",
        "gauge",
        "The version this node runs.",
    );
    let _ = writeln!(
        out,
        "liem_build_info{{version=\"{}\"}} 1",
        label(env!("CARGO_PKG_VERSION"))
    );
    sample(
        &mut out,
        "liem_process_start_time_seconds",
        "gauge",
        "When this node started, in seconds since the Unix epoch.",
        m.started_unix,
    );
    sample(
        &mut out,
        "liem_process_uptime_seconds",
        "gauge",
        "Seconds since this node started.",
        m.started.elapsed().as_secs_f64(),
    );
    if let Some(rss) = resident_bytes() {
        sample(
            &mut out,
            "liem_process_resident_memory_bytes",
            "gauge",
            "Resident memory of this node's process.",
            rss,
        );
    }
    sample(
        &mut out,
        "liem_http_requests_in_flight",
        "gauge",
        "Requests being served now (this scrape included).",
        m.in_flight.load(Ordering::Relaxed),
    );
    {
        let r = m.requests.lock().unwrap_or_else(|e| e.into_inner());
        family(
            &mut out,
            "liem_http_requests_total",
            "counter",
            "Requests served, by method, route template and status.",
        );
        for ((method, route, status), n) in &r.counts {
            let _ = writeln!(
                out,
                "liem_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(method),
                label(route)
            );
        }
        family(
            &mut out,
            "liem_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by method and route template.",
        );
        for ((method, route), h) in &r.durations {
            let (method, route) = (label(method), label(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "liem_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "liem_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "liem_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "liem_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\"}} {}",
                h.count
            );
        }
    }
    let (letters, groups) = state.intake.done();
    sample(
        &mut out,
        "liem_intake_queue_letters",
        "gauge",
        "Letters waiting for their intake transaction (group commit).",
        state.intake.waiting(),
    );
    sample(
        &mut out,
        "liem_intake_letters_total",
        "counter",
        "Letters registered through the intake groups since start.",
        letters,
    );
    sample(
        &mut out,
        "liem_intake_groups_total",
        "counter",
        "Intake transactions (groups of letters) since start.",
        groups,
    );
    sample(
        &mut out,
        "liem_change_feed_head",
        "gauge",
        "The change feed's last position in the database.",
        head,
    );
    let model = state.model.stats();
    sample(
        &mut out,
        "liem_model_loaded",
        "gauge",
        "1 once the statistics model is loaded on this node.",
        u8::from(model.loaded),
    );
    sample(
        &mut out,
        "liem_model_position",
        "gauge",
        "The change-feed position this node's statistics model reflects.",
        model.position,
    );
    sample(
        &mut out,
        "liem_model_lag",
        "gauge",
        "Changes in the feed the model has not applied yet (until its next refresh).",
        if model.loaded {
            (head - model.position).max(0)
        } else {
            head
        },
    );
    sample(
        &mut out,
        "liem_model_bytes",
        "gauge",
        "Bytes the statistics model holds in memory.",
        model.bytes,
    );
    sample(
        &mut out,
        "liem_model_load_seconds",
        "gauge",
        "How long the model's load took.",
        model.load_micros as f64 / 1e6,
    );
    sample(
        &mut out,
        "liem_model_refreshes_total",
        "counter",
        "Refreshes of the model that applied changes from the feed.",
        model.refreshes,
    );
    sample(
        &mut out,
        "liem_model_refresh_seconds_total",
        "counter",
        "Time spent in those refreshes.",
        model.refresh_micros as f64 / 1e6,
    );
    if let Some(index) = state.search.get() {
        let pos = index.position();
        sample(
            &mut out,
            "liem_search_position",
            "gauge",
            "The change-feed position this node's search index has committed.",
            pos,
        );
        sample(
            &mut out,
            "liem_search_lag",
            "gauge",
            "Changes in the feed the search index has not committed yet.",
            (head - pos).max(0),
        );
        sample(
            &mut out,
            "liem_search_documents",
            "gauge",
            "Documents in this node's search index.",
            index.len(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
