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

use super::service::register_in_tx;
use crate::web::error::{AppError, AppResult};
use liem_domain::calendar::Calendar;
use liem_domain::deadline::RuleBook;
use liem_domain::ids::{LetterId, UserId};
use liem_domain::petition::NewLetter;
use liem_domain::reference::Reference;
use liem_store::audit::Actor;
use liem_store::petitions::{self, AttachmentRecord};
use liem_store::units::UnitRecord;
use liem_store::{Store, Tx};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Letters one transaction registers at most.
pub const GROUP: usize = 12;

/// A validated letter to register, with its stored attachments.
pub struct Job {
    /// Who registers it.
    pub actor: Actor,
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
}

struct Waiting {
    job: Job,
    done: oneshot::Sender<AppResult<Reference>>,
}

/// The queue of letters waiting for a transaction; one per process.
#[derive(Default)]
pub struct Intake {
    queue: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
    counts: Arc<Counts>,
}

/// Letters committed and the transactions that committed them.
#[derive(Default)]
struct Counts {
    letters: AtomicU64,
    transactions: AtomicU64,
}

impl Counts {
    fn committed(&self, letters: usize) {
        self.letters.fetch_add(letters as u64, Ordering::Relaxed);
        self.transactions.fetch_add(1, Ordering::Relaxed);
    }
}

impl Intake {
    /// Letters registered since start, and the transactions they took.
    pub fn committed(&self) -> (u64, u64) {
        (
            self.counts.letters.load(Ordering::Relaxed),
            self.counts.transactions.load(Ordering::Relaxed),
        )
    }

    /// Registers the letter, alone or with those queued beside it; returns
    /// its reference once its transaction has committed.
    pub async fn register(&self, store: &Store, job: Job) -> AppResult<Reference> {
        let (done, mut answer) = oneshot::channel();
        self.queue
            .lock()
            .expect("not poisoned")
            .push(Waiting { job, done });
        loop {
            let _turn = self.turn.lock().await;
            // Another writer's group may have taken this letter already.
            match answer.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(AppError::Internal("an intake group was dropped".into()))
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let group: Vec<Waiting> = {
                let mut q = self.queue.lock().expect("not poisoned");
                let n = q.len().min(GROUP);
                q.drain(..n).collect()
            };
            if group.is_empty() {
                // The letter is in a group still running (its writer went
                // away mid-way): wait for that group's answer.
                drop(_turn);
                return answer.await.unwrap_or_else(|_| {
                    Err(AppError::Internal("an intake group was dropped".into()))
                });
            }
            // In a task of its own: a writer that goes away (its client
            // hung up) must not take the others' letters with it.
            let _ = tokio::spawn(run(store.clone(), group, self.counts.clone())).await;
        }
    }
}

/// Registers a group in one transaction, or each alone when one fails.
async fn run(store: Store, mut group: Vec<Waiting>, counts: Arc<Counts>) {
    // One order of counter locks for every group, on every node.
    group.sort_by_key(|w| w.job.unit.id.0);
    if group.len() > 1 {
        match together(&store, &group).await {
            Ok(Ok(refs)) => {
                counts.committed(refs.len());
                for (w, r) in group.into_iter().zip(refs) {
                    let _ = w.done.send(Ok(r));
                }
                return;
            }
            // The commit itself failed: the group fails as one letter would.
            Ok(Err(e)) => {
                let why = e.to_string();
                for w in group {
                    let _ = w.done.send(Err(AppError::Internal(why.clone())));
                }
                return;
            }
            // A letter failed before the commit: nothing was written.
            Err(_) => {}
        }
    }
    for w in group {
        let result = alone(&store, &w.job).await;
        if result.is_ok() {
            counts.committed(1);
        }
        let _ = w.done.send(result);
    }
}

/// The group's letters in one transaction: the inner error when the commit
/// failed, the outer one when a letter did (the transaction rolled back).
async fn together(
    store: &Store,
    group: &[Waiting],
) -> AppResult<Result<Vec<Reference>, liem_store::StoreError>> {
    let mut tx = store.begin().await?;
    let mut refs = Vec::with_capacity(group.len());
    for w in group {
        refs.push(write(&mut tx, &w.job).await?);
    }
    Ok(tx.commit().await.map(|()| refs))
}

async fn alone(store: &Store, job: &Job) -> AppResult<Reference> {
    let mut tx = store.begin().await?;
    let r = write(&mut tx, job).await?;
    tx.commit().await?;
    Ok(r)
}

async fn write(tx: &mut Tx, job: &Job) -> AppResult<Reference> {
    let (cal, book) = &*job.rules;
    let r = register_in_tx(
        tx,
        &job.actor,
        &job.unit,
        job.created_by,
        &job.letter,
        job.id,
        cal,
        book,
    )
    .await?;
    for a in &job.attachments {
        petitions::insert_attachment(tx, &job.actor, a).await?;
    }
    Ok(r)
}
