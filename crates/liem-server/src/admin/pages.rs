//! The calendar page.

use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::render;
use crate::web::page::Page;
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Response;
use liem_store::users::UserRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar.html")]
pub(super) struct CalendarTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    year: i16,
    days: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    year: Option<i16>,
}

pub(super) async fn calendar(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    let year = q.year.unwrap_or_else(|| crate::clock::today().year());
    if let Err(e) = crate::admin::api::check_year(year) {
        return page.error(e);
    }
    let cal = match state.store.conn().await {
        Ok(mut c) => liem_store::calendar::load(&mut c)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    let cal = match cal {
        Ok(c) => c,
        Err(e) => return page.error(e),
    };
    let days = cal
        .days_off(year)
        .into_iter()
        .map(|d| {
            (
                d.date.to_string(),
                if d.code == "announced" {
                    d.name
                } else {
                    holiday_name(&page.tr, &d.code)
                },
            )
        })
        .collect();
    render(&CalendarTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        year,
        days,
    })
}

pub(super) fn holiday_name(tr: &Tr, code: &str) -> String {
    tr.code("holiday", code)
}
