//! National reference data and the units' settings: the calendar that
//! deadlines are counted on, the rule book, the units and their timer
//! policies, and the audit trail's verification.
//!
//! The calendar and the rules are the nation's: only an administrator of the
//! central level changes them, and a change recomputes, in the same
//! transaction, the due dates stored on every open matter and letter. A
//! province's administrator manages the units of its own subtree.

use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::calendar::{Calendar, DayOverride};
use liem_domain::deadline::{PeriodUnit, Rule, RuleBook, RuleCode};
use liem_domain::role::Right;
use liem_domain::timers::ChannelPolicy;
use liem_store::audit::{self, Verification};
use liem_store::units::{self, UnitRecord};
use liem_store::{calendar, deadlines, Tx};

/// The calendar and rule book as administrators set them.
pub async fn rules(state: &AppState) -> AppResult<(Calendar, RuleBook)> {
    let mut c = state.store.conn().await?;
    Ok((
        calendar::load(&mut c).await?,
        calendar::rule_book(&mut c).await?,
    ))
}

/// The units the caller reads petitions in or administers.
pub async fn list_units(state: &AppState, who: &Principal) -> AppResult<Vec<UnitRecord>> {
    let read = who
        .grant(Right::ReadPetitions)
        .or_else(|_| who.grant(Right::Administer))?;
    let mut c = state.store.conn().await?;
    Ok(units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| read.covers(&u.path))
        .collect())
}

/// Sets the acknowledgement and feedback timers a unit of the caller's
/// subtree follows.
pub async fn set_policy(
    state: &AppState,
    who: &Writer,
    code: &str,
    policy: ChannelPolicy,
) -> AppResult<()> {
    let admin = who.grant(Right::Administer)?;
    let mut c = state.store.conn().await?;
    let unit = units::by_code(&mut c, code).await?;
    drop(c);
    admin.reach(&unit.path)?;
    let permit = who.permit(
        Right::Administer,
        &unit.path,
        "setting a unit's policy needs an administrator of its tree",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    units::set_policy(&mut tx, permit.actor(), unit.id, policy).await?;
    tx.commit().await?;
    Ok(())
}

/// The days off of a year (computed holidays with the lunar New Year, and
/// the days administrators entered), with the entered days apart.
/// Any signed-in caller reads it.
pub async fn calendar(state: &AppState, _who: &Principal) -> AppResult<Calendar> {
    let mut c = state.store.conn().await?;
    Ok(calendar::load(&mut c).await?)
}

/// Recomputes, in `tx`, the due dates stored on open matters and letters
/// after the calendar or a rule changed.
async fn recompute(tx: &mut Tx, actor: &liem_store::audit::Actor) -> AppResult<()> {
    let cal = calendar::load(tx).await?;
    let book = calendar::rule_book(tx).await?;
    deadlines::recompute(tx, actor, &cal, &book).await?;
    Ok(())
}

/// Enters a day off or a swapped working day (central administrators).
pub async fn set_day(state: &AppState, who: &Writer, day: &DayOverride) -> AppResult<()> {
    let permit = who.permit_national(Right::Administer)?;
    let mut tx = permit.begin(&state.store).await?;
    calendar::set_day(&mut tx, permit.actor(), day).await?;
    recompute(&mut tx, permit.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes an entered day (central administrators); not found when none was
/// entered on that date.
pub async fn remove_day(state: &AppState, who: &Writer, date: Date) -> AppResult<()> {
    let permit = who.permit_national(Right::Administer)?;
    let mut tx = permit.begin(&state.store).await?;
    if !calendar::remove_day(&mut tx, permit.actor(), date).await? {
        return Err(AppError::NotFound);
    }
    recompute(&mut tx, permit.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// The deadline rules with their citations.
/// Any signed-in caller reads them.
pub async fn rule_list(state: &AppState, _who: &Principal) -> AppResult<Vec<Rule>> {
    let mut c = state.store.conn().await?;
    Ok(calendar::rule_book(&mut c).await?.rules().to_vec())
}

/// Changes the unit a rule is counted in (central administrators).
pub async fn set_rule_unit(
    state: &AppState,
    who: &Writer,
    code: RuleCode,
    unit: PeriodUnit,
) -> AppResult<()> {
    let permit = who.permit_national(Right::Administer)?;
    let mut tx = permit.begin(&state.store).await?;
    calendar::set_rule_unit(&mut tx, permit.actor(), code, unit).await?;
    recompute(&mut tx, permit.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// Verifies the audit chain (auditors).
pub async fn verify_audit(state: &AppState, who: &Principal) -> AppResult<Verification> {
    who.grant(Right::ReadAudit)?;
    let mut c = state.store.conn().await?;
    Ok(audit::verify(&mut c).await?)
}
