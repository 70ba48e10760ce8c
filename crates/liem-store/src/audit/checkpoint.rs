//! Checkpoints: the chain's head, signed with the instance's checkpoint key
//! (Ed25519), kept outside the database — in a file, on the paper forms
//! that leave the building, with a witness who polls for them. A database
//! that no longer holds the record a checkpoint attests, or holds another,
//! has been rewritten.
//!
//! One checkpoint is one line of text:
//!
//! ```text
//! liem-checkpoint/1 seq=1234 head=<hex> at=2026-12-02T08:00:00Z key=<hex> sig=<base64url>
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde::Serialize;

const TAG: &str = "liem-checkpoint/1";

/// A signed statement of the chain's length and last hash at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    /// The last record's sequence number (0: an empty chain).
    pub seq: i64,
    /// The last record's hash.
    pub head: String,
    /// When it was signed.
    pub at: jiff::Timestamp,
    /// The signing key's public half, hex.
    pub key: String,
    /// The signature over the other fields, base64url.
    pub sig: String,
}

fn message(seq: i64, head: &str, at: jiff::Timestamp) -> String {
    format!("{TAG}\n{seq}\n{head}\n{at}")
}

impl Checkpoint {
    /// Signs the head `seq`, `head` at `at`.
    pub(crate) fn sign(keys: &super::AuditKeys, seq: i64, head: &str, at: jiff::Timestamp) -> Self {
        let at = at.round(jiff::Unit::Second).unwrap_or(at);
        let sig = keys.signing.sign(message(seq, head, at).as_bytes());
        Checkpoint {
            seq,
            head: head.to_owned(),
            at,
            key: keys.public_key_hex(),
            sig: URL_SAFE_NO_PAD.encode(sig.to_bytes()),
        }
    }

    /// Whether the signature holds under the key the checkpoint names.
    pub fn signature_holds(&self) -> bool {
        let Ok(key) = hex::decode(&self.key) else {
            return false;
        };
        let Ok(key) = <[u8; 32]>::try_from(key.as_slice()) else {
            return false;
        };
        let Ok(key) = VerifyingKey::from_bytes(&key) else {
            return false;
        };
        let Ok(sig) = URL_SAFE_NO_PAD.decode(&self.sig) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&sig) else {
            return false;
        };
        key.verify(message(self.seq, &self.head, self.at).as_bytes(), &sig)
            .is_ok()
    }

    /// Parses one line as printed by [`Checkpoint`]'s `Display`.
    pub fn parse(line: &str) -> Result<Checkpoint, String> {
        let mut words = line.split_whitespace();
        if words.next() != Some(TAG) {
            return Err(format!("a checkpoint starts with {TAG}"));
        }
        let mut fields = std::collections::HashMap::new();
        for w in words {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| format!("`{w}` is not key=value"))?;
            fields.insert(k, v);
        }
        let get = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| format!("the checkpoint has no {k}="))
        };
        Ok(Checkpoint {
            seq: get("seq")?
                .parse()
                .map_err(|_| "seq= must be a whole number".to_owned())?,
            head: get("head")?.to_owned(),
            at: get("at")?
                .parse()
                .map_err(|_| "at= must be a UTC time".to_owned())?,
            key: get("key")?.to_owned(),
            sig: get("sig")?.to_owned(),
        })
    }

    /// Every checkpoint in a text (one per line; blank lines and lines
    /// starting with `#` skipped), each error naming its line.
    pub fn parse_all(text: &str) -> Result<Vec<Checkpoint>, String> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(i, l)| Checkpoint::parse(l).map_err(|e| format!("line {}: {e}", i + 1)))
            .collect()
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{TAG} seq={} head={} at={} key={} sig={}",
            self.seq, self.head, self.at, self.key, self.sig
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_any_changed_field_breaks_its_signature() {
        let keys = super::super::AuditKeys::derive(b"an instance key of thirty-two b.");
        let at: jiff::Timestamp = "2026-12-02T08:00:00Z".parse().unwrap();
        let c = Checkpoint::sign(&keys, 42, &"ab".repeat(32), at);
        assert!(c.signature_holds());
        let back = Checkpoint::parse(&c.to_string()).unwrap();
        assert_eq!(back, c);
        assert!(back.signature_holds());
        let mut forged = c.clone();
        forged.seq = 41;
        assert!(!forged.signature_holds());
        let mut forged = c.clone();
        forged.head = "cd".repeat(32);
        assert!(!forged.signature_holds());
        // Signed by another instance's key: holds under that key only.
        let other = super::super::AuditKeys::derive(b"another instance key, also 32 b.");
        let theirs = Checkpoint::sign(&other, 42, &"ab".repeat(32), at);
        assert!(theirs.signature_holds());
        assert_ne!(theirs.key, c.key);
        assert!(Checkpoint::parse("liem-checkpoint/1 seq=x").is_err());
        assert!(Checkpoint::parse_all("# a comment\n\nnot one").is_err());
    }
}
