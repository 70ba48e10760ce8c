//! The petitions register's operations: intake, the letters and matters in
//! the caller's scope, workflow actions, assignment, attachments, contacts
//! with the sender, transfers and the staff side of the conversation with a
//! reporter. Each checks the caller's rights and scope first; a record
//! outside the scope is not found, never forbidden.

use crate::admin::service::{rules_at, shared_rules};
use crate::auth::Principal;
use crate::clock::today;
use crate::files::{self, Upload};
use crate::petitions::intake::Job;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::calendar::Calendar;
use liem_domain::deadline::{current_deadline, Deadline, RuleBook};
use liem_domain::ids::{AttachmentId, LetterId, MatterId, UserId};
use liem_domain::petition::{LetterInput, NewLetter};
use liem_domain::role::Right;
use liem_domain::workflow::{apply, Action, ActionInput, ActionKind};
use liem_domain::ValidationErrors;
use liem_store::audit::Actor;
use liem_store::petitions::{
    self, AttachmentRecord, LetterFilter, LetterRecord, MatterEvent, MatterRecord, Transition,
};
use liem_store::units::{self, UnitRecord};
use liem_store::{calendar, public, Tx};
use serde::Serialize;

/// A matter with what a page needs: its events, the deadline running now,
/// and the actions this caller may take.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatterView {
    /// The matter.
    #[serde(flatten)]
    pub matter: MatterRecord,
    /// Its history.
    pub events: Vec<MatterEvent>,
    /// The deadline running now.
    pub deadline: Option<Deadline>,
    /// The other limits of the matter: a complaint's limitation, until when
    /// a first decision may be complained of again, when a decision takes
    /// legal effect, by when a denunciation's acceptance is notified.
    pub limits: Vec<liem_domain::limits::Limit>,
    /// Actions allowed now, for this caller.
    pub allowed_actions: Vec<ActionKind>,
}

/// A letter with its matters and attachments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LetterView {
    /// The letter.
    #[serde(flatten)]
    pub letter: LetterRecord,
    /// Its matters in full.
    pub matter_views: Vec<MatterView>,
    /// Its attachments.
    pub attachments: Vec<AttachmentRecord>,
    /// Whether this caller may ask to unseal the identity.
    pub can_unseal: bool,
}

/// Registers a letter in the caller's unit, with its attachments.
pub async fn register_letter(
    state: &AppState,
    who: &Writer,
    input: &LetterInput,
    uploads: Vec<Upload>,
) -> AppResult<LetterView> {
    let permit = who.permit_own(Right::RegisterLetter)?;
    let letter = NewLetter::parse(input, today())?;
    let mut errs = ValidationErrors::new();
    let mut conn = state.store.conn().await?;
    // The unit, its timers, the field and the settings version in one read.
    let ctx = units::intake_context(&mut conn, who.user.unit_id, &letter.field).await?;
    if !ctx.field_active {
        errs.add(
            "field",
            "unknown_value",
            "must be a code from the fields reference list",
        );
    }
    let read = who.grant(Right::ReadPetitions)?;
    if let Some(mid) = letter.join_matter {
        match petitions::get_matter(&mut conn, mid).await {
            Ok(m) if read.covers(&m.unit_path) => {
                if !letter.kinds.contains(&m.facts.kind) {
                    errs.add(
                        "join_matter",
                        "kind_mismatch",
                        "the matter's kind must be one of the letter's kinds",
                    );
                }
            }
            Ok(_) | Err(liem_store::StoreError::NotFound) => errs.add(
                "join_matter",
                "unknown_value",
                "must be a matter you can see",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let checked = check_uploads(state, &uploads, "attachments", &mut errs);
    errs.into_result(())?;
    drop(conn);
    let rules = rules_at(state, ctx.settings_version).await?;

    let id = LetterId::new();
    // Files first: content-addressed, so a failed transaction leaves at most
    // an unreferenced file, never a reference to a missing one.
    let attachments = store_uploads(state, checked, id)?;
    let job = Job {
        permit,
        unit: ctx.unit,
        created_by: Some(who.user.id),
        sender_keys: state.sender_key.of_letter(&letter),
        letter,
        id,
        attachments: attachments.clone(),
        rules: rules.clone(),
        policy: ctx.policy,
    };
    let written = crate::petitions::intake::register(state, job).await?;
    let (cal, book) = (&rules.0, &rules.1);
    if written.joined.is_some() {
        // A joined matter holds other letters and events: read it all.
        return letter_view_under(state, who, id, cal, book).await;
    }
    // What the transaction wrote is what a read would return (the tests
    // compare the two), so the answer needs no read; it is shown only as
    // the read would be, through the caller's read scope.
    read.reach(&written.letter.unit_path)?;
    let mut attachments = attachments;
    attachments.sort_by_key(|a| a.id.0);
    let views = written
        .opened
        .into_iter()
        .map(|m| matter_view_of(who, m, Vec::new(), cal, book))
        .collect();
    Ok(letter_view_of(who, written.letter, views, attachments))
}

/// Registers a validated letter inside a transaction (in
/// [`crate::petitions::intake`], which registers letters in groups).
pub use crate::petitions::intake::register_in_tx;

/// A letter in the caller's read scope.
pub async fn letter(state: &AppState, who: &Principal, id: LetterId) -> AppResult<LetterRecord> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let l = petitions::get_letter(&mut conn, id).await?;
    read.reach(&l.unit_path)?;
    Ok(l)
}

/// A letter found by its reference (`HNI-2026-000123`), if in the caller's
/// reach.
pub async fn letter_by_reference(
    state: &AppState,
    who: &Principal,
    reference: &str,
) -> AppResult<LetterView> {
    who.grant(Right::ReadPetitions)?;
    let mut c = state.store.conn().await?;
    let id = petitions::letter_id_by_reference(&mut c, reference)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    letter_view(state, who, id).await
}

/// A letter with its matters, their deadlines and allowed actions.
pub async fn letter_view(state: &AppState, who: &Principal, id: LetterId) -> AppResult<LetterView> {
    let rules = shared_rules(state).await?;
    letter_view_under(state, who, id, &rules.0, &rules.1).await
}

/// A letter's view under calendar and rules already read.
async fn letter_view_under(
    state: &AppState,
    who: &Principal,
    id: LetterId,
    cal: &Calendar,
    book: &RuleBook,
) -> AppResult<LetterView> {
    let l = letter(state, who, id).await?;
    let mut views = Vec::new();
    for m in &l.matters {
        views.push(matter_view_under(state, who, m.id, cal, book).await?);
    }
    let mut conn = state.store.conn().await?;
    let attachments = petitions::attachments(&mut conn, id).await?;
    Ok(letter_view_of(who, l, views, attachments))
}

/// A letter's view of its records, for this caller.
fn letter_view_of(
    who: &Principal,
    l: LetterRecord,
    matter_views: Vec<MatterView>,
    attachments: Vec<AttachmentRecord>,
) -> LetterView {
    let can_unseal = (l.sealed || l.content_sealed)
        && who.can(Right::RequestUnseal)
        && who.user.unit_id == l.unit_id;
    LetterView {
        letter: l,
        matter_views,
        attachments,
        can_unseal,
    }
}

/// A matter in the caller's read scope, with its events and deadline.
pub async fn matter_view(state: &AppState, who: &Principal, id: MatterId) -> AppResult<MatterView> {
    let rules = shared_rules(state).await?;
    matter_view_under(state, who, id, &rules.0, &rules.1).await
}

/// A matter's view under calendar and rules already read (a letter's
/// matters share one reading).
async fn matter_view_under(
    state: &AppState,
    who: &Principal,
    id: MatterId,
    cal: &Calendar,
    book: &RuleBook,
) -> AppResult<MatterView> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    read.reach(&m.unit_path)?;
    let events = petitions::events(&mut conn, id).await?;
    drop(conn);
    Ok(matter_view_of(who, m, events, cal, book))
}

/// A matter's view of its record and events, for this caller: the deadline
/// running now, its other limits, the actions the caller may take.
fn matter_view_of(
    who: &Principal,
    m: MatterRecord,
    events: Vec<MatterEvent>,
    cal: &Calendar,
    book: &RuleBook,
) -> MatterView {
    let deadline = current_deadline(&m.facts, cal, book);
    let limits = liem_domain::limits::other_limits(&m.facts, cal);
    let can_handle = who.scope(Right::HandleMatter).contains(&m.unit_path);
    let can_conclude = who.scope(Right::ConcludeMatter).contains(&m.unit_path);
    let allowed_actions = m
        .facts
        .allowed_actions()
        .into_iter()
        .filter(|a| can_handle && (*a != ActionKind::Conclude || can_conclude))
        .collect();
    MatterView {
        matter: m,
        events,
        deadline,
        limits,
        allowed_actions,
    }
}

/// Takes a workflow action on a matter.
pub async fn act(
    state: &AppState,
    who: &Writer,
    id: MatterId,
    input: &ActionInput,
) -> AppResult<MatterView> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    drop(conn);
    read.reach(&m.unit_path)?;
    let mut permit = who.permit(
        Right::HandleMatter,
        &m.unit_path,
        "handling this matter needs the handler or leader role in its unit",
    )?;
    let (action, on) = input.parse(today())?;
    if matches!(action, Action::Conclude { .. }) {
        permit = who.permit(
            Right::ConcludeMatter,
            &m.unit_path,
            "a conclusion is recorded by a leader",
        )?;
    }
    let rules = shared_rules(state).await?;
    let (cal, book) = (&rules.0, &rules.1);
    // A complaint's limitation (Law on Complaints 2011, arts. 9, 33(1)) is
    // a reason for not accepting it, and no reason when it has not lapsed.
    if let Action::Classify(c) = &action {
        liem_domain::limits::check_classification(&m.facts, c, cal)?;
    }
    let next = apply(&m.facts, &action, on)?;
    let due = current_deadline(&next, cal, book);
    let duty = liem_domain::limits::next_duty(&next, cal);
    let detail = action_detail(&action);
    let mut tx = permit.begin(&state.store).await?;
    petitions::record_transition(
        &mut tx,
        permit.actor(),
        &Transition {
            matter: id,
            expected_version: m.version,
            from: m.facts.state,
            facts: &next,
            due: due.as_ref(),
            duty: duty.as_ref(),
            action: action.kind().as_str(),
            on,
            detail,
        },
    )
    .await?;
    if matches!(action, Action::Notify) {
        for (letter, _) in &m.letters {
            record_contact_in_tx(
                &mut tx,
                permit.actor(),
                *letter,
                liem_domain::timers::Contact::Feedback,
                on,
            )
            .await?;
        }
    }
    tx.commit().await?;
    matter_view(state, who, id).await
}

/// The fields of an action worth keeping in the matter's history.
pub fn action_detail(action: &Action) -> serde_json::Value {
    match action {
        Action::Classify(c) => serde_json::json!({ "classification": c }),
        Action::File { reason }
        | Action::Refuse { reason }
        | Action::Suspend { reason }
        | Action::Withdraw { reason } => {
            serde_json::json!({ "reason": reason })
        }
        Action::Extend {
            reason,
            especially_complex,
        } => serde_json::json!({ "reason": reason, "especially_complex": especially_complex }),
        Action::Guide { note } => serde_json::json!({ "note": note }),
        Action::Transfer { to_body } => serde_json::json!({ "to_body": to_body }),
        Action::Conclude { outcome, summary } => {
            serde_json::json!({ "outcome": outcome, "summary": summary })
        }
        Action::Accept
        | Action::CheckForManagement
        | Action::StartVerification
        | Action::SendAcceptanceNotice
        | Action::SendSuspensionNotice
        | Action::Resume
        | Action::Notify
        | Action::Close => {
            serde_json::json!({})
        }
    }
}

/// Assigns (or unassigns) a handler of the matter's unit.
pub async fn assign(
    state: &AppState,
    who: &Writer,
    id: MatterId,
    handler: Option<UserId>,
) -> AppResult<MatterView> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    read.reach(&m.unit_path)?;
    let permit = who.permit(
        Right::ConcludeMatter,
        &m.unit_path,
        "assigning handlers is a leader's decision",
    )?;
    if let Some(h) = handler {
        let u = liem_store::users::get(&mut conn, h).await.map_err(|_| {
            AppError::Validation(ValidationErrors::single(
                "handler",
                "unknown_value",
                "must be a user",
            ))
        })?;
        if u.unit_id != m.unit_id || !u.roles.iter().any(|r| r.grants(Right::HandleMatter)) {
            return Err(AppError::Validation(ValidationErrors::single(
                "handler",
                "not_a_handler_here",
                "must be a handler or leader of the matter's unit",
            )));
        }
    }
    drop(conn);
    let mut tx = permit.begin(&state.store).await?;
    petitions::assign(&mut tx, permit.actor(), id, handler).await?;
    tx.commit().await?;
    matter_view(state, who, id).await
}

/// Whom the caller may assign a matter to: the handlers and leaders of the
/// matter's unit, by name — or nothing when the caller may not assign there
/// (assigning is a leader's decision, `ConcludeMatter` over the unit).
pub async fn assignable_handlers(
    state: &AppState,
    who: &Principal,
    matter: &MatterRecord,
) -> AppResult<Vec<(UserId, String)>> {
    let may = who
        .grant(Right::ConcludeMatter)
        .is_ok_and(|g| g.covers(&matter.unit_path));
    if !may {
        return Ok(Vec::new());
    }
    let mut conn = state.store.conn().await?;
    let mut out: Vec<(UserId, String)> =
        liem_store::users::in_subtree(&mut conn, &matter.unit_path)
            .await?
            .into_iter()
            .filter(|u| {
                u.unit_id == matter.unit_id
                    && u.active
                    && u.roles.iter().any(|r| r.grants(Right::HandleMatter))
            })
            .map(|u| (u.id, u.display_name))
            .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The display names of the users who acted, by id (a user since removed
/// is left out).
pub async fn actor_names(
    state: &AppState,
    ids: impl IntoIterator<Item = UserId>,
) -> AppResult<std::collections::HashMap<UserId, String>> {
    let mut conn = state.store.conn().await?;
    let mut names = std::collections::HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        if let Ok(u) = liem_store::users::get(&mut conn, id).await {
            names.insert(id, u.display_name);
        }
    }
    Ok(names)
}

/// Every letter in scope the filter finds, newest first, at most `max` —
/// a filter that finds more is refused (422 naming the limit), so a file
/// is never silently cut.
pub async fn all_letters(
    state: &AppState,
    who: &Principal,
    filter: &LetterFilter,
    max: usize,
) -> AppResult<Vec<LetterRecord>> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut f = filter.clone();
    f.today.get_or_insert_with(today);
    let too_many = |total: u64| {
        AppError::Validation(ValidationErrors::single(
            "format",
            "too_many_rows",
            format!("the filter finds {total} letters; a file holds at most {max}: narrow it"),
        ))
    };
    // A search answers at most `SEARCH_PAGE` at a time: the file is read
    // page by page, in the search's order.
    const SEARCH_PAGE: usize = 5_000;
    if let Some(mut req) = search_request(read.scope(), &f, 0, SEARCH_PAGE) {
        // The file needs the letters, not their counts by facet.
        req.facets = false;
        let mut ids: Vec<LetterId> = Vec::new();
        loop {
            let hits = crate::search::search(state, &req).await?;
            if usize::try_from(hits.total).unwrap_or(usize::MAX) > max {
                return Err(too_many(hits.total));
            }
            let n = hits.hits.len();
            ids.extend(hits.ids().into_iter().map(LetterId));
            if n < SEARCH_PAGE || ids.len() as u64 >= hits.total {
                break;
            }
            req.offset += n;
        }
        let mut conn = state.store.conn().await?;
        return Ok(petitions::letters_by_ids(&mut conn, read.scope(), &ids).await?);
    }
    let mut conn = state.store.conn().await?;
    let total = petitions::count_letters(&mut conn, read.scope(), &f).await?;
    if usize::try_from(total).unwrap_or(usize::MAX) > max {
        return Err(too_many(total.unsigned_abs()));
    }
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = petitions::list_letters(&mut conn, read.scope(), &f, cursor, 500).await?;
        let last = page.items.last().map(|l| (l.id, l.received_on));
        out.extend(page.items);
        match (page.next_cursor, last) {
            (Some(_), Some((id, day))) if out.len() < max => {
                cursor = Some(id);
                f.cursor_received = Some(day);
            }
            _ => break,
        }
    }
    Ok(out)
}

/// The search a register filter with words makes (`None` without words:
/// the register's own listing answers it).
fn search_request(
    scope: &liem_domain::role::Scope,
    f: &LetterFilter,
    offset: usize,
    limit: usize,
) -> Option<liem_search::Request> {
    let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    let today = f.today.unwrap_or_else(today);
    let order = match f.sort {
        petitions::LetterSort::Relevance => liem_search::SortOrder::Relevance,
        petitions::LetterSort::Registered => liem_search::SortOrder::Newest,
        petitions::LetterSort::ReceivedDesc => liem_search::SortOrder::ReceivedDesc,
        petitions::LetterSort::ReceivedAsc => liem_search::SortOrder::ReceivedAsc,
    };
    Some(liem_search::Request {
        kind: liem_search::Kind::Letter,
        text: text.to_owned(),
        scope: scope.clone(),
        reader: None,
        filter: liem_search::Filter {
            petition_kind: f.kind.map(|k| k.as_str().to_owned()),
            field: f.field.clone(),
            state: f.state.map(|s| s.as_str().to_owned()),
            unit: f.unit.map(|u| u.0),
            handler: f.handler.map(|h| h.0),
            received_from: f.received_from,
            received_to: f.received_to,
            year: None,
            overdue_on: f.overdue.then_some(today),
            due_between: f.due_within.map(|n| {
                let end = today
                    .checked_add(jiff::Span::new().days(i64::from(n)))
                    .unwrap_or(today);
                (today, end)
            }),
        },
        order,
        offset,
        limit,
        facets: true,
    })
}

/// A page of the register, and what a search adds to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LetterList {
    /// The letters of this page.
    pub items: Vec<LetterRecord>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
    /// Letters that match the filter, in the caller's scope.
    pub total: i64,
    /// With words: how many of the matches hold each kind, field, state,
    /// unit and year.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facets: Vec<liem_search::FacetGroup>,
    /// With words: the passage of each letter where they are, by letter id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub highlights: Vec<Highlight>,
}

/// Where a search's words are in one letter.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Highlight {
    /// The letter.
    pub id: LetterId,
    /// The passage, cut into plain and matching parts.
    pub parts: Vec<liem_search::Part>,
}

/// The register: letters in scope matching a filter, and how many match.
/// Words are searched in the index (ranked, with facets and highlighted
/// passages; the cursor is then `@` and the results skipped); without
/// words the register is listed from the database.
pub async fn list_letters(
    state: &AppState,
    who: &Principal,
    filter: &LetterFilter,
    cursor: Option<LetterId>,
    limit: u32,
) -> AppResult<LetterList> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut f = filter.clone();
    f.today.get_or_insert_with(today);
    let offset = f.offset.unwrap_or(0) as usize;
    let limit = limit.clamp(1, 500);
    if let Some(req) = search_request(read.scope(), &f, offset, limit as usize) {
        let hits = crate::search::search(state, &req).await?;
        let ids: Vec<LetterId> = hits.ids().into_iter().map(LetterId).collect();
        let mut conn = state.store.conn().await?;
        let items = petitions::letters_by_ids(&mut conn, read.scope(), &ids).await?;
        let seen = offset + ids.len();
        let highlights = items
            .iter()
            .filter_map(|l| {
                // The content's passage (the summary is shown beside it),
                // or the summary's when the words are only there.
                liem_search::highlight(&l.content, &hits.terms)
                    .or_else(|| liem_search::highlight(&l.summary, &hits.terms))
                    .map(|parts| Highlight { id: l.id, parts })
            })
            .collect();
        return Ok(LetterList {
            items,
            next_cursor: ((seen as u64) < hits.total).then(|| format!("@{seen}")),
            total: i64::try_from(hits.total).unwrap_or(i64::MAX),
            facets: hits.facets,
            highlights,
        });
    }
    let mut conn = state.store.conn().await?;
    let page = petitions::list_letters(&mut conn, read.scope(), &f, cursor, limit).await?;
    let total = petitions::count_letters(&mut conn, read.scope(), &f).await?;
    Ok(LetterList {
        items: page.items,
        next_cursor: page.next_cursor,
        total,
        facets: Vec::new(),
        highlights: Vec::new(),
    })
}

/// Overdue and due-soon matters per unit and handler, and overdue
/// acknowledgement and feedback timers, in the caller's reach.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deadlines {
    /// The day counted from.
    pub today: Date,
    /// Days ahead that count as due soon.
    pub within_days: u32,
    /// Per unit and handler.
    pub counts: Vec<petitions::DeadlineCount>,
    /// Letters whose acknowledgement or feedback is overdue, per unit.
    pub timers: Vec<petitions::TimerCount>,
}

/// The deadlines running in the caller's reach.
pub async fn deadlines(state: &AppState, who: &Principal, within: u32) -> AppResult<Deadlines> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut c = state.store.conn().await?;
    let today = today();
    let counts = petitions::deadline_counts(&mut c, read.scope(), today, within).await?;
    let timers = petitions::timer_counts(&mut c, read.scope(), today).await?;
    Ok(Deadlines {
        today,
        within_days: within,
        counts,
        timers,
    })
}

/// An attachment's metadata and bytes, if its letter is in scope.
pub async fn attachment(
    state: &AppState,
    who: &Principal,
    id: AttachmentId,
) -> AppResult<(AttachmentRecord, Vec<u8>)> {
    who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let a = petitions::attachment(&mut conn, id).await?;
    drop(conn);
    letter(state, who, a.letter_id).await?;
    let bytes = state
        .files
        .get(&a.sha256)
        .map_err(|e| AppError::Internal(format!("reading attachment {id}: {e}")))?;
    Ok((a, bytes))
}

/// The unit a request's `unit` parameter names, if the caller reads
/// petitions there; one outside their reach is refused exactly like an
/// unknown code (422 naming `unit`).
pub async fn unit_in_scope(state: &AppState, who: &Principal, code: &str) -> AppResult<UnitRecord> {
    let read = who.grant(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let unknown = || {
        AppError::Validation(ValidationErrors::single(
            "unit",
            "unknown_value",
            "must be a unit code in your scope",
        ))
    };
    let u = match units::by_code(&mut conn, code).await {
        Ok(u) => u,
        Err(liem_store::StoreError::NotFound) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    read.reach(&u.path).map_err(|_| unknown())?;
    Ok(u)
}

/// Adds attachments to a letter the caller may register letters for.
pub async fn add_attachments(
    state: &AppState,
    who: &Writer,
    id: LetterId,
    uploads: Vec<Upload>,
) -> AppResult<Vec<AttachmentRecord>> {
    let l = letter(state, who, id).await?;
    let permit = who.permit(
        Right::RegisterLetter,
        &l.unit_path,
        "adding attachments needs the right to register letters in this unit",
    )?;
    if uploads.is_empty() {
        return Err(AppError::Validation(ValidationErrors::single(
            "file",
            "required",
            "must contain at least one file",
        )));
    }
    let mut errs = ValidationErrors::new();
    let records = check_uploads(state, &uploads, "file", &mut errs);
    errs.into_result(())?;
    let out = store_uploads(state, records, id)?;
    let mut tx = permit.begin(&state.store).await?;
    for a in &out {
        petitions::insert_attachment(&mut tx, permit.actor(), a).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Records a contact with a letter's sender on `on`. An acknowledgement
/// restarts the feedback timer where the unit's policy counts it from there.
pub async fn record_contact_in_tx(
    tx: &mut Tx,
    actor: &Actor,
    letter: LetterId,
    contact: liem_domain::timers::Contact,
    on: Date,
) -> AppResult<()> {
    let feedback_due = match contact {
        liem_domain::timers::Contact::Acknowledgement => {
            let l = petitions::get_letter(tx, letter).await?;
            let policy = units::policy(tx, l.unit_id).await?;
            let cal = calendar::load(tx).await?;
            liem_domain::timers::timers(policy, l.received_on, Some(on), &cal).feedback_due
        }
        liem_domain::timers::Contact::Feedback => None,
    };
    petitions::record_contact(tx, actor, letter, contact, on, feedback_due).await?;
    Ok(())
}

/// A handler acknowledges receipt to the sender (by letter, phone or in person).
pub async fn acknowledge(state: &AppState, who: &Writer, id: LetterId) -> AppResult<LetterRecord> {
    let l = letter(state, who, id).await?;
    let permit = who.permit(
        Right::HandleMatter,
        &l.unit_path,
        "acknowledging needs the handler or leader role in the letter's unit",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    record_contact_in_tx(
        &mut tx,
        permit.actor(),
        id,
        liem_domain::timers::Contact::Acknowledgement,
        today(),
    )
    .await?;
    tx.commit().await?;
    letter(state, who, id).await
}

/// Checks uploads by content and size, recording a `field[i]` error for each
/// one refused; returns the accepted ones with their media types.
pub fn check_uploads<'a>(
    state: &AppState,
    uploads: &'a [Upload],
    field: &str,
    errs: &mut ValidationErrors,
) -> Vec<(&'a Upload, &'static str)> {
    let mut accepted = Vec::new();
    for (i, u) in uploads.iter().enumerate() {
        match files::check(u, state.settings.max_upload_bytes) {
            Ok(media) => accepted.push((u, media)),
            Err(e) => errs.add(
                &format!("{field}[{i}]"),
                e.rule(),
                format!("{} {e}", u.filename),
            ),
        }
    }
    accepted
}

/// Stores checked uploads on disk (encrypted, content-addressed); returns
/// their records for a letter, to insert in the same transaction as it.
pub fn store_uploads(
    state: &AppState,
    checked: Vec<(&Upload, &'static str)>,
    letter: LetterId,
) -> AppResult<Vec<AttachmentRecord>> {
    checked
        .into_iter()
        .map(|(u, media)| {
            let sha = state
                .files
                .put(&u.bytes)
                .map_err(|e| AppError::Internal(format!("storing a file: {e}")))?;
            Ok(AttachmentRecord {
                id: AttachmentId::new(),
                letter_id: letter,
                sha256: sha,
                size: u.bytes.len() as i64,
                media_type: media.to_owned(),
                filename: u.filename.chars().take(200).collect(),
            })
        })
        .collect()
}

/// Staff: the conversation of a letter in scope.
pub async fn staff_messages(
    state: &AppState,
    who: &Principal,
    id: LetterId,
) -> AppResult<Vec<public::Message>> {
    letter(state, who, id).await?;
    let mut c = state.store.conn().await?;
    Ok(public::messages(&mut c, id).await?)
}

/// Staff: writes to the reporter of a public report.
pub async fn staff_message(
    state: &AppState,
    who: &Writer,
    id: LetterId,
    body: &str,
) -> AppResult<public::Message> {
    let l = letter(state, who, id).await?;
    let permit = who.permit(
        Right::HandleMatter,
        &l.unit_path,
        "writing to a reporter needs the handler or leader role in the letter's unit",
    )?;
    let mut c = state.store.conn().await?;
    if !public::has_receipt(&mut c, id).await? {
        return Err(AppError::Conflict(
            "this letter did not come through the public channel; there is no mailbox".into(),
        ));
    }
    drop(c);
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(AppError::Validation(ValidationErrors::single(
            "body",
            "length",
            "must be 1 to 10000 characters",
        )));
    }
    let mut tx = permit.begin(&state.store).await?;
    let m = public::add_message(&mut tx, permit.actor(), id, Some(who.user.id), body).await?;
    // The first word to the reporter acknowledges; a later one is feedback.
    let contact = liem_domain::timers::Contact::of_message(l.ack_on.is_some());
    record_contact_in_tx(&mut tx, permit.actor(), id, contact, today()).await?;
    tx.commit().await?;
    Ok(m)
}

/// Moves a letter and its matters to another unit; a sealed identity then
/// waits for a custodian of the sending unit to re-seal it.
pub async fn transfer_letter(
    state: &AppState,
    who: &Writer,
    letter: LetterId,
    to_code: &str,
    on: Option<&str>,
    reason: &str,
) -> AppResult<liem_store::petitions::TransferRecord> {
    let l = self::letter(state, who, letter).await?;
    let permit = who.permit(
        Right::HandleMatter,
        &l.unit_path,
        "transferring needs the handler or leader role in the letter's unit",
    )?;
    let reason = reason.trim();
    let mut errs = ValidationErrors::new();
    if !(5..=500).contains(&reason.chars().count()) {
        errs.add(
            "reason",
            "length",
            "must give the reason in 5 to 500 characters",
        );
    }
    let mut c = state.store.conn().await?;
    let arrival = petitions::letter_arrival(&mut c, letter).await?;
    let on = liem_domain::petition::transfer_day(&mut errs, on, today(), arrival);
    let to = match liem_store::units::by_code(&mut c, to_code).await {
        Ok(u) if u.id == l.unit_id => {
            errs.add("to_unit", "same_unit", "must be another unit");
            None
        }
        Ok(u) if u.valid_to.is_some() => {
            errs.add("to_unit", "dissolved", "must be a unit that still exists");
            None
        }
        Ok(u) => Some(u),
        Err(liem_store::StoreError::NotFound) => {
            errs.add("to_unit", "unknown_value", "must be a unit code");
            None
        }
        Err(e) => return Err(e.into()),
    };
    drop(c);
    errs.into_result(())?;
    let (Some(to), Some(on)) = (to, on) else {
        return Err(AppError::Internal(
            "a transfer passed its checks without a unit or a day".into(),
        ));
    };
    let mut tx = permit.begin(&state.store).await?;
    let t = petitions::transfer(
        &mut tx,
        permit.actor(),
        letter,
        l.unit_id,
        to.id,
        on,
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(t)
}

/// An earlier letter a letter may repeat: how much of its text they share
/// (after the formulas every petition holds are cut out) and its matters.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Similar {
    /// The earlier letter.
    pub id: LetterId,
    /// Its reference.
    pub reference: String,
    /// Received on.
    pub received_on: Date,
    /// Share of word shingles in common (Jaccard), 0–1.
    pub similarity: f64,
    /// From the same sender (an ID number, telephone, or name with address
    /// in common, compared by their keyed digests — a sealed identity
    /// without being opened).
    pub same_sender: bool,
    /// Its matters, each one the letter may be joined to.
    pub matters: Vec<petitions::MatterBrief>,
}

/// Letters proposed at most.
const MAX_SIMILAR: usize = 5;

/// Letters looked at for a campaign at most.
const CAMPAIGN_CANDIDATES: usize = 200;

/// One text sent by several senders: the letters in the caller's reach
/// sharing most of it ([`liem_domain::petition::CAMPAIGN_AT`]) and how many
/// senders they come from, this letter included.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    /// Letters with the text, this one included.
    pub letters: usize,
    /// Their senders (letters sharing a sender mark are one sender; an
    /// anonymous letter is a sender of its own).
    pub senders: usize,
}

/// What a letter may repeat, and whether its text is a campaign's.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Proposals {
    /// The earlier letters it may repeat, the same sender first, then the
    /// most similar (at most five).
    pub items: Vec<Similar>,
    /// Set when the text comes from at least
    /// [`liem_domain::petition::CAMPAIGN_SENDERS`] senders.
    pub campaign: Option<Campaign>,
}

/// The earlier letters in the caller's scope that this letter may repeat,
/// most similar first: candidates sharing a MinHash band with it in the
/// search index, confirmed on their texts; letters already in one of its
/// matters are left out. A letter whose content is sealed is compared with
/// nothing (its content is not indexed).
pub async fn similar_letters(
    state: &AppState,
    who: &Principal,
    id: LetterId,
) -> AppResult<Proposals> {
    let l = letter(state, who, id).await?;
    if l.content_sealed {
        return Ok(Proposals::default());
    }
    let own: std::collections::HashSet<MatterId> = l.matters.iter().map(|m| m.id).collect();
    let text = format!("{}\n{}", l.summary, l.content);
    let mut conn = state.store.conn().await?;
    let keys = petitions::sender_keys_of(&mut conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    drop(conn);
    similar_to(state, who, &text, &keys, Some(id), |r| {
        r.created_at < l.created_at && !r.matters.iter().any(|m| own.contains(&m.id))
    })
    .await
}

/// The letters in the caller's scope that a letter being registered, with
/// this summary and content, may repeat: proposed before it is saved, so
/// that it joins the earlier matter instead of opening a new one.
pub async fn repeats_of(
    state: &AppState,
    who: &Principal,
    input: &LetterInput,
) -> AppResult<Proposals> {
    let text = format!(
        "{}\n{}",
        input.summary.as_deref().unwrap_or_default(),
        input.content.as_deref().unwrap_or_default()
    );
    let keys = state.sender_key.of_input(&input.sender);
    similar_to(state, who, &text, &keys, None, |_| true).await
}

/// Candidates from the index's MinHash bands and the sender's digests,
/// confirmed on their texts by [`liem_domain::petition::repeats`] (at
/// least [`liem_domain::petition::PROPOSE_AT`] of the text in common, or
/// [`liem_domain::petition::SAME_SENDER_AT`] from the same sender), kept by
/// `keep`.
async fn similar_to(
    state: &AppState,
    who: &Principal,
    text: &str,
    sender_keys: &[String],
    exclude: Option<LetterId>,
    keep: impl Fn(&LetterRecord) -> bool,
) -> AppResult<Proposals> {
    let read = who.grant(Right::ReadPetitions)?;
    let candidates = crate::search::similar_letters(
        state,
        read.scope(),
        text,
        sender_keys,
        exclude.map(|l| l.0),
        CAMPAIGN_CANDIDATES,
    )
    .await?;
    let ids: Vec<LetterId> = candidates.iter().map(|c| LetterId(c.0)).collect();
    let mut conn = state.store.conn().await?;
    let records = petitions::letters_by_ids(&mut conn, read.scope(), &ids).await?;
    let keys_of = petitions::sender_keys_of(&mut conn, &ids).await?;
    drop(conn);
    let mine = liem_search::dupes::shingles(text);
    let scored: Vec<(LetterRecord, f64)> = records
        .into_iter()
        .filter(|r| !r.content_sealed)
        .map(|r| {
            let theirs = liem_search::dupes::shingles(&format!("{}\n{}", r.summary, r.content));
            let similarity = liem_search::dupes::jaccard(&mine, &theirs);
            (r, similarity)
        })
        .collect();
    // One text, many senders: this letter and those sharing most of it.
    let no_keys: Vec<String> = Vec::new();
    let mut same_text: Vec<&[String]> = vec![sender_keys];
    same_text.extend(
        scored
            .iter()
            .filter(|(_, s)| *s >= liem_domain::petition::CAMPAIGN_AT)
            .map(|(r, _)| keys_of.get(&r.id).unwrap_or(&no_keys).as_slice()),
    );
    let senders = liem_domain::petition::distinct_senders(&same_text);
    let campaign = (senders >= liem_domain::petition::CAMPAIGN_SENDERS).then_some(Campaign {
        letters: same_text.len(),
        senders,
    });
    let mut out: Vec<Similar> = scored
        .into_iter()
        .filter(|(r, _)| keep(r))
        .filter_map(|(r, similarity)| {
            let same_sender = keys_of
                .get(&r.id)
                .is_some_and(|k| k.iter().any(|d| sender_keys.contains(d)));
            liem_domain::petition::repeats(similarity, same_sender).then_some(Similar {
                id: r.id,
                reference: r.reference,
                received_on: r.received_on,
                similarity,
                same_sender,
                matters: r.matters,
            })
        })
        .collect();
    // The same sender first, then by the text in common.
    out.sort_by(|a, b| {
        b.same_sender
            .cmp(&a.same_sender)
            .then(b.similarity.total_cmp(&a.similarity))
    });
    out.truncate(MAX_SIMILAR);
    Ok(Proposals {
        items: out,
        campaign,
    })
}

/// Joins a letter to an existing matter (the same matter sent again, or
/// to several bodies): the letter is then one of the matter's letters, and
/// counts as such in the forms. Both must be in the caller's reach; the
/// right to register letters in the letter's unit is needed.
pub async fn join_matter(
    state: &AppState,
    who: &Writer,
    id: LetterId,
    matter: MatterId,
) -> AppResult<LetterRecord> {
    let l = letter(state, who, id).await?;
    // Grouping a letter is part of registering it (as `join_matter` is at
    // intake): the clerk's right.
    let permit = who.permit(
        Right::RegisterLetter,
        &l.unit_path,
        "joining a letter to a matter needs the right to register letters in the letter's unit",
    )?;
    // The matter must be in reach too; one out of reach is named like one
    // that does not exist.
    match matter_view(state, who, matter).await {
        Ok(_) => {}
        Err(AppError::NotFound) => {
            return Err(AppError::Validation(ValidationErrors::single(
                "matter_id",
                "not_found",
                "must name a matter in your reach",
            )))
        }
        Err(e) => return Err(e),
    }
    if l.matters.iter().any(|m| m.id == matter) {
        return Err(AppError::Conflict(
            "the letter is already one of this matter's letters".into(),
        ));
    }
    let mut tx = permit.begin(&state.store).await?;
    petitions::link(
        &mut tx,
        permit.actor(),
        id,
        petitions::Grouping::Existing(matter),
    )
    .await?;
    tx.commit().await?;
    letter(state, who, id).await
}
