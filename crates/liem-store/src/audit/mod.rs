//! The audit trail: an append-only chain of records, each written in the
//! same transaction as the change it records, that nobody holding only the
//! database can extend or rewrite.
//!
//! Record n stores `hash_n = HMAC-SHA256(k, prev_hash ‖ fields of n ‖ state)`
//! with `prev_hash = hash_{n-1}`, where `k` is derived from the instance key
//! and never stored in the database: a row written with `sqlite3` or `psql`
//! cannot carry a valid hash. A one-row head holds the last sequence number
//! and hash; the records of a transaction are appended at its commit, the
//! head locked only for that append, which orders concurrent writers.
//!
//! What the database alone cannot show — that its tail was cut and the head
//! moved back, or the table emptied — checkpoints show: the head, signed with
//! Ed25519 by a second key derived from the instance key, and kept outside
//! the database ([`checkpoint`]). And each record carries the digest of the
//! state of every register record its transaction changed ([`state`]), so
//! that a letter or a case edited directly in the database is named.

pub mod checkpoint;
pub mod state;

use crate::db::{query, values_rows, AsExec, Dialect, Value};
use crate::{now, Result, Tx};
use checkpoint::Checkpoint;
use hmac::{Hmac, Mac};
use liem_domain::ids::{UnitId, UserId};
use serde::Serialize;
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The secrets of the trail, derived from the instance key: the key that
/// extends the chain and the key that signs checkpoints.
#[derive(Clone)]
pub struct AuditKeys {
    mac: [u8; 32],
    signing: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKeys(public {})", self.public_key_hex())
    }
}

impl AuditKeys {
    /// Derives both keys from the instance key (HKDF-SHA256, one label each).
    pub fn derive(instance_key: &[u8]) -> AuditKeys {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"liem audit trail"), instance_key);
        let mut mac = [0u8; 32];
        let mut seed = [0u8; 32];
        hk.expand(b"chain hmac v1", &mut mac)
            .expect("32 bytes is a valid length");
        hk.expand(b"checkpoint ed25519 v1", &mut seed)
            .expect("32 bytes is a valid length");
        AuditKeys {
            mac,
            signing: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// The checkpoint key's public half, hex: what a witness checks
    /// signatures with.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().to_bytes())
    }

    /// Signs the head `(seq, head)` now.
    pub fn sign(&self, seq: i64, head: &str) -> Checkpoint {
        Checkpoint::sign(self, seq, head, now())
    }
}

/// The chain's keys and what is needed to read the registers' state.
pub struct Chain {
    keys: AuditKeys,
    dialect: Dialect,
    /// Per register table, the SQLite expression reading a row as text.
    columns: Mutex<HashMap<&'static str, String>>,
    /// The head as this node last committed it (PostgreSQL).
    head: Mutex<Option<(i64, String)>>,
    /// Appends made from that head, and those that found it moved.
    from_known: AtomicU64,
    moved: AtomicU64,
}

impl Chain {
    /// A chain over a database of `dialect`.
    pub(crate) fn new(keys: AuditKeys, dialect: Dialect) -> Chain {
        Chain {
            keys,
            dialect,
            columns: Mutex::new(HashMap::new()),
            head: Mutex::new(None),
            from_known: AtomicU64::new(0),
            moved: AtomicU64::new(0),
        }
    }

    /// Appends that went from the head this node last committed, in one
    /// statement, and those that found it moved and read it again.
    pub fn appends_from_known_head(&self) -> (u64, u64) {
        (
            self.from_known.load(Ordering::Relaxed),
            self.moved.load(Ordering::Relaxed),
        )
    }

    /// The head as this node last committed it, if it committed one.
    fn last_head(&self) -> Option<(i64, String)> {
        self.head.lock().expect("not poisoned").clone()
    }

    /// A head committed (kept when it is the newest this node knows).
    pub(crate) fn remember_head(&self, head: (i64, String)) {
        let mut h = self.head.lock().expect("not poisoned");
        if h.as_ref().is_none_or(|(seq, _)| head.0 > *seq) {
            *h = Some(head);
        }
    }

    /// The keys.
    pub fn keys(&self) -> &AuditKeys {
        &self.keys
    }

    /// Drops the tables' column lists (after a migration).
    pub(crate) fn forget_columns(&self) {
        self.columns.lock().expect("not poisoned").clear();
    }
}

/// A record gathered in a transaction, appended at its commit.
pub struct Pending {
    at: jiff::Timestamp,
    actor_id: Option<uuid::Uuid>,
    actor_unit_id: Option<uuid::Uuid>,
    action: String,
    entity: String,
    entity_id: String,
    source: String,
    detail: String,
    /// Other register records the change touched (the record's own entity
    /// is always attested).
    touched: BTreeSet<(String, String)>,
}

impl Pending {
    /// The register records whose state this record attests: its own, and
    /// those its transaction touched.
    fn attests(&self) -> impl Iterator<Item = (String, String)> + '_ {
        std::iter::once((self.entity.clone(), self.entity_id.clone()))
            .chain(self.touched.iter().cloned())
    }
}

/// Who acts, in which unit, from where — the context of every mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user, or `None` for the system itself.
    pub user: Option<UserId>,
    /// The user's unit.
    pub unit: Option<UnitId>,
    /// Where the request came from: `api 192.0.2.1`, `cli`, `demo`.
    pub source: String,
}

impl Actor {
    /// The system acting on its own (migrations, the command line).
    pub fn system(source: &str) -> Actor {
        Actor {
            user: None,
            unit: None,
            source: source.to_owned(),
        }
    }
}

/// One audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: jiff::Timestamp,
    /// Who.
    pub actor_id: Option<uuid::Uuid>,
    /// In which unit.
    pub actor_unit_id: Option<uuid::Uuid>,
    /// What, e.g. `letter.create`, `identity.unseal`.
    pub action: String,
    /// On what kind of record.
    pub entity: String,
    /// Which record.
    pub entity_id: String,
    /// From where.
    pub source: String,
    /// Details as JSON; never personal data.
    pub detail: String,
    /// The digests of the register records the change left, as a JSON
    /// object `{"entity:id": digest}`; empty when it changed none.
    pub state: String,
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record must carry under `keys`.
    pub fn compute_hash(&self, keys: &AuditKeys) -> String {
        let mut h = <Hmac<Sha256> as Mac>::new_from_slice(&keys.mac).expect("any key length");
        let uuid_text = |u: Option<uuid::Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        for part in [
            self.prev_hash.as_str(),
            &self.seq.to_string(),
            &self.at.as_microsecond().to_string(),
            &uuid_text(self.actor_id),
            &uuid_text(self.actor_unit_id),
            &self.action,
            &self.entity,
            &self.entity_id,
            &self.source,
            &self.detail,
            &self.state,
        ] {
            h.update(part.as_bytes());
            h.update(&[0x1f]);
        }
        hex::encode(h.finalize().into_bytes())
    }
}

/// Records a change: its audit record and its change-feed entry (the
/// action as the entry's operation), in the caller's transaction.
pub async fn record_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<()> {
    append(tx, actor, action, entity, entity_id, detail.clone()).await?;
    crate::outbox::append(tx, entity, entity_id, action, detail).await
}

/// Records a mutation or a read of sealed data; the record joins the chain
/// when the transaction commits.
pub async fn append(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<()> {
    tx.pending.push(Pending {
        at: now(),
        actor_id: actor.user.map(|u| u.0),
        actor_unit_id: actor.unit.map(|u| u.0),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: entity_id.to_owned(),
        source: actor.source.clone(),
        detail: detail.to_string(),
        touched: BTreeSet::new(),
    });
    Ok(())
}

/// Says that the transaction also changed a register record its audit
/// records do not name (a matter's action that updates its letters' figures,
/// a recomputed due date), so that the record's new state is attested too,
/// by the transaction's last audit record.
pub fn touch(tx: &mut Tx, entity: &str, entity_id: &str) {
    tx.touched.insert((entity.to_owned(), entity_id.to_owned()));
}

const COLS: &str =
    "seq, at, actor_id, actor_unit_id, action, entity, entity_id, source, detail, state, prev_hash, hash";

/// Audit records written in one statement at most (12 values each).
const CHUNK: usize = 100;

/// Writes the transaction's change-feed entries and appends its records to
/// the chain (at commit). The head is locked from its update to the commit;
/// on PostgreSQL, where each statement is a round trip, the entries, the
/// records and the head's new hash go in one statement when they fit one.
pub(crate) async fn flush(tx: &mut Tx) -> Result<()> {
    let changes = std::mem::take(&mut tx.changes);
    if tx.pending.is_empty() {
        return crate::outbox::write(tx, &changes).await;
    }
    let mut pending = std::mem::take(&mut tx.pending);
    if let Some(last) = pending.last_mut() {
        last.touched.append(&mut tx.touched);
    }
    let chain = tx.chain.clone();
    // The change feed, the records and the head's move in one statement
    // (PostgreSQL: data-modifying `WITH` parts) or one run of statements
    // (SQLite: one hand-over to the connection's thread).
    let sqlite = tx.dialect() == Dialect::Sqlite;
    let fuse = pending.len() <= CHUNK && changes.len() <= crate::outbox::CHUNK;
    if !fuse {
        crate::outbox::write(tx, &changes).await?;
    }
    // The state each changed register record is left in.
    let keys: Vec<(String, String)> = pending
        .iter()
        .flat_map(|p| p.attests())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Records created whole while capturing are digested from the rows
    // written; the others are read.
    let vouched = std::mem::take(&mut tx.vouched);
    let captured = tx.captured.take().unwrap_or_default();
    let mut digests: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    let mut unread = Vec::with_capacity(keys.len());
    for key in keys {
        match captured.get(&key) {
            Some(rows) if vouched.contains(&key) => {
                let d = state::digest_of_rows(&key.0, rows);
                digests.insert(key, d);
            }
            _ => unread.push(key),
        }
    }
    #[cfg(debug_assertions)]
    {
        // The claim checked: what a read finds is what was computed.
        let known: Vec<(String, String)> = digests.keys().cloned().collect();
        let read = state::digests(&chain, tx, &known).await?;
        for (key, r) in known.iter().zip(read) {
            assert_eq!(
                digests[key], r,
                "the state of {key:?} computed from the rows written differs from its read"
            );
        }
    }
    let found = state::digests(&chain, tx, &unread).await?;
    digests.extend(unread.into_iter().zip(found));
    let n = pending.len() as i64;
    // On PostgreSQL the head this node last committed is tried first: the
    // append and the head's move in one statement, which does nothing when
    // the head has moved since (another transaction or node appended; it
    // then waits for that one's commit, as the head's lock makes it).
    if fuse {
        if let Some((seq, hash)) = chain.last_head() {
            let records = sealed(&chain, &pending, &digests, seq + 1, hash.clone());
            let last = records.last().map(|r| (r.seq, r.hash.clone()));
            if let Some(head) = last {
                let mut values: Vec<Value> = vec![
                    head.0.into(),
                    head.1.clone().into(),
                    seq.into(),
                    hash.into(),
                ];
                let (audit_rows, audit_values) = audit_rows(&records, values.len() + 1);
                values.extend(audit_values);
                let change_rows = crate::outbox::rows_after(&changes, &mut values);
                let outbox = crate::outbox::INSERT.trim_end().trim_end_matches("VALUES");
                let sql = if sqlite {
                    // Each part written only when the head was this one.
                    let moved = "WHERE EXISTS (SELECT 1 FROM audit_head \
                                 WHERE id = 1 AND seq = $1 AND hash = $2)";
                    let mut sql = String::from(
                        "UPDATE audit_head SET seq = $1, hash = $2 \
                         WHERE id = 1 AND seq = $3 AND hash = $4;\n",
                    );
                    if let Some(rows) = change_rows {
                        sql.push_str(&format!(
                            "{outbox} SELECT * FROM (VALUES {rows}) {moved};\n"
                        ));
                    }
                    sql.push_str(&format!(
                        "INSERT INTO audit_log ({COLS}) SELECT * FROM (VALUES {audit_rows}) {moved};\n\
                         SELECT COUNT(*) AS n FROM audit_head WHERE id = 1 AND seq = $1 AND hash = $2"
                    ));
                    sql
                } else {
                    let mut sql = String::from(
                        "WITH h AS (UPDATE audit_head SET seq = $1, hash = $2 \
                         WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING seq), ",
                    );
                    if let Some(rows) = change_rows {
                        sql.push_str(&format!(
                            "o AS ({outbox} SELECT * FROM (VALUES {rows}) v WHERE EXISTS (SELECT 1 FROM h)), "
                        ));
                    }
                    sql.push_str(&format!(
                        "a AS (INSERT INTO audit_log ({COLS}) SELECT * FROM (VALUES {audit_rows}) v \
                         WHERE EXISTS (SELECT 1 FROM h)) SELECT COUNT(*) AS n FROM h"
                    ));
                    sql
                };
                let applied = query(sql)
                    .bind_all(values)
                    .fetch_one(&mut *tx)
                    .await?
                    .i64("n")?;
                if applied == 1 {
                    chain.from_known.fetch_add(1, Ordering::Relaxed);
                    tx.head_after = Some(head);
                    return Ok(());
                }
                chain.moved.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let head = query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut *tx)
        .await?;
    let first = head.i64("seq")? - n + 1;
    let from = head.text("hash")?;
    let records = sealed(&chain, &pending, &digests, first, from.clone());
    let prev = records.last().map_or(from, |r| r.hash.clone());
    tx.head_after = records.last().map(|r| (r.seq, r.hash.clone()));
    if fuse {
        let (audit_rows, mut values) = audit_rows(&records, 1);
        let change_rows = crate::outbox::rows_after(&changes, &mut values);
        let mut sql = String::new();
        if sqlite {
            if let Some(rows) = change_rows {
                sql.push_str(&format!("{}{rows};\n", crate::outbox::INSERT));
            }
            sql.push_str(&format!(
                "INSERT INTO audit_log ({COLS}) VALUES {audit_rows};\n\
                 UPDATE audit_head SET hash = ${} WHERE id = 1",
                values.len() + 1
            ));
        } else {
            sql.push_str("WITH ");
            if let Some(rows) = change_rows {
                sql.push_str(&format!("o AS ({}{rows}), ", crate::outbox::INSERT));
            }
            sql.push_str(&format!(
                "a AS (INSERT INTO audit_log ({COLS}) VALUES {audit_rows}) \
                 UPDATE audit_head SET hash = ${} WHERE id = 1",
                values.len() + 1
            ));
        }
        values.push(prev.into());
        query(sql).bind_all(values).execute(tx).await?;
        return Ok(());
    }
    for chunk in records.chunks(CHUNK) {
        let (rows, values) = audit_rows(chunk, 1);
        query(format!("INSERT INTO audit_log ({COLS}) VALUES {rows}"))
            .bind_all(values)
            .execute(&mut *tx)
            .await?;
    }
    query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(prev)
        .execute(tx)
        .await?;
    Ok(())
}

/// The records of a transaction's changes, numbered from `first` and
/// chained from `prev`, each with the state digests of what it attests.
fn sealed(
    chain: &Chain,
    pending: &[Pending],
    digests: &BTreeMap<(String, String), Option<String>>,
    first: i64,
    mut prev: String,
) -> Vec<AuditRecord> {
    let mut records = Vec::with_capacity(pending.len());
    for (seq, p) in (first..).zip(pending) {
        let mut st = BTreeMap::new();
        for key in p.attests() {
            if let Some(Some(d)) = digests.get(&key) {
                st.insert(format!("{}:{}", key.0, key.1), d.clone());
            }
        }
        let mut rec = AuditRecord {
            seq,
            at: p.at,
            actor_id: p.actor_id,
            actor_unit_id: p.actor_unit_id,
            action: p.action.clone(),
            entity: p.entity.clone(),
            entity_id: p.entity_id.clone(),
            source: p.source.clone(),
            detail: p.detail.clone(),
            state: if st.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&st).expect("a map of strings")
            },
            prev_hash: prev,
            hash: String::new(),
        };
        rec.hash = rec.compute_hash(chain.keys());
        prev = rec.hash.clone();
        records.push(rec);
    }
    records
}

/// Records as the `VALUES` rows of an insert into `audit_log` ([`COLS`]),
/// numbered from `$first`, with their values.
fn audit_rows(records: &[AuditRecord], first: usize) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::with_capacity(records.len() * 12);
    for r in records {
        values.extend([
            r.seq.into(),
            r.at.into(),
            r.actor_id.into(),
            r.actor_unit_id.into(),
            r.action.as_str().into(),
            r.entity.as_str().into(),
            r.entity_id.as_str().into(),
            r.source.as_str().into(),
            r.detail.as_str().into(),
            r.state.as_str().into(),
            r.prev_hash.as_str().into(),
            r.hash.as_str().into(),
        ]);
    }
    (values_rows(records.len(), 12, first), values)
}

fn record_from(row: &crate::db::Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.i64("seq")?,
        at: row.timestamp("at")?,
        actor_id: row.opt_uuid("actor_id")?,
        actor_unit_id: row.opt_uuid("actor_unit_id")?,
        action: row.text("action")?,
        entity: row.text("entity")?,
        entity_id: row.text("entity_id")?,
        source: row.text("source")?,
        detail: row.text("detail")?,
        state: row.text("state")?,
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Break {
    /// The first bad record's sequence number (or the expected one, when a
    /// record is missing).
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// A checkpoint the database contradicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contradiction {
    /// The checkpoint, as printed.
    pub checkpoint: String,
    /// The first record that may differ from what the checkpoint attests
    /// (the one after the last checkpoint that still holds).
    pub from_record: i64,
    /// What the database holds instead.
    pub reason: String,
}

/// The result of a full verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    /// Records checked.
    pub records: i64,
    /// The first break, if any.
    pub first_break: Option<Break>,
    /// Checkpoints checked against the chain.
    pub checkpoints: usize,
    /// The first checkpoint the database contradicts, if any.
    pub contradiction: Option<Contradiction>,
    /// With `deep`: register records whose state no audit record explains.
    pub findings: Vec<state::Finding>,
}

impl Verification {
    /// Whether nothing is wrong.
    pub fn intact(&self) -> bool {
        self.first_break.is_none() && self.contradiction.is_none() && self.findings.is_empty()
    }
}

/// The chain's head now: its last sequence number and hash.
pub async fn head(ex: &mut impl AsExec) -> Result<(i64, String)> {
    let head = query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok((head.i64("seq")?, head.text("hash")?))
}

/// A checkpoint of the chain's head now, signed by `keys`.
pub async fn checkpoint(ex: &mut impl AsExec, keys: &AuditKeys) -> Result<Checkpoint> {
    let (seq, hash) = head(ex).await?;
    Ok(keys.sign(seq, &hash))
}

/// Walks the whole chain under `keys` and reports the first break; checks
/// each checkpoint against it (signed by these keys, attesting a record the
/// chain holds with the same hash); with `deep`, checks every register
/// record against the state the trail attests for it.
pub async fn verify(
    ex: &mut impl AsExec,
    chain: &Chain,
    checkpoints: &[Checkpoint],
    deep: bool,
) -> Result<Verification> {
    let keys = chain.keys();
    let (head_seq, head_hash) = head(ex).await?;
    let mut out = Verification {
        records: 0,
        first_break: None,
        checkpoints: checkpoints.len(),
        contradiction: None,
        findings: Vec::new(),
    };
    // The hashes at the checkpoints' positions, as the walk finds them.
    let wanted: BTreeSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
    let mut at_checkpoints: BTreeMap<i64, String> = BTreeMap::new();
    let mut expected_seq = 1;
    let mut prev_hash = "0".repeat(64);
    let page = 5000;
    'walk: loop {
        let rows = query(format!(
            "SELECT {COLS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
        ))
        .bind(expected_seq)
        .bind(page)
        .fetch_all(ex)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let rec = record_from(row)?;
            out.records += 1;
            let reason = if rec.seq != expected_seq {
                Some(format!(
                    "record {expected_seq} is missing (next is {})",
                    rec.seq
                ))
            } else if rec.prev_hash != prev_hash {
                Some("previous-hash link does not match the record before it".to_owned())
            } else if rec.compute_hash(keys) != rec.hash {
                Some(
                    "the record's hash is not one this instance's key makes (edited, or written outside Liêm)"
                        .to_owned(),
                )
            } else {
                None
            };
            if let Some(reason) = reason {
                out.first_break = Some(Break {
                    seq: expected_seq,
                    reason,
                });
                break 'walk;
            }
            if wanted.contains(&rec.seq) {
                at_checkpoints.insert(rec.seq, rec.hash.clone());
            }
            prev_hash = rec.hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    if out.first_break.is_none() && (last != head_seq || (head_seq > 0 && prev_hash != head_hash)) {
        out.first_break = Some(Break {
            seq: last + 1,
            reason: format!(
                "the chain ends at {last} but the head records {head_seq} (records deleted at the end)"
            ),
        });
    }
    // Checkpoints, oldest position first: the first one contradicted.
    let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| (c.seq, c.at));
    let mut holds_up_to = 0i64;
    let own_key = keys.public_key_hex();
    for c in sorted {
        let reason = if c.key != own_key {
            Some("it is signed by another key than this instance's".to_owned())
        } else if !c.signature_holds() {
            Some("its signature does not hold (the checkpoint was altered)".to_owned())
        } else if c.seq == 0 {
            None
        } else {
            match at_checkpoints.get(&c.seq) {
                Some(h) if *h == c.head => None,
                Some(_) => Some(format!(
                    "record {} has another hash than the checkpoint attests",
                    c.seq
                )),
                None if out.first_break.is_some() => Some(format!(
                    "the chain breaks at record {}, before the record {} the checkpoint attests",
                    last + 1,
                    c.seq
                )),
                None => Some(format!(
                    "the chain holds {last} records; the checkpoint attests record {}",
                    c.seq
                )),
            }
        };
        match reason {
            None => holds_up_to = holds_up_to.max(c.seq),
            Some(reason) => {
                out.contradiction = Some(Contradiction {
                    checkpoint: c.to_string(),
                    from_record: holds_up_to + 1,
                    reason,
                });
                break;
            }
        }
    }
    if deep {
        out.findings = state::deep_check(chain, ex).await?;
    }
    Ok(out)
}

/// The audit records about one entity, oldest first.
pub async fn for_entity(
    ex: &mut impl AsExec,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRecord>> {
    query(format!(
        "SELECT {COLS} FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq"
    ))
    .bind(entity)
    .bind(entity_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(record_from)
    .collect()
}
