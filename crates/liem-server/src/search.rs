//! The node's search index as the features use it: opened at first use,
//! brought up to the change feed before every search (so a search sees
//! every committed write), and followed in the background by `liem serve`.

use crate::web::error::{AppError, AppResult};
use crate::AppState;
use liem_search::{Hits, Request, SearchIndex};
use std::sync::Arc;

/// Memory the index writer buffers before it writes a segment.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

fn failed(e: liem_search::SearchError) -> AppError {
    AppError::Internal(format!("search: {e}"))
}

/// The index, opened (and built, if new) at first use.
pub async fn index(state: &AppState) -> AppResult<Arc<SearchIndex>> {
    state
        .search
        .get_or_try_init(|| async {
            let dir = state.settings.search_dir();
            let ix = tokio::task::spawn_blocking(move || SearchIndex::open(&dir, WRITER_HEAP))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(failed)?;
            Ok(Arc::new(ix))
        })
        .await
        .cloned()
}

/// Searches, after applying the changes the index has not seen.
pub async fn search(state: &AppState, req: &Request) -> AppResult<Hits> {
    let ix = index(state).await?;
    let mut c = state.store.conn().await?;
    ix.search(&mut c, req).await.map_err(failed)
}

/// The ids of the records of a kind that the words find in the viewer's
/// reach (scope and named grants), most relevant first, at most `limit`.
pub async fn find_ids(
    state: &AppState,
    kind: liem_search::Kind,
    text: &str,
    viewer: &liem_store::cases::Viewer,
    limit: usize,
) -> AppResult<Vec<uuid::Uuid>> {
    let req = Request {
        kind,
        text: text.to_owned(),
        scope: viewer.scope.clone(),
        reader: Some(viewer.user.0),
        filter: liem_search::Filter::default(),
        order: liem_search::SortOrder::Relevance,
        offset: 0,
        limit,
        facets: false,
    };
    Ok(search(state, &req).await?.ids())
}

/// Letters in the reach of `scope` that may repeat a text or come from
/// the same sender (its marks' digests), best first: (letter, shared LSH
/// bands and sender digests).
pub async fn similar_letters(
    state: &AppState,
    scope: &liem_domain::role::Scope,
    text: &str,
    sender_keys: &[String],
    exclude: Option<uuid::Uuid>,
    limit: usize,
) -> AppResult<Vec<(uuid::Uuid, f32)>> {
    let bands = liem_search::dupes::bands(&liem_search::dupes::signature(text));
    if bands.is_empty() && sender_keys.is_empty() {
        return Ok(Vec::new());
    }
    let ix = index(state).await?;
    let mut c = state.store.conn().await?;
    ix.catch_up(&mut c).await.map_err(failed)?;
    ix.similar_letters(scope, &bands, sender_keys, exclude, limit)
        .map_err(failed)
}

/// Follows the change feed every `every` until the process ends, so that
/// the index stays near the head between searches.
pub fn follow(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let step = async {
                let ix = index(&state).await?;
                let mut c = state.store.conn().await?;
                ix.catch_up(&mut c).await.map_err(failed)?;
                AppResult::Ok(())
            };
            if let Err(e) = step.await {
                tracing::warn!(error = %e, "search index: following the change feed failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}
