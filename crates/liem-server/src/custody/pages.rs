//! The custodian's page: requests to decide and identities to re-seal.

use crate::custody::service::{describe, RequestRow};
use crate::i18n::Tr;
use crate::petitions::pages::PasswordForm;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::render;
use crate::web::page::Page;
use crate::web::write::PostedForm;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_store::petitions;
use liem_store::users::UserRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "custody.html")]
pub(super) struct CustodyTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    rows: Vec<RequestRow>,
    /// Transfers to re-seal: id, letter reference, receiving unit code.
    reseals: Vec<(uuid::Uuid, String, String)>,
}

pub(super) async fn custody(State(state): State<AppState>, page: Page) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let rows =
        match crate::custody::service::requests_for_custodian(&state, who, Some("pending")).await {
            Ok(r) => describe(&state, r).await,
            Err(e) => Err(e),
        };
    let reseals = async {
        let mut out = Vec::new();
        let mut c = state.store.conn().await?;
        for t in crate::custody::service::pending_reseals(&state, who).await? {
            let l = petitions::get_letter(&mut c, t.letter_id).await?;
            let to = liem_store::units::get(&mut c, t.to_unit_id).await?;
            out.push((t.id, l.reference, to.code));
        }
        Ok::<_, AppError>(out)
    }
    .await;
    match (rows, reseals) {
        (Ok(rows), Ok(reseals)) => render(&CustodyTpl {
            tr: page.tr.clone(),
            user: page.user.clone(),
            csrf: page.csrf.clone(),
            rows,
            reseals,
        }),
        (Err(e), _) | (_, Err(e)) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    approve: String,
    #[serde(default)]
    password: String,
    note: Option<String>,
}

pub(super) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form: f }: PostedForm<DecisionForm>,
) -> Response {
    let who = &who;
    match crate::custody::service::decide_unseal(
        &state,
        who,
        id,
        f.approve == "true",
        &f.password,
        f.note.as_deref(),
    )
    .await
    {
        Ok(_) => Redirect::to("/custody").into_response(),
        Err(e) => page.error(e),
    }
}

pub(super) async fn reseal(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form: f }: PostedForm<PasswordForm>,
) -> Response {
    let who = &who;
    match crate::custody::service::reseal(&state, who, id, &f.password).await {
        Ok(()) => Redirect::to("/custody").into_response(),
        Err(e) => page.error(e),
    }
}
