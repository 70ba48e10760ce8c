//! The change feed: every committed mutation appends an entry in the same
//! transaction. The search index, duplicate detection and notifications
//! consume it and can be rebuilt from it.

use crate::db::{query, values_rows, AsExec, Value};
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

/// The insert that writes changes, before its `VALUES` rows.
pub(crate) const INSERT: &str = "INSERT INTO outbox (at, entity, entity_id, op, payload) VALUES ";

/// Changes written in one statement at most.
pub(crate) const CHUNK: usize = 200;

/// The changes as the `VALUES` rows of [`INSERT`], numbered from `$first`,
/// with their values.
pub(crate) fn rows(changes: &[PendingChange], first: usize) -> (String, Vec<Value>) {
    let mut values = Vec::with_capacity(changes.len() * 5);
    for c in changes {
        values.push(c.at.into());
        values.push(c.entity.as_str().into());
        values.push(c.entity_id.as_str().into());
        values.push(c.op.as_str().into());
        values.push(c.payload.as_str().into());
    }
    (values_rows(changes.len(), 5, first), values)
}

/// The changes' `VALUES` rows numbered after `values`, their values
/// appended to it; `None` when there are none.
pub(crate) fn rows_after(changes: &[PendingChange], values: &mut Vec<Value>) -> Option<String> {
    if changes.is_empty() {
        return None;
    }
    let (rows, more) = rows(changes, values.len() + 1);
    values.extend(more);
    Some(rows)
}

/// Writes changes, [`CHUNK`] a statement.
pub(crate) async fn write(tx: &mut Tx, changes: &[PendingChange]) -> Result<()> {
    for chunk in changes.chunks(CHUNK) {
        let (rows, values) = rows(chunk, 1);
        query(format!("{INSERT}{rows}"))
            .bind_all(values)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// One change-feed entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
