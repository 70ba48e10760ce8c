//! The public channel: receipt codes of reports and the conversation
//! between a reporter and the handling unit.

use crate::db::{query, AsExec, Row};
use crate::{audit, now, outbox, Result, Tx};
use liem_domain::ids::{LetterId, UserId};
use serde::Serialize;

/// A report's receipt record: the locator (stored in clear, to find the
/// report without scanning) and an Argon2id hash of the secret part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// The letter.
    pub letter_id: LetterId,
    /// The locator part of the code.
    pub locator: String,
    /// PHC string of the secret part.
    pub code_hash: String,
    /// The language the reporter wrote in.
    pub lang: String,
}

/// Records the receipt of a report.
pub async fn insert_receipt(tx: &mut Tx, actor: &audit::Actor, r: &ReceiptRecord) -> Result<()> {
    query("INSERT INTO reports (letter_id, locator, code_hash, lang, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(r.letter_id.0)
        .bind(r.locator.as_str())
        .bind(r.code_hash.as_str())
        .bind(r.lang.as_str())
        .bind(now())
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "report.receipt",
        "letter",
        &r.letter_id.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// The receipt with this locator, if any.
pub async fn receipt_by_locator(
    ex: &mut impl AsExec,
    locator: &str,
) -> Result<Option<ReceiptRecord>> {
    query("SELECT letter_id, locator, code_hash, lang FROM reports WHERE locator = $1")
        .bind(locator)
        .fetch_optional(ex)
        .await?
        .map(|r| {
            Ok(ReceiptRecord {
                letter_id: LetterId(r.uuid("letter_id")?),
                locator: r.text("locator")?,
                code_hash: r.text("code_hash")?,
                lang: r.text("lang")?,
            })
        })
        .transpose()
}

/// Whether a letter came through the public channel (has a receipt).
pub async fn has_receipt(ex: &mut impl AsExec, letter: LetterId) -> Result<bool> {
    Ok(query("SELECT 1 AS one FROM reports WHERE letter_id = $1")
        .bind(letter.0)
        .fetch_optional(ex)
        .await?
        .is_some())
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Id.
    pub id: uuid::Uuid,
    /// Written by the reporter (else by staff).
    pub from_reporter: bool,
    /// The member of staff who wrote it (never shown to the reporter).
    pub author_id: Option<UserId>,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: jiff::Timestamp,
}

fn message_from(r: &Row) -> Result<Message> {
    Ok(Message {
        id: r.uuid("id")?,
        from_reporter: r.bool("from_reporter")?,
        author_id: r.opt_uuid("author_id")?.map(UserId),
        body: r.text("body")?,
        created_at: r.timestamp("created_at")?,
    })
}

/// Adds a message; `author` is `None` when the reporter writes.
pub async fn add_message(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    author: Option<UserId>,
    body: &str,
) -> Result<Message> {
    let m = Message {
        id: uuid::Uuid::now_v7(),
        from_reporter: author.is_none(),
        author_id: author,
        body: body.to_owned(),
        created_at: now(),
    };
    query("INSERT INTO messages (id, letter_id, from_reporter, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(m.id)
        .bind(letter.0)
        .bind(m.from_reporter)
        .bind(m.author_id.map(|a| a.0))
        .bind(m.body.as_str())
        .bind(m.created_at)
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"message": m.id, "from_reporter": m.from_reporter});
    audit::append(
        tx,
        actor,
        "message.create",
        "letter",
        &letter.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "letter", &letter.to_string(), "message", detail).await?;
    Ok(m)
}

/// The conversation of a letter, oldest first.
pub async fn messages(ex: &mut impl AsExec, letter: LetterId) -> Result<Vec<Message>> {
    query("SELECT id, from_reporter, author_id, body, created_at FROM messages WHERE letter_id = $1 ORDER BY id")
        .bind(letter.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(message_from)
        .collect()
}
