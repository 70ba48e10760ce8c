//! The reception page: record a session, see the 01/TCD figures.

use super::service;
use crate::clock::today;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::PostedForm;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use jiff::civil::Date;
use liem_domain::reception::SessionInput;
use liem_domain::reception::VisitOutcome;
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "reception.html")]
pub(super) struct ReceptionTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    from: String,
    to: String,
    today: String,
    rows: Vec<(&'static str, liem_domain::reception::ReceptionRow)>,
    missed: Vec<(String, String)>,
    notice: Option<String>,
    errors: Vec<liem_domain::FieldError>,
    session_kinds: Vec<String>,
    hosts: Vec<String>,
    outcomes: Vec<String>,
    kinds: Vec<String>,
    visit_slots: Vec<usize>,
}

/// The period of the page: `from`/`to`, default the current month so far.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    from: Option<String>,
    to: Option<String>,
}

pub(super) async fn render_page(
    state: &AppState,
    page: &crate::web::page::Page,
    q: &PageQuery,
    notice: Option<String>,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    use askama::Template;
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let today = today();
    let from = q
        .from
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| today.first_of_month());
    let to =
        q.to.as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .unwrap_or(today);
    let f = service::period_figures(state, who, None, from, to).await?;
    let missed = service::compliance(state, who, None, from, to)
        .await?
        .missed
        .into_iter()
        .map(|g| (g.from.to_string(), g.to.to_string()))
        .collect();
    let codes = |all: &[&'static str]| all.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let t = ReceptionTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        from: from.to_string(),
        to: to.to_string(),
        today: today.to_string(),
        rows: vec![
            ("rc-regular", f.regular),
            ("rc-head", f.head_in_person),
            ("rc-delegated", f.delegated),
            ("rc-total", f.total),
        ],
        missed,
        notice,
        errors,
        session_kinds: codes(
            &liem_domain::reception::SessionKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        hosts: codes(
            &liem_domain::reception::HostMode::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        outcomes: codes(
            &VisitOutcome::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        kinds: codes(
            &liem_domain::petition::PetitionKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        visit_slots: (0..4).collect(),
    };
    let html = t.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(axum::response::Html(html).into_response())
}

pub(super) async fn page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
    Query(q): Query<PageQuery>,
) -> Response {
    if page.principal().is_none() {
        return axum::response::Redirect::to("/login").into_response();
    }
    match render_page(&state, &page, &q, None, Vec::new()).await {
        Ok(r) => r,
        Err(e) => page.error(e),
    }
}

pub(super) async fn record_form(
    State(state): State<AppState>,
    PostedForm {
        page,
        who,
        form: pairs,
    }: PostedForm<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let mut visits = Vec::new();
    for i in 0..4 {
        let people: u32 = get(&format!("people_{i}"))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
        if people == 0 {
            continue;
        }
        visits.push(liem_domain::reception::VisitInput {
            people: Some(people),
            representatives: get(&format!("representatives_{i}"))
                .and_then(|p| p.trim().parse().ok()),
            first_matters: all(&format!("first_{i}")),
            repeat_matters: all(&format!("repeat_{i}")),
            outcome: get(&format!("outcome_{i}")),
            note: None,
        });
    }
    let input = SessionInput {
        held_on: get("held_on"),
        kind: get("kind"),
        host: get("host"),
        host_name: get("host_name"),
        visits,
        online: (get("online").as_deref() == Some("true")).then(|| {
            liem_domain::reception::OnlineInput {
                platform: get("platform"),
                // Not a number: out of range, so the error names the field.
                connection_points: get("connection_points").map(|v| v.trim().parse().unwrap_or(0)),
                recording: get("recording"),
                identity_check: get("identity_check"),
            }
        }),
    };
    let q = PageQuery {
        from: None,
        to: None,
    };
    let result = match service::record_session(&state, &who, &input).await {
        Ok(_) => {
            render_page(
                &state,
                &page,
                &q,
                Some(page.tr().t("rc-recorded")),
                Vec::new(),
            )
            .await
        }
        Err(AppError::Validation(e)) => render_page(&state, &page, &q, None, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| page.error(e))
}
