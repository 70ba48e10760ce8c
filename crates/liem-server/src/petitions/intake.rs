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
use liem_domain::ids::{LetterId, UnitId, UserId};
use liem_domain::petition::NewLetter;
use liem_domain::petition::SenderKind;
use liem_domain::reference::Reference;
use liem_domain::reference::Register;
use liem_domain::timers::ChannelPolicy;
use liem_domain::workflow::MatterFacts;
use liem_store::audit::Actor;
use liem_store::petitions::{self, AttachmentRecord, LetterRecord, MatterBrief, MatterRecord};
use liem_store::petitions::{Grouping, LetterRegistration, MatterOpening, Want};
use liem_store::units;
use liem_store::units::UnitRecord;
use liem_store::{Store, Tx};
use std::collections::HashMap;
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
    /// The digests of its sender's marks.
    pub sender_keys: Vec<String>,
}

/// A letter as its transaction wrote it: what a read of it right after the
/// commit returns, so the answer to its registration needs no read.
#[derive(Debug, Clone)]
pub struct Written {
    /// Its reference.
    pub reference: Reference,
    /// The letter, with its matters in brief (left empty when it joined a
    /// matter: the caller then reads the letter).
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

/// Time spent writing groups since start (one group at a time, from its
/// start to its commit).
pub fn busy(state: &AppState) -> std::time::Duration {
    state.intake.busy()
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
    let jobs: Vec<&Job> = group.iter().map(|(job, _)| job).collect();
    let written = write(&mut tx, &jobs).await?;
    Ok(tx.commit().await.map(|()| written))
}

/// One letter in its transaction; once more when its numbers, taken from
/// the counters this node knew, were found moved (nothing was written).
async fn alone(store: &Store, job: &Job) -> Answer {
    let (_, missed) = store.counters().guesses();
    match alone_once(store, job).await {
        Err(_) if store.counters().guesses().1 > missed => alone_once(store, job).await,
        answer => answer,
    }
}

async fn alone_once(store: &Store, job: &Job) -> Answer {
    let mut tx = job.permit.begin(store).await?;
    let mut written = write(&mut tx, &[job]).await?;
    tx.commit().await?;
    written
        .pop()
        .ok_or_else(|| AppError::Internal("no letter written".into()))
}

/// Writes the jobs' letters, matters and attachments.
async fn write(tx: &mut Tx, jobs: &[&Job]) -> AppResult<Vec<Written>> {
    let entries: Vec<Entry<'_>> = jobs
        .iter()
        .map(|job| Entry {
            actor: job.permit.actor(),
            unit: &job.unit,
            policy: job.policy,
            created_by: job.created_by,
            letter: &job.letter,
            id: job.id,
            cal: &job.rules.0,
            book: &job.rules.1,
            sender_keys: job.sender_keys.clone(),
        })
        .collect();
    // The rows written are kept, so that the state of a letter and of the
    // matters opened for it, created whole here, is digested at commit
    // without reading them again while the group holds the counters.
    tx.capture_rows();
    let written = write_letters(tx, &entries, true).await?;
    for job in jobs {
        for a in &job.attachments {
            petitions::insert_attachment(tx, job.permit.actor(), a).await?;
        }
    }
    // Vouched: nothing else in this transaction changes them. A sealed
    // letter's wrapped keys and a joined matter are read as before.
    for (job, w) in jobs.iter().zip(&written) {
        if w.joined.is_none() && !job.letter.sealed() && !job.letter.seal_content {
            tx.vouch("letter", &job.id.to_string());
            for m in &w.opened {
                tx.vouch("matter", &m.id.to_string());
            }
        }
    }
    Ok(written)
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
    key: &crate::crypto::SenderKey,
) -> AppResult<Reference> {
    let policy = units::policy(tx, unit.id).await?;
    let entry = Entry {
        actor,
        unit,
        policy,
        created_by,
        letter,
        id,
        cal,
        book,
        sender_keys: key.of_letter(letter),
    };
    write_letters(tx, &[entry], false)
        .await?
        .pop()
        .map(|w| w.reference)
        .ok_or_else(|| AppError::Internal("no letter written".into()))
}

/// Registers many validated letters of one unit inside a transaction (an
/// old register imported), a hundred to a statement group; their
/// references, in the order given.
#[allow(clippy::too_many_arguments)]
pub async fn register_many_in_tx(
    tx: &mut Tx,
    actor: &Actor,
    unit: &UnitRecord,
    created_by: Option<UserId>,
    letters: &[(NewLetter, LetterId)],
    cal: &Calendar,
    book: &RuleBook,
    key: &crate::crypto::SenderKey,
) -> AppResult<Vec<Reference>> {
    let group: Vec<GroupLetter<'_>> = letters
        .iter()
        .map(|(letter, id)| GroupLetter {
            actor,
            unit,
            created_by,
            letter,
            id: *id,
        })
        .collect();
    Ok(register_group_in_tx(tx, &group, cal, book, key)
        .await?
        .into_iter()
        .map(|w| w.reference)
        .collect())
}

/// A letter of a group registered at once, with who registers it where.
pub struct GroupLetter<'a> {
    /// Who registers it.
    pub actor: &'a Actor,
    /// The unit that receives it.
    pub unit: &'a UnitRecord,
    /// The registering user.
    pub created_by: Option<UserId>,
    /// The validated letter.
    pub letter: &'a NewLetter,
    /// Its id.
    pub id: LetterId,
}

/// Registers validated letters of any units inside a transaction, as the
/// intake service writes a group of letters (a hundred to a statement
/// group; each unit's policy read once): what was written, in the order
/// given. A letter that joins a matter must come after the group that
/// opened it. The demo's bulk path and imports use it.
pub async fn register_group_in_tx(
    tx: &mut Tx,
    letters: &[GroupLetter<'_>],
    cal: &Calendar,
    book: &RuleBook,
    key: &crate::crypto::SenderKey,
) -> AppResult<Vec<Written>> {
    let mut policies: HashMap<UnitId, ChannelPolicy> = HashMap::new();
    for g in letters {
        if let std::collections::hash_map::Entry::Vacant(e) = policies.entry(g.unit.id) {
            e.insert(units::policy(tx, g.unit.id).await?);
        }
    }
    let mut out = Vec::with_capacity(letters.len());
    for chunk in letters.chunks(100) {
        let entries: Vec<Entry<'_>> = chunk
            .iter()
            .map(|g| Entry {
                actor: g.actor,
                unit: g.unit,
                policy: policies[&g.unit.id],
                created_by: g.created_by,
                letter: g.letter,
                id: g.id,
                cal,
                book,
                sender_keys: key.of_letter(g.letter),
            })
            .collect();
        out.extend(write_letters(tx, &entries, false).await?);
    }
    Ok(out)
}

/// A letter to write, with what it is written under.
struct Entry<'a> {
    actor: &'a Actor,
    unit: &'a UnitRecord,
    policy: ChannelPolicy,
    created_by: Option<UserId>,
    letter: &'a NewLetter,
    id: LetterId,
    cal: &'a Calendar,
    book: &'a RuleBook,
    sender_keys: Vec<String>,
}

/// A letter's parts before they are written.
struct Planned {
    sealed: Option<liem_store::petitions::SealedBlob>,
    dek: Option<[u8; 32]>,
    recipients: Vec<(String, [u8; 32])>,
    timers: liem_domain::timers::LetterTimers,
    joined: Option<MatterId>,
    opened: Vec<MatterFacts>,
}

/// Writes letters in one go: each letter's reads first, then every number
/// of the group in one statement, the letters in one statement, the
/// matters opened for them in one, their links in one (a sealed identity's
/// key wraps and a joined matter's link, letter by letter). What was
/// written, in the order given.
///
/// With `from_known`, the numbers come from the counters' values this node
/// last committed, checked in the letters' statement
/// (`petitions::allocate_references_known`): for a caller that tries again
/// when the transaction fails.
async fn write_letters(
    tx: &mut Tx,
    entries: &[Entry<'_>],
    from_known: bool,
) -> AppResult<Vec<Written>> {
    // Reads first: the reference counters' rows, locked when the numbers
    // are taken (or, numbered from the counters known, by the letters'
    // statement that moves them), stay locked to the commit.
    let mut plans = Vec::with_capacity(entries.len());
    for e in entries {
        let (sealed, dek) = match liem_domain::petition::SealedPayload::of(e.letter) {
            Some(payload) => {
                let (blob, dek) = sealing::seal_payload(e.id, &payload);
                (Some(blob), Some(dek))
            }
            None => (None, None),
        };
        let recipients = match dek {
            Some(_) => sealing::recipients(tx, e.unit.id, &e.unit.code).await?,
            None => Vec::new(),
        };
        let joined = match e.letter.join_matter {
            Some(mid) => Some((mid, petitions::get_matter(tx, mid).await?.facts.kind)),
            None => None,
        };
        let anonymous = e.letter.sender_kind == SenderKind::Anonymous;
        let opened = e
            .letter
            .kinds
            .iter()
            .filter(|k| joined.map(|(_, kind)| kind) != Some(**k))
            .map(|k| {
                MatterFacts::received(*k, e.letter.received_on, anonymous)
                    .internal(e.letter.channel == liem_domain::petition::Channel::InternalReport)
            })
            .collect();
        plans.push(Planned {
            sealed,
            dek,
            recipients,
            timers: liem_domain::timers::timers(e.policy, e.letter.received_on, None, e.cal),
            joined: joined.map(|(mid, _)| mid),
            opened,
        });
    }
    let wants: Vec<Want<'_>> = entries
        .iter()
        .zip(&plans)
        .flat_map(|(e, p)| {
            let year = e.letter.received_on.year();
            [
                Want {
                    unit: e.unit,
                    year,
                    register: Register::Letters,
                    count: 1,
                },
                Want {
                    unit: e.unit,
                    year,
                    register: Register::Matters,
                    count: p.opened.len() as i64,
                },
            ]
        })
        .collect();
    let mut refs = if from_known {
        petitions::allocate_references_known(tx, &wants).await?
    } else {
        petitions::allocate_references(tx, &wants).await?
    }
    .into_iter();
    let mut numbered = Vec::with_capacity(entries.len());
    for _ in entries {
        let letter_ref = refs
            .next()
            .and_then(|mut r| r.pop())
            .ok_or_else(|| AppError::Internal("no reference allocated".into()))?;
        let matter_refs = refs.next().unwrap_or_default();
        numbered.push((letter_ref, matter_refs));
    }
    let regs: Vec<LetterRegistration<'_>> = entries
        .iter()
        .zip(&mut plans)
        .zip(&numbered)
        .map(|((e, p), (reference, _))| LetterRegistration {
            letter: e.letter,
            id: e.id,
            reference,
            unit: e.unit,
            created_by: e.created_by,
            sealed: p.sealed.take(),
            ack_due: p.timers.ack_due,
            feedback_due: p.timers.feedback_due,
            sender_keys: e.sender_keys.clone(),
        })
        .collect();
    let by_actor: Vec<_> = entries
        .iter()
        .zip(&regs)
        .map(|(e, r)| (e.actor, r))
        .collect();
    let mut dues = Vec::new();
    let mut ids = Vec::new();
    for (e, p) in entries.iter().zip(&plans) {
        for facts in &p.opened {
            // The running limit and the first duty owed from the start.
            dues.push((
                current_deadline(facts, e.cal, e.book),
                liem_domain::limits::next_duty(facts, e.cal),
            ));
            ids.push((e.id, MatterId::new()));
        }
    }
    let mut openings = Vec::with_capacity(ids.len());
    let mut n = 0;
    for ((e, p), (_, matter_refs)) in entries.iter().zip(&plans).zip(&numbered) {
        for (facts, reference) in p.opened.iter().zip(matter_refs) {
            openings.push((
                e.actor,
                MatterOpening {
                    id: ids[n].1,
                    unit: e.unit,
                    field_code: &e.letter.field,
                    // A sealed summary stays only in the sealed blob.
                    summary: if e.letter.seal_content {
                        ""
                    } else {
                        &e.letter.summary
                    },
                    facts,
                    due: dues[n].0.as_ref(),
                    duty: dues[n].1.as_ref(),
                    reference,
                },
            ));
            n += 1;
        }
    }
    let by_ref: Vec<_> = openings.iter().map(|(a, o)| (*a, o)).collect();
    let links: Vec<_> = openings
        .iter()
        .zip(&ids)
        .map(|((actor, _), (letter, matter))| (*actor, *letter, *matter))
        .collect();
    // The letters, the matters opened for them and their links at once;
    // then a sealed identity's keys and a joined matter's link, letter by
    // letter.
    let (mut letters, matters) =
        petitions::insert_letters_with_matters(tx, &by_actor, &by_ref, &links).await?;
    let mut matters = matters.into_iter();
    for (e, p) in entries.iter().zip(&plans) {
        if let Some(dek) = &p.dek {
            sealing::wrap_for(tx, e.actor, e.id, dek, &p.recipients).await?;
        }
        if let Some(mid) = p.joined {
            petitions::link(tx, e.actor, e.id, Grouping::Existing(mid)).await?;
        }
    }
    let mut out = Vec::with_capacity(entries.len());
    for (((letter, p), (reference, _)), _) in
        letters.drain(..).zip(&plans).zip(numbered).zip(entries)
    {
        let opened: Vec<MatterRecord> = (0..p.opened.len())
            .filter_map(|_| matters.next())
            .map(|mut m| {
                m.letters.push((letter.id, letter.reference.clone()));
                m
            })
            .collect();
        let mut letter = letter;
        if p.joined.is_none() {
            // As read: the letter's matters in brief, by reference.
            let mut briefs: Vec<MatterBrief> = opened.iter().map(MatterRecord::brief).collect();
            briefs.sort_by(|a, b| a.reference.cmp(&b.reference));
            letter.matters = briefs;
        }
        out.push(Written {
            reference,
            letter,
            opened,
            joined: p.joined,
        });
    }
    Ok(out)
}
