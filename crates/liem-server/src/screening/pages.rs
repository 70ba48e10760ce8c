//! The screening pages: the rounds and a form to open one; a round with
//! each candidate's findings, draft answer and the answer given — printable
//! as the reply to the personnel body.

use super::present;
use super::service::{self, AnswerInput, CandidateView, NewRoundInput, RoundView};
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::page::{render, Page};
use crate::web::write::{PostedForm, PostedMultipart};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use liem_domain::screening::{CandidateInput, RoundInput, RoundKind};
use liem_domain::FieldError;
use liem_store::screening::RoundBrief;
use liem_store::users::UserRecord;

type Pairs = Vec<(String, String)>;

fn get(p: &Pairs, k: &str) -> Option<String> {
    p.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.trim().is_empty())
}

#[derive(Template)]
#[template(path = "screening.html")]
struct IndexTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    rounds: Vec<RoundBrief>,
    kinds: Vec<&'static str>,
    errors: Vec<FieldError>,
}

async fn index_page(state: &AppState, page: &Page, errors: Vec<FieldError>) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let rounds = service::rounds(state, who).await?;
    Ok(render(&IndexTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        rounds,
        kinds: RoundKind::ALL.iter().map(|k| k.as_str()).collect(),
        errors,
    }))
}

pub(super) async fn index(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    index_page(&state, &page, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

/// The candidates' lines: `name; birth year; post; person id`, the last
/// three optional.
fn candidates(text: &str) -> Vec<CandidateInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.split(';').map(str::trim);
            let name = parts.next().map(str::to_owned);
            let year = parts.next().filter(|y| !y.is_empty());
            CandidateInput {
                full_name: name,
                // Not a number: out of range, so the error names the field.
                birth_year: year.map(|y| y.parse().unwrap_or(0)),
                position: parts.next().map(str::to_owned),
                person: parts.next().map(str::to_owned),
            }
        })
        .collect()
}

pub(super) async fn open(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let input = NewRoundInput {
        round: RoundInput {
            kind: get(&form, "kind"),
            title: get(&form, "title"),
            level: get(&form, "level"),
            requested_by: get(&form, "requested_by"),
            deadline: get(&form, "deadline"),
        },
        candidates: candidates(&get(&form, "candidates").unwrap_or_default()),
    };
    match service::open_round(&state, &who, &input).await {
        Ok(id) => Redirect::to(&format!("/screening/{id}")).into_response(),
        Err(AppError::Validation(e)) => index_page(&state, &page, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

/// A candidate as the page shows them.
struct Row {
    c: CandidateView,
    draft: Vec<String>,
    draft_text: String,
}

#[derive(Template)]
#[template(path = "screening_round.html")]
struct RoundTpl {
    tr: crate::i18n::Tr,
    user: Option<UserRecord>,
    csrf: String,
    v: RoundView,
    rows: Vec<Row>,
    as_of: String,
    errors: Vec<FieldError>,
}

async fn round_page(
    state: &AppState,
    page: &Page,
    id: uuid::Uuid,
    errors: Vec<FieldError>,
) -> AppResult<Response> {
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let mut v = service::round(state, who, id).await?;
    let tr = page.tr();
    // The answer is written in Vietnamese, the language of the reply sent.
    let vi = crate::i18n::Tr::new(state.i18n.clone(), crate::i18n::Lang::Vi);
    let rows = std::mem::take(&mut v.candidates)
        .into_iter()
        .map(|c| Row {
            draft: present::lines(tr, &c.draft),
            draft_text: present::text(&vi, &c.draft),
            c,
        })
        .collect();
    Ok(render(&RoundTpl {
        tr: tr.clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        as_of: tr.instant(v.as_of),
        v,
        rows,
        errors,
    }))
}

pub(super) async fn round(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    round_page(&state, &page, id, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn answer(
    State(state): State<AppState>,
    Path((id, candidate)): Path<(uuid::Uuid, uuid::Uuid)>,
    PostedForm { page, who, form }: PostedForm<Pairs>,
) -> Response {
    let input = AnswerInput {
        answer: get(&form, "answer"),
        reason: get(&form, "reason"),
    };
    let vi = crate::i18n::Tr::new(state.i18n.clone(), crate::i18n::Lang::Vi);
    match service::answer(&state, &who, id, candidate, &input, |d| {
        present::text(&vi, d)
    })
    .await
    {
        Ok(_) => Redirect::to(&format!("/screening/{id}#c-{candidate}")).into_response(),
        Err(AppError::Validation(e)) => round_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

pub(super) async fn import(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedMultipart {
        page, who, uploads, ..
    }: PostedMultipart,
) -> Response {
    let Some(file) = uploads.into_iter().find(|u| !u.bytes.is_empty()) else {
        let e = liem_domain::ValidationErrors::single("file", "required", "must contain a file");
        return round_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e));
    };
    match service::import_candidates(&state, &who, id, &file).await {
        Ok(_) => Redirect::to(&format!("/screening/{id}")).into_response(),
        Err(AppError::Validation(e)) => round_page(&state, &page, id, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
            .unwrap_or_else(|e| page.error(e)),
        Err(e) => page.error(e),
    }
}

pub(super) async fn reply_xlsx(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let v = match service::round(&state, who, id).await {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let vi = crate::i18n::Tr::new(state.i18n.clone(), crate::i18n::Lang::Vi);
    match present::reply_xlsx(&vi, &v) {
        Ok(bytes) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"tham-dinh-{id}.xlsx\""),
                ),
                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page.error(AppError::Internal(format!("writing the workbook: {e}"))),
    }
}
