//! Key material for sealed identities: people's protected key pairs, units'
//! recovery public keys, wrapped data keys, and requests to unseal. Only
//! public keys and ciphertexts are stored; nothing here opens anything alone.

use crate::db::{query, AsExec, Row};
use crate::{audit, now, outbox, Result, StoreError, Tx};
use liem_domain::ids::{LetterId, UnitId, UserId};
use serde::Serialize;

/// A person's private key encrypted under a password-derived key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedKey {
    /// The public half (in clear).
    pub public: Vec<u8>,
    /// Argon2id salt.
    pub salt: Vec<u8>,
    /// Argon2id memory in KiB.
    pub memory_kib: u32,
    /// Argon2id iterations.
    pub iterations: u32,
    /// The nonce.
    pub nonce: Vec<u8>,
    /// The encrypted private key.
    pub ciphertext: Vec<u8>,
}

/// A data key wrapped for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapped {
    /// The sender's ephemeral public key.
    pub eph_public: Vec<u8>,
    /// The nonce.
    pub nonce: Vec<u8>,
    /// The wrapped key with its tag.
    pub ciphertext: Vec<u8>,
}

/// The recipient tag of a person.
pub fn user_recipient(u: UserId) -> String {
    format!("user:{u}")
}

/// The recipient tag of a unit's recovery key.
pub fn recovery_recipient(u: UnitId) -> String {
    format!("recovery:{u}")
}

/// Stores (or replaces) a person's protected key pair.
pub async fn set_user_key(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    k: &ProtectedKey,
) -> Result<()> {
    query("DELETE FROM user_keys WHERE user_id = $1")
        .bind(user.0)
        .execute(tx)
        .await?;
    query("INSERT INTO user_keys (user_id, public_key, salt, memory_kib, iterations, nonce, ciphertext, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(user.0)
        .bind(k.public.clone())
        .bind(k.salt.clone())
        .bind(i64::from(k.memory_kib))
        .bind(i64::from(k.iterations))
        .bind(k.nonce.clone())
        .bind(k.ciphertext.clone())
        .bind(now())
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "key.set_user",
        "user",
        &user.to_string(),
        serde_json::json!({"public": hex::encode(&k.public)}),
    )
    .await
}

/// A person's protected key pair.
pub async fn user_key(ex: &mut impl AsExec, user: UserId) -> Result<Option<ProtectedKey>> {
    query("SELECT public_key, salt, memory_kib, iterations, nonce, ciphertext FROM user_keys WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(ex)
        .await?
        .map(|r| {
            Ok(ProtectedKey {
                public: r.bytes("public_key")?,
                salt: r.bytes("salt")?,
                memory_kib: r.i64("memory_kib")? as u32,
                iterations: r.i64("iterations")? as u32,
                nonce: r.bytes("nonce")?,
                ciphertext: r.bytes("ciphertext")?,
            })
        })
        .transpose()
}

/// Stores (or replaces) a unit's recovery public key.
pub async fn set_recovery_key(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    public: &[u8],
) -> Result<()> {
    query("DELETE FROM unit_recovery_keys WHERE unit_id = $1")
        .bind(unit.0)
        .execute(tx)
        .await?;
    query("INSERT INTO unit_recovery_keys (unit_id, public_key, created_at) VALUES ($1, $2, $3)")
        .bind(unit.0)
        .bind(public.to_vec())
        .bind(now())
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "key.set_recovery",
        "unit",
        &unit.to_string(),
        serde_json::json!({"public": hex::encode(public)}),
    )
    .await
}

/// Who a unit's sealed data is wrapped for: its custodians that hold a key
/// pair, and its recovery key. Tag and public key each.
pub async fn seal_recipients(ex: &mut impl AsExec, unit: UnitId) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for r in query(
        "SELECT k.user_id, k.public_key FROM user_keys k JOIN users u ON u.id = k.user_id \
         JOIN user_roles ro ON ro.user_id = u.id AND ro.role = 'custodian' \
         WHERE u.unit_id = $1 AND u.active = $2 ORDER BY k.user_id",
    )
    .bind(unit.0)
    .bind(true)
    .fetch_all(ex)
    .await?
    {
        out.push((
            user_recipient(UserId(r.uuid("user_id")?)),
            r.bytes("public_key")?,
        ));
    }
    if let Some(r) = query("SELECT public_key FROM unit_recovery_keys WHERE unit_id = $1")
        .bind(unit.0)
        .fetch_optional(ex)
        .await?
    {
        out.push((recovery_recipient(unit), r.bytes("public_key")?));
    }
    Ok(out)
}

async fn store_wrapped(tx: &mut Tx, letter: LetterId, recipient: &str, w: &Wrapped) -> Result<()> {
    query("DELETE FROM sealed_keys WHERE letter_id = $1 AND recipient = $2")
        .bind(letter.0)
        .bind(recipient)
        .execute(&mut *tx)
        .await?;
    query("INSERT INTO sealed_keys (letter_id, recipient, eph_public, nonce, ciphertext) VALUES ($1, $2, $3, $4, $5)")
        .bind(letter.0)
        .bind(recipient)
        .bind(w.eph_public.clone())
        .bind(w.nonce.clone())
        .bind(w.ciphertext.clone())
        .execute(tx)
        .await?;
    Ok(())
}

/// Adds (or replaces) the wrapped data keys of a letter for some
/// recipients (`user:…`, `recovery:…`); audited once, naming the recipients
/// (never the keys).
pub async fn put_wrapped(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    wrapped: &[(String, Wrapped)],
) -> Result<()> {
    for (recipient, w) in wrapped {
        store_wrapped(tx, letter, recipient, w).await?;
    }
    let recipients: Vec<&str> = wrapped.iter().map(|(r, _)| r.as_str()).collect();
    let detail = serde_json::json!({ "recipients": recipients });
    audit::append(
        tx,
        actor,
        "key.wrap",
        "letter",
        &letter.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "sealed_keys", &letter.to_string(), "wrap", detail).await
}

/// A recipient's wrapped data key of a letter.
pub async fn wrapped_for(
    ex: &mut impl AsExec,
    letter: LetterId,
    recipient: &str,
) -> Result<Option<Wrapped>> {
    query("SELECT eph_public, nonce, ciphertext FROM sealed_keys WHERE letter_id = $1 AND recipient = $2")
        .bind(letter.0)
        .bind(recipient)
        .fetch_optional(ex)
        .await?
        .map(|r| Ok(Wrapped { eph_public: r.bytes("eph_public")?, nonce: r.bytes("nonce")?, ciphertext: r.bytes("ciphertext")? }))
        .transpose()
}

/// The recipients a letter's data key is wrapped for.
pub async fn recipients_of(ex: &mut impl AsExec, letter: LetterId) -> Result<Vec<String>> {
    query("SELECT recipient FROM sealed_keys WHERE letter_id = $1 ORDER BY recipient")
        .bind(letter.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| r.text("recipient"))
        .collect()
}

/// A request to unseal a letter's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnsealRequest {
    /// Id.
    pub id: uuid::Uuid,
    /// The letter.
    pub letter_id: LetterId,
    /// Who asks.
    pub requester_id: UserId,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// The custodian who decided.
    pub decided_by: Option<UserId>,
    /// The custodian's note.
    pub decision_note: Option<String>,
    /// When decided.
    pub decided_at: Option<jiff::Timestamp>,
    /// When asked.
    pub created_at: jiff::Timestamp,
}

const REQ_COLS: &str = "r.id, r.letter_id, r.requester_id, r.reason, r.status, r.decided_by, r.decision_note, r.decided_at, r.created_at";

fn request_from(r: &Row) -> Result<UnsealRequest> {
    Ok(UnsealRequest {
        id: r.uuid("id")?,
        letter_id: LetterId(r.uuid("letter_id")?),
        requester_id: UserId(r.uuid("requester_id")?),
        reason: r.text("reason")?,
        status: r.text("status")?,
        decided_by: r.opt_uuid("decided_by")?.map(UserId),
        decision_note: r.opt_text("decision_note")?,
        decided_at: r
            .get::<Option<jiff_sqlx::Timestamp>>("decided_at")?
            .map(|t| t.to_jiff()),
        created_at: r.timestamp("created_at")?,
    })
}

/// Records a request to unseal.
pub async fn request_unseal(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    requester: UserId,
    reason: &str,
) -> Result<UnsealRequest> {
    let id = uuid::Uuid::now_v7();
    let at = now();
    query("INSERT INTO unseal_requests (id, letter_id, requester_id, reason, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)")
        .bind(id)
        .bind(letter.0)
        .bind(requester.0)
        .bind(reason)
        .bind(at)
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"request": id, "reason": reason});
    audit::append(
        tx,
        actor,
        "identity.unseal_request",
        "letter",
        &letter.to_string(),
        detail,
    )
    .await?;
    outbox::append(
        tx,
        "letter",
        &letter.to_string(),
        "unseal_request",
        serde_json::json!({"request": id}),
    )
    .await?;
    Ok(UnsealRequest {
        id,
        letter_id: letter,
        requester_id: requester,
        reason: reason.to_owned(),
        status: "pending".into(),
        decided_by: None,
        decision_note: None,
        decided_at: None,
        created_at: at,
    })
}

/// One request.
pub async fn unseal_request(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<UnsealRequest> {
    let r = query(format!(
        "SELECT {REQ_COLS} FROM unseal_requests r WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_one(ex)
    .await?;
    request_from(&r)
}

/// Requests of the letters of a unit, newest first, optionally by status.
pub async fn unseal_requests_of_unit(
    ex: &mut impl AsExec,
    unit: UnitId,
    status: Option<&str>,
) -> Result<Vec<UnsealRequest>> {
    let rows = match status {
        Some(s) => query(format!(
            "SELECT {REQ_COLS} FROM unseal_requests r JOIN letters l ON l.id = r.letter_id WHERE l.unit_id = $1 AND r.status = $2 ORDER BY r.id DESC"
        ))
        .bind(unit.0)
        .bind(s)
        .fetch_all(ex)
        .await?,
        None => query(format!(
            "SELECT {REQ_COLS} FROM unseal_requests r JOIN letters l ON l.id = r.letter_id WHERE l.unit_id = $1 ORDER BY r.id DESC"
        ))
        .bind(unit.0)
        .fetch_all(ex)
        .await?,
    };
    rows.iter().map(request_from).collect()
}

/// Requests about one letter, oldest first.
pub async fn unseal_requests_of_letter(
    ex: &mut impl AsExec,
    letter: LetterId,
) -> Result<Vec<UnsealRequest>> {
    query(format!(
        "SELECT {REQ_COLS} FROM unseal_requests r WHERE r.letter_id = $1 ORDER BY r.id"
    ))
    .bind(letter.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(request_from)
    .collect()
}

/// A custodian's decision on a request to unseal.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    /// Approved: the letter's data key, wrapped for the requester.
    Approve(&'a Wrapped),
    /// Refused.
    Refuse,
}

/// Decides a pending request (`approved` or `refused`).
pub async fn decide(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: uuid::Uuid,
    decision: Decision<'_>,
    custodian: UserId,
    note: Option<&str>,
) -> Result<()> {
    let approved = matches!(decision, Decision::Approve(_));
    let status = if approved { "approved" } else { "refused" };
    let n = query("UPDATE unseal_requests SET status = $1, decided_by = $2, decision_note = $3, decided_at = $4 WHERE id = $5 AND status = 'pending'")
        .bind(status)
        .bind(custodian.0)
        .bind(note)
        .bind(now())
        .bind(id)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("request already decided".into()));
    }
    let req = unseal_request(&mut *tx, id).await?;
    if let Decision::Approve(w) = decision {
        store_wrapped(tx, req.letter_id, &user_recipient(req.requester_id), w).await?;
    }
    let action = if approved {
        "identity.unseal_approve"
    } else {
        "identity.unseal_refuse"
    };
    audit::append(
        tx,
        actor,
        action,
        "letter",
        &req.letter_id.to_string(),
        serde_json::json!({"request": id, "note": note}),
    )
    .await?;
    outbox::append(
        tx,
        "letter",
        &req.letter_id.to_string(),
        action,
        serde_json::json!({"request": id}),
    )
    .await
}
