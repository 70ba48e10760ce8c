//! The service functions that the JSON API, the HTML pages and the command
//! line all call. Each checks the caller's rights and scope first; a record
//! outside the caller's scope is reported as not found, never as forbidden,
//! so that its existence is not revealed.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::files::{self, Upload};
use crate::AppState;
use jiff::civil::Date;
use liem_domain::calendar::Calendar;
use liem_domain::deadline::{current_deadline, Deadline, RuleBook};
use liem_domain::ids::{AttachmentId, LetterId, MatterId, UserId};
use liem_domain::petition::{LetterInput, NewLetter, SenderKind};
use liem_domain::reference::Reference;
use liem_domain::role::{Right, Scope};
use liem_domain::workflow::{apply, Action, ActionInput, ActionKind, MatterFacts};
use liem_domain::ValidationErrors;
use liem_store::audit::Actor;
use liem_store::petitions::{
    self, AttachmentRecord, LetterFilter, LetterRecord, LetterRegistration, MatterEvent,
    MatterOpening, MatterRecord, Page, Transition,
};
use liem_store::units::{self, UnitRecord};
use liem_store::{calendar, Tx};
use serde::Serialize;

/// Today's civil date in Vietnam (UTC+7 all year: no daylight saving).
pub fn today() -> Date {
    let vn = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7));
    jiff::Timestamp::now().to_zoned(vn).date()
}

/// A matter with what a page needs: its events, the deadline running now,
/// and the actions this caller may take.
#[derive(Debug, Clone, Serialize)]
pub struct MatterView {
    /// The matter.
    #[serde(flatten)]
    pub matter: MatterRecord,
    /// Its history.
    pub events: Vec<MatterEvent>,
    /// The deadline running now.
    pub deadline: Option<Deadline>,
    /// Actions allowed now, for this caller.
    pub allowed_actions: Vec<ActionKind>,
}

/// A letter with its matters and attachments.
#[derive(Debug, Clone, Serialize)]
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

fn in_scope(scope: &Scope, path: &str) -> AppResult<()> {
    if scope.contains(path) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The calendar and rule book as administrators set them.
pub async fn rules(state: &AppState) -> AppResult<(Calendar, RuleBook)> {
    let mut c = state.store.conn().await?;
    Ok((
        calendar::load(&mut c).await?,
        calendar::rule_book(&mut c).await?,
    ))
}

/// Registers a letter in the caller's unit, with its attachments.
pub async fn register_letter(
    state: &AppState,
    who: &Principal,
    input: &LetterInput,
    uploads: Vec<Upload>,
) -> AppResult<LetterView> {
    who.require(Right::RegisterLetter)?;
    let letter = NewLetter::parse(input, today())?;
    let mut errs = ValidationErrors::new();
    let mut conn = state.store.conn().await?;
    if !petitions::field_exists(&mut conn, &letter.field).await? {
        errs.add(
            "field",
            "unknown_value",
            "must be a code from the fields reference list",
        );
    }
    let read = who.scope(Right::ReadPetitions);
    if let Some(mid) = letter.join_matter {
        match petitions::get_matter(&mut conn, mid).await {
            Ok(m) if read.contains(&m.unit_path) => {
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
    let unit = units::get(&mut conn, who.user.unit_id).await?;
    drop(conn);
    let (cal, book) = rules(state).await?;

    let id = LetterId::new();
    // Files first: content-addressed, so a failed transaction leaves at most
    // an unreferenced file, never a reference to a missing one.
    let stored = store_uploads(state, checked, id)?;

    let actor = who.actor();
    let mut tx = state.store.begin().await?;
    register_in_tx(
        &mut tx,
        &actor,
        &unit,
        Some(who.user.id),
        &letter,
        id,
        &cal,
        &book,
    )
    .await?;
    for a in &stored {
        petitions::insert_attachment(&mut tx, &actor, a).await?;
    }
    tx.commit().await?;
    letter_view(state, who, id).await
}

/// Registers a validated letter inside a transaction: the letter, its
/// sealed identity, and one matter per kind (or a link to the matter it
/// joins). Used by the service above and by bulk imports and the demo.
#[allow(clippy::too_many_arguments)]
pub async fn register_in_tx(
    tx: &mut Tx,
    actor: &Actor,
    unit: &UnitRecord,
    created_by: Option<UserId>,
    letter: &NewLetter,
    id: LetterId,
    cal: &Calendar,
    book: &RuleBook,
) -> AppResult<Reference> {
    let (sealed, dek) = match liem_domain::petition::SealedPayload::of(letter) {
        Some(payload) => {
            let (blob, dek) = crate::custody::seal_payload(id, &payload);
            (Some(blob), Some(dek))
        }
        None => (None, None),
    };
    let recipients = match dek {
        Some(_) => crate::custody::recipients(tx, unit.id, &unit.code).await?,
        None => Vec::new(),
    };
    let reg = LetterRegistration {
        letter,
        id,
        unit,
        created_by,
        sealed,
    };
    let reference = petitions::insert_letter(tx, actor, &reg).await?;
    if let Some(dek) = dek {
        crate::custody::wrap_for(tx, id, &dek, &recipients).await?;
    }
    let policy = units::policy(tx, unit.id).await?;
    let t = liem_domain::timers::timers(policy, letter.received_on, None, cal);
    petitions::set_timers(tx, id, t.ack_due, t.feedback_due).await?;
    let anonymous = letter.sender_kind == SenderKind::Anonymous;
    for kind in &letter.kinds {
        match letter.join_matter {
            Some(mid) if petitions::get_matter(tx, mid).await?.facts.kind == *kind => {
                petitions::link(tx, actor, id, mid).await?;
            }
            _ => {
                let facts = MatterFacts::received(*kind, letter.received_on, anonymous);
                let due = current_deadline(&facts, cal, book);
                let mid = MatterId::new();
                let opening = MatterOpening {
                    id: mid,
                    unit,
                    field_code: &letter.field,
                    // A sealed summary stays only in the sealed blob.
                    summary: if letter.seal_content {
                        ""
                    } else {
                        &letter.summary
                    },
                    facts: &facts,
                    due: due.as_ref(),
                    year: letter.received_on.year(),
                };
                petitions::insert_matter(tx, actor, &opening).await?;
                petitions::link(tx, actor, id, mid).await?;
            }
        }
    }
    Ok(reference)
}

/// A letter in the caller's read scope.
pub async fn letter(state: &AppState, who: &Principal, id: LetterId) -> AppResult<LetterRecord> {
    let scope = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let l = petitions::get_letter(&mut conn, id).await?;
    in_scope(&scope, &l.unit_path)?;
    Ok(l)
}

/// A letter with its matters, their deadlines and allowed actions.
pub async fn letter_view(state: &AppState, who: &Principal, id: LetterId) -> AppResult<LetterView> {
    let l = letter(state, who, id).await?;
    let mut views = Vec::new();
    for m in &l.matters {
        views.push(matter_view(state, who, m.id).await?);
    }
    let mut conn = state.store.conn().await?;
    let attachments = petitions::attachments(&mut conn, id).await?;
    let can_unseal = (l.sealed || l.content_sealed)
        && who.can(Right::RequestUnseal)
        && who.user.unit_id == l.unit_id;
    Ok(LetterView {
        letter: l,
        matter_views: views,
        attachments,
        can_unseal,
    })
}

/// A matter in the caller's read scope, with its events and deadline.
pub async fn matter_view(state: &AppState, who: &Principal, id: MatterId) -> AppResult<MatterView> {
    let scope = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    in_scope(&scope, &m.unit_path)?;
    let events = petitions::events(&mut conn, id).await?;
    drop(conn);
    let (cal, book) = rules(state).await?;
    let deadline = current_deadline(&m.facts, &cal, &book);
    let can_handle = who.scope(Right::HandleMatter).contains(&m.unit_path);
    let can_conclude = who.scope(Right::ConcludeMatter).contains(&m.unit_path);
    let allowed_actions = m
        .facts
        .allowed_actions()
        .into_iter()
        .filter(|a| can_handle && (*a != ActionKind::Conclude || can_conclude))
        .collect();
    Ok(MatterView {
        matter: m,
        events,
        deadline,
        allowed_actions,
    })
}

/// Takes a workflow action on a matter.
pub async fn act(
    state: &AppState,
    who: &Principal,
    id: MatterId,
    input: &ActionInput,
) -> AppResult<MatterView> {
    let read = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    drop(conn);
    in_scope(&read, &m.unit_path)?;
    if !who.scope(Right::HandleMatter).contains(&m.unit_path) {
        return Err(AppError::Forbidden(
            "handling this matter needs the handler or leader role in its unit".into(),
        ));
    }
    let (action, on) = input.parse(today())?;
    if matches!(action, Action::Conclude { .. })
        && !who.scope(Right::ConcludeMatter).contains(&m.unit_path)
    {
        return Err(AppError::Forbidden(
            "a conclusion is recorded by a leader".into(),
        ));
    }
    let next = apply(&m.facts, &action, on)?;
    let (cal, book) = rules(state).await?;
    let due = current_deadline(&next, &cal, &book);
    let detail = action_detail(&action);
    let mut tx = state.store.begin().await?;
    petitions::record_transition(
        &mut tx,
        &who.actor(),
        &Transition {
            matter: id,
            expected_version: m.version,
            from: m.facts.state,
            facts: &next,
            due: due.as_ref(),
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
                &who.actor(),
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
        | Action::Extend { reason }
        | Action::Suspend { reason }
        | Action::Withdraw { reason } => {
            serde_json::json!({ "reason": reason })
        }
        Action::Guide { note } => serde_json::json!({ "note": note }),
        Action::Transfer { to_body } => serde_json::json!({ "to_body": to_body }),
        Action::Conclude { outcome, summary } => {
            serde_json::json!({ "outcome": outcome, "summary": summary })
        }
        Action::Accept
        | Action::CheckForManagement
        | Action::StartVerification
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
    who: &Principal,
    id: MatterId,
    handler: Option<UserId>,
) -> AppResult<MatterView> {
    let read = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let m = petitions::get_matter(&mut conn, id).await?;
    in_scope(&read, &m.unit_path)?;
    if !who.scope(Right::ConcludeMatter).contains(&m.unit_path) {
        return Err(AppError::Forbidden(
            "assigning handlers is a leader's decision".into(),
        ));
    }
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
    let mut tx = state.store.begin().await?;
    petitions::assign(&mut tx, &who.actor(), id, handler).await?;
    tx.commit().await?;
    matter_view(state, who, id).await
}

/// The register: letters in scope matching a filter, and how many match.
pub async fn list_letters(
    state: &AppState,
    who: &Principal,
    filter: &LetterFilter,
    cursor: Option<LetterId>,
    limit: u32,
) -> AppResult<(Page<LetterRecord>, i64)> {
    let scope = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let mut f = filter.clone();
    f.today.get_or_insert_with(today);
    let page = petitions::list_letters(&mut conn, &scope, &f, cursor, limit).await?;
    let total = petitions::count_letters(&mut conn, &scope, &f).await?;
    Ok((page, total))
}

/// An attachment's metadata and bytes, if its letter is in scope.
pub async fn attachment(
    state: &AppState,
    who: &Principal,
    id: AttachmentId,
) -> AppResult<(AttachmentRecord, Vec<u8>)> {
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

/// The unit a code names, if the caller may read it.
pub async fn unit_in_scope(state: &AppState, who: &Principal, code: &str) -> AppResult<UnitRecord> {
    let scope = who.require(Right::ReadPetitions)?;
    let mut conn = state.store.conn().await?;
    let u = units::by_code(&mut conn, code).await?;
    in_scope(&scope, &u.path)?;
    Ok(u)
}

/// Adds attachments to a letter the caller may register letters for.
pub async fn add_attachments(
    state: &AppState,
    who: &Principal,
    id: LetterId,
    uploads: Vec<Upload>,
) -> AppResult<Vec<AttachmentRecord>> {
    let l = letter(state, who, id).await?;
    if !who.scope(Right::RegisterLetter).contains(&l.unit_path) {
        return Err(AppError::Forbidden(
            "adding attachments needs the right to register letters in this unit".into(),
        ));
    }
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
    let mut tx = state.store.begin().await?;
    for a in &out {
        petitions::insert_attachment(&mut tx, &who.actor(), a).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Checks credentials and opens a session; returns the `Set-Cookie` value
/// and the session's CSRF token.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    source: &str,
) -> AppResult<(String, String)> {
    // Failed logins are counted per client and user name: slowed after a
    // few, then refused for a while (guessing from one place stops; nobody
    // can lock another person out from elsewhere).
    let key = format!("{source}|{}", username.trim().to_ascii_lowercase());
    match state.login_limiter.check(&key) {
        crate::guard::Verdict::Refused => return Err(AppError::TooManyRequests),
        crate::guard::Verdict::Proceed(d) if !d.is_zero() => tokio::time::sleep(d).await,
        crate::guard::Verdict::Proceed(_) => {}
    }
    let mut conn = state.store.conn().await?;
    let found = liem_store::users::by_username(&mut conn, username).await?;
    drop(conn);
    let user = match found {
        Some((u, hash)) if u.active && state.passwords.verify(password, &hash) => u,
        Some(_) => {
            state.login_limiter.failed(&key);
            return Err(AppError::Unauthenticated);
        }
        None => {
            state.passwords.waste(password);
            state.login_limiter.failed(&key);
            return Err(AppError::Unauthenticated);
        }
    };
    let token = crate::crypto::random_token();
    let csrf = crate::crypto::random_token();
    let hours = state.settings.session_hours;
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(hours))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = Actor {
        user: Some(user.id),
        unit: Some(user.unit_id),
        source: source.to_owned(),
    };
    let mut tx = state.store.begin().await?;
    liem_store::users::create_session(
        &mut tx,
        &actor,
        user.id,
        &crate::crypto::token_hash(&token),
        &csrf,
        expires,
    )
    .await?;
    tx.commit().await?;
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        crate::auth::SESSION_COOKIE,
        hours * 3600
    );
    Ok((cookie, csrf))
}

/// Ends the caller's session; returns the `Set-Cookie` that clears it.
pub async fn logout(
    state: &AppState,
    who: &Principal,
    headers: &axum::http::HeaderMap,
) -> AppResult<String> {
    let token = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == crate::auth::SESSION_COOKIE)
        .map(|(_, v)| v.to_owned());
    if let Some(t) = token {
        let mut tx = state.store.begin().await?;
        liem_store::users::delete_session(&mut tx, &who.actor(), &crate::crypto::token_hash(&t))
            .await?;
        tx.commit().await?;
    }
    Ok(format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        crate::auth::SESSION_COOKIE
    ))
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
pub async fn acknowledge(
    state: &AppState,
    who: &Principal,
    id: LetterId,
) -> AppResult<LetterRecord> {
    let l = letter(state, who, id).await?;
    if !who.scope(Right::HandleMatter).contains(&l.unit_path) {
        return Err(AppError::Forbidden(
            "acknowledging needs the handler or leader role in the letter's unit".into(),
        ));
    }
    let mut tx = state.store.begin().await?;
    record_contact_in_tx(
        &mut tx,
        &who.actor(),
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
                "file",
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
