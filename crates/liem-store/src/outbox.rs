//! The change feed: every committed mutation appends an entry in the same
//! transaction. The search index, duplicate detection and notifications
//! consume it and can be rebuilt from it.

use crate::db::{query, AsExec};
use crate::{now, Result, Tx};
use serde::Serialize;

/// A change waiting for its transaction's commit.
pub(crate) struct PendingChange {
    at: jiff::Timestamp,
    entity: String,
    entity_id: String,
    op: String,
    payload: String,
}

/// Appends one change. `payload` carries ids and codes, never personal data.
/// The entry is written when the transaction commits, with the
/// transaction's other entries in one statement, in the order appended.
pub async fn append(
    tx: &mut Tx,
    entity: &str,
    entity_id: &str,
    op: &str,
    payload: serde_json::Value,
) -> Result<()> {
    tx.changes.push(PendingChange {
        at: now(),
        entity: entity.to_owned(),
        entity_id: entity_id.to_owned(),
        op: op.to_owned(),
        payload: payload.to_string(),
    });
    Ok(())
}

/// Writes the transaction's changes (at commit).
pub(crate) async fn flush(tx: &mut Tx) -> Result<()> {
    let changes = std::mem::take(&mut tx.changes);
    for chunk in changes.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let mut q = query(format!(
            "INSERT INTO outbox (at, entity, entity_id, op, payload) VALUES {}",
            values.join(", ")
        ));
        for c in chunk {
            q = q
                .bind(c.at)
                .bind(c.entity.as_str())
                .bind(c.entity_id.as_str())
                .bind(c.op.as_str())
                .bind(c.payload.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// One change-feed entry.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Position in the feed.
    pub seq: i64,
    /// Kind of record.
    pub entity: String,
    /// Which record.
    pub entity_id: String,
    /// `create`, `update`, …
    pub op: String,
    /// JSON payload.
    pub payload: String,
}

/// The entries after `after`, oldest first, at most `limit`.
pub async fn since(ex: &mut impl AsExec, after: i64, limit: i64) -> Result<Vec<Change>> {
    query("SELECT seq, entity, entity_id, op, payload FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(Change {
                seq: r.i64("seq")?,
                entity: r.text("entity")?,
                entity_id: r.text("entity_id")?,
                op: r.text("op")?,
                payload: r.text("payload")?,
            })
        })
        .collect()
}
