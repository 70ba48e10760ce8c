//! The API of administration: units, their timer policies, the calendar,
//! the deadline rules and the audit trail's verification.

use super::service;
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_domain::calendar::{DayOverride, OverrideKind};
use liem_domain::deadline::{PeriodUnit, RuleCode};
use liem_domain::timers::ChannelPolicy;
use liem_domain::validation::{required_code, required_date, required_text};
use liem_domain::ValidationErrors;
use liem_store::units::UnitRecord;
use serde::Deserialize;
use utoipa::ToSchema;

/// The units the caller can read.
#[utoipa::path(get, path = "/api/v1/units", tag = "admin", responses((status = 200, body = [UnitRecord], description = "The units, in tree order")))]
pub(super) async fn list_units(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<Vec<UnitRecord>>> {
    Ok(Json(service::list_units(&state, &who).await?))
}

/// A unit's timer policy.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyInput {
    /// `vn` (Vietnamese rules) or `eu` (EU Directive 2019/1937: acknowledge in 7 days, feedback in 3 months).
    pub policy: String,
}

/// Chooses the acknowledgement and feedback timers a unit follows (administrators of its tree).
#[utoipa::path(put, path = "/api/v1/units/{code}/policy", request_body = PolicyInput, responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_policy(
    State(state): State<AppState>,
    who: Writer,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let policy = required_code::<ChannelPolicy>(&mut errs, "policy", Some(&input.policy));
    let (Some(policy), ()) = (policy, errs.into_result(())?) else {
        return Err(AppError::BadRequest("policy".into()));
    };
    service::set_policy(&state, &who, &code, policy).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Days off of a year: holidays (computed, with the lunar New Year) and the
/// days administrators entered.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", responses((status = 200, description = "The year's days off", body = CalendarYear), (status = 422, body = Problem)))]
pub(super) async fn calendar_year(
    State(state): State<AppState>,
    who: Principal,
    Path(year): Path<i16>,
) -> AppResult<Response> {
    check_year(year)?;
    let cal = service::calendar(&state, &who).await?;
    Ok(Json(CalendarYear {
        year,
        days_off: cal.days_off(year),
        entered: cal.overrides_in(year),
    })
    .into_response())
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

/// Enters a day off or a swapped working day (central administrators); the
/// due dates of open matters are recomputed.
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", request_body = DayInput, responses((status = 204, description = "Entered"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_day(
    State(state): State<AppState>,
    who: Writer,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<DayInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let date = required_date(&mut errs, "date", Some(&date));
    let kind = required_code::<OverrideKind>(&mut errs, "kind", Some(&input.kind));
    let name = required_text(&mut errs, "name", &input.name, 200);
    let (Some(date), Some(kind), ()) = (date, kind, errs.into_result(())?) else {
        return Err(AppError::BadRequest("date, kind".into()));
    };
    service::set_day(&state, &who, &DayOverride { date, kind, name }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an entered day (central administrators).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(super) async fn remove_day(
    State(state): State<AppState>,
    who: Writer,
    Path(date): Path<String>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let date = required_date(&mut errs, "date", Some(&date));
    let (Some(date), ()) = (date, errs.into_result(())?) else {
        return Err(AppError::BadRequest("date".into()));
    };
    service::remove_day(&state, &who, date).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deadline rules with their citations.
#[utoipa::path(get, path = "/api/v1/rules", tag = "admin", responses((status = 200, body = [liem_domain::deadline::Rule], description = "The deadline rules with their citations")))]
pub(super) async fn list_rules(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    Ok(Json(service::rule_list(&state, &who).await?).into_response())
}

/// The unit a rule is counted in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleUnitInput {
    /// `working_days`, `days` or `months`.
    pub unit: String,
}

/// Changes the unit a rule is counted in (central administrators); the due
/// dates of open matters are recomputed.
#[utoipa::path(put, path = "/api/v1/rules/{code}", request_body = RuleUnitInput, responses((status = 204, description = "Changed"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_rule_unit(
    State(state): State<AppState>,
    who: Writer,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleUnitInput>,
) -> AppResult<StatusCode> {
    let mut errs = ValidationErrors::new();
    let code = required_code::<RuleCode>(&mut errs, "code", Some(&code));
    let unit = required_code::<PeriodUnit>(&mut errs, "unit", Some(&input.unit));
    let (Some(code), Some(unit), ()) = (code, unit, errs.into_result(())?) else {
        return Err(AppError::BadRequest("code, unit".into()));
    };
    service::set_rule_unit(&state, &who, code, unit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new version of a rule.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleVersionInput {
    /// The first day (YYYY-MM-DD) of the matters it applies to: a matter
    /// begun before keeps the version in force when it began.
    pub valid_from: String,
    /// How many units (1 to 3650).
    pub amount: u32,
    /// `working_days`, `days` or `months`.
    pub unit: String,
    /// The article and clause that set it (5 to 300 characters).
    pub citation: String,
}

/// Enters a new version of a rule, from the day a law changes it (national
/// administrators); the due dates of open matters are recomputed.
#[utoipa::path(post, path = "/api/v1/rules/{code}/versions", request_body = RuleVersionInput, responses((status = 204, description = "Entered"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn add_rule_version(
    State(state): State<AppState>,
    who: Writer,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RuleVersionInput>,
) -> AppResult<StatusCode> {
    let version = liem_domain::deadline::RuleVersion::parse(
        &code,
        &input.valid_from,
        input.amount,
        &input.unit,
        &input.citation,
    )?;
    service::add_rule_version(&state, &who, &version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserInput {
    /// Login name (lower-case letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// The code of their unit (one the caller administers).
    pub unit: String,
    /// Role codes: `administrator`, `intake_clerk`, `handler`, `leader`, `analyst`, `auditor`, `custodian`.
    pub roles: Vec<String>,
    /// First password, 12 to 1,024 characters.
    pub password: String,
    /// Preferred language (`vi`, `en`, `fr`, `ar`).
    #[serde(default)]
    pub locale: Option<String>,
}

/// A user as administrators see them.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UserView {
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Their unit's code.
    pub unit: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Whether the account may log in.
    pub active: bool,
}

impl From<liem_store::users::UserRecord> for UserView {
    fn from(u: liem_store::users::UserRecord) -> Self {
        UserView {
            username: u.username,
            display_name: u.display_name,
            unit: u.unit_code,
            roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            active: u.active,
        }
    }
}

/// The users of the units the caller administers.
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = [UserView]), (status = 403, body = Problem)))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<Vec<UserView>>> {
    Ok(Json(
        service::list_users(&state, &who)
            .await?
            .into_iter()
            .map(UserView::from)
            .collect(),
    ))
}

/// Adds a user to a unit the caller administers.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUserInput, responses((status = 201, description = "The account made", body = CreatedUser), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<NewUserInput>,
) -> AppResult<Response> {
    let user = input.parse()?;
    let username_text = user.username.as_str().to_owned();
    service::create_user(&state, &who, user).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            username: username_text,
        }),
    )
        .into_response())
}

impl NewUserInput {
    /// The user to add, or every field's error.
    pub fn parse(self) -> Result<service::UserInput, ValidationErrors> {
        let input = self;
        let mut errs = ValidationErrors::new();
        let username = match liem_domain::role::Username::parse(&input.username) {
            Ok(u) => Some(u),
            Err(e) => {
                errs.merge(e);
                None
            }
        };
        let display_name = required_text(&mut errs, "display_name", &input.display_name, 200);
        required_text(&mut errs, "unit", &input.unit, 32);
        if let Err(e) = liem_domain::role::check_password(&input.password) {
            errs.merge(e);
        }
        let mut roles = Vec::new();
        if input.roles.is_empty() {
            errs.add("roles", "required", "must list at least one role");
        }
        for (i, r) in input.roles.iter().enumerate() {
            match r.parse::<liem_domain::role::Role>() {
                Ok(r) if !roles.contains(&r) => roles.push(r),
                Ok(_) => errs.add(&format!("roles[{i}]"), "duplicate", "is listed twice"),
                Err(e) => errs.add(&format!("roles[{i}]"), "unknown_value", e.to_string()),
            }
        }
        let locale = match input
            .locale
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            None => None,
            Some(l) if crate::i18n::Lang::ALL.iter().any(|x| x.tag() == l) => Some(l.to_owned()),
            Some(_) => {
                errs.add("locale", "one_of", "must be vi, en, fr or ar");
                None
            }
        };
        errs.into_result(())?;
        let Some(username) = username else {
            return Err(ValidationErrors::single(
                "username",
                "required",
                "must be a login name",
            ));
        };
        Ok(service::UserInput {
            username,
            display_name,
            unit: input.unit,
            roles,
            password: input.password,
            locale,
        })
    }
}

/// The confirmation of what a reset ends.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConfirmQuery {
    /// `true`: the caller knows the user's sessions, tokens, second factor
    /// and key pair end.
    pub confirm: Option<bool>,
}

/// A password made by a reset, to hand over once.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ResetAnswer {
    /// The login name.
    pub username: String,
    /// The new password (shown this once; the user changes it).
    pub password: String,
}

/// Resets a forgotten password of a user of the caller's units: a new
/// password (answered once) and a new key pair for sealed identities (those
/// sealed for the old one are read again once a second custodian or the
/// unit's recovery key re-seals them); their sessions, tokens and second
/// factor end.
#[utoipa::path(post, path = "/api/v1/users/{username}/password-reset", tag = "admin", params(("username" = String, Path, description = "The login name"), ConfirmQuery), responses((status = 200, description = "The new password", body = ResetAnswer), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, description = "Not confirmed, or one's own account", body = Problem)))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    who: Writer,
    Path(username): Path<String>,
    Query(q): Query<ConfirmQuery>,
) -> AppResult<Response> {
    let password =
        service::reset_password(&state, &who, &username, q.confirm.unwrap_or(false)).await?;
    Ok(Json(ResetAnswer { username, password }).into_response())
}

/// Whether an account may log in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActiveInput {
    /// `false` stops the account (its sessions end at once); `true` lets it log in again.
    pub active: bool,
}

/// Stops a user of the caller's units, or lets them log in again.
#[utoipa::path(put, path = "/api/v1/users/{username}/active", tag = "admin", params(("username" = String, Path, description = "The login name")), request_body = ActiveInput, responses((status = 204, description = "Set"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn set_user_active(
    State(state): State<AppState>,
    who: Writer,
    Path(username): Path<String>,
    ApiJson(input): ApiJson<ActiveInput>,
) -> AppResult<StatusCode> {
    service::set_user_active(&state, &who, &username, input.active).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A unit to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUnitInput {
    /// Code (upper-case letters, digits and `-`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind (`committee`, `province`, `commune`, `inspectorate`, …).
    pub kind: String,
    /// The parent's code (a unit the caller administers).
    pub parent: String,
    /// First day of existence (YYYY-MM-DD); today when absent.
    #[serde(default)]
    pub valid_from: Option<String>,
}

/// Adds a unit under one the caller administers; the answer carries its
/// recovery key, shown once (print it and keep it offline).
#[utoipa::path(post, path = "/api/v1/units", tag = "admin", request_body = NewUnitInput, responses((status = 201, description = "The unit made, with its recovery key (shown once)", body = CreatedUnit), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn create_unit(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<NewUnitInput>,
) -> AppResult<Response> {
    let (unit, key) = service::create_unit(&state, &who, input.parse()?).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUnit {
            code: unit.code,
            path: unit.path,
            recovery_key: key.to_text(),
        }),
    )
        .into_response())
}

impl NewUnitInput {
    /// The unit to add, or every field's error.
    pub fn parse(self) -> Result<service::UnitInput, ValidationErrors> {
        let input = self;
        let mut errs = ValidationErrors::new();
        let code = match liem_domain::unit::UnitCode::parse(&input.code) {
            Ok(c) => Some(c),
            Err(e) => {
                errs.merge(e);
                None
            }
        };
        let name = required_text(&mut errs, "name", &input.name, 300);
        let kind =
            required_code::<liem_domain::unit::UnitKind>(&mut errs, "kind", Some(&input.kind));
        required_text(&mut errs, "parent", &input.parent, 32);
        let valid_from = match input
            .valid_from
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(d) => required_date(&mut errs, "valid_from", Some(d)),
        };
        errs.into_result(())?;
        let (Some(code), Some(kind)) = (code, kind) else {
            return Err(ValidationErrors::single(
                "code",
                "required",
                "must be a unit code",
            ));
        };
        Ok(service::UnitInput {
            code,
            name,
            kind,
            parent: input.parent,
            valid_from,
        })
    }
}

/// What to verify.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct VerifyQuery {
    /// Also check every register record against the state the trail attests.
    #[serde(default)]
    pub deep: bool,
}

/// Verifies the audit chain (auditors): its keyed hashes, links and head;
/// with `deep=true` also every register record.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "admin", params(VerifyQuery), responses((status = 200, description = "What the verification found", body = VerifyAnswer), (status = 403, body = Problem)))]
pub(super) async fn audit_verify(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Query(q): axum::extract::Query<VerifyQuery>,
) -> AppResult<Response> {
    let v = service::verify_audit(&state, &who, q.deep).await?;
    Ok(Json(VerifyAnswer {
        intact: v.intact(),
        records: v.records,
        first_break: v.first_break,
        findings: v.findings,
    })
    .into_response())
}

/// A signed checkpoint of the audit chain's head now (auditors; a witness
/// polls it with an auditor's token and keeps what it gets). The line is
/// what `liem audit verify --checkpoints FILE` reads.
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "admin", responses((status = 200, description = "A checkpoint signed now", body = CheckpointAnswer), (status = 403, body = Problem)))]
pub(super) async fn audit_checkpoint(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Response> {
    let cp = service::checkpoint(&state, &who).await?;
    Ok(Json(CheckpointAnswer {
        line: cp.to_string(),
        checkpoint: cp,
    })
    .into_response())
}

/// A year's days off.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CalendarYear {
    /// The year.
    pub year: i16,
    /// Every day off: weekends excepted, holidays computed and entered.
    pub days_off: Vec<liem_domain::calendar::DayOff>,
    /// The days administrators entered (days off, and working days moved).
    pub entered: Vec<liem_domain::calendar::DayOverride>,
}

/// An account made.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CreatedUser {
    /// Its login name.
    pub username: String,
}

/// A unit made.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CreatedUnit {
    /// Its code.
    pub code: String,
    /// Its path in the unit tree.
    pub path: String,
    /// The key that recovers its sealed identities; shown once: print it and keep it offline.
    pub recovery_key: String,
}

/// What a verification of the audit chain found.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct VerifyAnswer {
    /// Whether nothing is wrong.
    pub intact: bool,
    /// Records checked.
    pub records: i64,
    /// The first broken record, if any.
    pub first_break: Option<liem_store::audit::Break>,
    /// With `deep`: register records whose state no audit record explains.
    pub findings: Vec<liem_store::audit::state::Finding>,
}

/// A signed checkpoint, as a line and as fields.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CheckpointAnswer {
    /// The checkpoint as one line, what `liem audit verify --checkpoints FILE` reads.
    pub line: String,
    /// Its fields.
    #[serde(flatten)]
    pub checkpoint: liem_store::audit::checkpoint::Checkpoint,
}
