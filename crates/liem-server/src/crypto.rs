//! Secrets: the sealing of denouncers' identities, password hashing, and
//! random tokens.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use liem_domain::ids::LetterId;
use liem_domain::petition::Identity;
use liem_store::petitions::SealedBlob;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A 32-byte key that never prints.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> SecretKey {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        SecretKey(k)
    }

    /// Parses a key written as base64 (URL-safe, no padding) or 64 hex digits.
    pub fn parse(text: &str) -> Result<SecretKey, String> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|e| e.to_string())?
        } else {
            URL_SAFE_NO_PAD
                .decode(t)
                .map_err(|_| "the key must be 32 bytes in base64url or hex".to_owned())?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the key must be exactly 32 bytes".to_owned())?;
        Ok(SecretKey(arr))
    }

    /// A key for another purpose, derived from this one (so that nodes
    /// sharing a configuration share it, and it reveals nothing of this key).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        crate::guard::hmac_sha256(&self.0, label.as_bytes())
    }

    /// The key as base64url text (for writing a new key file).
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }
}

/// Digests senders' marks (`liem_domain::petition::sender_marks`) under a
/// key derived from the instance key: the same sender gives the same
/// digests on every node, and a database read without the key cannot be
/// turned back into ID numbers or telephone numbers by trying them all.
#[derive(Clone)]
pub struct SenderKey([u8; 32]);

impl SenderKey {
    /// The instance's key for digests (every node derives the same).
    pub fn of_instance(instance: &SecretKey) -> SenderKey {
        SenderKey(instance.derive("liem sender digest v1"))
    }

    /// One mark's digest: the first 16 bytes of its HMAC-SHA256, in hex.
    pub fn digest(&self, mark: &str) -> String {
        hex::encode(&crate::guard::hmac_sha256(&self.0, mark.as_bytes())[..16])
    }

    /// The digests of a letter's sender (none for an anonymous one).
    pub fn of_letter(&self, letter: &liem_domain::petition::NewLetter) -> Vec<String> {
        letter
            .identity
            .as_ref()
            .map(|i| i.marks().iter().map(|m| self.digest(m)).collect())
            .unwrap_or_default()
    }

    /// The digests of a sender as typed into a form (none for an anonymous
    /// one, whatever its fields hold: the letter will keep no identity).
    pub fn of_input(&self, s: &liem_domain::petition::SenderInput) -> Vec<String> {
        if s.kind.as_deref().map(str::trim) == Some("anonymous") {
            return Vec::new();
        }
        liem_domain::petition::sender_marks(
            s.name.as_deref(),
            s.id_number.as_deref(),
            s.address.as_deref(),
            s.phone.as_deref(),
        )
        .iter()
        .map(|m| self.digest(m))
        .collect()
    }
}

/// Seals identities with ChaCha20-Poly1305 under a key that lives in the
/// configuration, never in the database. The letter id is bound as
/// associated data, so a sealed blob cannot be moved to another letter.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    key_id: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer({})", self.key_id)
    }
}

/// Sealing or unsealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The blob was sealed under another key.
    #[error("sealed under key {0}, which is not configured")]
    WrongKey(String),
    /// The blob does not authenticate (tampered, or wrong letter).
    #[error("sealed data does not authenticate")]
    Tampered,
}

impl Sealer {
    /// A sealer for a key.
    pub fn new(key: &SecretKey) -> Sealer {
        let key_id = hex::encode(&Sha256::digest(key.0)[..8]);
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key.0)),
            key_id,
        }
    }

    /// Encrypts an identity for a letter.
    pub fn seal(&self, letter: LetterId, identity: &Identity) -> SealedBlob {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let plain = serde_json::to_vec(identity).expect("identity serialises");
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: letter.0.as_bytes(),
                },
            )
            .expect("encryption of a bounded message succeeds");
        SealedBlob {
            key_id: self.key_id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Decrypts a letter's identity.
    pub fn open(&self, letter: LetterId, blob: &SealedBlob) -> Result<Identity, SealError> {
        if blob.key_id != self.key_id {
            return Err(SealError::WrongKey(blob.key_id.clone()));
        }
        if blob.nonce.len() != 12 {
            return Err(SealError::Tampered);
        }
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(&blob.nonce),
                Payload {
                    msg: &blob.ciphertext,
                    aad: letter.0.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Tampered)
    }
}

/// Argon2id parameters (memory in KiB, iterations, lanes).
#[derive(Debug, Clone, Copy)]
pub struct PasswordPolicy {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
}

impl Default for PasswordPolicy {
    /// OWASP's recommended minimum for Argon2id: 19 MiB, 2 iterations.
    fn default() -> Self {
        PasswordPolicy {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

impl PasswordPolicy {
    fn argon(&self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None)
            .expect("valid Argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes a password into a PHC string.
    pub fn hash(&self, password: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .expect("hashing succeeds with valid parameters")
            .to_string()
    }

    /// Checks a password against a PHC string (parameters come from the hash).
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(h) => Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time of one verification, so that an unknown user name
    /// takes as long to refuse as a wrong password.
    pub fn waste(&self, password: &str) {
        let _ = self
            .argon()
            .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
    }
}

/// A random token: 32 bytes, base64url.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// The stored form of a token: SHA-256 (tokens carry 256 bits of entropy,
/// so a fast hash is enough; what matters is that the table holds no token).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A random password for generated accounts: 20 characters, no look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn sender_digests_are_keyed_and_none_for_an_anonymous_sender() {
        use liem_domain::petition::SenderInput;
        let s = SenderInput {
            kind: Some("person".into()),
            name: Some("Lê Thị Lặp".into()),
            id_number: Some("001190012345".into()),
            address: Some("12 Hàng Bông".into()),
            ..Default::default()
        };
        let one = SenderKey::of_instance(&SecretKey([1; 32]));
        let other = SenderKey::of_instance(&SecretKey([2; 32]));
        let d = one.of_input(&s);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|x| x.len() == 32 && !x.contains("001190")));
        assert!(
            other.of_input(&s).iter().all(|x| !d.contains(x)),
            "another key, other digests"
        );
        let anonymous = SenderInput {
            kind: Some("anonymous".into()),
            ..s
        };
        assert!(one.of_input(&anonymous).is_empty());
    }
    use super::*;

    fn identity() -> Identity {
        Identity {
            name: "Nguyễn Thị Kín".into(),
            id_number: Some("001190000001".into()),
            address: None,
            phone: None,
            email: None,
        }
    }

    #[test]
    fn sealed_identity_round_trips_and_binds_to_its_letter() {
        let s = Sealer::new(&SecretKey::generate());
        let letter = LetterId::new();
        let blob = s.seal(letter, &identity());
        assert!(!String::from_utf8_lossy(&blob.ciphertext).contains("Kín"));
        assert_eq!(s.open(letter, &blob).unwrap(), identity());
        assert!(matches!(
            s.open(LetterId::new(), &blob),
            Err(SealError::Tampered)
        ));
        let other = Sealer::new(&SecretKey::generate());
        assert!(matches!(
            other.open(letter, &blob),
            Err(SealError::WrongKey(_))
        ));
    }

    #[test]
    fn keys_parse_from_their_text_form() {
        let k = SecretKey::generate();
        let again = SecretKey::parse(&k.to_text()).unwrap();
        assert_eq!(Sealer::new(&k).key_id, Sealer::new(&again).key_id);
        assert!(SecretKey::parse("short").is_err());
        assert_eq!(format!("{k:?}"), "SecretKey(..)");
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let p = PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
        };
        let h = p.hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery", &h));
        assert!(!p.verify("wrong", &h));
        assert!(!p.verify("x", "not a hash"));
    }
}
