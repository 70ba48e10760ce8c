//! Attachments on disk, content-addressed and encrypted at rest: a file's
//! name is a keyed digest of its bytes (HMAC-SHA256 under a key derived from
//! the instance key: the same scan stored twice takes the space once, yet
//! whoever holds a document and a backup cannot tell it was submitted), and
//! its content is ChaCha20-Poly1305 under another such key — so the disk or
//! a backup of it, or of the database, alone reveals no file.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name it came with.
    pub filename: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    /// Larger than allowed.
    #[error("is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// Not one of the accepted types.
    #[error("is not a PDF, PNG, JPEG or UTF-8 text file")]
    UnsupportedType,
    /// Empty.
    #[error("is empty")]
    Empty,
}

impl FileRefusal {
    /// The rule a refused upload breaks, as a validation error names it.
    pub fn rule(&self) -> &'static str {
        match self {
            FileRefusal::TooLarge { .. } => "file_too_large",
            FileRefusal::UnsupportedType => "file_type",
            FileRefusal::Empty => "file_empty",
        }
    }
}

/// Checks an upload and names its media type from its content (not its name).
pub fn check(upload: &Upload, max: usize) -> Result<&'static str, FileRefusal> {
    let b = &upload.bytes;
    if b.is_empty() {
        return Err(FileRefusal::Empty);
    }
    if b.len() > max {
        return Err(FileRefusal::TooLarge { max });
    }
    if b.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if std::str::from_utf8(b).is_ok() && !b.contains(&0) {
        Ok("text/plain; charset=utf-8")
    } else {
        Err(FileRefusal::UnsupportedType)
    }
}

/// The file name extension of a checked media type.
pub fn extension(media: &str) -> &'static str {
    match media {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "txt",
    }
}

/// The content-addressed file store.
#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
    key: [u8; 32],
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({})", self.root.display())
    }
}

/// The first bytes of an encrypted file.
const MAGIC: &[u8; 8] = b"LIEMENC1";

impl FileStore {
    /// A store rooted at a directory (created when needed), encrypting with `key`.
    pub fn new(root: impl Into<PathBuf>, key: [u8; 32]) -> FileStore {
        FileStore {
            root: root.into(),
            key,
        }
    }

    fn cipher(&self) -> chacha20poly1305::ChaCha20Poly1305 {
        use chacha20poly1305::KeyInit;
        chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.key))
    }

    /// The name a file's bytes are stored under.
    fn name_of(&self, bytes: &[u8]) -> String {
        let names = crate::guard::hmac_sha256(&self.key, b"attachment names v1");
        hex::encode(crate::guard::hmac_sha256(&names, bytes))
    }

    fn path_of(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[..2]).join(sha)
    }

    /// Stores bytes durably (written, synced, renamed into place, readable
    /// by the owner only); returns the name they are kept under.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = self.name_of(bytes);
        let dest = self.path_of(&sha);
        if dest.exists() {
            return Ok(sha);
        }
        let dir = dest.parent().expect("a parent directory");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha}.{}", uuid::Uuid::new_v4().simple()));
        let mut nonce = [0u8; 12];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        let sealed = {
            use chacha20poly1305::aead::{Aead, Payload};
            self.cipher()
                .encrypt(
                    chacha20poly1305::Nonce::from_slice(&nonce),
                    Payload {
                        msg: bytes,
                        aad: sha.as_bytes(),
                    },
                )
                .map_err(|_| std::io::Error::other("encryption failed"))?
        };
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&nonce)?;
            f.write_all(&sealed)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &dest)?;
        sync_dir(dir)?;
        Ok(sha)
    }

    /// Reads stored bytes by their name, checking they digest to it (files
    /// stored before keyed names are named by their plain SHA-256).
    pub fn get(&self, sha: &str) -> std::io::Result<Vec<u8>> {
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a SHA-256",
            ));
        }
        let raw = std::fs::read(self.path_of(sha))?;
        let plain = match raw.strip_prefix(MAGIC.as_slice()) {
            Some(rest) if rest.len() >= 12 => {
                use chacha20poly1305::aead::{Aead, Payload};
                let (nonce, ct) = rest.split_at(12);
                self.cipher()
                    .decrypt(
                        chacha20poly1305::Nonce::from_slice(nonce),
                        Payload {
                            msg: ct,
                            aad: sha.as_bytes(),
                        },
                    )
                    .map_err(|_| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "file does not decrypt (tampered or wrong key)",
                        )
                    })?
            }
            // A file stored before encryption at rest.
            _ => raw,
        };
        if self.name_of(&plain) != sha && hex::encode(Sha256::digest(&plain)) != sha {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "file does not match its hash",
            ));
        }
        Ok(plain)
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(bytes: &[u8]) -> Upload {
        Upload {
            filename: "x".into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn types_come_from_content() {
        assert_eq!(check(&up(b"%PDF-1.7 ..."), 100), Ok("application/pdf"));
        assert_eq!(check(&up(b"\x89PNG\r\n\x1a\nrest"), 100), Ok("image/png"));
        assert_eq!(
            check(&up("Đơn khiếu nại".as_bytes()), 100),
            Ok("text/plain; charset=utf-8")
        );
        assert_eq!(
            check(&up(b"MZ\x90\x00\x03"), 100),
            Err(FileRefusal::UnsupportedType)
        );
        assert_eq!(
            check(&up(&[b'a'; 101]), 100),
            Err(FileRefusal::TooLarge { max: 100 })
        );
        assert_eq!(check(&up(b""), 100), Err(FileRefusal::Empty));
    }

    #[test]
    fn stored_files_are_encrypted_and_found_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::new(dir.path(), [9; 32]);
        let secret = "Bản chụp hợp đồng có chữ ký người tố cáo".as_bytes();
        let sha = fs.put(secret).unwrap();
        assert_eq!(sha.len(), 64);
        // The name is keyed: the document's own hash does not find it.
        assert_ne!(sha, hex::encode(Sha256::digest(secret)));
        assert_ne!(FileStore::new(dir.path(), [8; 32]).name_of(secret), sha);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(&sha[..2]).join(&sha))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(fs.put(secret).unwrap(), sha);
        assert_eq!(fs.get(&sha).unwrap(), secret);
        let on_disk = std::fs::read(dir.path().join(&sha[..2]).join(&sha)).unwrap();
        assert!(
            !on_disk.windows(secret.len()).any(|w| w == secret),
            "not in clear on disk"
        );
        assert!(
            FileStore::new(dir.path(), [8; 32]).get(&sha).is_err(),
            "another key does not open it"
        );
        assert!(fs.get("../../etc/passwd").is_err());
    }
}
