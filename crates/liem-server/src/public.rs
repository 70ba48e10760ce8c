//! The public side: the report form at `/report` and the mailbox at
//! `/follow`. No login, no cookies, no IP address stored: the audit trail
//! records the source as `public`, and the rate limiter keys clients by a
//! salted hash that lives only in memory.

use crate::error::{AppError, AppResult};
use crate::files::Upload;
use crate::guard::Verdict;
use crate::i18n::{Lang, Tr};
use crate::service::{self, register_in_tx, rules, today};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Multipart, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use liem_domain::deadline::current_deadline;
use liem_domain::ids::LetterId;
use liem_domain::petition::{NewLetter, PetitionKind};
use liem_domain::receipt::ReceiptCode;
use liem_domain::report::ReportInput;
use liem_domain::unit::UnitKind;
use liem_domain::{FieldError, ValidationErrors};
use liem_store::audit::Actor;
use liem_store::petitions;
use liem_store::public::{self, ReceiptRecord};
use liem_store::units;
use std::net::SocketAddr;

/// The public router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(choose).post(submit))
        .route("/report/{kind}", get(form))
        .route("/follow", get(follow_form).post(follow))
        .route("/follow/reply", post(reply))
        .route("/static/pow.js", get(pow_js))
}

async fn pow_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/pow.js"),
    )
        .into_response()
}

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
        let lang = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
            .and_then(Lang::from_tag)
            .unwrap_or_else(|| {
                Lang::negotiate(
                    parts
                        .headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok()),
                )
            });
        let forwarded = state
            .settings
            .trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
            })
            .flatten()
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned());
        let client = forwarded
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(Visitor {
            tr: Tr::new(state.i18n.clone(), lang),
            client,
        })
    }
}

fn page(t: &impl Template) -> Response {
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
struct ChooseTpl {
    tr: Tr,
    kinds: Vec<String>,
}

async fn choose(v: Visitor) -> Response {
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
struct FormTpl {
    tr: Tr,
    kind: String,
    provinces: Vec<(String, String)>,
    input: ReportInput,
    errors: Vec<FieldError>,
    challenge: String,
    bits: u32,
    max_mb: usize,
}

async fn provinces(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let mut c = state.store.conn().await?;
    Ok(units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| u.kind == UnitKind::Province && u.valid_to.is_none())
        .map(|u| (u.code, u.name))
        .collect())
}

async fn form_page(
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

async fn form(State(state): State<AppState>, v: Visitor, Path(kind): Path<String>) -> Response {
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
struct DoneTpl {
    tr: Tr,
    code: String,
}

/// A report taken down by a clerk on the reporter's behalf.
pub struct Operator<'a> {
    /// The clerk.
    pub clerk: &'a crate::auth::Principal,
    /// `hotline` or `reception_desk`.
    pub channel: liem_domain::petition::Channel,
}

/// Registers a public report and returns its receipt code (shown once).
/// With an operator, the letter is registered in the clerk's unit through
/// the channel they took it on, and audited as theirs.
pub async fn submit_report(
    state: &AppState,
    input: &ReportInput,
    uploads: Vec<Upload>,
    operator: Option<Operator<'_>>,
) -> AppResult<(LetterId, ReceiptCode)> {
    let mut input = input.clone();
    if let Some(op) = &operator {
        // The clerk's own unit handles what it takes down.
        input.unit = Some(op.clerk.user.unit_code.clone());
    }
    let (mut letter_input, unit_code) = input.to_letter(today())?;
    if let Some(op) = &operator {
        letter_input.channel = Some(op.channel.as_str().to_owned());
    }
    let letter = NewLetter::parse(&letter_input, today())?;
    let mut errs = ValidationErrors::new();
    let mut conn = state.store.conn().await?;
    let unit = match units::by_code(&mut conn, &unit_code).await {
        Ok(u) if operator.is_some() => Some(u),
        Ok(u) if u.kind == UnitKind::Province || u.kind == UnitKind::CentralCommittee => Some(u),
        Ok(_) | Err(liem_store::StoreError::NotFound) => {
            errs.add(
                "unit",
                "unknown_value",
                "must be one of the listed provinces",
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    let checked = service::check_uploads(state, &uploads, "attachments", &mut errs);
    errs.into_result(())?;
    let unit = unit.expect("checked above");
    let (cal, book) = rules(state).await?;
    let id = LetterId::new();
    let stored = service::store_uploads(state, checked, id)?;
    let code = ReceiptCode::generate(|| {
        use rand::Rng;
        rand::rngs::OsRng.gen_range(0..10)
    });
    let code_hash = state.passwords.hash(code.secret());
    let (actor, created_by) = match &operator {
        Some(op) => (op.clerk.actor(), Some(op.clerk.user.id)),
        None => (
            Actor {
                user: None,
                unit: Some(unit.id),
                source: "public".into(),
            },
            None,
        ),
    };
    let mut tx = state.store.begin().await?;
    register_in_tx(&mut tx, &actor, &unit, created_by, &letter, id, &cal, &book).await?;
    // The receipt code is the acknowledgement: given at once.
    service::record_contact_in_tx(
        &mut tx,
        &actor,
        id,
        liem_domain::timers::Contact::Acknowledgement,
        today(),
    )
    .await?;
    if operator.is_some() {
        liem_store::audit::append(
            &mut tx,
            &actor,
            "report.operator_confirmed",
            "letter",
            &id.to_string(),
            serde_json::json!({"transcript_read_back": true, "confirmed_by_reporter": true}),
        )
        .await?;
    }
    for a in &stored {
        petitions::insert_attachment(&mut tx, &actor, a).await?;
    }
    let lang = input.lang.clone().unwrap_or_else(|| "vi".into());
    public::insert_receipt(
        &mut tx,
        &actor,
        &ReceiptRecord {
            letter_id: id,
            locator: code.locator().to_owned(),
            code_hash,
            lang,
        },
    )
    .await
    .map_err(|e| match e {
        // A locator collision (one in ten million per pair): ask to resubmit.
        liem_store::StoreError::Conflict(_) => AppError::Conflict("please submit again".into()),
        e => e.into(),
    })?;
    tx.commit().await?;
    Ok((id, code))
}

/// Reads a multipart form into text fields and uploads.
pub(crate) async fn read_form(
    mut mp: Multipart,
    max: usize,
) -> AppResult<(Vec<(String, String)>, Vec<Upload>)> {
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::TooLarge(e.to_string()))?;
            if bytes.len() > max {
                return Err(AppError::TooLarge(format!(
                    "{filename} is larger than {max} bytes"
                )));
            }
            if !bytes.is_empty() {
                uploads.push(Upload {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            fields.push((name, text));
        }
    }
    Ok((fields, uploads))
}

fn report_from(fields: &[(String, String)]) -> (ReportInput, String, String) {
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

async fn submit(State(state): State<AppState>, v: Visitor, mp: Multipart) -> Response {
    let (fields, uploads) = match read_form(mp, state.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(e) => return (e.status(), e.to_string()).into_response(),
    };
    let (mut input, challenge, nonce) = report_from(&fields);
    input.lang.get_or_insert_with(|| v.tr.tag().to_owned());
    if let Err(e) = state.pow.verify(&challenge, &nonce) {
        let err = FieldError {
            field: "pow".into(),
            rule: "proof_of_work".into(),
            message: e.to_string(),
        };
        return form_page(&state, &v, input, vec![err]).await;
    }
    match submit_report(&state, &input, uploads, None).await {
        Ok((_, code)) => page(&DoneTpl {
            tr: v.tr,
            code: code.grouped(),
        }),
        Err(AppError::Validation(e)) => form_page(&state, &v, input, e.errors).await,
        Err(e) => (e.status(), v.tr.t("err-generic")).into_response(),
    }
}

/// One line of a report's progress, as the reporter may know it.
#[derive(Debug, Clone)]
pub struct ProgressLine {
    /// The date.
    pub on: String,
    /// The text, in the reporter's language.
    pub text: String,
}

/// What the reporter sees.
pub struct Mailbox {
    /// The letter.
    pub letter: LetterId,
    /// Its reference.
    pub reference: String,
    /// Progress, oldest first.
    pub progress: Vec<ProgressLine>,
    /// The next legal deadline.
    pub deadline: Option<String>,
    /// The conversation.
    pub messages: Vec<public::Message>,
}

/// Why a code check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Wrong code.
    Wrong,
    /// Too many failures from this client.
    Refused,
}

/// Checks a receipt code for a client, slowed and then refused after
/// repeated failures. Never logs the code.
pub async fn open_mailbox(
    state: &AppState,
    client: &str,
    code_text: &str,
) -> Result<LetterId, CodeRefusal> {
    match state.limiter.check(client) {
        Verdict::Refused => return Err(CodeRefusal::Refused),
        Verdict::Proceed(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Verdict::Proceed(_) => {}
    }
    let found = match ReceiptCode::parse(code_text) {
        Some(code) => {
            let rec = match state.store.conn().await {
                Ok(mut c) => public::receipt_by_locator(&mut c, code.locator())
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            match rec {
                Some(r) if state.passwords.verify(code.secret(), &r.code_hash) => Some(r.letter_id),
                Some(_) => None,
                None => {
                    // Spend the same time as a real check.
                    state.passwords.waste(code.secret());
                    None
                }
            }
        }
        None => None,
    };
    match found {
        Some(id) => Ok(id),
        None => {
            state.limiter.failed(client);
            Err(CodeRefusal::Wrong)
        }
    }
}

/// The reporter's view of a letter.
pub async fn mailbox(state: &AppState, tr: &Tr, id: LetterId) -> AppResult<Mailbox> {
    let mut c = state.store.conn().await?;
    let letter = petitions::get_letter(&mut c, id).await?;
    let mut progress = vec![ProgressLine {
        on: letter.received_on.to_string(),
        text: tr.t("pub-event-received"),
    }];
    let mut next_due = None;
    drop(c);
    let (cal, book) = rules(state).await?;
    for brief in &letter.matters {
        let mut c = state.store.conn().await?;
        let m = petitions::get_matter(&mut c, brief.id).await?;
        for e in petitions::events(&mut c, brief.id).await? {
            let detail = ["reason", "note", "to_body"]
                .iter()
                .find_map(|k| e.detail.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
                .or_else(|| {
                    e.detail
                        .get("outcome")
                        .and_then(|v| v.as_str())
                        .map(|o| tr.code("outcome", o))
                })
                .unwrap_or_default();
            progress.push(ProgressLine {
                on: e.on_date.to_string(),
                text: tr.t1(&format!("pub-event-{}", e.action), "detail", detail),
            });
        }
        if let Some(d) = current_deadline(&m.facts, &cal, &book) {
            next_due = Some(next_due.map_or(d.due, |n: jiff::civil::Date| n.min(d.due)));
        }
    }
    let mut c = state.store.conn().await?;
    for r in liem_store::keys::unseal_requests_of_letter(&mut c, id).await? {
        if let (true, Some(at)) = (r.status == "approved", r.decided_at) {
            let on = at
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
                .date();
            progress.push(ProgressLine {
                on: on.to_string(),
                text: tr.t("pub-event-disclosed"),
            });
        }
    }
    for t in petitions::transfers_of(&mut c, id).await? {
        let on = t
            .transferred_at
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
            .date();
        progress.push(ProgressLine {
            on: on.to_string(),
            text: tr.t("pub-event-moved"),
        });
    }
    progress.sort_by(|a, b| a.on.cmp(&b.on));
    let messages = public::messages(&mut c, id).await?;
    Ok(Mailbox {
        letter: id,
        reference: letter.reference,
        progress,
        deadline: next_due.map(|d| d.to_string()),
        messages,
    })
}

#[derive(Template)]
#[template(path = "public/follow_form.html")]
struct FollowFormTpl {
    tr: Tr,
    error: Option<String>,
}

async fn follow_form(v: Visitor) -> Response {
    page(&FollowFormTpl {
        tr: v.tr,
        error: None,
    })
}

#[derive(Template)]
#[template(path = "public/follow.html")]
struct FollowTpl {
    tr: Tr,
    code: String,
    m: Mailbox,
    notice: Option<String>,
    error: Option<String>,
    max_mb: usize,
}

async fn follow_with_code(
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
struct CodeForm {
    code: String,
}

async fn follow(
    State(state): State<AppState>,
    v: Visitor,
    axum::extract::Form(f): axum::extract::Form<CodeForm>,
) -> Response {
    follow_with_code(&state, &v, &f.code, None, None).await
}

/// Adds the reporter's answer (and files) to the conversation.
pub async fn reporter_reply(
    state: &AppState,
    id: LetterId,
    body: &str,
    uploads: Vec<Upload>,
) -> AppResult<()> {
    let body = body.trim();
    let mut errs = ValidationErrors::new();
    if body.is_empty() && uploads.is_empty() {
        errs.add("body", "required", "must not be empty");
    }
    if body.chars().count() > 10_000 {
        errs.add("body", "max_length", "must be at most 10000 characters");
    }
    let checked = service::check_uploads(state, &uploads, "attachments", &mut errs);
    errs.into_result(())?;
    let stored = service::store_uploads(state, checked, id)?;
    let mut c = state.store.conn().await?;
    let letter = petitions::get_letter(&mut c, id).await?;
    drop(c);
    let actor = Actor {
        user: None,
        unit: Some(letter.unit_id),
        source: "public".into(),
    };
    let mut tx = state.store.begin().await?;
    if !body.is_empty() {
        public::add_message(&mut tx, &actor, id, None, body).await?;
    }
    for a in &stored {
        petitions::insert_attachment(&mut tx, &actor, a).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn reply(State(state): State<AppState>, v: Visitor, mp: Multipart) -> Response {
    let (fields, uploads) = match read_form(mp, state.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(e) => return (e.status(), e.to_string()).into_response(),
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let code = get("code");
    let id = match open_mailbox(&state, &v.client, &code).await {
        Ok(id) => id,
        Err(_) => return follow_with_code(&state, &v, &code, None, None).await,
    };
    match reporter_reply(&state, id, &get("body"), uploads).await {
        Ok(()) => follow_with_code(&state, &v, &code, Some(v.tr.t("pub-sent")), None).await,
        Err(AppError::Validation(e)) => {
            follow_with_code(&state, &v, &code, None, Some(e.to_string())).await
        }
        Err(e) => (e.status(), v.tr.t("err-generic")).into_response(),
    }
}

/// Staff: the conversation of a letter in scope.
pub async fn staff_messages(
    state: &AppState,
    who: &crate::auth::Principal,
    id: LetterId,
) -> AppResult<Vec<public::Message>> {
    service::letter(state, who, id).await?;
    let mut c = state.store.conn().await?;
    Ok(public::messages(&mut c, id).await?)
}

/// Staff: writes to the reporter of a public report.
pub async fn staff_message(
    state: &AppState,
    who: &crate::auth::Principal,
    id: LetterId,
    body: &str,
) -> AppResult<public::Message> {
    let l = service::letter(state, who, id).await?;
    if !who
        .scope(liem_domain::role::Right::HandleMatter)
        .contains(&l.unit_path)
    {
        return Err(AppError::Forbidden(
            "writing to a reporter needs the handler or leader role in the letter's unit".into(),
        ));
    }
    let mut c = state.store.conn().await?;
    if !public::has_receipt(&mut c, id).await? {
        return Err(AppError::Conflict(
            "this letter did not come through the public channel; there is no mailbox".into(),
        ));
    }
    drop(c);
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(AppError::Validation(ValidationErrors::single(
            "body",
            "length",
            "must be 1 to 10000 characters",
        )));
    }
    let mut tx = state.store.begin().await?;
    let m = public::add_message(&mut tx, &who.actor(), id, Some(who.user.id), body).await?;
    // The first word to the reporter acknowledges; a later one is feedback.
    let contact = liem_domain::timers::Contact::of_message(l.ack_on.is_some());
    service::record_contact_in_tx(&mut tx, &who.actor(), id, contact, today()).await?;
    tx.commit().await?;
    Ok(m)
}

/// What a clerk sends to record a call or a walk-in.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct OperatorInput {
    /// The report as the reporter gave it (kind, who, what, …; `unit` is ignored).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: ReportInput,
    /// `hotline` or `reception_desk`.
    pub channel: Option<String>,
    /// The clerk read the transcript back and the reporter confirmed it.
    #[serde(default)]
    pub confirmed_by_reporter: bool,
}

/// A clerk records a phone call or a walk-in for the reporter, who confirmed
/// the transcript read back to them; returns the receipt code to give them.
pub async fn operator_report(
    state: &AppState,
    who: &crate::auth::Principal,
    input: &OperatorInput,
) -> AppResult<(LetterId, ReceiptCode)> {
    who.require(liem_domain::role::Right::RegisterLetter)?;
    let mut errs = ValidationErrors::new();
    let channel = liem_domain::validation::required_code::<liem_domain::petition::Channel>(
        &mut errs,
        "channel",
        input.channel.as_deref(),
    );
    if channel.is_some_and(|c| {
        !matches!(
            c,
            liem_domain::petition::Channel::Hotline | liem_domain::petition::Channel::ReceptionDesk
        )
    }) {
        errs.add(
            "channel",
            "operator_channel",
            "must be hotline or reception_desk",
        );
    }
    if !input.confirmed_by_reporter {
        errs.add(
            "confirmed_by_reporter",
            "must_confirm",
            "read the transcript back to the reporter and record their confirmation",
        );
    }
    errs.into_result(())?;
    let channel = channel.expect("checked");
    submit_report(
        state,
        &input.report,
        Vec::new(),
        Some(Operator {
            clerk: who,
            channel,
        }),
    )
    .await
}
