//! The operator's page: a clerk takes down a call or a walk-in and gives the
//! reporter a receipt code.

use crate::i18n::Tr;
use crate::petitions::service;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::render;
use crate::web::page::Page;
use crate::web::write::PostedForm;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use liem_domain::petition::PetitionKind;
use liem_domain::FieldError;
use liem_store::users::UserRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "operator.html")]
pub(super) struct OperatorTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    kinds: Vec<String>,
    errors: Vec<FieldError>,
    code: Option<String>,
    reference: String,
    input: crate::public::service::OperatorInput,
}

pub(super) fn operator_page(
    page: &Page,
    input: crate::public::service::OperatorInput,
    errors: Vec<FieldError>,
    code: Option<String>,
    reference: String,
) -> OperatorTpl {
    OperatorTpl {
        input,
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        kinds: PetitionKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        errors,
        code,
        reference,
    }
}

pub(super) async fn operator_form(page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    render(&operator_page(
        &page,
        Default::default(),
        Vec::new(),
        None,
        String::new(),
    ))
}

#[derive(Deserialize)]
pub(super) struct OperatorForm {
    channel: Option<String>,
    kind: Option<String>,
    who: Option<String>,
    what: Option<String>,
    when: Option<String>,
    place: Option<String>,
    evidence: Option<String>,
    anonymous: Option<String>,
    name: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    confirmed_by_reporter: Option<String>,
    seal_content: Option<String>,
}

pub(super) async fn operator_submit(
    State(state): State<AppState>,
    PostedForm { page, who, form: f }: PostedForm<OperatorForm>,
) -> Response {
    let who = &who;
    let nonempty = |v: &Option<String>| v.clone().filter(|t| !t.trim().is_empty());
    let input = crate::public::service::OperatorInput {
        report: liem_domain::report::ReportInput {
            kind: nonempty(&f.kind),
            unit: None,
            who: nonempty(&f.who),
            what: nonempty(&f.what),
            when: nonempty(&f.when),
            place: nonempty(&f.place),
            evidence: nonempty(&f.evidence),
            request: None,
            anonymous: f.anonymous.as_deref() == Some("true"),
            name: nonempty(&f.name),
            id_number: nonempty(&f.id_number),
            address: nonempty(&f.address),
            phone: nonempty(&f.phone),
            email: None,
            lang: Some(page.tr.tag().to_owned()),
            seal_content: f.seal_content.as_deref() == Some("true"),
        },
        channel: nonempty(&f.channel),
        confirmed_by_reporter: f.confirmed_by_reporter.as_deref() == Some("true"),
    };
    match crate::public::service::operator_report(&state, who, &input).await {
        Ok((id, code)) => {
            let reference = match service::letter(&state, who, id).await {
                Ok(l) => l.reference,
                Err(e) => return page.error(e),
            };
            (
                [(header::CACHE_CONTROL, "no-store")],
                render(&operator_page(
                    &page,
                    Default::default(),
                    Vec::new(),
                    Some(code.grouped()),
                    reference,
                )),
            )
                .into_response()
        }
        Err(AppError::Validation(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&operator_page(&page, input, e.errors, None, String::new())),
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}
