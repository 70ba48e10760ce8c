//! The shapes of answers several operations share, typed for the API's
//! contract: a page of a register with its total, and a plain list.

use serde::Serialize;
use utoipa::ToSchema;

/// A page of a register: its items, the cursor of the next page and the
/// number of records that match in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct Listed<T> {
    /// The records of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
    /// Records that match the filter, in the caller's scope.
    pub total: i64,
}

/// A list of records.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    /// The records.
    pub items: Vec<T>,
}

/// A record just made: its id (the `Location` header names it).
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The new record's id.
    pub id: uuid::Uuid,
}
