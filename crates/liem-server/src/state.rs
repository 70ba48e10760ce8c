//! What every request handler shares: the store, the keys, the limiters,
//! the statistics model and the run-time settings.

use crate::{crypto, files, guard, i18n};
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the server needs at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted attachment, in bytes.
    pub max_upload_bytes: usize,
    /// Session lifetime, in hours.
    pub session_hours: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Where attachments are stored.
    pub files_dir: PathBuf,
    /// Leading zero bits the public form's proof of work needs.
    pub pow_bits: u32,
    /// How failed receipt-code checks are slowed and refused.
    pub rate: guard::RatePolicy,
    /// How failed logins are slowed and refused.
    pub login_rate: guard::RatePolicy,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Where signed checkpoints of the audit chain are appended (outside
    /// the data directory); none when unset.
    pub checkpoint_file: Option<PathBuf>,
    /// How often a checkpoint is written while the chain grows.
    pub checkpoint_every: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_upload_bytes: 20 * 1024 * 1024,
            session_hours: 12,
            secure_cookies: false,
            files_dir: PathBuf::from("liem-data/files"),
            pow_bits: 16,
            rate: guard::RatePolicy::default(),
            login_rate: guard::RatePolicy {
                window: std::time::Duration::from_secs(15 * 60),
                ..Default::default()
            },
            trust_forwarded_for: false,
            checkpoint_file: None,
            checkpoint_every: std::time::Duration::from_secs(3600),
        }
    }
}

/// What every request handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The database.
    pub store: liem_store::Store,
    /// Seals and unseals identities.
    pub sealer: crypto::Sealer,
    /// Translations.
    pub i18n: Arc<i18n::I18n>,
    /// Password hashing.
    pub passwords: crypto::PasswordPolicy,
    /// Attachments on disk.
    pub files: files::FileStore,
    /// Run-time settings.
    pub settings: Settings,
    /// Slows and refuses repeated wrong receipt codes.
    pub limiter: guard::RateLimiter,
    /// Slows and refuses repeated failed logins (per client and user name).
    pub login_limiter: guard::RateLimiter,
    /// The public form's proof of work.
    pub pow: guard::ProofOfWork,
    /// The in-memory statistics model, kept current from the change feed.
    pub model: liem_report::Model,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The id of the configuration key (for tests of the first-release seals).
    pub fn sealer_key_id(&self) -> String {
        let blob = self.sealer.seal(
            liem_domain::ids::LetterId::new(),
            &liem_domain::petition::Identity {
                name: String::new(),
                id_number: None,
                address: None,
                phone: None,
                email: None,
            },
        );
        blob.key_id
    }

    /// Builds the state.
    pub fn new(
        store: liem_store::Store,
        seal_key: &crypto::SecretKey,
        passwords: crypto::PasswordPolicy,
        settings: Settings,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store,
            sealer: crypto::Sealer::new(seal_key),
            i18n: Arc::new(i18n::I18n::load()),
            passwords,
            files: files::FileStore::new(
                settings.files_dir.clone(),
                seal_key.derive("liem files v1"),
            ),
            limiter: guard::RateLimiter::new(settings.rate),
            login_limiter: guard::RateLimiter::new(settings.login_rate),
            pow: guard::ProofOfWork::new(
                seal_key.derive("liem proof of work v1"),
                settings.pow_bits,
            ),
            settings,
            model: liem_report::Model::new(),
        }))
    }
}
