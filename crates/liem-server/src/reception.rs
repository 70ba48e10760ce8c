//! Citizen reception: recording sessions, the 01/TCD figures, and the check
//! that heads keep their statutory reception days.

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, Problem};
use crate::service::{self, rules, today};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use liem_domain::deadline::RuleCode;
use liem_domain::reception::{
    figures, schedule_gaps, statutory_frequency, SessionInput, VisitOutcome,
};
use liem_domain::role::{Right, Scope};
use liem_domain::ValidationErrors;
use liem_store::{reception, units};
use serde::Deserialize;
use utoipa::IntoParams;

/// The reception routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reception", get(page).post(record_form))
        .route("/api/v1/reception/sessions", post(record))
        .route("/api/v1/reception/figures", get(figures_api))
        .route("/api/v1/reception/compliance", get(compliance))
        .route(
            "/api/v1/reception/schedules",
            get(list_schedules).put(set_schedule),
        )
}

/// Records a session held in the caller's unit.
pub async fn record_session(
    state: &AppState,
    who: &Principal,
    input: &SessionInput,
) -> AppResult<uuid::Uuid> {
    who.require(Right::RegisterLetter)?;
    let s = input.parse(today())?;
    let (cal, book) = rules(state).await?;
    let rule = book
        .rule(RuleCode::ReceptionReply, s.session.held_on)
        .ok_or_else(|| AppError::Internal("no reception-reply rule in force".into()))?;
    let due: Vec<Option<Date>> = s
        .session
        .visits
        .iter()
        .map(|v| {
            (v.outcome == VisitOutcome::ReplyDue).then(|| rule.due_after(&cal, s.session.held_on))
        })
        .collect();
    let mut tx = state.store.begin().await?;
    let id =
        reception::insert_session(&mut tx, &who.actor(), who.user.unit_id, &s, &due, &[]).await?;
    tx.commit().await?;
    Ok(id)
}

#[utoipa::path(post, path = "/api/v1/reception/sessions", request_body = SessionInput, tag = "reception",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a reception session with its visits and matters.
pub async fn record(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SessionInput>,
) -> AppResult<Response> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let id = record_session(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

/// A period and an optional unit.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// A unit code; its subtree is counted (default: the caller's scope).
    pub unit: Option<String>,
}

impl PeriodQuery {
    fn dates(&self) -> AppResult<(Date, Date)> {
        let mut errs = ValidationErrors::new();
        let period =
            liem_domain::validation::required_period(&mut errs, Some(&self.from), Some(&self.to));
        errs.into_result(())?;
        Ok(period.expect("checked"))
    }
}

async fn scope_for(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
) -> AppResult<(Scope, Option<units::UnitRecord>)> {
    let scope = who.require(Right::ReadPetitions)?;
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok((scope, None)),
        Some(code) => {
            let u = service::unit_in_scope(state, who, code)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::Validation(ValidationErrors::single(
                        "unit",
                        "unknown_value",
                        "must be a unit code in your scope",
                    )),
                    e => e,
                })?;
            Ok((Scope::Subtree(u.path.clone()), Some(u)))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reception/figures", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "The figures of form 01/TCD", body = Object), (status = 422, body = Problem)))]
/// The reception figures (form 01/TCD) of a period, for a unit's subtree.
pub async fn figures_api(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let (scope, _) = scope_for(&state, &who, q.unit.as_deref()).await?;
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &scope, from, to).await?;
    Ok(Json(figures(&sessions, from, to)).into_response())
}

#[utoipa::path(get, path = "/api/v1/reception/compliance", params(PeriodQuery), tag = "reception",
    responses((status = 200, description = "Weeks or months in which the head did not receive citizens in person", body = Object), (status = 422, body = Problem)))]
/// Whether the head of a unit kept the statutory reception days
/// (commune chair weekly; provincial chair and agency heads monthly).
pub async fn compliance(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = q.dates()?;
    let code = q.unit.clone().unwrap_or_else(|| who.user.unit_code.clone());
    let (_, unit) = scope_for(&state, &who, Some(&code)).await?;
    let unit = unit.expect("a unit was named");
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &Scope::Unit(unit.path.clone()), from, to).await?;
    drop(c);
    let (cal, _) = rules(&state).await?;
    let freq = statutory_frequency(unit.kind);
    let gaps = schedule_gaps(&sessions, freq, from, to, &cal);
    Ok(Json(serde_json::json!({ "unit": unit.code, "frequency": format!("{freq:?}").to_lowercase(), "missed": gaps })).into_response())
}

#[derive(askama::Template)]
#[template(path = "reception.html")]
struct ReceptionTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    from: String,
    to: String,
    today: String,
    rows: Vec<(&'static str, liem_domain::reception::ReceptionRow)>,
    missed: Vec<(String, String)>,
    notice: Option<String>,
    errors: Vec<liem_domain::FieldError>,
    session_kinds: Vec<String>,
    hosts: Vec<String>,
    outcomes: Vec<String>,
    kinds: Vec<String>,
    visit_slots: Vec<usize>,
}

/// The period of the page: `from`/`to`, default the current month so far.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn render_page(
    state: &AppState,
    page: &crate::pages::Page,
    q: &PageQuery,
    notice: Option<String>,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    use askama::Template;
    let who = page.principal().ok_or(AppError::Unauthenticated)?;
    let today = today();
    let from = q
        .from
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| today.first_of_month());
    let to =
        q.to.as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .unwrap_or(today);
    let (scope, _) = scope_for(state, who, None).await?;
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &scope, from, to).await?;
    let own =
        reception::sessions(&mut c, &Scope::Unit(who.user.unit_path.clone()), from, to).await?;
    let unit = units::get(&mut c, who.user.unit_id).await?;
    drop(c);
    let (cal, _) = rules(state).await?;
    let f = figures(&sessions, from, to);
    let missed = schedule_gaps(&own, statutory_frequency(unit.kind), from, to, &cal)
        .into_iter()
        .map(|g| (g.from.to_string(), g.to.to_string()))
        .collect();
    let codes = |all: &[&'static str]| all.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let t = ReceptionTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        from: from.to_string(),
        to: to.to_string(),
        today: today.to_string(),
        rows: vec![
            ("rc-regular", f.regular),
            ("rc-head", f.head_in_person),
            ("rc-delegated", f.delegated),
            ("rc-total", f.total),
        ],
        missed,
        notice,
        errors,
        session_kinds: codes(
            &liem_domain::reception::SessionKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        hosts: codes(
            &liem_domain::reception::HostMode::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        outcomes: codes(
            &VisitOutcome::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        kinds: codes(
            &liem_domain::petition::PetitionKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        visit_slots: (0..4).collect(),
    };
    let html = t.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(axum::response::Html(html).into_response())
}

async fn page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Query(q): Query<PageQuery>,
) -> Response {
    if page.principal().is_none() {
        return axum::response::Redirect::to("/login").into_response();
    }
    match render_page(&state, &page, &q, None, Vec::new()).await {
        Ok(r) => r,
        Err(e) => page.error_page(e),
    }
}

async fn record_form(
    State(state): State<AppState>,
    page: crate::pages::Page,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Response {
    let Some(who) = page.principal() else {
        return axum::response::Redirect::to("/login").into_response();
    };
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Err(e) = who.check_csrf(get("csrf").as_deref()) {
        return page.error_page(e);
    }
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let mut visits = Vec::new();
    for i in 0..4 {
        let people: u32 = get(&format!("people_{i}"))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
        if people == 0 {
            continue;
        }
        visits.push(liem_domain::reception::VisitInput {
            people: Some(people),
            representatives: get(&format!("representatives_{i}"))
                .and_then(|p| p.trim().parse().ok()),
            first_matters: all(&format!("first_{i}")),
            repeat_matters: all(&format!("repeat_{i}")),
            outcome: get(&format!("outcome_{i}")),
            note: None,
        });
    }
    let input = SessionInput {
        held_on: get("held_on"),
        kind: get("kind"),
        host: get("host"),
        host_name: get("host_name"),
        visits,
    };
    let q = PageQuery {
        from: None,
        to: None,
    };
    let result = match record_session(&state, who, &input).await {
        Ok(_) => {
            render_page(
                &state,
                &page,
                &q,
                Some(page.tr().t("rc-recorded")),
                Vec::new(),
            )
            .await
        }
        Err(AppError::Validation(e)) => render_page(&state, &page, &q, None, e.errors)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| page.error_page(e))
}

/// Decodes an `application/x-www-form-urlencoded` body into pairs, keeping
/// repeated names (checkbox groups).
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[utoipa::path(put, path = "/api/v1/reception/schedules", request_body = liem_domain::reception::ScheduleInput, tag = "reception",
    responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Sets a head's reception schedule in the caller's unit (leaders and
/// administrators); it must meet the statutory minimum for the unit.
pub async fn set_schedule(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    crate::api::ApiJson(input): crate::api::ApiJson<liem_domain::reception::ScheduleInput>,
) -> AppResult<StatusCode> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    if !(who.can(Right::ConcludeMatter) || who.can(Right::Administer)) {
        return Err(AppError::Forbidden(
            "a leader or administrator sets reception schedules".into(),
        ));
    }
    let mut c = state.store.conn().await?;
    let unit = units::get(&mut c, who.user.unit_id).await?;
    drop(c);
    let schedule = input.parse(unit.kind)?;
    let mut tx = state.store.begin().await?;
    reception::set_schedule(&mut tx, &who.actor(), unit.id, &schedule).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A unit.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitQuery {
    /// The unit code (default: the caller's unit).
    pub unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reception/schedules", params(UnitQuery), tag = "reception", responses((status = 200, body = Object)))]
/// The reception schedules of a unit.
pub async fn list_schedules(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    let code = q.unit.clone().unwrap_or_else(|| who.user.unit_code.clone());
    let (_, unit) = scope_for(&state, &who, Some(&code)).await?;
    let unit = unit.expect("a unit was named");
    let mut c = state.store.conn().await?;
    Ok(Json(reception::schedules(&mut c, unit.id).await?).into_response())
}
