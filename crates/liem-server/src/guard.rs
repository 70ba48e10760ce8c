//! Protections of the public pages: a rate limiter for receipt-code checks
//! keyed by a salted hash of the client address (the salt lives in memory
//! and rotates, so no address is ever stored or recoverable), and a small
//! proof of work that the submit form computes in the browser.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[derive(Debug, Clone, Copy)]
struct ClientState {
    failures: u32,
    since: Instant,
}

struct Inner {
    salt: [u8; 32],
    salt_born: Instant,
    clients: HashMap<[u8; 32], ClientState>,
}

/// What the limiter says about a client before a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead after waiting this long.
    Proceed(Duration),
    /// Refused until the window ends.
    Refused,
}

/// The in-memory limiter.
pub struct RateLimiter {
    policy: RatePolicy,
    inner: Mutex<Inner>,
}

fn random32() -> [u8; 32] {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

impl RateLimiter {
    /// A limiter with a fresh salt.
    pub fn new(policy: RatePolicy) -> RateLimiter {
        RateLimiter {
            policy,
            inner: Mutex::new(Inner {
                salt: random32(),
                salt_born: Instant::now(),
                clients: HashMap::new(),
            }),
        }
    }

    fn key(inner: &mut Inner, client: &str, policy: &RatePolicy) -> [u8; 32] {
        if inner.salt_born.elapsed() > policy.salt_lifetime {
            inner.salt = random32();
            inner.salt_born = Instant::now();
            inner.clients.clear();
        }
        let mut h = Sha256::new();
        h.update(inner.salt);
        h.update(client.as_bytes());
        h.finalize().into()
    }

    /// Counts an attempt before it runs, and says whether it may: a burst
    /// of concurrent attempts is counted whole, so it gets no more checks
    /// than the limit allows. An attempt that succeeds is forgiven
    /// ([`RateLimiter::forgive`]); one that fails stays counted.
    pub fn attempt(&self, client: &str) -> Verdict {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = Self::key(&mut inner, client, &self.policy);
        let now = Instant::now();
        let window = self.policy.window;
        let e = inner.clients.entry(key).or_insert(ClientState {
            failures: 0,
            since: now,
        });
        if e.since.elapsed() > window {
            *e = ClientState {
                failures: 0,
                since: now,
            };
        }
        if e.failures >= self.policy.block_after {
            return Verdict::Refused;
        }
        let over = e.failures.saturating_sub(self.policy.free_failures);
        e.failures += 1;
        let verdict = Verdict::Proceed((self.policy.step * over).min(self.policy.max_delay));
        if inner.clients.len() > 100_000 {
            inner.clients.retain(|_, s| s.since.elapsed() < window);
        }
        verdict
    }

    /// Takes back an attempt that succeeded.
    pub fn forgive(&self, client: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = Self::key(&mut inner, client, &self.policy);
        if let Some(e) = inner.clients.get_mut(&key) {
            e.failures = e.failures.saturating_sub(1);
        }
    }

    /// Forgets a client's failures (after a success that proves who it is).
    pub fn clear(&self, client: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = Self::key(&mut inner, client, &self.policy);
        inner.clients.remove(&key);
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
    used: Mutex<HashMap<String, u64>>,
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
            used: Mutex::new(HashMap::new()),
        }
    }

    /// A new challenge.
    pub fn challenge(&self) -> String {
        let r = random32();
        let body = format!("{}.{}", unix_now(), hex::encode(&r[..12]));
        let mac = hmac_sha256(&self.key, body.as_bytes());
        format!("{body}.{}", hex::encode(&mac[..16]))
    }

    /// Checks a solved challenge, once.
    pub fn verify(&self, challenge: &str, nonce: &str) -> Result<(), PowError> {
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
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let horizon = now.saturating_sub(self.lifetime.as_secs());
        used.retain(|_, at| *at >= horizon);
        if used.insert(challenge.to_owned(), issued).is_some() {
            return Err(PowError::Replayed);
        }
        Ok(())
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
    fn attempts_are_slowed_then_refused_one_client_only_and_a_success_takes_back_its_own() {
        let l = RateLimiter::new(RatePolicy {
            step: Duration::from_millis(10),
            ..Default::default()
        });
        // Five free attempts, then ten milliseconds more for each.
        for _ in 0..5 {
            assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::ZERO));
        }
        assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::ZERO));
        assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::from_millis(10)));
        // A success takes back its own attempt only: alternating a right
        // answer with wrong ones does not reset the count.
        assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::from_millis(20)));
        l.forgive("a");
        assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::from_millis(20)));
        for _ in 0..12 {
            l.attempt("a");
        }
        assert_eq!(l.attempt("a"), Verdict::Refused);
        assert_eq!(
            l.attempt("a"),
            Verdict::Refused,
            "a refusal is not counted further"
        );
        assert_eq!(l.attempt("b"), Verdict::Proceed(Duration::ZERO));
        // Clearing forgets a client.
        l.clear("a");
        assert_eq!(l.attempt("a"), Verdict::Proceed(Duration::ZERO));
    }

    #[test]
    fn proof_of_work_is_checked_once_and_cannot_be_forged() {
        let p = ProofOfWork::new([7; 32], 8);
        let c = p.challenge();
        let n = ProofOfWork::solve(&c, 8);
        assert_eq!(p.verify(&c, "x"), Err(PowError::Missing));
        assert_eq!(p.verify(&c, &n), Ok(()));
        assert_eq!(p.verify(&c, &n), Err(PowError::Replayed));
        let forged = format!("{}.{}", &c[..c.rfind('.').unwrap()], "00".repeat(16));
        assert_eq!(p.verify(&forged, &n), Err(PowError::Forged));
        let other = ProofOfWork::new([8; 32], 8);
        assert_eq!(other.verify(&c, &n), Err(PowError::Forged));
    }

    #[test]
    fn hmac_matches_rfc_4231_shape() {
        // Same key and message give the same tag; a changed message does not.
        let k = [1u8; 32];
        assert_eq!(hmac_sha256(&k, b"abc"), hmac_sha256(&k, b"abc"));
        assert_ne!(hmac_sha256(&k, b"abc"), hmac_sha256(&k, b"abd"));
    }
}
