//! Keys the server cannot use alone.
//!
//! A sealed identity is encrypted under a fresh data key (DEK). The DEK is
//! wrapped (X25519 + ChaCha20-Poly1305, bound to the letter) for each
//! custodian of the handling unit and for the unit's recovery key. A
//! person's X25519 private key is itself encrypted under a key derived from
//! their password with Argon2id; a unit's recovery private key is printed
//! once and never stored. So neither a database dump nor the server's
//! configuration, nor both together, open a sealed identity: it takes a
//! custodian's password (or the recovery key).

use crate::guard::hmac_sha256;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use liem_domain::ids::LetterId;
use rand::RngCore;
use x25519_dalek::{PublicKey, StaticSecret};

/// A private key that never prints.
pub struct PrivateKey(StaticSecret);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// Crypto failures, without detail an attacker could use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Wrong password, wrong key, or tampered data.
    #[error("the key or password does not open this data")]
    DoesNotOpen,
    /// A stored value has the wrong length.
    #[error("malformed key material")]
    Malformed,
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

impl PrivateKey {
    /// A fresh key pair.
    pub fn generate() -> PrivateKey {
        PrivateKey(StaticSecret::from(random::<32>()))
    }

    /// The public half.
    pub fn public(&self) -> [u8; 32] {
        PublicKey::from(&self.0).to_bytes()
    }

    /// The key as text, for printing a recovery key once.
    pub fn to_text(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0.to_bytes())
    }

    /// Parses a printed recovery key.
    pub fn from_text(text: &str) -> Result<PrivateKey, KeyError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(PrivateKey(StaticSecret::from(arr)))
    }
}

pub use liem_store::keys::{ProtectedKey, Wrapped};

fn wrap_key(shared: &[u8; 32], eph: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut info = b"liem wrap v1".to_vec();
    info.extend_from_slice(eph);
    info.extend_from_slice(recipient);
    hmac_sha256(shared, &info)
}

/// A fresh data key.
pub fn new_data_key() -> [u8; 32] {
    random::<32>()
}

/// Wraps a data key for a recipient's public key, bound to a letter.
pub fn wrap(dek: &[u8; 32], recipient: &[u8; 32], letter: LetterId) -> Wrapped {
    let eph = StaticSecret::from(random::<32>());
    let eph_public = PublicKey::from(&eph).to_bytes();
    let shared = eph.diffie_hellman(&PublicKey::from(*recipient)).to_bytes();
    let k = wrap_key(&shared, &eph_public, recipient);
    let nonce = random::<12>();
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&k))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: dek,
                aad: letter.0.as_bytes(),
            },
        )
        .expect("encrypting 32 bytes succeeds");
    Wrapped {
        eph_public: eph_public.to_vec(),
        nonce: nonce.to_vec(),
        ciphertext,
    }
}

/// Unwraps a data key with the recipient's private key.
pub fn unwrap(key: &PrivateKey, w: &Wrapped, letter: LetterId) -> Result<[u8; 32], KeyError> {
    let eph: [u8; 32] = w
        .eph_public
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Malformed)?;
    if w.nonce.len() != 12 {
        return Err(KeyError::Malformed);
    }
    let shared = key.0.diffie_hellman(&PublicKey::from(eph)).to_bytes();
    let k = wrap_key(&shared, &eph, &key.public());
    let dek = ChaCha20Poly1305::new(Key::from_slice(&k))
        .decrypt(
            Nonce::from_slice(&w.nonce),
            Payload {
                msg: &w.ciphertext,
                aad: letter.0.as_bytes(),
            },
        )
        .map_err(|_| KeyError::DoesNotOpen)?;
    dek.try_into().map_err(|_| KeyError::Malformed)
}

/// Encrypts data under a data key, bound to a letter.
pub fn seal_with(dek: &[u8; 32], plain: &[u8], letter: LetterId) -> (Vec<u8>, Vec<u8>) {
    let nonce = random::<12>();
    let ct = ChaCha20Poly1305::new(Key::from_slice(dek))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: letter.0.as_bytes(),
            },
        )
        .expect("encryption of a bounded message succeeds");
    (nonce.to_vec(), ct)
}

/// Decrypts data sealed with [`seal_with`].
pub fn open_with(
    dek: &[u8; 32],
    nonce: &[u8],
    ct: &[u8],
    letter: LetterId,
) -> Result<Vec<u8>, KeyError> {
    if nonce.len() != 12 {
        return Err(KeyError::Malformed);
    }
    ChaCha20Poly1305::new(Key::from_slice(dek))
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: letter.0.as_bytes(),
            },
        )
        .map_err(|_| KeyError::DoesNotOpen)
}

fn password_key(
    password: &str,
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
) -> Result<[u8; 32], KeyError> {
    let params = argon2::Params::new(memory_kib, iterations, 1, Some(32))
        .map_err(|_| KeyError::Malformed)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(password.as_bytes(), salt, &mut out)
        .map_err(|_| KeyError::Malformed)?;
    Ok(out)
}

/// Protects a private key with a password; `owner` is bound as associated data.
pub fn protect(
    key: &PrivateKey,
    password: &str,
    owner: &[u8],
    policy: crate::crypto::PasswordPolicy,
) -> ProtectedKey {
    let salt = random::<16>();
    let k = password_key(password, &salt, policy.memory_kib, policy.iterations)
        .expect("valid parameters");
    let nonce = random::<12>();
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&k))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &key.0.to_bytes(),
                aad: owner,
            },
        )
        .expect("encrypting 32 bytes succeeds");
    ProtectedKey {
        public: key.public().to_vec(),
        salt: salt.to_vec(),
        memory_kib: policy.memory_kib,
        iterations: policy.iterations,
        nonce: nonce.to_vec(),
        ciphertext,
    }
}

/// Opens a protected private key with the password.
pub fn open_protected(
    p: &ProtectedKey,
    password: &str,
    owner: &[u8],
) -> Result<PrivateKey, KeyError> {
    if p.nonce.len() != 12 {
        return Err(KeyError::Malformed);
    }
    let k = password_key(password, &p.salt, p.memory_kib, p.iterations)?;
    let plain = ChaCha20Poly1305::new(Key::from_slice(&k))
        .decrypt(
            Nonce::from_slice(&p.nonce),
            Payload {
                msg: &p.ciphertext,
                aad: owner,
            },
        )
        .map_err(|_| KeyError::DoesNotOpen)?;
    let arr: [u8; 32] = plain.try_into().map_err(|_| KeyError::Malformed)?;
    Ok(PrivateKey(StaticSecret::from(arr)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PasswordPolicy;

    const FAST: PasswordPolicy = PasswordPolicy {
        memory_kib: 1024,
        iterations: 1,
    };

    #[test]
    fn a_data_key_unwraps_only_for_its_recipient_and_letter() {
        let alice = PrivateKey::generate();
        let bob = PrivateKey::generate();
        let letter = LetterId::new();
        let dek = new_data_key();
        let w = wrap(&dek, &alice.public(), letter);
        assert_eq!(unwrap(&alice, &w, letter), Ok(dek));
        assert_eq!(unwrap(&bob, &w, letter), Err(KeyError::DoesNotOpen));
        assert_eq!(
            unwrap(&alice, &w, LetterId::new()),
            Err(KeyError::DoesNotOpen)
        );
        let (nonce, ct) = seal_with(&dek, b"secret", letter);
        assert_eq!(open_with(&dek, &nonce, &ct, letter).unwrap(), b"secret");
    }

    #[test]
    fn a_protected_key_opens_with_its_password_only() {
        let k = PrivateKey::generate();
        let p = protect(&k, "correct horse battery", b"user-1", FAST);
        assert_eq!(
            open_protected(&p, "correct horse battery", b"user-1")
                .unwrap()
                .public(),
            k.public()
        );
        assert_eq!(
            open_protected(&p, "wrong", b"user-1").unwrap_err(),
            KeyError::DoesNotOpen
        );
        assert_eq!(
            open_protected(&p, "correct horse battery", b"user-2").unwrap_err(),
            KeyError::DoesNotOpen
        );
    }

    #[test]
    fn recovery_keys_print_and_parse() {
        let k = PrivateKey::generate();
        assert_eq!(
            PrivateKey::from_text(&k.to_text()).unwrap().public(),
            k.public()
        );
        assert_eq!(format!("{k:?}"), "PrivateKey(..)");
        assert!(PrivateKey::from_text("nope").is_err());
    }
}
