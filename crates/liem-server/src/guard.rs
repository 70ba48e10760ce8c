//! Protections of the public pages and the login: rate limiters for
//! receipt-code checks and logins, keyed by a salted digest of the client
//! address or account (the salt derives from the instance key and rotates,
//! so no address is ever stored or recoverable), and a small proof of work
//! that the submit form computes in the browser. Both count in the
//! database, so that every node of a deployment counts as one.

use sha2::{Digest, Sha256};
use std::time::Duration;

/// How failed receipt-code checks are slowed and then refused.
#[derive(Debug, Clone, Copy)]
pub struct RatePolicy {
    /// Failures allowed before slowing down.
    pub free_failures: u32,
    /// Added delay per failure beyond the free ones.
    pub step: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Failures after which the client is refused until the window ends.
    pub block_after: u32,
    /// How long failures are remembered.
    pub window: Duration,
    /// How often the salt rotates (forgetting every client).
    pub salt_lifetime: Duration,
}

impl Default for RatePolicy {
    fn default() -> Self {
        RatePolicy {
            free_failures: 5,
            step: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            block_after: 20,
            window: Duration::from_secs(3600),
            salt_lifetime: Duration::from_secs(24 * 3600),
        }
    }
}

/// What the limiter says about a client before a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead after waiting this long.
    Proceed(Duration),
    /// Refused until the window ends.
    Refused,
}

/// A limiter whose counts every node of a deployment shares (in the
/// database: a guesser spreading attempts over the nodes meets one limit).
/// A client is stored as a keyed digest under a salt that changes every
/// `salt_lifetime` (derived from the instance key, so every node computes
/// the same), so no address or name is ever stored or recoverable.
pub struct RateLimiter {
    name: &'static str,
    policy: RatePolicy,
    key: [u8; 32],
}

fn random32() -> [u8; 32] {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn unix_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl RateLimiter {
    /// A limiter named `name` (its counts apart from the others'), keyed
    /// by `key` (the same on every node).
    pub fn new(name: &'static str, policy: RatePolicy, key: [u8; 32]) -> RateLimiter {
        RateLimiter { name, policy, key }
    }

    /// The stored name of `client` now: a digest under the salt of the
    /// current period.
    fn client_key(&self, client: &str) -> String {
        let lifetime = self.policy.salt_lifetime.as_millis().max(1) as i64;
        let period = unix_millis() / lifetime;
        let salt = hmac_sha256(&self.key, format!("{}:{period}", self.name).as_bytes());
        hex::encode(&hmac_sha256(&salt, client.as_bytes())[..16])
    }

    fn window_start(&self) -> i64 {
        unix_millis() - self.policy.window.as_millis() as i64
    }

    /// Counts an attempt before it runs, and says whether it may: a burst
    /// of concurrent attempts, on any node, is counted whole, so it gets no
    /// more checks than the limit allows. An attempt that succeeds is
    /// forgiven ([`RateLimiter::forgive`]); one that fails stays counted.
    /// When the count cannot be kept (the database is unreachable) the
    /// attempt is refused.
    pub async fn attempt(&self, store: &liem_store::Store, client: &str) -> Verdict {
        let key = self.client_key(client);
        let p = &self.policy;
        let counted = async {
            // Now and then, the expired windows go.
            if rand::random::<u8>() == 0 {
                liem_store::guards::prune_counts(store, self.name, self.window_start()).await?;
            }
            liem_store::guards::count_attempt(
                store,
                self.name,
                &key,
                unix_millis(),
                self.window_start(),
                p.block_after.saturating_add(1),
            )
            .await
        };
        let before = match counted.await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(limiter = self.name, error = %e, "rate count not kept: refused");
                return Verdict::Refused;
            }
        };
        if before >= p.block_after {
            return Verdict::Refused;
        }
        let over = before.saturating_sub(p.free_failures);
        Verdict::Proceed((p.step * over).min(p.max_delay))
    }

    /// Takes back an attempt that succeeded.
    pub async fn forgive(&self, store: &liem_store::Store, client: &str) {
        let key = self.client_key(client);
        let _ = liem_store::guards::forgive(store, self.name, &key).await;
    }

    /// Forgets a client's failures (after a success that proves who it is).
    pub async fn clear(&self, store: &liem_store::Store, client: &str) {
        let key = self.client_key(client);
        let _ = liem_store::guards::clear(store, self.name, &key).await;
    }
}

/// Whether two secrets are equal, in a time that does not depend on where
/// they differ (tokens, MACs).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA-256.
pub fn hmac_sha256(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Issues and checks proof-of-work challenges: a challenge is
/// `issued_at.random.mac`; the browser finds a nonce such that
/// SHA-256(`challenge:nonce`) starts with `bits` zero bits.
pub struct ProofOfWork {
    key: [u8; 32],
    /// Required leading zero bits.
    pub bits: u32,
    lifetime: Duration,
}

/// Why a proof of work was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    /// Missing or malformed.
    #[error("the proof of work is missing (is JavaScript enabled?)")]
    Missing,
    /// Not issued by this server, or tampered.
    #[error("the proof-of-work challenge is not valid")]
    Forged,
    /// Too old.
    #[error("the form has expired; please submit it again")]
    Expired,
    /// The nonce does not meet the difficulty.
    #[error("the proof of work does not meet the difficulty")]
    TooWeak,
    /// Already used.
    #[error("this form was already submitted")]
    Replayed,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn leading_zero_bits(h: &[u8]) -> u32 {
    let mut n = 0;
    for b in h {
        if *b == 0 {
            n += 8;
        } else {
            n += b.leading_zeros();
            break;
        }
    }
    n
}

impl ProofOfWork {
    /// A guard with a key (shared by every node that shares configuration).
    pub fn new(key: [u8; 32], bits: u32) -> ProofOfWork {
        ProofOfWork {
            key,
            bits,
            lifetime: Duration::from_secs(2 * 3600),
        }
    }

    /// A new challenge.
    pub fn challenge(&self) -> String {
        let r = random32();
        let body = format!("{}.{}", unix_now(), hex::encode(&r[..12]));
        let mac = hmac_sha256(&self.key, body.as_bytes());
        format!("{body}.{}", hex::encode(&mac[..16]))
    }

    /// Checks a solved challenge (without spending it): issued by a node
    /// of this deployment, not expired, solved to the difficulty. Returns
    /// when it was issued (Unix seconds).
    pub fn check(&self, challenge: &str, nonce: &str) -> Result<u64, PowError> {
        let parts: Vec<&str> = challenge.split('.').collect();
        let [ts, rand, mac] = parts.as_slice() else {
            return Err(PowError::Missing);
        };
        if nonce.is_empty() || nonce.len() > 20 || !nonce.chars().all(|c| c.is_ascii_digit()) {
            return Err(PowError::Missing);
        }
        let body = format!("{ts}.{rand}");
        let expected = hex::encode(&hmac_sha256(&self.key, body.as_bytes())[..16]);
        if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
            return Err(PowError::Forged);
        }
        let issued: u64 = ts.parse().map_err(|_| PowError::Forged)?;
        let now = unix_now();
        if now.saturating_sub(issued) > self.lifetime.as_secs() || issued > now + 60 {
            return Err(PowError::Expired);
        }
        let h = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
        if leading_zero_bits(&h) < self.bits {
            return Err(PowError::TooWeak);
        }
        Ok(issued)
    }

    /// Checks a solved challenge and spends it: once in the whole
    /// deployment (the spent challenges are in the database until they
    /// expire). When the spending cannot be recorded the form is refused
    /// as if replayed, never let through twice.
    pub async fn verify(
        &self,
        store: &liem_store::Store,
        challenge: &str,
        nonce: &str,
    ) -> Result<(), PowError> {
        let issued = self.check(challenge, nonce)?;
        let expires = (issued + self.lifetime.as_secs() + 60) as i64 * 1000;
        let spent = async {
            if rand::random::<u8>() == 0 {
                liem_store::guards::prune_challenges(store, unix_millis()).await?;
            }
            liem_store::guards::spend_challenge(store, challenge, expires).await
        };
        match spent.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(PowError::Replayed),
            Err(e) => {
                tracing::warn!(error = %e, "proof of work not spent: refused");
                Err(PowError::Replayed)
            }
        }
    }

    /// Solves a challenge (what the browser's script does; used by tests and
    /// the operator's own submissions).
    pub fn solve(challenge: &str, bits: u32) -> String {
        (0u64..)
            .find(|n| {
                leading_zero_bits(&Sha256::digest(format!("{challenge}:{n}").as_bytes())) >= bits
            })
            .map(|n| n.to_string())
            .expect("a nonce exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_of_work_must_be_solved_and_cannot_be_forged() {
        let p = ProofOfWork::new([7; 32], 8);
        let c = p.challenge();
        let n = ProofOfWork::solve(&c, 8);
        assert_eq!(p.check(&c, "x"), Err(PowError::Missing));
        assert!(p.check(&c, &n).is_ok());
        let forged = format!("{}.{}", &c[..c.rfind('.').unwrap()], "00".repeat(16));
        assert_eq!(p.check(&forged, &n), Err(PowError::Forged));
        let other = ProofOfWork::new([8; 32], 8);
        assert_eq!(other.check(&c, &n), Err(PowError::Forged));
    }

    #[test]
    fn hmac_matches_rfc_4231_shape() {
        // Same key and message give the same tag; a changed message does not.
        let k = [1u8; 32];
        assert_eq!(hmac_sha256(&k, b"abc"), hmac_sha256(&k, b"abc"));
        assert_ne!(hmac_sha256(&k, b"abc"), hmac_sha256(&k, b"abd"));
    }
}
