//! Sealing what a letter keeps secret: a per-letter data key wrapped for the
//! unit's custodians and recovery key, and the key pairs that open it.

use crate::crypto::PasswordPolicy;
use crate::keys;
use crate::keys::protect;
use crate::keys::PrivateKey;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use liem_domain::ids::LetterId;
use liem_domain::ids::UnitId;
use liem_domain::ids::UserId;
use liem_domain::petition::SealedPayload;
use liem_store::audit::Actor;
use liem_store::keys as store_keys;
use liem_store::petitions::SealedBlob;
use liem_store::Tx;

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
    actor: &Actor,
    letter: LetterId,
    dek: &[u8; 32],
    recipients: &[(String, [u8; 32])],
) -> AppResult<()> {
    let wrapped: Vec<_> = recipients
        .iter()
        .map(|(tag, pk)| (tag.clone(), keys::wrap(dek, pk, letter)))
        .collect();
    store_keys::put_wrapped(tx, actor, letter, &wrapped).await?;
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
