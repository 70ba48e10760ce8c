//! The statistics model on disk, so that a restart (or `liem report`)
//! serves figures at once instead of reading every fact row again.
//!
//! A snapshot holds the model's tables column by column (each in its
//! narrow type), its units and codes, the cases, and the change-feed
//! position it reflects; it is checksummed (SHA-256 over all of it) and
//! versioned, and it names the database it was taken from: the first audit
//! record's hash (which differs between any two databases) and the
//! change-feed entry at its position (which differs when the database was
//! restored to an earlier point and went on elsewhere). A snapshot that
//! does not match in every respect is ignored and the model is read from
//! the database, as without one. Taken from a snapshot, the model then
//! catches up from the feed like any refresh: the rows changed since are
//! read again.
//!
//! Layout, little-endian: magic `LIEMSNAP`, format version (u32), layout
//! hash of the sources and columns (u64), position (i64), the two database
//! marks (strings), the body, then the SHA-256 of everything before it.

use crate::column::Column;
use crate::model::{Dict, State, Table};
use crate::ReportError;
use liem_domain::ids::UnitId;
use liem_domain::stats::Source;
use liem_store::db::{query, AsExec};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const MAGIC: &[u8; 8] = b"LIEMSNAP";
const FORMAT: u32 = 1;

/// What names the database a snapshot was taken from, at its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marks {
    genesis: String,
    at_position: String,
}

/// The marks of the database at `position`.
pub(crate) async fn marks(ex: &mut impl AsExec, position: i64) -> Result<Marks, ReportError> {
    let genesis = query("SELECT hash FROM audit_log WHERE seq = 1")
        .fetch_optional(&mut *ex)
        .await?
        .map(|r| r.text("hash"))
        .transpose()?
        .unwrap_or_default();
    let at_position = query(
        "SELECT seq, entity, entity_id, op FROM outbox WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(position)
    .fetch_optional(&mut *ex)
    .await?
    .map(|r| -> Result<String, liem_store::StoreError> {
        Ok(format!(
            "{} {} {} {}",
            r.i64("seq")?,
            r.text("entity")?,
            r.text("entity_id")?,
            r.text("op")?
        ))
    })
    .transpose()?
    .unwrap_or_default();
    Ok(Marks {
        genesis,
        at_position,
    })
}

/// A hash of the sources' columns and types: a snapshot of another layout
/// (a column added, renamed, retyped) is not read.
fn layout() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in Source::ALL {
        for c in s.columns() {
            for b in format!("{s:?}.{c:?}.{}:{:?};", c.name(), c.ty()).bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

/// The position a snapshot of `state` may claim: below the first position
/// still awaited (a transaction that may yet commit), all is in.
pub(crate) fn settled(state: &State) -> i64 {
    state
        .gaps
        .iter()
        .map(|g| g.0 - 1)
        .min()
        .unwrap_or(state.seq)
        .min(state.seq)
}

/// Where a snapshot is written: a buffer, passed on to its file (and its
/// hash) after each large part, so that the snapshot is never held whole.
struct Out {
    buf: Vec<u8>,
    sink: Option<Sink>,
}

/// The file a snapshot streams to, hashed as it goes.
struct Sink {
    w: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
    err: Option<std::io::Error>,
}

impl Out {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    /// Passes what is buffered on to the file (a buffer without a file
    /// keeps it).
    fn spill(&mut self) {
        use std::io::Write as _;
        let Some(s) = self.sink.as_mut() else {
            return;
        };
        if s.err.is_none() {
            s.hasher.update(&self.buf);
            if let Err(e) = s.w.write_all(&self.buf) {
                s.err = Some(e);
            }
        }
        self.buf.clear();
    }
}

/// Writes the snapshot of `state` at `position`, marked with `marks`,
/// before its checksum.
fn encode_into(o: &mut Out, state: &State, position: i64, marks: &Marks) {
    o.buf.extend_from_slice(MAGIC);
    o.u32(FORMAT);
    o.u64(layout());
    o.i64(position);
    o.str(&marks.genesis);
    o.str(&marks.at_position);
    o.len(state.units.len());
    for u in &state.units {
        o.buf.extend_from_slice(u.0.as_bytes());
    }
    let mut dicts: Vec<(String, &Dict)> = state
        .dicts
        .iter()
        .map(|(c, d)| (format!("{c:?}"), d))
        .collect();
    dicts.sort_by(|a, b| a.0.cmp(&b.0));
    o.len(dicts.len());
    for (name, d) in dicts {
        o.str(&name);
        o.len(d.ids.len());
        for (code, id) in &d.ids {
            o.str(code);
            o.i64(*id);
        }
    }
    o.len(state.tables.len());
    for (source, t) in &state.tables {
        let at = Source::ALL
            .iter()
            .position(|s| s == source)
            .expect("a source");
        o.u8(at as u8);
        o.len(t.ids.by_row.len());
        for id in &t.ids.by_row {
            o.buf.extend_from_slice(id.as_bytes());
            if o.buf.len() >= 1 << 20 {
                o.spill();
            }
        }
        o.spill();
        for u in &t.unit {
            o.u32(*u);
        }
        o.spill();
        o.len(t.cols.len());
        for c in &t.cols {
            o.u8(c.width() as u8);
            c.put(&mut o.buf);
            o.spill();
        }
    }
    o.bytes(&serde_json::to_vec(&state.cases).expect("cases serialise"));
    o.spill();
}

/// Writes the snapshot to a file beside `path`, streamed and hashed as it
/// goes, its checksum last; [`finish`] syncs it and puts it in place. The
/// file and its temporary path.
pub(crate) fn write_body(
    path: &std::path::Path,
    state: &State,
    position: i64,
    marks: &Marks,
) -> std::io::Result<(std::fs::File, std::path::PathBuf)> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    // Counts by unit and code, and the cases' figures: the owner's only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open.open(&tmp)?;
    let mut o = Out {
        buf: Vec::with_capacity(1 << 20),
        sink: Some(Sink {
            w: std::io::BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            err: None,
        }),
    };
    encode_into(&mut o, state, position, marks);
    let Some(sink) = o.sink.take() else {
        unreachable!("made with a sink")
    };
    if let Some(e) = sink.err {
        return Err(e);
    }
    let mut w = sink.w;
    w.write_all(&sink.hasher.finalize())?;
    let file = w.into_inner().map_err(|e| e.into_error())?;
    Ok((file, tmp))
}

/// A snapshot read as it streams from its file, hashed as it goes: the
/// model is decoded without the file ever held whole beside it.
pub struct Reader {
    r: std::io::BufReader<std::fs::File>,
    hasher: Sha256,
    /// Bytes of the body not read yet (the checksum after them).
    left: u64,
}

impl Reader {
    fn fill(&mut self, buf: &mut [u8]) -> Option<()> {
        use std::io::Read as _;
        if buf.len() as u64 > self.left {
            return None;
        }
        self.r.read_exact(buf).ok()?;
        self.hasher.update(&*buf);
        self.left -= buf.len() as u64;
        Some(())
    }
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        if n as u64 > self.left {
            return None;
        }
        let mut v = vec![0; n];
        self.fill(&mut v)?;
        Some(v)
    }
    fn arr<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut a = [0u8; N];
        self.fill(&mut a)?;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.arr::<1>().map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.arr().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.arr().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.arr().map(i64::from_le_bytes)
    }
    fn len(&mut self) -> Option<usize> {
        let n = self.u64()?;
        // No count can exceed the bytes left (each item takes one at least).
        if n > self.left {
            return None;
        }
        usize::try_from(n).ok()
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.len()?;
        self.take(n)
    }
    fn str(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?).ok()
    }
    fn uuid(&mut self) -> Option<uuid::Uuid> {
        self.arr().map(uuid::Uuid::from_bytes)
    }
    /// Whether the body was read to its end and its checksum matches.
    fn sound(mut self) -> bool {
        use std::io::Read as _;
        let mut sum = [0u8; 32];
        self.left == 0
            && self.r.read_exact(&mut sum).is_ok()
            && self.r.read(&mut [0u8; 1]).ok() == Some(0)
            && self.hasher.finalize().as_slice() == sum
    }
    /// Reads the rest and says whether the whole is sound.
    pub(crate) fn check_rest(mut self) -> bool {
        let mut buf = vec![0u8; 1 << 16];
        while self.left > 0 {
            let n = buf.len().min(self.left as usize);
            if self.fill(&mut buf[..n]).is_none() {
                return false;
            }
        }
        self.sound()
    }
}

/// Why a snapshot was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not a snapshot, cut short, or its checksum does not match.
    Damaged,
    /// Another format or another layout of the sources.
    OtherVersion,
    /// Taken from another database, or from this one before it was
    /// restored to an earlier point.
    OtherDatabase,
}

/// Opens a snapshot and reads its header: the position and marks it
/// claims, and the reader at its body. The checksum is known only once the
/// body is read ([`decode`], [`Reader::check_rest`]).
pub(crate) fn open(
    path: &std::path::Path,
) -> std::io::Result<Result<(i64, Marks, Reader), Refused>> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let Some(left) = size.checked_sub(32) else {
        return Ok(Err(Refused::Damaged));
    };
    let mut i = Reader {
        r: std::io::BufReader::with_capacity(1 << 16, file),
        hasher: Sha256::new(),
        left,
    };
    if i.arr::<8>().as_ref() != Some(MAGIC) {
        return Ok(Err(Refused::Damaged));
    }
    if i.u32() != Some(FORMAT) || i.u64() != Some(layout()) {
        return Ok(Err(Refused::OtherVersion));
    }
    let head = (|| Some((i.i64()?, i.str()?, i.str()?)))();
    let Some((position, genesis, at_position)) = head else {
        return Ok(Err(Refused::Damaged));
    };
    Ok(Ok((
        position,
        Marks {
            genesis,
            at_position,
        },
        i,
    )))
}

/// The model a snapshot's body holds, if the body is whole and its
/// checksum matches.
pub(crate) fn decode(mut i: Reader, position: i64) -> Result<State, Refused> {
    let state = read_state(&mut i, position).ok_or(Refused::Damaged)?;
    if i.sound() {
        Ok(state)
    } else {
        Err(Refused::Damaged)
    }
}

fn read_state(i: &mut Reader, position: i64) -> Option<State> {
    let mut state = State {
        seq: position,
        ..State::default()
    };
    for n in 0..i.len()? {
        let u = UnitId(i.uuid()?);
        state.units.push(u);
        state.unit_index.insert(u, u32::try_from(n).ok()?);
    }
    let by_name: HashMap<String, liem_domain::stats::Col> = Source::ALL
        .iter()
        .flat_map(|s| s.columns().iter().map(|c| (format!("{c:?}"), *c)))
        .collect();
    for _ in 0..i.len()? {
        let col = *by_name.get(&i.str()?)?;
        let mut d = Dict::default();
        for _ in 0..i.len()? {
            let code = i.str()?;
            d.ids.insert(code, i.i64()?);
        }
        state.dicts.insert(col, d);
    }
    for _ in 0..i.len()? {
        let source = *Source::ALL.get(usize::from(i.u8()?))?;
        let rows = i.len()?;
        u32::try_from(rows).ok()?;
        let mut t = Table::default();
        let mut ids = Vec::with_capacity(rows);
        for _ in 0..rows {
            ids.push(i.uuid()?);
        }
        t.ids = crate::model::Ids::from_rows(ids);
        for r in 0..rows {
            let u = i.u32()?;
            if u as usize >= state.units.len() {
                return None;
            }
            t.unit.push(u);
            t.file(u, r as u32);
        }
        let ncols = i.len()?;
        if ncols != source.columns().len() {
            return None;
        }
        for _ in 0..ncols {
            let width = usize::from(i.u8()?);
            let bytes = i.take(rows.checked_mul(width)?)?;
            t.cols.push(Column::from_bytes(width, &bytes)?);
        }
        t.shrink();
        state.tables.insert(source, t);
    }
    state.cases = serde_json::from_slice(&i.bytes()?).ok()?;
    (i.left == 0).then_some(state)
}

/// Syncs a snapshot [`write_body`] wrote and renames it over `path`: a
/// crash leaves the old snapshot or the new, never half of one.
pub(crate) fn finish(
    file: std::fs::File,
    tmp: &std::path::Path,
    path: &std::path::Path,
) -> std::io::Result<()> {
    file.sync_all()?;
    drop(file);
    std::fs::rename(tmp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
