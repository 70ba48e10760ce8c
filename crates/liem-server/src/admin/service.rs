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
use liem_domain::ids::UserId;
use liem_domain::role::Right;
use liem_domain::role::{check_password, Role, Username};
use liem_domain::timers::ChannelPolicy;
use liem_domain::unit::{UnitCode, UnitKind};
use liem_store::audit::checkpoint::Checkpoint;
use liem_store::audit::{self, Verification};
use liem_store::units::{self, UnitRecord};
use liem_store::users::{self, UserRecord};
use liem_store::{calendar, deadlines, Tx};
use std::sync::Arc;

/// The calendar and rule book as administrators set them.
pub async fn rules(state: &AppState) -> AppResult<(Calendar, RuleBook)> {
    Ok((*shared_rules(state).await?).clone())
}

/// The calendar and rules in force, shared: read from the database only
/// when their settings version has moved since the copy held in memory
/// (one small read per call instead of three and the calendar's
/// construction). A copy read after the version is at least as new as it,
/// so a change made between the two reads is read again next time, never
/// missed.
pub async fn shared_rules(state: &AppState) -> AppResult<Arc<(Calendar, RuleBook)>> {
    let mut c = state.store.conn().await?;
    let version = calendar::settings_version(&mut c).await?;
    drop(c);
    rules_at(state, version).await
}

/// The calendar and rules at a settings version the caller has just read
/// (with other things, in one statement): those held when they are of that
/// version, else read again.
pub async fn rules_at(state: &AppState, version: i64) -> AppResult<Arc<(Calendar, RuleBook)>> {
    if let Some((v, held)) = state.rules.lock().map_err(poisoned)?.as_ref() {
        if *v == version {
            return Ok(held.clone());
        }
    }
    let mut c = state.store.conn().await?;
    let fresh = Arc::new((
        calendar::load(&mut c).await?,
        calendar::rule_book(&mut c).await?,
    ));
    *state.rules.lock().map_err(poisoned)? = Some((version, fresh.clone()));
    Ok(fresh)
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal("the rules cache's lock was poisoned".into())
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

/// Enters a new version of a rule for matters begun from `version.valid_from`
/// (national administrators); the due dates of open matters are recomputed.
pub async fn add_rule_version(
    state: &AppState,
    who: &Writer,
    version: &liem_domain::deadline::RuleVersion,
) -> AppResult<()> {
    let permit = who.permit_national(Right::Administer)?;
    let mut c = state.store.conn().await?;
    let mut book = calendar::rule_book(&mut c).await?;
    drop(c);
    if let Err(why) = book.add_version(version) {
        let mut errs = liem_domain::ValidationErrors::new();
        errs.add(
            "valid_from",
            "no_version_to_follow",
            format!("must follow a version in force: {why}"),
        );
        return Err(errs.into());
    }
    let mut tx = permit.begin(&state.store).await?;
    calendar::add_rule_version(&mut tx, permit.actor(), version).await?;
    recompute(&mut tx, permit.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// The users of the caller's administered subtree, by name.
pub async fn list_users(state: &AppState, who: &Principal) -> AppResult<Vec<UserRecord>> {
    let admin = who.grant(Right::Administer)?;
    let mut c = state.store.conn().await?;
    let prefix = match admin.scope() {
        liem_domain::role::Scope::Subtree(p) | liem_domain::role::Scope::Unit(p) => p.clone(),
        liem_domain::role::Scope::None => return Ok(Vec::new()),
    };
    Ok(users::in_subtree(&mut c, &prefix)
        .await?
        .into_iter()
        .filter(|u| admin.covers(&u.unit_path))
        .collect())
}

/// A user an administrator adds.
#[derive(Debug, Clone)]
pub struct UserInput {
    /// Login name.
    pub username: Username,
    /// Name shown to others.
    pub display_name: String,
    /// Their unit's code.
    pub unit: String,
    /// Roles held there.
    pub roles: Vec<Role>,
    /// First password (the user changes it).
    pub password: String,
    /// Preferred language.
    pub locale: Option<String>,
}

/// Adds a user to a unit of the caller's administered subtree, with a key
/// pair for sealed identities protected by their first password. A unit
/// outside that subtree is refused like an unknown code.
pub async fn create_user(state: &AppState, who: &Writer, u: UserInput) -> AppResult<UserId> {
    let admin = who.grant(Right::Administer)?;
    check_password(&u.password)?;
    let unit = unit_in(state, &admin, "unit", &u.unit).await?;
    let permit = who.permit(
        Right::Administer,
        &unit.path,
        "adding a user needs an administrator of the unit's tree",
    )?;
    let policy = state.passwords;
    let password = u.password.clone();
    let hash = tokio::task::spawn_blocking(move || policy.hash(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = permit.begin(&state.store).await?;
    let id = users::create(
        &mut tx,
        permit.actor(),
        &users::NewUser {
            username: u.username,
            display_name: u.display_name,
            unit_id: unit.id,
            password_hash: hash,
            roles: u.roles,
            locale: u.locale,
        },
    )
    .await?;
    crate::sealing::provision_user_key(&mut tx, permit.actor(), id, &u.password, policy).await?;
    tx.commit().await?;
    Ok(id)
}

/// Lets a user of the caller's subtree log in again, or stops them; a user
/// outside it is not found. Administrators cannot stop themselves.
pub async fn set_user_active(
    state: &AppState,
    who: &Writer,
    username: &str,
    active: bool,
) -> AppResult<()> {
    let user = user_in_reach(state, who, username).await?;
    if user.id == who.user.id && !active {
        return Err(liem_domain::ValidationErrors::single(
            "active",
            "not_self",
            "an administrator cannot stop their own account",
        )
        .into());
    }
    let permit = who.permit(
        Right::Administer,
        &user.unit_path,
        "stopping a user needs an administrator of their unit's tree",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    users::set_active(&mut tx, permit.actor(), user.id, active).await?;
    tx.commit().await?;
    Ok(())
}

/// A user of the administrator's subtree, by login name; anyone else is
/// not found, as a missing one.
async fn user_in_reach(state: &AppState, who: &Writer, username: &str) -> AppResult<UserRecord> {
    let admin = who.grant(Right::Administer)?;
    let mut c = state.store.conn().await?;
    let (user, _) = users::by_username(&mut c, username)
        .await?
        .ok_or(AppError::NotFound)?;
    admin.reach(&user.unit_path)?;
    Ok(user)
}

/// An administrator's reset of a user's password, for one who forgot it:
/// a new password (returned, to hand over once), a new key pair protected
/// by it — the old one opened only with the forgotten password, so the
/// identities sealed for it are read again only once a second custodian of
/// the unit or the unit's recovery key re-seals them (`liem seal migrate`
/// and the custody pages) —, every session and API token of theirs ended,
/// and their second factor removed (they set it up again). A user outside
/// the caller's subtree is not found; administrators reset their own
/// password on their account page, not here.
pub async fn reset_password(
    state: &AppState,
    who: &Writer,
    username: &str,
    confirmed: bool,
) -> AppResult<String> {
    let user = user_in_reach(state, who, username).await?;
    if user.id == who.user.id {
        return Err(liem_domain::ValidationErrors::single(
            "username",
            "not_self",
            "change your own password on your account page",
        )
        .into());
    }
    let permit = who.permit(
        Right::Administer,
        &user.unit_path,
        "resetting a password needs an administrator of the user's unit's tree",
    )?;
    // What a reset ends is said on the form; it is done only once confirmed.
    if !confirmed {
        return Err(liem_domain::ValidationErrors::single(
            "confirm",
            "required",
            "must be given to reset a password",
        )
        .into());
    }
    let password = crate::crypto::random_password();
    let policy = state.passwords;
    let (pw, id) = (password.clone(), user.id);
    let (hash, key) = tokio::task::spawn_blocking(move || {
        let key = crate::keys::PrivateKey::generate();
        (
            policy.hash(&pw),
            crate::keys::protect(&key, &pw, id.0.as_bytes(), policy),
        )
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = permit.begin(&state.store).await?;
    users::set_password(&mut tx, permit.actor(), user.id, &hash).await?;
    liem_store::keys::set_user_key(&mut tx, permit.actor(), user.id, &key).await?;
    users::end_sessions(&mut tx, permit.actor(), user.id, None, None).await?;
    users::revoke_all_tokens(&mut tx, permit.actor(), user.id).await?;
    users::remove_totp(&mut tx, permit.actor(), user.id).await?;
    tx.commit().await?;
    Ok(password)
}

/// A unit an administrator adds under one of theirs.
#[derive(Debug, Clone)]
pub struct UnitInput {
    /// Code.
    pub code: UnitCode,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// The parent unit's code.
    pub parent: String,
    /// First day of existence.
    pub valid_from: Option<Date>,
}

/// Adds a unit under a unit of the caller's administered subtree (the
/// root exists from setup), with its recovery key, returned once.
pub async fn create_unit(
    state: &AppState,
    who: &Writer,
    u: UnitInput,
) -> AppResult<(UnitRecord, crate::keys::PrivateKey)> {
    let admin = who.grant(Right::Administer)?;
    let parent = unit_in(state, &admin, "parent", &u.parent).await?;
    let permit = who.permit(
        Right::Administer,
        &parent.path,
        "adding a unit needs an administrator of its parent's tree",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    let unit = units::create(
        &mut tx,
        permit.actor(),
        &units::NewUnit {
            code: u.code,
            name: u.name,
            kind: u.kind,
            parent: Some(parent.id),
            valid_from: u.valid_from.unwrap_or_else(crate::clock::today),
        },
    )
    .await?;
    let key = crate::sealing::provision_recovery_key(&mut tx, permit.actor(), unit.id).await?;
    tx.commit().await?;
    Ok((unit, key))
}

/// The unit of code `code` when the grant covers it; otherwise the field
/// is refused as an unknown code, so that other units cannot be probed.
async fn unit_in(
    state: &AppState,
    admin: &crate::auth::gate::Grant<'_>,
    field: &str,
    code: &str,
) -> AppResult<UnitRecord> {
    let mut c = state.store.conn().await?;
    match units::by_code(&mut c, code.trim()).await {
        Ok(u) if admin.covers(&u.path) => Ok(u),
        Ok(_) | Err(liem_store::StoreError::NotFound) => {
            Err(liem_domain::ValidationErrors::single(
                field,
                "unknown_value",
                "must be the code of a unit you administer",
            )
            .into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Verifies the audit chain (auditors); with `deep`, also every register
/// record against the state the trail attests for it.
pub async fn verify_audit(
    state: &AppState,
    who: &Principal,
    deep: bool,
) -> AppResult<Verification> {
    who.grant(Right::ReadAudit)?;
    let mut c = state.store.conn().await?;
    Ok(audit::verify(&mut c, state.store.chain(), &[], deep).await?)
}

/// A checkpoint of the audit chain's head now, signed by this instance
/// (auditors, and the witnesses given an auditor's token). It is also
/// appended to the checkpoint file when one is configured.
pub async fn checkpoint(state: &AppState, who: &Principal) -> AppResult<Checkpoint> {
    who.grant(Right::ReadAudit)?;
    crate::checkpoints::write(state).await
}
