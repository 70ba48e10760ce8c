//! Intake in groups: letters registered at the same moment share one
//! transaction (group commit).
//!
//! A letter's reference is gap-free per unit and year, so it is taken inside
//! the transaction that writes the letter, and the counter stays locked to
//! the commit: writers into one unit pass one at a time, each paying a
//! commit (and, on PostgreSQL, a round trip per statement) while the others
//! wait. Here the writers that arrive while a transaction runs queue up, and
//! the next one to go registers all of them in one transaction: one commit,
//! one append to the audit chain, and the counters' rows locked once for the
//! group. Nobody waits for a group to fill: a letter alone goes alone.
//!
//! Every letter keeps its own audit records (its own actor), and is
//! acknowledged only after the commit that made it durable. A letter that
//! fails inside the group's transaction rolls the group back; each letter is
//! then registered alone, so one bad letter fails only itself. A failed
//! commit fails the group, as it would fail a letter alone.

use crate::auth::gate::Permit;
use crate::sealing;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::groups::{Counts, Erased, Waiting};
use liem_domain::calendar::Calendar;
use liem_domain::deadline::current_deadline;
use liem_domain::deadline::RuleBook;
use liem_domain::ids::MatterId;
use liem_domain::ids::{LetterId, UserId};
use liem_domain::petition::NewLetter;
use liem_domain::petition::SenderKind;
use liem_domain::reference::Reference;
use liem_domain::reference::Register;
use liem_domain::timers::ChannelPolicy;
use liem_domain::workflow::MatterFacts;
use liem_store::audit::Actor;
use liem_store::petitions::{self, AttachmentRecord, LetterRecord, MatterBrief, MatterRecord};
use liem_store::petitions::{Grouping, LetterRegistration, MatterOpening};
use liem_store::units;
use liem_store::units::UnitRecord;
use liem_store::{Store, Tx};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A validated letter to register, with its stored attachments.
pub struct Job {
    /// The permit to register it: who, checked for the right. A group's
    /// transaction is opened with its first letter's permit; each letter's
    /// audit records carry its own permit's actor.
    pub permit: Permit,
    /// The registering unit.
    pub unit: UnitRecord,
    /// The registering user (`None` for the public channel).
    pub created_by: Option<UserId>,
    /// The letter.
    pub letter: NewLetter,
    /// Its id.
    pub id: LetterId,
    /// Its attachments, already on disk.
    pub attachments: Vec<AttachmentRecord>,
    /// The calendar and rules its deadlines are computed under.
    pub rules: Arc<(Calendar, RuleBook)>,
    /// The unit's acknowledgement and feedback timers, read with the unit.
    pub policy: ChannelPolicy,
}

/// A letter as its transaction wrote it: what a read of it right after the
/// commit returns, so the answer to its registration needs no read.
#[derive(Debug, Clone)]
pub struct Written {
    /// Its reference.
    pub reference: Reference,
    /// The letter, with its matters in brief.
    pub letter: LetterRecord,
    /// The matters opened for it, each with its one letter.
    pub opened: Vec<MatterRecord>,
    /// The matter it joined, which holds other letters and events.
    pub joined: Option<MatterId>,
}

type Answer = AppResult<Written>;

/// Registers the letter, alone or with those queued beside it
/// (`AppState::intake`); what was written once its transaction has
/// committed.
pub async fn register(state: &AppState, job: Job) -> Answer {
    let store = state.store.clone();
    let answer = state
        .intake
        .submit(Box::new(job), move |group, counts| {
            run(store.clone(), group, counts)
        })
        .await;
    match answer.map(|a| a.downcast::<Answer>()) {
        Some(Ok(a)) => *a,
        _ => Err(AppError::Internal("an intake group was lost".into())),
    }
}

/// Letters registered since start, and the transactions they took.
pub fn committed(state: &AppState) -> (u64, u64) {
    state.intake.done()
}

/// Registers a group in one transaction, or each alone when one fails.
async fn run(store: Store, erased: Vec<Waiting>, counts: Arc<Counts>) {
    let mut group: Vec<(Job, oneshot::Sender<Erased>)> = Vec::with_capacity(erased.len());
    for w in erased {
        match w.job.downcast::<Job>() {
            Ok(job) => group.push((*job, w.done)),
            Err(_) => {
                let a: Answer = Err(AppError::Internal("not a letter".into()));
                let _ = w.done.send(Box::new(a));
            }
        }
    }
    let answer = |done: oneshot::Sender<Erased>, a: Answer| {
        let _ = done.send(Box::new(a));
    };
    // One order of counter locks for every group, on every node.
    group.sort_by_key(|(j, _)| j.unit.id.0);
    if group.len() > 1 {
        match together(&store, &group).await {
            Ok(Ok(refs)) => {
                counts.done(refs.len());
                for ((_, done), r) in group.into_iter().zip(refs) {
                    answer(done, Ok(r));
                }
                return;
            }
            // The commit itself failed: the group fails as one letter would.
            Ok(Err(e)) => {
                let why = e.to_string();
                for (_, done) in group {
                    answer(done, Err(AppError::Internal(why.clone())));
                }
                return;
            }
            // A letter failed before the commit: nothing was written.
            Err(_) => {}
        }
    }
    for (job, done) in group {
        let result = alone(&store, &job).await;
        if result.is_ok() {
            counts.done(1);
        }
        answer(done, result);
    }
}

/// The group's letters in one transaction: the inner error when the commit
/// failed, the outer one when a letter did (the transaction rolled back).
async fn together(
    store: &Store,
    group: &[(Job, oneshot::Sender<Erased>)],
) -> AppResult<Result<Vec<Written>, liem_store::StoreError>> {
    let Some((first, _)) = group.first() else {
        return Ok(Ok(Vec::new()));
    };
    let mut tx = first.permit.begin(store).await?;
    let mut refs = Vec::with_capacity(group.len());
    for (job, _) in group {
        refs.push(write(&mut tx, job).await?);
    }
    Ok(tx.commit().await.map(|()| refs))
}

async fn alone(store: &Store, job: &Job) -> Answer {
    let mut tx = job.permit.begin(store).await?;
    let r = write(&mut tx, job).await?;
    tx.commit().await?;
    Ok(r)
}

async fn write(tx: &mut Tx, job: &Job) -> Answer {
    let (cal, book) = &*job.rules;
    let actor = job.permit.actor();
    let r = write_letter(
        tx,
        actor,
        &job.unit,
        job.policy,
        job.created_by,
        &job.letter,
        job.id,
        (cal, book),
    )
    .await?;
    for a in &job.attachments {
        petitions::insert_attachment(tx, actor, a).await?;
    }
    Ok(r)
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
    let policy = units::policy(tx, unit.id).await?;
    let w = write_letter(tx, actor, unit, policy, created_by, letter, id, (cal, book)).await?;
    Ok(w.reference)
}

/// [`register_in_tx`] under the unit's timer policy already read; what was
/// written.
#[allow(clippy::too_many_arguments)]
async fn write_letter(
    tx: &mut Tx,
    actor: &Actor,
    unit: &UnitRecord,
    policy: ChannelPolicy,
    created_by: Option<UserId>,
    letter: &NewLetter,
    id: LetterId,
    (cal, book): (&Calendar, &RuleBook),
) -> Answer {
    // Reads first: the reference counters' rows, locked when the numbers
    // are taken, stay locked to the commit.
    let (sealed, dek) = match liem_domain::petition::SealedPayload::of(letter) {
        Some(payload) => {
            let (blob, dek) = sealing::seal_payload(id, &payload);
            (Some(blob), Some(dek))
        }
        None => (None, None),
    };
    let recipients = match dek {
        Some(_) => sealing::recipients(tx, unit.id, &unit.code).await?,
        None => Vec::new(),
    };
    let timers = liem_domain::timers::timers(policy, letter.received_on, None, cal);
    let joined = match letter.join_matter {
        Some(mid) => Some((mid, petitions::get_matter(tx, mid).await?.facts.kind)),
        None => None,
    };
    let opened: Vec<_> = letter
        .kinds
        .iter()
        .filter(|k| joined.map(|(_, kind)| kind) != Some(**k))
        .collect();
    let year = letter.received_on.year();
    let refs = petitions::next_references(
        tx,
        unit,
        year,
        &[
            (Register::Letters, 1),
            (Register::Matters, opened.len() as i64),
        ],
    )
    .await?;
    let (reference, matter_refs) = refs
        .split_first()
        .ok_or_else(|| AppError::Internal("no reference allocated".into()))?;
    let reg = LetterRegistration {
        letter,
        id,
        reference,
        unit,
        created_by,
        sealed,
        ack_due: timers.ack_due,
        feedback_due: timers.feedback_due,
    };
    let mut written = petitions::insert_letter(tx, actor, &reg).await?;
    if let Some(dek) = dek {
        sealing::wrap_for(tx, actor, id, &dek, &recipients).await?;
    }
    if let Some((mid, _)) = joined {
        petitions::link(tx, actor, id, Grouping::Existing(mid)).await?;
    }
    let anonymous = letter.sender_kind == SenderKind::Anonymous;
    let mut opened_records = Vec::with_capacity(opened.len());
    for (kind, matter_ref) in opened.into_iter().zip(matter_refs) {
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
            reference: matter_ref,
        };
        let mut m = petitions::insert_matter(tx, actor, &opening).await?;
        petitions::link(tx, actor, id, Grouping::Opened(mid)).await?;
        m.letters.push((id, written.reference.clone()));
        opened_records.push(m);
    }
    if joined.is_none() {
        // As read: the letter's matters in brief, by reference.
        let mut briefs: Vec<MatterBrief> = opened_records.iter().map(MatterRecord::brief).collect();
        briefs.sort_by(|a, b| a.reference.cmp(&b.reference));
        written.matters = briefs;
    }
    Ok(Written {
        reference: reference.clone(),
        letter: written,
        opened: opened_records,
        joined: joined.map(|(mid, _)| mid),
    })
}
