//! The change feed: every committed mutation appends an entry in the same
//! transaction. The search index, duplicate detection and notifications
//! consume it and can be rebuilt from it.

use crate::db::{query, AsExec};
use crate::{now, Result, Tx};
use serde::Serialize;

/// Appends one change. `payload` carries ids and codes, never personal data.
pub async fn append(
    tx: &mut Tx,
    entity: &str,
    entity_id: &str,
    op: &str,
    payload: serde_json::Value,
) -> Result<()> {
    query("INSERT INTO outbox (at, entity, entity_id, op, payload) VALUES ($1, $2, $3, $4, $5)")
        .bind(now())
        .bind(entity)
        .bind(entity_id)
        .bind(op)
        .bind(payload.to_string())
        .execute(tx)
        .await?;
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
