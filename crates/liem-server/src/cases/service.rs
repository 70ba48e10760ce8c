//! The register of cases and incidents: who may do what. The stage machine,
//! limits, counting and validation live in the domain.

use crate::admin::service::rules;
use crate::auth::gate::Permit;
use crate::auth::Principal;
use crate::clock::today;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::assets::percent;
use liem_domain::assets::totals;
use liem_domain::assets::AssetInput;
use liem_domain::assets::AssetTotals;
use liem_domain::case::advance;
use liem_domain::case::count;
use liem_domain::case::stage_limit;
use liem_domain::case::CaseFacts;
use liem_domain::case::CaseFigures;
use liem_domain::case::Stage;
use liem_domain::case::StageAction;
use liem_domain::case::StageLimit;
use liem_domain::people::most_serious;
use liem_domain::people::standing;
use liem_domain::people::ChargeInput;
use liem_domain::people::PartyRef;
use liem_domain::people::PersonInput;
use liem_domain::register::next_target;
use liem_domain::register::transfer_ack_due;
use liem_domain::register::transfer_overdue;
use liem_domain::register::CaseInput;
use liem_domain::register::CaseKind;
use liem_domain::register::MonitoringInput;
use liem_domain::register::NextTarget;
use liem_domain::register::StageInput;
use liem_domain::register::TargetInput;
use liem_domain::register::TransferKind;
use liem_domain::role::Right;
use liem_domain::stats::Span;
use liem_domain::validation::optional_code;
use liem_domain::validation::required_date;
use liem_domain::validation::required_text;
use liem_domain::ValidationErrors;
use liem_report::tree::TreeMode;
use liem_store::cases as store;
use liem_store::cases::CaseFilter;
use liem_store::cases::CaseRow;
use liem_store::cases::CaseTransfer;
use liem_store::cases::MonitoringRow;
use liem_store::cases::PartyRow;
use liem_store::cases::SanctionRow;
use liem_store::cases::Viewer;
use liem_store::petitions;
use liem_store::units;
use liem_store::units::UnitRecord;
use liem_store::users;
use liem_store::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// The caller as the case register's visibility rule sees them: their reach
/// for reading cases, and who they are (restricted cases are seen by the
/// people named on them).
pub(crate) fn viewer(who: &Principal) -> AppResult<Viewer> {
    Ok(Viewer {
        user: who.user.id,
        scope: who.grant(Right::ReadCases)?.scope().clone(),
    })
}

pub(super) fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}

pub(super) async fn unit_by_code(
    state: &AppState,
    field: &str,
    code: &str,
) -> AppResult<UnitRecord> {
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

/// Checks that the writer sees a person or organisation they write about
/// (a sanction, a link, a party); one they do not see is refused like an
/// unknown id, naming `field`. Returns an organisation's kind.
pub(crate) async fn seen_party(
    c: &mut impl liem_store::db::AsExec,
    v: &Viewer,
    party: PartyRef,
    field: &str,
) -> AppResult<Option<liem_domain::people::OrgKind>> {
    let found = match party {
        PartyRef::Person(id) => store::visible_person(c, v, id).await.map(|_| None),
        PartyRef::Organisation(id) => store::visible_organisation(c, v, id)
            .await
            .map(|o| Some(o.organisation.kind)),
    };
    match found {
        Ok(kind) => Ok(kind),
        Err(liem_store::StoreError::NotFound) => Err(bad(
            field,
            "unknown_value",
            "must be a person or organisation you can see",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A visible entry the caller may work on: they hold the right to handle
/// cases and either are named on it or their scope holds its registering
/// unit or the agency that holds it now.
pub(crate) async fn workable(
    state: &AppState,
    who: &Writer,
    id: uuid::Uuid,
) -> AppResult<(CaseRow, Permit)> {
    let v = viewer(who)?;
    let handle = who.grant(Right::HandleCases)?;
    let mut c = state.store.conn().await?;
    let case = store::get_case(&mut c, &v, id).await?;
    let owner = units::get(&mut c, case.unit_id).await?;
    let holder = units::get(&mut c, case.holder_id).await?;
    let named = store::access_list(&mut c, id)
        .await?
        .iter()
        .any(|(u, _, _)| *u == who.user.username);
    let why = "only the registering unit, the agency holding the file or the people named on it work on it";
    let permit = if named {
        who.permit_own(Right::HandleCases)?
    } else if handle.covers(&owner.path) {
        who.permit(Right::HandleCases, &owner.path, why)?
    } else {
        who.permit(Right::HandleCases, &holder.path, why)?
    };
    Ok((case, permit))
}

fn limit_of(facts: &CaseFacts, cal: &liem_domain::calendar::Calendar) -> Option<Date> {
    stage_limit(facts, cal).map(|l| l.due)
}

/// Registers an entry in the caller's unit.
pub async fn create_case(
    state: &AppState,
    who: &Writer,
    input: &CaseInput,
) -> AppResult<(uuid::Uuid, String)> {
    let permit = who.permit_own(Right::HandleCases)?;
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
    // Letters are linked only if the caller may read them.
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
        CaseKind::Incident => CaseFacts::verifying(n.class, n.complex, n.opened_on),
        CaseKind::Case => CaseFacts::reported(n.class, n.complex, n.opened_on),
    };
    let (cal, _) = rules(state).await?;
    let mut tx = permit.begin(&state.store).await?;
    let out = store::insert_case(
        &mut tx,
        permit.actor(),
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    /// The transfer.
    #[serde(flatten)]
    pub transfer: CaseTransfer,
    /// Not acknowledged by its day.
    pub overdue: bool,
}

pub(super) fn transfer_view(t: CaseTransfer, today: Date) -> TransferView {
    let overdue = transfer_overdue(t.ack_due, t.acknowledged_on, today);
    TransferView {
        transfer: t,
        overdue,
    }
}

/// A monitoring with its next target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    who: &Writer,
    id: uuid::Uuid,
    input: &StageInput,
) -> AppResult<CaseRow> {
    let (case, permit) = workable(state, who, id).await?;
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
    let mut tx = permit.begin(&state.store).await?;
    let holder = to.as_ref().map_or(case.holder_id, |t| t.id);
    store::record_stage(
        &mut tx,
        permit.actor(),
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
            permit.actor(),
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
pub struct CaseTransferInput {
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
    who: &Writer,
    id: uuid::Uuid,
    input: &CaseTransferInput,
) -> AppResult<uuid::Uuid> {
    let (case, permit) = workable(state, who, id).await?;
    let mut e = ValidationErrors::new();
    let to = required_text(&mut e, "to", input.to.as_deref().unwrap_or(""), 32);
    let kind = optional_code::<TransferKind>(&mut e, "kind", input.kind.as_deref())
        .unwrap_or(TransferKind::Forward);
    let sent_on = required_date(&mut e, "sent_on", input.sent_on.as_deref());
    if sent_on.is_some_and(|d| d > today()) {
        e.add("sent_on", "not_in_future", "must not be after today");
    }
    e.into_result(())?;
    let Some(sent_on) = sent_on else {
        return Err(bad("sent_on", "required", "must be given"));
    };
    let to = unit_by_code(state, "to", &to).await?;
    if to.id == case.holder_id {
        return Err(bad(
            "to",
            "other_agency",
            "must be another agency than the one holding the file",
        ));
    }
    let (cal, _) = rules(state).await?;
    let mut tx = permit.begin(&state.store).await?;
    let tid = store::send_transfer(
        &mut tx,
        permit.actor(),
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
    who: &Writer,
    transfer: uuid::Uuid,
) -> AppResult<uuid::Uuid> {
    who.grant(Right::HandleCases)?;
    let v = viewer(who)?;
    let mut c = state.store.conn().await?;
    let t = store::transfer(&mut c, transfer).await?;
    store::get_case(&mut c, &v, t.case_id).await?;
    let to = units::get(&mut c, t.to_id).await?;
    drop(c);
    let permit = who.permit(
        Right::HandleCases,
        &to.path,
        "only the receiving agency acknowledges a file",
    )?;
    let on = today().max(t.sent_on);
    let mut tx = permit.begin(&state.store).await?;
    store::acknowledge_transfer(&mut tx, permit.actor(), transfer, on, Some(who.user.id)).await?;
    tx.commit().await?;
    Ok(t.case_id)
}

async fn committee_in_scope(
    state: &AppState,
    who: &Writer,
    code: &str,
) -> AppResult<(UnitRecord, Permit)> {
    who.grant(Right::DecideMonitoring)?;
    let u = unit_by_code(state, "committee", code).await?;
    if !u.kind.steers() {
        return Err(bad(
            "committee",
            "steering_committee",
            "must be the central or a provincial steering committee",
        ));
    }
    let permit = who.permit(
        Right::DecideMonitoring,
        &u.path,
        "you decide for your own committee only",
    )?;
    Ok((u, permit))
}

/// Places an entry under a committee's monitoring.
pub async fn monitor(
    state: &AppState,
    who: &Writer,
    id: uuid::Uuid,
    input: &MonitoringInput,
) -> AppResult<uuid::Uuid> {
    let v = viewer(who)?;
    who.grant(Right::DecideMonitoring)?;
    let mut c = state.store.conn().await?;
    store::get_case(&mut c, &v, id).await?;
    drop(c);
    let d = input.parse(today())?;
    let (committee, permit) = committee_in_scope(state, who, &d.committee).await?;
    let mut tx = permit.begin(&state.store).await?;
    let mid = store::place_monitoring(
        &mut tx,
        permit.actor(),
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
    who: &Writer,
    mid: uuid::Uuid,
) -> AppResult<(MonitoringRow, Permit)> {
    let v = viewer(who)?;
    who.grant(Right::DecideMonitoring)?;
    let mut c = state.store.conn().await?;
    let m = store::monitoring(&mut c, mid).await?;
    store::get_case(&mut c, &v, m.case_id).await?;
    drop(c);
    let (_, permit) = committee_in_scope(state, who, &m.committee_code).await?;
    Ok((m, permit))
}

/// Adds a target to a monitoring.
pub async fn add_target(
    state: &AppState,
    who: &Writer,
    mid: uuid::Uuid,
    input: &TargetInput,
) -> AppResult<uuid::Uuid> {
    let (m, permit) = own_monitoring(state, who, mid).await?;
    if m.removed_on.is_some() {
        return Err(AppError::Conflict("the case is no longer monitored".into()));
    }
    let t = input.parse(m.added_on)?;
    let mut tx = permit.begin(&state.store).await?;
    let id = store::add_target(&mut tx, permit.actor(), mid, &t).await?;
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
    who: &Writer,
    mid: uuid::Uuid,
    input: &RemovalInput,
) -> AppResult<()> {
    let (_, permit) = own_monitoring(state, who, mid).await?;
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
    let Some(on) = on else {
        return Err(bad("on", "required", "must be given"));
    };
    let mut tx = permit.begin(&state.store).await?;
    store::remove_monitoring(&mut tx, permit.actor(), mid, on, &session).await?;
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
    who: &Writer,
    id: uuid::Uuid,
    input: &PartyInput,
) -> AppResult<uuid::Uuid> {
    let (case, permit) = workable(state, who, id).await?;
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
    let Some(st) = standing else {
        return Err(bad("role", "required", "must be given"));
    };
    let mut tx = permit.begin(&state.store).await?;
    let party = match (new_person, input.person_id, input.organisation_id) {
        (Some(p), _, _) => PartyRef::Person(
            store::insert_person(&mut tx, permit.actor(), who.user.unit_id, &p, None).await?,
        ),
        (None, Some(p), _) => {
            seen_party(&mut tx, &viewer(who)?, PartyRef::Person(p), "person_id").await?;
            PartyRef::Person(p)
        }
        (None, _, Some(o)) => {
            let o = PartyRef::Organisation(o);
            seen_party(&mut tx, &viewer(who)?, o, "organisation_id").await?;
            o
        }
        (None, None, None) => {
            return Err(bad(
                "person_id",
                "one_party",
                "give exactly one of person_id, organisation_id or person",
            ))
        }
    };
    let pid = store::add_party(
        &mut tx,
        permit.actor(),
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
    who: &Writer,
    party: uuid::Uuid,
    input: &ChargeInput,
) -> AppResult<uuid::Uuid> {
    viewer(who)?;
    who.grant(Right::HandleCases)?;
    let charge = input.parse()?;
    let mut c = state.store.conn().await?;
    let p = store::party(&mut c, party).await?;
    drop(c);
    let (case, permit) = workable(state, who, p.case_id).await?;
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
    let mut tx = permit.begin(&state.store).await?;
    let id = store::add_charge(&mut tx, permit.actor(), case.id, party, &charge).await?;
    if class != case.facts.class {
        let mut f = case.facts.clone();
        f.class = class;
        store::set_facts(&mut tx, permit.actor(), case.id, &f, limit_of(&f, &cal)).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Records an asset event on an entry.
pub async fn add_asset(
    state: &AppState,
    who: &Writer,
    id: uuid::Uuid,
    input: &AssetInput,
) -> AppResult<uuid::Uuid> {
    let (_, permit) = workable(state, who, id).await?;
    let a = input.parse(today())?;
    let mut tx = permit.begin(&state.store).await?;
    let aid = store::add_asset(&mut tx, permit.actor(), id, &a).await?;
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
    who: &Writer,
    id: uuid::Uuid,
    input: &GrantInput,
) -> AppResult<()> {
    who.grant(Right::DecideMonitoring)?;
    let (_, permit) = workable(state, who, id).await?;
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
    let mut tx = permit.begin(&state.store).await?;
    store::grant_access(&mut tx, permit.actor(), id, user.0.id, &role).await?;
    tx.commit().await?;
    Ok(())
}

/// One row of the watch list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// The case figures of a period: official statistics, read with the
/// statistics right. They count exactly the cases form 07-PCTN counts over
/// the same scope — every case registered in the units of the scope as the
/// tree stood ([`TreeMode::AsOf`]), or on a committee's list during the
/// period, restricted ones included — attributed to the registering unit by
/// `liem_domain::case::count`. A unit or committee outside the caller's
/// scope is refused like an unknown code.
pub async fn figures(
    state: &AppState,
    who: &Principal,
    from: Date,
    to: Date,
    unit: Option<&str>,
    committee: Option<&str>,
) -> AppResult<Figures> {
    let read = who.grant(Right::ReadStatistics)?;
    let seen = |field: &'static str, u: UnitRecord| {
        if read.covers(&u.path) {
            Ok(u)
        } else {
            Err(bad(field, "unknown_value", "must be a unit in your scope"))
        }
    };
    let (scope, monitor) = match (unit, committee) {
        (_, Some(code)) => {
            let u = seen("committee", unit_by_code(state, "committee", code).await?)?;
            (None, Some(u.id))
        }
        (Some(code), None) => {
            let u = seen("unit", unit_by_code(state, "unit", code).await?)?;
            (Some(u.id), None)
        }
        (None, None) => (Some(who.user.unit_id), None),
    };
    let mut c = state.store.conn().await?;
    let tree = state
        .model
        .tree(&mut c)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let units = scope.and_then(|s| tree.units_in(s, TreeMode::AsOf));
    let list = monitor.map(|committee| liem_store::stats::Monitored {
        committee,
        span: Span { from, to },
    });
    let (records, assets) = store::counting_facts(&mut c, units.as_deref(), list.as_ref()).await?;
    let t = totals(&assets, from, to);
    let (mc, mi) = match monitor {
        Some(m) => {
            let (cases, incidents) = store::monitored_now(&mut c, m).await?;
            (Some(cases), Some(incidents))
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
    /// With `format=csv`: headings, kinds, stages and dates in this
    /// language (vi, en, fr, ar); machine codes without it.
    pub lang: Option<String>,
}

impl CaseQuery {
    async fn filter(&self, state: &AppState) -> AppResult<CaseFilter> {
        let mut e = ValidationErrors::new();
        let kind = optional_code::<CaseKind>(&mut e, "kind", self.kind.as_deref());
        let stage = optional_code::<Stage>(&mut e, "stage", self.stage.as_deref());
        // The words are validated here and searched in the index by `list`.
        let _words = liem_domain::validation::search(&mut e, "q", self.q.as_deref());
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
            ids: None,
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
    let mut f = q.filter(state).await?;
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        f.ids = Some(search_cases(state, &v, text).await?);
    }
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

/// The most matches a search of the cases register narrows the list to.
const MAX_CASE_MATCHES: usize = 5000;

/// The cases the viewer may see that the words find, most relevant first
/// (at most [`MAX_CASE_MATCHES`]); the list's other filters and order then
/// apply to them.
async fn search_cases(state: &AppState, v: &Viewer, text: &str) -> AppResult<Vec<uuid::Uuid>> {
    crate::search::find_ids(state, liem_search::Kind::Case, text, v, MAX_CASE_MATCHES).await
}

/// The id of the case or incident a reference names, when the caller may
/// read it; `None` when it does not exist or is out of their sight (the
/// two are not told apart).
pub async fn visible_case_id(
    state: &AppState,
    who: &Principal,
    reference: &str,
) -> AppResult<Option<uuid::Uuid>> {
    let Ok(v) = viewer(who) else { return Ok(None) };
    let mut c = state.store.conn().await?;
    match store::case_id_by_reference(&mut c, &v, reference).await {
        Ok(id) => Ok(Some(id)),
        Err(liem_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The reference of a case the caller may read, and the next target that a
/// committee monitoring it now has set on it; `None` when the caller cannot
/// see the case (which says nothing of whether it exists).
pub async fn reference_and_target(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    committee: liem_domain::ids::UnitId,
) -> AppResult<Option<(String, Option<NextTarget>)>> {
    let Ok(v) = viewer(who) else { return Ok(None) };
    let mut c = state.store.conn().await?;
    let case = match store::get_case(&mut c, &v, id).await {
        Ok(case) => case,
        Err(liem_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let target = store::monitorings_of(&mut c, id)
        .await?
        .into_iter()
        .find(|m| m.committee_id == committee && m.removed_on.is_none())
        .and_then(|m| monitoring_view(m, today()).next_target);
    Ok(Some((case.reference, target)))
}
