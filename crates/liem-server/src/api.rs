//! The JSON API under `/api/v1`: the contract that pages, the command line
//! and integrations share. Handlers are thin: they parse, call a service
//! function, and shape the answer.

use crate::auth::{Principal, SESSION_COOKIE};
use crate::crypto::{random_token, token_hash};
use crate::error::{AppError, AppResult, Problem};
use crate::files::Upload;
use crate::service::{self, LetterView, MatterView};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use liem_domain::calendar::{DayOverride, OverrideKind};
use liem_domain::deadline::{PeriodUnit, RuleCode};
use liem_domain::ids::{AttachmentId, LetterId, MatterId, UserId};
use liem_domain::petition::LetterInput;
use liem_domain::role::Right;
use liem_domain::workflow::{ActionInput, MatterState};
use liem_domain::ValidationErrors;
use liem_store::petitions::{self, LetterFilter};
use liem_store::{audit, calendar, units, users};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// A JSON body whose errors name the field, as a 422 problem document.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "expected Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let field = e.path().to_string();
                let field = if field == "." {
                    "body".to_owned()
                } else {
                    field
                };
                AppError::Validation(ValidationErrors::single(
                    &field,
                    "json_type",
                    e.inner().to_string(),
                ))
            })
    }
}

fn csrf(who: &Principal, headers: &HeaderMap) -> AppResult<()> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
}

/// The API router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/session", post(login).delete(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/units", get(list_units))
        .route("/api/v1/fields", get(list_fields))
        .route("/api/v1/letters", get(list_letters).post(create_letter))
        .route(
            "/api/v1/letters/by-reference/{reference}",
            get(letter_by_reference),
        )
        .route("/api/v1/letters/{id}", get(get_letter))
        .route("/api/v1/letters/{id}/attachments", post(add_attachments))
        .route("/api/v1/letters/{id}/unseal-requests", post(request_unseal))
        .route("/api/v1/letters/{id}/identity", post(view_identity))
        .route("/api/v1/unseal-requests", get(list_unseal_requests))
        .route("/api/v1/unseal-requests/{id}/decision", post(decide_unseal))
        .route("/api/v1/letters/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/units/{code}/policy", put(set_policy))
        .route("/api/v1/letters/{id}/transfer", post(transfer))
        .route("/api/v1/reseals", get(list_reseals))
        .route("/api/v1/reseals/{id}", post(do_reseal))
        .route("/api/v1/operator/reports", post(operator_report))
        .route(
            "/api/v1/letters/{id}/messages",
            get(list_messages).post(send_message),
        )
        .route("/api/v1/attachments/{id}", get(get_attachment))
        .route("/api/v1/matters/{id}", get(get_matter))
        .route("/api/v1/matters/{id}/actions", post(act))
        .route("/api/v1/matters/{id}/assign", post(assign))
        .route("/api/v1/deadlines", get(deadlines))
        .route("/api/v1/calendar/{year}", get(calendar_year))
        .route(
            "/api/v1/calendar/days/{date}",
            put(set_day).delete(remove_day),
        )
        .route("/api/v1/rules", get(list_rules))
        .route("/api/v1/rules/{code}", put(set_rule_unit))
        .route("/api/v1/audit/verify", get(audit_verify))
}

/// The OpenAPI document, generated from the handlers below.
#[derive(OpenApi)]
#[openapi(
    info(title = "Liêm API", description = "Petitions register, deadlines and audit of the Liêm anti-corruption platform."),
    paths(
        login, logout, me, create_token, list_units, list_fields, list_letters, create_letter, letter_by_reference,
        get_letter, add_attachments, request_unseal, view_identity, list_unseal_requests, decide_unseal, list_messages, send_message, operator_report, acknowledge, set_policy, transfer, list_reseals, do_reseal, get_attachment, get_matter, act, assign, deadlines, calendar_year,
        set_day, remove_day, list_rules, set_rule_unit, audit_verify,
        crate::reception::record, crate::reception::figures_api, crate::reception::compliance,
        crate::reception::set_schedule, crate::reception::list_schedules,
        crate::cases::api_list, crate::cases::api_create, crate::cases::api_get, crate::cases::api_stage,
        crate::cases::api_transfer, crate::cases::api_pending_transfers, crate::cases::api_acknowledge,
        crate::cases::api_monitor, crate::cases::api_add_target, crate::cases::api_unmonitor,
        crate::cases::api_add_party, crate::cases::api_add_charge, crate::cases::api_add_asset, crate::cases::api_grant,
        crate::cases::api_add_sanction, crate::cases::api_watch_list, crate::cases::api_deadlines, crate::cases::api_figures,
        crate::cases::api_find_persons, crate::cases::api_create_person, crate::cases::api_person,
        crate::cases::api_find_organisations, crate::cases::api_create_organisation, crate::cases::api_create_link,
        crate::cases::api_export_ftm,
        crate::reports::api_forms, crate::reports::api_report, crate::reports::api_cell, crate::reports::api_issue,
        crate::reports::api_issued, crate::reports::api_summary
    ),
    components(schemas(Problem, LetterInput, ActionInput, LoginInput, UnsealInput, PasswordInput, DecisionInput, AssignInput, DayInput, RuleUnitInput, MessageInput, crate::public::OperatorInput, PolicyInput, TransferInput,
        liem_domain::reception::SessionInput, liem_domain::reception::VisitInput, liem_domain::reception::ScheduleInput,
        liem_domain::register::CaseInput, liem_domain::register::StageInput, liem_domain::register::MonitoringInput,
        liem_domain::register::TargetInput, liem_domain::people::PersonInput, liem_domain::people::OrganisationInput,
        liem_domain::people::ChargeInput, liem_domain::people::SanctionInput, liem_domain::assets::AssetInput,
        crate::cases::TransferInput, crate::cases::RemovalInput, crate::cases::PartyInput, crate::cases::GrantInput,
        crate::cases::SanctionRequest, crate::cases::LinkInput)),
    modifiers(&SecurityAddon),
    tags((name = "letters", description = "The register of letters and their matters"))
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    Json(doc).into_response()
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Logs in: sets the session cookie; returns the CSRF token that cookie
/// requests must send as `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginInput,
    responses((status = 200, description = "Logged in; session cookie set", body = Object), (status = 401, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    crate::auth::ClientSource(source): crate::auth::ClientSource,
    ApiJson(input): ApiJson<LoginInput>,
) -> AppResult<Response> {
    let (cookie, csrf) = service::login(&state, &input.username, &input.password, &source).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(serde_json::json!({ "csrf_token": csrf })),
    )
        .into_response())
}

/// Logs out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204, description = "Logged out")))]
async fn logout(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let cookie = service::logout(&state, &who, &headers).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Object), (status = 401, body = Problem)))]
async fn me(who: Principal) -> Json<users::UserRecord> {
    Json(who.user)
}

/// A new API token for the caller, shown once.
#[utoipa::path(post, path = "/api/v1/tokens", responses((status = 201, body = Object)))]
async fn create_token(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let token = random_token();
    let mut tx = state.store.begin().await?;
    let id = users::create_token(
        &mut tx,
        &who.actor(),
        who.user.id,
        "api",
        &token_hash(&token),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "token": token })),
    )
        .into_response())
}

/// The units the caller can read.
#[utoipa::path(get, path = "/api/v1/units", responses((status = 200, body = Object)))]
async fn list_units(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<Vec<units::UnitRecord>>> {
    let scope = who
        .require(Right::ReadPetitions)
        .or_else(|_| who.require(Right::Administer))?;
    let mut c = state.store.conn().await?;
    let all = units::list(&mut c).await?;
    Ok(Json(
        all.into_iter()
            .filter(|u| scope.contains(&u.path))
            .collect(),
    ))
}

/// The fields reference list.
#[utoipa::path(get, path = "/api/v1/fields", responses((status = 200, body = Object)))]
async fn list_fields(State(state): State<AppState>, _who: Principal) -> AppResult<Response> {
    let mut c = state.store.conn().await?;
    let f: Vec<_> = petitions::fields(&mut c)
        .await?
        .into_iter()
        .map(|(code, vi, en)| serde_json::json!({"code": code, "name_vi": vi, "name_en": en}))
        .collect();
    Ok(Json(f).into_response())
}

/// Filters of the register.
#[derive(Debug, Default, Deserialize, IntoParams)]
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
    /// Words to find, with or without diacritics.
    pub q: Option<String>,
    /// Received on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Received on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// The cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
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
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match c.parse::<LetterId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errs.add(
                        "cursor",
                        "cursor_format",
                        "must be a cursor returned by a previous page",
                    );
                    None
                }
            },
        };
        if self.due_within.is_some_and(|d| d > 3650) {
            errs.add("due_within", "range", "must be at most 3650 days");
        }
        errs.into_result(())?;
        let unit = match self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(code) => Some(
                service::unit_in_scope(state, who, code)
                    .await
                    .map_err(|e| match e {
                        AppError::NotFound => AppError::Validation(ValidationErrors::single(
                            "unit",
                            "unknown_value",
                            "must be a unit code in your scope",
                        )),
                        e => e,
                    })?
                    .id,
            ),
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
                handler: self.handler.map(UserId),
                text: self.q.clone().filter(|q| !q.trim().is_empty()),
                received_from: from,
                received_to: to,
                today: None,
            },
            cursor,
        ))
    }
}

/// The register of letters in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/letters", params(LetterQuery), tag = "letters",
    responses((status = 200, description = "A page: `items`, `next_cursor`, `total`", body = Object), (status = 422, body = Problem)))]
async fn list_letters(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<LetterQuery>,
) -> AppResult<Response> {
    let (filter, cursor) = q.to_filter(&state, &who).await?;
    let (page, total) =
        service::list_letters(&state, &who, &filter, cursor, q.limit.unwrap_or(50)).await?;
    Ok(Json(
        serde_json::json!({ "items": page.items, "next_cursor": page.next_cursor, "total": total }),
    )
    .into_response())
}

/// Registers a letter; one matter is opened per kind.
#[utoipa::path(post, path = "/api/v1/letters", request_body = LetterInput, tag = "letters",
    responses((status = 201, body = Object), (status = 422, description = "A field broke a rule; nothing was written", body = Problem)))]
async fn create_letter(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LetterInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
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
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn letter_by_reference(
    State(state): State<AppState>,
    who: Principal,
    Path(reference): Path<String>,
) -> AppResult<Json<LetterView>> {
    let mut c = state.store.conn().await?;
    let id = petitions::letter_id_by_reference(&mut c, &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    Ok(Json(service::letter_view(&state, &who, id).await?))
}

/// A letter with its matters, deadlines and allowed actions.
#[utoipa::path(get, path = "/api/v1/letters/{id}", tag = "letters",
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn get_letter(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<LetterId>,
) -> AppResult<Json<LetterView>> {
    Ok(Json(service::letter_view(&state, &who, id).await?))
}

/// Adds attachments (multipart, field `file`) to a letter.
#[utoipa::path(post, path = "/api/v1/letters/{id}/attachments", tag = "letters",
    responses((status = 201, body = Object), (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn add_attachments(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
    multipart: Multipart,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let uploads = read_uploads(multipart, state.settings.max_upload_bytes).await?;
    let added = service::add_attachments(&state, &who, id, uploads).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// Reads the `file` parts of a multipart body.
pub async fn read_uploads(mut multipart: Multipart, max: usize) -> AppResult<Vec<Upload>> {
    let mut out = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        if field.name() != Some("file") && field.name() != Some("attachments") {
            continue;
        }
        let filename = field.file_name().unwrap_or("file").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::TooLarge(format!("attachment too large or unreadable: {e}")))?;
        if bytes.is_empty() && filename.is_empty() {
            continue;
        }
        if bytes.len() > max {
            return Err(AppError::TooLarge(format!(
                "{filename} is larger than {max} bytes"
            )));
        }
        if !bytes.is_empty() {
            out.push(Upload {
                filename,
                bytes: bytes.to_vec(),
            });
        }
    }
    Ok(out)
}

/// Why an identity must be unsealed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnsealInput {
    /// The reason (10–500 characters), kept in the audit trail.
    pub reason: String,
}

/// Asks a custodian of the handling unit to unseal the sender's identity.
#[utoipa::path(post, path = "/api/v1/letters/{id}/unseal-requests", request_body = UnsealInput, tag = "custody",
    responses((status = 201, body = Object), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn request_unseal(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<UnsealInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let r = crate::custody::request_unseal(&state, &who, id, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// A password that opens the caller's key.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordInput {
    /// The caller's password.
    pub password: String,
}

/// Shows the identity to its approved requester, who gives their password.
#[utoipa::path(post, path = "/api/v1/letters/{id}/identity", request_body = PasswordInput, tag = "custody",
    responses((status = 200, body = Object), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn view_identity(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<PasswordInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let identity = crate::custody::view_identity(&state, &who, id, &input.password).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(identity)).into_response())
}

/// Filter of unseal requests.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RequestQuery {
    /// `pending`, `approved` or `refused`.
    pub status: Option<String>,
}

/// The unseal requests of the custodian's unit.
#[utoipa::path(get, path = "/api/v1/unseal-requests", params(RequestQuery), tag = "custody", responses((status = 200, body = Object), (status = 403, body = Problem)))]
async fn list_unseal_requests(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<RequestQuery>,
) -> AppResult<Response> {
    Ok(
        Json(crate::custody::requests_for_custodian(&state, &who, q.status.as_deref()).await?)
            .into_response(),
    )
}

/// A custodian's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// Approve (true) or refuse (false).
    pub approve: bool,
    /// The custodian's password (needed to approve).
    #[serde(default)]
    pub password: String,
    /// A note, e.g. why refused.
    pub note: Option<String>,
}

/// Approves (re-wrapping the identity's key for the requester) or refuses.
#[utoipa::path(post, path = "/api/v1/unseal-requests/{id}/decision", request_body = DecisionInput, tag = "custody",
    responses((status = 200, body = Object), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide_unseal(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let r = crate::custody::decide_unseal(
        &state,
        &who,
        id,
        input.approve,
        &input.password,
        input.note.as_deref(),
    )
    .await?;
    Ok(Json(r).into_response())
}

/// Where a letter goes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferInput {
    /// The receiving unit's code.
    pub to_unit: String,
    /// Why (5–500 characters).
    pub reason: String,
}

/// Transfers a letter and its matters to another unit; a sealed identity then
/// waits for a custodian of the sending unit to re-seal it.
#[utoipa::path(post, path = "/api/v1/letters/{id}/transfer", request_body = TransferInput, tag = "custody",
    responses((status = 201, body = Object), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn transfer(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<TransferInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let t =
        crate::custody::transfer_letter(&state, &who, id, &input.to_unit, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

/// Sealed letters the custodian's unit transferred and must re-seal.
#[utoipa::path(get, path = "/api/v1/reseals", tag = "custody", responses((status = 200, body = Object), (status = 403, body = Problem)))]
async fn list_reseals(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    Ok(Json(crate::custody::pending_reseals(&state, &who).await?).into_response())
}

/// Re-seals a transferred identity for the receiving unit (custodian, with password).
#[utoipa::path(post, path = "/api/v1/reseals/{id}", request_body = PasswordInput, tag = "custody",
    responses((status = 204, description = "Re-sealed"), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn do_reseal(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<PasswordInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    crate::custody::reseal(&state, &who, id, &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records that the sender was acknowledged today.
#[utoipa::path(post, path = "/api/v1/letters/{id}/acknowledge", tag = "letters", responses((status = 200, body = Object), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn acknowledge(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    Ok(Json(service::acknowledge(&state, &who, id).await?).into_response())
}

/// A unit's timer policy.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyInput {
    /// `vn` (Vietnamese rules) or `eu` (EU Directive 2019/1937: acknowledge in 7 days, feedback in 3 months).
    pub policy: String,
}

/// Chooses the acknowledgement and feedback timers a unit follows (administrators).
#[utoipa::path(put, path = "/api/v1/units/{code}/policy", request_body = PolicyInput, responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_policy(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    let scope = who.require(Right::Administer)?;
    let mut errs = ValidationErrors::new();
    let policy = liem_domain::validation::required_code::<liem_domain::timers::ChannelPolicy>(
        &mut errs,
        "policy",
        Some(&input.policy),
    );
    errs.into_result(())?;
    let mut c = state.store.conn().await?;
    let unit = units::by_code(&mut c, &code).await?;
    drop(c);
    if !scope.contains(&unit.path) {
        return Err(AppError::NotFound);
    }
    let mut tx = state.store.begin().await?;
    units::set_policy(&mut tx, &who.actor(), unit.id, policy.expect("checked")).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A clerk records a phone call or a walk-in on the reporter's behalf and
/// gets the receipt code to give them.
#[utoipa::path(post, path = "/api/v1/operator/reports", request_body = crate::public::OperatorInput, tag = "letters",
    responses((status = 201, description = "`reference` and `receipt_code` (shown once)", body = Object), (status = 422, body = Problem)))]
async fn operator_report(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<crate::public::OperatorInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let (id, code) = crate::public::operator_report(&state, &who, &input).await?;
    let view = service::letter_view(&state, &who, id).await?;
    let body = serde_json::json!({ "id": id, "reference": view.letter.reference, "receipt_code": code.grouped() });
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        (StatusCode::CREATED, Json(body)),
    )
        .into_response())
}

/// The conversation with the reporter of a public report.
#[utoipa::path(get, path = "/api/v1/letters/{id}/messages", tag = "letters", responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn list_messages(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<LetterId>,
) -> AppResult<Response> {
    Ok(Json(crate::public::staff_messages(&state, &who, id).await?).into_response())
}

/// A message to the reporter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageInput {
    /// The text (1–10000 characters).
    pub body: String,
}

/// Writes to the reporter; they read it in their mailbox.
#[utoipa::path(post, path = "/api/v1/letters/{id}/messages", request_body = MessageInput, tag = "letters",
    responses((status = 201, body = Object), (status = 409, description = "Not a public report", body = Problem), (status = 422, body = Problem)))]
async fn send_message(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<LetterId>,
    ApiJson(input): ApiJson<MessageInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let m = crate::public::staff_message(&state, &who, id, &input.body).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// An attachment's bytes.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "letters", responses((status = 200, description = "The file"), (status = 404, body = Problem)))]
async fn get_attachment(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<AttachmentId>,
) -> AppResult<Response> {
    let (a, bytes) = service::attachment(&state, &who, id).await?;
    let disposition = format!(
        "attachment; filename=\"{}.{}\"",
        a.id,
        extension(&a.media_type)
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

fn extension(media: &str) -> &'static str {
    match media {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "txt",
    }
}

/// A matter with its history, deadline and allowed actions.
#[utoipa::path(get, path = "/api/v1/matters/{id}", tag = "letters", responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn get_matter(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<MatterId>,
) -> AppResult<Json<MatterView>> {
    Ok(Json(service::matter_view(&state, &who, id).await?))
}

/// Takes a workflow action on a matter.
#[utoipa::path(post, path = "/api/v1/matters/{id}/actions", request_body = ActionInput, tag = "letters",
    responses((status = 200, body = Object), (status = 409, description = "Not allowed in this state", body = Problem), (status = 422, body = Problem)))]
async fn act(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<MatterId>,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<MatterView>> {
    csrf(&who, &headers)?;
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
    responses((status = 200, body = Object), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn assign(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<MatterId>,
    ApiJson(input): ApiJson<AssignInput>,
) -> AppResult<Json<MatterView>> {
    csrf(&who, &headers)?;
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
#[utoipa::path(get, path = "/api/v1/deadlines", params(DeadlineQuery), tag = "letters", responses((status = 200, body = Object)))]
async fn deadlines(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<DeadlineQuery>,
) -> AppResult<Response> {
    let scope = who.require(Right::ReadPetitions)?;
    let within = q.within.unwrap_or(7).min(3650);
    let mut c = state.store.conn().await?;
    let today = service::today();
    let counts = petitions::deadline_counts(&mut c, &scope, today, within).await?;
    let timers = petitions::timer_counts(&mut c, &scope, today).await?;
    Ok(Json(serde_json::json!({
        "today": today.to_string(), "within_days": within, "counts": counts, "timers": timers,
    }))
    .into_response())
}

/// Days off of a year: holidays (computed, with the lunar New Year) and the
/// days administrators entered.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", responses((status = 200, body = Object), (status = 422, body = Problem)))]
async fn calendar_year(
    State(state): State<AppState>,
    _who: Principal,
    Path(year): Path<i16>,
) -> AppResult<Response> {
    check_year(year)?;
    let mut c = state.store.conn().await?;
    let cal = calendar::load(&mut c).await?;
    Ok(Json(serde_json::json!({ "year": year, "days_off": cal.days_off(year), "entered": cal.overrides_in(year) })).into_response())
}

/// Checks a calendar year is in the supported range.
pub fn check_year(year: i16) -> AppResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::Validation(ValidationErrors::single(
            "year",
            "range",
            "must be between 1990 and 2100",
        )))
    }
}

/// A day an administrator enters.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DayInput {
    /// `day_off` or `working_day`.
    pub kind: String,
    /// The announcement's name for it.
    pub name: String,
}

/// Enters a day off or a swapped working day (administrators).
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", request_body = DayInput, responses((status = 204, description = "Entered"), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_day(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<DayInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    who.require(Right::Administer)?;
    let mut errs = ValidationErrors::new();
    let date = liem_domain::validation::required_date(&mut errs, "date", Some(&date));
    let kind = liem_domain::validation::required_code::<OverrideKind>(
        &mut errs,
        "kind",
        Some(&input.kind),
    );
    let name = liem_domain::validation::required_text(&mut errs, "name", &input.name, 200);
    errs.into_result(())?;
    let (Some(date), Some(kind)) = (date, kind) else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    let mut tx = state.store.begin().await?;
    calendar::set_day(&mut tx, &who.actor(), &DayOverride { date, kind, name }).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an entered day (administrators).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
async fn remove_day(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(date): Path<String>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    who.require(Right::Administer)?;
    let mut errs = ValidationErrors::new();
    let date = liem_domain::validation::required_date(&mut errs, "date", Some(&date));
    errs.into_result(())?;
    let Some(date) = date else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    let mut tx = state.store.begin().await?;
    let removed = calendar::remove_day(&mut tx, &who.actor(), date).await?;
    tx.commit().await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The deadline rules with their citations.
#[utoipa::path(get, path = "/api/v1/rules", responses((status = 200, body = Object)))]
async fn list_rules(State(state): State<AppState>, _who: Principal) -> AppResult<Response> {
    let mut c = state.store.conn().await?;
    let book = calendar::rule_book(&mut c).await?;
    Ok(Json(book.rules()).into_response())
}

/// The unit a rule is counted in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleUnitInput {
    /// `working_days`, `days` or `months`.
    pub unit: String,
}

/// Changes the unit a rule is counted in (administrators).
#[utoipa::path(put, path = "/api/v1/rules/{code}", request_body = RuleUnitInput, responses((status = 204, description = "Changed"), (status = 422, body = Problem)))]
async fn set_rule_unit(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleUnitInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    who.require(Right::Administer)?;
    let mut errs = ValidationErrors::new();
    let code = liem_domain::validation::required_code::<RuleCode>(&mut errs, "code", Some(&code));
    let unit =
        liem_domain::validation::required_code::<PeriodUnit>(&mut errs, "unit", Some(&input.unit));
    errs.into_result(())?;
    let (Some(code), Some(unit)) = (code, unit) else {
        return Err(AppError::BadRequest("unreachable".into()));
    };
    let mut tx = state.store.begin().await?;
    calendar::set_rule_unit(&mut tx, &who.actor(), code, unit).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verifies the audit chain (auditors).
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = Object), (status = 403, body = Problem)))]
async fn audit_verify(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    who.require(Right::ReadAudit)?;
    let mut c = state.store.conn().await?;
    Ok(Json(audit::verify(&mut c).await?).into_response())
}
