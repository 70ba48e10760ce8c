//! The server's checkpoints of the audit chain: signed heads written on a
//! schedule, whenever a report is issued, and whenever a witness asks, each
//! appended as one line to the checkpoint file when one is configured (keep
//! it outside the data directory, on another disk or machine).

use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use liem_store::audit::{self, checkpoint::Checkpoint};
use std::io::Write as _;
use std::path::Path;

static FILE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Appends one checkpoint line to `path` and flushes it to disk.
pub fn append(path: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    let _guard = FILE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{cp}")?;
    f.sync_all()
}

/// Signs the chain's head now and appends it to the checkpoint file (when
/// configured).
pub async fn write(state: &AppState) -> AppResult<Checkpoint> {
    let mut c = state.store.conn().await?;
    let cp = audit::checkpoint(&mut c, state.store.audit_keys()).await?;
    drop(c);
    if let Some(path) = &state.settings.checkpoint_file {
        let (path, line) = (path.clone(), cp.clone());
        tokio::task::spawn_blocking(move || append(&path, &line))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("the checkpoint file: {e}")))?;
    }
    Ok(cp)
}

/// Writes a checkpoint every `every` while the chain grows (none while it
/// stands still), until the process ends.
pub fn spawn_schedule(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = None;
        loop {
            tick.tick().await;
            let seq = match state.store.conn().await {
                Ok(mut c) => audit::head(&mut c).await.ok().map(|h| h.0),
                Err(_) => None,
            };
            if seq.is_none() || seq == last {
                continue;
            }
            match write(&state).await {
                Ok(cp) => last = Some(cp.seq),
                Err(e) => tracing::error!(error = %e, "writing the scheduled checkpoint failed"),
            }
        }
    });
}
