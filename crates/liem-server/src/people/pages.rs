//! A person's page (the screening right; every view audited).

use crate::people::service::person_dossier;
use crate::state::AppState;
use axum::extract::Path;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_store::cases::Dossier;

#[derive(askama::Template)]
#[template(path = "person.html")]
pub(super) struct PersonTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    d: Dossier,
}

pub(super) async fn person_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    match person_dossier(&state, who, id).await {
        Ok(d) => {
            let t = PersonTpl {
                tr: page.tr().clone(),
                user: Some(who.user.clone()),
                csrf: who.csrf.clone().unwrap_or_default(),
                d,
            };
            let mut r = crate::web::page::render(&t);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => page.error(e),
    }
}
