//! The reference counters as this node last committed them, so that intake
//! can number a group without a statement of its own.
//!
//! A register's numbers are gap-free per unit and year: a group of letters
//! takes its numbers in the transaction that writes it, and the counters'
//! rows stay locked from there to the commit. Taking them is a statement
//! whose answer the group waits for (on PostgreSQL a round trip, on SQLite a
//! hand-over to the connection's thread) before it can write its letters.
//!
//! When this node committed a counter last, it knows the counter's value:
//! the group numbers its letters from it, and the statement that writes the
//! letters also moves the counter — only if it still holds the value known
//! (`last_seq = known`, checked in the database, under the row's lock). If
//! another node or process moved it in between, nothing moved, the
//! transaction is rolled back (its letters carry numbers that may be
//! taken), the values known are forgotten, and the group is written again
//! with numbers taken in the database, as before. The known value is a
//! guess the database checks: a wrong guess costs a retry, never a number.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A counter: unit, register, year.
pub(crate) type Key = (uuid::Uuid, &'static str, i16);

/// How long after a wrong guess the counters are taken in the database:
/// another node writes into the same units, and every guess would cost a
/// group.
const COOL_DOWN: Duration = Duration::from_secs(5);

/// The counters' values this node committed, and how the guesses went.
#[derive(Default)]
pub struct KnownCounters {
    last: Mutex<HashMap<Key, i64>>,
    cool_until: Mutex<Option<Instant>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl KnownCounters {
    /// Each counter's last value as this node committed it, when every one
    /// is known and no guess failed lately.
    pub(crate) fn known(&self, keys: &[Key]) -> Option<Vec<i64>> {
        if self
            .cool_until
            .lock()
            .expect("not poisoned")
            .is_some_and(|t| Instant::now() < t)
        {
            return None;
        }
        let last = self.last.lock().expect("not poisoned");
        keys.iter().map(|k| last.get(k).copied()).collect()
    }

    /// Values committed (kept when higher than the one known: a counter
    /// only grows, and two commits may report out of order).
    pub(crate) fn remember(&self, values: &[(Key, i64)]) {
        let mut last = self.last.lock().expect("not poisoned");
        for (k, v) in values {
            let e = last.entry(*k).or_insert(*v);
            if *v > *e {
                *e = *v;
            }
        }
    }

    /// A guess held.
    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A guess failed: the values are forgotten and no guess is made for a
    /// while.
    pub(crate) fn miss(&self, keys: &[Key]) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let mut last = self.last.lock().expect("not poisoned");
        for k in keys {
            last.remove(k);
        }
        *self.cool_until.lock().expect("not poisoned") = Some(Instant::now() + COOL_DOWN);
    }

    /// Groups numbered from the values known, and guesses that failed.
    pub fn guesses(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// Counters moved from the values known, to be checked in the statement
/// that writes the rows numbered from them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// Counter, value known, value after.
    pub moves: Vec<(Key, i64, i64)>,
}

impl Guard {
    /// The statement that moves every counter that still holds its known
    /// value, its parameters numbered from `first`; each counter moved is
    /// one row changed (`RETURNING` on PostgreSQL, `changes()` on SQLite).
    pub fn sql(&self, dialect: crate::db::Dialect, first: usize) -> String {
        let rows = crate::db::values_rows(self.moves.len(), 5, first);
        match dialect {
            crate::db::Dialect::Postgres => format!(
                "UPDATE reference_counters AS c SET last_seq = v.after \
                 FROM (VALUES {rows}) AS v (unit_id, register, year, known, after) \
                 WHERE c.unit_id = v.unit_id AND c.register = v.register \
                 AND c.year = v.year AND c.last_seq = v.known RETURNING 1"
            ),
            crate::db::Dialect::Sqlite => format!(
                "UPDATE reference_counters SET last_seq = v.column5 FROM (VALUES {rows}) AS v \
                 WHERE reference_counters.unit_id = v.column1 \
                 AND reference_counters.register = v.column2 \
                 AND reference_counters.year = v.column3 \
                 AND reference_counters.last_seq = v.column4"
            ),
        }
    }

    /// The statement's parameters.
    pub fn values(&self) -> Vec<crate::db::Value> {
        let mut out = Vec::with_capacity(self.moves.len() * 5);
        for ((unit, register, year), known, after) in &self.moves {
            out.extend::<[crate::db::Value; 5]>([
                (*unit).into(),
                (*register).into(),
                i64::from(*year).into(),
                (*known).into(),
                (*after).into(),
            ]);
        }
        out
    }

    /// The counters it names.
    pub fn keys(&self) -> Vec<Key> {
        self.moves.iter().map(|(k, _, _)| *k).collect()
    }
}
