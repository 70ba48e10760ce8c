//! The register of cases and incidents: service functions (the rules of who
//! may do what), the JSON API over them, and the pages. Handlers are thin;
//! the stage machine, limits, counting and validation live in the domain.

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, Problem};
use crate::service::{rules, today};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiff::civil::Date;
use liem_domain::assets::{percent, totals, AssetInput, AssetTotals};
use liem_domain::case::{
    advance, count, stage_limit, CaseFacts, CaseFigures, CrimeClass, Stage, StageAction, StageLimit,
};
use liem_domain::people::{
    check_link, most_serious, parse_period, standing, ChargeInput, LinkKind, OrganisationInput,
    PartyRef, PartyRole, PersonInput, SanctionInput,
};
use liem_domain::register::{
    next_target, transfer_ack_due, transfer_overdue, CaseInput, CaseKind, Milestone,
    MonitoringInput, NextTarget, StageInput, TargetInput, TransferKind,
};
use liem_domain::role::Right;
use liem_domain::unit::UnitKind;
use liem_domain::validation::{
    optional_code, required_code, required_date, required_period, required_text,
};
use liem_domain::ValidationErrors;
use liem_store::cases::{
    self as store, CaseFilter, CaseRow, CaseScope, CaseTransfer, Dossier, MonitoringRow, PartyRow,
    SanctionRow, Viewer,
};
use liem_store::units::{self, UnitRecord};
use liem_store::{audit, petitions, users, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The case routes (API and pages).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(api_list).post(api_create))
        .route("/api/v1/cases/{id}", get(api_get))
        .route("/api/v1/cases/{id}/stage", post(api_stage))
        .route("/api/v1/cases/{id}/transfers", post(api_transfer))
        .route("/api/v1/case-transfers", get(api_pending_transfers))
        .route(
            "/api/v1/case-transfers/{id}/acknowledge",
            post(api_acknowledge),
        )
        .route("/api/v1/cases/{id}/monitoring", post(api_monitor))
        .route("/api/v1/monitorings/{id}/targets", post(api_add_target))
        .route("/api/v1/monitorings/{id}/removal", post(api_unmonitor))
        .route("/api/v1/cases/{id}/parties", post(api_add_party))
        .route("/api/v1/case-parties/{id}/charges", post(api_add_charge))
        .route("/api/v1/cases/{id}/assets", post(api_add_asset))
        .route("/api/v1/cases/{id}/access", post(api_grant))
        .route("/api/v1/sanctions", post(api_add_sanction))
        .route("/api/v1/watchlist", get(api_watch_list))
        .route("/api/v1/case-deadlines", get(api_deadlines))
        .route("/api/v1/case-figures", get(api_figures))
        .route(
            "/api/v1/persons",
            get(api_find_persons).post(api_create_person),
        )
        .route("/api/v1/persons/{id}", get(api_person))
        .route(
            "/api/v1/organisations",
            get(api_find_organisations).post(api_create_organisation),
        )
        .route("/api/v1/links", post(api_create_link))
        .route("/api/v1/export/ftm", get(api_export_ftm))
        .route("/cases", get(list_page).post(create_page))
        .route("/cases/new", get(new_page))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/{form}", post(case_form))
        .route("/case-transfers/{id}/acknowledge", post(ack_form))
        .route("/watchlist", get(watch_page))
        .route("/persons/{id}", get(person_page))
}

// ---------------------------------------------------------------- service

fn viewer(who: &Principal) -> AppResult<Viewer> {
    Ok(Viewer {
        user: who.user.id,
        scope: who.require(Right::ReadCases)?,
    })
}

fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}

async fn unit_by_code(state: &AppState, field: &str, code: &str) -> AppResult<UnitRecord> {
    let mut c = state.store.conn().await?;
    match units::by_code(&mut c, code.trim()).await {
        Ok(u) => Ok(u),
        Err(StoreError::NotFound) => Err(bad(field, "unknown_value", "must be the code of a unit")),
        Err(e) => Err(e.into()),
    }
}

/// A unit in the viewer's scope for reading cases, by code (`field` names
/// the input in the error).
async fn unit_seen(state: &AppState, v: &Viewer, field: &str, code: &str) -> AppResult<UnitRecord> {
    let u = unit_by_code(state, field, code).await?;
    if v.scope.contains(&u.path) {
        Ok(u)
    } else {
        Err(bad(field, "unknown_value", "must be a unit in your scope"))
    }
}

/// A visible entry the caller may work on: they hold the right to handle
/// cases and either are named on it or their scope holds its registering
/// unit or the agency that holds it now.
async fn workable(state: &AppState, who: &Principal, id: uuid::Uuid) -> AppResult<CaseRow> {
    let v = viewer(who)?;
    let handle = who.require(Right::HandleCases)?;
    let mut c = state.store.conn().await?;
    let case = store::get_case(&mut c, &v, id).await?;
    let owner = units::get(&mut c, case.unit_id).await?;
    let holder = units::get(&mut c, case.holder_id).await?;
    let named = store::access_list(&mut c, id)
        .await?
        .iter()
        .any(|(u, _, _)| *u == who.user.username);
    if named || handle.contains(&owner.path) || handle.contains(&holder.path) {
        Ok(case)
    } else {
        Err(AppError::Forbidden(
            "only the registering unit, the agency holding the file or the people named on it work on it".into(),
        ))
    }
}

fn limit_of(facts: &CaseFacts, cal: &liem_domain::calendar::Calendar) -> Option<Date> {
    stage_limit(facts, cal).map(|l| l.due)
}

/// Registers an entry in the caller's unit.
pub async fn create_case(
    state: &AppState,
    who: &Principal,
    input: &CaseInput,
) -> AppResult<(uuid::Uuid, String)> {
    who.require(Right::HandleCases)?;
    let n = input.parse(today())?;
    let mut c = state.store.conn().await?;
    if !petitions::field_exists(&mut c, &n.field).await? {
        return Err(bad(
            "field",
            "unknown_value",
            "must be a field code from the reference list",
        ));
    }
    let unit = units::get(&mut c, who.user.unit_id).await?;
    let holder = match &n.holder {
        Some(code) => {
            drop(c);
            let h = unit_by_code(state, "holder", code).await?;
            c = state.store.conn().await?;
            h.id
        }
        None => unit.id,
    };
    let petition_scope = who.scope(Right::ReadPetitions);
    let mut letters = Vec::new();
    let mut errs = ValidationErrors::new();
    for (i, r) in n.letters.iter().enumerate() {
        let found = match petitions::letter_id_by_reference(&mut c, r).await? {
            Some(id) => {
                let l = petitions::get_letter(&mut c, id).await?;
                petition_scope.contains(&l.unit_path).then_some(id)
            }
            None => None,
        };
        match found {
            Some(id) => letters.push(id),
            None => errs.add(
                &format!("letters[{i}]"),
                "unknown_value",
                "must be the reference of a letter you can read",
            ),
        }
    }
    errs.into_result(())?;
    drop(c);
    let facts = match n.kind {
        CaseKind::Incident => CaseFacts::verifying(n.class, n.opened_on),
        CaseKind::Case => CaseFacts::reported(n.class, n.complex, n.opened_on),
    };
    let (cal, _) = rules(state).await?;
    let mut tx = state.store.begin().await?;
    let out = store::insert_case(
        &mut tx,
        &who.actor(),
        &store::CaseOpening {
            unit: &unit,
            case: &n,
            holder,
            facts: &facts,
            stage_due: limit_of(&facts, &cal),
            letters: &letters,
            creator: Some(who.user.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// A transfer with its overdue flag as of today.
#[derive(Debug, Clone, Serialize)]
pub struct TransferView {
    /// The transfer.
    #[serde(flatten)]
    pub transfer: CaseTransfer,
    /// Not acknowledged by its day.
    pub overdue: bool,
}

fn transfer_view(t: CaseTransfer, today: Date) -> TransferView {
    let overdue = transfer_overdue(t.ack_due, t.acknowledged_on, today);
    TransferView {
        transfer: t,
        overdue,
    }
}

/// A monitoring with its next target.
#[derive(Debug, Clone, Serialize)]
pub struct MonitoringView {
    /// The monitoring.
    #[serde(flatten)]
    pub monitoring: MonitoringRow,
    /// Its earliest unmet target.
    pub next_target: Option<NextTarget>,
}

fn monitoring_view(m: MonitoringRow, today: Date) -> MonitoringView {
    let states: Vec<_> = m.targets.iter().map(|(_, t)| t.clone()).collect();
    MonitoringView {
        next_target: next_target(&states, today),
        monitoring: m,
    }
}

/// An entry with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The entry.
    pub case: CaseRow,
    /// The limit running now.
    pub limit: Option<StageLimit>,
    /// Days left on it (negative: overdue).
    pub days_left: Option<i32>,
    /// Stage actions possible now.
    pub allowed: Vec<StageAction>,
    /// Stage events.
    pub events: Vec<store::CaseEvent>,
    /// Transfers.
    pub transfers: Vec<TransferView>,
    /// Monitorings.
    pub monitorings: Vec<MonitoringView>,
    /// Parties with charges.
    pub parties: Vec<PartyRow>,
    /// Sanctions decided in it.
    pub sanctions: Vec<SanctionRow>,
    /// Asset events.
    pub assets: Vec<liem_domain::assets::AssetEvent>,
    /// Their totals.
    pub asset_totals: AssetTotals,
    /// Money recovery rate, percent with one decimal.
    pub recovery_rate: Option<String>,
    /// The letters that started it.
    pub letters: Vec<String>,
    /// People named on it: (login, name, role).
    pub access: Vec<(String, String, String)>,
}

/// An entry as the caller may see it.
pub async fn case_view(state: &AppState, who: &Principal, id: uuid::Uuid) -> AppResult<CaseView> {
    let v = viewer(who)?;
    let (cal, _) = rules(state).await?;
    let today = today();
    let mut c = state.store.conn().await?;
    let case = store::get_case(&mut c, &v, id).await?;
    let limit = stage_limit(&case.facts, &cal);
    let assets = store::assets_of(&mut c, id).await?;
    let asset_totals = totals(&assets, Date::MIN, Date::MAX);
    let letters = store::letters_of(&mut c, id).await?;
    Ok(CaseView {
        days_left: limit.as_ref().map(|l| (l.due - today).get_days()),
        limit,
        allowed: case.facts.allowed(),
        events: store::case_events(&mut c, id).await?,
        transfers: store::transfers_of(&mut c, id)
            .await?
            .into_iter()
            .map(|t| transfer_view(t, today))
            .collect(),
        monitorings: store::monitorings_of(&mut c, id)
            .await?
            .into_iter()
            .map(|m| monitoring_view(m, today))
            .collect(),
        parties: store::parties_of(&mut c, id).await?,
        sanctions: store::sanctions_in_case(&mut c, id).await?,
        recovery_rate: asset_totals.rate_vnd().map(percent),
        asset_totals,
        assets,
        letters,
        access: store::access_list(&mut c, id).await?,
        case,
    })
}

/// Takes a stage action, sending the file on when `send_to` is given.
pub async fn take_stage(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &StageInput,
) -> AppResult<CaseRow> {
    let case = workable(state, who, id).await?;
    let step = input.parse(today())?;
    let next = advance(&case.facts, step.action, step.on)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let to = match &step.send_to {
        Some(code) => Some(unit_by_code(state, "send_to", code).await?),
        None => None,
    };
    if to.as_ref().is_some_and(|t| t.id == case.holder_id) {
        return Err(bad(
            "send_to",
            "other_agency",
            "must be another agency than the one holding the file",
        ));
    }
    let (cal, _) = rules(state).await?;
    let mut c = state.store.conn().await?;
    let unit = units::get(&mut c, case.unit_id).await?;
    drop(c);
    let mut tx = state.store.begin().await?;
    let holder = to.as_ref().map_or(case.holder_id, |t| t.id);
    store::record_stage(
        &mut tx,
        &who.actor(),
        &case,
        &store::StageRecord {
            action: step.action,
            on: step.on,
            note: step.note.as_deref(),
            next: &next,
            stage_due: limit_of(&next, &cal),
            holder: case.holder_id,
            unit: &unit,
        },
    )
    .await?;
    if to.is_some() {
        let kind = if step.action == StageAction::ReturnForSupplement {
            TransferKind::Return
        } else {
            TransferKind::Forward
        };
        store::send_transfer(
            &mut tx,
            &who.actor(),
            case.id,
            &store::TransferSend {
                kind,
                from: case.holder_id,
                to: holder,
                sent_on: step.on,
                ack_due: transfer_ack_due(&cal, step.on),
                note: step.note.as_deref(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let mut c = state.store.conn().await?;
    Ok(store::get_case(&mut c, &viewer(who)?, id).await?)
}

/// A file sent without a stage action (e.g. an inspectorate's file to the police).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct TransferInput {
    /// The receiving agency's code.
    pub to: Option<String>,
    /// `forward` or `return`.
    pub kind: Option<String>,
    /// The day sent, `YYYY-MM-DD`.
    pub sent_on: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// Sends an entry's file to another agency.
pub async fn send_file(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &TransferInput,
) -> AppResult<uuid::Uuid> {
    let case = workable(state, who, id).await?;
    let mut e = ValidationErrors::new();
    let to = required_text(&mut e, "to", input.to.as_deref().unwrap_or(""), 32);
    let kind = optional_code::<TransferKind>(&mut e, "kind", input.kind.as_deref())
        .unwrap_or(TransferKind::Forward);
    let sent_on = required_date(&mut e, "sent_on", input.sent_on.as_deref());
    if sent_on.is_some_and(|d| d > today()) {
        e.add("sent_on", "not_in_future", "must not be after today");
    }
    e.into_result(())?;
    let sent_on = sent_on.expect("checked");
    let to = unit_by_code(state, "to", &to).await?;
    if to.id == case.holder_id {
        return Err(bad(
            "to",
            "other_agency",
            "must be another agency than the one holding the file",
        ));
    }
    let (cal, _) = rules(state).await?;
    let mut tx = state.store.begin().await?;
    let tid = store::send_transfer(
        &mut tx,
        &who.actor(),
        id,
        &store::TransferSend {
            kind,
            from: case.holder_id,
            to: to.id,
            sent_on,
            ack_due: transfer_ack_due(&cal, sent_on),
            note: input.note.as_deref(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tid)
}

/// The receiving agency acknowledges a file; returns the entry's id.
pub async fn acknowledge(
    state: &AppState,
    who: &Principal,
    transfer: uuid::Uuid,
) -> AppResult<uuid::Uuid> {
    let handle = who.require(Right::HandleCases)?;
    let v = viewer(who)?;
    let mut c = state.store.conn().await?;
    let t = store::transfer(&mut c, transfer).await?;
    store::get_case(&mut c, &v, t.case_id).await?;
    let to = units::get(&mut c, t.to_id).await?;
    drop(c);
    if !handle.contains(&to.path) {
        return Err(AppError::Forbidden(
            "only the receiving agency acknowledges a file".into(),
        ));
    }
    let on = today().max(t.sent_on);
    let mut tx = state.store.begin().await?;
    store::acknowledge_transfer(&mut tx, &who.actor(), transfer, on, Some(who.user.id)).await?;
    tx.commit().await?;
    Ok(t.case_id)
}

async fn committee_in_scope(
    state: &AppState,
    who: &Principal,
    code: &str,
) -> AppResult<UnitRecord> {
    let scope = who.require(Right::DecideMonitoring)?;
    let u = unit_by_code(state, "committee", code).await?;
    if !u.kind.steers() {
        return Err(bad(
            "committee",
            "steering_committee",
            "must be the central or a provincial steering committee",
        ));
    }
    if !scope.contains(&u.path) {
        return Err(AppError::Forbidden(
            "you decide for your own committee only".into(),
        ));
    }
    Ok(u)
}

/// Places an entry under a committee's monitoring.
pub async fn monitor(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &MonitoringInput,
) -> AppResult<uuid::Uuid> {
    let d = input.parse(today())?;
    let committee = committee_in_scope(state, who, &d.committee).await?;
    let v = viewer(who)?;
    let mut c = state.store.conn().await?;
    store::get_case(&mut c, &v, id).await?;
    drop(c);
    let mut tx = state.store.begin().await?;
    let mid = store::place_monitoring(
        &mut tx,
        &who.actor(),
        id,
        committee.id,
        &d.session,
        d.decided_on,
        &d.targets,
    )
    .await?;
    tx.commit().await?;
    Ok(mid)
}

async fn own_monitoring(
    state: &AppState,
    who: &Principal,
    mid: uuid::Uuid,
) -> AppResult<MonitoringRow> {
    let mut c = state.store.conn().await?;
    let m = store::monitoring(&mut c, mid).await?;
    store::get_case(&mut c, &viewer(who)?, m.case_id).await?;
    drop(c);
    committee_in_scope(state, who, &m.committee_code).await?;
    Ok(m)
}

/// Adds a target to a monitoring.
pub async fn add_target(
    state: &AppState,
    who: &Principal,
    mid: uuid::Uuid,
    input: &TargetInput,
) -> AppResult<uuid::Uuid> {
    let m = own_monitoring(state, who, mid).await?;
    if m.removed_on.is_some() {
        return Err(AppError::Conflict("the case is no longer monitored".into()));
    }
    let t = input.parse(m.added_on)?;
    let mut tx = state.store.begin().await?;
    let id = store::add_target(&mut tx, &who.actor(), mid, &t).await?;
    tx.commit().await?;
    Ok(id)
}

/// A later decision removing a case from monitoring.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct RemovalInput {
    /// The session that decided it.
    pub session: Option<String>,
    /// The day, `YYYY-MM-DD`.
    pub on: Option<String>,
}

/// Removes an entry from a committee's monitoring.
pub async fn unmonitor(
    state: &AppState,
    who: &Principal,
    mid: uuid::Uuid,
    input: &RemovalInput,
) -> AppResult<()> {
    own_monitoring(state, who, mid).await?;
    let mut e = ValidationErrors::new();
    let session = required_text(
        &mut e,
        "session",
        input.session.as_deref().unwrap_or(""),
        200,
    );
    let on = required_date(&mut e, "on", input.on.as_deref());
    if on.is_some_and(|d| d > today()) {
        e.add("on", "not_in_future", "must not be after today");
    }
    e.into_result(())?;
    let mut tx = state.store.begin().await?;
    store::remove_monitoring(&mut tx, &who.actor(), mid, on.expect("checked"), &session).await?;
    tx.commit().await?;
    Ok(())
}

/// A party to add: an existing person or organisation, or a new person.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct PartyInput {
    /// An existing person.
    pub person_id: Option<uuid::Uuid>,
    /// An existing organisation.
    pub organisation_id: Option<uuid::Uuid>,
    /// A new person, recorded with the party.
    pub person: Option<PersonInput>,
    /// The role code.
    pub role: Option<String>,
    /// The day they were prosecuted (accused and later roles).
    pub prosecuted_on: Option<String>,
}

/// Adds a party to an entry. A person prosecuted after the case itself is
/// counted as added (khởi tố bổ sung).
pub async fn add_party(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &PartyInput,
) -> AppResult<uuid::Uuid> {
    let case = workable(state, who, id).await?;
    let today = today();
    let mut e = ValidationErrors::new();
    let standing = standing(
        &mut e,
        input.role.as_deref(),
        input.prosecuted_on.as_deref(),
        case.prosecuted_on,
        today,
    );
    let new_person = match (&input.person, input.person_id, input.organisation_id) {
        (Some(p), None, None) => match p.parse(today) {
            Ok(p) => Some(p),
            Err(pe) => {
                e.merge_prefixed("person.", pe);
                None
            }
        },
        (None, Some(_), None) | (None, None, Some(_)) => None,
        _ => {
            e.add(
                "person_id",
                "one_party",
                "give exactly one of person_id, organisation_id or person",
            );
            None
        }
    };
    e.into_result(())?;
    let st = standing.expect("checked");
    let mut tx = state.store.begin().await?;
    let party = match (new_person, input.person_id, input.organisation_id) {
        (Some(p), _, _) => PartyRef::Person(
            store::insert_person(&mut tx, &who.actor(), who.user.unit_id, &p, None).await?,
        ),
        (None, Some(p), _) => PartyRef::Person(store::get_person(&mut tx, p).await?.id),
        (None, _, Some(o)) => PartyRef::Organisation(store::get_organisation(&mut tx, o).await?.id),
        (None, None, None) => unreachable!("validated: exactly one party"),
    };
    let pid = store::add_party(
        &mut tx,
        &who.actor(),
        id,
        party,
        st.role,
        st.prosecuted_on,
        st.added,
    )
    .await?;
    tx.commit().await?;
    Ok(pid)
}

/// Records a charge; the entry's crime class (and so its limits) follows
/// the most serious charge.
pub async fn add_charge(
    state: &AppState,
    who: &Principal,
    party: uuid::Uuid,
    input: &ChargeInput,
) -> AppResult<uuid::Uuid> {
    let charge = input.parse()?;
    let mut c = state.store.conn().await?;
    let p = store::party(&mut c, party).await?;
    drop(c);
    let case = workable(state, who, p.case_id).await?;
    let mut c = state.store.conn().await?;
    let all = store::parties_of(&mut c, case.id).await?;
    drop(c);
    let class = most_serious(
        all.iter()
            .flat_map(|p| p.charges.iter().map(|c| c.class))
            .chain([charge.class]),
    )
    .unwrap_or(charge.class);
    let (cal, _) = rules(state).await?;
    let mut tx = state.store.begin().await?;
    let id = store::add_charge(&mut tx, &who.actor(), case.id, party, &charge).await?;
    if class != case.facts.class {
        let mut f = case.facts.clone();
        f.class = class;
        store::set_facts(&mut tx, case.id, &f, limit_of(&f, &cal)).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Records an asset event on an entry.
pub async fn add_asset(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &AssetInput,
) -> AppResult<uuid::Uuid> {
    workable(state, who, id).await?;
    let a = input.parse(today())?;
    let mut tx = state.store.begin().await?;
    let aid = store::add_asset(&mut tx, &who.actor(), id, &a).await?;
    tx.commit().await?;
    Ok(aid)
}

/// Naming a person on an entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct GrantInput {
    /// Their login name.
    pub username: Option<String>,
    /// `assigned` or `leader`.
    pub role: Option<String>,
}

/// Names a person on an entry (leaders only).
pub async fn grant(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    input: &GrantInput,
) -> AppResult<()> {
    who.require(Right::DecideMonitoring)?;
    workable(state, who, id).await?;
    let mut e = ValidationErrors::new();
    let username = required_text(
        &mut e,
        "username",
        input.username.as_deref().unwrap_or(""),
        64,
    );
    let role = input.role.clone().unwrap_or_else(|| "assigned".into());
    if !matches!(role.as_str(), "assigned" | "leader") {
        e.add("role", "unknown_value", "must be one of: assigned, leader");
    }
    e.into_result(())?;
    let mut c = state.store.conn().await?;
    let user = users::by_username(&mut c, &username)
        .await?
        .ok_or_else(|| bad("username", "unknown_value", "must be the login of a user"))?;
    drop(c);
    let mut tx = state.store.begin().await?;
    store::grant_access(&mut tx, &who.actor(), id, user.0.id, &role).await?;
    tx.commit().await?;
    Ok(())
}

/// A sanction with its subject.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct SanctionRequest {
    /// On this person.
    pub person_id: Option<uuid::Uuid>,
    /// Or on this organisation.
    pub organisation_id: Option<uuid::Uuid>,
    /// In this entry.
    pub case_id: Option<uuid::Uuid>,
    /// The sanction.
    #[serde(flatten)]
    pub sanction: SanctionInput,
}

/// Records a sanction on one of the three tracks.
pub async fn add_sanction(
    state: &AppState,
    who: &Principal,
    input: &SanctionRequest,
) -> AppResult<uuid::Uuid> {
    who.require(Right::HandleCases)?;
    let subject = match (input.person_id, input.organisation_id) {
        (Some(p), None) => PartyRef::Person(p),
        (None, Some(o)) => PartyRef::Organisation(o),
        _ => {
            return Err(bad(
                "person_id",
                "one_party",
                "give exactly one of person_id or organisation_id",
            ))
        }
    };
    let s = input
        .sanction
        .parse(matches!(subject, PartyRef::Organisation(_)), today())?;
    let mut c = state.store.conn().await?;
    match subject {
        PartyRef::Person(p) => drop(store::get_person(&mut c, p).await?),
        PartyRef::Organisation(o) => drop(store::get_organisation(&mut c, o).await?),
    }
    drop(c);
    if let Some(case) = input.case_id {
        workable(state, who, case).await?;
    }
    let mut tx = state.store.begin().await?;
    let id = store::add_sanction(&mut tx, &who.actor(), subject, input.case_id, &s).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a person.
pub async fn create_person(
    state: &AppState,
    who: &Principal,
    input: &PersonInput,
) -> AppResult<uuid::Uuid> {
    who.require(Right::HandleCases)?;
    let p = input.parse(today())?;
    let mut tx = state.store.begin().await?;
    let id = store::insert_person(&mut tx, &who.actor(), who.user.unit_id, &p, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records an organisation.
pub async fn create_organisation(
    state: &AppState,
    who: &Principal,
    input: &OrganisationInput,
) -> AppResult<uuid::Uuid> {
    who.require(Right::HandleCases)?;
    let o = input.parse()?;
    let mut tx = state.store.begin().await?;
    let id = store::insert_organisation(&mut tx, &who.actor(), who.user.unit_id, &o, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// A link between two parties.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LinkInput {
    /// `director_of`, `shareholder_of`, `employed_by` or `related_to`.
    pub kind: Option<String>,
    /// The subject: a person …
    pub subject_person_id: Option<uuid::Uuid>,
    /// … or an organisation.
    pub subject_organisation_id: Option<uuid::Uuid>,
    /// The object: a person …
    pub object_person_id: Option<uuid::Uuid>,
    /// … or an organisation.
    pub object_organisation_id: Option<uuid::Uuid>,
    /// From, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Until, `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// Wording ("Chủ tịch HĐQT", "35%", "vợ").
    pub role: Option<String>,
}

/// Records a link.
pub async fn create_link(
    state: &AppState,
    who: &Principal,
    input: &LinkInput,
) -> AppResult<uuid::Uuid> {
    who.require(Right::HandleCases)?;
    let mut e = ValidationErrors::new();
    let kind = required_code::<LinkKind>(&mut e, "kind", input.kind.as_deref());
    let end =
        |e: &mut ValidationErrors, f: &str, p: Option<uuid::Uuid>, o: Option<uuid::Uuid>| match (
            p, o,
        ) {
            (Some(p), None) => Some(PartyRef::Person(p)),
            (None, Some(o)) => Some(PartyRef::Organisation(o)),
            _ => {
                e.add(f, "one_party", "give exactly one person or organisation");
                None
            }
        };
    let subject = end(
        &mut e,
        "subject",
        input.subject_person_id,
        input.subject_organisation_id,
    );
    let object = end(
        &mut e,
        "object",
        input.object_person_id,
        input.object_organisation_id,
    );
    let (start, finish) = parse_period(
        &mut e,
        input.start_date.as_deref(),
        input.end_date.as_deref(),
    );
    e.into_result(())?;
    let (kind, subject, object) = (
        kind.expect("checked"),
        subject.expect("checked"),
        object.expect("checked"),
    );
    let mut c = state.store.conn().await?;
    let mut object_kind = None;
    for p in [subject, object] {
        match p {
            PartyRef::Person(id) => drop(store::get_person(&mut c, id).await?),
            PartyRef::Organisation(id) => {
                let o = store::get_organisation(&mut c, id).await?;
                if p == object {
                    object_kind = Some(o.organisation.kind);
                }
            }
        }
    }
    drop(c);
    check_link(kind, subject, object, object_kind)?;
    let mut tx = state.store.begin().await?;
    let id = store::insert_link(
        &mut tx,
        &who.actor(),
        &store::NewLink {
            kind,
            subject,
            object,
            start,
            end: finish,
            role: input
                .role
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty()),
            ftm_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A person's dossier, for those who hold the screening right; the view is
/// audited in the same transaction that reads it.
pub async fn person_dossier(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
) -> AppResult<Dossier> {
    who.require(Right::ScreenPersons)?;
    let v = Viewer {
        user: who.user.id,
        scope: who.scope(Right::ReadCases),
    };
    let mut tx = state.store.begin().await?;
    let d = store::dossier(&mut tx, &v, &who.scope(Right::ReadPetitions), id).await?;
    audit::append(
        &mut tx,
        &who.actor(),
        "person.view",
        "person",
        &id.to_string(),
        serde_json::json!({"cases": d.cases.len(), "letters": d.letters.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// One row of the watch list.
#[derive(Debug, Clone, Serialize)]
pub struct WatchRow {
    /// The entry.
    pub case: CaseRow,
    /// The monitoring.
    pub monitoring: MonitoringView,
    /// Days left on the stage limit.
    pub stage_days_left: Option<i32>,
}

/// A committee's watch list (default: the caller's own unit if it is a committee).
pub async fn watch_list(
    state: &AppState,
    who: &Principal,
    committee: Option<&str>,
) -> AppResult<(UnitRecord, Vec<WatchRow>)> {
    let v = viewer(who)?;
    let code = committee
        .map(str::to_owned)
        .unwrap_or_else(|| who.user.unit_code.clone());
    let u = unit_seen(state, &v, "committee", &code).await?;
    let today = today();
    let mut c = state.store.conn().await?;
    let rows = store::watch_list(&mut c, &v, u.id)
        .await?
        .into_iter()
        .map(|(case, m)| WatchRow {
            stage_days_left: case.stage_due.map(|d| (d - today).get_days()),
            monitoring: monitoring_view(m, today),
            case,
        })
        .collect();
    Ok((u, rows))
}

/// Figures of a period for a unit's subtree or a committee's monitored list.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Cases and defendants at each stage.
    pub cases: CaseFigures,
    /// Asset totals.
    pub assets: AssetTotals,
    /// Money recovery rate, percent.
    pub recovery_rate_vnd: Option<String>,
    /// Land recovery rate, percent.
    pub recovery_rate_m2: Option<String>,
    /// Entries (cases and incidents) monitored now, when the scope is a committee.
    pub monitored_cases: Option<i64>,
    /// Of which incidents.
    pub monitored_incidents: Option<i64>,
}

/// The case figures of a period.
pub async fn figures(
    state: &AppState,
    who: &Principal,
    from: Date,
    to: Date,
    unit: Option<&str>,
    committee: Option<&str>,
) -> AppResult<Figures> {
    let v = viewer(who)?;
    let (scope, monitor) = match (unit, committee) {
        (_, Some(code)) => {
            let u = unit_seen(state, &v, "committee", code).await?;
            (CaseScope::Committee(u.id), Some(u.id))
        }
        (Some(code), None) => {
            let u = unit_seen(state, &v, "unit", code).await?;
            (CaseScope::Subtree(u.path), None)
        }
        (None, None) => (CaseScope::Subtree(who.user.unit_path.clone()), None),
    };
    let mut c = state.store.conn().await?;
    let (records, assets) = store::counting_facts(&mut c, &v, &scope, from, to).await?;
    let t = totals(&assets, from, to);
    let (mc, mi) = match monitor {
        Some(m) => {
            let f = |kind| CaseFilter {
                monitored_by: Some(m),
                kind: Some(kind),
                ..Default::default()
            };
            (
                Some(store::count_cases(&mut c, &v, &f(CaseKind::Case)).await?),
                Some(store::count_cases(&mut c, &v, &f(CaseKind::Incident)).await?),
            )
        }
        None => (None, None),
    };
    Ok(Figures {
        cases: count(&records, from, to),
        recovery_rate_vnd: t.rate_vnd().map(percent),
        recovery_rate_m2: t.rate_m2().map(percent),
        assets: t,
        monitored_cases: mc,
        monitored_incidents: mi,
    })
}

/// Every person, organisation and link as FollowTheMoney JSON lines.
pub async fn export_ftm(store: &liem_store::Store) -> AppResult<String> {
    use liem_domain::ftm;
    let mut c = store.conn().await?;
    let (persons, orgs, links) = store::all_for_export(&mut c).await?;
    let id_of = |p: PartyRef| match p {
        PartyRef::Person(u) => persons
            .iter()
            .find(|x| x.id == u)
            .and_then(|x| x.ftm_id.clone())
            .unwrap_or_else(|| ftm::person_id(u)),
        PartyRef::Organisation(u) => orgs
            .iter()
            .find(|x| x.id == u)
            .and_then(|x| x.ftm_id.clone())
            .unwrap_or_else(|| ftm::organisation_id(u)),
    };
    let mut out = String::new();
    for p in &persons {
        let id = p.ftm_id.clone().unwrap_or_else(|| ftm::person_id(p.id));
        out.push_str(&ftm::person_entity(&id, &p.person).to_string());
        out.push('\n');
    }
    for o in &orgs {
        let id = o
            .ftm_id
            .clone()
            .unwrap_or_else(|| ftm::organisation_id(o.id));
        out.push_str(&ftm::organisation_entity(&id, &o.organisation).to_string());
        out.push('\n');
    }
    for l in &links {
        let id = l.ftm_id.clone().unwrap_or_else(|| ftm::link_id(l.id));
        out.push_str(
            &ftm::link_entity(
                &id,
                l.kind,
                &id_of(l.subject),
                &id_of(l.object),
                l.start,
                l.end,
                l.role.as_deref(),
            )
            .to_string(),
        );
        out.push('\n');
    }
    Ok(out)
}

/// What an FtM import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// People recorded.
    pub persons: usize,
    /// Organisations recorded.
    pub organisations: usize,
    /// Links recorded.
    pub links: usize,
    /// Entities already present (same FtM id), left as they were.
    pub unchanged: usize,
    /// Entities of schemas Liêm does not keep.
    pub skipped: usize,
}

/// Imports FollowTheMoney JSON lines into `unit`'s register, in one
/// transaction: a bad line rejects the whole file, naming the line.
pub async fn import_ftm(
    store: &liem_store::Store,
    actor: &audit::Actor,
    unit: liem_domain::ids::UnitId,
    text: &str,
) -> AppResult<ImportReport> {
    use liem_domain::ftm::{parse_line, Imported};
    let mut parsed = Vec::new();
    let mut errs = ValidationErrors::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(e) => parsed.push(e),
            Err(m) => errs.add(&format!("line {}", i + 1), "ftm_entity", m),
        }
    }
    errs.into_result(())?;
    let mut r = ImportReport::default();
    let mut tx = store.begin().await?;
    let mut links = Vec::new();
    for e in parsed {
        match e {
            Imported::Person { ftm_id, person } => {
                if store::party_by_ftm_id(&mut tx, &ftm_id).await?.is_some() {
                    r.unchanged += 1;
                } else {
                    store::insert_person(&mut tx, actor, unit, &person, Some(&ftm_id)).await?;
                    r.persons += 1;
                }
            }
            Imported::Organisation {
                ftm_id,
                organisation,
            } => {
                if store::party_by_ftm_id(&mut tx, &ftm_id).await?.is_some() {
                    r.unchanged += 1;
                } else {
                    store::insert_organisation(&mut tx, actor, unit, &organisation, Some(&ftm_id))
                        .await?;
                    r.organisations += 1;
                }
            }
            link @ Imported::Link { .. } => links.push(link),
            Imported::Skipped { .. } => r.skipped += 1,
        }
    }
    for (i, l) in links.into_iter().enumerate() {
        let Imported::Link {
            ftm_id,
            kind,
            subject,
            object,
            start,
            end,
            role,
        } = l
        else {
            continue;
        };
        let exists = liem_store::db::query("SELECT 1 AS one FROM party_links WHERE ftm_id = $1")
            .bind(ftm_id.as_str())
            .fetch_optional(&mut tx)
            .await?
            .is_some();
        if exists {
            r.unchanged += 1;
            continue;
        }
        let s = store::party_by_ftm_id(&mut tx, &subject).await?;
        let o = store::party_by_ftm_id(&mut tx, &object).await?;
        let (Some(s), Some(o)) = (s, o) else {
            r.skipped += 1;
            continue;
        };
        let object_kind = match o {
            PartyRef::Organisation(id) => Some(
                store::get_organisation(&mut tx, id)
                    .await?
                    .organisation
                    .kind,
            ),
            PartyRef::Person(_) => None,
        };
        if let Err(e) = check_link(kind, s, o, object_kind) {
            let mut v = ValidationErrors::new();
            v.merge_prefixed(&format!("link {} ({ftm_id}).", i + 1), e);
            return Err(AppError::Validation(v));
        }
        store::insert_link(
            &mut tx,
            actor,
            &store::NewLink {
                kind,
                subject: s,
                object: o,
                start,
                end,
                role: role.as_deref(),
                ftm_id: Some(&ftm_id),
            },
        )
        .await?;
        r.links += 1;
    }
    tx.commit().await?;
    Ok(r)
}

// ---------------------------------------------------------------- CSV

/// Quotes one CSV field (RFC 4180), neutralising spreadsheet formulas.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document from a header and rows, UTF-8 with a byte-order mark so
/// that spreadsheet programs read Vietnamese correctly.
pub fn csv_response(filename: &str, header: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response()
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn case_csv(items: &[CaseRow]) -> Response {
    csv_response(
        "cases.csv",
        &[
            "reference",
            "incident_reference",
            "kind",
            "title",
            "source",
            "field",
            "stage",
            "holder",
            "stage_due",
            "opened_on",
            "prosecuted_on",
            "closed_on",
            "monitored_by",
        ],
        items
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    c.incident_reference.clone().unwrap_or_default(),
                    c.kind.to_string(),
                    c.title.clone(),
                    c.source.to_string(),
                    c.field.clone(),
                    c.facts.stage.to_string(),
                    c.holder_code.clone(),
                    opt(c.stage_due),
                    c.opened_on.to_string(),
                    opt(c.prosecuted_on),
                    opt(c.closed_on),
                    c.monitored_by.join(" "),
                ]
            })
            .collect(),
    )
}

fn watch_csv(rows: &[WatchRow]) -> Response {
    csv_response(
        "watchlist.csv",
        &[
            "reference",
            "title",
            "stage",
            "holder",
            "session",
            "added_on",
            "next_target",
            "target_due",
            "days_left",
        ],
        rows.iter()
            .map(|r| {
                let n = r.monitoring.next_target.as_ref();
                vec![
                    r.case.reference.clone(),
                    r.case.title.clone(),
                    r.case.facts.stage.to_string(),
                    r.case.holder_code.clone(),
                    r.monitoring.monitoring.session.clone(),
                    r.monitoring.monitoring.added_on.to_string(),
                    opt(n.map(|n| n.milestone)),
                    opt(n.map(|n| n.due_on)),
                    opt(n.map(|n| n.days_left)),
                ]
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- API

fn csrf(who: &Principal, headers: &HeaderMap) -> AppResult<()> {
    who.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
}

fn created(id: uuid::Uuid, location: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(serde_json::json!({ "id": id })),
    )
        .into_response()
}

/// Filters of the register.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Words to find, with or without diacritics.
    pub q: Option<String>,
    /// `incident` or `case`.
    pub kind: Option<String>,
    /// A stage code.
    pub stage: Option<String>,
    /// Held by this agency (code).
    pub holder: Option<String>,
    /// Monitored now by this committee (code).
    pub monitored_by: Option<String>,
    /// Past the stage limit.
    pub overdue: Option<bool>,
    /// Stage limit within this many days.
    pub due_within: Option<u32>,
    /// The id after which the page starts.
    pub cursor: Option<uuid::Uuid>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
    /// `json` (default) or `csv` (every matching entry).
    pub format: Option<String>,
}

impl CaseQuery {
    async fn filter(&self, state: &AppState) -> AppResult<CaseFilter> {
        let mut e = ValidationErrors::new();
        let kind = optional_code::<CaseKind>(&mut e, "kind", self.kind.as_deref());
        let stage = optional_code::<Stage>(&mut e, "stage", self.stage.as_deref());
        e.into_result(())?;
        let unit = |f: &'static str, c: &Option<String>| {
            let c = c.clone().filter(|c| !c.trim().is_empty());
            async move {
                match c {
                    Some(c) => Ok::<_, AppError>(Some(unit_by_code(state, f, &c).await?.id)),
                    None => Ok(None),
                }
            }
        };
        Ok(CaseFilter {
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
            kind,
            stage,
            holder: unit("holder", &self.holder).await?,
            monitored_by: unit("monitored_by", &self.monitored_by).await?,
            overdue: self.overdue.unwrap_or(false),
            due_within: self.due_within,
            today: Some(today()),
        })
    }
}

/// The entries a caller sees matching the filter, with the total.
pub async fn list(
    state: &AppState,
    who: &Principal,
    q: &CaseQuery,
) -> AppResult<(liem_store::petitions::Page<CaseRow>, i64)> {
    let v = viewer(who)?;
    let f = q.filter(state).await?;
    let mut c = state.store.conn().await?;
    let limit = if q.format.as_deref() == Some("csv") {
        5000
    } else {
        q.limit.unwrap_or(50).min(500)
    };
    let page = store::list_cases(&mut c, &v, &f, q.cursor, limit).await?;
    let total = store::count_cases(&mut c, &v, &f).await?;
    Ok((page, total))
}

#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), tag = "cases",
    responses((status = 200, description = "A page: `items`, `next_cursor`, `total`; or CSV with `format=csv`", body = Object), (status = 422, body = Problem)))]
/// The register of cases and incidents the caller sees.
pub async fn api_list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<CaseQuery>,
) -> AppResult<Response> {
    let (page, total) = list(&state, &who, &q).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(case_csv(&page.items));
    }
    Ok(Json(
        serde_json::json!({ "items": page.items, "next_cursor": page.next_cursor, "total": total }),
    )
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/cases", request_body = CaseInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Registers a case or an incident in the caller's unit.
pub async fn api_create(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<CaseInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let (id, reference) = create_case(&state, &who, &input).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/cases/{id}"))],
        Json(serde_json::json!({ "id": id, "reference": reference })),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    responses((status = 200, body = Object), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// One entry with its stages, transfers, monitoring, parties and assets.
pub async fn api_get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(case_view(&state, &who, id).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/stage", request_body = StageInput, tag = "cases",
    responses((status = 200, body = Object), (status = 409, description = "Not possible in the current stage", body = Problem), (status = 422, body = Problem)))]
/// Takes a stage action, optionally sending the file to another agency.
pub async fn api_stage(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<StageInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    Ok(Json(take_stage(&state, &who, id, &input).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/transfers", request_body = TransferInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Sends an entry's file to another agency.
pub async fn api_transfer(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<TransferInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
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

#[utoipa::path(get, path = "/api/v1/case-transfers", params(PendingQuery), tag = "cases", responses((status = 200, body = Object)))]
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
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/case-transfers/{id}/acknowledge", tag = "cases",
    responses((status = 204, description = "Acknowledged"), (status = 403, body = Problem), (status = 409, body = Problem)))]
/// The receiving agency acknowledges a file.
pub async fn api_acknowledge(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    acknowledge(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/monitoring", request_body = MonitoringInput, tag = "cases",
    responses((status = 201, body = Object), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Places an entry under a steering committee's monitoring, with targets.
pub async fn api_monitor(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<MonitoringInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let m = monitor(&state, &who, id, &input).await?;
    Ok(created(m, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/monitorings/{id}/targets", request_body = TargetInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Adds a milestone target to a monitoring.
pub async fn api_add_target(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<TargetInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let t = add_target(&state, &who, id, &input).await?;
    Ok(created(t, format!("/api/v1/monitorings/{id}")))
}

#[utoipa::path(post, path = "/api/v1/monitorings/{id}/removal", request_body = RemovalInput, tag = "cases",
    responses((status = 204, description = "Removed"), (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Removes an entry from monitoring by a later decision.
pub async fn api_unmonitor(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<RemovalInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    unmonitor(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/parties", request_body = PartyInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Adds a person or organisation to an entry in a role.
pub async fn api_add_party(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<PartyInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let p = add_party(&state, &who, id, &input).await?;
    Ok(created(p, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/case-parties/{id}/charges", request_body = ChargeInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a charge (Penal Code article, clause, class) against a party.
pub async fn api_add_charge(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<ChargeInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let c = add_charge(&state, &who, id, &input).await?;
    Ok(created(c, format!("/api/v1/case-parties/{id}")))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assets", request_body = AssetInput, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records an asset event (damage, to recover, seized, recovered).
pub async fn api_add_asset(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<AssetInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let a = add_asset(&state, &who, id, &input).await?;
    Ok(created(a, format!("/api/v1/cases/{id}")))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/access", request_body = GrantInput, tag = "cases",
    responses((status = 204, description = "Named"), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Names a person on an entry (on a restricted one, only they see it).
pub async fn api_grant(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<GrantInput>,
) -> AppResult<StatusCode> {
    csrf(&who, &headers)?;
    grant(&state, &who, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/sanctions", request_body = SanctionRequest, tag = "cases",
    responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a Party, administrative or criminal sanction.
pub async fn api_add_sanction(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SanctionRequest>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let s = add_sanction(&state, &who, &input).await?;
    Ok(created(s, "/api/v1/sanctions".into()))
}

/// A committee.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WatchQuery {
    /// The committee's code (default: the caller's unit).
    pub committee: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/watchlist", params(WatchQuery), tag = "cases", responses((status = 200, body = Object), (status = 422, body = Problem)))]
/// A committee's watch list: each monitored entry, its stage, next target and holder.
pub async fn api_watch_list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<WatchQuery>,
) -> AppResult<Response> {
    let (u, rows) = watch_list(&state, &who, q.committee.as_deref()).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(watch_csv(&rows));
    }
    Ok(Json(serde_json::json!({ "committee": u.code, "items": rows })).into_response())
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

#[utoipa::path(get, path = "/api/v1/case-deadlines", params(DeadlineQuery), tag = "cases", responses((status = 200, body = Object)))]
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
    Ok(
        Json(serde_json::json!({ "per_agency": per_agency, "overdue_transfers": transfers }))
            .into_response(),
    )
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

#[utoipa::path(get, path = "/api/v1/case-figures", params(FigureQuery), tag = "cases", responses((status = 200, body = Object), (status = 422, body = Problem)))]
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

/// A search.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FindQuery {
    /// Words of the name, identity number or tax code.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/persons", params(FindQuery), tag = "people", responses((status = 200, body = Object)))]
/// People by name or identity number (names only; the dossier needs the screening right).
pub async fn api_find_persons(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FindQuery>,
) -> AppResult<Response> {
    who.require(Right::HandleCases)?;
    let mut c = state.store.conn().await?;
    let items = store::find_persons(&mut c, q.q.as_deref().unwrap_or(""), 50).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/persons", request_body = PersonInput, tag = "people", responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a person.
pub async fn api_create_person(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let id = create_person(&state, &who, &input).await?;
    Ok(created(id, format!("/api/v1/persons/{id}")))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "people",
    responses((status = 200, body = Object), (status = 403, description = "The caller's roles do not grant the screening right", body = Problem)))]
/// A person's dossier: links, roles in cases, sanctions, petitions (audited).
pub async fn api_person(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(person_dossier(&state, &who, id).await?).into_response())
}

#[utoipa::path(get, path = "/api/v1/organisations", params(FindQuery), tag = "people", responses((status = 200, body = Object)))]
/// Organisations by name or tax code.
pub async fn api_find_organisations(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FindQuery>,
) -> AppResult<Response> {
    who.require(Right::HandleCases)?;
    let mut c = state.store.conn().await?;
    let items = store::find_organisations(&mut c, q.q.as_deref().unwrap_or(""), 50).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/organisations", request_body = OrganisationInput, tag = "people", responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records an organisation.
pub async fn api_create_organisation(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<OrganisationInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let id = create_organisation(&state, &who, &input).await?;
    Ok(created(id, format!("/api/v1/organisations/{id}")))
}

#[utoipa::path(post, path = "/api/v1/links", request_body = LinkInput, tag = "people", responses((status = 201, body = Object), (status = 422, body = Problem)))]
/// Records a link (director of, shareholder of, employed by, related to).
pub async fn api_create_link(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<Response> {
    csrf(&who, &headers)?;
    let id = create_link(&state, &who, &input).await?;
    Ok(created(id, "/api/v1/links".into()))
}

#[utoipa::path(get, path = "/api/v1/export/ftm", tag = "people",
    responses((status = 200, description = "FollowTheMoney entities, one JSON object per line", content_type = "application/x-ndjson"), (status = 403, body = Problem)))]
/// People, organisations and links as FollowTheMoney JSON lines (screening
/// right; the export is audited).
pub async fn api_export_ftm(State(state): State<AppState>, who: Principal) -> AppResult<Response> {
    who.require(Right::ScreenPersons)?;
    let body = export_ftm(&state.store).await?;
    let mut tx = state.store.begin().await?;
    audit::append(
        &mut tx,
        &who.actor(),
        "export.ftm",
        "persons",
        "*",
        serde_json::json!({"lines": body.lines().count()}),
    )
    .await?;
    tx.commit().await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

// ---------------------------------------------------------------- pages

fn codes<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(|c| c.to_string()).collect()
}

#[derive(askama::Template)]
#[template(path = "cases.html")]
struct ListTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    items: Vec<(CaseRow, bool)>,
    total: i64,
    q: String,
    kind: String,
    stage: String,
    overdue: bool,
    kinds: Vec<String>,
    stages: Vec<String>,
    csv: String,
    next: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let (p, total) = list(&state, who, &q).await?;
        let mut csv = vec!["format=csv".to_owned()];
        for (k, v) in [("q", &q.q), ("kind", &q.kind), ("stage", &q.stage)] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                csv.push(format!("{k}={}", crate::pages::urlencode(v)));
            }
        }
        if q.overdue == Some(true) {
            csv.push("overdue=true".into());
        }
        let next = p.next_cursor.as_ref().map(|c| {
            let mut n = csv[1..].to_vec();
            n.push(format!("cursor={c}"));
            n.join("&")
        });
        Ok::<_, AppError>(ListTpl {
            tr: page.tr().clone(),
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            items: p
                .items
                .into_iter()
                .map(|c| {
                    let late = c.stage_due.is_some_and(|d| d < today());
                    (c, late)
                })
                .collect(),
            total,
            q: q.q.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            stage: q.stage.clone().unwrap_or_default(),
            overdue: q.overdue == Some(true),
            kinds: codes(CaseKind::ALL),
            stages: codes(Stage::ALL),
            csv: format!("/api/v1/cases?{}", csv.join("&")),
            next,
        })
    }
    .await;
    match r {
        Ok(t) => crate::pages::render(&t),
        Err(e) => page.error_page(e),
    }
}

#[derive(askama::Template)]
#[template(path = "case_new.html")]
struct NewTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    errors: Vec<liem_domain::FieldError>,
    form: HashMap<String, String>,
    kinds: Vec<String>,
    sources: Vec<String>,
    classes: Vec<String>,
    fields: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    today: Date,
}

impl NewTpl {
    fn v(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

async fn agencies(state: &AppState) -> AppResult<Vec<UnitRecord>> {
    let mut c = state.store.conn().await?;
    Ok(units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| u.valid_to.is_none() && u.kind != UnitKind::Commune)
        .collect())
}

async fn render_new(
    state: &AppState,
    page: &crate::pages::Page,
    who: &Principal,
    form: HashMap<String, String>,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    let mut c = state.store.conn().await?;
    let fields = petitions::fields(&mut c).await?;
    drop(c);
    let vi = page.tr().tag() == "vi";
    let t = NewTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        errors,
        form,
        kinds: codes(CaseKind::ALL),
        sources: codes(liem_domain::register::CaseSource::ALL),
        classes: codes(CrimeClass::ALL),
        fields: fields
            .into_iter()
            .map(|(c, v, e)| (c, if vi { v } else { e }))
            .collect(),
        agencies: agencies(state)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect(),
        today: today(),
    };
    Ok(crate::pages::render(&t))
}

async fn new_page(State(state): State<AppState>, page: crate::pages::Page) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    if let Err(e) = who.require(Right::HandleCases) {
        return page.error_page(e);
    }
    render_new(&state, &page, who, HashMap::new(), Vec::new())
        .await
        .unwrap_or_else(|e| page.error_page(e))
}

async fn create_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match page.posted(form.get("csrf").map_or("", String::as_str)) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let g = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let input = CaseInput {
        kind: g("kind"),
        title: g("title"),
        summary: g("summary"),
        source: g("source"),
        field: g("field"),
        place: g("place"),
        opened_on: g("opened_on"),
        class: g("class"),
        holder: g("holder"),
        restricted: form.get("restricted").is_some_and(|v| v == "on"),
        letters: g("letters")
            .map(|l| {
                l.split([',', ' ', '\n'])
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        complex: form.get("complex").is_some_and(|v| v == "on"),
    };
    match create_case(&state, who, &input).await {
        Ok((id, _)) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(AppError::Validation(e)) => {
            match render_new(&state, &page, who, form, e.errors).await {
                Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, r).into_response(),
                Err(e) => page.error_page(e),
            }
        }
        Err(e) => page.error_page(e),
    }
}

#[derive(askama::Template)]
#[template(path = "case.html")]
struct CaseTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    v: CaseView,
    errors: Vec<liem_domain::FieldError>,
    agencies: Vec<(String, String)>,
    committees: Vec<(String, String)>,
    milestones: Vec<String>,
    roles: Vec<String>,
    classes: Vec<String>,
    asset_kinds: Vec<String>,
    routes: Vec<String>,
    can_monitor: bool,
    can_screen: bool,
    transfers: Vec<(TransferView, bool)>,
    today: Date,
}

async fn render_case(
    state: &AppState,
    page: &crate::pages::Page,
    who: &Principal,
    id: uuid::Uuid,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    let v = case_view(state, who, id).await?;
    let all = agencies(state).await?;
    let handle = who.scope(Right::HandleCases);
    let decide = who.scope(Right::DecideMonitoring);
    let t = CaseTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        errors,
        committees: all
            .iter()
            .filter(|u| u.kind.steers() && decide.contains(&u.path))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        transfers: v
            .transfers
            .iter()
            .map(|t| {
                let mine = all
                    .iter()
                    .any(|u| u.id == t.transfer.to_id && handle.contains(&u.path));
                (t.clone(), mine && t.transfer.acknowledged_on.is_none())
            })
            .collect(),
        agencies: all.into_iter().map(|u| (u.code, u.name)).collect(),
        milestones: codes(Milestone::ALL),
        roles: codes(PartyRole::ALL),
        classes: codes(CrimeClass::ALL),
        asset_kinds: codes(liem_domain::assets::AssetKind::ALL),
        routes: codes(liem_domain::assets::AssetRoute::ALL),
        can_monitor: who.can(Right::DecideMonitoring),
        can_screen: who.can(Right::ScreenPersons),
        today: today(),
        v,
    };
    Ok(crate::pages::render(&t))
}

async fn case_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    render_case(&state, &page, who, id, Vec::new())
        .await
        .unwrap_or_else(|e| page.error_page(e))
}

async fn case_form(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path((id, form_name)): Path<(uuid::Uuid, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match page.posted(form.get("csrf").map_or("", String::as_str)) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let g = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let num = |k: &str| g(k).and_then(|v| v.trim().replace(['.', ' '], "").parse::<i64>().ok());
    let r: AppResult<()> = match form_name.as_str() {
        "stage" => take_stage(
            &state,
            who,
            id,
            &StageInput {
                action: g("action"),
                on: g("on"),
                note: g("note"),
                send_to: g("send_to"),
            },
        )
        .await
        .map(drop),
        "transfer" => send_file(
            &state,
            who,
            id,
            &TransferInput {
                to: g("to"),
                kind: g("kind"),
                sent_on: g("sent_on"),
                note: g("note"),
            },
        )
        .await
        .map(drop),
        "monitoring" => {
            let targets = if g("milestone").is_some() || g("due_on").is_some() {
                vec![TargetInput {
                    milestone: g("milestone"),
                    due_on: g("due_on"),
                    note: g("target_note"),
                }]
            } else {
                Vec::new()
            };
            monitor(
                &state,
                who,
                id,
                &MonitoringInput {
                    committee: g("committee"),
                    session: g("session"),
                    decided_on: g("decided_on"),
                    targets,
                },
            )
            .await
            .map(drop)
        }
        "target" => match g("monitoring").and_then(|m| m.parse().ok()) {
            Some(m) => add_target(
                &state,
                who,
                m,
                &TargetInput {
                    milestone: g("milestone"),
                    due_on: g("due_on"),
                    note: g("target_note"),
                },
            )
            .await
            .map(drop),
            None => Err(bad("monitoring", "required", "must not be empty")),
        },
        "removal" => match g("monitoring").and_then(|m| m.parse().ok()) {
            Some(m) => {
                unmonitor(
                    &state,
                    who,
                    m,
                    &RemovalInput {
                        session: g("session"),
                        on: g("on"),
                    },
                )
                .await
            }
            None => Err(bad("monitoring", "required", "must not be empty")),
        },
        "party" => {
            let person = PersonInput {
                full_name: g("full_name"),
                birth_year: g("birth_year").and_then(|y| y.trim().parse().ok()),
                id_number: g("id_number"),
                position: g("position"),
                workplace: g("workplace"),
                managed_level: g("managed_level"),
                party_member: form.get("party_member").is_some_and(|v| v == "on"),
            };
            add_party(
                &state,
                who,
                id,
                &PartyInput {
                    person: Some(person),
                    role: g("role"),
                    prosecuted_on: g("prosecuted_on"),
                    ..Default::default()
                },
            )
            .await
            .map(drop)
        }
        "charge" => match g("party").and_then(|m| m.parse().ok()) {
            Some(p) => add_charge(
                &state,
                who,
                p,
                &ChargeInput {
                    article: num("article").map(|n| n as u32),
                    clause: num("clause").map(|n| n as u32),
                    class: g("class"),
                },
            )
            .await
            .map(drop),
            None => Err(bad("party", "required", "must not be empty")),
        },
        "asset" => add_asset(
            &state,
            who,
            id,
            &AssetInput {
                kind: g("kind"),
                route: g("route"),
                on: g("on"),
                amount_vnd: num("amount_vnd"),
                land_m2: num("land_m2"),
                item: g("item"),
            },
        )
        .await
        .map(drop),
        "access" => {
            grant(
                &state,
                who,
                id,
                &GrantInput {
                    username: g("username"),
                    role: g("role"),
                },
            )
            .await
        }
        _ => Err(AppError::NotFound),
    };
    match r {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(AppError::Validation(e)) => match render_case(&state, &page, who, id, e.errors).await {
            Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, r).into_response(),
            Err(e) => page.error_page(e),
        },
        Err(e) => page.error_page(e),
    }
}

async fn ack_form(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path(id): Path<uuid::Uuid>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match page.posted(form.get("csrf").map_or("", String::as_str)) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match acknowledge(&state, who, id).await {
        Ok(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
        Err(e) => page.error_page(e),
    }
}

#[derive(askama::Template)]
#[template(path = "watchlist.html")]
struct WatchTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    committee: UnitRecord,
    committees: Vec<(String, String)>,
    rows: Vec<WatchRow>,
}

async fn watch_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Query(q): Query<WatchQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let scope = viewer(who)?.scope;
        let committees: Vec<(String, String)> = agencies(&state)
            .await?
            .into_iter()
            .filter(|u| u.kind.steers() && scope.contains(&u.path))
            .map(|u| (u.code, u.name))
            .collect();
        let default = committees.first().map(|c| c.0.clone());
        let code = q.committee.clone().filter(|c| !c.is_empty()).or(default);
        let (committee, rows) = watch_list(&state, who, code.as_deref()).await?;
        Ok::<_, AppError>(WatchTpl {
            tr: page.tr().clone(),
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            committee,
            committees,
            rows,
        })
    }
    .await;
    match r {
        Ok(t) => crate::pages::render(&t),
        Err(e) => page.error_page(e),
    }
}

#[derive(askama::Template)]
#[template(path = "person.html")]
struct PersonTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    d: Dossier,
}

async fn person_page(
    State(state): State<AppState>,
    page: crate::pages::Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    match person_dossier(&state, who, id).await {
        Ok(d) => {
            let t = PersonTpl {
                tr: page.tr().clone(),
                user: Some(who.user.clone()),
                csrf: who.csrf.clone().unwrap_or_default(),
                d,
            };
            let mut r = crate::pages::render(&t);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => page.error_page(e),
    }
}

/// Formats whole VND with dots between thousands, as Vietnamese documents do.
pub fn vnd(n: impl std::borrow::Borrow<i64>) -> String {
    let n = *n.borrow();
    let out = crate::i18n::group_digits(n.unsigned_abs(), ".");
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn every_case_code_is_translated_in_every_language() {
        use liem_domain::{assets, people, register};
        let i = crate::i18n::I18n::load();
        let groups = [
            ("cs-kind", codes(CaseKind::ALL)),
            ("cs-source", codes(register::CaseSource::ALL)),
            ("cs-class", codes(CrimeClass::ALL)),
            ("cs-stage", codes(Stage::ALL)),
            ("cs-act", codes(StageAction::ALL)),
            ("cs-ms", codes(Milestone::ALL)),
            ("cs-tk", codes(TransferKind::ALL)),
            ("cs-role", codes(PartyRole::ALL)),
            ("cs-asset", codes(assets::AssetKind::ALL)),
            ("cs-route", codes(assets::AssetRoute::ALL)),
            ("cs-level", codes(people::ManagedLevel::ALL)),
            ("cs-link", codes(LinkKind::ALL)),
            ("cs-track", codes(people::SanctionTrack::ALL)),
            ("cs-measure", codes(people::Measure::ALL)),
        ];
        let mut missing = Vec::new();
        for lang in crate::i18n::Lang::ALL {
            for (prefix, cs) in &groups {
                for c in cs {
                    let key = format!("{prefix}-{c}");
                    if !i.has(lang, &key) {
                        missing.push(format!("{lang:?} {key}"));
                    }
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new());
    }

    #[test]
    fn vnd_groups_thousands_with_dots() {
        assert_eq!(vnd(1_234_567_000), "1.234.567.000");
        assert_eq!(vnd(0), "0");
        assert_eq!(vnd(-5_000), "-5.000");
    }
}
