//! The public pages: the report form and the mailbox; no login, no cookies.

use crate::i18n::Tr;
use crate::public::service::mailbox;
use crate::public::service::open_mailbox;
use crate::public::service::provinces;
use crate::public::service::reporter_reply;
use crate::public::service::submit_report;
use crate::public::service::CodeRefusal;
use crate::public::service::Mailbox;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::error::AppError;
use crate::web::lang::Asked;
use crate::web::multipart::{read_gated, Limits, Refused};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::State;
use axum::http::header;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::IntoResponse;
use axum::response::Response;
use liem_domain::petition::PetitionKind;
use liem_domain::report::ReportInput;
use liem_domain::FieldError;

/// The language and the client of a public request.
pub struct Visitor {
    tr: Tr,
    client: String,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Asked::of(parts).public();
        let client = Client::of(parts, &state.settings.proxies).key();
        Ok(Visitor {
            tr: Tr::new(state.i18n.clone(), lang),
            client,
        })
    }
}

pub(super) fn page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "public/choose.html")]
pub(super) struct ChooseTpl {
    tr: Tr,
    kinds: Vec<String>,
}

pub(super) async fn choose(v: Visitor) -> Response {
    page(&ChooseTpl {
        tr: v.tr,
        kinds: PetitionKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "public/form.html")]
pub(super) struct FormTpl {
    tr: Tr,
    kind: String,
    provinces: Vec<(String, String)>,
    input: ReportInput,
    errors: Vec<FieldError>,
    challenge: String,
    bits: u32,
    max_mb: usize,
}

pub(super) async fn form_page(
    state: &AppState,
    v: &Visitor,
    input: ReportInput,
    errors: Vec<FieldError>,
) -> Response {
    let provinces = match provinces(state).await {
        Ok(p) => p,
        Err(e) => return (e.status(), v.tr.t("err-generic")).into_response(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = FormTpl {
        tr: v.tr.clone(),
        kind: input.kind.clone().unwrap_or_default(),
        provinces,
        input,
        errors,
        challenge: state.pow.challenge(),
        bits: state.pow.bits,
        max_mb: state.settings.max_upload_bytes / (1024 * 1024),
    };
    (status, page(&t)).into_response()
}

pub(super) async fn form(
    State(state): State<AppState>,
    v: Visitor,
    Path(kind): Path<String>,
) -> Response {
    if kind.parse::<PetitionKind>().is_err() {
        return (StatusCode::NOT_FOUND, v.tr.t("err-not-found")).into_response();
    }
    let input = ReportInput {
        kind: Some(kind),
        ..Default::default()
    };
    form_page(&state, &v, input, Vec::new()).await
}

#[derive(Template)]
#[template(path = "public/done.html")]
pub(super) struct DoneTpl {
    tr: Tr,
    code: String,
}

/// A text field's value (empty when absent).
fn field_of(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(super) fn report_from(fields: &[(String, String)]) -> (ReportInput, String, String) {
    let mut r = ReportInput::default();
    let (mut challenge, mut nonce) = (String::new(), String::new());
    for (k, v) in fields {
        let opt = || Some(v.clone()).filter(|t| !t.trim().is_empty());
        match k.as_str() {
            "kind" => r.kind = opt(),
            "unit" => r.unit = opt(),
            "who" => r.who = opt(),
            "what" => r.what = opt(),
            "when" => r.when = opt(),
            "place" => r.place = opt(),
            "evidence" => r.evidence = opt(),
            "request" => r.request = opt(),
            "anonymous" => r.anonymous = v == "true",
            "name" => r.name = opt(),
            "id_number" => r.id_number = opt(),
            "address" => r.address = opt(),
            "phone" => r.phone = opt(),
            "email" => r.email = opt(),
            "lang" => r.lang = opt(),
            "seal_content" => r.seal_content = v == "true",
            "pow_challenge" => challenge = v.clone(),
            "pow_nonce" => nonce = v.clone(),
            _ => {}
        }
    }
    (r, challenge, nonce)
}

pub(super) async fn submit(State(state): State<AppState>, v: Visitor, mp: Multipart) -> Response {
    // The proof of work (the form's first fields) is checked before any
    // file is read: a body without one costs its leading fields only.
    let pow = state.clone();
    let gate = |fields: Vec<(String, String)>| async move {
        let (_, challenge, nonce) = report_from(&fields);
        pow.pow.verify(&pow.store, &challenge, &nonce).await
    };
    let limits = Limits::with_files(state.settings.max_upload_bytes);
    let (fields, uploads) = match read_gated(mp, limits, gate).await {
        Ok((fields, uploads, ())) => (fields, uploads),
        Err(Refused::Gate(e, fields)) => {
            let (mut input, _, _) = report_from(&fields);
            input.lang.get_or_insert_with(|| v.tr.tag().to_owned());
            let err = FieldError {
                field: "pow".into(),
                rule: "proof_of_work".into(),
                message: e.to_string(),
            };
            return form_page(&state, &v, input, vec![err]).await;
        }
        Err(Refused::Read(e)) => return (e.status(), e.to_string()).into_response(),
    };
    let (mut input, _, _) = report_from(&fields);
    input.lang.get_or_insert_with(|| v.tr.tag().to_owned());
    match submit_report(&state, &input, uploads, None).await {
        Ok((_, code)) => page(&DoneTpl {
            tr: v.tr,
            code: code.grouped(),
        }),
        Err(AppError::Validation(e)) => form_page(&state, &v, input, e.errors).await,
        Err(e) => (e.status(), v.tr.t("err-generic")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "public/follow_form.html")]
pub(super) struct FollowFormTpl {
    tr: Tr,
    error: Option<String>,
}

pub(super) async fn follow_form(v: Visitor) -> Response {
    page(&FollowFormTpl {
        tr: v.tr,
        error: None,
    })
}

#[derive(Template)]
#[template(path = "public/follow.html")]
pub(super) struct FollowTpl {
    tr: Tr,
    code: String,
    m: Mailbox,
    notice: Option<String>,
    error: Option<String>,
    max_mb: usize,
}

pub(super) async fn follow_with_code(
    state: &AppState,
    v: &Visitor,
    code: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    match open_mailbox(state, &v.client, code).await {
        Ok(id) => match mailbox(state, &v.tr, id).await {
            Ok(m) => page(&FollowTpl {
                tr: v.tr.clone(),
                code: code.to_owned(),
                m,
                notice,
                error,
                max_mb: state.settings.max_upload_bytes / (1024 * 1024),
            }),
            Err(e) => (e.status(), v.tr.t("err-generic")).into_response(),
        },
        Err(CodeRefusal::Wrong) => (
            StatusCode::NOT_FOUND,
            page(&FollowFormTpl {
                tr: v.tr.clone(),
                error: Some(v.tr.t("pub-follow-wrong")),
            }),
        )
            .into_response(),
        Err(CodeRefusal::Refused) => (
            StatusCode::TOO_MANY_REQUESTS,
            page(&FollowFormTpl {
                tr: v.tr.clone(),
                error: Some(v.tr.t("pub-follow-slow")),
            }),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct CodeForm {
    code: String,
}

pub(super) async fn follow(
    State(state): State<AppState>,
    v: Visitor,
    axum::extract::Form(f): axum::extract::Form<CodeForm>,
) -> Response {
    follow_with_code(&state, &v, &f.code, None, None).await
}

pub(super) async fn reply(State(state): State<AppState>, v: Visitor, mp: Multipart) -> Response {
    // The receipt code (the form's first field) opens the mailbox before
    // any file is read.
    let opener = state.clone();
    let client = v.client.clone();
    let gate = |fields: Vec<(String, String)>| async move {
        let code = field_of(&fields, "code");
        open_mailbox(&opener, &client, &code).await
    };
    let limits = Limits::with_files(state.settings.max_upload_bytes);
    let (fields, uploads, id) = match read_gated(mp, limits, gate).await {
        Ok(read) => read,
        Err(Refused::Gate(_, fields)) => {
            let code = field_of(&fields, "code");
            return follow_with_code(&state, &v, &code, None, None).await;
        }
        Err(Refused::Read(e)) => return (e.status(), e.to_string()).into_response(),
    };
    let get = |k: &str| field_of(&fields, k);
    let code = get("code");
    match reporter_reply(&state, id, &get("body"), uploads).await {
        Ok(()) => follow_with_code(&state, &v, &code, Some(v.tr.t("pub-sent")), None).await,
        Err(AppError::Validation(e)) => {
            follow_with_code(&state, &v, &code, None, Some(e.to_string())).await
        }
        Err(e) => (e.status(), v.tr.t("err-generic")).into_response(),
    }
}
