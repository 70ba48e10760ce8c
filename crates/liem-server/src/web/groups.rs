//! Work done in groups: the requests that arrive while a group runs queue,
//! and the next one to go takes them all (flat combining). Nobody waits for
//! a group to fill; a request alone goes alone. The queue holds its jobs and
//! answers type-erased, so that the application state can hold it without
//! knowing the feature that uses it (`petitions::intake`, group commit of
//! letters).

use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A job or an answer, as the queue holds it.
pub type Erased = Box<dyn Any + Send>;

/// A job waiting, and where its answer goes.
pub struct Waiting {
    /// The job.
    pub job: Erased,
    /// Its answer.
    pub done: oneshot::Sender<Erased>,
}

/// Jobs done and the groups that did them.
#[derive(Default)]
pub struct Counts {
    jobs: AtomicU64,
    groups: AtomicU64,
    busy_micros: AtomicU64,
}

impl Counts {
    /// Records a group of `jobs` done.
    pub fn done(&self, jobs: usize) {
        self.jobs.fetch_add(jobs as u64, Ordering::Relaxed);
        self.groups.fetch_add(1, Ordering::Relaxed);
    }
}

/// A queue of jobs done in groups of at most `cap`.
pub struct Groups {
    queue: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
    cap: usize,
    counts: Arc<Counts>,
}

impl Groups {
    /// A queue whose groups hold at most `cap` jobs.
    pub fn new(cap: usize) -> Groups {
        Groups {
            queue: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
            cap: cap.max(1),
            counts: Arc::default(),
        }
    }

    /// Jobs waiting for their group now.
    pub fn waiting(&self) -> usize {
        self.queue.lock().map_or(0, |q| q.len())
    }

    /// Time spent running groups since start: divided by the time
    /// elapsed, the share of it the queue was busy.
    pub fn busy(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.counts.busy_micros.load(Ordering::Relaxed))
    }

    /// Jobs done since start, and the groups that did them.
    pub fn done(&self) -> (u64, u64) {
        (
            self.counts.jobs.load(Ordering::Relaxed),
            self.counts.groups.load(Ordering::Relaxed),
        )
    }

    /// Queues the job and, when its turn comes, runs the group it is in
    /// with `run` (in a task of its own: a caller that goes away does not
    /// take the others' jobs with it); its answer, or `None` when the group
    /// was lost (a panic).
    pub async fn submit<F, Fut>(&self, job: Erased, run: F) -> Option<Erased>
    where
        F: Fn(Vec<Waiting>, Arc<Counts>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (done, mut answer) = oneshot::channel();
        self.queue
            .lock()
            .expect("not poisoned")
            .push(Waiting { job, done });
        loop {
            let turn = self.turn.lock().await;
            // Another caller's group may have taken this job already.
            match answer.try_recv() {
                Ok(result) => return Some(result),
                Err(oneshot::error::TryRecvError::Closed) => return None,
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let group: Vec<Waiting> = {
                let mut q = self.queue.lock().expect("not poisoned");
                let n = q.len().min(self.cap);
                q.drain(..n).collect()
            };
            if group.is_empty() {
                // The job is in a group still running (its caller went
                // away mid-way): wait for that group's answer.
                drop(turn);
                return answer.await.ok();
            }
            let started = std::time::Instant::now();
            let _ = tokio::spawn(run(group, self.counts.clone())).await;
            self.counts.busy_micros.fetch_add(
                u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
    }
}
