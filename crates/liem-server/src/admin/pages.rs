//! The calendar page, and the administrators' page of users.

use super::service;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::render;
use crate::web::page::Page;
use crate::web::write::PostedForm;
use askama::Template;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_domain::role::Role;
use liem_domain::validation::FieldError;
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
    /// The days administrators entered: (ISO date, date as written, kind's
    /// label, name).
    entered: Vec<(String, String, String, String)>,
    /// The reader changes the national calendar (a central administrator).
    national: bool,
    notice: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    year: Option<i16>,
    done: Option<String>,
}

pub(super) async fn calendar(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> Response {
    let notice = q.done.as_deref().map(|_| page.tr.t("cal-done"));
    calendar_page(&state, &page, q.year, StatusCode::OK, notice, None).await
}

/// The calendar page of a year, with what was just done or refused.
async fn calendar_page(
    state: &AppState,
    page: &Page,
    year: Option<i16>,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let national = matches!(
        who.scope(liem_domain::role::Right::Administer),
        liem_domain::role::Scope::Subtree(p) if liem_domain::unit::is_root_path(&p)
    );
    let year = year.unwrap_or_else(|| crate::clock::today().year());
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
    let entered = cal
        .overrides_in(year)
        .into_iter()
        .map(|o| {
            (
                o.date.to_string(),
                page.tr.date(o.date),
                page.tr.code("cal-kind", o.kind.as_str()),
                o.name,
            )
        })
        .collect();
    let days = cal
        .days_off(year)
        .into_iter()
        .map(|d| {
            (
                page.tr.date(d.date),
                if d.code == "announced" {
                    d.name
                } else {
                    holiday_name(&page.tr, &d.code)
                },
            )
        })
        .collect();
    (
        status,
        render(&CalendarTpl {
            tr: page.tr.clone(),
            user: page.user.clone(),
            csrf: page.csrf.clone(),
            year,
            days,
            entered,
            national,
            notice,
            problem,
        }),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct DayForm {
    date: String,
    kind: String,
    name: String,
}

/// Enters a day off or a swapped working day (central administrators).
pub(super) async fn set_day(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<DayForm>,
) -> Response {
    let mut errs = liem_domain::ValidationErrors::new();
    let date = liem_domain::validation::required_date(&mut errs, "date", Some(&form.date));
    let kind = liem_domain::validation::required_code::<liem_domain::calendar::OverrideKind>(
        &mut errs,
        "kind",
        Some(&form.kind),
    );
    let name = liem_domain::validation::required_text(&mut errs, "name", &form.name, 200);
    let result = match (date, kind, errs.into_result(())) {
        (Some(date), Some(kind), Ok(())) => {
            let day = liem_domain::calendar::DayOverride { date, kind, name };
            service::set_day(&state, &who, &day).await.map(|()| date)
        }
        (_, _, Err(e)) => Err(e.into()),
        _ => Err(AppError::BadRequest("date, kind".into())),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/calendar?year={}&done=1", d.year())).into_response(),
        Err(e) => calendar_refused(&state, &page, e).await,
    }
}

/// Removes an entered day (central administrators).
pub(super) async fn remove_day(
    State(state): State<AppState>,
    Path(date): Path<String>,
    PostedForm { page, who, .. }: PostedForm<serde::de::IgnoredAny>,
) -> Response {
    let Ok(d) = date.parse::<jiff::civil::Date>() else {
        return page.error(AppError::NotFound);
    };
    match service::remove_day(&state, &who, d).await {
        Ok(()) => Redirect::to(&format!("/calendar?year={}&done=1", d.year())).into_response(),
        Err(e) => calendar_refused(&state, &page, e).await,
    }
}

async fn calendar_refused(state: &AppState, page: &Page, e: AppError) -> Response {
    match e {
        AppError::Validation(v) => {
            let message = page.tr.field_errors(&v);
            calendar_page(
                state,
                page,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
        other => page.error(other),
    }
}

pub(super) fn holiday_name(tr: &Tr, code: &str) -> String {
    tr.code("holiday", code)
}

/// A user as the administrators' page lists them.
pub(super) struct UserLine {
    username: String,
    display_name: String,
    unit_code: String,
    /// Their roles, named in the reader's language.
    roles: String,
    active: bool,
    /// The reader themself (no stop or reset of oneself here).
    me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub(super) struct UsersTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    notice: Option<String>,
    /// A new password to hand over once: (whose, the password).
    handed: Option<(String, String)>,
    errors: Vec<FieldError>,
    users: Vec<UserLine>,
    roles: Vec<&'static str>,
    own_unit: String,
}

impl UsersTpl {
    fn err(&self, id: &str) -> Option<String> {
        self.tr.error_for(&self.errors, id)
    }

    fn aria(&self, id: &str) -> String {
        crate::web::page::aria_invalid(self.err(id).is_some(), id)
    }
}

/// What the users page shows besides the list.
#[derive(Default)]
struct UsersShown {
    notice: Option<String>,
    handed: Option<(String, String)>,
    errors: Vec<FieldError>,
}

async fn users_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    shown: UsersShown,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let list = match service::list_users(state, who).await {
        Ok(l) => l,
        Err(e) => return page.error(e),
    };
    let tr = &page.tr;
    let users = list
        .into_iter()
        .map(|u| UserLine {
            me: u.id == who.user.id,
            roles: u
                .roles
                .iter()
                .map(|r| tr.code("role", r))
                .collect::<Vec<_>>()
                .join(", "),
            username: u.username,
            display_name: u.display_name,
            unit_code: u.unit_code,
            active: u.active,
        })
        .collect();
    let t = UsersTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        notice: shown.notice,
        handed: shown.handed,
        errors: shown.errors,
        users,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        own_unit: who.user.unit_code.clone(),
    };
    (status, render(&t)).into_response()
}

/// The users of the administrator's tree: their state, and forms to add,
/// stop or restart one, and to reset a forgotten password.
pub(super) async fn users(State(state): State<AppState>, page: Page) -> Response {
    users_page(&state, &page, StatusCode::OK, UsersShown::default()).await
}

/// A refusal shown on the users page.
async fn users_refused(state: &AppState, page: &Page, e: AppError) -> Response {
    match e {
        AppError::Validation(v) => {
            users_page(
                state,
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                UsersShown {
                    errors: v.errors,
                    ..UsersShown::default()
                },
            )
            .await
        }
        other => page.error(other),
    }
}

/// Adds a user with a first password made here, handed over once.
pub(super) async fn add_user(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<Vec<(String, String)>>,
) -> Response {
    let text = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let password = crate::crypto::random_password();
    let input = crate::admin::api::NewUserInput {
        username: text("username"),
        display_name: text("display_name"),
        unit: text("unit"),
        roles: form
            .iter()
            .filter(|(k, _)| k == "roles")
            .map(|(_, v)| v.clone())
            .collect(),
        password: password.clone(),
        locale: None,
    };
    let result = match input.parse() {
        Ok(u) => {
            let name = u.username.as_str().to_owned();
            service::create_user(&state, &who, u).await.map(|_| name)
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(name) => {
            let notice = Some(page.tr.t1("us-added", "name", &name));
            users_page(
                &state,
                &page,
                StatusCode::CREATED,
                UsersShown {
                    notice,
                    handed: Some((name, password)),
                    ..UsersShown::default()
                },
            )
            .await
        }
        Err(e) => users_refused(&state, &page, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct ActiveForm {
    active: bool,
}

/// Stops a user, or lets them log in again.
pub(super) async fn set_active(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PostedForm { page, who, form }: PostedForm<ActiveForm>,
) -> Response {
    match service::set_user_active(&state, &who, &username, form.active).await {
        Ok(()) => Redirect::to("/admin/users").into_response(),
        Err(e) => users_refused(&state, &page, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    confirm: Option<String>,
}

/// Resets a user's forgotten password; the new one is handed over once.
pub(super) async fn reset(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PostedForm { page, who, form }: PostedForm<ResetForm>,
) -> Response {
    let confirmed = form.confirm.as_deref() == Some("true");
    match service::reset_password(&state, &who, &username, confirmed).await {
        Ok(password) => {
            let notice = Some(page.tr.t1("us-reset-done", "name", &username));
            users_page(
                &state,
                &page,
                StatusCode::OK,
                UsersShown {
                    notice,
                    handed: Some((username, password)),
                    ..UsersShown::default()
                },
            )
            .await
        }
        Err(e) => users_refused(&state, &page, e).await,
    }
}

/// A rule as the rules page lists it.
pub(super) struct RuleLine {
    code: String,
    name: String,
    /// "10 working days", in the reader's language.
    limit: String,
    unit: String,
    citation: String,
    /// The days it applies between.
    valid: String,
    /// In force today (only its unit can be changed here).
    current: bool,
}

#[derive(Template)]
#[template(path = "rules.html")]
pub(super) struct RulesTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    rules: Vec<RuleLine>,
    units: Vec<String>,
    national: bool,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// The deadline rules with their versions, citations and units; a central
/// administrator changes the unit a rule counts in.
pub(super) async fn rules(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<DoneQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let list = match service::rule_list(&state, who).await {
        Ok(l) => l,
        Err(e) => return page.error(e),
    };
    let national = matches!(
        who.scope(liem_domain::role::Right::Administer),
        liem_domain::role::Scope::Subtree(p) if liem_domain::unit::is_root_path(&p)
    );
    let today = crate::clock::today();
    let tr = &page.tr;
    let rules = list
        .iter()
        .map(|r| RuleLine {
            code: r.code.as_str().to_owned(),
            name: tr.code("rule", r.code.as_str()),
            limit: format!("{} {}", r.amount, tr.code("period", r.unit.as_str())),
            unit: r.unit.as_str().to_owned(),
            citation: tr.citation(&r.citation),
            valid: match r.valid_to {
                Some(to) => format!("{} – {}", tr.date(r.valid_from), tr.date(to)),
                None => format!("{} –", tr.date(r.valid_from)),
            },
            current: r.valid_from <= today && r.valid_to.is_none_or(|t| today <= t),
        })
        .collect();
    render(&RulesTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        rules,
        units: liem_domain::deadline::PeriodUnit::ALL
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect(),
        national,
        notice: q.done.map(|_| page.tr.t("ru-done")),
    })
}

#[derive(Deserialize)]
pub(super) struct RuleUnitForm {
    unit: String,
}

/// Changes the unit a rule is counted in (central administrators).
pub(super) async fn set_rule_unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    PostedForm { page, who, form }: PostedForm<RuleUnitForm>,
) -> Response {
    let mut errs = liem_domain::ValidationErrors::new();
    let code = liem_domain::validation::required_code::<liem_domain::deadline::RuleCode>(
        &mut errs,
        "code",
        Some(&code),
    );
    let unit = liem_domain::validation::required_code::<liem_domain::deadline::PeriodUnit>(
        &mut errs,
        "unit",
        Some(&form.unit),
    );
    let result = match (code, unit, errs.into_result(())) {
        (Some(code), Some(unit), Ok(())) => service::set_rule_unit(&state, &who, code, unit).await,
        (_, _, Err(e)) => Err(e.into()),
        _ => Err(AppError::BadRequest("code, unit".into())),
    };
    match result {
        Ok(()) => Redirect::to("/admin/rules?done=1").into_response(),
        Err(e) => page.error(e),
    }
}

/// A unit as the units page lists it.
pub(super) struct UnitLine {
    code: String,
    name: String,
    kind: String,
    valid: String,
    policy: String,
}

#[derive(Template)]
#[template(path = "units.html")]
pub(super) struct UnitsTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    parent_code: String,
    parent_name: String,
    /// The parent's own parent, when the reader administers it.
    up: Option<String>,
    rows: Vec<UnitLine>,
    policies: Vec<String>,
    kinds: Vec<String>,
    notice: Option<String>,
    /// A new unit's recovery key, shown once: (code, key).
    recovery: Option<(String, String)>,
    errors: Vec<FieldError>,
}

impl UnitsTpl {
    fn err(&self, id: &str) -> Option<String> {
        self.tr.error_for(&self.errors, id)
    }

    fn aria(&self, id: &str) -> String {
        crate::web::page::aria_invalid(self.err(id).is_some(), id)
    }
}

#[derive(Deserialize)]
pub(super) struct UnitsQuery {
    parent: Option<String>,
    done: Option<String>,
}

/// What the units page shows besides the list.
#[derive(Default)]
struct UnitsShown {
    notice: Option<String>,
    recovery: Option<(String, String)>,
    errors: Vec<FieldError>,
}

async fn units_page(
    state: &AppState,
    page: &Page,
    parent: Option<&str>,
    status: StatusCode,
    shown: UnitsShown,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let admin = who.grant(liem_domain::role::Right::Administer)?;
        let all = service::list_units(state, who).await?;
        let code = parent.unwrap_or(&who.user.unit_code);
        let parent = all
            .iter()
            .find(|u| u.code == code && admin.covers(&u.path))
            .ok_or(AppError::NotFound)?;
        let up = all
            .iter()
            .find(|u| Some(u.id) == parent.parent_id && admin.covers(&u.path))
            .map(|u| u.code.clone());
        let mut c = state.store.conn().await?;
        let mut rows = Vec::new();
        for u in all.iter().filter(|u| u.parent_id == Some(parent.id)) {
            let policy = liem_store::units::policy(&mut c, u.id).await?;
            rows.push(UnitLine {
                code: u.code.clone(),
                name: u.name.clone(),
                kind: u.kind.as_str().to_owned(),
                valid: match u.valid_to {
                    Some(to) => format!("{} – {}", page.tr.date(u.valid_from), page.tr.date(to)),
                    None => format!("{} –", page.tr.date(u.valid_from)),
                },
                policy: policy.as_str().to_owned(),
            });
        }
        Ok::<_, AppError>((parent.code.clone(), parent.name.clone(), up, rows))
    }
    .await;
    let (parent_code, parent_name, up, rows) = match result {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let t = UnitsTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        parent_code,
        parent_name,
        up,
        rows,
        policies: liem_domain::timers::ChannelPolicy::ALL
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        kinds: liem_domain::unit::UnitKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        notice: shown.notice,
        recovery: shown.recovery,
        errors: shown.errors,
    };
    (status, render(&t)).into_response()
}

/// The units under one of the administrator's (their own by default), with
/// their timer policies, and a form to add one.
pub(super) async fn units(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<UnitsQuery>,
) -> Response {
    let notice = q.done.map(|_| page.tr.t("ru-done-short"));
    units_page(
        &state,
        &page,
        q.parent.as_deref(),
        StatusCode::OK,
        UnitsShown {
            notice,
            ..UnitsShown::default()
        },
    )
    .await
}

/// Adds a unit; its recovery key is shown once.
pub(super) async fn add_unit(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<crate::admin::api::NewUnitInput>,
) -> Response {
    let parent = form.parent.clone();
    let result = match form.parse() {
        Ok(u) => service::create_unit(&state, &who, u).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((unit, key)) => {
            units_page(
                &state,
                &page,
                Some(&parent),
                StatusCode::CREATED,
                UnitsShown {
                    recovery: Some((unit.code, key.to_text())),
                    ..UnitsShown::default()
                },
            )
            .await
        }
        Err(AppError::Validation(v)) => {
            // The parent may be the field refused: the reader's own units.
            let known = parent_known(&state, &parent).await;
            units_page(
                &state,
                &page,
                known.then_some(parent.as_str()),
                StatusCode::UNPROCESSABLE_ENTITY,
                UnitsShown {
                    errors: v.errors,
                    ..UnitsShown::default()
                },
            )
            .await
        }
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct PolicyForm {
    policy: String,
}

/// Sets a unit's timer policy.
pub(super) async fn set_policy(
    State(state): State<AppState>,
    Path(code): Path<String>,
    PostedForm { page, who, form }: PostedForm<PolicyForm>,
) -> Response {
    let Ok(policy) = form.policy.parse::<liem_domain::timers::ChannelPolicy>() else {
        let e =
            liem_domain::ValidationErrors::single("policy", "unknown_value", "must be vn or eu");
        return page.error(e.into());
    };
    match service::set_policy(&state, &who, &code, policy).await {
        Ok(()) => {
            let to = match parent_of(&state, &code).await {
                Some(p) => format!(
                    "/admin/units?parent={}&done=1",
                    crate::web::page::urlencode(&p)
                ),
                None => "/admin/units?done=1".to_owned(),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => page.error(e),
    }
}

/// The code of a unit's parent, if it has one.
async fn parent_of(state: &AppState, code: &str) -> Option<String> {
    let mut c = state.store.conn().await.ok()?;
    let unit = liem_store::units::by_code(&mut c, code).await.ok()?;
    let parent = liem_store::units::get(&mut c, unit.parent_id?).await.ok()?;
    Some(parent.code)
}

/// Whether a unit code names a unit.
async fn parent_known(state: &AppState, code: &str) -> bool {
    match state.store.conn().await {
        Ok(mut c) => liem_store::units::by_code(&mut c, code).await.is_ok(),
        Err(_) => false,
    }
}
