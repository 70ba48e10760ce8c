//! Time-based one-time passwords, the second factor of a login: RFC 6238
//! over RFC 4226 with HMAC-SHA1, 30-second steps and six digits — what
//! every authenticator program reads from an `otpauth://` address.
//!
//! The secret is kept encrypted under a key derived from the instance key
//! (never in the database), the person's id bound to it; a code is accepted
//! for its own step or one step either side (clocks drift), and never for a
//! step at or before the last one accepted (no code works twice).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use liem_domain::ids::UserId;
use rand::RngCore;
use sha1::Sha1;

/// Seconds in a step.
pub const STEP_SECONDS: i64 = 30;

/// The code of `secret` for time step `step`: six digits (RFC 4226 §5.3's
/// dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[19] & 0x0f);
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    bin % 1_000_000
}

/// The step of a Unix time.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step a typed code belongs to, at `unix_seconds`: its own step or
/// one either side, later than `last_step`; `None` when it is no code of
/// the secret's then (or not six digits).
pub fn check(secret: &[u8], typed: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let now = step_of(unix_seconds);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| *s > last_step)
        .find(|s| code_at(secret, *s) == code)
}

/// A new secret: 20 random bytes (RFC 4226's recommended length).
pub fn new_secret() -> [u8; 20] {
    let mut s = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// A secret in base32 (RFC 4648, no padding), as authenticator programs
/// take it typed in.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` address of a secret, for a QR code or a link.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// Encrypts and decrypts people's secrets under a key derived from the
/// instance key, each bound to its owner.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box under `key` (derived from the instance key).
    pub fn new(key: [u8; 32]) -> SecretBox {
        SecretBox {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// The secret encrypted for `owner`: (nonce, ciphertext).
    pub fn seal(&self, owner: UserId, secret: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: owner.0.as_bytes(),
                },
            )
            .expect("encrypting a short secret succeeds");
        (nonce.to_vec(), ct)
    }

    /// The secret, if it was sealed for `owner` under this key.
    pub fn open(&self, owner: UserId, nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        if nonce.len() != 12 {
            return None;
        }
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner.0.as_bytes(),
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, the last six of the eight digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(code_at(secret, step_of(t)), code, "T = {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_twice() {
        let secret = b"12345678901234567890";
        let t = 1_111_111_111;
        let code = format!("{:06}", code_at(secret, step_of(t)));
        assert_eq!(check(secret, &code, t, 0), Some(step_of(t)));
        assert_eq!(check(secret, &code, t + 30, 0), Some(step_of(t)));
        assert_eq!(check(secret, &code, t - 30, 0), Some(step_of(t)));
        assert_eq!(check(secret, &code, t + 90, 0), None, "too late");
        assert_eq!(check(secret, &code, t, step_of(t)), None, "used already");
        assert_eq!(check(secret, "12345", t, 0), None);
        assert_eq!(check(secret, "abcdef", t, 0), None);
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_owner() {
        let b = SecretBox::new([7u8; 32]);
        let (a, other) = (UserId(uuid::Uuid::now_v7()), UserId(uuid::Uuid::now_v7()));
        let (n, ct) = b.seal(a, b"secret");
        assert_eq!(b.open(a, &n, &ct).as_deref(), Some(&b"secret"[..]));
        assert_eq!(b.open(other, &n, &ct), None);
        assert_eq!(SecretBox::new([8u8; 32]).open(a, &n, &ct), None);
    }
}
