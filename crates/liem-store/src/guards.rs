//! What the nodes of a deployment count together (`rate_counts`,
//! `pow_spent`): failed attempts per limiter and client, and the
//! proof-of-work challenges already spent. Each call is one statement, so
//! concurrent attempts on any node are counted whole, in a transaction of
//! its own (on SQLite, the writer's). Times are Unix milliseconds given by
//! the caller.

use crate::db::{query, Query, Row};
use crate::{Result, Store};

/// Runs one statement in a write transaction of its own; its rows.
async fn write_rows(store: &Store, q: Query) -> Result<Vec<Row>> {
    let mut tx = store.begin().await?;
    let rows = q.fetch_all(&mut tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Runs one statement in a write transaction of its own; rows affected.
async fn write(store: &Store, q: Query) -> Result<u64> {
    let mut tx = store.begin().await?;
    let n = q.execute(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Counts an attempt by `client` at `limiter` before it runs, and returns
/// the failures counted before it in the current window: a window older
/// than `window_start` starts again at this attempt. The count stops at
/// `cap` failures, so a refused client is not counted further (what is
/// returned is then `cap - 1`).
pub async fn count_attempt(
    store: &Store,
    limiter: &str,
    client: &str,
    now: i64,
    window_start: i64,
    cap: u32,
) -> Result<u32> {
    let row = query(
        "INSERT INTO rate_counts (limiter, client, failures, since) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (limiter, client) DO UPDATE SET \
           failures = CASE WHEN rate_counts.since < $4 THEN 1 \
                           WHEN rate_counts.failures >= $5 THEN rate_counts.failures \
                           ELSE rate_counts.failures + 1 END, \
           since = CASE WHEN rate_counts.since < $4 THEN excluded.since ELSE rate_counts.since END \
         RETURNING failures",
    )
    .bind(limiter)
    .bind(client)
    .bind(now)
    .bind(window_start)
    .bind(i64::from(cap));
    let rows = write_rows(store, row).await?;
    let after = rows
        .first()
        .ok_or(crate::StoreError::NotFound)?
        .i64("failures")?;
    Ok(u32::try_from((after - 1).max(0)).unwrap_or(u32::MAX))
}

/// Takes back one counted attempt (it succeeded).
pub async fn forgive(store: &Store, limiter: &str, client: &str) -> Result<()> {
    let q = query(
        "UPDATE rate_counts SET failures = failures - 1 \
         WHERE limiter = $1 AND client = $2 AND failures > 0",
    )
    .bind(limiter)
    .bind(client);
    write(store, q).await?;
    Ok(())
}

/// Forgets a client's attempts.
pub async fn clear(store: &Store, limiter: &str, client: &str) -> Result<()> {
    let q = query("DELETE FROM rate_counts WHERE limiter = $1 AND client = $2")
        .bind(limiter)
        .bind(client);
    write(store, q).await?;
    Ok(())
}

/// Removes the counts of windows that began before `window_start`.
pub async fn prune_counts(store: &Store, limiter: &str, window_start: i64) -> Result<u64> {
    let q = query("DELETE FROM rate_counts WHERE limiter = $1 AND since < $2")
        .bind(limiter)
        .bind(window_start);
    write(store, q).await
}

/// Spends a proof-of-work challenge valid until `expires`: false when it
/// was spent already (on any node).
pub async fn spend_challenge(store: &Store, challenge: &str, expires: i64) -> Result<bool> {
    let q = query(
        "INSERT INTO pow_spent (challenge, expires) VALUES ($1, $2) \
         ON CONFLICT (challenge) DO NOTHING",
    )
    .bind(challenge)
    .bind(expires);
    Ok(write(store, q).await? == 1)
}

/// Removes the spent challenges that expired before `now` (an expired
/// challenge is refused before its spending is looked up).
pub async fn prune_challenges(store: &Store, now: i64) -> Result<u64> {
    let q = query("DELETE FROM pow_spent WHERE expires < $1").bind(now);
    write(store, q).await
}
