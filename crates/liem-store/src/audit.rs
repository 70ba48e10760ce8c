//! The audit trail: an append-only, hash-chained log written in the same
//! transaction as the change it records.
//!
//! Record n stores `hash_n = SHA-256(prev_hash ‖ fields of n)` with
//! `prev_hash = hash_{n-1}`; a one-row head holds the last sequence number and
//! hash. Appending locks the head row, which orders concurrent writers. An
//! edited row breaks its own hash, a deleted or reordered row breaks the
//! chain, and a deleted tail no longer matches the head.

use crate::db::{query, AsExec};
use crate::{now, Result, Tx};
use liem_domain::ids::{UnitId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record must carry.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
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
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(h.finalize())
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

/// Appends a record for a mutation or a read of sealed data.
pub async fn append(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let head = query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(tx)
        .await?;
    let mut rec = AuditRecord {
        seq: head.i64("seq")?,
        at: now(),
        actor_id: actor.user.map(|u| u.0),
        actor_unit_id: actor.unit.map(|u| u.0),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: entity_id.to_owned(),
        source: actor.source.clone(),
        detail: detail.to_string(),
        prev_hash: head.text("hash")?,
        hash: String::new(),
    };
    rec.hash = rec.compute_hash();
    query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_unit_id, action, entity, entity_id, source, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(rec.seq)
    .bind(rec.at)
    .bind(rec.actor_id)
    .bind(rec.actor_unit_id)
    .bind(rec.action.as_str())
    .bind(rec.entity.as_str())
    .bind(rec.entity_id.as_str())
    .bind(rec.source.as_str())
    .bind(rec.detail.as_str())
    .bind(rec.prev_hash.as_str())
    .bind(rec.hash.as_str())
    .execute(tx)
    .await?;
    query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(rec.hash)
        .execute(tx)
        .await?;
    Ok(())
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
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The first bad record's sequence number (or the expected one, when a
    /// record is missing).
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// The result of a full verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Records checked.
    pub records: i64,
    /// The first break, if any.
    pub first_break: Option<Break>,
}

/// Walks the whole chain and reports the first break.
pub async fn verify(ex: &mut impl AsExec) -> Result<Verification> {
    let head = query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(ex)
        .await?;
    let (head_seq, head_hash) = (head.i64("seq")?, head.text("hash")?);
    let mut expected_seq = 1;
    let mut prev_hash = "0".repeat(64);
    let mut records = 0;
    let page = 5000;
    loop {
        let rows = query(
            "SELECT seq, at, actor_id, actor_unit_id, action, entity, entity_id, source, detail, prev_hash, hash \
             FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected_seq)
        .bind(page)
        .fetch_all(ex)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let rec = record_from(row)?;
            records += 1;
            let fail = |reason: &str| Verification {
                records,
                first_break: Some(Break {
                    seq: expected_seq,
                    reason: reason.to_owned(),
                }),
            };
            if rec.seq != expected_seq {
                return Ok(fail(&format!(
                    "record {expected_seq} is missing (next is {})",
                    rec.seq
                )));
            }
            if rec.prev_hash != prev_hash {
                return Ok(fail(
                    "previous-hash link does not match the record before it",
                ));
            }
            if rec.compute_hash() != rec.hash {
                return Ok(fail("contents do not match the record's hash (edited)"));
            }
            prev_hash = rec.hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    if last != head_seq || (head_seq > 0 && prev_hash != head_hash) {
        return Ok(Verification {
            records,
            first_break: Some(Break {
                seq: last + 1,
                reason: format!("the chain ends at {last} but the head records {head_seq} (records deleted at the end)"),
            }),
        });
    }
    Ok(Verification {
        records,
        first_break: None,
    })
}

/// The audit records about one entity, oldest first.
pub async fn for_entity(
    ex: &mut impl AsExec,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRecord>> {
    query(
        "SELECT seq, at, actor_id, actor_unit_id, action, entity, entity_id, source, detail, prev_hash, hash \
         FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq",
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(record_from)
    .collect()
}
