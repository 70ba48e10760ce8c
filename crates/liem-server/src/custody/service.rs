//! Custody of sealed identities: requests to unseal, a custodian's approval
//! or refusal, the requester's view, recovery, and re-sealing after a
//! transfer — each audited in the same transaction.

use crate::auth::gate::Permit;
use crate::auth::Principal;
use crate::keys::{self, open_protected, PrivateKey};
use crate::petitions::service as petitions;
use crate::sealing::{recipients, seal_payload, wrap_for, DEK_KEY_ID};
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use liem_domain::ids::{LetterId, UnitId, UserId};
use liem_domain::petition::{Identity, SealedPayload};
use liem_domain::role::Right;
use liem_domain::ValidationErrors;
use liem_store::audit::Actor;
use liem_store::keys as store_keys;
use liem_store::keys::{recovery_recipient, user_recipient, UnsealRequest};
use liem_store::petitions::{SealedBlob, TransferRecord};

fn reason_ok(reason: &str) -> AppResult<&str> {
    let r = reason.trim();
    if (10..=500).contains(&r.chars().count()) {
        Ok(r)
    } else {
        Err(AppError::Validation(ValidationErrors::single(
            "reason",
            "length",
            "must explain the need in 10 to 500 characters",
        )))
    }
}

/// A handler or leader of the handling unit asks to see a sealed identity.
pub async fn request_unseal(
    state: &AppState,
    who: &Writer,
    letter: LetterId,
    reason: &str,
) -> AppResult<UnsealRequest> {
    let l = petitions::letter(state, who, letter).await?;
    if !(l.sealed || l.content_sealed) {
        return Err(AppError::Conflict("this letter has nothing sealed".into()));
    }
    let permit = who.permit_member(
        Right::RequestUnseal,
        l.unit_id,
        "only a handler or leader of the handling unit may ask to unseal",
    )?;
    let reason = reason_ok(reason)?;
    let mut c = state.store.conn().await?;
    if store_keys::user_key(&mut c, who.user.id).await?.is_none() {
        return Err(AppError::Conflict(
            "you have no key pair yet: ask an administrator to run `liem user key`".into(),
        ));
    }
    drop(c);
    let mut tx = permit.begin(&state.store).await?;
    let r =
        store_keys::request_unseal(&mut tx, permit.actor(), letter, who.user.id, reason).await?;
    tx.commit().await?;
    Ok(r)
}

/// The requests a custodian can decide (their unit's), by status.
pub async fn requests_for_custodian(
    state: &AppState,
    who: &Principal,
    status: Option<&str>,
) -> AppResult<Vec<UnsealRequest>> {
    who.grant(Right::ApproveUnseal)?;
    let mut c = state.store.conn().await?;
    Ok(store_keys::unseal_requests_of_unit(&mut c, who.user.unit_id, status).await?)
}

/// A custodian approves (with their password) or refuses a request.
pub async fn decide_unseal(
    state: &AppState,
    who: &Writer,
    request: uuid::Uuid,
    approve: bool,
    password: &str,
    note: Option<&str>,
) -> AppResult<UnsealRequest> {
    who.grant(Right::ApproveUnseal)?;
    let mut c = state.store.conn().await?;
    let req = store_keys::unseal_request(&mut c, request).await?;
    let letter = liem_store::petitions::get_letter(&mut c, req.letter_id).await?;
    if letter.unit_id != who.user.unit_id {
        return Err(AppError::NotFound);
    }
    let permit = who.permit_member(
        Right::ApproveUnseal,
        letter.unit_id,
        "only a custodian of the letter's unit decides on unsealing",
    )?;
    if req.requester_id == who.user.id {
        return Err(AppError::Forbidden(
            "a custodian cannot approve their own request".into(),
        ));
    }
    if req.status != "pending" {
        return Err(AppError::Conflict(format!(
            "the request is already {}",
            req.status
        )));
    }
    let mut tx = permit.begin(&state.store).await?;
    let mut wrapped = None;
    if approve {
        let dek = open_dek(&mut c, who.user.id, password, req.letter_id).await?;
        let requester_key = store_keys::user_key(&mut c, req.requester_id)
            .await?
            .ok_or_else(|| AppError::Conflict("the requester has no key pair".into()))?;
        let pk: [u8; 32] = requester_key
            .public
            .try_into()
            .map_err(|_| AppError::Internal("malformed public key".into()))?;
        wrapped = Some(keys::wrap(&dek, &pk, req.letter_id));
    }
    drop(c);
    let decision = match &wrapped {
        Some(w) => store_keys::Decision::Approve(w),
        None => store_keys::Decision::Refuse,
    };
    store_keys::decide(
        &mut tx,
        permit.actor(),
        request,
        decision,
        who.user.id,
        note.map(str::trim).filter(|n| !n.is_empty()),
    )
    .await?;
    tx.commit().await?;
    let mut c = state.store.conn().await?;
    Ok(store_keys::unseal_request(&mut c, request).await?)
}

/// Opens a letter's data key with a person's password.
async fn open_dek(
    c: &mut liem_store::Conn,
    user: UserId,
    password: &str,
    letter: LetterId,
) -> AppResult<[u8; 32]> {
    let wrong = || {
        AppError::Validation(ValidationErrors::single(
            "password",
            "does_not_open",
            "this password does not open your key",
        ))
    };
    let protected = store_keys::user_key(c, user)
        .await?
        .ok_or_else(|| AppError::Conflict("you have no key pair".into()))?;
    let key = open_protected(&protected, password, user.0.as_bytes()).map_err(|_| wrong())?;
    let wrapped = store_keys::wrapped_for(c, letter, &user_recipient(user))
        .await?
        .ok_or_else(|| AppError::Forbidden("this identity is not sealed for you".into()))?;
    keys::unwrap(&key, &wrapped, letter)
        .map_err(|_| AppError::Internal(format!("wrapped key of letter {letter} does not open")))
}

/// The requester, once approved, sees what is sealed by giving their password.
pub async fn view_identity(
    state: &AppState,
    who: &Writer,
    letter: LetterId,
    password: &str,
) -> AppResult<SealedPayload> {
    let l = petitions::letter(state, who, letter).await?;
    let mut c = state.store.conn().await?;
    let approved = store_keys::unseal_requests_of_letter(&mut c, letter)
        .await?
        .into_iter()
        .any(|r| r.requester_id == who.user.id && r.status == "approved");
    if !approved {
        return Err(AppError::Forbidden(
            "no approved request of yours to see this identity".into(),
        ));
    }
    let permit = who.permit_member(
        Right::RequestUnseal,
        l.unit_id,
        "only a handler or leader of the handling unit sees a sealed identity",
    )?;
    let dek = open_dek(&mut c, who.user.id, password, letter).await?;
    drop(c);
    let mut tx = permit.begin(&state.store).await?;
    let blob =
        liem_store::petitions::unseal(&mut tx, permit.actor(), letter, "approved request").await?;
    let plain = keys::open_with(&dek, &blob.nonce, &blob.ciphertext, letter).map_err(|_| {
        AppError::Internal(format!("sealed identity of letter {letter} does not open"))
    })?;
    let payload = SealedPayload::from_json(&plain)
        .ok_or_else(|| AppError::Internal("unreadable sealed payload".into()))?;
    tx.commit().await?;
    Ok(payload)
}

/// Opens an identity with a unit's recovery key (kept offline; used when no
/// custodian can). Audited like any unseal.
pub async fn recover_identity(
    state: &AppState,
    actor: &Actor,
    letter: LetterId,
    recovery: &PrivateKey,
    reason: &str,
) -> AppResult<Identity> {
    recover(state, actor, letter, recovery, reason)
        .await?
        .identity
        .ok_or_else(|| AppError::Conflict("this letter seals no identity".into()))
}

/// Opens what a letter seals with its unit's recovery key; audited.
pub async fn recover(
    state: &AppState,
    actor: &Actor,
    letter: LetterId,
    recovery: &PrivateKey,
    reason: &str,
) -> AppResult<SealedPayload> {
    let mut c = state.store.conn().await?;
    let l = liem_store::petitions::get_letter(&mut c, letter).await?;
    let wrapped = store_keys::wrapped_for(&mut c, letter, &recovery_recipient(l.unit_id))
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let dek = keys::unwrap(recovery, &wrapped, letter).map_err(|_| {
        AppError::Validation(ValidationErrors::single(
            "recovery_key",
            "does_not_open",
            "this recovery key does not open the letter",
        ))
    })?;
    // Whoever holds the offline recovery key is the unit itself.
    let permit = Permit::unattended(actor.clone());
    let mut tx = permit.begin(&state.store).await?;
    let blob = liem_store::petitions::unseal(&mut tx, actor, letter, reason).await?;
    let plain = keys::open_with(&dek, &blob.nonce, &blob.ciphertext, letter)
        .map_err(|_| AppError::Internal("does not open".into()))?;
    tx.commit().await?;
    SealedPayload::from_json(&plain)
        .ok_or_else(|| AppError::Internal("unreadable sealed payload".into()))
}

/// Re-seals identities sealed under the configuration key (the first
/// release's scheme) for the units' custodians and recovery keys; returns
/// how many were migrated. Idempotent.
pub async fn migrate_legacy(state: &AppState) -> AppResult<usize> {
    let mut c = state.store.conn().await?;
    let rows = liem_store::db::query("SELECT s.letter_id, s.key_id, s.nonce, s.ciphertext, l.unit_id, u.code \
         FROM sealed_identities s JOIN letters l ON l.id = s.letter_id JOIN units u ON u.id = l.unit_id WHERE s.key_id <> $1")
        .bind(DEK_KEY_ID)
        .fetch_all(&mut c)
        .await?;
    drop(c);
    let permit = Permit::unattended(Actor::system("seal-migration"));
    let actor = permit.actor();
    let mut n = 0;
    for r in rows {
        let letter = LetterId(r.uuid("letter_id")?);
        let old = SealedBlob {
            key_id: r.text("key_id")?,
            nonce: r.bytes("nonce")?,
            ciphertext: r.bytes("ciphertext")?,
        };
        let identity = state
            .sealer
            .open(letter, &old)
            .map_err(|e| AppError::Internal(format!("legacy seal of letter {letter}: {e}")))?;
        let payload = SealedPayload {
            identity: Some(identity),
            summary: None,
            content: None,
        };
        let (blob, dek) = seal_payload(letter, &payload);
        let mut tx = permit.begin(&state.store).await?;
        let rcpt = recipients(&mut tx, UnitId(r.uuid("unit_id")?), &r.text("code")?).await?;
        liem_store::db::query("UPDATE sealed_identities SET key_id = $1, nonce = $2, ciphertext = $3 WHERE letter_id = $4")
            .bind(blob.key_id)
            .bind(blob.nonce)
            .bind(blob.ciphertext)
            .bind(letter.0)
            .execute(&mut tx)
            .await?;
        wrap_for(&mut tx, actor, letter, &dek, &rcpt).await?;
        liem_store::audit::append(
            &mut tx,
            actor,
            "identity.reseal",
            "letter",
            &letter.to_string(),
            serde_json::json!({"from": old.key_id}),
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// The sealed letters a custodian's unit transferred and must re-seal.
pub async fn pending_reseals(state: &AppState, who: &Principal) -> AppResult<Vec<TransferRecord>> {
    who.grant(Right::ApproveUnseal)?;
    let mut c = state.store.conn().await?;
    Ok(liem_store::petitions::pending_reseals(&mut c, who.user.unit_id).await?)
}

/// A custodian of the sending unit re-seals a transferred identity for the
/// receiving unit's custodians and recovery key.
pub async fn reseal(
    state: &AppState,
    who: &Writer,
    transfer: uuid::Uuid,
    password: &str,
) -> AppResult<()> {
    who.grant(Right::ApproveUnseal)?;
    let mut c = state.store.conn().await?;
    let t = liem_store::petitions::transfer_record(&mut c, transfer).await?;
    if t.from_unit_id != who.user.unit_id {
        return Err(AppError::NotFound);
    }
    let permit = who.permit_member(
        Right::ApproveUnseal,
        t.from_unit_id,
        "only a custodian of the sending unit re-seals",
    )?;
    if t.resealed_at.is_some() {
        return Err(AppError::Conflict("already re-sealed".into()));
    }
    let dek = open_dek(&mut c, who.user.id, password, t.letter_id).await?;
    let to = liem_store::units::get(&mut c, t.to_unit_id).await?;
    drop(c);
    let mut tx = permit.begin(&state.store).await?;
    let rcpt = recipients(&mut tx, to.id, &to.code).await?;
    wrap_for(&mut tx, permit.actor(), t.letter_id, &dek, &rcpt).await?;
    liem_store::petitions::mark_resealed(&mut tx, permit.actor(), &t).await?;
    tx.commit().await?;
    Ok(())
}

/// A request to unseal, as the pages list it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    /// The request.
    pub id: uuid::Uuid,
    /// The letter.
    pub letter_id: LetterId,
    /// Its reference.
    pub reference: String,
    /// Who asked.
    pub requester_id: UserId,
    /// Their name.
    pub requester: String,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
}

/// Requests with their letter's reference and the requester's name.
pub async fn describe(state: &AppState, reqs: Vec<UnsealRequest>) -> AppResult<Vec<RequestRow>> {
    let mut c = state.store.conn().await?;
    let mut rows = Vec::new();
    for r in reqs {
        let l = liem_store::petitions::get_letter(&mut c, r.letter_id).await?;
        let requester = liem_store::users::get(&mut c, r.requester_id)
            .await
            .map(|u| u.display_name)
            .unwrap_or_default();
        rows.push(RequestRow {
            id: r.id,
            letter_id: r.letter_id,
            reference: l.reference,
            requester_id: r.requester_id,
            requester,
            reason: r.reason,
            status: r.status,
        });
    }
    Ok(rows)
}

/// The requests to unseal a letter the caller can read.
pub async fn requests_of_letter(
    state: &AppState,
    who: &Principal,
    letter: LetterId,
) -> AppResult<Vec<RequestRow>> {
    petitions::letter(state, who, letter).await?;
    let mut c = state.store.conn().await?;
    let reqs = store_keys::unseal_requests_of_letter(&mut c, letter).await?;
    drop(c);
    describe(state, reqs).await
}
