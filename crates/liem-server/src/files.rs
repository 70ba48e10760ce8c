//! Attachments on disk, content-addressed: a file's name is the SHA-256 of
//! its bytes, so the same scan stored twice takes the space once.

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

/// The content-addressed file store.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// A store rooted at a directory (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    fn path_of(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[..2]).join(sha)
    }

    /// Stores bytes durably (written, synced, renamed into place); returns
    /// their SHA-256.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let dest = self.path_of(&sha);
        if dest.exists() {
            return Ok(sha);
        }
        let dir = dest.parent().expect("a parent directory");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha}.{}", uuid::Uuid::new_v4().simple()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &dest)?;
        sync_dir(dir)?;
        Ok(sha)
    }

    /// Reads stored bytes by their SHA-256.
    pub fn get(&self, sha: &str) -> std::io::Result<Vec<u8>> {
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a SHA-256",
            ));
        }
        std::fs::read(self.path_of(sha))
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
    fn stored_files_are_found_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::new(dir.path());
        let sha = fs.put(b"hello").unwrap();
        assert_eq!(sha.len(), 64);
        assert_eq!(fs.put(b"hello").unwrap(), sha);
        assert_eq!(fs.get(&sha).unwrap(), b"hello");
        assert!(fs.get("../../etc/passwd").is_err());
    }
}
