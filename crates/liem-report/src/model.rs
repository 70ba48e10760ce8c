//! The statistics model: every fact row of every source held in memory,
//! column by column, and kept current from the change feed — the derived
//! read model DESIGN.md calls for, here for counting.
//!
//! Why: a form has dozens of columns, each a condition over the same rows.
//! Asking the database for `SUM(CASE WHEN …)` per column costs a condition
//! per column per row — seconds for a million letters on either database.
//! Here each row is read once per computation: its leaf conditions (dates
//! against the period, codes, flags) are tested once and packed into a key;
//! rows with the same unit and key are counted together, and every rule is
//! evaluated once per key. The rules are the same `Rule`s the SQL path
//! renders (`liem_store::stats::aggregate`), and a test checks that both
//! give the same figures on both databases.
//!
//! Freshness: before each computation the model reads the change feed past
//! the position it holds and reloads the rows those changes touched (a
//! matter reloads its letters, a letter its matters, a reception session its
//! visits; a change to the case register reloads the case sources). On
//! PostgreSQL a transaction may commit after a later one; the positions
//! skipped are asked for again at each refresh for ten minutes.

use crate::ReportError;
use jiff::civil::{date, Date};
use liem_domain::case::CaseRecord;
use liem_domain::ids::UnitId;
use liem_domain::stats::{Col, Cond, Measure, Prog, Rule, Source, Span, Ty, Val};
use liem_store::db::AsExec;
use liem_store::stats::{self, Only};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

use crate::column::{with_cells, Cell, Column};

const NULL: i64 = i64::MIN;
const EPOCH: Date = date(1970, 1, 1);
const GAP_PATIENCE: Duration = Duration::from_secs(600);

fn day_number(d: Date) -> i64 {
    i64::from((d - EPOCH).get_days())
}

/// A multiplicative hasher for the (unit, key) pairs of a computation.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0 ^ u64::from(i)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_u128(&mut self, i: u128) {
        self.0 = (self.0 ^ (i as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (self.0 ^ ((i >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The codes a text or list column holds, numbered.
#[derive(Debug, Default, Clone)]
pub(crate) struct Dict {
    pub(crate) ids: HashMap<String, i64>,
}

impl Dict {
    fn id(&mut self, code: &str) -> i64 {
        let n = self.ids.len() as i64;
        *self.ids.entry(code.to_owned()).or_insert(n)
    }
    fn get(&self, code: &str) -> Option<i64> {
        self.ids.get(code).copied()
    }
}

/// The ids of a table's rows: each row's id, and the rows in the order of
/// their ids, so that a binary search finds an id's row (20 bytes a row; a
/// hash table of ids took 44 at a million rows, the model's largest part).
/// Rows added since the last sort wait in a small hash table until
/// [`Ids::settle`] merges them. A row number fits in 32 bits: rows are
/// counted in `u32` everywhere else too.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    pub(crate) by_row: Vec<uuid::Uuid>,
    sorted: Vec<u32>,
    recent: HashMap<uuid::Uuid, u32>,
}

impl Ids {
    /// The row of an id.
    pub(crate) fn get(&self, id: &uuid::Uuid) -> Option<u32> {
        if let Some(r) = self.recent.get(id) {
            return Some(*r);
        }
        self.sorted
            .binary_search_by(|r| self.by_row[*r as usize].cmp(id))
            .ok()
            .map(|k| self.sorted[k])
    }

    /// Adds the next row's id (not present yet); returns its row.
    pub(crate) fn push(&mut self, id: uuid::Uuid) -> u32 {
        let row = self.by_row.len() as u32;
        self.by_row.push(id);
        self.recent.insert(id, row);
        row
    }

    /// The ids of rows `0..n`, in row order (a snapshot's).
    pub(crate) fn from_rows(by_row: Vec<uuid::Uuid>) -> Ids {
        let mut sorted: Vec<u32> = (0..by_row.len() as u32).collect();
        sorted.sort_unstable_by_key(|r| by_row[*r as usize]);
        Ids {
            by_row,
            sorted,
            recent: HashMap::new(),
        }
    }

    /// Merges the recent ids into the sorted ones once they are more than
    /// an eighth of them (a merge reads every row: a load of a million
    /// rows merges some thirty times).
    pub(crate) fn settle(&mut self) {
        if self.recent.len() <= 4096 + self.sorted.len() / 8 {
            return;
        }
        let by_row = &self.by_row;
        let mut new: Vec<u32> = std::mem::take(&mut self.recent).into_values().collect();
        new.sort_unstable_by_key(|r| by_row[*r as usize]);
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if by_row[*x as usize] <= by_row[*y as usize] => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.sorted = merged;
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        self.by_row.capacity() * 16
            + self.sorted.capacity() * 4
            + self.recent.capacity() * (std::mem::size_of::<(uuid::Uuid, u32)>() + 1)
    }
}

/// The rows of one source, column by column.
#[derive(Debug, Default)]
pub(crate) struct Table {
    /// The rows' ids.
    pub(crate) ids: Ids,
    pub(crate) unit: Vec<u32>,
    pub(crate) cols: Vec<Column>,
    /// The rows of each unit (by the unit's number), so that a province's
    /// figures read its own rows only.
    pub(crate) by_unit: Vec<Vec<u32>>,
}

impl Table {
    /// What it holds: its columns, units, per-unit row lists and the
    /// index of its ids (a hash table's entries and control bytes).
    fn size(&self) -> Size {
        let cols: usize = self.cols.iter().map(Column::bytes).sum();
        let by_unit: usize = self
            .by_unit
            .iter()
            .map(|r| r.capacity() * 4 + std::mem::size_of::<Vec<u32>>())
            .sum();
        let index = self.ids.bytes();
        Size {
            bytes: cols + self.unit.capacity() * 4 + by_unit + index,
            cells: self.cols.len() * self.unit.len(),
            column_bytes: cols,
        }
    }

    /// Lets go of the room its vectors reserved as they grew (up to as much
    /// again as they hold), once a load is done.
    pub(crate) fn shrink(&mut self) {
        self.ids.by_row.shrink_to_fit();
        self.ids.sorted.shrink_to_fit();
        self.ids.recent.shrink_to_fit();
        self.unit.shrink_to_fit();
        for rows in &mut self.by_unit {
            rows.shrink_to_fit();
        }
        self.by_unit.shrink_to_fit();
        for c in &mut self.cols {
            c.shrink();
        }
    }

    pub(crate) fn file(&mut self, unit: u32, row: u32) {
        let u = unit as usize;
        if self.by_unit.len() <= u {
            self.by_unit.resize_with(u + 1, Vec::new);
        }
        self.by_unit[u].push(row);
    }
}

/// Bytes held, cells, and the cells' bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Size {
    bytes: usize,
    cells: usize,
    column_bytes: usize,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) seq: i64,
    pub(crate) gaps: Vec<(i64, Instant)>,
    pub(crate) units: Vec<UnitId>,
    pub(crate) unit_index: HashMap<UnitId, u32>,
    pub(crate) dicts: HashMap<Col, Dict>,
    pub(crate) tables: HashMap<Source, Table>,
    pub(crate) cases: Vec<(UnitId, CaseRecord)>,
    /// The unit tree, until a unit changes.
    pub(crate) tree: Option<std::sync::Arc<crate::Tree>>,
}

impl State {
    /// What the model holds (its tables and the cases; the codes'
    /// dictionaries and the unit tree are small beside them), in one pass.
    fn size(&self) -> Size {
        let mut size = Size {
            bytes: self.cases.capacity() * std::mem::size_of::<(UnitId, CaseRecord)>()
                + self.units.capacity() * std::mem::size_of::<UnitId>(),
            ..Size::default()
        };
        for t in self.tables.values() {
            let s = t.size();
            size.bytes += s.bytes;
            size.cells += s.cells;
            size.column_bytes += s.column_bytes;
        }
        size
    }

    fn unit(&mut self, u: UnitId) -> u32 {
        if let Some(i) = self.unit_index.get(&u) {
            return *i;
        }
        let i = self.units.len() as u32;
        self.units.push(u);
        self.unit_index.insert(u, i);
        i
    }

    fn encode(&mut self, col: Col, v: &Val) -> i64 {
        match v {
            Val::Null => NULL,
            Val::Date(d) => day_number(*d),
            Val::Bool(b) => i64::from(*b),
            Val::Int(i) => *i,
            Val::Text(t) => {
                let dict = self.dicts.entry(col).or_default();
                if col.ty() == Ty::List {
                    t.split(',')
                        .filter(|k| !k.is_empty())
                        .map(|k| {
                            let id = dict.id(k);
                            assert!(id < 62, "a list column holds at most 62 codes");
                            1i64 << id
                        })
                        .fold(0, |a, b| a | b)
                } else {
                    dict.id(t)
                }
            }
        }
    }

    /// A model of fact rows given directly, each its own id (tests).
    pub(crate) fn of_facts(facts: &[(Source, UnitId, Vec<Val>)]) -> State {
        let mut state = State::default();
        for (n, (source, unit, vals)) in facts.iter().enumerate() {
            let id = uuid::Uuid::from_u128(n as u128 + 1);
            state.upsert(*source, vec![(id, *unit, vals.clone())]);
        }
        state
    }

    fn upsert(&mut self, source: Source, rows: Vec<(uuid::Uuid, UnitId, Vec<Val>)>) {
        let columns = source.columns();
        let mut encoded = Vec::with_capacity(rows.len());
        for (id, unit, vals) in rows {
            let u = self.unit(unit);
            let cells: Vec<i64> = columns
                .iter()
                .zip(&vals)
                .map(|(c, v)| self.encode(*c, v))
                .collect();
            encoded.push((id, u, cells));
        }
        let t = self.tables.entry(source).or_default();
        if t.cols.is_empty() {
            t.cols = vec![Column::default(); columns.len()];
        }
        for (id, u, cells) in encoded {
            match t.ids.get(&id).map(|i| i as usize) {
                Some(i) => {
                    let old = t.unit[i];
                    if old != u {
                        // Moved to another unit (a letter transferred).
                        t.by_unit[old as usize].retain(|r| *r as usize != i);
                        t.file(u, i as u32);
                    }
                    t.unit[i] = u;
                    for (c, v) in t.cols.iter_mut().zip(cells) {
                        c.set(i, v);
                    }
                }
                None => {
                    let i = t.ids.push(id);
                    t.file(u, i);
                    t.unit.push(u);
                    for (c, v) in t.cols.iter_mut().zip(cells) {
                        c.push(v);
                    }
                }
            }
        }
        t.ids.settle();
    }
}

/// A leaf condition resolved against the model's codes and a period.
#[derive(Debug, Clone)]
enum Op {
    Eq(i64),
    In(Vec<i64>),
    Bits(i64),
    Never,
    Yes,
    No,
    Null,
    Between(i64, i64),
    Lt(i64),
    Le(i64),
    Gt(i64),
}

#[derive(Debug, Clone)]
struct Leaf {
    col: usize,
    op: Op,
}

impl Leaf {
    /// Adds this leaf's value (two bits at `shift`) to the key of each row.
    fn mark(&self, col: &Column, rows: &[u32], keys: &mut [u128], shift: u32) {
        with_cells!(col, cells => self.mark_in(cells, rows, keys, shift))
    }

    /// [`Leaf::mark`] over cells of one type (a tight loop per type).
    fn mark_in<T: Cell>(&self, col: &[T], rows: &[u32], keys: &mut [u128], shift: u32) {
        fn each<T: Cell>(
            col: &[T],
            rows: &[u32],
            keys: &mut [u128],
            shift: u32,
            null: u128,
            t: impl Fn(i64) -> bool,
        ) {
            for (k, r) in keys.iter_mut().zip(rows) {
                let v = col[*r as usize];
                let bits = if v == T::NULL {
                    null
                } else {
                    u128::from(t(v.raw()))
                };
                *k |= bits << shift;
            }
        }
        let null = if matches!(self.op, Op::Null) { 1 } else { 2 };
        match &self.op {
            Op::Eq(x) => each(col, rows, keys, shift, null, |v| v == *x),
            Op::In(xs) => each(col, rows, keys, shift, null, |v| xs.contains(&v)),
            Op::Bits(m) => each(col, rows, keys, shift, null, |v| v & m != 0),
            Op::Never | Op::Null => each(col, rows, keys, shift, null, |_| false),
            Op::Yes => each(col, rows, keys, shift, null, |v| v != 0),
            Op::No => each(col, rows, keys, shift, null, |v| v == 0),
            Op::Between(lo, hi) => each(col, rows, keys, shift, null, |v| v >= *lo && v <= *hi),
            Op::Lt(x) => each(col, rows, keys, shift, null, |v| v < *x),
            Op::Le(x) => each(col, rows, keys, shift, null, |v| v <= *x),
            Op::Gt(x) => each(col, rows, keys, shift, null, |v| v > *x),
        }
    }
}

fn resolve(state: &State, source: Source, cond: &Cond, span: Span) -> Leaf {
    let col_of = |c: &Col| {
        source
            .columns()
            .iter()
            .position(|x| x == c)
            .expect("a column of the source")
    };
    let code = |c: &Col, v: &str| state.dicts.get(c).and_then(|d| d.get(v));
    let (from, to) = (day_number(span.from), day_number(span.to));
    let (col, op) = match cond {
        Cond::Is(c, v) => (col_of(c), code(c, v).map_or(Op::Never, Op::Eq)),
        Cond::In(c, vs) => (
            col_of(c),
            Op::In(vs.iter().filter_map(|v| code(c, v)).collect()),
        ),
        Cond::Has(c, v) => (
            col_of(c),
            code(c, v).map_or(Op::Never, |id| Op::Bits(1i64 << id)),
        ),
        Cond::Yes(c) => (col_of(c), Op::Yes),
        Cond::No(c) => (col_of(c), Op::No),
        Cond::IntIs(c, v) => (col_of(c), Op::Eq(*v)),
        Cond::Null(c) => (col_of(c), Op::Null),
        Cond::InPeriod(c) => (col_of(c), Op::Between(from, to)),
        Cond::Before(c) => (col_of(c), Op::Lt(from)),
        Cond::ByEnd(c) => (col_of(c), Op::Le(to)),
        Cond::AfterEnd(c) => (col_of(c), Op::Gt(to)),
        Cond::BeforeEnd(c) => (col_of(c), Op::Lt(to)),
        Cond::True | Cond::And(_) | Cond::Or(_) | Cond::Not(_) => {
            unreachable!("only leaves are resolved")
        }
    };
    Leaf { col, op }
}

/// The in-memory statistics model (one per process; cheap to share).
#[derive(Debug, Default)]
pub struct Model {
    state: tokio::sync::Mutex<Option<State>>,
    /// Held while the model is first read from the database, so that one
    /// load runs at a time without holding `state` (a million rows take
    /// seconds; figures meanwhile come from the database: [`Model::try_view`]).
    loading: tokio::sync::Mutex<()>,
    /// Set while [`Model::restore`] reads a snapshot (under `state`'s
    /// lock): half a second at a million letters, less than the database
    /// takes to count a form, so [`Model::try_view`] waits for it.
    restoring: std::sync::atomic::AtomicBool,
    /// Whether a load in the background was asked for ([`Model::claim_load`]).
    load_claimed: std::sync::atomic::AtomicBool,
    stats: Counters,
}

/// What the model has done since the process started, for `/metrics`.
#[derive(Debug, Default)]
struct Counters {
    position: std::sync::atomic::AtomicI64,
    loaded: std::sync::atomic::AtomicBool,
    load_micros: std::sync::atomic::AtomicU64,
    refreshes: std::sync::atomic::AtomicU64,
    refresh_micros: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
    cells: std::sync::atomic::AtomicU64,
    column_bytes: std::sync::atomic::AtomicU64,
}

/// A reading of the model's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelStats {
    /// Whether the model was loaded (its first use happened).
    pub loaded: bool,
    /// The change-feed position it reflects (0 before its first load).
    pub position: i64,
    /// How long the load took, in microseconds.
    pub load_micros: u64,
    /// Refreshes that applied changes from the feed.
    pub refreshes: u64,
    /// Their total time, in microseconds.
    pub refresh_micros: u64,
    /// Bytes the model holds in memory, as of its last load or refresh.
    pub bytes: u64,
    /// Cells in its tables (at eight bytes each, what its columns took
    /// before they were narrowed).
    pub cells: u64,
    /// Bytes of those cells now.
    pub column_bytes: u64,
}

/// What [`Model::restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// The model was taken from the snapshot, which reflected `position`,
    /// and caught up from the feed to `caught_up_to`.
    Taken {
        /// The snapshot's position.
        position: i64,
        /// The feed's head after catching up.
        caught_up_to: i64,
    },
    /// There was no snapshot.
    Absent,
    /// The snapshot was not taken, for this reason.
    Refused(crate::snapshot::Refused),
    /// The model was loaded already.
    AlreadyLoaded,
}

impl Restored {
    /// The position of a snapshot taken that needed no catching up (so
    /// writing it again would change nothing).
    pub fn current(&self) -> Option<i64> {
        match self {
            Restored::Taken {
                position,
                caught_up_to,
            } if position == caught_up_to => Some(*position),
            _ => None,
        }
    }
}

/// A source's rows counted for some rules: per unit, one value per rule.
pub type PerUnit = HashMap<UnitId, Vec<i64>>;

impl Model {
    /// An empty model; the first computation loads it.
    pub fn new() -> Model {
        Model::default()
    }

    /// Brings the model up to the change feed's head (loading it first if
    /// it is not loaded); returns the position.
    pub async fn refresh(&self, ex: &mut impl AsExec) -> Result<i64, ReportError> {
        self.ensure_loaded(&mut *ex).await?;
        let mut guard = self.state.lock().await;
        self.counted_refresh(&mut guard, ex).await
    }

    /// Whether the caller should start loading the model in the background:
    /// true once, for the first caller while it is not loaded and nothing
    /// restores it (a request that was answered from the database asks, so
    /// that a node whose loader did not run still gets its model); after a
    /// failed load, [`Model::unclaim_load`] lets the next caller try again.
    pub fn claim_load(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        !self.is_loaded()
            && !self.restoring.load(SeqCst)
            && self
                .load_claimed
                .compare_exchange(false, true, SeqCst, SeqCst)
                .is_ok()
    }

    /// Lets the next [`Model::claim_load`] succeed (the claimed load failed).
    pub fn unclaim_load(&self) {
        self.load_claimed
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the model is loaded (from its snapshot or the database).
    pub fn is_loaded(&self) -> bool {
        self.stats.loaded.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Reads the model from the database when it is not loaded. The rows
    /// are read into a model of their own, not under the model's lock, so
    /// that [`Model::try_view`] and [`Model::stats`] answer meanwhile; one
    /// load runs at a time, and one that finds the model loaded (restored
    /// from its snapshot meanwhile) is dropped.
    async fn ensure_loaded(&self, ex: &mut impl AsExec) -> Result<(), ReportError> {
        if self.is_loaded() {
            return Ok(());
        }
        let _one = self.loading.lock().await;
        if self.state.lock().await.is_some() {
            return Ok(());
        }
        let started = Instant::now();
        let state = load(ex).await?;
        let mut guard = self.state.lock().await;
        if guard.is_some() {
            return Ok(());
        }
        let position = state.seq;
        *guard = Some(state);
        self.loaded(started, position, guard.as_ref());
        Ok(())
    }

    /// Records a load (from the database or a snapshot) as done.
    fn loaded(&self, started: Instant, position: i64, state: Option<&State>) {
        use std::sync::atomic::Ordering::{Relaxed, Release};
        let c = &self.stats;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        c.load_micros.store(micros, Relaxed);
        c.position.store(position, Relaxed);
        self.record_size(state);
        c.loaded.store(true, Release);
    }

    /// What the model has done since start, read without waiting for it.
    pub fn stats(&self) -> ModelStats {
        use std::sync::atomic::Ordering::Relaxed;
        let c = &self.stats;
        ModelStats {
            loaded: c.loaded.load(Relaxed),
            position: c.position.load(Relaxed),
            load_micros: c.load_micros.load(Relaxed),
            refreshes: c.refreshes.load(Relaxed),
            refresh_micros: c.refresh_micros.load(Relaxed),
            bytes: c.bytes.load(Relaxed),
            cells: c.cells.load(Relaxed),
            column_bytes: c.column_bytes.load(Relaxed),
        }
    }

    /// [`refresh`] of a loaded model, timed and counted.
    async fn counted_refresh(
        &self,
        slot: &mut Option<State>,
        ex: &mut impl AsExec,
    ) -> Result<i64, ReportError> {
        use std::sync::atomic::Ordering::Relaxed;
        // Every caller loads it first (and nothing empties it again).
        let state = slot
            .as_mut()
            .expect("the model is loaded before it is refreshed");
        let before = state.seq;
        let started = std::time::Instant::now();
        let pos = refresh(state, ex).await?;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let c = &self.stats;
        if before != pos {
            self.record_size(slot.as_ref());
            c.refreshes.fetch_add(1, Relaxed);
            c.refresh_micros.fetch_add(micros, Relaxed);
        }
        c.position.store(pos, Relaxed);
        Ok(pos)
    }

    /// Records what the model holds, for [`Model::stats`].
    fn record_size(&self, state: Option<&State>) {
        use std::sync::atomic::Ordering::Relaxed;
        let size = state.map(State::size).unwrap_or_default();
        let c = &self.stats;
        c.bytes.store(size.bytes as u64, Relaxed);
        c.cells.store(size.cells as u64, Relaxed);
        c.column_bytes.store(size.column_bytes as u64, Relaxed);
    }

    /// Writes a snapshot of the model to `path` (loading or refreshing it
    /// first): the position it reflects. See [`crate::snapshot`].
    pub async fn save(
        &self,
        path: &std::path::Path,
        ex: &mut impl AsExec,
    ) -> Result<i64, ReportError> {
        self.ensure_loaded(&mut *ex).await?;
        let (file, tmp, position) = {
            let mut guard = self.state.lock().await;
            self.counted_refresh(&mut guard, &mut *ex).await?;
            let state = guard.as_ref().expect("refreshed");
            let position = crate::snapshot::settled(state);
            let marks = crate::snapshot::marks(&mut *ex, position).await?;
            // Streamed to the file under the lock (the model must not move
            // meanwhile), off the runtime's workers where it has several.
            let write = || crate::snapshot::write_body(path, state, position, &marks);
            let written = match tokio::runtime::Handle::current().runtime_flavor() {
                tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(write),
                _ => write(),
            };
            let (file, tmp) = written.map_err(|e| ReportError::Snapshot(e.to_string()))?;
            (file, tmp, position)
        };
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || crate::snapshot::finish(file, &tmp, &path))
            .await
            .map_err(|e| ReportError::Snapshot(e.to_string()))?
            .map_err(|e| ReportError::Snapshot(e.to_string()))?;
        Ok(position)
    }

    /// Takes the model from the snapshot at `path` when there is one taken
    /// from this database (and the model is not loaded yet), then brings it
    /// up to the change feed's head. Without one, or with one refused, the
    /// model is left as it was: its first use reads the database.
    pub async fn restore(
        &self,
        path: &std::path::Path,
        ex: &mut impl AsExec,
    ) -> Result<Restored, ReportError> {
        use std::sync::atomic::Ordering::SeqCst;
        self.restoring.store(true, SeqCst);
        let mut guard = self.state.lock().await;
        let restored = self.restore_locked(&mut guard, path, ex).await;
        self.restoring.store(false, SeqCst);
        restored
    }

    /// [`Model::restore`] under the model's lock.
    async fn restore_locked(
        &self,
        guard: &mut Option<State>,
        path: &std::path::Path,
        ex: &mut impl AsExec,
    ) -> Result<Restored, ReportError> {
        if guard.is_some() {
            return Ok(Restored::AlreadyLoaded);
        }
        let owned = path.to_owned();
        let opened = tokio::task::spawn_blocking(move || crate::snapshot::open(&owned))
            .await
            .map_err(|e| ReportError::Snapshot(e.to_string()))?;
        let (position, marks, reader) = match opened {
            Ok(Ok(h)) => h,
            Ok(Err(r)) => return Ok(Restored::Refused(r)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Restored::Absent),
            Err(e) => return Err(ReportError::Snapshot(e.to_string())),
        };
        let started = Instant::now();
        let head = stats::data_version(&mut *ex).await?;
        if head < position || crate::snapshot::marks(&mut *ex, position).await? != marks {
            // A damaged header can name another database too: say which.
            let sound = tokio::task::spawn_blocking(move || reader.check_rest())
                .await
                .map_err(|e| ReportError::Snapshot(e.to_string()))?;
            return Ok(Restored::Refused(if sound {
                crate::snapshot::Refused::OtherDatabase
            } else {
                crate::snapshot::Refused::Damaged
            }));
        }
        let state =
            match tokio::task::spawn_blocking(move || crate::snapshot::decode(reader, position))
                .await
                .map_err(|e| ReportError::Snapshot(e.to_string()))?
            {
                Ok(s) => s,
                Err(r) => return Ok(Restored::Refused(r)),
            };
        *guard = Some(state);
        self.loaded(started, position, guard.as_ref());
        let now = self.counted_refresh(guard, ex).await?;
        Ok(Restored::Taken {
            position,
            caught_up_to: now,
        })
    }

    /// The unit tree with its merger map, read again only after a unit
    /// changed.
    pub async fn tree(
        &self,
        ex: &mut impl AsExec,
    ) -> Result<std::sync::Arc<crate::Tree>, ReportError> {
        if !self.is_loaded() {
            // Not cached until the model is loaded: a unit's change is
            // noticed by the model's refresh.
            return Ok(std::sync::Arc::new(crate::load_tree(ex).await?));
        }
        let mut guard = self.state.lock().await;
        self.counted_refresh(&mut guard, &mut *ex).await?;
        let state = guard.as_mut().expect("refreshed");
        if let Some(t) = &state.tree {
            return Ok(t.clone());
        }
        let t = std::sync::Arc::new(crate::load_tree(ex).await?);
        state.tree = Some(t.clone());
        Ok(t)
    }

    /// Refreshes the model, then calls `f` with a consistent view of it
    /// (no refresh runs meanwhile); returns what `f` returns and the
    /// change-feed position the view reflects.
    pub async fn view<R>(
        &self,
        ex: &mut impl AsExec,
        f: impl FnOnce(&View<'_>) -> R,
    ) -> Result<(R, i64), ReportError> {
        self.ensure_loaded(&mut *ex).await?;
        let mut guard = self.state.lock().await;
        let version = self.counted_refresh(&mut guard, ex).await?;
        let view = View {
            state: guard.as_ref(),
        };
        Ok((f(&view), version))
    }

    /// [`Model::view`] when the model is loaded; `None` at once while it is
    /// not (being read from the database or its snapshot), so that the
    /// caller counts from the database instead of waiting.
    pub async fn try_view<R>(
        &self,
        ex: &mut impl AsExec,
        f: impl FnOnce(&View<'_>) -> R,
    ) -> Result<Option<(R, i64)>, ReportError> {
        if !self.is_loaded() && self.restoring.load(std::sync::atomic::Ordering::SeqCst) {
            // The restore holds the lock until it is done or refused.
            drop(self.state.lock().await);
        }
        if !self.is_loaded() {
            return Ok(None);
        }
        self.view(ex, f).await.map(Some)
    }
}

/// A consistent view of the model (see [`Model::view`]).
pub struct View<'a> {
    state: Option<&'a State>,
}

impl<'a> View<'a> {
    /// A view of a model held outside a [`Model`] (tests).
    pub(crate) fn of(state: &'a State) -> View<'a> {
        View { state: Some(state) }
    }

    /// Per-unit values of `rules` (each over its own period) over one
    /// source, for the units `within` (all when `None`).
    pub fn aggregate(
        &self,
        source: Source,
        rules: &[(&Rule, Span)],
        within: Option<&[UnitId]>,
    ) -> PerUnit {
        match self.state {
            Some(state) => aggregate(state, source, rules, within),
            None => PerUnit::new(),
        }
    }

    /// The cases of the units `within` (all when `None`), each with its
    /// unit, without copying them.
    pub fn cases(&self, within: Option<&[UnitId]>) -> Vec<&(UnitId, CaseRecord)> {
        let all: &[(UnitId, CaseRecord)] = self.state.map_or(&[], |s| s.cases.as_slice());
        match within {
            None => all.iter().collect(),
            Some(units) => {
                let set: HashSet<&UnitId> = units.iter().collect();
                all.iter().filter(|(u, _)| set.contains(u)).collect()
            }
        }
    }
}

async fn load_cases(state: &mut State, ex: &mut impl AsExec) -> Result<(), ReportError> {
    for source in [
        Source::Asset,
        Source::Monitoring,
        Source::Target,
        Source::Sanction,
    ] {
        state.tables.remove(&source);
        load_source(state, ex, source).await?;
    }
    state.cases = stats::cases_by_unit(ex, None, None).await?;
    Ok(())
}

/// Every row of a source, as the database sends them, a chunk at a time:
/// the driver never holds them all.
async fn load_source(
    state: &mut State,
    ex: &mut impl AsExec,
    source: Source,
) -> Result<(), ReportError> {
    stats::fact_stream(ex, source, |rows| state.upsert(source, rows)).await?;
    Ok(())
}

/// The whole model, read from the database. The head is read first, so
/// that a change committed while loading is read again at the next refresh.
async fn load(ex: &mut impl AsExec) -> Result<State, ReportError> {
    let head = stats::data_version(&mut *ex).await?;
    let mut state = State {
        seq: head,
        ..State::default()
    };
    for source in [
        Source::Letter,
        Source::Matter,
        Source::Session,
        Source::Visit,
    ] {
        load_source(&mut state, &mut *ex, source).await?;
    }
    load_cases(&mut state, ex).await?;
    for t in state.tables.values_mut() {
        t.shrink();
    }
    state.cases.shrink_to_fit();
    Ok(state)
}

async fn refresh(state: &mut State, ex: &mut impl AsExec) -> Result<i64, ReportError> {
    let head = stats::data_version(&mut *ex).await?;
    if head <= state.seq && state.gaps.is_empty() {
        return Ok(state.seq);
    }
    let mut changes = stats::changes(&mut *ex, state.seq, head).await?;
    let waiting: Vec<i64> = state.gaps.iter().map(|g| g.0).collect();
    if !waiting.is_empty() {
        changes.extend(stats::changes_at(&mut *ex, &waiting).await?);
    }
    // Positions not in the feed yet: a transaction still open, or one
    // rolled back (PostgreSQL sequences do not roll back).
    let seen: HashSet<i64> = changes.iter().map(|c| c.0).collect();
    let now = Instant::now();
    state
        .gaps
        .retain(|(s, since)| !seen.contains(s) && now.duration_since(*since) < GAP_PATIENCE);
    for s in (state.seq + 1)..=head {
        if !seen.contains(&s) && state.gaps.len() < 100_000 {
            state.gaps.push((s, now));
        }
    }
    state.seq = state.seq.max(head);
    let mut ids: HashMap<&str, Vec<uuid::Uuid>> = HashMap::new();
    let mut cases = false;
    for (_, entity, id) in &changes {
        match entity.as_str() {
            "letter" | "matter" | "reception_session" => {
                if let Ok(u) = id.parse() {
                    ids.entry(entity.as_str()).or_default().push(u);
                }
            }
            "case" | "case_transfer" | "monitoring" | "sanction" | "person" | "organisation"
            | "party_link" => cases = true,
            "unit" => state.tree = None,
            _ => {}
        }
    }
    let list = |k: &str| ids.get(k).cloned().unwrap_or_default();
    let (letters, matters, sessions) = (list("letter"), list("matter"), list("reception_session"));
    let mut reload: Vec<(Source, Only<'_>)> = Vec::new();
    if !letters.is_empty() {
        reload.push((Source::Letter, Only::Ids(&letters)));
        reload.push((Source::Matter, Only::MattersOfLetters(&letters)));
    }
    if !matters.is_empty() {
        reload.push((Source::Matter, Only::Ids(&matters)));
        reload.push((Source::Letter, Only::LettersOfMatters(&matters)));
    }
    if !sessions.is_empty() {
        reload.push((Source::Session, Only::Ids(&sessions)));
        reload.push((Source::Visit, Only::VisitsOfSessions(&sessions)));
    }
    for (source, only) in reload {
        let rows = stats::fact_rows_keyed(&mut *ex, source, Some(only)).await?;
        state.upsert(source, rows);
    }
    if cases {
        load_cases(state, ex).await?;
    }
    Ok(state.seq)
}

/// Rows counted together: their keys fit in the cache.
const BLOCK: usize = 4096;

/// One core's counts: a vector of `nunits × rules` values, and the rules
/// each key makes true, evaluated the first time the key is met.
struct Tally<'a> {
    progs: &'a [Prog],
    sum_of: &'a [Option<usize>],
    sums: &'a [usize],
    acc: Vec<i64>,
    known: FastMap<u128, u32>,
    truths: Vec<Vec<u16>>,
}

impl<'a> Tally<'a> {
    fn new(
        progs: &'a [Prog],
        sum_of: &'a [Option<usize>],
        sums: &'a [usize],
        nunits: usize,
    ) -> Self {
        Tally {
            progs,
            sum_of,
            sums,
            acc: vec![0i64; nunits * progs.len()],
            known: FastMap::default(),
            truths: Vec::new(),
        }
    }

    /// Adds each row to the rules its key makes true, for its unit.
    fn add(&mut self, table: &Table, rows: &[u32], keys: &[u128]) {
        let n = self.progs.len();
        for (row, key) in rows.iter().zip(keys) {
            let (progs, truths) = (self.progs, &mut self.truths);
            let id = *self.known.entry(*key).or_insert_with(|| {
                let leaf = |i: usize| match (key >> (2 * i)) & 3 {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                };
                truths.push(
                    progs
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.eval(&leaf) == Some(true))
                        .map(|(r, _)| r as u16)
                        .collect(),
                );
                truths.len() as u32 - 1
            });
            let r = *row as usize;
            let base = table.unit[r] as usize * n;
            for &rule in &self.truths[id as usize] {
                let rule = rule as usize;
                let v = match self.sum_of[rule] {
                    Some(j) => {
                        let v = table.cols[self.sums[j]].get(r);
                        if v == NULL {
                            0
                        } else {
                            v
                        }
                    }
                    None => 1,
                };
                self.acc[base + rule] += v;
            }
        }
    }
}

fn aggregate(
    state: &State,
    source: Source,
    rules: &[(&Rule, Span)],
    within: Option<&[UnitId]>,
) -> PerUnit {
    let mut out = PerUnit::new();
    let Some(table) = state.tables.get(&source) else {
        return out;
    };
    // The rows counted: all, or those of the units asked for (in row order,
    // for the columns' sake).
    let rows: Vec<u32> = match within {
        None => (0..table.unit.len() as u32).collect(),
        Some(units) => {
            let mut v: Vec<u32> = units
                .iter()
                .filter_map(|u| state.unit_index.get(u))
                .filter_map(|i| table.by_unit.get(*i as usize))
                .flatten()
                .copied()
                .collect();
            v.sort_unstable();
            v
        }
    };
    // Rules in groups of at most 64 leaves (two bits each in a u128 key).
    let mut start = 0;
    while start < rules.len() {
        let mut leaves: Vec<(Cond, Span)> = Vec::new();
        let mut progs: Vec<Prog> = Vec::new();
        let mut end = start;
        while end < rules.len() {
            let (rule, span) = rules[end];
            let Rule::Facts { cond, .. } = rule else {
                progs.push(Prog::Not(Box::new(Prog::True)));
                end += 1;
                continue;
            };
            let mut trial = leaves.clone();
            let prog = cond.compile(&mut |leaf: &Cond| match trial
                .iter()
                .position(|(c, s)| c == leaf && *s == span)
            {
                Some(i) => i,
                None => {
                    trial.push((leaf.clone(), span));
                    trial.len() - 1
                }
            });
            if trial.len() > 64 && end > start {
                break;
            }
            assert!(
                trial.len() <= 64,
                "a rule with more than 64 leaf conditions"
            );
            leaves = trial;
            progs.push(prog);
            end += 1;
        }
        let resolved: Vec<Leaf> = leaves
            .iter()
            .map(|(c, s)| resolve(state, source, c, *s))
            .collect();
        // The columns summed, and where each rule's sum lives.
        let mut sums: Vec<usize> = Vec::new();
        let sum_of: Vec<Option<usize>> = rules[start..end]
            .iter()
            .map(|(r, _)| match r {
                Rule::Facts {
                    measure: Measure::Sum(c),
                    ..
                } => {
                    let col = source
                        .columns()
                        .iter()
                        .position(|x| x == c)
                        .expect("a column of the source");
                    Some(match sums.iter().position(|x| *x == col) {
                        Some(i) => i,
                        None => {
                            sums.push(col);
                            sums.len() - 1
                        }
                    })
                }
                _ => None,
            })
            .collect();
        // Each half of the rows on its own core, a block at a time: each
        // row's key, leaf by leaf (a tight loop per leaf over one column),
        // then each distinct key's rules evaluated once and each row added
        // to the rules its key makes true, for its unit. A block's keys stay
        // in the cache between the two (the keys of a million rows did not).
        let nrules = progs.len();
        let nunits = state.units.len();
        let half = rows.len().div_ceil(2).max(1);
        let parts: Vec<Vec<i64>> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(half)
                .map(|rs| {
                    let (progs, sum_of, sums, resolved) = (&progs, &sum_of, &sums, &resolved);
                    scope.spawn(move || {
                        let mut t = Tally::new(progs, sum_of, sums, nunits);
                        let mut keys = vec![0u128; BLOCK.min(rs.len())];
                        for block in rs.chunks(BLOCK) {
                            let keys = &mut keys[..block.len()];
                            keys.fill(0);
                            for (i, leaf) in resolved.iter().enumerate() {
                                leaf.mark(&table.cols[leaf.col], block, keys, 2 * i as u32);
                            }
                            t.add(table, block, keys);
                        }
                        t.acc
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("the counting thread does not panic"))
                .collect()
        });
        let mut acc = vec![0i64; nunits * nrules];
        for part in parts {
            for (a, v) in acc.iter_mut().zip(part) {
                *a += v;
            }
        }
        let width = rules.len();
        for u in 0..nunits {
            let cells = &acc[u * nrules..(u + 1) * nrules];
            if cells.iter().all(|v| *v == 0) {
                continue;
            }
            let row = out.entry(state.units[u]).or_insert_with(|| vec![0; width]);
            for (r, v) in cells.iter().enumerate() {
                row[start + r] += v;
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Ids;

    /// Every id finds its row, and no other id finds one, whether it waits
    /// among the recent ids or was merged into the sorted ones, and after a
    /// snapshot's rows are taken whole.
    #[test]
    fn ids_find_their_rows_before_and_after_merging() {
        let mut ids = Ids::default();
        let made: Vec<uuid::Uuid> = (0..50_000u128)
            .map(|i| {
                uuid::Uuid::from_u128(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
            })
            .collect();
        for (n, id) in made.iter().enumerate() {
            assert_eq!(ids.push(*id), n as u32);
            if n % 1000 == 999 {
                ids.settle();
            }
        }
        assert!(!ids.sorted.is_empty(), "merged on the way");
        assert!(!ids.recent.is_empty(), "some still recent");
        for (n, id) in made.iter().enumerate() {
            assert_eq!(ids.get(id), Some(n as u32), "row {n}");
        }
        let absent = uuid::Uuid::from_u128(7);
        assert!(!made.contains(&absent));
        assert_eq!(ids.get(&absent), None);
        assert!(ids
            .sorted
            .windows(2)
            .all(|w| { ids.by_row[w[0] as usize] < ids.by_row[w[1] as usize] }));
        let whole = Ids::from_rows(made.clone());
        for (n, id) in made.iter().enumerate() {
            assert_eq!(whole.get(id), Some(n as u32));
        }
        assert_eq!(whole.get(&absent), None);
    }
}
