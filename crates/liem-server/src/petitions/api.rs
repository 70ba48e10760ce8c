//! The API of the petitions register.

use crate::auth::Principal;
use crate::i18n::Tr;
use crate::petitions::service;
use crate::petitions::service::LetterView;
use crate::petitions::service::MatterView;
use crate::state::AppState;
use crate::web::error::AppResult;
use crate::web::error::Problem;
use crate::web::json::ApiJson;
use crate::web::lang::Asked;
use crate::web::multipart::read_uploads;
use crate::web::write::Writer;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::ids::AttachmentId;
use liem_domain::ids::LetterId;
use liem_domain::ids::MatterId;
use liem_domain::ids::UserId;
use liem_domain::petition::LetterInput;
use liem_domain::workflow::ActionInput;
use liem_domain::workflow::MatterState;
use liem_domain::ValidationErrors;
use liem_store::petitions;
use liem_store::petitions::{AttachmentRecord, LetterRecord, TransferRecord};
use liem_store::petitions::{LetterFilter, LetterSort};
use liem_store::public::Message;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// The fields reference list.
#[utoipa::path(get, path = "/api/v1/fields", tag = "letters", responses((status = 200, body = [Field], description = "The fields reference list")))]
pub(super) async fn list_fields(
    State(state): State<AppState>,
    _who: Principal,
) -> AppResult<Response> {
    let mut c = state.store.conn().await?;
    let f: Vec<_> = petitions::fields(&mut c)
        .await?
        .into_iter()
        .map(|(code, name_vi, name_en)| Field {
            code,
            name_vi,
            name_en,
        })
        .collect();
    Ok(Json(f).into_response())
}

/// Filters of the register.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct LetterQuery {
    /// A matter state code.
    pub status: Option<String>,
    /// A kind code.
    pub kind: Option<String>,
    /// A field code.
    pub field: Option<String>,
    /// A unit code.
    pub unit: Option<String>,
    /// Only letters with an overdue matter.
    pub overdue: Option<bool>,
    /// Only letters with a matter due within this many days.
    pub due_within: Option<u32>,
    /// A handler's user id.
    pub handler: Option<uuid::Uuid>,
    /// Only letters with a matter assigned to the caller ("my letters");
    /// with `handler` as well, the two must name the same user.
    pub mine: Option<bool>,
    /// Words to find, with or without diacritics, on whole words:
    /// `"a phrase"`, `prefix*`, `-excluded`, and `reference:`, `sender:`,
    /// `place:`, `subject:` to look in one field only.
    pub q: Option<String>,
    /// Received on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Received on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// The cursor from the previous page.
    pub cursor: Option<String>,
    /// The order: newest registered first (default), `received` (the day
    /// received, earliest first), `-received` (latest first) or, with
    /// words, `relevance` (the default with words).
    pub sort: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
    /// `json` (default) or `csv`: every letter the filter finds (at most
    /// 100,000), headed in the caller's language.
    pub format: Option<String>,
    /// The language of a CSV file's headings and codes (vi, en, fr, ar).
    pub lang: Option<String>,
}

impl LetterQuery {
    /// Validates into a store filter and cursor.
    pub async fn to_filter(
        &self,
        state: &AppState,
        who: &Principal,
    ) -> AppResult<(LetterFilter, Option<LetterId>)> {
        use liem_domain::validation::{optional_code, required_date};
        let mut errs = ValidationErrors::new();
        let state_code = optional_code::<MatterState>(&mut errs, "status", self.status.as_deref());
        let kind = optional_code(&mut errs, "kind", self.kind.as_deref());
        let from = self
            .from
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|d| required_date(&mut errs, "from", Some(d)));
        let to = self
            .to
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|d| required_date(&mut errs, "to", Some(d)));
        let sort = match LetterSort::parse(self.sort.as_deref().unwrap_or("").trim()) {
            Some(s) => s,
            None => {
                errs.add(
                    "sort",
                    "unknown_value",
                    "must be registered, received, -received or relevance",
                );
                LetterSort::Registered
            }
        };
        let text = liem_domain::validation::search(&mut errs, "q", self.q.as_deref());
        let words = text.as_deref().is_some_and(|t| !t.trim().is_empty());
        // With words, the most relevant first unless an order is asked for;
        // without, relevance means nothing: newest registered first.
        let sort = match (sort, words, self.sort.as_deref().map(str::trim)) {
            (_, true, None | Some("")) => LetterSort::Relevance,
            (LetterSort::Relevance, false, _) => LetterSort::Registered,
            (s, _, _) => s,
        };
        // A search's cursor is `@` and the results seen; the register's is
        // the last letter's id, or, sorted by the day received, that day
        // and the id (`2026-11-02~<id>`).
        let mut offset = None;
        let (cursor, cursor_received) = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => (None, None),
            Some(c) if words => {
                match c.strip_prefix('@').and_then(|n| n.parse::<u32>().ok()) {
                    Some(n) if n <= 1_000_000 => offset = Some(n),
                    _ => errs.add(
                        "cursor",
                        "cursor_format",
                        "must be a cursor returned by a previous page of the same search",
                    ),
                }
                (None, None)
            }
            Some(c) => {
                let (day, id) = match c.split_once('~') {
                    Some((d, id)) => (d.parse::<jiff::civil::Date>().ok().map(Some), id),
                    None => (Some(None), c),
                };
                let keyset = matches!(sort, LetterSort::Registered | LetterSort::Relevance);
                match (day, id.parse::<LetterId>()) {
                    (Some(day), Ok(id)) if day.is_some() != keyset => (Some(id), day),
                    _ => {
                        errs.add(
                            "cursor",
                            "cursor_format",
                            "must be a cursor returned by a previous page of the same order",
                        );
                        (None, None)
                    }
                }
            }
        };
        if self.due_within.is_some_and(|d| d > 3650) {
            errs.add("due_within", "range", "must be at most 3650 days");
        }
        let mine = self.mine.unwrap_or(false).then_some(who.user.id);
        if let (Some(me), Some(h)) = (mine, self.handler) {
            if me.0 != h {
                errs.add(
                    "mine",
                    "conflict",
                    "must not be given with another handler's id",
                );
            }
        }
        errs.into_result(())?;
        let unit = match self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(code) => Some(service::unit_in_scope(state, who, code).await?.id),
            None => None,
        };
        Ok((
            LetterFilter {
                state: state_code,
                kind,
                field: self.field.clone().filter(|f| !f.trim().is_empty()),
                unit,
                overdue: self.overdue.unwrap_or(false),
                due_within: self.due_within,
                handler: mine.or(self.handler.map(UserId)),
                text,
                offset,
                received_from: from,
                received_to: to,
                today: None,
                sort,
                cursor_received,
            },
            cursor,
        ))
    }
}

/// The register of letters in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/letters", params(LetterQuery), tag = "letters",
    responses((status = 200, description = "A page of the register; or, with `format=csv`, every letter the filter finds as CSV", body = service::LetterList), (status = 422, body = Problem)))]
pub(super) async fn list_letters(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
    Query(q): Query<LetterQuery>,
) -> AppResult<Response> {
    let (filter, cursor) = q.to_filter(&state, &who).await?;
    match q.format.as_deref() {
        None | Some("json") => {}
        Some("csv") => {
            let tr = Tr::new(state.i18n.clone(), asked.staff(who.user.locale.as_deref()));
            let all = service::all_letters(&state, &who, &filter, super::csv::MAX_ROWS).await?;
            let fields = super::present::field_names(&state, &tr).await?;
            return Ok(super::csv::letters(
                &tr,
                &all,
                &fields,
                crate::clock::today(),
            ));
        }
        Some(_) => {
            return Err(
                ValidationErrors::single("format", "unknown_value", "must be json or csv").into(),
            )
        }
    }
    let list = service::list_letters(&state, &who, &filter, cursor, q.limit.unwrap_or(50)).await?;
    Ok(Json(list).into_response())
}

/// Registers a letter; one matter is opened per kind.
#[utoipa::path(post, path = "/api/v1/letters", request_body = LetterInput, tag = "letters",
    responses((status = 201, description = "Registered; `Location` names it", body = LetterView), (status = 422, description = "A field broke a rule; nothing was written", body = Problem)))]
pub(super) async fn create_letter(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<LetterInput>,
) -> AppResult<Response> {
    let view = service::register_letter(&state, &who, &input, Vec::new()).await?;
    let location = format!("/api/v1/letters/{}", view.letter.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

/// A letter by reference, e.g. `HNI-2026-000123`.
#[utoipa::path(get, path = "/api/v1/letters/by-reference/{reference}", tag = "letters",
    responses((status = 200, body = LetterView), (status = 404, body = Problem)))]
pub(super) async fn letter_by_reference(
    State(state): State<AppState>,
    who: Principal,
    Path(reference): Path<String>,
) -> AppResult<Json<LetterView>> {
    Ok(Json(
        service::letter_by_reference(&state, &who, &reference).await?,
    ))
}

/// A letter with its matters, deadlines and allowed actions.
#[utoipa::path(get, path = "/api/v1/letters/{id}", tag = "letters",
    responses((status = 200, body = LetterView), (status = 404, body = Problem)))]
pub(super) async fn get_letter(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<LetterId>,
) -> AppResult<Json<LetterView>> {
    Ok(Json(service::letter_view(&state, &who, id).await?))
}

/// Adds attachments (multipart, field `file`) to a letter.
#[utoipa::path(post, path = "/api/v1/letters/{id}/attachments", tag = "letters",
    responses((status = 201, description = "The attachments added", body = [AttachmentRecord]), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn add_attachments(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    multipart: Multipart,
) -> AppResult<Response> {
    let uploads = read_uploads(multipart, state.settings.max_upload_bytes).await?;
    let added = service::add_attachments(&state, &who, id, uploads).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// Imports an old register (multipart: the file as `file`, Excel `.xlsx`
/// or CSV; `unit`, the unit's code, the caller's own by default;
/// `dry_run=true` to check only; `map` as often as needed, `Heading=column`
/// for a heading the guess misses, or `Heading=-` to leave it out). Each
/// refused row and cell is named; the rows that pass are registered in one
/// transaction, and a row imported before is never registered again.
#[utoipa::path(post, path = "/api/v1/letters/import", tag = "letters",
    responses((status = 200, description = "What the import did, or (dry run) would do", body = super::import::ImportReport), (status = 413, body = Problem), (status = 422, description = "The file or the mapping cannot be read", body = Problem)))]
pub(super) async fn import_register(
    State(state): State<AppState>,
    who: Writer,
    multipart: Multipart,
) -> AppResult<Response> {
    let (fields, uploads) =
        crate::web::multipart::read_form(multipart, state.settings.max_upload_bytes).await?;
    let text = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let unit = text("unit")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| who.user.unit_code.clone());
    let dry_run = text("dry_run").is_some_and(|v| v == "true" || v == "1" || v == "on");
    let named: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k == "map")
        .filter_map(|(_, v)| v.split_once('=').map(|(h, c)| (h.to_owned(), c.to_owned())))
        .collect();
    let Some(file) = uploads.into_iter().next() else {
        return Err(
            ValidationErrors::single("file", "required", "must be the register's file").into(),
        );
    };
    // The rights first: nothing of the file is parsed for a caller who may
    // not import into the unit.
    let target = service::unit_in_scope(&state, &who, &unit).await?;
    who.permit(
        liem_domain::role::Right::RegisterLetter,
        &target.path,
        "registering letters is a clerk's work",
    )?;
    let sheet = super::import::read_sheet(&file.filename, &file.bytes)?;
    let report =
        super::import::import_register(&state, &who, &unit, &sheet, &named, dry_run).await?;
    Ok(Json(report).into_response())
}

/// An attachment's bytes.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "letters", responses((status = 200, description = "The file"), (status = 404, body = Problem)))]
pub(super) async fn get_attachment(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<AttachmentId>,
) -> AppResult<Response> {
    let (a, bytes) = service::attachment(&state, &who, id).await?;
    let disposition = format!(
        "attachment; filename=\"{}.{}\"",
        a.id,
        crate::files::extension(&a.media_type)
    );
    Ok((
        [
            (header::CONTENT_TYPE, a.media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A matter with its history, deadline and allowed actions.
#[utoipa::path(get, path = "/api/v1/matters/{id}", tag = "letters", responses((status = 200, body = MatterView), (status = 404, body = Problem)))]
pub(super) async fn get_matter(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<MatterId>,
) -> AppResult<Json<MatterView>> {
    Ok(Json(service::matter_view(&state, &who, id).await?))
}

/// Takes a workflow action on a matter.
#[utoipa::path(post, path = "/api/v1/matters/{id}/actions", request_body = ActionInput, tag = "letters",
    responses((status = 200, description = "The matter after the action", body = MatterView), (status = 409, description = "Not allowed in this state", body = Problem), (status = 422, body = Problem)))]
pub(super) async fn act(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<MatterId>,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<MatterView>> {
    Ok(Json(service::act(&state, &who, id, &input).await?))
}

/// Who handles a matter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignInput {
    /// The handler's user id, or null to unassign.
    pub handler: Option<uuid::Uuid>,
}

/// Assigns a handler (leaders).
#[utoipa::path(post, path = "/api/v1/matters/{id}/assign", request_body = AssignInput, tag = "letters",
    responses((status = 200, description = "The matter with its handler", body = MatterView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn assign(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<MatterId>,
    ApiJson(input): ApiJson<AssignInput>,
) -> AppResult<Json<MatterView>> {
    Ok(Json(
        service::assign(&state, &who, id, input.handler.map(UserId)).await?,
    ))
}

/// The window for due-soon counts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// Days ahead that count as due soon (default 7).
    pub within: Option<u32>,
}

/// Overdue and due-soon matters per unit and handler, in the caller's scope.
#[utoipa::path(get, path = "/api/v1/deadlines", params(DeadlineQuery), tag = "letters", responses((status = 200, body = service::Deadlines)))]
pub(super) async fn deadlines(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<DeadlineQuery>,
) -> AppResult<Response> {
    let within = q.within.unwrap_or(7).min(3650);
    Ok(Json(service::deadlines(&state, &who, within).await?).into_response())
}

/// Records that the sender was acknowledged today.
#[utoipa::path(post, path = "/api/v1/letters/{id}/acknowledge", tag = "letters", responses((status = 200, description = "The letter, acknowledged today", body = LetterRecord), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
) -> AppResult<Response> {
    Ok(Json(service::acknowledge(&state, &who, id).await?).into_response())
}

/// The conversation with the reporter of a public report.
#[utoipa::path(get, path = "/api/v1/letters/{id}/messages", tag = "letters", responses((status = 200, description = "The conversation, oldest first", body = [Message]), (status = 404, body = Problem)))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<LetterId>,
) -> AppResult<Response> {
    Ok(Json(crate::petitions::service::staff_messages(&state, &who, id).await?).into_response())
}

/// A message to the reporter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageInput {
    /// The text (1–10000 characters).
    pub body: String,
}

/// Writes to the reporter; they read it in their mailbox.
#[utoipa::path(post, path = "/api/v1/letters/{id}/messages", request_body = MessageInput, tag = "letters",
    responses((status = 201, description = "The message sent", body = Message), (status = 409, description = "Not a public report", body = Problem), (status = 422, body = Problem)))]
pub(super) async fn send_message(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<MessageInput>,
) -> AppResult<Response> {
    let m = crate::petitions::service::staff_message(&state, &who, id, &input.body).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Where a letter goes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LetterTransferInput {
    /// The receiving unit's code.
    pub to_unit: String,
    /// The day it is sent (YYYY-MM-DD; today when absent; not after today,
    /// nor before the sending unit received the letter).
    #[serde(default)]
    pub on: Option<String>,
    /// Why (5–500 characters).
    pub reason: String,
}

/// Transfers a letter and its matters to another unit; a sealed identity then
/// waits for a custodian of the sending unit to re-seal it.
#[utoipa::path(post, path = "/api/v1/letters/{id}/transfer", request_body = LetterTransferInput, tag = "letters",
    responses((status = 201, description = "The transfer", body = TransferRecord), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn transfer(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<LetterTransferInput>,
) -> AppResult<Response> {
    let t = crate::petitions::service::transfer_letter(
        &state,
        &who,
        id,
        &input.to_unit,
        input.on.as_deref(),
        &input.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

/// A field of the reference list (lĩnh vực).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Field {
    /// The code letters carry.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// The earlier letters in the caller's scope this letter may repeat, most
/// similar first (at most five), each with its matters.
#[utoipa::path(get, path = "/api/v1/letters/{id}/similar", tag = "letters",
    responses((status = 200, description = "Earlier letters sharing most of its text, and whether the text is a campaign's", body = service::Proposals), (status = 404, body = Problem)))]
pub(super) async fn similar(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<LetterId>,
) -> AppResult<Response> {
    Ok(Json(service::similar_letters(&state, &who, id).await?).into_response())
}

/// Which matter to join a letter to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    /// The matter (an earlier letter's).
    pub matter_id: MatterId,
}

/// Joins the letter to an existing matter (a repeated letter, or one sent
/// to several bodies).
#[utoipa::path(post, path = "/api/v1/letters/{id}/join", request_body = JoinInput, tag = "letters",
    responses((status = 200, description = "The letter, one of the matter's letters now", body = LetterRecord), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn join(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<JoinInput>,
) -> AppResult<Response> {
    Ok(Json(service::join_matter(&state, &who, id, input.matter_id).await?).into_response())
}
