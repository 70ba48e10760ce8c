//! Custody of sealed identities: sealing to a unit's custodians and recovery
//! key, requests to unseal, a custodian's approval or refusal, and the
//! requester's view — each audited in the same transaction.

use crate::auth::Principal;
use crate::crypto::PasswordPolicy;
use crate::error::{AppError, AppResult};
use crate::keys::{self, open_protected, protect, PrivateKey};
use crate::service;
use crate::AppState;
use liem_domain::ids::{LetterId, UnitId, UserId};
use liem_domain::petition::{Identity, SealedPayload};
use liem_domain::role::Right;
use liem_domain::ValidationErrors;
use liem_store::audit::Actor;
use liem_store::keys::{recovery_recipient, user_recipient, UnsealRequest};
use liem_store::petitions::SealedBlob;
use liem_store::{keys as store_keys, Tx};

/// The key id of identities sealed under a per-letter data key.
pub const DEK_KEY_ID: &str = "dek";

/// Encrypts what a letter seals under a fresh data key; returns the blob to
/// store and the data key to wrap once the letter exists.
pub fn seal_payload(letter: LetterId, payload: &SealedPayload) -> (SealedBlob, [u8; 32]) {
    let dek = keys::new_data_key();
    let plain = serde_json::to_vec(payload).expect("a payload serialises");
    let (nonce, ciphertext) = keys::seal_with(&dek, &plain, letter);
    (
        SealedBlob {
            key_id: DEK_KEY_ID.into(),
            nonce,
            ciphertext,
        },
        dek,
    )
}

/// The recipients a unit's sealed data goes to; an error when it has none
/// (nothing may be sealed that nobody could ever open).
pub async fn recipients(
    tx: &mut Tx,
    unit: UnitId,
    unit_code: &str,
) -> AppResult<Vec<(String, [u8; 32])>> {
    let r = store_keys::seal_recipients(tx, unit).await?;
    if r.is_empty() {
        return Err(AppError::Conflict(format!(
            "unit {unit_code} has no custodian key and no recovery key, so an identity cannot be sealed there; \
             set one with `liem unit recovery-key --unit {unit_code}`"
        )));
    }
    r.into_iter()
        .map(|(tag, pk)| {
            let pk: [u8; 32] = pk
                .try_into()
                .map_err(|_| AppError::Internal("malformed public key".into()))?;
            Ok((tag, pk))
        })
        .collect()
}

/// Wraps a letter's data key for each recipient.
pub async fn wrap_for(
    tx: &mut Tx,
    letter: LetterId,
    dek: &[u8; 32],
    recipients: &[(String, [u8; 32])],
) -> AppResult<()> {
    for (tag, pk) in recipients {
        store_keys::put_wrapped(tx, letter, tag, &keys::wrap(dek, pk, letter)).await?;
    }
    Ok(())
}

/// Gives a person a key pair protected by their password.
pub async fn provision_user_key(
    tx: &mut Tx,
    actor: &Actor,
    user: UserId,
    password: &str,
    policy: PasswordPolicy,
) -> AppResult<()> {
    let k = PrivateKey::generate();
    let p = protect(&k, password, user.0.as_bytes(), policy);
    store_keys::set_user_key(tx, actor, user, &p).await?;
    Ok(())
}

/// Gives a unit a new recovery key pair; returns the private key, to be
/// printed once and kept offline.
pub async fn provision_recovery_key(
    tx: &mut Tx,
    actor: &Actor,
    unit: UnitId,
) -> AppResult<PrivateKey> {
    let k = PrivateKey::generate();
    store_keys::set_recovery_key(tx, actor, unit, &k.public()).await?;
    Ok(k)
}

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
    who: &Principal,
    letter: LetterId,
    reason: &str,
) -> AppResult<UnsealRequest> {
    let l = service::letter(state, who, letter).await?;
    if !(l.sealed || l.content_sealed) {
        return Err(AppError::Conflict("this letter has nothing sealed".into()));
    }
    if !(who.can(Right::RequestUnseal) && who.user.unit_id == l.unit_id) {
        return Err(AppError::Forbidden(
            "only a handler or leader of the handling unit may ask to unseal".into(),
        ));
    }
    let reason = reason_ok(reason)?;
    let mut c = state.store.conn().await?;
    if store_keys::user_key(&mut c, who.user.id).await?.is_none() {
        return Err(AppError::Conflict(
            "you have no key pair yet: ask an administrator to run `liem user key`".into(),
        ));
    }
    drop(c);
    let mut tx = state.store.begin().await?;
    let r = store_keys::request_unseal(&mut tx, &who.actor(), letter, who.user.id, reason).await?;
    tx.commit().await?;
    Ok(r)
}

/// The requests a custodian can decide (their unit's), by status.
pub async fn requests_for_custodian(
    state: &AppState,
    who: &Principal,
    status: Option<&str>,
) -> AppResult<Vec<UnsealRequest>> {
    if !who.can(Right::ApproveUnseal) {
        return Err(AppError::Forbidden(
            "only a custodian decides on unsealing".into(),
        ));
    }
    let mut c = state.store.conn().await?;
    Ok(store_keys::unseal_requests_of_unit(&mut c, who.user.unit_id, status).await?)
}

/// A custodian approves (with their password) or refuses a request.
pub async fn decide_unseal(
    state: &AppState,
    who: &Principal,
    request: uuid::Uuid,
    approve: bool,
    password: &str,
    note: Option<&str>,
) -> AppResult<UnsealRequest> {
    if !who.can(Right::ApproveUnseal) {
        return Err(AppError::Forbidden(
            "only a custodian decides on unsealing".into(),
        ));
    }
    let mut c = state.store.conn().await?;
    let req = store_keys::unseal_request(&mut c, request).await?;
    let letter = liem_store::petitions::get_letter(&mut c, req.letter_id).await?;
    if letter.unit_id != who.user.unit_id {
        return Err(AppError::NotFound);
    }
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
    let mut tx = state.store.begin().await?;
    if approve {
        let dek = open_dek(&mut c, who.user.id, password, req.letter_id).await?;
        let requester_key = store_keys::user_key(&mut c, req.requester_id)
            .await?
            .ok_or_else(|| AppError::Conflict("the requester has no key pair".into()))?;
        let pk: [u8; 32] = requester_key
            .public
            .try_into()
            .map_err(|_| AppError::Internal("malformed public key".into()))?;
        store_keys::put_wrapped(
            &mut tx,
            req.letter_id,
            &user_recipient(req.requester_id),
            &keys::wrap(&dek, &pk, req.letter_id),
        )
        .await?;
    }
    drop(c);
    store_keys::decide(
        &mut tx,
        &who.actor(),
        request,
        approve,
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
    who: &Principal,
    letter: LetterId,
    password: &str,
) -> AppResult<SealedPayload> {
    service::letter(state, who, letter).await?;
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
    let dek = open_dek(&mut c, who.user.id, password, letter).await?;
    drop(c);
    let mut tx = state.store.begin().await?;
    let blob =
        liem_store::petitions::unseal(&mut tx, &who.actor(), letter, "approved request").await?;
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
    let mut tx = state.store.begin().await?;
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
    let actor = Actor::system("seal-migration");
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
        let mut tx = state.store.begin().await?;
        let rcpt = recipients(&mut tx, UnitId(r.uuid("unit_id")?), &r.text("code")?).await?;
        liem_store::db::query("UPDATE sealed_identities SET key_id = $1, nonce = $2, ciphertext = $3 WHERE letter_id = $4")
            .bind(blob.key_id)
            .bind(blob.nonce)
            .bind(blob.ciphertext)
            .bind(letter.0)
            .execute(&mut tx)
            .await?;
        wrap_for(&mut tx, letter, &dek, &rcpt).await?;
        liem_store::audit::append(
            &mut tx,
            &actor,
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

/// Moves a letter and its matters to another unit; a sealed identity then
/// waits for a custodian of the sending unit to re-seal it.
pub async fn transfer_letter(
    state: &AppState,
    who: &Principal,
    letter: LetterId,
    to_code: &str,
    reason: &str,
) -> AppResult<liem_store::petitions::TransferRecord> {
    let l = service::letter(state, who, letter).await?;
    if !who.scope(Right::HandleMatter).contains(&l.unit_path) {
        return Err(AppError::Forbidden(
            "transferring needs the handler or leader role in the letter's unit".into(),
        ));
    }
    let reason = reason.trim();
    let mut errs = ValidationErrors::new();
    if !(5..=500).contains(&reason.chars().count()) {
        errs.add(
            "reason",
            "length",
            "must give the reason in 5 to 500 characters",
        );
    }
    let mut c = state.store.conn().await?;
    let to = match liem_store::units::by_code(&mut c, to_code).await {
        Ok(u) if u.id == l.unit_id => {
            errs.add("to_unit", "same_unit", "must be another unit");
            None
        }
        Ok(u) if u.valid_to.is_some() => {
            errs.add("to_unit", "dissolved", "must be a unit that still exists");
            None
        }
        Ok(u) => Some(u),
        Err(liem_store::StoreError::NotFound) => {
            errs.add("to_unit", "unknown_value", "must be a unit code");
            None
        }
        Err(e) => return Err(e.into()),
    };
    drop(c);
    errs.into_result(())?;
    let to = to.expect("checked");
    let mut tx = state.store.begin().await?;
    let t =
        liem_store::petitions::transfer(&mut tx, &who.actor(), letter, l.unit_id, to.id, reason)
            .await?;
    tx.commit().await?;
    Ok(t)
}

/// The sealed letters a custodian's unit transferred and must re-seal.
pub async fn pending_reseals(
    state: &AppState,
    who: &Principal,
) -> AppResult<Vec<liem_store::petitions::TransferRecord>> {
    if !who.can(Right::ApproveUnseal) {
        return Err(AppError::Forbidden("only a custodian re-seals".into()));
    }
    let mut c = state.store.conn().await?;
    Ok(liem_store::petitions::pending_reseals(&mut c, who.user.unit_id).await?)
}

/// A custodian of the sending unit re-seals a transferred identity for the
/// receiving unit's custodians and recovery key.
pub async fn reseal(
    state: &AppState,
    who: &Principal,
    transfer: uuid::Uuid,
    password: &str,
) -> AppResult<()> {
    if !who.can(Right::ApproveUnseal) {
        return Err(AppError::Forbidden("only a custodian re-seals".into()));
    }
    let mut c = state.store.conn().await?;
    let t = liem_store::petitions::transfer_record(&mut c, transfer).await?;
    if t.from_unit_id != who.user.unit_id {
        return Err(AppError::NotFound);
    }
    if t.resealed_at.is_some() {
        return Err(AppError::Conflict("already re-sealed".into()));
    }
    let dek = open_dek(&mut c, who.user.id, password, t.letter_id).await?;
    let to = liem_store::units::get(&mut c, t.to_unit_id).await?;
    drop(c);
    let mut tx = state.store.begin().await?;
    let rcpt = recipients(&mut tx, to.id, &to.code).await?;
    wrap_for(&mut tx, t.letter_id, &dek, &rcpt).await?;
    liem_store::petitions::mark_resealed(&mut tx, &who.actor(), &t).await?;
    tx.commit().await?;
    Ok(())
}
