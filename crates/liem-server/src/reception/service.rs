//! Citizen reception's operations: recording sessions, the 01/TCD figures,
//! the check that heads keep their statutory reception days, and the heads'
//! schedules.

use crate::admin::service::rules;
use crate::auth::Principal;
use crate::clock::today;
use crate::petitions::service as petitions;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::deadline::RuleCode;
use liem_domain::reception::{
    figures, schedule_gaps, statutory_frequency, ReceptionFigures, Schedule, ScheduleGap,
    ScheduleInput, SessionInput, VisitOutcome,
};
use liem_domain::role::{Right, Scope};
use liem_store::reception;
use liem_store::units;
use serde::Serialize;

/// Records a session held in the caller's unit.
pub async fn record_session(
    state: &AppState,
    who: &Writer,
    input: &SessionInput,
) -> AppResult<uuid::Uuid> {
    let permit = who.permit_own(Right::RegisterLetter)?;
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
    let mut tx = permit.begin(&state.store).await?;
    let id =
        reception::insert_session(&mut tx, permit.actor(), who.user.unit_id, &s, &due, &[]).await?;
    tx.commit().await?;
    Ok(id)
}

/// What a figure counts: the caller's whole reach, or a named unit's subtree.
async fn counted_scope(state: &AppState, who: &Principal, unit: Option<&str>) -> AppResult<Scope> {
    let read = who.grant(Right::ReadPetitions)?;
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(read.scope().clone()),
        Some(code) => Ok(Scope::Subtree(
            petitions::unit_in_scope(state, who, code).await?.path,
        )),
    }
}

/// The reception figures (form 01/TCD) of a period, for the caller's reach
/// or a named unit's subtree.
pub async fn period_figures(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
    from: Date,
    to: Date,
) -> AppResult<ReceptionFigures> {
    let scope = counted_scope(state, who, unit).await?;
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &scope, from, to).await?;
    Ok(figures(&sessions, from, to))
}

/// The weeks or months of a period in which a unit's head did not receive
/// citizens in person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    /// The unit's code.
    pub unit: String,
    /// How often the law has its head receive (`weekly`, `monthly`).
    pub frequency: String,
    /// The periods missed.
    pub missed: Vec<ScheduleGap>,
}

/// The reception days a unit's head missed in a period (default: the
/// caller's unit).
pub async fn compliance(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
    from: Date,
    to: Date,
) -> AppResult<Compliance> {
    who.grant(Right::ReadPetitions)?;
    let code = unit.map_or_else(|| who.user.unit_code.clone(), str::to_owned);
    let unit = petitions::unit_in_scope(state, who, &code).await?;
    let mut c = state.store.conn().await?;
    let sessions = reception::sessions(&mut c, &Scope::Unit(unit.path.clone()), from, to).await?;
    drop(c);
    let (cal, _) = rules(state).await?;
    let freq = statutory_frequency(unit.kind);
    let missed = schedule_gaps(&sessions, freq, from, to, &cal);
    Ok(Compliance {
        unit: unit.code,
        frequency: format!("{freq:?}").to_lowercase(),
        missed,
    })
}

/// Sets a head's reception schedule in the caller's unit (leaders and
/// administrators); it must meet the statutory minimum for the unit.
pub async fn set_schedule(state: &AppState, who: &Writer, input: &ScheduleInput) -> AppResult<()> {
    let permit = who
        .permit_own(Right::ConcludeMatter)
        .or_else(|_| who.permit_own(Right::Administer))
        .map_err(|_| {
            AppError::Forbidden("a leader or administrator sets reception schedules".into())
        })?;
    let mut c = state.store.conn().await?;
    let unit = units::get(&mut c, who.user.unit_id).await?;
    drop(c);
    let schedule = input.parse(unit.kind)?;
    let mut tx = permit.begin(&state.store).await?;
    reception::set_schedule(&mut tx, permit.actor(), unit.id, &schedule).await?;
    tx.commit().await?;
    Ok(())
}

/// The reception schedules of a unit (default: the caller's).
pub async fn schedules(
    state: &AppState,
    who: &Principal,
    unit: Option<&str>,
) -> AppResult<Vec<Schedule>> {
    who.grant(Right::ReadPetitions)?;
    let code = unit.map_or_else(|| who.user.unit_code.clone(), str::to_owned);
    let unit = petitions::unit_in_scope(state, who, &code).await?;
    let mut c = state.store.conn().await?;
    Ok(reception::schedules(&mut c, unit.id).await?)
}
