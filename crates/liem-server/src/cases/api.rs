//! The API of the cases register.

use crate::auth::Principal;
use crate::cases::csv::case_csv;
use crate::cases::csv::watch_csv;
use crate::cases::service::acknowledge;
use crate::cases::service::add_asset;
use crate::cases::service::add_charge;
use crate::cases::service::add_party;
use crate::cases::service::add_target;
use crate::cases::service::case_view;
use crate::cases::service::create_case;
use crate::cases::service::figures;
use crate::cases::service::grant;
use crate::cases::service::list;
use crate::cases::service::monitor;
use crate::cases::service::send_file;
use crate::cases::service::take_stage;
use crate::cases::service::transfer_view;
use crate::cases::service::unit_by_code;
use crate::cases::service::unmonitor;
use crate::cases::service::viewer;
use crate::cases::service::watch_list;
use crate::cases::service::CaseQuery;
use crate::cases::service::CaseTransferInput;
use crate::cases::service::GrantInput;
use crate::cases::service::PartyInput;
use crate::cases::service::RemovalInput;
use crate::cases::service::TransferView;
use crate::cases::service::{CaseView, Figures, WatchRow};
use crate::clock::today;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::answer::{Created, Items, Listed};
use crate::web::csv::csv_response;
use crate::web::error::AppResult;
use crate::web::error::Problem;
use crate::web::json::created;
use crate::web::json::ApiJson;
use crate::web::lang::Asked;
use crate::web::write::Writer;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::assets::AssetInput;
use liem_domain::people::ChargeInput;
use liem_domain::register::CaseInput;
use liem_domain::register::MonitoringInput;
use liem_domain::register::StageInput;
use liem_domain::register::TargetInput;
use liem_domain::validation::required_period;
use liem_domain::ValidationErrors;
use liem_store::cases as store;
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), tag = "cases",
    responses((status = 200, description = "A page of the register; or CSV with `format=csv`", body = Listed<liem_store::cases::CaseRow>), (status = 422, body = Problem)))]
/// The register of cases and incidents the caller sees.
pub async fn api_list(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
    Query(q): Query<CaseQuery>,
) -> AppResult<Response> {
    let (page, total) = list(&state, &who, &q).await?;
    if q.format.as_deref() == Some("csv") {
        let tr = csv_language(&state, &who, &asked, q.lang.as_deref());
        return Ok(case_csv(&page.items, tr.as_ref()));
    }
    Ok(Json(Listed {
        items: page.items,
        next_cursor: page.next_cursor,
        total,
    })
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/cases", request_body = CaseInput, tag = "cases",
    responses((status = 201, description = "Registered; `Location` names it", body = CreatedCase), (status = 422, body = Problem)))]
/// Registers a case or an incident in the caller's unit.
pub async fn api_create(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<CaseInput>,
) -> AppResult<Response> {
    let (id, reference) = create_case(&state, &who, &input).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/cases/{id}"))],
        Json(CreatedCase { id, reference }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    responses((status = 200, body = CaseView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// One entry with its stages, transfers, monitoring, parties and assets.
pub async fn api_get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(case_view(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/stage", request_body = StageInput, tag = "cases",
    responses((status = 200, description = "The entry after the stage", body = liem_store::cases::CaseRow), (status = 409, description = "Not possible in the current stage", body = Problem), (status = 422, body = Problem)))]
/// Takes a stage action, optionally sending the file to another agency.
pub async fn api_stage(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<StageInput>,
) -> AppResult<Response> {
    Ok(Json(take_stage(&state, &who, id, &input).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/transfers", request_body = CaseTransferInput, tag = "cases",
    responses((status = 201, description = "The transfer recorded", body = Created), (status = 422, body = Problem)))]
/// Sends an entry's file to another agency.
pub async fn api_transfer(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<CaseTransferInput>,
) -> AppResult<Response> {
    let t = send_file(&state, &who, id, &input).await?;
    Ok(created(t, format!("/api/v1/cases/{id}")))
}

/// Which transfers.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PendingQuery {
    /// Only those past their acknowledgement day.
    pub overdue: Option<bool>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/case-transfers", params(PendingQuery), tag = "cases", responses((status = 200, description = "The transfers; or CSV with `format=csv`", body = Items<TransferView>)))]
/// Files sent by or to the caller's units and not yet acknowledged.
pub async fn api_pending_transfers(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PendingQuery>,
) -> AppResult<Response> {
    let v = viewer(&who)?;
    let today = today();
    let mut c = state.store.conn().await?;
    let items: Vec<TransferView> =
        store::pending_transfers(&mut c, &v, today, q.overdue.unwrap_or(false))
            .await?
            .into_iter()
            .map(|t| transfer_view(t, today))
            .collect();
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_response(
            "transfers.csv",
            &[
                "case", "kind", "from", "to", "sent_on", "ack_due", "overdue",
            ],
            items
                .iter()
                .map(|t| {
                    let x = &t.transfer;
                    vec![
                        x.case_reference.clone(),
                        x.kind.to_string(),
                        x.from_code.clone(),
                        x.to_code.clone(),
                        x.sent_on.to_string(),
                        x.ack_due.to_string(),
                        t.overdue.to_string(),
                    ]
                })
                .collect(),
        ));
    }
    Ok(Json(Items { items }).into_response())
}

#[utoipa::path(post, path = "/api/v1/case-transfers/{id}/acknowledge", tag = "cases",
    responses((status = 204, description = "Acknowledged"), (status = 403, body = Problem), (status = 409, body = Problem)))]
/// The receiving agency acknowledges a file.
pub async fn api_acknowledge(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<StatusCode> {
    acknowledge(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/monitoring", request_body = MonitoringInput, tag = "cases",
    responses((status = 201, description = "The monitoring recorded", body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Places an entry under a steering committee's monitoring, with targets.
pub async fn api_monitor(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<MonitoringInput>,
) -> AppResult<Response> {
    let m = monitor(&state, &who, id, &input).await?;
    Ok(created(m, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/monitorings/{id}/targets", request_body = TargetInput, tag = "cases",
    responses((status = 201, description = "The target recorded", body = Created), (status = 422, body = Problem)))]
/// Adds a milestone target to a monitoring.
pub async fn api_add_target(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<TargetInput>,
) -> AppResult<Response> {
    let t = add_target(&state, &who, id, &input).await?;
    Ok(created(t, format!("/api/v1/monitorings/{id}")))
}

#[utoipa::path(post, path = "/api/v1/monitorings/{id}/removal", request_body = RemovalInput, tag = "cases",
    responses((status = 204, description = "Removed"), (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Removes an entry from monitoring by a later decision.
pub async fn api_unmonitor(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<RemovalInput>,
) -> AppResult<StatusCode> {
    unmonitor(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/parties", request_body = PartyInput, tag = "cases",
    responses((status = 201, description = "The party recorded", body = Created), (status = 422, body = Problem)))]
/// Adds a person or organisation to an entry in a role.
pub async fn api_add_party(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<PartyInput>,
) -> AppResult<Response> {
    let p = add_party(&state, &who, id, &input).await?;
    Ok(created(p, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/case-parties/{id}/charges", request_body = ChargeInput, tag = "cases",
    responses((status = 201, description = "The charge recorded", body = Created), (status = 422, body = Problem)))]
/// Records a charge (Penal Code article, clause, class) against a party.
pub async fn api_add_charge(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<ChargeInput>,
) -> AppResult<Response> {
    let c = add_charge(&state, &who, id, &input).await?;
    Ok(created(c, format!("/api/v1/case-parties/{id}")))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assets", request_body = AssetInput, tag = "cases",
    responses((status = 201, description = "The asset event recorded", body = Created), (status = 422, body = Problem)))]
/// Records an asset event (damage, to recover, seized, recovered).
pub async fn api_add_asset(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<AssetInput>,
) -> AppResult<Response> {
    let a = add_asset(&state, &who, id, &input).await?;
    Ok(created(a, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/access", request_body = GrantInput, tag = "cases",
    responses((status = 204, description = "Named"), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Names a person on an entry (on a restricted one, only they see it).
pub async fn api_grant(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<GrantInput>,
) -> AppResult<StatusCode> {
    grant(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A committee.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WatchQuery {
    /// The committee's code (default: the caller's unit).
    pub committee: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// With `format=csv`: headings, stages, milestones and dates in this
    /// language (vi, en, fr, ar); machine codes without it.
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/watchlist", params(WatchQuery), tag = "cases", responses((status = 200, description = "The watch list; or CSV with `format=csv`", body = WatchList), (status = 422, body = Problem)))]
/// A committee's watch list: each monitored entry, its stage, next target and holder.
pub async fn api_watch_list(
    State(state): State<AppState>,
    who: Principal,
    asked: Asked,
    Query(q): Query<WatchQuery>,
) -> AppResult<Response> {
    let (u, rows) = watch_list(&state, &who, q.committee.as_deref()).await?;
    if q.format.as_deref() == Some("csv") {
        let tr = csv_language(&state, &who, &asked, q.lang.as_deref());
        return Ok(watch_csv(&rows, tr.as_ref()));
    }
    Ok(Json(WatchList {
        committee: u.code,
        items: rows,
    })
    .into_response())
}

/// Deadline counts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// Only entries this committee monitors (code).
    pub committee: Option<String>,
    /// The due-soon window in days (default 15).
    pub within: Option<u32>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/case-deadlines", params(DeadlineQuery), tag = "cases", responses((status = 200, description = "The counts; or CSV with `format=csv`", body = CaseDeadlines)))]
/// Overdue and due-soon stage limits per holding agency, and files not
/// acknowledged in time.
pub async fn api_deadlines(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<DeadlineQuery>,
) -> AppResult<Response> {
    let v = viewer(&who)?;
    let committee = match q.committee.as_deref() {
        Some(code) => Some(unit_by_code(&state, "committee", code).await?.id),
        None => None,
    };
    let today = today();
    let mut c = state.store.conn().await?;
    let per_agency =
        store::stage_deadline_counts(&mut c, &v, committee, today, q.within.unwrap_or(15)).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_response(
            "case-deadlines.csv",
            &["agency", "name", "overdue", "due_soon"],
            per_agency
                .iter()
                .map(|r| {
                    vec![
                        r.unit_code.clone(),
                        r.unit_name.clone(),
                        r.overdue.to_string(),
                        r.due_soon.to_string(),
                    ]
                })
                .collect(),
        ));
    }
    let transfers: Vec<TransferView> = store::pending_transfers(&mut c, &v, today, true)
        .await?
        .into_iter()
        .map(|t| transfer_view(t, today))
        .collect();
    Ok(Json(CaseDeadlines {
        per_agency,
        overdue_transfers: transfers,
    })
    .into_response())
}

/// A period and a scope.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FigureQuery {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// A unit's subtree (code).
    pub unit: Option<String>,
    /// Or a committee's monitored list (code).
    pub committee: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/case-figures", params(FigureQuery), tag = "cases", responses((status = 200, description = "The period's figures", body = Figures), (status = 422, body = Problem)))]
/// Cases and defendants newly prosecuted, carried over, handled, added,
/// concluded, indicted, tried; assets and recovery rates — for a period.
pub async fn api_figures(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FigureQuery>,
) -> AppResult<Response> {
    let mut e = ValidationErrors::new();
    let period = required_period(&mut e, Some(&q.from), Some(&q.to));
    e.into_result(())?;
    let (from, to) = period.expect("checked");
    let f = figures(
        &state,
        &who,
        from,
        to,
        q.unit.as_deref(),
        q.committee.as_deref(),
    )
    .await?;
    Ok(Json(f).into_response())
}

/// An entry registered.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedCase {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its reference in the register.
    pub reference: String,
}

/// A committee's watch list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WatchList {
    /// The committee's code.
    pub committee: String,
    /// The monitored entries.
    pub items: Vec<WatchRow>,
}

/// Stage limits overdue and due soon, and files not acknowledged in time.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CaseDeadlines {
    /// Per holding agency.
    pub per_agency: Vec<liem_store::cases::StageDeadlineCount>,
    /// Transfers past their acknowledgement day.
    pub overdue_transfers: Vec<TransferView>,
}

/// The language a CSV file is asked in (`lang`): none (machine headings
/// and codes) unless one is named.
fn csv_language(
    state: &AppState,
    who: &Principal,
    asked: &Asked,
    lang: Option<&str>,
) -> Option<Tr> {
    lang.filter(|l| !l.trim().is_empty())
        .map(|_| Tr::new(state.i18n.clone(), asked.staff(who.user.locale.as_deref())))
}
